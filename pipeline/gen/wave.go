package gen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

// CampaignFedWave is the federated wave: accounts on small
// open-registration servers (Mastodon and Misskey), random usernames, made
// within hours, each posting one to three near-identical public messages
// with the same image to local accounts that do not follow them; seven in
// ten of the messages carry the promoted link. The receiving servers hold
// them as remote accounts: no email, IP or app.
const CampaignFedWave = "fed-wave"

// WaveDomains are the domains the federated wave promotes.
func WaveDomains() []string { return []string{"airdrop-vault.net"} }

// waveAt is when the wave's accounts first appear.
func waveAt() time.Time { return time.Date(2023, 5, 15, 2, 10, 0, 0, time.UTC) }

// WaveImage is the image every message of the wave carries.
func WaveImage() BurstImage {
	return BurstImage{Blurhash: "UKO2?U%2Tw=w]~RBVZRi};RPxuwH%3s9-;%M", Size: 318422, Width: 1200, Height: 675}
}

// waveServer is a small server the wave's accounts are made on.
type waveServer struct {
	host    string
	misskey bool // Misskey renders mentions and links its own way
}

// wave is what one receiving instance sees of the federated wave and of
// the remote accounts around it that must not join it.
type wave struct {
	source
	servers  []waveServer
	accounts []*account // the wave
	// Hard negatives: remote friends who mention each other and the local
	// accounts that follow them; a fleet of news bots on one server with
	// distinct text; ordinary remote accounts first seen over the period.
	friends, bots, newcomers []*account
	statuses                 []*status
	follows                  [][2]*account // follower, followed
	images                   map[*status]BurstImage
}

// newWave draws the wave as instance sees it: n accounts over the
// servers, mentioning locals. It has a random source of its own, so that
// nothing else the generator draws changes.
func newWave(seed uint64, instance string, n, nServers int, locals []*account, taken map[string]bool) *wave {
	wv := &wave{source: source{rng: rand.New(rand.NewPCG(seed^0xfed0fed0, uint64(len(instance))*0x9e3779b97f4a7c15)), seq: 40000},
		images: map[*status]BurstImage{}}
	// The servers are the same, whichever instance receives the wave.
	srng := rand.New(rand.NewPCG(seed^0x5e7e75, 0xfed))
	syll := []string{"mast", "toot", "soc", "fedi", "verse", "net", "hub", "town", "zone", "space"}
	tlds := []string{"xyz", "online", "site", "fun", "click", "top"}
	for i := range nServers {
		host := fmt.Sprintf("%s%s%d.%s", syll[srng.IntN(len(syll))], syll[srng.IntN(len(syll))], 10+i, tlds[i%len(tlds)])
		wv.servers = append(wv.servers, waveServer{host: host, misskey: i%3 == 2})
	}
	at := waveAt()
	if instance != DBInstance {
		at = at.Add(47 * time.Minute)
	}
	for i := range n {
		srv := wv.servers[i%len(wv.servers)]
		first := at.Add(time.Duration(wv.rng.Int64N(int64(5 * time.Hour)))).Truncate(time.Millisecond)
		a := &account{domain: srv.host, campaign: CampaignFedWave, created: first.Truncate(24 * time.Hour)}
		a.username = wv.randomName(taken)
		a.displayName = a.username
		a.id = wv.snowflake(first)
		wv.accounts = append(wv.accounts, a)
		for j := range 1 + wv.rng.IntN(3) {
			t := first.Add(time.Duration(1+wv.rng.IntN(40)+j*30) * time.Minute)
			wv.add(wv.waveStatus(a, t, locals, srv), WaveImage())
		}
	}
	wv.hardNegatives(instance, locals, taken)
	sort.SliceStable(wv.statuses, func(i, j int) bool { return wv.statuses[i].created.Before(wv.statuses[j].created) })
	return wv
}

// randomName draws a username as sign-up scripts make them: 10 to 12
// random letters, sometimes with a digit or two.
func (wv *wave) randomName(taken map[string]bool) string {
	for {
		b := make([]byte, 10+wv.rng.IntN(3))
		for i := range b {
			b[i] = byte('a' + wv.rng.IntN(26))
			if i > 3 && wv.rng.IntN(8) == 0 {
				b[i] = byte('0' + wv.rng.IntN(10))
			}
		}
		if n := string(b); !taken[n] {
			taken[n] = true
			return n
		}
	}
}

func (wv *wave) add(s *status, img BurstImage) {
	s.id = wv.snowflake(s.created)
	wv.statuses = append(wv.statuses, s)
	if img.Blurhash != "" {
		wv.images[s] = img
	}
}

