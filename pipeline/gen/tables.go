package gen

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The tables a full database export holds besides the ones linking reads:
// web sessions, preview cards, media, follows, users' reports, what
// moderators did (warnings, the admin log) and what the server already
// blocks. They are drawn from random sources of their own, so that every
// row the generator made before these tables existed stays the same.

// newSide is the random source of one part of these tables.
func newSide(seed, part uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x7ab1e5<<8^part, seed+part*0x9e3779b97f4a7c15))
}

// BurstImage is the one image the crypto-burst campaign attaches to its
// messages, on both instances: the same picture, so the same size, blurhash
// and dimensions, under a new file name each time.
type BurstImage struct {
	Blurhash      string
	Size          int64
	Width, Height int
}

// CampaignImage is the burst campaign's image.
func CampaignImage() BurstImage {
	return BurstImage{Blurhash: "UJF$Xb~q9FxuNGRjWBof00M{xuRjt7ofRjWB", Size: 482113, Width: 1080, Height: 1080}
}

// BlockedEmailDomains are the email domains every generated database export
// already blocks; inboxzap.org is one of noapp-wave's (NoAppEmailDomains),
// blocked after an earlier wave.
func BlockedEmailDomains() []string {
	return []string{"mailinator.com", "guerrillamail.com", "inboxzap.org", "zapmailrelay.net", "tempinbox.cc"}
}

// blurhash draws a 4x4-component BlurHash, as Mastodon computes for images.
func blurhash(r *rand.Rand) string {
	return "U" + draw(r, base83, 35) // (4-1) + (4-1)*9 components
}

// fileMeta is media_attachments.file_meta (and the API's meta) of an image.
func fileMeta(w, h int) string {
	sw, sh := w, h
	if sw > 400 || sh > 400 {
		f := 400 / float64(max(sw, sh))
		sw, sh = int(float64(sw)*f), int(float64(sh)*f)
	}
	aspect := func(a, b int) string { return strconv.FormatFloat(float64(a)/float64(b), 'g', 6, 64) }
	return fmt.Sprintf(`{"original":{"width":%d,"height":%d,"size":"%dx%d","aspect":%s},"small":{"width":%d,"height":%d,"size":"%dx%d","aspect":%s}}`,
		w, h, w, h, aspect(w, h), sw, sh, sw, sh, aspect(sw, sh))
}

// media is one attachment.
type media struct {
	id            int64
	fileName      string
	contentType   string
	size          int64
	width, height int
	blurhash      string
	shortcode     string
	description   string
	created       time.Time
}

// userReport is one report a user files with the moderators.
type userReport struct {
	id          int64
	reporter    *account
	target      *account
	statuses    []int64
	category    int // 0 other, 1000 spam, 1500 legal, 2000 violation
	comment     string
	created     time.Time
	actionTaken time.Time // zero: open
}

// attachments draws, as statuses are written, what hangs off each: its
// media, its card, and the reports its recipients file. It has its own
// random source and is used by one goroutine only.
type attachments struct {
	rng      *rand.Rand
	mediaSeq uint16
	cards    map[string]int64 // preview card id by URL: a card is one per URL
	reports  []*userReport
	first    map[*account]int64 // the first status of each burst account
	firstTo  map[*account]*account
}

func newAttachments(seed, part uint64) *attachments {
	return &attachments{rng: newSide(seed, part), cards: map[string]int64{}, first: map[*account]int64{}, firstTo: map[*account]*account{}}
}

