package whois

import (
	"bytes"
	"encoding/json"
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
	f.Fuzz(checkReadHistory)
}

// checkReadHistory reads data as a history file and checks what every
// import promises: errors with the file and a line within it, observations
// with a registrable domain and a time, normalized.
func checkReadHistory(t *testing.T, data []byte) {
	obs, errs := ReadHistory(bytes.NewReader(data), "fuzz.csv")
	lines := bytes.Count(data, []byte("\n")) + 1
	if len(obs) > lines && len(obs) > len(data)/2 {
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
}

// recordsOf returns the elements of the array at path in an export file,
// as seeds for fuzzing one record.
func recordsOf(f *testing.F, file string, path ...string) [][]byte {
	f.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		f.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		f.Fatal(err)
	}
	for _, p := range path {
		v = v.(map[string]any)[p]
	}
	var out [][]byte
	for _, r := range v.([]any) {
		rb, _ := json.Marshal(r)
		out = append(out, rb)
	}
	return out
}

// FuzzReadHistoryWhoisXML fuzzes one record of a WhoisXML WHOIS History
// export.
func FuzzReadHistoryWhoisXML(f *testing.F) {
	for _, r := range recordsOf(f, "testdata/history/whoisxml_history.json", "records") {
		f.Add(r)
	}
	f.Add([]byte(`{"domainName":"x.com","audit":{"createdDate":"2024-01-01"},"nameServers":{"hostNames":["NS1.X.COM"]}}`))
	f.Fuzz(func(t *testing.T, record []byte) {
		doc := append(append([]byte("{\"recordsCount\": 1, \"records\": [\n"), record...), "\n]}"...)
		checkReadHistory(t, doc)
	})
}

// FuzzReadHistoryDomainTools fuzzes one result of a DomainTools Iris
// Investigate export.
func FuzzReadHistoryDomainTools(f *testing.F) {
	for _, r := range recordsOf(f, "testdata/history/domaintools_iris.json", "response", "results") {
		f.Add(r)
	}
	f.Add([]byte(`{"domain":"x.com","data_updated_timestamp":"2024-01-01","registrant_contact":{"email":[{"value":7}]}}`))
	f.Fuzz(func(t *testing.T, record []byte) {
		doc := append(append([]byte("{\"response\": {\"results\": [\n"), record...), "\n]}}"...)
		checkReadHistory(t, doc)
	})
}

func FuzzClassifyWHOIS(f *testing.F) {
	addFiles(f, "testdata/whois/*/*.txt")
	addFiles(f, "testdata/registrants/*/*.txt")
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
		for _, v := range []string{c.Name, c.Org, c.Phone, c.Country, c.Address} {
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