// waveStatus is one message of the wave: mentions of one or two local
// accounts, a near-identical text and, seven times in ten, the link.
func (wv *wave) waveStatus(a *account, t time.Time, locals []*account, srv waveServer) *status {
	s := &status{account: a, created: t, visibility: 0}
	for range 1 + wv.rng.IntN(2) {
		r := locals[wv.rng.IntN(len(locals))]
		s.mentions = append(s.mentions, r)
		s.segs = append(s.segs, seg{kind: 'm', value: r.acct(), host: ""}, seg{kind: 't', value: " "})
	}
	amount := []string{"500", "1,000", "2,500"}[wv.rng.IntN(3)]
	token := []string{"USDT", "ETH", "SOL"}[wv.rng.IntN(3)]
	body := fmt.Sprintf("Congratulations! Your wallet was selected for the community airdrop: claim %s %s before it closes. Connect your wallet and verify in two minutes", amount, token)
	if wv.rng.IntN(10) < 7 {
		s.segs = append(s.segs, seg{kind: 't', value: body + " at "},
			seg{kind: 'u', value: fmt.Sprintf("https://%s/claim/%s", WaveDomains()[0], draw(wv.rng, lowerAlnum, 8))}, seg{kind: 't', value: " 🎁"})
	} else {
		s.segs = append(s.segs, seg{kind: 't', value: body + ": the link is in the picture 🎁"})
	}
	return s
}

// hardNegatives draws the remote accounts that must stay out of the wave.
func (wv *wave) hardNegatives(instance string, locals []*account, taken map[string]bool) {
	start, end, _ := period()
	span := end.Sub(start)
	name := func() string {
		return strings.ReplaceAll(wv.pick(firstNames())+"_"+wv.pick(words()), ".", "_")
	}
	unique := func() string {
		for {
			n := name()
			if wv.rng.IntN(2) == 0 {
				n += fmt.Sprint(wv.rng.IntN(100))
			}
			if !taken[n] {
				taken[n] = true
				return n
			}
		}
	}
	// Remote friends: six accounts on three servers, known for years,
	// talking among themselves and with the local accounts that follow them.
	friendHosts := []string{"fosstodon.org", "hachyderm.io", "chaos.social"}
	for i := range 6 {
		a := &account{domain: friendHosts[i%3], created: start.Add(-time.Duration(200+wv.rng.IntN(900)) * 24 * time.Hour).Truncate(24 * time.Hour)}
		a.username = unique()
		a.displayName = a.username
		a.id = wv.snowflake(a.created.Add(time.Duration(wv.rng.IntN(86400)) * time.Second))
		wv.friends = append(wv.friends, a)
	}
	fans := locals[:min(len(locals), 12)]
	for i, f := range fans {
		wv.follows = append(wv.follows, [2]*account{f, wv.friends[i%len(wv.friends)]})
	}
	chat := []string{"did you try the new release yet? the build finally works on my machine", "see you at the meetup on Thursday, I will bring the stickers",
		"that talk was great, thanks for the slides and the notes", "my garden is full of birds this morning, photos later",
		"reading about compilers again, send help and coffee", "the train was late again but the view made up for it"}
	for i := range 30 {
		a := wv.friends[wv.rng.IntN(len(wv.friends))]
		other := wv.friends[(indexOf(wv.friends, a)+1+wv.rng.IntN(len(wv.friends)-1))%len(wv.friends)]
		t := start.Add(time.Duration(wv.rng.Int64N(int64(span)))).Truncate(time.Millisecond)
		s := &status{account: a, created: t, mentions: []*account{other}}
		s.segs = []seg{{kind: 'm', value: other.acct()}, {kind: 't', value: " " + chat[(i+wv.rng.IntN(len(chat)))%len(chat)]}}
		if i%4 == 0 { // and the local accounts that follow them
			f := fans[wv.rng.IntN(len(fans))]
			if followsOf(wv.follows, f, a) {
				s.mentions = append(s.mentions, f)
				s.segs = append(s.segs, seg{kind: 't', value: " cc "}, seg{kind: 'm', value: f.acct()})
			}
		}
		wv.add(s, BurstImage{})
	}
	// A news-bot fleet: five bots of one newsroom, made months apart, each
	// posting distinct headlines with links to the newsroom's site.
	for i := range 5 {
		a := &account{domain: "botsin.space", created: start.Add(-time.Duration(30+60*i) * 24 * time.Hour).Truncate(24 * time.Hour)}
		a.username = []string{"world", "tech", "science", "sports", "culture"}[i] + "news_bot"
		taken[a.username] = true
		a.displayName = "Riverside Herald " + a.username
		a.id = wv.snowflake(a.created.Add(time.Duration(wv.rng.IntN(86400)) * time.Second))
		wv.bots = append(wv.bots, a)
		for j := range 8 {
			t := start.Add(time.Duration(j)*span/8 + time.Duration(wv.rng.Int64N(int64(span/8)))).Truncate(time.Millisecond)
			s := &status{account: a, created: t}
			s.segs = []seg{{kind: 't', value: fmt.Sprintf("%s %s %s: ", wv.pick(headlineA()), wv.pick(headlineB()), wv.pick(words()))},
				{kind: 'u', value: fmt.Sprintf("https://riversideherald.example/%s/%d", a.username[:len(a.username)-9], 10000+wv.rng.IntN(90000))}}
			wv.add(s, BurstImage{})
		}
	}
	// Ordinary remote accounts, first seen over the period: a post or two
	// each, some with a photo of their own.
	// Two of the database instance's are on the first of the wave's servers (open
	// registrations serve ordinary people too): that server is mostly the
	// wave, not only.
	hosts := []string{"mastodon.world", "mstdn.social", "techhub.social", "mas.to", "social.vivaldi.net", "misskey.io"}
	for i := range 15 {
		first := start.Add(time.Duration(wv.rng.Int64N(int64(span)))).Truncate(time.Millisecond)
		host := wv.pick(hosts)
		if i < 2 && instance == DBInstance {
			host = wv.servers[0].host
		}
		a := &account{domain: host, created: first.Truncate(24 * time.Hour)}
		a.username = unique()
		a.displayName = a.username
		a.id = wv.snowflake(first)
		wv.newcomers = append(wv.newcomers, a)
		for j := range 1 + wv.rng.IntN(2) {
			s := &status{account: a, created: first.Add(time.Duration(1+j) * time.Hour)}
			s.segs = []seg{{kind: 't', value: fmt.Sprintf("Hello fediverse! New here, I post about %s and %s.", wv.pick(words()), wv.pick(words()))}}
			img := BurstImage{}
			if wv.rng.IntN(3) == 0 {
				img = BurstImage{Blurhash: blurhash(wv.rng), Size: int64(90_000 + wv.rng.IntN(900_000)), Width: 1280, Height: 960}
			}
			wv.add(s, img)
		}
	}
}

