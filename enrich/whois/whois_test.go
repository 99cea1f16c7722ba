package whois

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"fediforensics/enrich/whoisserver"
)

// whoisWant is what a recorded WHOIS answer must parse to.
type whoisWant struct {
	status      Status
	registrar   string
	created     *time.Time
	expires     *time.Time
	registrant  Contact
	nameServers []string
	statusCodes []string // must all be present
	errSub      string   // substring of Error; "" means Error must be empty
}

var whoisFixtures = map[string]whoisWant{
	// Verisign thin answer followed by the registrar's thick one.
	"moonxtrade.com": {
		status:      StatusFound,
		registrar:   "Harbour Domains Ltd",
		created:     ts("2023-11-02T14:07:55Z"),
		expires:     ts("2025-11-02T14:07:55Z"),
		registrant:  Contact{Name: "Edgard Varela", Email: "edgard011012@gmail.com", Phone: "+351.912804417", Country: "PT"},
		nameServers: []string{"lara.ns.cloudflare.com", "rick.ns.cloudflare.com"},
		statusCodes: []string{"clientTransferProhibited"},
	},
	// .pw registry (thick), the near-identical e-mail address.
	"quot.pw": {
		status:      StatusFound,
		registrar:   "Harbour Domains Ltd",
		created:     ts("2024-03-01T18:40:03Z"),
		expires:     ts("2026-03-01T23:59:59Z"),
		registrant:  Contact{Name: "Edgard Varela", Email: "edged011012@gmail.com", Phone: "+351.912804417", Country: "PT"},
		nameServers: []string{"ns1.quothost.xyz", "ns2.quothost.xyz"},
		statusCodes: []string{"serverHold", "clientTransferProhibited"},
	},
	// NameSilo behind PrivacyGuardian: the proxy's data is kept.
	"bitqlend.com": {
		status:      StatusRedacted,
		registrar:   "NameSilo, LLC",
		created:     ts("2023-12-08T07:00:00Z"),
		expires:     ts("2025-12-08T07:00:00Z"),
		registrant:  Contact{Name: "Domain Administrator", Org: "See PrivacyGuardian.org", Email: "pw-3f9c0e1b7a2d44c59e8b1f06d2a7c3e1@privacyguardian.org", Phone: "+1.6025550187", Country: "US"},
		nameServers: []string{"ns1.dnsowl.com", "ns2.dnsowl.com", "ns3.dnsowl.com"},
	},
	"forexgainspro.com": {
		status:      StatusFound,
		registrar:   "Nordvik Registrar UAB",
		created:     ts("2024-02-19T22:15:36Z"),
		expires:     ts("2026-02-19T22:15:36Z"),
		registrant:  Contact{Name: "Jan Kowalski", Email: "j.kowalski.reg@protonmail.com", Phone: "+48.601555214", Country: "PL"},
		nameServers: []string{"ns1.fxhost-dns.net", "ns2.fxhost-dns.net"},
	},
	"tradewiseacademy.net": {
		status:      StatusFound,
		registrar:   "Nordvik Registrar UAB",
		created:     ts("2024-02-19T22:31:02Z"),
		expires:     ts("2026-02-19T22:31:02Z"),
		registrant:  Contact{Name: "Jan Kowalski", Email: "j.kowalski.reg@protonmail.com", Phone: "+48.601555214", Country: "PL"},
		nameServers: []string{"ns1.fxhost-dns.net", "ns2.fxhost-dns.net"},
	},
	// PIR thick registry.
	"pipsmasterclub.org": {
		status:      StatusFound,
		registrar:   "Nordvik Registrar UAB",
		created:     ts("2024-02-10T11:05:39Z"),
		expires:     ts("2026-02-10T11:05:39Z"),
		registrant:  Contact{Name: "Jan Kowalski", Email: "j.kowalski.reg@protonmail.com", Phone: "+48.601555214", Country: "PL"},
		nameServers: []string{"ns1.fxhost-dns.net", "ns2.fxhost-dns.net"},
	},
	// Identity Digital style, everything REDACTED but the country.
	"cryptonexa.io": {
		status:      StatusRedacted,
		registrar:   "Nordvik Registrar UAB",
		created:     ts("2024-04-02T21:18:51Z"),
		expires:     ts("2026-04-02T21:18:51Z"),
		registrant:  Contact{Country: "CY"},
		nameServers: []string{"amber.ns.cloudflare.com", "neil.ns.cloudflare.com"},
	},
	// Country in lower case, e-mail with spaces and capitals, name
	// servers with trailing dots.
	"ethvaultpro.net": {
		status:      StatusFound,
		registrar:   "Gransby Internet Services Ltd",
		created:     ts("2024-04-30T17:48:20Z"),
		expires:     ts("2025-04-30T17:48:20Z"),
		registrant:  Contact{Name: "Viktor Stanev", Org: "Stanev Digital EOOD", Email: "vstanev.dev@outlook.com", Phone: "+359.885550193", Country: "BG"},
		nameServers: []string{"ns1.ethvault-host.com", "ns2.ethvault-host.com"},
		statusCodes: []string{"clientHold"},
	},
	// Namecheap with Withheld for Privacy: the placeholder name goes, the
	// proxy's organization and forwarding address stay.
	"coinrisefx.com": {
		status:      StatusRedacted,
		registrar:   "NAMECHEAP INC",
		created:     ts("2024-05-18T14:27:09Z"),
		expires:     ts("2026-05-18T14:27:09Z"),
		registrant:  Contact{Org: "Privacy service provided by Withheld for Privacy ehf", Email: "5c0d2e9f7a1b43c8a6e4d2f0b1c3a5e7.protect@withheldforprivacy.com", Phone: "+354.5550142", Country: "IS"},
		nameServers: []string{"dns1.registrar-servers.com", "dns2.registrar-servers.com"},
	},
	// PIR with REDACTED FOR PRIVACY and an RDDS sentence for the e-mail.
	"tradebtcx.org": {
		status:      StatusRedacted,
		registrar:   "Gransby Internet Services Ltd",
		created:     ts("2024-03-27T19:33:02Z"),
		expires:     ts("2026-03-27T19:33:02Z"),
		registrant:  Contact{Country: "NG"},
		nameServers: []string{"ashley.ns.cloudflare.com", "todd.ns.cloudflare.com"},
		statusCodes: []string{"serverHold"},
	},
	// MarkMonitor, dates with a +0000 zone whois-parser does not read.
	"youtube.com": {
		status:      StatusFound,
		registrar:   "MarkMonitor, Inc.",
		created:     ts("2005-02-15T05:13:12Z"),
		expires:     ts("2026-02-15T00:00:00Z"),
		registrant:  Contact{Name: "Domain Administrator", Org: "Google LLC", Email: "dns-admin@google.com", Phone: "+1.6505550104", Country: "US"},
		nameServers: []string{"ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com"},
		statusCodes: []string{"serverDeleteProhibited"},
	},
	"github.com": {
		status:      StatusFound,
		registrar:   "MarkMonitor Inc.",
		created:     ts("2007-10-09T18:20:50Z"),
		expires:     ts("2026-10-09T18:20:50Z"),
		registrant:  Contact{Name: "Domain Administrator", Org: "GitHub, Inc.", Email: "hostmaster@github.com", Phone: "+1.4155550163", Country: "US"},
		nameServers: []string{"dns1.p08.nsone.net", "dns2.p08.nsone.net", "ns-1283.awsdns-32.org", "ns-421.awsdns-52.com"},
	},
	"wikipedia.org": {
		status:      StatusFound,
		registrar:   "MarkMonitor Inc.",
		created:     ts("2001-01-13T00:12:14Z"),
		expires:     ts("2027-01-13T00:12:14Z"),
		registrant:  Contact{Name: "Domain Administrator", Org: "Wikimedia Foundation, Inc.", Email: "dns-admin@wikimedia.org", Phone: "+1.4155550171", Country: "US"},
		nameServers: []string{"ns0.wikimedia.org", "ns1.wikimedia.org", "ns2.wikimedia.org"},
	},
	// DENIC: no contacts, no dates but "Changed".
	"krypto-gewinn24.de": {
		status:      StatusFound,
		nameServers: []string{"ns1.fxhost-dns.net", "ns2.fxhost-dns.net"},
		statusCodes: []string{"connect"},
	},
	"nixda-handel.de": {status: StatusNotFound},
	"fxprofitnow.org": {status: StatusNotFound},
	// No recorded file: the server's "No match" answer.
	"neverregistered-fx.com": {status: StatusNotFound},
}

