package whois

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var fixtureDomains = []string{
	"moonxtrade.com", "quot.pw", "bitqlend.com", "forexgainspro.com",
	"tradewiseacademy.net", "pipsmasterclub.org", "cryptonexa.io",
	"ethvaultpro.net", "coinrisefx.com", "tradebtcx.org", "youtube.com",
	"wikipedia.org", "github.com", "krypto-gewinn24.de",
}

func TestEnrichModes(t *testing.T) {
	srv, addr := startWhois(t, mirrorDir)
	rs := startRDAP(t)
	cache, err := OpenCache(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()

	cfg := testConfig()
	cfg.Order = []string{SourceRDAP, SourceWHOIS}
	cfg.WhoisServer = addr
	cfg.RDAPServer = rs.baseURL()
	// Hosts, mixed case, duplicates and junk all come down to the
	// registrable domains.
	input := append([]string{"WWW.MoonXTrade.com.", "moonxtrade.com", "mail.github.com", "", "  ", "not a domain", "com"}, fixtureDomains...)

	// Off: nothing asked, everything skipped.
	cfg.Mode = ModeOff
	off, err := Enrich(context.Background(), input, cfg, cache)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range off {
		if o.Domain == "not a domain" || o.Domain == "com" {
			if o.Status != StatusError {
				t.Errorf("%q: %s, want error", o.Domain, o.Status)
			}
			continue
		}
		if o.Status != StatusSkipped {
			t.Errorf("off: %s is %s", o.Domain, o.Status)
		}
	}
	if len(off) != len(fixtureDomains)+2 {
		t.Errorf("off: %d observations, want %d", len(off), len(fixtureDomains)+2)
	}

	// Cache, empty cache: skipped, and no connection.
	cfg.Mode = ModeCache
	cached, err := Enrich(context.Background(), input, cfg, cache)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cached, off) {
		t.Error("cache mode on an empty cache differs from off")
	}

	// Live: every domain looked up.
	cfg.Mode = ModeLive
	var progress [][2]int
	cfg.Progress = func(done, total int) { progress = append(progress, [2]int{done, total}) }
	live, err := Enrich(context.Background(), input, cfg, cache)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Progress = nil
	total := len(fixtureDomains) + 2 // two inputs are no domain
	if n := len(progress); n == 0 || progress[n-1] != [2]int{total, total} {
		t.Errorf("progress calls: %v, want to end at %d of %d", progress, total, total)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i][0] <= progress[i-1][0] {
			t.Errorf("progress not increasing: %v", progress)
		}
	}
	// RDAP answers first; its 404 is a conclusive not_found, so WHOIS is
	// never asked.
	wantStatus := map[string]Status{
		"moonxtrade.com":     StatusFound,
		"github.com":         StatusFound,
		"cryptonexa.io":      StatusRedacted,
		"pipsmasterclub.org": StatusFound,
		"quot.pw":            StatusNotFound,
	}
	for _, o := range live {
		if w, ok := wantStatus[o.Domain]; ok && (o.Source != SourceRDAP || o.Status != w) {
			t.Errorf("%s: %s %s, want rdap %s", o.Domain, o.Source, o.Status, w)
		}
	}
	for _, o := range live {
		if o.Domain == "not a domain" || o.Domain == "com" {
			continue
		}
		if !o.Status.conclusive() {
			t.Errorf("live: %s %s %s %q", o.Domain, o.Source, o.Status, o.Error)
		}
	}
	if !slices.IsSortedFunc(live, compareObservations) {
		t.Error("live output not sorted")
	}
	if got := srv.Connections(); got != 0 {
		t.Errorf("whois asked %d times; RDAP answered everything conclusively", got)
	}

	// Cache mode now returns exactly what live mode stored, and asks no one.
	rdapBefore := rs.requests.Load()
	cfg.Mode = ModeCache
	again, err := Enrich(context.Background(), input, cfg, cache)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, live) {
		t.Errorf("cache mode output differs from the live run:\n got %d observations\nwant %d", len(again), len(live))
	}
	if rs.requests.Load() != rdapBefore || srv.Connections() != 0 {
		t.Error("cache mode touched the network")
	}

	// Live again: nothing is stale (MaxAge 0), nothing is asked.
	cfg.Mode = ModeLive
	if _, err := Enrich(context.Background(), input, cfg, cache); err != nil {
		t.Fatal(err)
	}
	if rs.requests.Load() != rdapBefore {
		t.Error("live mode re-asked conclusive cache entries")
	}
}

