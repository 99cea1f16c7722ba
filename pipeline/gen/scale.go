package gen

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// What large configs (Config.Accounts >= LargeAccounts) plant in the
// database-export instance besides the crypto-burst wave, so that linking
// is tested on a dump that looks like a real instance: two campaigns that
// share no app, IP or registrant (slow-weak, noapp-wave), and hard
// negatives, ordinary accounts that share what a careless linker might take
// for evidence.

// LocalSiteDomain is the popular local newspaper many ordinary accounts
// link: on no list, in no WHOIS cache.
const LocalSiteDomain = "rivertongazette.com"

// NATAddress is a university's public address that hundreds of ordinary
// accounts sign up and log in from.
const NATAddress = "141.20.5.188"

// SlowDomains are the domains the slow-weak campaign promotes, each account
// 1 to 3 of them.
func SlowDomains() []string {
	return []string{"quantumyieldhub.com", "stellarreturnsclub.com", "apexcoinvault.net", "bluechipstakes.io",
		"yieldharborcap.com", "nexgenassetpro.com", "primewealthloop.com", "orbitfinanceplus.net",
		"silvercrestyield.com", "vantagegrowthfx.com", "ledgerbloomcap.io", "harvestcoinhub.org"}
}

// NoAppDomains are the domains the noapp-wave campaign promotes.
func NoAppDomains() []string {
	return []string{"giftdropzone.net", "claimrewardly.com", "luckyspinprize.io", "bonusvaultnow.com"}
}

// NoAppEmailDomains are the disposable-looking email domains of noapp-wave.
func NoAppEmailDomains() []string {
	return []string{"mailvex.net", "inboxzap.org", "quikmailr.com"}
}

// The moments of the legitimate burst (a migration after news, one hour)
// and of the noapp wave (two hours).
func legitBurstAt() time.Time { return time.Date(2023, 4, 28, 18, 40, 0, 0, time.UTC) }
func noAppAt() time.Time      { return time.Date(2023, 5, 11, 3, 5, 0, 0, time.UTC) }

// Hard-negative bits of account.hard, in the order of hardGroups.
const (
	hardLocalSite uint8 = 1 << iota
	hardNAT
	hardGeneric
	hardLegitBurst
	hardSharedBlog
)

var hardGroups = []struct {
	bit  uint8
	name string
}{{hardLocalSite, HardLocalSite}, {hardNAT, HardNAT}, {hardGeneric, HardGenericPosts}, {hardLegitBurst, HardLegitBurst}, {hardSharedBlog, HardSharedBlog}}

// scaled is what a large config adds to the database-export instance.
type scaled struct {
	slow     []*account
	slowDoms [][]string // the domains each slow account promotes
	noapp    []*account
	local    []*account   // ordinary accounts that link the local site
	friends  [][]*account // ordinary accounts sharing a blog, the owner first
}

