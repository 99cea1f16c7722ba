package gen

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The period a generated dump covers, and the moment of the burst.
func period() (start, end, burst time.Time) {
	start = time.Date(2023, 4, 20, 0, 0, 0, 0, time.UTC)
	end = time.Date(2023, 5, 20, 0, 0, 0, 0, time.UTC)
	burst = time.Date(2023, 5, 5, 14, 2, 0, 0, time.UTC)
	return
}

// BurstDomains are the crypto domains the burst campaign promotes.
func BurstDomains() []string {
	return []string{"moonxtrade.com", "bitqlend.com", "cryptonexa.io", "ethvaultpro.net", "coinrisefx.com", "tradebtcx.org"}
}

// QuietDomains are the forex domains the quiet campaign promotes.
func QuietDomains() []string {
	return []string{"forexgainspro.com", "tradewiseacademy.net", "pipsmasterclub.org"}
}

// CampaignAppWebsite is the website both instances' campaign apps declare.
const CampaignAppWebsite = "https://quot.pw"

func popularLinks() []string {
	return []string{
		"https://www.youtube.com/watch?v=%s", "https://en.wikipedia.org/wiki/%s", "https://github.com/%s/%s",
		"https://www.nytimes.com/2023/05/%02d/technology/%s.html", "https://www.bbc.co.uk/news/technology-%d",
		"https://www.theguardian.com/world/2023/may/%02d/%s", "https://blog.joinmastodon.org/2023/05/%s/",
	}
}

// instanceApps are the ordinary apps of an instance; ids start at base.
func (w *world) instanceApps(base int64, created time.Time) []*app {
	mk := func(off int64, name, site, redirect string, superapp bool) *app {
		return &app{id: base + off, name: name, website: site, redirect: redirect, superapp: superapp,
			uid: w.token(43), secret: w.token(43), created: created}
	}
	return []*app{
		mk(0, "Web", "", "urn:ietf:wg:oauth:2.0:oob", true),
		mk(1, "Mastodon for iOS", "https://app.joinmastodon.org/ios", "mastodon://joinmastodon.org/oauth", false),
		mk(2, "Mastodon for Android", "https://app.joinmastodon.org/android", "mastodon-android-auth://callback", false),
		mk(3, "Tusky", "https://tusky.app", "oauth2redirect://com.keylesspalace.tusky/", false),
		mk(4, "Ivory for iOS", "https://tapbots.com/ivory/", "ivory://oauth", false),
		mk(5, "Elk", "https://elk.zone", "https://elk.zone/api/mastodon.social/oauth/https%3A%2F%2Felk.zone", false),
		mk(6, "Ice Cubes", "https://github.com/Dimillian/IceCubesApp", "icecubesapp://", false),
		// Two unrelated apps that share a name: a name is never an identity.
		mk(7, "My App", "", "urn:ietf:wg:oauth:2.0:oob", false),
		mk(8, "My App", "https://example.org", "urn:ietf:wg:oauth:2.0:oob", false),
	}
}

func (w *world) clientApp(apps []*app) int64 {
	id, _ := drawShare(w.rng, []share[int64]{{apps[0].id, 55}, {apps[1].id, 67}, {apps[2].id, 77}, {apps[3].id, 85},
		{apps[4].id, 91}, {apps[5].id, 96}, {apps[6].id, 100}})
	return id
}

