package whois

import (
	"bufio"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
)

type historyBad struct {
	line  int
	field string
	sub   string // substring of the message
}

func checkHistoryErrors(t *testing.T, file string, errs []error, want []historyBad) {
	t.Helper()
	if len(errs) != len(want) {
		for _, e := range errs {
			t.Log(e)
		}
		t.Fatalf("got %d errors, want %d", len(errs), len(want))
	}
	for i, err := range errs {
		var he *HistoryError
		if !errors.As(err, &he) {
			t.Fatalf("error %v is not a *HistoryError", err)
		}
		w := want[i]
		if he.File != file || he.Line != w.line || he.Field != w.field || !strings.Contains(err.Error(), w.sub) {
			t.Errorf("error %d = %q (file %q line %d field %q), want line %d field %q containing %q",
				i, err, he.File, he.Line, he.Field, w.line, w.field, w.sub)
		}
		if errors.Unwrap(err) == nil {
			t.Errorf("error %q wraps nothing", err)
		}
		if msg := he.Err.Error(); msg == "" || unicode.IsUpper([]rune(msg)[0]) {
			t.Errorf("message %q is empty or starts upper-case", msg)
		}
	}
}

// readHistoryFile reads the history file at path.
func readHistoryFile(t *testing.T, path string) ([]Observation, []error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ReadHistory(f, path)
}

func TestReadHistoryCSV(t *testing.T) {
	const file = "testdata/history/provider_export.csv"
	obs, errs := readHistoryFile(t, file)

	checkHistoryErrors(t, file, errs, []historyBad{
		{6, "observed_at", `testdata/history/provider_export.csv:6: observed_at: unknown date format "last tuesday"`},
		{8, "domain", "missing"},
		{9, "created", `unknown date format "2024-31-12"`},
		{10, "", "row has 11 fields, header has 12"},
	})
	var domains []string
	for _, o := range obs {
		domains = append(domains, o.Domain)
		if o.Source != SourceHistory || o.Server != "provider_export.csv" {
			t.Errorf("%s: source/server %s %s", o.Domain, o.Source, o.Server)
		}
		if !slices.IsSorted(o.NameServers) {
			t.Errorf("%s: name servers not sorted: %q", o.Domain, o.NameServers)
		}
	}
	if want := []string{"moonxtrade.com", "forexgainspro.com", "bitqlend.com", "tradewiseacademy.net"}; !slices.Equal(domains, want) {
		t.Fatalf("loaded %q, want %q", domains, want)
	}

	m := obs[0]
	if !m.ObservedAt.Equal(*ts("2024-01-15T00:00:00Z")) || m.Status != StatusFound || m.Privacy {
		t.Errorf("moonxtrade.com: %+v", m)
	}
	if want := (Contact{Name: "Edgard Varela", Email: "edgard011012@gmail.com", Phone: "+351.912804417", Country: "PT"}); m.Registrant != want {
		t.Errorf("registrant = %+v, want %+v", m.Registrant, want)
	}
	if !timeEq(m.Created, ts("2023-11-02T00:00:00Z")) || !timeEq(m.Expires, ts("2024-11-02T00:00:00Z")) || m.Registrar != "Harbour Domains Ltd" {
		t.Errorf("moonxtrade.com dates/registrar: %s %s %q", fmtTime(m.Created), fmtTime(m.Expires), m.Registrar)
	}
	if !slices.Equal(m.NameServers, []string{"lara.ns.cloudflare.com", "rick.ns.cloudflare.com"}) {
		t.Errorf("name servers = %q", m.NameServers)
	}

	fx := obs[1] // a quoted field spanning two lines
	if fx.Registrant.Org != "Kowalski Trading Sp. z o.o." || !fx.ObservedAt.Equal(*ts("2024-03-01T12:00:00Z")) || fx.Updated != nil {
		t.Errorf("forexgainspro.com: org %q observed %s updated %s", fx.Registrant.Org, fx.ObservedAt, fmtTime(fx.Updated))
	}
	if !slices.Equal(fx.NameServers, []string{"ns1.fxhost-dns.net", "ns2.fxhost-dns.net"}) {
		t.Errorf("semicolon-separated name servers = %q", fx.NameServers)
	}

	b := obs[2]
	if b.Status != StatusRedacted || !b.Privacy || b.Registrant.Name != "" || b.Registrant.Org != "See PrivacyGuardian.org" || b.Registrar != "NameSilo, LLC" {
		t.Errorf("bitqlend.com: %+v", b)
	}
	if !slices.Equal(b.NameServers, []string{"ns1.dnsowl.com", "ns2.dnsowl.com", "ns3.dnsowl.com"}) {
		t.Errorf("space-separated name servers = %q", b.NameServers)
	}
	if tw := obs[3]; tw.Registrant.Country != "PL" {
		t.Errorf("tradewiseacademy.net country %q", tw.Registrant.Country)
	}
}