// scaleAccounts turns some ordinary accounts into hard negatives (it
// changes them in place and sorts ordinary again by sign-up time) and makes
// the accounts of the slow-weak and noapp-wave campaigns.
func (w *world) scaleAccounts(ordinary []*account, apps []*app, taken map[string]bool) *scaled {
	n := len(ordinary)
	sc := &scaled{}
	web := apps[0].id
	// Half of those who signed up in the browser did it through the Web
	// app: sharing it says nothing.
	for _, a := range ordinary {
		if a.appID == 0 && w.rng.IntN(2) == 0 {
			a.appID = web
		}
	}
	perm := w.rng.Perm(n)
	take := func(k int) []*account {
		k = min(k, len(perm))
		out := make([]*account, k)
		for i := range out {
			out[i] = ordinary[perm[i]]
		}
		perm = perm[k:]
		return out
	}

	// A legitimate burst: 2% sign up within one hour, through the Web app
	// and the usual mobile apps, common providers, their own addresses.
	at := legitBurstAt()
	for _, a := range take(n * 2 / 100) {
		a.created = at.Add(time.Duration(w.rng.Int64N(int64(time.Hour)))).Truncate(time.Millisecond)
		a.email = w.commonEmail(strings.ReplaceAll(a.username, "_", "."))
		if w.rng.IntN(100) < 15 {
			a.ip = w.ipv6()
		} else {
			a.ip = w.residentialIP()
		}
		if r := w.rng.IntN(100); r < 45 {
			a.appID = web
		} else {
			a.appID = apps[1+w.rng.IntN(6)].id
		}
		a.hard |= hardLegitBurst
	}
	// A university's NAT, shared by 0.3%; and small shared /24s (offices,
	// dorms), each a few addresses used by 15 to 35 accounts.
	for _, a := range take(n * 3 / 1000) {
		a.ip = NATAddress
		a.hard |= hardNAT
	}
	firsts := []int{62, 80, 85, 91, 130, 134, 137, 145, 193, 194, 195}
	for i := 0; i < max(1, n/12500); i++ {
		net := fmt.Sprintf("%d.%d.%d.", firsts[w.rng.IntN(len(firsts))], w.rng.IntN(256), w.rng.IntN(256))
		hosts := make([]string, 1+w.rng.IntN(4))
		for j := range hosts {
			hosts[j] = net + strconv.Itoa(2+w.rng.IntN(250))
		}
		for _, a := range take(15 + w.rng.IntN(21)) {
			a.ip = hosts[w.rng.IntN(len(hosts))]
			a.hard |= hardNAT
		}
	}
	// Friends sharing a blog: 1% in pairs and triples.
	friends := take(n / 100)
	for len(friends) >= 2 {
		k := 2 + w.rng.IntN(2)
		if k > len(friends) || len(friends)-k == 1 {
			k = len(friends)
		}
		group := friends[:k]
		friends = friends[k:]
		blog := group[0].blogHost()
		for _, a := range group {
			a.blog = blog
			a.fields = `[{"name":"Blog","value":"https://` + blog + `"}]`
			a.hard |= hardSharedBlog
		}
		sc.friends = append(sc.friends, group)
	}
	// 11% link the local newspaper at least once.
	for _, a := range ordinary {
		if w.rng.IntN(1000) < 110 {
			a.hard |= hardLocalSite
			sc.local = append(sc.local, a)
		}
	}
	sort.SliceStable(ordinary, func(i, j int) bool { return ordinary[i].created.Before(ordinary[j].created) })

	// slow-weak: 1%, web sign-ups spread evenly over the period, ordinary
	// names, common providers, each from its own address.
	start, end, _ := period()
	span := end.Sub(start) - 48*time.Hour
	doms := SlowDomains()
	ns := n / 100
	for i := 0; i < ns; i++ {
		a := &account{campaign: CampaignSlow, appID: web, confirmed: w.rng.IntN(100) < 95,
			created: start.Add(time.Duration((float64(i) + w.rng.Float64()) / float64(ns) * float64(span))).Truncate(time.Millisecond)}
		a.username = w.ordinaryUsername(taken)
		a.displayName = strings.ToUpper(a.username[:1]) + a.username[1:]
		a.note = "I like " + w.pick(words()) + " and " + w.pick(words()) + "."
		a.email = w.commonEmail(strings.ReplaceAll(a.username, "_", "."))
		a.ip = w.residentialIP()
		mine := []string{doms[i%len(doms)]}
		for k := w.rng.IntN(3); k > 0; k-- {
			if d := w.pick(doms); d != mine[0] && (len(mine) < 2 || d != mine[1]) {
				mine = append(mine, d)
			}
		}
		sc.slow = append(sc.slow, a)
		sc.slowDoms = append(sc.slowDoms, mine)
	}

	// noapp-wave: 0.25%, within two hours through the Web app, three
	// disposable email domains, addresses over many residential /24s.
	at = noAppAt()
	nn := n / 400
	times := make([]time.Time, nn)
	for i := range times {
		times[i] = at.Add(time.Duration(w.rng.Int64N(int64(2 * time.Hour)))).Truncate(time.Millisecond)
	}
	slices.SortFunc(times, time.Time.Compare)
	mail := NoAppEmailDomains()
	for _, t := range times {
		first, last := w.pick(firstNames()), w.pick(lastNames())
		a := &account{campaign: CampaignNoApp, appID: web, created: t, confirmed: w.rng.IntN(100) < 70}
		a.username = w.uniqueName(taken, func() string {
			if w.rng.IntN(2) == 0 {
				return first + "_" + last + strconv.Itoa(10+w.rng.IntN(90))
			}
			return first + w.pick(words()) + strconv.Itoa(100+w.rng.IntN(900))
		})
		a.displayName = strings.ToUpper(first[:1]) + first[1:] + " " + strings.ToUpper(last[:1]) + last[1:]
		a.email = fmt.Sprintf("%s%s%d@%s", first, last, 1+w.rng.IntN(999), w.pick(mail))
		a.ip = w.residentialIP()
		sc.noapp = append(sc.noapp, a)
	}
	return sc
}