func checkWhois(t *testing.T, domain string, o Observation, want whoisWant) {
	t.Helper()
	if o.Domain != domain || o.Source != SourceWHOIS {
		t.Errorf("domain/source = %s/%s, want %s/whois", o.Domain, o.Source, domain)
	}
	if o.Status != want.status {
		t.Fatalf("status = %s (error %q), want %s", o.Status, o.Error, want.status)
	}
	if want.errSub == "" && o.Error != "" {
		t.Errorf("error = %q, want none", o.Error)
	}
	if want.errSub != "" && !strings.Contains(o.Error, want.errSub) {
		t.Errorf("error = %q, want it to contain %q", o.Error, want.errSub)
	}
	if o.Registrar != want.registrar {
		t.Errorf("registrar = %q, want %q", o.Registrar, want.registrar)
	}
	if !timeEq(o.Created, want.created) {
		t.Errorf("created = %s, want %s", fmtTime(o.Created), fmtTime(want.created))
	}
	if !timeEq(o.Expires, want.expires) {
		t.Errorf("expires = %s, want %s", fmtTime(o.Expires), fmtTime(want.expires))
	}
	if o.Registrant != want.registrant {
		t.Errorf("registrant = %+v, want %+v", o.Registrant, want.registrant)
	}
	if !slices.Equal(o.NameServers, want.nameServers) {
		t.Errorf("name servers = %q, want %q", o.NameServers, want.nameServers)
	}
	for _, c := range want.statusCodes {
		if !slices.Contains(o.StatusCodes, c) {
			t.Errorf("status codes %q lack %q", o.StatusCodes, c)
		}
	}
	if wantPrivacy := want.status == StatusRedacted; o.Privacy != wantPrivacy {
		t.Errorf("privacy = %v, want %v", o.Privacy, wantPrivacy)
	}
	if o.Raw == "" || len(o.RawSHA256) != 64 {
		t.Errorf("raw answer not kept: %d bytes, sha %q", len(o.Raw), o.RawSHA256)
	}
	if o.ObservedAt.IsZero() || o.ObservedAt.Location() != time.UTC {
		t.Errorf("observed_at = %v, want a UTC time", o.ObservedAt)
	}
}

