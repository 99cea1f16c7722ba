package whois

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLookupRDAP(t *testing.T) {
	rs := startRDAP(t)
	cfg := testConfig()
	cfg.Order = []string{SourceRDAP}
	cfg.RDAPServer = rs.baseURL()

	tests := []struct {
		domain    string
		status    Status
		registrar string
		created   *time.Time
		updated   *time.Time
		expires   *time.Time
		codes     []string
		ns        []string
		reg       Contact
		admin     Contact
		tech      Contact
	}{
		{
			domain:    "moonxtrade.com",
			status:    StatusFound,
			registrar: "Harbour Domains Ltd",
			created:   ts("2023-11-02T14:07:55Z"),
			updated:   ts("2025-01-19T10:22:31Z"),
			expires:   ts("2025-11-02T14:07:55Z"),
			codes:     []string{"clientTransferProhibited"},
			ns:        []string{"lara.ns.cloudflare.com", "rick.ns.cloudflare.com"},
			reg:       Contact{Name: "Edgard Varela", Email: "edgard011012@gmail.com", Phone: "+351.912804417", Country: "PT"},
			tech:      Contact{Name: "Hosting Support", Org: "Harbour Domains Ltd", Email: "support@harbourdomains.com", Country: "United Kingdom"},
		},
		{
			domain:    "cryptonexa.io",
			status:    StatusRedacted,
			registrar: "Nordvik Registrar UAB",
			created:   ts("2024-04-02T21:18:51Z"),
			updated:   ts("2025-04-03T12:44:09Z"),
			expires:   ts("2026-04-02T21:18:51Z"),
			codes:     []string{"clientTransferProhibited"},
			ns:        []string{"amber.ns.cloudflare.com", "neil.ns.cloudflare.com"},
			reg:       Contact{Country: "CY"},
		},
		{
			domain:    "github.com",
			status:    StatusFound,
			registrar: "MarkMonitor Inc.",
			created:   ts("2007-10-09T18:20:50Z"),
			updated:   ts("2024-09-07T09:18:27Z"),
			expires:   ts("2026-10-09T07:00:00Z"),
			codes:     []string{"clientDeleteProhibited", "clientTransferProhibited", "clientUpdateProhibited"},
			ns:        []string{"dns1.p08.nsone.net", "dns2.p08.nsone.net", "ns-1283.awsdns-32.org", "ns-421.awsdns-52.com"},
			reg:       Contact{Name: "Domain Administrator", Org: "GitHub, Inc.", Email: "hostmaster@github.com", Phone: "+1.4155550163", Country: "US"},
			admin:     Contact{Name: "Domain Administrator", Org: "GitHub, Inc.", Email: "hostmaster@github.com", Phone: "+1.4155550163", Country: "US"},
		},
		{
			domain:    "pipsmasterclub.org",
			status:    StatusFound,
			registrar: "Nordvik Registrar UAB",
			created:   ts("2024-02-10T11:05:39Z"),
			updated:   ts("2025-02-11T16:20:44Z"),
			expires:   ts("2026-02-10T11:05:39Z"),
			codes:     []string{"clientTransferProhibited"},
			ns:        []string{"ns1.fxhost-dns.net", "ns2.fxhost-dns.net"},
			reg:       Contact{Name: "Jan Kowalski", Email: "j.kowalski.reg@protonmail.com", Phone: "+48.601555214", Country: "PL"},
		},
		{domain: "fxprofitnow.org", status: StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			obs := Lookup(context.Background(), tt.domain, cfg)
			if len(obs) != 1 {
				t.Fatalf("got %d observations, want 1", len(obs))
			}
			o := obs[0]
			if o.Status != tt.status || o.Error != "" {
				t.Fatalf("status %s %q, want %s", o.Status, o.Error, tt.status)
			}
			if o.Source != SourceRDAP || o.Server != rs.baseURL()+"domain/"+tt.domain {
				t.Errorf("source/server = %s %s", o.Source, o.Server)
			}
			if o.Registrar != tt.registrar {
				t.Errorf("registrar = %q, want %q", o.Registrar, tt.registrar)
			}
			for _, d := range []struct {
				name      string
				got, want *time.Time
			}{{"created", o.Created, tt.created}, {"updated", o.Updated, tt.updated}, {"expires", o.Expires, tt.expires}} {
				if !timeEq(d.got, d.want) {
					t.Errorf("%s = %s, want %s", d.name, fmtTime(d.got), fmtTime(d.want))
				}
			}
			if !slices.Equal(o.StatusCodes, tt.codes) {
				t.Errorf("status codes = %q, want %q", o.StatusCodes, tt.codes)
			}
			if !slices.Equal(o.NameServers, tt.ns) {
				t.Errorf("name servers = %q, want %q", o.NameServers, tt.ns)
			}
			if o.Registrant != tt.reg || o.Admin != tt.admin || o.Tech != tt.tech {
				t.Errorf("contacts = %+v / %+v / %+v, want %+v / %+v / %+v", o.Registrant, o.Admin, o.Tech, tt.reg, tt.admin, tt.tech)
			}
			if o.Privacy != (tt.status == StatusRedacted) {
				t.Errorf("privacy = %v", o.Privacy)
			}
			if o.Raw == "" || o.RawSHA256 == "" {
				t.Error("raw answer not kept")
			}
		})
	}
}