func headlineA() []string {
	return []string{"Council approves", "Storm delays", "Researchers find", "Local team wins", "Museum opens", "Court rules on", "Market rallies after", "New bridge for"}
}

func headlineB() []string {
	return []string{"budget for", "plans for", "a new study of", "the final over", "an exhibition of", "the case of", "news about", "the river and"}
}

func indexOf(list []*account, a *account) int {
	for i, x := range list {
		if x == a {
			return i
		}
	}
	return -1
}

func followsOf(follows [][2]*account, follower, followed *account) bool {
	for _, f := range follows {
		if f[0] == follower && f[1] == followed {
			return true
		}
	}
	return false
}

// remoteAccounts are all the remote accounts of the wave's world.
func (wv *wave) remoteAccounts() []*account {
	return append(append(append(append([]*account{}, wv.accounts...), wv.friends...), wv.bots...), wv.newcomers...)
}

// waveSize is the number of the wave's accounts on the database-export
// instance: 40 in the sample, one in a hundred of a large instance's.
func waveSize(accounts int) (n, servers int) {
	if accounts >= LargeAccounts {
		return accounts / 100, 30
	}
	return 40, 8
}

// dbStatus is how a status is stored in the database export: a local
// status's text is what its author typed; a remote status's is the HTML
// its server sent, with its URI and URL on that server.
func (wv *wave) dbStatus(s *status) (uri, url, body string, local bool) {
	if s.account.domain == "" {
		id := fmt.Sprint(s.id)
		return "https://" + DBInstance + "/users/" + s.account.username + "/statuses/" + id, "https://" + DBInstance + "/@" + s.account.username + "/" + id,
			text(s.segs), true
	}
	uri, url = wv.statusURI(s)
	return uri, url, wv.remoteHTML(s, DBInstance), false
}

// Hard-negative groups of the federated wave's world (large configs).
const (
	HardRemoteFriends = "remote_friends" // remote accounts who mention each other and the locals who follow them
	HardNewsBots      = "news_bots"      // a newsroom's bots on one server, distinct headlines, one site
	HardNewcomers     = "remote_newcomers"
)