// ordinaryAccounts makes n accounts signed up at a low, steady rate.
func (w *world) ordinaryAccounts(n int, taken map[string]bool, apps []*app) []*account {
	start, end, _ := period()
	span := end.Sub(start) - 48*time.Hour
	times := make([]time.Time, n)
	for i := range times {
		times[i] = start.Add(time.Duration(w.rng.Int64N(int64(span)))).Truncate(time.Millisecond)
	}
	slices.SortFunc(times, time.Time.Compare)
	accs := make([]*account, n)
	var shared []string // household and carrier addresses shared by a few
	for i := range accs {
		a := &account{created: times[i], confirmed: w.rng.IntN(100) < 93}
		a.username = w.ordinaryUsername(taken)
		a.displayName = strings.ToUpper(a.username[:1]) + a.username[1:]
		a.note = "I like " + w.pick(words()) + " and " + w.pick(words()) + "."
		a.email = w.ordinaryEmail(strings.ReplaceAll(a.username, "_", "."))
		switch r := w.rng.IntN(100); {
		case r < 4:
			a.ip = "100.64.12.7" // a carrier-grade NAT address many share
		case r < 10 && len(shared) > 0:
			a.ip = shared[w.rng.IntN(len(shared))]
		case r < 22:
			a.ip = w.ipv6()
		default:
			a.ip = w.residentialIP()
			if w.rng.IntN(10) == 0 {
				shared = append(shared, a.ip)
			}
		}
		if w.rng.IntN(100) < 30 { // signed up in an app rather than the web
			a.appID = apps[1+w.rng.IntN(3)].id
		}
		if w.rng.IntN(100) < 8 {
			a.fields = fmt.Sprintf(`[{"name":"Blog","value":"https://%sblog.net"}]`, strings.ReplaceAll(a.username, "_", ""))
		}
		accs[i] = a
	}
	return accs
}

// ordinaryUsername draws a username the way ordinary people choose one.
func (w *world) ordinaryUsername(taken map[string]bool) string {
	return w.uniqueName(taken, func() string {
		switch w.rng.IntN(4) {
		case 0:
			return w.pick(firstNames()) + "_" + w.pick(words())
		case 1:
			return w.pick(firstNames()) + w.pick(lastNames())[:3]
		case 2:
			return w.pick(words()) + "lover" + fmt.Sprint(w.rng.IntN(100))
		}
		return w.pick(firstNames()) + "." + w.pick(lastNames())
	})
}

func (w *world) uniqueName(taken map[string]bool, mk func() string) string {
	for {
		n := strings.ReplaceAll(mk(), ".", "_")
		if !taken[n] {
			taken[n] = true
			return n
		}
		n += fmt.Sprint(w.rng.IntN(1000))
		if !taken[n] {
			taken[n] = true
			return n
		}
	}
}

// burstAccounts makes the crypto campaign's accounts: one app, a burst of
// sign-ups at `rate` a minute, outlook/hotmail addresses, the exits of a
// residential proxy pool (one or two accounts each, many networks).
func (w *world) burstAccounts(n int, at time.Time, perMinute int, appID int64, taken map[string]bool) []*account {
	accs := make([]*account, n)
	gap := time.Minute / time.Duration(perMinute)
	t := at
	for i := range accs {
		t = t.Add(gap/2 + time.Duration(w.rng.Int64N(int64(gap)))).Truncate(time.Millisecond)
		first, last := w.pick(firstNames()), w.pick(lastNames())
		a := &account{created: t, appID: appID, campaign: CampaignBurst, confirmed: w.rng.IntN(100) < 85}
		a.username = w.uniqueName(taken, func() string { return first + last + fmt.Sprint(1000+w.rng.IntN(9000)) })
		a.displayName = strings.ToUpper(first[:1]) + first[1:] + " " + strings.ToUpper(last[:1]) + last[1:]
		provider := "outlook.com"
		if w.rng.IntN(100) < 45 {
			provider = "hotmail.com"
		}
		a.email = fmt.Sprintf("%s.%s%d@%s", first, last, 10+w.rng.IntN(990), provider)
		a.ip = w.proxyIP()
		a.note = ""
		accs[i] = a
	}
	return accs
}