// RDAP first, WHOIS when RDAP has no conclusive answer: a 429 that stays
// a 429 is retried, then WHOIS answers.
func TestLookupRDAPThenWhois(t *testing.T) {
	rs := startRDAP(t, "tradebtcx.org")
	_, addr := startWhois(t, mirrorDir)
	cfg := testConfig()
	cfg.Order = nil // default: rdap, whois
	cfg.RDAPServer = rs.baseURL()
	cfg.WhoisServer = addr
	cfg.Retries = 2

	start := time.Now()
	obs := Lookup(context.Background(), "tradebtcx.org", cfg)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %s", took)
	}
	if len(obs) != 2 {
		t.Fatalf("got %d observations, want rdap then whois: %+v", len(obs), obs)
	}
	if o := obs[0]; o.Source != SourceRDAP || o.Status != StatusThrottled || !strings.Contains(o.Error, "http 429 (after 3 attempts)") {
		t.Errorf("rdap: %s %s %q", o.Source, o.Status, o.Error)
	}
	if got := rs.requests.Load(); got != 3 {
		t.Errorf("rdap asked %d times, want 3", got)
	}
	if o := obs[1]; o.Source != SourceWHOIS || o.Status != StatusRedacted {
		t.Errorf("whois: %s %s %q", o.Source, o.Status, o.Error)
	}

	// A conclusive RDAP answer stops there.
	obs = Lookup(context.Background(), "github.com", cfg)
	if len(obs) != 1 || obs[0].Source != SourceRDAP || obs[0].Status != StatusFound {
		t.Errorf("github.com: %+v", obs)
	}
	// So does a 404.
	obs = Lookup(context.Background(), "fxprofitnow.org", cfg)
	if len(obs) != 1 || obs[0].Status != StatusNotFound {
		t.Errorf("fxprofitnow.org: %+v", obs)
	}
}