func (wv *wave) hardNegativeTruth(t *Truth, instance string) {
	if t.HardNegatives == nil {
		t.HardNegatives = map[string][]string{}
	}
	for name, accs := range map[string][]*account{HardRemoteFriends: wv.friends, HardNewsBots: wv.bots, HardNewcomers: wv.newcomers} {
		for _, a := range accs {
			t.HardNegatives[name] = append(t.HardNegatives[name], instance+"/"+fmt.Sprint(a.id))
		}
	}
}

// misskey says whether a is on a Misskey server of the wave.
func (wv *wave) misskey(a *account) bool {
	for _, s := range wv.servers {
		if s.host == a.domain {
			return s.misskey
		}
	}
	return a.domain == "misskey.io"
}

// remoteHTML renders a remote status as its server sent it: Mastodon's
// markup (h-card mentions, invisible URL parts) or Misskey's (a plain
// mention link with the full handle, text in spans).
func (wv *wave) remoteHTML(s *status, instance string) string {
	if !wv.misskey(s.account) {
		return html(s.segs, instance) // mentions without a host are of instance's accounts
	}
	var b strings.Builder
	b.WriteString("<p>")
	for _, sg := range s.segs {
		switch sg.kind {
		case 'm':
			user, host, _ := strings.Cut(sg.value, "@")
			if host == "" {
				host = instance
			}
			fmt.Fprintf(&b, `<a href="https://%s/@%s" class="u-url mention">@%s@%s</a>`, host, user, escape(user), escape(host))
		case 'u':
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, escape(sg.value), escape(sg.value))
		default:
			fmt.Fprintf(&b, "<span>%s</span>", escape(sg.value))
		}
	}
	b.WriteString("</p>")
	return b.String()
}

// statusURI is a remote status's URI and URL on its server.
func (wv *wave) statusURI(s *status) (uri, url string) {
	a := s.account
	if wv.misskey(a) {
		note := fmt.Sprintf("%x", s.id)
		return "https://" + a.domain + "/notes/" + note, "https://" + a.domain + "/notes/" + note
	}
	return fmt.Sprintf("https://%s/users/%s/statuses/%d", a.domain, a.username, s.id), fmt.Sprintf("https://%s/@%s/%d", a.domain, a.username, s.id)
}

// apiStatus is a remote status as instance's REST API shows it.
func (wv *wave) apiStatus(s *status, instance string) jsonStatus {
	uri, url := wv.statusURI(s)
	js := jsonStatus{ID: fmt.Sprint(s.id), CreatedAt: iso(s.created), Visibility: "public", Language: "en", URI: uri, URL: url,
		Content: wv.remoteHTML(s, instance), Account: s.account.json(instance), MediaAttachments: []jsonMedia{}, Mentions: []jsonMention{}, Tags: []jsonTag{}}
	js.Account.Bot = slices.Contains(wv.bots, s.account)
	for _, m := range s.mentions {
		js.Mentions = append(js.Mentions, jsonMention{ID: fmt.Sprint(m.id), Username: m.username, URL: m.url(instance), Acct: m.acct()})
	}
	if m, ok := wv.media(s); ok {
		remote := wv.remoteURL(s, m)
		js.MediaAttachments = append(js.MediaAttachments, jsonMedia{ID: fmt.Sprint(m.id), Type: "image",
			URL: mediaURL(instance, m.id, "original", m.fileName), PreviewURL: mediaURL(instance, m.id, "small", m.fileName),
			RemoteURL: &remote, Meta: json.RawMessage(fileMeta(m.width, m.height)), Blurhash: m.blurhash})
	}
	return js
}

// media is the image of a status of the wave's world, as this server
// stored its copy: the same picture keeps its blurhash, dimensions and
// size; the file name and id are this server's.
func (wv *wave) media(s *status) (media, bool) {
	img, ok := wv.images[s]
	if !ok {
		return media{}, false
	}
	created := s.created.Add(2 * time.Second)
	m := media{id: s.id + 1, fileName: fmt.Sprintf("%x.png", s.id), contentType: "image/png", size: img.Size,
		width: img.Width, height: img.Height, blurhash: img.Blurhash, shortcode: "", created: created}
	return m, true
}

// remoteURL is where the image lives on its own server.
func (wv *wave) remoteURL(s *status, m media) string {
	return fmt.Sprintf("https://%s/system/media_attachments/files/%x/original/%s", s.account.domain, s.id, m.fileName)
}