func TestReadHistoryJSONL(t *testing.T) {
	const file = "testdata/history/provider_export.jsonl"
	obs, errs := readHistoryFile(t, file)
	checkHistoryErrors(t, file, errs, []historyBad{
		{4, "name_servers", "want an array of strings, got an element of type a number"},
		{5, "", "invalid json"},
		{6, "observed_at", "want a string, got a boolean"},
	})
	var domains []string
	for _, o := range obs {
		domains = append(domains, o.Domain)
	}
	if want := []string{"quot.pw", "moonxtrade.com", "ethvaultpro.net", "coinrisefx.com"}; !slices.Equal(domains, want) {
		t.Fatalf("loaded %q, want %q", domains, want)
	}
	if q := obs[0]; !slices.Equal(q.NameServers, []string{"ns1.quothost.xyz", "ns2.quothost.xyz"}) || q.Registrant.Email != "edged011012@gmail.com" {
		t.Errorf("quot.pw: %+v", q)
	}
	if m := obs[1]; !m.ObservedAt.Equal(time.Unix(1705276800, 0)) || m.Registrant.Phone != "351912804417" {
		t.Errorf("moonxtrade.com from Unix time and numeric phone: %s %q", m.ObservedAt, m.Registrant.Phone)
	}
	if e := obs[2]; len(e.NameServers) != 2 {
		t.Errorf("ethvaultpro.net name servers as a string: %q", e.NameServers)
	}
	c := obs[3] // provider spellings of the keys
	if c.Status != StatusRedacted || !c.ObservedAt.Equal(*ts("2024-06-01T00:00:00Z")) || len(c.NameServers) != 2 ||
		c.Registrant.Email != "5c0d2e9f7a1b43c8a6e4d2f0b1c3a5e7.protect@withheldforprivacy.com" {
		t.Errorf("coinrisefx.com: %+v", c)
	}
	if c.Raw == "" || !strings.HasPrefix(c.Raw, `{"domainName"`) {
		t.Errorf("raw record not kept: %q", c.Raw)
	}
}

func TestReadHistoryFileErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []historyBad
		loaded   int
	}{
		{"empty", "", nil, 0},
		{"header only", "domain,observed_at\n", nil, 0},
		{"no domain column", "name,observed_at\nx.com,2024-01-01\n", []historyBad{{1, "domain", "no such column"}}, 0},
		{"no time column", "domain,registrar\nx.com,y\n", []historyBad{{1, "observed_at", "no such column"}}, 0},
		{"bad quote", "domain,observed_at\n\"x.com,2024-01-01\nbad\"x,2024\ny.com,2024-01-02\n", []historyBad{{2, "", "bad csv"}}, 1},
		{"bom and crlf", "\ufeffDomain,Observed At\r\nx.com,2024-01-01\r\n", nil, 1},
		{"bad name server", "domain,observed_at,name_servers\nx.com,2024-01-01,ns1.x.com bad/ns\n", []historyBad{{2, "name_servers", `bad name server "bad/ns"`}}, 0},
		{"json two values", `{"domain":"x.com","observed_at":"2024-01-01"} {}` + "\n", []historyBad{{1, "", "more than one value"}}, 0},
		{"json array field", `{"domain":["x.com"],"observed_at":"2024-01-01"}` + "\n", []historyBad{{1, "domain", "want a string, got an array"}}, 0},
		{"json long line", "{\"domain\":\"" + strings.Repeat("x", maxHistoryLine) + "\"}\n" + `{"domain":"y.com","observed_at":"2024-01-01"}`, []historyBad{{1, "", "line longer than"}}, 1},
		{"unix millis", `{"domain":"x.com","observed_at":1705276800000}`, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, errs := ReadHistory(strings.NewReader(tt.in), "in.csv")
			checkHistoryErrors(t, "in.csv", errs, tt.want)
			if len(obs) != tt.loaded {
				t.Errorf("loaded %d rows, want %d", len(obs), tt.loaded)
			}
		})
	}
}

func TestHistoryErrorMessage(t *testing.T) {
	inner := errors.New("unknown date format")
	e := &HistoryError{File: "a.csv", Line: 7, Field: "created", Err: inner}
	if got := e.Error(); got != "a.csv:7: created: unknown date format" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(e, inner) {
		t.Error("errors.Is does not see the wrapped error")
	}
	if got := (&HistoryError{File: "a.csv", Err: inner}).Error(); got != "a.csv: unknown date format" {
		t.Errorf("Error() without line = %q", got)
	}
}