func TestRDAPHostile(t *testing.T) {
	big := strings.Repeat(" ", 1<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "huge"):
			w.Header().Set("Content-Type", "application/rdap+json")
			_, _ = w.Write([]byte(`{"objectClassName":"domain","ldhName":"huge.com",` + `"x":"`))
			for range 100 { // 100 MiB unless the client hangs up
				if _, err := w.Write([]byte(big)); err != nil {
					return
				}
			}
		case strings.Contains(r.URL.Path, "slow"):
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		case strings.Contains(r.URL.Path, "broken"):
			w.Header().Set("Content-Type", "application/rdap+json")
			_, _ = w.Write([]byte(`{"objectClassName": "domain", "ldhName": `))
		case strings.Contains(r.URL.Path, "fail"):
			http.Error(w, "upstream registry unavailable", http.StatusBadGateway)
		case strings.Contains(r.URL.Path, "forbidden"):
			http.Error(w, "forbidden", http.StatusForbidden)
		}
	}))
	defer srv.Close()

	tests := []struct {
		domain string
		errSub string
		within time.Duration
	}{
		{"huge.com", "response truncated at 262144 bytes", 5 * time.Second},
		{"slow.com", "timed out after 1s", 2500 * time.Millisecond},
		{"broken.com", "undecodable rdap answer", time.Second},
		{"fail.com", "http 502 (after 2 attempts)", time.Second},
		{"forbidden.com", "http 403", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			cfg := testConfig()
			cfg.Order = []string{SourceRDAP}
			cfg.RDAPServer = srv.URL
			cfg.Timeout = time.Second
			cfg.Retries = 1
			start := time.Now()
			o := last(t, Lookup(context.Background(), tt.domain, cfg))
			if took := time.Since(start); took > tt.within {
				t.Errorf("took %s, want at most %s", took, tt.within)
			}
			if o.Status != StatusError || !strings.Contains(o.Error, tt.errSub) {
				t.Errorf("got %s %q, want an error containing %q", o.Status, o.Error, tt.errSub)
			}
			if int64(len(o.Raw)) > DefaultMaxResponseBytes {
				t.Errorf("raw is %d bytes", len(o.Raw))
			}
		})
	}
}

func TestRDAPBadServerURL(t *testing.T) {
	cfg := testConfig()
	cfg.Order = []string{SourceRDAP}
	cfg.RDAPServer = "ftp://example.test/"
	o := last(t, Lookup(context.Background(), "moonxtrade.com", cfg))
	if o.Status != StatusError || !strings.Contains(o.Error, "invalid rdap server url") {
		t.Errorf("got %s %q", o.Status, o.Error)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 14, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-5":                            0,
		"86400":                         maxRetryAfter,
		"Sat, 14 Jun 2025 12:00:20 GMT": 20 * time.Second,
		"soon":                          0,
	}
	for v, want := range tests {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestEPPStatus(t *testing.T) {
	tests := map[string]string{
		"client transfer prohibited": "clientTransferProhibited",
		"Server Hold":                "serverHold",
		"active":                     "active",
		"pending delete":             "pendingDelete",
	}
	for in, want := range tests {
		if got := eppStatus(in); got != want {
			t.Errorf("eppStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

// Without RDAPServer the base URL comes from IANA's bootstrap file,
// fetched once per run.
func TestRDAPBootstrap(t *testing.T) {
	rs := startRDAP(t)
	var fetches atomic.Int64
	boot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rdap/dns.json" {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"version": "1.0", "publication": "2025-06-01T00:00:00Z",
			"description": "RDAP bootstrap file for tests",
			"services": [[["com", "org"], ["` + rs.baseURL() + `"]]]}`))
	}))
	defer boot.Close()

	cfg := testConfig()
	cfg.Order = []string{SourceRDAP}
	cfg.bootstrapURL = boot.URL + "/rdap/"
	obs, err := Enrich(context.Background(), []string{"github.com", "pipsmasterclub.org", "cryptonexa.io"}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{"github.com": StatusFound, "pipsmasterclub.org": StatusFound, "cryptonexa.io": StatusSkipped}
	for _, o := range obs {
		if o.Status != want[o.Domain] {
			t.Errorf("%s: %s %q, want %s", o.Domain, o.Status, o.Error, want[o.Domain])
		}
		if o.Domain == "github.com" && o.Server != rs.baseURL()+"domain/github.com" {
			t.Errorf("server = %q", o.Server)
		}
		if o.Domain == "cryptonexa.io" && o.Error != "no rdap service for .io" {
			t.Errorf("cryptonexa.io: %q", o.Error)
		}
	}
	if got := fetches.Load(); got != 1 {
		t.Errorf("bootstrap file fetched %d times, want 1", got)
	}
}
