package enrich

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func addFiles(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files for %s: %v", pattern, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzReadHistory(f *testing.F) {
	addFiles(f, "testdata/history/*")
	f.Add([]byte("domain,observed_at\nx.com,2024-01-01\n"))
	f.Add([]byte(`{"domain":"x.com","observed_at":1705276800,"name_servers":["a.x.com"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, errs := ReadHistory(bytes.NewReader(data), "fuzz.csv")
		lines := bytes.Count(data, []byte("\n")) + 1
		if len(obs) > lines {
			t.Fatalf("%d observations from %d lines", len(obs), lines)
		}
		for _, err := range errs {
			var he *HistoryError
			if !errors.As(err, &he) || he.File != "fuzz.csv" || he.Line < 0 || he.Line > lines || he.Err == nil {
				t.Fatalf("bad error %#v", err)
			}
		}
		for _, o := range obs {
			if o.Source != SourceHistory || o.Server != "fuzz.csv" || o.ObservedAt.IsZero() {
				t.Fatalf("bad observation %+v", o)
			}
			if d, err := RegistrableDomain(o.Domain); err != nil || d != o.Domain {
				t.Fatalf("domain %q is not a registrable domain", o.Domain)
			}
			checkNormalized(t, o)
		}
	})
}

func FuzzClassifyWHOIS(f *testing.F) {
	addFiles(f, "testdata/whois/*/*.txt")
	f.Add([]byte("WHOIS LIMIT EXCEEDED - SEE WWW.PIR.ORG/WHOIS FOR DETAILS\r\n"))
	f.Add([]byte("Domain Name: x.com\nRegistrant Email: REDACTED\nName Server: NS1.X.COM.\n"))
	f.Add([]byte("M\xfcller:\n\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Observation{Domain: "x.com", Source: SourceWHOIS}
		setRaw(&o, data, 1<<20)
		if !utf8.ValidString(o.Raw) {
			t.Fatal("raw is not valid UTF-8")
		}
		classifyWHOIS(&o, o.Raw)
		switch o.Status {
		case StatusFound, StatusRedacted, StatusNotFound:
		case StatusThrottled, StatusError:
			if o.Error == "" {
				t.Fatalf("status %s without an error", o.Status)
			}
		default:
			t.Fatalf("status %q", o.Status)
		}
		if o.Privacy != (o.Status == StatusRedacted) {
			t.Fatalf("privacy %v with status %s", o.Privacy, o.Status)
		}
		checkNormalized(t, o)
	})
}

// checkNormalized checks the normalization every observation promises.
func checkNormalized(t *testing.T, o Observation) {
	t.Helper()
	if !slices.IsSorted(o.NameServers) || len(slices.Compact(slices.Clone(o.NameServers))) != len(o.NameServers) {
		t.Fatalf("name servers not sorted and unique: %q", o.NameServers)
	}
	for _, ns := range o.NameServers {
		if ns == "" || ns != strings.ToLower(ns) || strings.HasSuffix(ns, ".") {
			t.Fatalf("name server %q not normalized", ns)
		}
	}
	for _, c := range []Contact{o.Registrant, o.Admin, o.Tech} {
		if c.Email != strings.ToLower(c.Email) || c.Email != strings.TrimSpace(c.Email) {
			t.Fatalf("email %q not normalized", c.Email)
		}
		if c.Email != "" && !strings.Contains(c.Email, "@") {
			t.Fatalf("email %q has no @", c.Email)
		}
		for _, v := range []string{c.Name, c.Org, c.Phone, c.Country} {
			if v != strings.TrimSpace(v) || isPlaceholder(v) && v != "" {
				t.Fatalf("contact field %q not normalized", v)
			}
		}
	}
	for _, p := range []*time.Time{o.Created, o.Updated, o.Expires} {
		if p != nil && p.Location() != time.UTC {
			t.Fatalf("time %v not in UTC", p)
		}
	}
}