// uniqueEmails gives every account of accs an address of its own, as
// Mastodon does (compared the way it canonicalises them: lower case, no
// dots, no +tag): the names drawn collide by chance in large dumps, which
// would be evidence no one planted. A colliding address gets other
// trailing digits.
func (w *world) uniqueEmails(accs []*account) {
	seen := make(map[string]bool, len(accs))
	canonical := func(e string) string {
		local, domain, _ := strings.Cut(strings.ToLower(e), "@")
		local, _, _ = strings.Cut(local, "+")
		return strings.ReplaceAll(local, ".", "") + "@" + domain
	}
	for _, a := range accs {
		for seen[canonical(a.email)] {
			local, domain, _ := strings.Cut(a.email, "@")
			base := strings.TrimRight(local, "0123456789")
			digits := max(len(local)-len(base), 2)
			n := 1
			for range digits {
				n *= 10
			}
			a.email = fmt.Sprintf("%s%0*d@%s", base, digits, n/10+w.rng.IntN(n-n/10), domain)
		}
		seen[canonical(a.email)] = true
	}
}

// commonEmail draws an address at one of the big providers.
func (w *world) commonEmail(user string) string {
	d, _ := drawShare(w.rng, []share[string]{{"gmail.com", 45}, {"outlook.com", 62}, {"hotmail.com", 70}, {"yahoo.com", 84}, {"icloud.com", 100}})
	return user + "@" + d
}