// media draws the attachments of s: the burst campaign posts its one image
// in two messages of five; ordinary people attach their own photos to
// about one post in fifteen; the other campaigns post text.
func (at *attachments) media(s *status) []media {
	var n int
	burst := s.account.campaign == CampaignBurst
	switch {
	case burst && at.rng.IntN(5) < 2:
		n = 1
	case s.account.campaign == "" && at.rng.IntN(15) == 0:
		n = 1 + at.rng.IntN(2)
	}
	out := make([]media, 0, n)
	for range n {
		at.mediaSeq++
		created := s.created.Add(-time.Duration(5+at.rng.IntN(120)) * time.Second)
		m := media{id: created.UnixMilli()<<16 | int64(at.mediaSeq), created: created, shortcode: draw(at.rng, urlSafe, 19)}
		if burst {
			img := CampaignImage()
			m.fileName, m.contentType, m.size, m.width, m.height, m.blurhash = draw(at.rng, hexDigits, 16)+".png", "image/png", img.Size, img.Width, img.Height, img.Blurhash
		} else {
			dims := [][2]int{{1280, 960}, {960, 1280}, {1280, 720}, {1080, 1080}, {1280, 853}}[at.rng.IntN(5)]
			m.fileName, m.contentType, m.size = draw(at.rng, hexDigits, 16)+".jpeg", "image/jpeg", int64(80_000+at.rng.IntN(1_900_000))
			m.width, m.height, m.blurhash = dims[0], dims[1], blurhash(at.rng)
			if at.rng.IntN(2) == 0 {
				m.description = "A photo of my " + words()[at.rng.IntN(len(words()))] + "."
			}
		}
		out = append(out, m)
	}
	return out
}

// card returns the preview card of url, and whether it is new.
func (at *attachments) card(url string) (int64, bool) {
	if id, ok := at.cards[url]; ok {
		return id, false
	}
	id := int64(len(at.cards) + 1)
	at.cards[url] = id
	return id, true
}

// note records the reports a status draws: one in twenty-five recipients
// of a burst message reports it as spam; an ordinary mention is reported
// now and then (a quarrel).
func (at *attachments) note(s *status) {
	if s.account.campaign == CampaignBurst {
		if _, ok := at.first[s.account]; !ok && len(s.mentions) > 0 {
			at.first[s.account], at.firstTo[s.account] = s.id, s.mentions[0]
		}
	}
	for _, r := range s.mentions {
		if r.domain != "" || r.campaign != "" {
			continue // reports of remote accounts come from their own server
		}
		created := s.created.Add(time.Duration(5+at.rng.IntN(600)) * time.Minute)
		switch {
		case s.account.campaign == CampaignBurst && at.rng.IntN(25) == 0:
			comments := []string{"", "spam", "crypto scam in my DMs", "Unsolicited DM promoting a crypto site. Scam."}
			at.reports = append(at.reports, &userReport{reporter: r, target: s.account, statuses: []int64{s.id}, category: 1000,
				comment: comments[at.rng.IntN(len(comments))], created: created})
		case s.account.campaign == "" && at.rng.IntN(150) == 0:
			cat, comment := 0, "This reply is rude."
			if at.rng.IntN(2) == 0 {
				cat, comment = 2000, "Harassment in my mentions."
			}
			at.reports = append(at.reports, &userReport{reporter: r, target: s.account, statuses: []int64{s.id}, category: cat, comment: comment, created: created})
		}
	}
}

// moderation is what the moderators of the database-export instance did
// before the dump was taken: a few accounts of the burst campaign
// suspended after users reported them.
type moderation struct {
	moderator *account
	suspended []*account
}

// planModeration picks the moderator and the burst accounts already
// suspended (one in a hundred, at least three), and sets their
// suspension time. It runs before the accounts are written.
func planModeration(seed uint64, ordinary, burst []*account, burstAt time.Time) *moderation {
	r := newSide(seed, 2)
	mod := &moderation{moderator: ordinary[0]}
	k := min(max(3, len(burst)/100), len(burst))
	for i, j := range r.Perm(len(burst))[:k] {
		a := burst[j]
		a.suspendedAt = burstAt.Add(3*time.Hour + time.Duration(i*7)*time.Minute + time.Duration(r.IntN(300))*time.Second).Truncate(time.Millisecond)
		mod.suspended = append(mod.suspended, a)
	}
	return mod
}

// sameNetwork is another address in the /24 (IPv4) or /64 (IPv6) of ip:
// the next lease of the same line.
func sameNetwork(r *rand.Rand, ip string) string {
	if i := strings.LastIndexByte(ip, '.'); i >= 0 && !strings.Contains(ip, ":") {
		return ip[:i+1] + strconv.Itoa(1+r.IntN(254))
	}
	if i := strings.LastIndex(ip, "::"); i >= 0 {
		return ip[:i+2] + strconv.FormatInt(int64(1+r.IntN(65535)), 16)
	}
	return ip
}