func TestLookupWhoisMirror(t *testing.T) {
	srv, addr := startWhois(t, mirrorDir)
	cfg := testConfig()
	cfg.WhoisServer = addr
	for domain, want := range whoisFixtures {
		t.Run(domain, func(t *testing.T) {
			obs := Lookup(context.Background(), domain, cfg)
			if len(obs) != 1 {
				t.Fatalf("got %d observations, want 1: %+v", len(obs), obs)
			}
			checkWhois(t, domain, obs[0], want)
			if obs[0].Server != addr {
				t.Errorf("server = %q, want %q", obs[0].Server, addr)
			}
		})
	}
	// With a mirror, the "Registrar WHOIS Server:" referrals of the .com
	// answers must not be followed: one connection per domain.
	if got, want := srv.Connections(), int64(len(whoisFixtures)); got != want {
		t.Errorf("mirror got %d connections, want %d", got, want)
	}
}

// Without a mirror, the server of a TLD comes from IANA (asked once per
// TLD) and the registrar referral of a thin registry is followed.
func TestLookupWhoisReferral(t *testing.T) {
	iana, ianaAddr := startWhois(t, "testdata/whois/iana")
	registry, registryAddr := startWhois(t, "testdata/whois/registry")
	registrar, registrarAddr := startWhois(t, "testdata/whois/registrar")
	pir, pirAddr := startWhois(t, mirrorDir)

	cfg := testConfig()
	cfg.Order = []string{SourceWHOIS}
	cfg.resolve = map[string]string{
		"whois.iana.org:43":                   ianaAddr,
		"whois.verisign-grs.com:43":           registryAddr,
		"whois.harbourdomains.com:43":         registrarAddr,
		"whois.namesilo.com:43":               registrarAddr,
		"whois.publicinterestregistry.org:43": pirAddr,
	}
	obs, err := Enrich(context.Background(), []string{"moonxtrade.com", "bitqlend.com", "pipsmasterclub.org", "shop.example-test.zz"}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 4 {
		t.Fatalf("got %d observations, want 4: %+v", len(obs), obs)
	}
	byDomain := map[string]Observation{}
	for _, o := range obs {
		byDomain[o.Domain] = o
	}

	m := byDomain["moonxtrade.com"]
	checkWhois(t, "moonxtrade.com", m, whoisFixtures["moonxtrade.com"])
	if m.Server != "whois.verisign-grs.com:43" {
		t.Errorf("server = %q, want the registry", m.Server)
	}
	if !strings.Contains(m.Raw, "Registry Domain ID: 2817736455_DOMAIN_COM-VRSN") || !strings.Contains(m.Raw, "Registrant Name: Edgard Varela") {
		t.Error("raw answer lacks the registry's or the registrar's part")
	}
	checkWhois(t, "bitqlend.com", byDomain["bitqlend.com"], whoisFixtures["bitqlend.com"])
	checkWhois(t, "pipsmasterclub.org", byDomain["pipsmasterclub.org"], whoisFixtures["pipsmasterclub.org"])

	zz := byDomain["example-test.zz"]
	if zz.Status != StatusSkipped || !strings.Contains(zz.Error, "no whois server for .zz") {
		t.Errorf("example-test.zz: %s %q, want skipped for lack of a server", zz.Status, zz.Error)
	}

	if got := iana.Queries(); got != 3 { // com, org, zz
		t.Errorf("IANA asked %d times, want 3 (once per TLD)", got)
	}
	if got := registry.Queries(); got != 2 {
		t.Errorf("registry asked %d times, want 2", got)
	}
	if got := registrar.Queries(); got != 2 {
		t.Errorf("registrar asked %d times, want 2", got)
	}
	if got := pir.Queries(); got != 1 {
		t.Errorf("PIR asked %d times, want 1", got)
	}
}

// A test resolver refuses addresses it does not know, so no test can
// reach the real IANA.
func TestResolverRefusesUnknownHosts(t *testing.T) {
	cfg := testConfig()
	cfg.resolve = map[string]string{}
	o := last(t, Lookup(context.Background(), "moonxtrade.com", cfg))
	if o.Status != StatusError || !strings.Contains(o.Error, "no test route to whois.iana.org:43") {
		t.Errorf("got %s %q", o.Status, o.Error)
	}
}

func TestHostileWhoisServers(t *testing.T) {
	srv, addr := startWhois(t, mirrorDir)
	srv.DripInterval = time.Second
	srv.ModeFunc = func(q string) whoisserver.Mode {
		switch {
		case strings.HasPrefix(q, "huge"):
			return whoisserver.Huge // 100 MB by default
		case strings.HasPrefix(q, "drip"):
			return whoisserver.Drip
		case strings.HasPrefix(q, "close"):
			return whoisserver.CloseImmediately
		case strings.HasPrefix(q, "limit"):
			return whoisserver.LimitExceeded
		}
		return whoisserver.Normal
	}

	tests := []struct {
		domain   string
		status   Status
		errSub   string
		rawSub   string
		attempts int64 // connections the lookup makes
		within   time.Duration
	}{
		{"huge-answer.com", StatusError, "response truncated at 262144 bytes", "% filler line", 1, 10 * time.Second},
		{"drip-feed.com", StatusError, "timed out after 1.5s", "", 1, 1500*time.Millisecond + time.Second},
		{"close-at-once.com", StatusError, "empty response (after 3 attempts)", "", 3, 2 * time.Second},
		{"limit-hit.org", StatusThrottled, "rate limited by server: WHOIS LIMIT EXCEEDED", "WHOIS LIMIT EXCEEDED", 3, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			cfg := testConfig()
			cfg.WhoisServer = addr
			cfg.Timeout = 1500 * time.Millisecond
			cfg.Retries = 2
			cfg.Backoff = 50 * time.Millisecond
			cfg.MaxResponseBytes = DefaultMaxResponseBytes

			before := srv.Connections()
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			start := time.Now()
			obs := Lookup(context.Background(), tt.domain, cfg)
			took := time.Since(start)
			runtime.ReadMemStats(&m1)

			o := last(t, obs)
			if o.Status != tt.status || !strings.Contains(o.Error, tt.errSub) {
				t.Errorf("got %s %q, want %s containing %q", o.Status, o.Error, tt.status, tt.errSub)
			}
			if !strings.Contains(o.Raw, tt.rawSub) {
				t.Errorf("raw %.80q lacks %q", o.Raw, tt.rawSub)
			}
			if int64(len(o.Raw)) > cfg.MaxResponseBytes {
				t.Errorf("raw is %d bytes, over the %d cap", len(o.Raw), cfg.MaxResponseBytes)
			}
			if took > tt.within {
				t.Errorf("took %s, want at most %s", took, tt.within)
			}
			if got := srv.Connections() - before; got != tt.attempts {
				t.Errorf("made %d connections, want %d", got, tt.attempts)
			}
			if growth := int64(m1.HeapAlloc) - int64(m0.HeapAlloc); growth > 32<<20 {
				t.Errorf("heap grew by %d MiB", growth>>20)
			}
			if peak := m1.TotalAlloc - m0.TotalAlloc; peak > 64<<20 {
				t.Errorf("allocated %d MiB in total for one lookup", peak>>20)
			}
		})
	}
}