// scaleStatuses makes the statuses of what scaleAccounts planted, in no
// order: extra are ordinary accounts' (the local site, the shared blogs),
// planted the campaigns'. ordinary must be sorted by sign-up time.
func (w *world) scaleStatuses(sc *scaled, ordinary []*account, apps []*app) (extra, planted []*status) {
	_, end, _ := period()
	// after draws a time between t plus lo and the end of the period.
	after := func(t time.Time, lo time.Duration) time.Time {
		window := end.Sub(t) - lo
		if window <= 0 {
			return t.Add(lo).Truncate(time.Millisecond)
		}
		return t.Add(lo + time.Duration(w.rng.Int64N(int64(window)))).Truncate(time.Millisecond)
	}
	// someone draws an ordinary account signed up before t.
	someone := func(t time.Time) *account {
		k := sort.Search(len(ordinary), func(i int) bool { return !ordinary[i].created.Before(t) })
		if k == 0 {
			return ordinary[0]
		}
		return ordinary[w.rng.IntN(k)]
	}
	for _, a := range sc.local {
		for k := 1 + w.rng.IntN(100)/80; k > 0; k-- {
			extra = append(extra, w.localSiteStatus(a, after(a.created, time.Minute), apps))
		}
	}
	for _, group := range sc.friends {
		owner := group[0]
		for i, a := range group {
			t := after(a.created, time.Hour)
			s := &status{account: a, created: t, appID: w.clientApp(apps)}
			post := "https://" + a.blog + "/posts/" + w.pick(words()) + "-" + strconv.Itoa(1+w.rng.IntN(40))
			if i == 0 {
				s.segs = []seg{{kind: 't', value: "Wrote something new about " + w.pick(words()) + ": "}, {kind: 'u', value: post}}
			} else {
				s.mentions = []*account{owner}
				s.segs = []seg{{kind: 't', value: "My friend "}, {kind: 'm', value: owner.acct()},
					{kind: 't', value: " writes so well about " + w.pick(words()) + " "}, {kind: 'u', value: post}}
			}
			extra = append(extra, s)
		}
	}
	for i, a := range sc.slow {
		for k := 2 + w.rng.IntN(3); k > 0; k-- {
			// The first post promotes the account's first domain, so that
			// every domain of the campaign is promoted.
			primary := w.rng.IntN(len(sc.slowDoms[i]))
			if k == 1 {
				primary = 0
			}
			planted = append(planted, w.slowStatus(a, after(a.created, time.Hour), sc.slowDoms[i], primary, someone, apps[0].id))
		}
	}
	doms := NoAppDomains()
	n := 0
	for _, a := range sc.noapp {
		for k := 1 + w.rng.IntN(3); k > 0; k-- {
			t := a.created.Add(time.Duration(300+w.rng.IntN(3*3600)) * time.Second).Truncate(time.Millisecond)
			dom := w.pick(doms)
			if n < len(doms) { // every domain is promoted
				dom = doms[n]
			}
			n++
			planted = append(planted, w.noAppStatus(a, t, someone(t), dom, apps[0].id))
		}
	}
	return extra, planted
}

// localSiteStatus draws an ordinary post linking an article of the local paper.
func (w *world) localSiteStatus(a *account, t time.Time, apps []*app) *status {
	topics := []string{"new bike lanes", "library renovation", "river festival", "farmers market", "school budget",
		"bridge repairs", "high school football team", "city council vote", "park cleanup", "bus timetable changes",
		"flood defences", "new bakery on Main Street", "hospital parking", "summer concert series", "recycling rules"}
	sections := []string{"news", "local", "sports", "opinion", "community", "business", "arts"}
	topic := w.pick(topics)
	day := t.Add(-time.Duration(w.rng.IntN(3)) * 24 * time.Hour)
	u := fmt.Sprintf("https://%s/%s/%d/%02d/%02d/%s-%d", LocalSiteDomain, w.pick(sections), day.Year(), int(day.Month()), day.Day(),
		strings.ReplaceAll(topic, " ", "-"), 10000+w.rng.IntN(90000))
	var intro string
	switch w.rng.IntN(8) {
	case 0:
		intro = "Our local paper on the " + topic + ": "
	case 1:
		intro = "Worth a read if you live in Riverton: "
	case 2:
		intro = "Finally someone wrote about the " + topic + " "
	case 3:
		intro = "The Gazette got this one right. "
	case 4:
		intro = "Interesting piece about the " + topic + ", thoughts? "
	case 5:
		intro = "Sad to read this about the " + topic + " "
	case 6:
		intro = "Anyone else going? " + strings.ToUpper(topic[:1]) + topic[1:] + " "
	default:
		intro = "Reading the news with my " + w.pick(words()) + " this morning "
	}
	s := &status{account: a, created: t, appID: w.clientApp(apps), segs: []seg{{kind: 't', value: intro}, {kind: 'u', value: u}}}
	if w.rng.IntN(4) == 0 {
		s.segs = append(s.segs, seg{kind: 't', value: " "}, seg{kind: 'h', value: "riverton"})
	}
	if w.rng.IntN(3) == 0 {
		s.card = u
	}
	if w.rng.IntN(10) == 0 {
		s.visibility = 1
	}
	return s
}

