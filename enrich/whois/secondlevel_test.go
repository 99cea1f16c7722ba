package whois

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A name under a second-level registry (CentralNic's us.com) is asked of
// that registry over WHOIS, as itself; neither IANA, nor the .com
// registry, nor the .com RDAP service is asked about the parent name.
func TestSecondLevelRegistration(t *testing.T) {
	dir := t.TempDir()
	reply, err := os.ReadFile(filepath.Join(corpusDir, "weppos/whois.centralnic.com__us.com__status_registered.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "college.us.com.txt"), reply, 0o644); err != nil {
		t.Fatal(err)
	}
	centralnic, centralnicAddr := startWhois(t, dir)
	verisign, verisignAddr := startWhois(t, "testdata/whois/registry")
	iana, ianaAddr := startWhois(t, "testdata/whois/iana")
	var bootFetches atomic.Int64
	boot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bootFetches.Add(1)
		http.NotFound(w, r)
	}))
	defer boot.Close()

	cfg := testConfig()
	cfg.Order = []string{SourceRDAP, SourceWHOIS}
	cfg.bootstrapURL = boot.URL + "/rdap/"
	cfg.resolve = map[string]string{
		"whois.centralnic.com:43":   centralnicAddr,
		"whois.verisign-grs.com:43": verisignAddr,
		"whois.iana.org:43":         ianaAddr,
	}
	obs, err := Enrich(context.Background(), []string{"www.college.us.com"}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 {
		t.Fatalf("got %d observations, want rdap and whois: %+v", len(obs), obs)
	}
	var rd, wh Observation
	for _, o := range obs {
		if o.Domain != "college.us.com" {
			t.Errorf("observation about %q, want college.us.com", o.Domain)
		}
		switch o.Source {
		case SourceRDAP:
			rd = o
		case SourceWHOIS:
			wh = o
		}
	}
	if rd.Status != StatusSkipped || !strings.Contains(rd.Error, "registrations under us.com") {
		t.Errorf("rdap: %s %q, want skipped", rd.Status, rd.Error)
	}
	if wh.Status != StatusFound || wh.Server != "whois.centralnic.com:43" {
		t.Errorf("whois: %s from %s (%s), want found at whois.centralnic.com:43", wh.Status, wh.Server, wh.Error)
	}
	if got, want := wh.Registrant.Email, "domainadmin@vantagemedia.com"; got != want {
		t.Errorf("registrant e-mail %q, want %q", got, want)
	}
	if got := centralnic.Queries(); got != 1 {
		t.Errorf("CentralNic asked %d times, want 1", got)
	}
	if got := verisign.Queries() + iana.Queries(); got != 0 {
		t.Errorf("the .com registry or IANA asked %d times, want 0", got)
	}
	if got := bootFetches.Load(); got != 0 {
		t.Errorf("RDAP bootstrap fetched %d times, want 0", got)
	}
}

func TestSecondLevelRegistry(t *testing.T) {
	tests := []struct {
		domain, suffix, server string
		ok                     bool
	}{
		{"hotel.us.com", "us.com", "whois.centralnic.com:43", true},
		{"shop.uk.net", "uk.net", "whois.centralnic.com:43", true},
		{"karnaugh.za.net", "za.net", "whois.za.net:43", true},
		{"us.com", "", "", false},         // the parent itself is a .com name
		{"scam.github.io", "", "", false}, // private, but no registration service
		{"example.com", "", "", false},
		{"hotel.ar.com", "", "", false}, // no longer in the public suffix list
	}
	for _, tt := range tests {
		suffix, server, ok := secondLevelRegistry(tt.domain)
		if suffix != tt.suffix || server != tt.server || ok != tt.ok {
			t.Errorf("secondLevelRegistry(%q) = %q, %q, %v; want %q, %q, %v", tt.domain, suffix, server, ok, tt.suffix, tt.server, tt.ok)
		}
	}
}