func userAgents() []string {
	return []string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/113.0",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/113.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.4 Safari/605.1.15",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 16_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.4 Mobile/15E148 Safari/604.1",
	}
}

// writeExtraTables writes the sessions, follows, reports, warnings, admin
// log and blocks of the database-export instance, each through begin and
// end (a COPY block of dump.sql, or a CSV file). It returns the session
// ids: secrets no output may show.
func (w *world) writeExtraTables(seed uint64, begin func(name string, cols ...string) (*table, error), end func(*table) error,
	locals, ordinary, remote []*account, at *attachments, mod *moderation, moreFollows [][2]*account) ([]string, error) {
	r := newSide(seed, 3)
	_, finish, burstAt := period()
	// The moderator's blocks come after the moderator's own sign-up (the
	// first in the dump), before the waves.
	since := mod.moderator.created.Truncate(24 * time.Hour)
	var sessionIDs []string

	// Web sessions: every account that signs in on the web (not the
	// API-only bots of the burst); some ordinary people from a second
	// address of the same line. Campaign accounts keep to their sign-up
	// address.
	t, err := begin("session_activations", "id", "session_id", "created_at", "updated_at", "user_agent", "ip", "access_token_id", "user_id", "web_push_subscription_id")
	if err != nil {
		return nil, err
	}
	var id int64
	session := func(a *account, ip string, created time.Time) {
		id++
		sid := draw(r, hexDigits, 32)
		sessionIDs = append(sessionIDs, sid)
		used := created.Add(time.Duration(1+r.IntN(20*24)) * time.Hour)
		if used.After(finish) {
			used = finish.Add(-time.Duration(1+r.IntN(3600)) * time.Second)
		}
		t.row(id, sid, created, used, userAgents()[r.IntN(len(userAgents()))], ip, nil, a.userID, nil)
	}
	for _, a := range locals {
		if a.campaign == CampaignBurst {
			continue
		}
		session(a, a.ip, a.created.Add(time.Minute))
		if a.campaign == "" && a.hard == 0 && !strings.HasPrefix(a.ip, "100.64.") && r.IntN(100) < 35 {
			session(a, sameNetwork(r, a.ip), a.created.Add(time.Duration(2+r.IntN(18))*24*time.Hour))
		}
	}
	if err := end(t); err != nil {
		return nil, err
	}

	// Follows among ordinary people, local and remote.
	if t, err = begin("follows", "id", "created_at", "updated_at", "account_id", "target_account_id", "show_reblogs", "uri", "notify", "languages"); err != nil {
		return nil, err
	}
	pool := append(append([]*account{}, ordinary...), remote...)
	id = 0
	for _, a := range ordinary {
		seen := map[*account]bool{a: true}
		for k := r.IntN(4); k > 0; k-- {
			b := pool[r.IntN(len(pool))]
			if seen[b] || b.campaign != "" {
				continue
			}
			seen[b] = true
			id++
			created := a.created
			if b.created.After(created) {
				created = b.created
			}
			created = created.Add(time.Duration(r.IntN(10*24*3600)) * time.Second).Truncate(time.Millisecond)
			if created.After(finish) {
				created = finish.Add(-time.Duration(1+r.IntN(3600)) * time.Second)
			}
			t.row(id, created, created, a.id, b.id, true, "https://"+DBInstance+"/"+draw(r, hexDigits, 8)+"-"+draw(r, hexDigits, 4)+"-"+draw(r, hexDigits, 4)+"-"+draw(r, hexDigits, 4)+"-"+draw(r, hexDigits, 12), false, nil)
		}
	}
	// The follows of the remote world around the federated wave (local
	// people who follow remote friends), with ids and times of their own.
	for i, f := range moreFollows {
		created := f[0].created
		if f[1].created.After(created) {
			created = f[1].created
		}
		created = created.Add(time.Duration(1+i) * time.Hour).Truncate(time.Millisecond)
		t.row(int64(1_000_000+i), created, created, f[0].id, f[1].id, true, fmt.Sprintf("https://%s/follows/wave-%d", DBInstance, i), false, nil)
	}
	if err := end(t); err != nil {
		return nil, err
	}

	// Reports: the suspended accounts' were resolved by their suspension;
	// one was filed for each suspended account no one had reported.
	reported := map[*account]bool{}
	for _, rp := range at.reports {
		reported[rp.target] = true
	}
	for _, a := range mod.suspended {
		if !reported[a] && at.first[a] != 0 {
			at.reports = append(at.reports, &userReport{reporter: at.firstTo[a], target: a, statuses: []int64{at.first[a]}, category: 1000,
				comment: "spam", created: a.suspendedAt.Add(-time.Duration(20+r.IntN(90)) * time.Minute)})
		}
	}
	suspendedAt := map[*account]time.Time{}
	for _, a := range mod.suspended {
		suspendedAt[a] = a.suspendedAt
	}
	sort.SliceStable(at.reports, func(i, j int) bool { return at.reports[i].created.Before(at.reports[j].created) })
	reportOf := map[*account]*userReport{}
	for i, rp := range at.reports {
		rp.id = int64(i + 1)
		if s, ok := suspendedAt[rp.target]; ok && !rp.created.After(s) {
			rp.actionTaken = s
			reportOf[rp.target] = rp
		}
	}
	if t, err = begin("reports", "id", "status_ids", "comment", "created_at", "updated_at", "account_id", "action_taken_by_account_id",
		"target_account_id", "assigned_account_id", "uri", "forwarded", "category", "action_taken_at", "rule_ids"); err != nil {
		return nil, err
	}
	for _, rp := range at.reports {
		var by, taken any
		updated := rp.created
		if !rp.actionTaken.IsZero() {
			by, taken, updated = mod.moderator.id, rp.actionTaken, rp.actionTaken
		}
		t.row(rp.id, idArray(rp.statuses), rp.comment, rp.created, updated, rp.reporter.id, by, rp.target.id, by, nil, nil, rp.category, taken, nil)
	}
	if err := end(t); err != nil {
		return nil, err
	}

	// Strikes: a suspension for each suspended account; one warning
	// (no action) for the target of an ordinary report.
	if t, err = begin("account_warnings", "id", "account_id", "target_account_id", "action", "text", "created_at", "updated_at", "report_id", "status_ids", "overruled_at"); err != nil {
		return nil, err
	}
	id = 0
	for _, a := range mod.suspended {
		id++
		var report, statuses any
		if rp := reportOf[a]; rp != nil {
			report, statuses = rp.id, idArray(rp.statuses)
		}
		t.row(id, mod.moderator.id, a.id, 4000, "Unsolicited crypto promotion in private mentions.", a.suspendedAt, a.suspendedAt, report, statuses, nil)
	}
	var warned *userReport
	for _, rp := range at.reports {
		if rp.category != 1000 && rp.target.campaign == "" {
			warned = rp
			break
		}
	}
	if warned != nil {
		id++
		when := warned.created.Add(2 * time.Hour)
		t.row(id, mod.moderator.id, warned.target.id, 0, "Please keep your replies civil.", when, when, warned.id, idArray(warned.statuses), nil)
	}
	if err := end(t); err != nil {
		return nil, err
	}

	// The admin log: the suspensions, the reports they resolved, and the
	// blocks below.
	type logEntry struct {
		action, targetType string
		targetID           int64
		human              string
		at                 time.Time
	}
	var log []logEntry
	for _, a := range mod.suspended {
		log = append(log, logEntry{"suspend", "Account", a.id, a.acct(), a.suspendedAt})
		if rp := reportOf[a]; rp != nil {
			log = append(log, logEntry{"resolve", "Report", rp.id, strconv.FormatInt(rp.id, 10), a.suspendedAt.Add(time.Second)})
		}
	}

	type domainBlock struct {
		domain                    string
		severity                  int
		media, reports, obfuscate bool
		private, public           string
		created                   time.Time
	}
	domainBlocks := []domainBlock{
		{"spam-relay.social", 1, true, true, false, "mass DM spam, March 2023", "Spam", since.Add(2 * 24 * time.Hour)},
		{"freebies.zone", 0, true, false, false, "giveaway bots", "Spam", since.Add(5 * 24 * time.Hour)},
		{"botfarm.network", 2, false, true, true, "floods of fake reports", "", since.Add(9 * 24 * time.Hour)},
	}
	if t, err = begin("domain_blocks", "id", "domain", "created_at", "updated_at", "severity", "reject_media", "reject_reports", "private_comment", "public_comment", "obfuscate"); err != nil {
		return nil, err
	}
	for i, b := range domainBlocks {
		t.row(i+1, b.domain, b.created, b.created, b.severity, b.media, b.reports, nullable(b.private), nullable(b.public), b.obfuscate)
		log = append(log, logEntry{"create", "DomainBlock", int64(i + 1), b.domain, b.created})
	}
	if err := end(t); err != nil {
		return nil, err
	}

	// Email domains: two throwaway providers, inboxzap.org (blocked after
	// an earlier wave) with the domain of its mail exchanger as a child
	// block, and one that only needs approval.
	emails := BlockedEmailDomains()
	if t, err = begin("email_domain_blocks", "id", "domain", "created_at", "updated_at", "parent_id", "allow_with_approval"); err != nil {
		return nil, err
	}
	for i, d := range emails {
		created := since.Add(time.Duration(1+2*i)*24*time.Hour + time.Duration(i)*time.Hour)
		var parent any
		if d == "zapmailrelay.net" {
			parent = int64(i) // the block of inboxzap.org, just before
		}
		t.row(i+1, d, created, created, parent, d == "tempinbox.cc")
		if parent == nil {
			log = append(log, logEntry{"create", "EmailDomainBlock", int64(i + 1), d, created})
		}
	}
	if err := end(t); err != nil {
		return nil, err
	}

	// Addresses: Tor exits, a scanner, and the /24 of the first suspended
	// burst account (sign-ups from it need approval since the wave).
	type ipBlock struct {
		ip       string
		severity int
		comment  string
		created  time.Time
	}
	ipBlocks := []ipBlock{
		{"185.220.101.0/24", 5500, "Tor exit relays", since.Add(3 * 24 * time.Hour)},
		{"45.134.26.12", 9999, "scanner hammering /api/v1/accounts", since.Add(8 * 24 * time.Hour)},
	}
	if len(mod.suspended) > 0 {
		ip := mod.suspended[0].ip
		if i := strings.LastIndexByte(ip, '.'); i > 0 && !strings.Contains(ip, ":") {
			ipBlocks = append(ipBlocks, ipBlock{ip[:i] + ".0/24", 5000, "crypto spam wave of " + burstAt.Format("2006-01-02"), burstAt.Add(4 * time.Hour)})
		}
	}
	if t, err = begin("ip_blocks", "id", "created_at", "updated_at", "expires_at", "ip", "severity", "comment"); err != nil {
		return nil, err
	}
	for i, b := range ipBlocks {
		t.row(i+1, b.created, b.created, nil, b.ip, b.severity, b.comment)
		log = append(log, logEntry{"create", "IpBlock", int64(i + 1), b.ip, b.created})
	}
	if err := end(t); err != nil {
		return nil, err
	}

	if t, err = begin("admin_action_logs", "id", "account_id", "action", "target_type", "target_id", "created_at", "updated_at", "human_identifier", "route_param", "permalink"); err != nil {
		return nil, err
	}
	sort.SliceStable(log, func(i, j int) bool { return log[i].at.Before(log[j].at) })
	for i, e := range log {
		t.row(i+1, mod.moderator.id, e.action, e.targetType, e.targetID, e.at, e.at, e.human, nil, nil)
	}
	if err := end(t); err != nil {
		return nil, err
	}
	return sessionIDs, nil
}

// idArray writes ids as PostgreSQL writes a bigint[]: {1,2}.
func idArray(ids []int64) string {
	b := []byte{'{'}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, '}'))
}

// mediaURL is where Mastodon serves a local attachment: the id in groups
// of three digits, the style, the file name.
func mediaURL(instance string, id int64, style, name string) string {
	digits := fmt.Sprintf("%018d", id)
	var groups []string
	for i := 0; i < len(digits); i += 3 {
		groups = append(groups, digits[i:i+3])
	}
	return "https://files." + instance + "/media_attachments/files/" + strings.Join(groups, "/") + "/" + style + "/" + name
}