// History imported into the cache shows up in cache mode and does not
// stop live mode from asking; importing twice stores nothing new.
func TestHistoryInCache(t *testing.T) {
	f, err := os.Open("testdata/history/provider_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hist, _ := ReadHistory(f, "provider_export.csv")
	cache, err := OpenCache(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	for range 2 {
		for _, o := range hist {
			if err := cache.Put(o); err != nil {
				t.Fatal(err)
			}
		}
	}
	if cache.Len() != len(hist) {
		t.Errorf("cache holds %d after importing %d rows twice", cache.Len(), len(hist))
	}
	obs, err := Enrich(context.Background(), []string{"moonxtrade.com", "quot.pw"}, Config{Mode: ModeCache}, cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 || obs[0].Source != SourceHistory || obs[1].Status != StatusSkipped {
		t.Errorf("cache mode: %+v", obs)
	}

	_, addr := startWhois(t, mirrorDir)
	cfg := testConfig()
	cfg.WhoisServer = addr
	obs, err = Enrich(context.Background(), []string{"moonxtrade.com"}, cfg, cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 || obs[0].Source != SourceHistory || obs[1].Source != SourceWHOIS {
		t.Errorf("live mode: %+v", obs)
	}
}

func TestReadHistoryWhoisXML(t *testing.T) {
	const file = "testdata/history/whoisxml_history.json"
	obs, errs := readHistoryFile(t, file)
	if len(obs) != 2 {
		t.Fatalf("got %d observations, want 2: %+v", len(obs), obs)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "whoisxml_history.json:60: domain: missing") {
		t.Errorf("errors %v, want the record without a domain, at its line", errs)
	}
	o := obs[0]
	want := Contact{Name: "Edgard Varela", Email: "edgard011012@gmail.com", Phone: "351912804417", Country: "PORTUGAL"}
	if o.Domain != "quot.pw" || o.Registrant != want || o.Registrar != "Harbour Domains Ltd" || o.Status != StatusFound {
		t.Errorf("first record: %+v", o)
	}
	if !o.ObservedAt.Equal(*ts("2024-03-05T10:00:00Z")) || !timeEq(o.Created, ts("2024-03-01T18:40:03Z")) || !timeEq(o.Expires, ts("2025-03-01T23:59:59Z")) {
		t.Errorf("dates: observed %v created %s expires %s", o.ObservedAt, fmtTime(o.Created), fmtTime(o.Expires))
	}
	if !slices.Equal(o.NameServers, []string{"ns1.quothost.xyz", "ns2.quothost.xyz"}) {
		t.Errorf("name servers %q", o.NameServers)
	}
	if p := obs[1]; p.Status != StatusRedacted || !p.Privacy || !p.ObservedAt.Equal(*ts("2024-06-11T00:00:00Z")) {
		t.Errorf("second record: %s privacy %v at %v, want redacted", p.Status, p.Privacy, p.ObservedAt)
	}
	if o.Source != SourceHistory || o.Server != "whoisxml_history.json" || o.RawSHA256 == "" || !strings.Contains(o.Raw, `"domainName": "quot.pw"`) {
		t.Errorf("source %q server %q raw %q", o.Source, o.Server, o.Raw)
	}
}

func TestReadHistoryDomainTools(t *testing.T) {
	const file = "testdata/history/domaintools_iris.json"
	obs, errs := readHistoryFile(t, file)
	if len(errs) != 0 {
		t.Errorf("errors: %v", errs)
	}
	if len(obs) != 2 {
		t.Fatalf("got %d observations, want 2: %+v", len(obs), obs)
	}
	o := obs[0]
	want := Contact{Name: "Edgard Varela", Email: "edgard011012@gmail.com", Phone: "351912804417", Country: "PT"}
	if o.Domain != "moonxtrade.com" || o.Registrant != want || o.Registrar != "Harbour Domains Ltd" {
		t.Errorf("first result: %+v", o)
	}
	if !o.ObservedAt.Equal(*ts("2024-05-08T03:52:39.123456Z")) || !timeEq(o.Created, ts("2023-11-02T00:00:00Z")) || !timeEq(o.Expires, ts("2024-11-02T00:00:00Z")) {
		t.Errorf("dates: observed %v created %s expires %s", o.ObservedAt, fmtTime(o.Created), fmtTime(o.Expires))
	}
	if !slices.Equal(o.NameServers, []string{"lara.ns.cloudflare.com", "rick.ns.cloudflare.com"}) {
		t.Errorf("name servers %q", o.NameServers)
	}
	if p := obs[1]; p.Domain != "bitqlend.com" || p.Status != StatusRedacted || p.Registrant.Name != "" {
		t.Errorf("second result: %+v", p)
	}
}

// A JSON Lines file whose first object happens to be pretty-printed is not
// an export: only the first key decides.
func TestReadHistoryDocumentDetection(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
	}{
		{`{"recordsCount": 0, "records": []}`, docWhoisXML},
		{"\n  {\"records\": []}", docWhoisXML},
		{`{"response": {"results": []}}`, docDomainTools},
		{`{"domain": "x.com", "observed_at": "2024-01-01"}`, ""},
		{`{"domain": "x.com", "records": []}`, ""},
		{`[1, 2]`, ""},
	} {
		br := bufio.NewReader(strings.NewReader(tt.in))
		if got := jsonDocKind(br); got != tt.want {
			t.Errorf("jsonDocKind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	obs, errs := ReadHistory(strings.NewReader(`{"response": {"message": "no results"}}`), "dt.json")
	if len(obs) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), `no "response.results" array`) {
		t.Errorf("got %v %v", obs, errs)
	}
	obs, errs = ReadHistory(strings.NewReader("{\"records\": [\n{\"domainName\": \"x.com\",\n"), "wx.json")
	if len(obs) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "wx.json:2: invalid json") {
		t.Errorf("truncated export: %v %v", obs, errs)
	}
}