// Cache mode must not dial, whatever the servers are.
func TestCacheModeNeverDials(t *testing.T) {
	srv, addr := startWhois(t, mirrorDir)
	rs := startRDAP(t)
	dir := t.TempDir()
	cache, err := OpenCache(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := cache.Put(obsAt("moonxtrade.com", SourceWHOIS, time.Now().Add(-365*24*time.Hour), StatusFound)); err != nil {
		t.Fatal(err)
	}
	cache.Close()
	cache, err = OpenCache(dir, true)
	if err != nil {
		t.Fatal(err)
	}

	for _, servers := range [][2]string{{addr, rs.baseURL()}, {closedAddr(t), "http://" + closedAddr(t) + "/"}} {
		cfg := Config{
			Mode:        ModeCache,
			WhoisServer: servers[0],
			RDAPServer:  servers[1],
			MaxAge:      time.Hour, // stale, but cache mode does not refresh
		}
		cfg.resolve = map[string]string{} // and nothing unknown may be reached
		start := time.Now()
		obs, err := Enrich(context.Background(), fixtureDomains, cfg, cache)
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > time.Second {
			t.Errorf("cache mode took %s", time.Since(start))
		}
		for _, o := range obs {
			wantStatus := StatusSkipped
			if o.Domain == "moonxtrade.com" {
				wantStatus = StatusFound
			}
			if o.Status != wantStatus {
				t.Errorf("%s: %s, want %s", o.Domain, o.Status, wantStatus)
			}
		}
	}
	if srv.Connections() != 0 || rs.requests.Load() != 0 {
		t.Errorf("cache mode connected: whois %d, rdap %d", srv.Connections(), rs.requests.Load())
	}
	if _, err := Enrich(context.Background(), fixtureDomains, Config{Mode: ModeLive}, cache); err == nil {
		t.Error("live mode with a read-only cache: no error")
	}
}

func TestEnrichMaxAge(t *testing.T) {
	srv, addr := startWhois(t, mirrorDir)
	cache, err := OpenCache(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	now := time.Now().UTC()
	seed := []Observation{
		obsAt("moonxtrade.com", SourceWHOIS, now.Add(-48*time.Hour), StatusFound),    // stale
		obsAt("quot.pw", SourceWHOIS, now.Add(-time.Hour), StatusFound),              // fresh
		obsAt("bitqlend.com", SourceWHOIS, now.Add(-time.Hour), StatusThrottled),     // fresh, but no answer
		obsAt("github.com", SourceHistory, now.Add(-time.Hour), StatusFound),         // history is no live answer
		obsAt("wikipedia.org", SourceRDAP, now.Add(-time.Hour), StatusNotFound),      // fresh
		obsAt("youtube.com", SourceRDAP, now.Add(-72*time.Hour), StatusRedacted),     // stale
		obsAt("youtube.com", SourceWHOIS, now.Add(-2*time.Hour), StatusError),        // newer failure does not count
		obsAt("forexgainspro.com", SourceWHOIS, now.Add(-30*time.Hour), StatusFound), // stale, with a fresh one:
		obsAt("forexgainspro.com", SourceWHOIS, now.Add(-time.Hour), StatusFound),    // fresh
	}
	for _, o := range seed {
		if err := cache.Put(o); err != nil {
			t.Fatal(err)
		}
	}
	cfg := testConfig()
	cfg.WhoisServer = addr
	cfg.MaxAge = 24 * time.Hour
	domains := []string{"moonxtrade.com", "quot.pw", "bitqlend.com", "github.com", "wikipedia.org", "youtube.com", "forexgainspro.com"}
	obs, err := Enrich(context.Background(), domains, cfg, cache)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Queries(); got != 4 {
		t.Errorf("asked %d domains, want 4 (moonxtrade.com, bitqlend.com, github.com, youtube.com)", got)
	}
	count := map[string]int{}
	for _, o := range obs {
		count[o.Domain]++
	}
	wantCount := map[string]int{"moonxtrade.com": 2, "quot.pw": 1, "bitqlend.com": 2, "github.com": 2, "wikipedia.org": 1, "youtube.com": 3, "forexgainspro.com": 2}
	if !reflect.DeepEqual(count, wantCount) {
		t.Errorf("observations per domain = %v, want %v", count, wantCount)
	}
	// The refreshed answers are in the cache, after the old ones.
	m := cache.Get("moonxtrade.com")
	if len(m) != 2 || m[1].Registrant.Email != "edgard011012@gmail.com" || !m[1].ObservedAt.After(m[0].ObservedAt) {
		t.Errorf("moonxtrade.com history: %+v", m)
	}
	// MaxAge 0 never refreshes a conclusive answer.
	cfg.MaxAge = 0
	before := srv.Queries()
	if _, err := Enrich(context.Background(), domains, cfg, cache); err != nil {
		t.Fatal(err)
	}
	if got := srv.Queries() - before; got != 0 {
		t.Errorf("MaxAge 0 asked %d domains again", got)
	}
}

// An interrupted live run keeps what it fetched; domains not reached are
// reported as skipped.
func TestEnrichLiveCancel(t *testing.T) {
	_, addr := startWhois(t, mirrorDir)
	dir := t.TempDir()
	cache, err := OpenCache(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.WhoisServer = addr
	cfg.Concurrency = 1
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	cfg.Progress = func(done, total int) {
		if n++; n == 3 {
			cancel()
		}
	}
	obs, err := Enrich(ctx, fixtureDomains, cfg, cache)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	cache.Close()
	skipped := 0
	for _, o := range obs {
		if o.Status == StatusSkipped {
			skipped++
		}
	}
	if skipped == 0 || skipped > len(fixtureDomains)-3 {
		t.Errorf("%d domains skipped after cancelling at the third", skipped)
	}
	cache, err = OpenCache(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if cache.Len() < 3 {
		t.Errorf("cache kept %d observations, want the 3 fetched before the cancel", cache.Len())
	}
	for _, d := range fixtureDomains {
		for _, o := range cache.Get(d) {
			if strings.Contains(o.Error, "cancelled") {
				t.Errorf("a cancelled attempt was stored: %+v", o)
			}
		}
	}
}

func TestEnrichBadConfig(t *testing.T) {
	if _, err := Enrich(context.Background(), []string{"x.com"}, Config{Mode: "sometimes"}, nil); err == nil {
		t.Error("unknown mode: no error")
	}
	obs := Lookup(context.Background(), "x.com", Config{Order: []string{"dns"}})
	if len(obs) != 1 || obs[0].Status != StatusError || !strings.Contains(obs[0].Error, `unknown source "dns"`) {
		t.Errorf("unknown source: %+v", obs)
	}
	obs = Lookup(context.Background(), "..", Config{})
	if len(obs) != 1 || obs[0].Status != StatusError {
		t.Errorf("bad domain: %+v", obs)
	}
}

func TestEnrichDeterministic(t *testing.T) {
	_, addr := startWhois(t, mirrorDir)
	cfg := testConfig()
	cfg.WhoisServer = addr
	cfg.Mode = ModeLive
	strip := func(obs []Observation) []Observation {
		for i := range obs {
			obs[i].ObservedAt = time.Time{}
			obs[i].Raw, obs[i].RawSHA256 = "", "" // the not-found text carries a time
		}
		return obs
	}
	rev := slices.Clone(fixtureDomains)
	slices.Reverse(rev)
	a, err := Enrich(context.Background(), fixtureDomains, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Concurrency = 1
	b, err := Enrich(context.Background(), rev, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(strip(a), strip(b)) {
		t.Error("output depends on input order or concurrency")
	}
	if !slices.IsSortedFunc(a, func(x, y Observation) int { return strings.Compare(x.Domain, y.Domain) }) {
		t.Error("not sorted by domain")
	}
}

func TestRegistrableDomain(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"moonxtrade.com", "moonxtrade.com", false},
		{"WWW.MoonXTrade.COM.", "moonxtrade.com", false},
		{"  shop.example.co.uk ", "example.co.uk", false},
		{"a.b.c.quot.pw", "quot.pw", false},
		{"scam.github.io", "github.io", false},        // private suffix: the registry knows github.io
		{"www.hotel.us.com", "hotel.us.com", false},   // a registration at CentralNic, not a host of us.com
		{"a.b.shop.eu.org", "shop.eu.org", false},     // a registration at eu.org
		{"us.com", "us.com", false},                   // the .com registration of the registry itself
		{"www.hotel.ar.com", "ar.com", false},         // ar.com has left the public suffix list
		{"x.blogspot.co.uk", "blogspot.co.uk", false}, // private suffix under an ICANN one
		{"bücher-handel.de", "xn--bcher-handel-dlb.de", false},
		{"www.xn--bcher-handel-dlb.de", "xn--bcher-handel-dlb.de", false},
		{"example-test.zz", "example-test.zz", false}, // unknown TLD
		{"com", "", true},
		{"co.uk", "", true},
		{"", "", true},
		{"not a domain.com", "", true},
		{"..", "", true},
		{"192.0.2.10", "", true},
		{"[2001:db8::1]", "", true},
		{"host.0", "", true},
		{"\x8d.com", "", true},
	}
	for _, tt := range tests {
		got, err := RegistrableDomain(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("RegistrableDomain(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestNeedsLookup(t *testing.T) {
	now := time.Now()
	at := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	tests := []struct {
		name   string
		cached []Observation
		maxAge time.Duration
		want   bool
	}{
		{"empty", nil, 0, true},
		{"fresh", []Observation{obsAt("x.com", SourceWHOIS, at(1), StatusFound)}, 24 * time.Hour, false},
		{"stale", []Observation{obsAt("x.com", SourceWHOIS, at(30), StatusFound)}, 24 * time.Hour, true},
		{"never stale", []Observation{obsAt("x.com", SourceWHOIS, at(3000), StatusNotFound)}, 0, false},
		{"only failures", []Observation{obsAt("x.com", SourceWHOIS, at(1), StatusError), obsAt("x.com", SourceRDAP, at(1), StatusThrottled)}, 0, true},
		{"only history", []Observation{obsAt("x.com", SourceHistory, at(1), StatusFound)}, 0, true},
	}
	for _, tt := range tests {
		if got := needsLookup(tt.cached, tt.maxAge, now); got != tt.want {
			t.Errorf("%s: needsLookup = %v, want %v", tt.name, got, tt.want)
		}
	}
}