// quietAccounts makes the forex campaign's accounts: web sign-ups spread
// over weeks from ordinary providers, each from its own address.
func (w *world) quietAccounts(n int, taken map[string]bool) []*account {
	start, _, _ := period()
	accs := make([]*account, n)
	for i := range accs {
		first, last := w.pick(firstNames()), w.pick(lastNames())
		a := &account{campaign: CampaignQuiet, confirmed: true,
			created: start.Add(time.Duration(24*i+w.rng.IntN(20)) * 37 * time.Minute).Truncate(time.Millisecond)}
		a.username = w.uniqueName(taken, func() string { return first + "_trades" })
		a.displayName = strings.ToUpper(first[:1]) + first[1:] + " | FX mentor"
		a.note = "Forex & gold. Not financial advice."
		provider := "gmail.com"
		if w.rng.IntN(3) == 0 {
			provider = "yahoo.com"
		}
		a.email = fmt.Sprintf("%s%s%d@%s", first, last, w.rng.IntN(100), provider)
		a.ip = w.residentialIP()
		accs[i] = a
	}
	return accs
}

func remoteAccounts(w *world, n int, taken map[string]bool) []*account {
	hosts := []string{"fosstodon.org", "hachyderm.io", "infosec.exchange", "chaos.social"}
	start, _, _ := period()
	accs := make([]*account, n)
	for i := range accs {
		a := &account{domain: hosts[w.rng.IntN(len(hosts))], created: start.Add(-time.Duration(1+w.rng.IntN(900)) * 24 * time.Hour)}
		a.username = w.uniqueName(taken, func() string { return w.pick(firstNames()) + w.pick(words()) })
		a.displayName = a.username
		accs[i] = a
	}
	return accs
}

// ordinaryStatus draws an ordinary post of a at t.
func (w *world) ordinaryStatus(a *account, t time.Time, locals []*account, instance string, apps []*app) *status {
	s := &status{account: a, created: t, visibility: 0, appID: w.clientApp(apps)}
	phrase := []string{"Good morning", "Finally finished my", "Anyone else into", "Today I learned about", "Look at this", "Thinking about"}
	r := w.rng.IntN(100)
	switch {
	case r < 45:
		s.segs = []seg{{kind: 't', value: w.pick(phrase) + " " + w.pick(words()) + " "}, {kind: 'h', value: w.pick(words())}}
	case r < 65:
		link := w.pick(popularLinks())
		var u string
		switch strings.Count(link, "%") {
		case 1:
			if strings.Contains(link, "%d") {
				u = fmt.Sprintf(link, 60000000+w.rng.IntN(9999999))
			} else {
				u = fmt.Sprintf(link, w.token(11))
			}
		default:
			if strings.Contains(link, "%02d") {
				u = fmt.Sprintf(link, 1+w.rng.IntN(28), w.pick(words()))
			} else {
				u = fmt.Sprintf(link, w.pick(words()), w.pick(words()))
			}
		}
		s.segs = []seg{{kind: 't', value: w.pick(phrase) + " " + w.pick(words()) + ": "}, {kind: 'u', value: u}}
		if w.rng.IntN(3) == 0 {
			s.card = u
		}
	case r < 82:
		o := locals[w.rng.IntN(len(locals))]
		s.mentions = []*account{o}
		s.segs = []seg{{kind: 'm', value: o.acct()}, {kind: 't', value: " totally agree, " + w.pick(words()) + " is the best."}}
		s.visibility = w.rng.IntN(2)
	case r < 88:
		o := locals[w.rng.IntN(len(locals))]
		s.mentions = []*account{o}
		s.visibility = 3 // an ordinary private mention between friends
		s.segs = []seg{{kind: 'm', value: o.acct()}, {kind: 't', value: " see you at the " + w.pick(words()) + " club tomorrow?"}}
	case r < 94:
		s.segs = []seg{{kind: 't', value: "New post on my blog: "}, {kind: 'u', value: "https://" + a.blogHost() + "/posts/" + w.pick(words())}}
	default:
		s.segs = []seg{{kind: 't', value: "Loving it here on "}, {kind: 'u', value: "https://" + instance + "/about"}}
		s.visibility = 1
	}
	if w.rng.IntN(20) == 0 {
		s.visibility = 2
	}
	return s
}

func defang(d string) string {
	i := strings.LastIndexByte(d, '.')
	return d[:i] + "[.]" + d[i+1:]
}