func genericPosts() []string {
	return []string{
		"good morning everyone, hope you all have a lovely day",
		"just joined, hello fediverse! looking forward to it",
		"happy friday everyone, enjoy your weekend plans",
		"coffee first, then we can talk about anything",
		"what a beautiful sunset tonight, feeling very grateful",
		"hello world, this is my very first post here",
		"can't believe it's already the weekend again",
		"thank you all for the warm welcome here",
		"rainy day today, perfect for staying in and reading",
		"finally some sunshine, going out for a walk",
		"does anyone have good podcast recommendations for me",
		"long week at work, time to relax now",
		"happy monday everyone, let's make it a good week",
		"first day here, still figuring out how everything works",
		"good night everyone, see you all tomorrow",
		"is it just me or is time flying",
		"listening to some music and making dinner tonight",
		"so grateful for the kind people on here",
		"new here, please say hi if you like",
		"weekend plans: absolutely nothing and I love it",
		"made pancakes this morning and they turned out great",
		"trying to post more often here this year",
		"the timeline is so calm and friendly today",
		"happy birthday to my lovely sister, love you",
		"just finished a great book, highly recommend it",
	}
}

// genericStatus draws one of the generic short posts, verbatim or nearly.
func (w *world) genericStatus(a *account, t time.Time, apps []*app) *status {
	msg := w.pick(genericPosts())
	switch w.rng.IntN(8) {
	case 0:
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	case 1:
		msg += "!"
	case 2:
		msg += " :)"
	case 3:
		msg = strings.Replace(msg, "everyone", "folks", 1)
	case 4:
		msg = strings.ToUpper(msg[:1]) + msg[1:] + " 🙂"
	}
	a.hard |= hardGeneric
	s := &status{account: a, created: t, appID: w.clientApp(apps), segs: []seg{{kind: 't', value: msg}}}
	if w.rng.IntN(10) == 0 {
		s.visibility = 1
	}
	return s
}

// slowLink draws how a slow-weak post names one of its domains.
func (w *world) slowLink(dom, name string) seg {
	switch w.rng.IntN(6) {
	case 0:
		return seg{kind: 'u', value: "https://" + dom}
	case 1:
		return seg{kind: 'u', value: "https://" + dom + "/join"}
	case 2:
		return seg{kind: 'u', value: "https://www." + dom + "/start?ref=" + name}
	case 3:
		return seg{kind: 't', value: dom}
	}
	return seg{kind: 'u', value: "https://" + dom + "/r/" + w.token(6)}
}