func TestWhoisConnectionRefused(t *testing.T) {
	cfg := testConfig()
	cfg.WhoisServer = closedAddr(t)
	cfg.Retries = 1
	o := last(t, Lookup(context.Background(), "moonxtrade.com", cfg))
	if o.Status != StatusError || !strings.Contains(o.Error, "connect to whois server failed") || !strings.Contains(o.Error, "after 2 attempts") {
		t.Errorf("got %s %q", o.Status, o.Error)
	}
}

func TestWhoisCancel(t *testing.T) {
	srv, addr := startWhois(t, mirrorDir)
	srv.DripInterval = time.Second
	srv.ModeFunc = func(string) whoisserver.Mode { return whoisserver.Drip }
	cfg := testConfig()
	cfg.WhoisServer = addr
	cfg.Timeout = time.Minute

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	o := last(t, Lookup(ctx, "moonxtrade.com", cfg))
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancelled lookup took %s", took)
	}
	if o.Status != StatusError || !strings.HasPrefix(o.Error, "cancelled") {
		t.Errorf("got %s %q, want a cancelled error", o.Status, o.Error)
	}
}

func TestCircuitBreaker(t *testing.T) {
	srv, addr := startWhois(t, mirrorDir)
	srv.ModeFunc = func(string) whoisserver.Mode { return whoisserver.LimitExceeded }
	cfg := testConfig()
	cfg.WhoisServer = addr
	cfg.Concurrency = 1
	cfg.Retries = -1
	cfg.BreakerThreshold = 3
	cfg.BreakerCooldown = time.Hour

	cache, err := OpenCache(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	var domains []string
	for i := range 10 {
		domains = append(domains, "spam"+string(rune('a'+i))+".com")
	}
	obs, err := Enrich(context.Background(), domains, cfg, cache)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Queries(); got != 3 {
		t.Errorf("server asked %d times, want 3 before the breaker opens", got)
	}
	open := 0
	for _, o := range obs {
		if o.Status != StatusThrottled {
			t.Errorf("%s: status %s, want throttled", o.Domain, o.Status)
		}
		if strings.Contains(o.Error, "circuit breaker open") {
			open++
		}
	}
	if open != 7 {
		t.Errorf("%d observations cut by the breaker, want 7", open)
	}
	// Only what a server said is stored.
	if cache.Len() != 3 {
		t.Errorf("cache holds %d observations, want 3", cache.Len())
	}
}

func TestBreakerHalfOpen(t *testing.T) {
	b := newBreakers(2, 100*time.Millisecond)
	now := time.Now()
	b.record("s", StatusError, now)
	if ok, _, _ := b.allow("s", now); !ok {
		t.Fatal("open after one failure")
	}
	b.record("s", StatusThrottled, now)
	ok, st, why := b.allow("s", now)
	if ok || st != StatusThrottled || !strings.Contains(why, "after 2 consecutive failures") {
		t.Fatalf("allow = %v %s %q, want open and throttled", ok, st, why)
	}
	later := now.Add(200 * time.Millisecond)
	if ok, _, _ := b.allow("s", later); !ok {
		t.Fatal("no probe after the cooldown")
	}
	if ok, _, _ := b.allow("s", later); ok {
		t.Fatal("second probe while the first is out")
	}
	b.record("s", StatusFound, later)
	if ok, _, _ := b.allow("s", later); !ok {
		t.Fatal("still open after a success")
	}
	if ok, _, _ := newBreakers(-1, 0).allow("s", now); !ok {
		t.Fatal("a disabled breaker refused")
	}
}

func TestPerServerRate(t *testing.T) {
	_, addr := startWhois(t, mirrorDir)
	cfg := testConfig()
	cfg.WhoisServer = addr
	cfg.PerServerRate = 20 // one query every 50ms
	cfg.Concurrency = 5
	domains := []string{"moonxtrade.com", "quot.pw", "bitqlend.com", "github.com", "youtube.com"}
	start := time.Now()
	obs, err := Enrich(context.Background(), domains, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 190*time.Millisecond {
		t.Errorf("5 queries at 20/s took %s, want at least 200ms", took)
	}
	for _, o := range obs {
		if !o.Status.conclusive() {
			t.Errorf("%s: %s %q", o.Domain, o.Status, o.Error)
		}
	}
}

func TestClassifyWHOIS(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		status Status
		errSub string
	}{
		{"empty", " \r\n", StatusError, "empty response"},
		{"pir limit", whoisserver.LimitExceededText, StatusThrottled, "WHOIS LIMIT EXCEEDED"},
		{"godaddy limit", "Number of allowed queries exceeded.\r\n", StatusThrottled, "rate limited"},
		{"quota", "Your query quota for today is used up. Try again later.\n", StatusThrottled, "rate limited"},
		{"not found with terms", "No match for \"NOPE.COM\".\nTerms: queries are subject to a query limit; try again later.\n", StatusNotFound, ""},
		{"limit beats not found", "Query rate limit exceeded. Domain information not found for this session.\n", StatusThrottled, "rate limited"},
		{"verisign no match", whoisserver.NotFoundText("nope.com", time.Unix(0, 0)), StatusNotFound, ""},
		{"no data found", "No Data Found\n", StatusNotFound, ""},
		{"denic free", "Domain: nope.de\nStatus: free\n", StatusNotFound, ""},
		{"reserved", "Domain nope.example is a reserved domain name\n", StatusNotFound, "reserved"},
		{"garbage", "hello world, this is not whois\n", StatusError, ""},
		{"other domain", "Domain Name: other.com\nCreation Date: 2020-01-01T00:00:00Z\n", StatusFound, "answer is about other.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Observation{Domain: "nope.com"}
			classifyWHOIS(&o, tt.text)
			if o.Status != tt.status || !strings.Contains(o.Error, tt.errSub) {
				t.Errorf("got %s %q, want %s containing %q", o.Status, o.Error, tt.status, tt.errSub)
			}
		})
	}
}

