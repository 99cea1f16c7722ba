// Package gen makes realistic Mastodon dumps, deterministically from a
// seed: ordinary accounts, apps and posts, with planted campaigns modelled
// on the May 2023 crypto spam wave. It makes the sample in data/ and the
// large dumps of the benchmarks, and writes the truth of what it planted.
package gen

import (
	"fmt"
	stdhtml "html"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// Config sizes a generated dump.
type Config struct {
	Seed     uint64
	Accounts int  // ordinary local accounts of the database-export instance
	Statuses int  // ordinary statuses of the database-export instance (about)
	API      bool // add a second instance exported through the REST API
	CSVOnly  bool // write every table of the database export as CSV (no dump.sql)
}

// SampleConfig is the configuration of data/sample.
func SampleConfig() Config { return Config{Seed: 2023, Accounts: 400, Statuses: 2000, API: true} }

// The instances of a generated dump.
const (
	DBInstance  = "mastodon.social"
	APIInstance = "mastodon.online"
)

// Campaign names of the truth file.
const (
	CampaignBurst = "crypto-burst" // one OAuth app, burst, outlook/hotmail, direct mentions
	CampaignQuiet = "forex-quiet"  // web sign-ups over weeks, linked only by registrants and text
	// Planted only from LargeAccounts ordinary accounts on:
	CampaignSlow  = "slow-weak"  // ~1%: web sign-ups over the whole period, common providers, linked only by domains and text
	CampaignNoApp = "noapp-wave" // ~0.25%: web sign-ups within two hours, disposable email domains, direct mentions
)

// LargeAccounts is the size (Config.Accounts) from which the database-export
// instance holds campaigns and hard negatives that grow with it: a
// crypto-burst of a fifth of the accounts, slow-weak, noapp-wave, and the
// hard negatives of Truth.HardNegatives. Smaller configs (the sample) are
// generated as they always were.
const LargeAccounts = 5000

// Hard-negative groups of Truth.HardNegatives: ordinary accounts (in no
// campaign) that share something a careless linker might take for evidence.
const (
	HardLocalSite    = "local_site"    // link the popular local site LocalSiteDomain, on no list
	HardNAT          = "nat"           // sign up and log in from the university NAT address NATAddress, or small shared /24s
	HardGenericPosts = "generic_posts" // posted at least one of the generic short messages
	HardLegitBurst   = "legit_burst"   // signed up within one hour on one day (a migration after news)
	HardSharedBlog   = "shared_blog"   // pairs and triples of friends linking the same personal blog
)

// Truth is what the generator planted: the accounts of each campaign, as
// instance/account_id, and the domains each campaign promotes.
type Truth struct {
	Campaigns map[string][]string `json:"campaigns"`
	Domains   map[string][]string `json:"domains"`
	Secrets   []string            `json:"secrets"` // OAuth secrets of the dump, that no output may show
	// HardNegatives names the ordinary accounts of each hard-negative group
	// (HardLocalSite...), as instance/account_id; only large configs have any.
	HardNegatives map[string][]string `json:"hard_negatives,omitempty"`
}

type app struct {
	id       int64
	name     string
	website  string
	redirect string
	uid      string
	secret   string
	superapp bool
	created  time.Time
}

type account struct {
	id          int64
	userID      int64
	username    string
	domain      string // "" for local
	displayName string
	note        string
	created     time.Time
	email       string
	ip          string
	appID       int64
	confirmed   bool
	campaign    string
	fields      string
	blog        string    // the personal blog host it links, when not its own (friends sharing one)
	hard        uint8     // hard-negative groups it is in (hard* bits)
	suspendedAt time.Time // when the moderators suspended it; zero: never
}

// seg is a piece of status text: plain text, a mention, a link or a tag.
type seg struct {
	kind  byte // 't' text, 'm' mention, 'u' url, 'h' hashtag
	value string
	host  string // mention: the mentioned account's host
}

type status struct {
	id         int64
	account    *account
	created    time.Time
	visibility int
	segs       []seg
	mentions   []*account
	appID      int64
	replyTo    int64
	replyToAcc int64
	card       string
}

// world is the state of one generation run.
type world struct {
	source
	anon   int // exits drawn from anonNets
	userID int64
}

func newWorld(seed uint64) *world {
	return &world{source: source{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}}
}

// source is a random source and the sequence of the snowflake ids made
// with it: the world's, or one of a part that draws on its own (the wave).
type source struct {
	rng *rand.Rand
	seq uint16
}

// snowflake makes an id the way Mastodon does: milliseconds << 16 | sequence.
func (s *source) snowflake(t time.Time) int64 {
	s.seq++
	return t.UnixMilli()<<16 | int64(s.seq)
}

func (s *source) pick(list []string) string { return list[s.rng.IntN(len(list))] }

// token draws a secret or token as Mastodon makes them (URL-safe base64).
func (s *source) token(n int) string { return draw(s.rng, urlSafe, n) }

// The alphabets of the strings the generator draws.
const (
	urlSafe    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits  = "0123456789abcdef"
	base83     = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
)

// draw makes a string of n characters of alphabet, one draw of r each.
func draw(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func firstNames() []string {
	return []string{"emily", "james", "olivia", "liam", "sophia", "noah", "ava", "lucas", "mia", "ethan", "chloe", "mason", "grace", "leo", "zoe", "henry", "ella", "jack", "lily", "owen", "nora", "samuel", "ruby", "daniel", "hannah", "isaac", "clara", "adam", "maya", "felix"}
}

func lastNames() []string {
	return []string{"johnson", "smith", "brown", "miller", "davis", "garcia", "wilson", "moore", "taylor", "anderson", "thomas", "martin", "lee", "walker", "hall", "young", "king", "wright", "scott", "green", "baker", "adams", "nelson", "carter", "mitchell"}
}

func words() []string {
	return []string{"garden", "coffee", "linux", "birds", "jazz", "hiking", "books", "cats", "rust", "photos", "bikes", "chess", "pottery", "astro", "synth", "trains", "maps", "tea", "kites", "poems"}
}

// share is one of the values a draw of 100 picks from and, of 100 draws,
// how many pick it or a value listed before it.
type share[T any] struct {
	value T
	upTo  int
}

// drawShare draws one of 100 and returns the value of the share it falls
// in, or false for a draw past the last share.
func drawShare[T any](r *rand.Rand, shares []share[T]) (T, bool) {
	n := r.IntN(100)
	for _, s := range shares {
		if n < s.upTo {
			return s.value, true
		}
	}
	var none T
	return none, false
}

// ordinaryEmail draws the address of an ordinary person: at a big
// provider, or at a family's own domain.
func (w *world) ordinaryEmail(user string) string {
	d, ok := drawShare(w.rng, []share[string]{{"gmail.com", 38}, {"outlook.com", 50}, {"hotmail.com", 54}, {"proton.me", 66},
		{"yahoo.com", 74}, {"icloud.com", 82}, {"posteo.de", 88}})
	if !ok {
		d = w.pick(lastNames()) + "family.net"
	}
	return user + "@" + d
}

// The networks addresses are drawn from: consumer ISPs of the test
// databases in data/ipdb-test (MaxMind's GeoLite2-ASN test ranges), so
// that a run with --ipdb on them shows who runs each address. Ordinary
// people sign up from homeNets; the proxy pool the burst campaign rents
// exits through proxyNets, other consumer networks in many countries, and
// now and then through a data centre, VPN, Tor exit or open proxy
// (anonNets: an Akamai range, AS35994, on data/lists/hosting_asns.txt,
// and ranges of the GeoIP2 Anonymous IP test database, the first also in
// the GeoLite2 Country one).
var (
	homeNets = netList("73.0.0.0/8", "67.160.0.0/11", "96.128.0.0/10", "75.0.0.0/11", "71.144.0.0/12", "70.192.0.0/11",
		"72.192.0.0/12", "65.128.0.0/11", "71.96.0.0/11", "50.128.0.0/9", "79.192.0.0/10", "87.128.0.0/10", "91.0.0.0/10",
		"93.192.0.0/10", "80.128.0.0/11", "31.224.0.0/11", "145.128.0.0/10", "219.0.0.0/10", "220.0.0.0/10", "183.0.0.0/10",
		"120.192.0.0/10", "97.128.0.0/9", "172.128.0.0/10", "35.0.0.0/9", "18.0.0.0/8")
	proxyNets = netList("98.192.0.0/10", "70.160.0.0/11", "76.224.0.0/11", "74.160.0.0/11", "174.192.0.0/10", "81.128.0.0/11",
		"31.64.0.0/10", "84.128.0.0/10", "78.192.0.0/10", "176.128.0.0/10", "77.128.0.0/11", "89.80.0.0/13", "1.128.0.0/11",
		"126.0.0.0/8", "180.0.0.0/10", "59.0.0.0/11", "39.192.0.0/10", "39.32.0.0/11", "49.64.0.0/11", "111.0.0.0/10",
		"27.192.0.0/11", "36.192.0.0/11", "60.64.0.0/10", "75.192.0.0/10")
	anonNets = netList("23.32.0.0/11", "81.2.69.160/27", "1.2.0.0/16", "186.30.236.0/24", "65.0.0.0/19", "71.160.223.0/24")
)

func netList(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

// inNet places the number n inside an IPv4 network: n modulo its size,
// never a last byte of 0 or 255.
func inNet(p netip.Prefix, n uint32) string {
	size := uint32(1) << (32 - p.Bits())
	b := p.Addr().As4()
	base := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	a := base + n%size
	switch a & 0xff {
	case 0:
		a++
	case 0xff:
		a--
	}
	return fmt.Sprintf("%d.%d.%d.%d", a>>24, a>>16&0xff, a>>8&0xff, a&0xff)
}

// residentialIP draws a home address spread over many consumer networks.
// It makes the same draws as it always did, so the rest of a dump made
// from a seed stays as it was.
func (w *world) residentialIP() string {
	i, b, c, d := w.rng.IntN(25), w.rng.IntN(256), w.rng.IntN(256), 1+w.rng.IntN(254)
	return inNet(homeNets[i], uint32(b)<<16|uint32(c)<<8|uint32(d))
}

// proxyIP draws an exit of a residential proxy pool: consumer networks
// across many countries, one in 25 a data centre, VPN, Tor exit or open
// proxy. The same draws as residentialIP.
func (w *world) proxyIP() string {
	i, b, c, d := w.rng.IntN(25), w.rng.IntN(256), w.rng.IntN(256), 1+w.rng.IntN(254)
	n := uint32(b)<<16 | uint32(c)<<8 | uint32(d)
	if i == len(proxyNets) {
		// Each kind in turn, so that even a small dump has every one.
		w.anon++
		return inNet(anonNets[(w.anon-1)%len(anonNets)], n)
	}
	return inNet(proxyNets[i], n)
}

// ipv6 draws a home IPv6 address in Deutsche Telekom's 2003::/19.
func (w *world) ipv6() string {
	return fmt.Sprintf("2003:%x:%x:%x::%x", 0x4f8+w.rng.IntN(64), w.rng.IntN(65536), w.rng.IntN(65536), 1+w.rng.IntN(65535))
}

// text renders segments as the plain text the author typed.
func text(segs []seg) string {
	n := 0
	for _, s := range segs {
		n += 1 + len(s.value)
	}
	b := make([]byte, 0, n)
	for _, s := range segs {
		switch s.kind {
		case 'm':
			b = append(b, '@')
		case 'h':
			b = append(b, '#')
		}
		b = append(b, s.value...)
	}
	return string(b)
}

// html renders segments the way Mastodon renders a local status.
func html(segs []seg, instance string) string {
	var b strings.Builder
	b.WriteString("<p>")
	for _, s := range segs {
		switch s.kind {
		case 'm':
			user, host, _ := strings.Cut(s.value, "@")
			if host == "" {
				host = instance
			}
			fmt.Fprintf(&b, `<span class="h-card" translate="no"><a href="https://%s/@%s" class="u-url mention">@<span>%s</span></a></span>`, host, user, escape(user))
		case 'h':
			fmt.Fprintf(&b, `<a href="https://%s/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a>`, instance, strings.ToLower(s.value), escape(s.value))
		case 'u':
			scheme, rest, _ := strings.Cut(s.value, "://")
			visible, hidden := rest, ""
			cls := ""
			if len(rest) > 30 {
				visible, hidden, cls = rest[:30], rest[30:], "ellipsis"
			}
			fmt.Fprintf(&b, `<a href="%s" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">%s://</span><span class="%s">%s</span><span class="invisible">%s</span></a>`,
				escape(s.value), scheme, cls, escape(visible), escape(hidden))
		default:
			b.WriteString(strings.ReplaceAll(escape(s.value), "\n", "<br />"))
		}
	}
	b.WriteString("</p>")
	return b.String()
}

// escape escapes text as Mastodon (Rails' html_escape) does: as the
// standard library does, but for a double quote written &quot;.
func escape(s string) string {
	return strings.ReplaceAll(stdhtml.EscapeString(s), "&#34;", "&quot;")
}