// slowStatus draws one of slow-weak's public posts: long near-duplicate
// texts (25 to 35 words) with a name, a number, a word swapped.
func (w *world) slowStatus(a *account, t time.Time, doms []string, primary int, someone func(time.Time) *account, web int64) *status {
	s := &status{account: a, created: t, appID: web}
	name := w.pick(firstNames())
	name = strings.ToUpper(name[:1]) + name[1:]
	link := w.slowLink(doms[primary], strings.ToLower(name))
	months := []string{"January", "February", "March", "April"}
	var body []seg
	switch w.rng.IntN(4) {
	case 0:
		body = []seg{{kind: 't', value: fmt.Sprintf("Honestly I was %s at first, but %s walked me through ", w.pick([]string{"skeptical", "doubtful", "unsure", "nervous"}), name)}, link,
			{kind: 't', value: fmt.Sprintf(" and after %d weeks my account is up $%d. The %s yield is %s and withdrawals arrive.",
				2+w.rng.IntN(9), 300+w.rng.IntN(4700), w.pick([]string{"daily", "weekly", "monthly"}), w.pick([]string{"simple", "easy", "clear", "transparent"}))}}
	case 1:
		body = []seg{{kind: 't', value: "Tired of savings accounts paying nothing? Look at "}, link,
			{kind: 't', value: fmt.Sprintf(". I started with $%d on %s's advice and it has grown %d%% since %s. %s",
				100*(1+w.rng.IntN(20)), name, 8+w.rng.IntN(40), w.pick(months), w.pick([]string{"No hype, just steady returns.", "Steady returns, no hype at all.", "No hype, just slow steady growth."}))}}
	case 2:
		body = []seg{{kind: 't', value: "Quick tip for anyone saving this year: "}, link,
			{kind: 't', value: fmt.Sprintf(" pays a fixed %d%% every %s on stablecoins. %s told me about it in %s, no regrets.",
				2+w.rng.IntN(9), w.pick([]string{"month", "week"}), name, w.pick(months))}}
	default:
		body = []seg{{kind: 't', value: fmt.Sprintf("My %s kept asking how I paid off the %s so early. The answer is ",
			w.pick([]string{"sister", "brother", "neighbour", "dad", "colleague"}), w.pick([]string{"car", "loan", "credit card", "mortgage"}))}, link,
			{kind: 't', value: fmt.Sprintf(", %d minutes a day and a little patience. Check it out, the first $%d is matched.", 5+w.rng.IntN(26), 50*(1+w.rng.IntN(10)))}}
	}
	if len(doms) > 1 && w.rng.IntN(3) == 0 {
		other := doms[(primary+1+w.rng.IntN(len(doms)-1))%len(doms)]
		body = append(body, seg{kind: 't', value: " Mirror: "}, w.slowLink(other, strings.ToLower(name)))
	}
	if w.rng.IntN(4) == 0 {
		o := someone(t)
		s.mentions = []*account{o}
		s.segs = append([]seg{{kind: 'm', value: o.acct()}, {kind: 't', value: " "}}, body...)
	} else {
		s.segs = body
	}
	return s
}

// noAppStatus draws one of noapp-wave's direct mentions.
func (w *world) noAppStatus(a *account, t time.Time, r *account, dom string, web int64) *status {
	s := &status{account: a, created: t, visibility: 3, appID: web, mentions: []*account{r}}
	first := strings.SplitN(strings.SplitN(r.displayName, " ", 2)[0], "_", 2)[0]
	first = strings.SplitN(first, ".", 2)[0]
	link := seg{kind: 'u', value: "https://" + dom + "/claim/" + w.token(8)}
	if w.rng.IntN(5) == 0 {
		link = seg{kind: 'u', value: "https://" + dom + "/?u=" + r.username}
	}
	prize := w.pick([]string{"$50 USDT", "$100 gift card", "free NFT", "$25 voucher", "0.05 ETH"})
	var body []seg
	switch w.rng.IntN(3) {
	case 0:
		body = []seg{{kind: 't', value: fmt.Sprintf(" Hi %s! You were picked for a %s reward from our community giveaway. Claim it within %d hours at ", first, prize, 6+w.rng.IntN(43))}, link,
			{kind: 't', value: ", it only takes a minute and it is completely free."}}
	case 1:
		body = []seg{{kind: 't', value: fmt.Sprintf(" Congratulations %s, your account qualified for the May %s drop. Visit ", first, prize)}, link,
			{kind: 't', value: fmt.Sprintf(" before it expires in %d hours and enter your username to receive it.", 6+w.rng.IntN(43))}}
	default:
		body = []seg{{kind: 't', value: fmt.Sprintf(" Hello %s, we are sending a %s gift to active users this week. Open ", first, prize)}, link,
			{kind: 't', value: fmt.Sprintf(" and confirm your wallet, only %d spots are left so be quick!", 20+w.rng.IntN(180))}}
	}
	s.segs = append([]seg{{kind: 'm', value: r.acct()}}, body...)
	return s
}

// hardNegatives lists the ordinary accounts of each hard-negative group.
func hardNegatives(instance string, locals []*account) map[string][]string {
	out := map[string][]string{}
	for _, a := range locals {
		if a.hard == 0 {
			continue
		}
		id := instance + "/" + strconv.FormatInt(a.id, 10)
		for _, g := range hardGroups {
			if a.hard&g.bit != 0 {
				out[g.name] = append(out[g.name], id)
			}
		}
	}
	return out
}