// The redaction and privacy-service wording of many registrars must all
// come out as redacted.
func TestRedactionWording(t *testing.T) {
	redacted := []string{
		"REDACTED FOR PRIVACY",
		"Redacted for privacy",
		"REDACTED",
		"Data Protected",
		"Data Protected, Data Protected",
		"WhoisGuard, Inc.",
		"WhoisGuard Protected",
		"Domains By Proxy, LLC",
		"Privacy service provided by Withheld for Privacy ehf",
		"Contact Privacy Inc. Customer 0157297834",
		"GDPR Masked",
		"Statutory Masking Enabled",
		"Not Disclosed",
		"Non-Public Data",
		"Privacy Protect, LLC (PrivacyProtect.org)",
		"Super Privacy Service LTD c/o Dynadot",
		"Perfect Privacy, LLC",
		"Domain Protection Services, Inc.",
		"Identity Protection Service",
		"Whois Agent (238123)",
		"See PrivacyGuardian.org",
		"Hidden upon user request",
		"Private Person",
		"Withheld",
		"*******",
		"Please query the RDDS service of the Registrar of Record",
		"Select Request Email Form at https://domains.example/whois/x.com",
		"Njalla Okta LLC",
		"1337 Services LLC",
		"On behalf of x.com owner",
	}
	for _, v := range redacted {
		text := "Domain Name: x.com\nCreation Date: 2020-01-01T00:00:00Z\nRegistrant Name: Jan Test\nRegistrant Organization: " + v + "\n"
		o := Observation{Domain: "x.com"}
		classifyWHOIS(&o, text)
		if o.Status != StatusRedacted || !o.Privacy {
			t.Errorf("%q: status %s privacy %v, want redacted", v, o.Status, o.Privacy)
		}
		if o.Registrant.Name != "Jan Test" {
			t.Errorf("%q: registrant name %q lost", v, o.Registrant.Name)
		}
	}
	plain := []string{"Google LLC", "Wikimedia Foundation, Inc.", "Stanev Digital EOOD", "Kowalski Trading Sp. z o.o.", "Protector Insurance ASA", "Privet Bakery"}
	for _, v := range plain {
		text := "Domain Name: x.com\nCreation Date: 2020-01-01T00:00:00Z\nRegistrant Organization: " + v + "\n"
		o := Observation{Domain: "x.com"}
		classifyWHOIS(&o, text)
		if o.Status != StatusFound || o.Privacy || o.Registrant.Org != v {
			t.Errorf("%q: status %s privacy %v org %q, want found and kept", v, o.Status, o.Privacy, o.Registrant.Org)
		}
	}
}