// burstStatus draws one of the crypto campaign's private mentions.
func (w *world) burstStatus(a *account, t time.Time, recipients []*account, appID int64) *status {
	doms := BurstDomains()
	dom := doms[w.rng.IntN(len(doms))]
	r := recipients[w.rng.IntN(len(recipients))]
	s := &status{account: a, created: t, visibility: 3, appID: appID, mentions: []*account{r}}
	first := strings.SplitN(r.displayName, " ", 2)[0]
	var link seg
	switch w.rng.IntN(5) {
	case 0:
		link = seg{kind: 't', value: dom}
	case 1:
		link = seg{kind: 't', value: defang(dom)}
	default:
		link = seg{kind: 'u', value: fmt.Sprintf("https://%s/?ref=%s", dom, w.token(6))}
	}
	n, d, pct := 1200+w.rng.IntN(8000), 3+w.rng.IntN(12), 10+w.rng.IntN(40)
	switch w.rng.IntN(3) {
	case 0:
		s.segs = []seg{{kind: 'm', value: r.acct()}, {kind: 't', value: fmt.Sprintf(" Hi %s! I just made $%d in %d days trading on ", first, n, d)}, link,
			{kind: 't', value: fmt.Sprintf(". They give a %d%% bonus to new members this week.", pct)}}
	case 1:
		s.segs = []seg{{kind: 'm', value: r.acct()}, {kind: 't', value: fmt.Sprintf(" %s, have you seen this? ", first)}, link,
			{kind: 't', value: fmt.Sprintf(" pays %d%% daily on BTC and ETH. I withdrew $%d yesterday!", pct/5+1, n)}}
	default:
		s.segs = []seg{{kind: 'm', value: r.acct()}, {kind: 't', value: " Hello 👋 crypto platform "}, link,
			{kind: 't', value: fmt.Sprintf(" is giving free USDT to early users, %d%% more for the first 500. Sign up today!", pct)}}
	}
	return s
}

// quietStatus draws one of the forex campaign's public posts.
func (w *world) quietStatus(a *account, t time.Time, doms []string, apps []*app) *status {
	dom := doms[w.rng.IntN(len(doms))]
	pairs := []string{"EUR/USD", "GBP/JPY", "XAU/USD", "USD/CHF"}
	s := &status{account: a, created: t, visibility: 0, appID: apps[0].id}
	link := seg{kind: 'u', value: fmt.Sprintf("https://%s/signals/%d", dom, 100+w.rng.IntN(900))}
	pair, price := w.pick(pairs), fmt.Sprintf("%d.%04d", 1+w.rng.IntN(150), w.rng.IntN(10000))
	if w.rng.IntN(2) == 0 {
		s.segs = []seg{{kind: 't', value: fmt.Sprintf("Today's %s setup: breakout above %s. Free daily signals at ", pair, price)}, link,
			{kind: 't', value: " "}, {kind: 'h', value: "forex"}, {kind: 't', value: " "}, {kind: 'h', value: "trading"}}
	} else {
		s.segs = []seg{{kind: 't', value: fmt.Sprintf("Today's %s setup: a breakout above %s is close. Free daily signals at ", pair, price)}, link,
			{kind: 't', value: " "}, {kind: 'h', value: "forex"}}
	}
	return s
}

// blogHost is the personal blog a links: its own, or the one it shares with friends.
func (a *account) blogHost() string {
	if a.blog != "" {
		return a.blog
	}
	return strings.ReplaceAll(a.username, "_", "") + "blog.net"
}

func (a *account) acct() string {
	if a.domain == "" {
		return a.username
	}
	return a.username + "@" + a.domain
}

// uri is the account's ActivityPub id, on its own server.
func (a *account) uri(instance string) string {
	host := instance
	if a.domain != "" {
		host = a.domain
	}
	return "https://" + host + "/users/" + a.username
}

func (a *account) url(instance string) string {
	host := instance
	if a.domain != "" {
		host = a.domain
	}
	return "https://" + host + "/@" + a.username
}