func TestToUTF8(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{[]byte("plain"), "plain"},
		{[]byte("Müller"), "Müller"},
		{[]byte("M\xfcller"), "Müller"}, // Latin-1
		{[]byte("ab\xc3"), "ab"},        // UTF-8 cut inside a character
		{[]byte("Stra\xdfe \xe9t\xe9"), "Straße été"},
	}
	for _, tt := range tests {
		if got := toUTF8(tt.in); got != tt.want {
			t.Errorf("toUTF8(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReferralServer(t *testing.T) {
	b, err := os.ReadFile("testdata/whois/iana/com.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		string(b):                        "whois.verisign-grs.com:43",
		"whois:        whois.nic.io\n":   "whois.nic.io:43",
		"refer: WHOIS.EXAMPLE:4343\n":    "whois.example:4343",
		"domain: ZZ\nstatus: ACTIVE\n":   "",
		"remarks: whois: not at start\n": "",
	}
	for in, want := range tests {
		if got := referralServer(in); got != want {
			t.Errorf("referralServer(%.40q) = %q, want %q", in, got, want)
		}
	}
}

// A registrar that cannot be reached leaves the registry's answer, and
// says why the rest is missing.
func TestLookupWhoisReferralFails(t *testing.T) {
	_, ianaAddr := startWhois(t, "testdata/whois/iana")
	_, registryAddr := startWhois(t, "testdata/whois/registry")
	cfg := testConfig()
	cfg.resolve = map[string]string{
		"whois.iana.org:43":           ianaAddr,
		"whois.verisign-grs.com:43":   registryAddr,
		"whois.harbourdomains.com:43": closedAddr(t),
	}
	o := last(t, Lookup(context.Background(), "moonxtrade.com", cfg))
	if o.Status != StatusFound || o.Registrar != "Harbour Domains Ltd" || !o.Registrant.IsZero() {
		t.Errorf("got %s registrar %q registrant %+v", o.Status, o.Registrar, o.Registrant)
	}
	if !strings.Contains(o.Error, "registrar referral failed: whois.harbourdomains.com:43: ") {
		t.Errorf("error = %q", o.Error)
	}
}
