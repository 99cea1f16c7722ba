package whois

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	whoisparser "github.com/likexian/whois-parser"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

const corpusDir = "testdata/registrants"

// corpusEntry is one registry reply of the corpus and what its registrant
// is (testdata/registrants/SOURCES.md says where each comes from).
type corpusEntry struct {
	File       string `json:"file"`
	Domain     string `json:"domain"`
	TLD        string `json:"tld"`
	Source     string `json:"source"`
	ExpectedBy string `json:"expected_by"`
	Licence    string `json:"licence"`
	Email      string `json:"email"`
	Org        string `json:"org"`
	Name       string `json:"name"`
	Privacy    bool   `json:"privacy"`
	Holdout    bool   `json:"holdout"`
	Note       string `json:"note"`
}

func loadCorpus(t testing.TB) []corpusEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var es []corpusEntry
	if err := json.Unmarshal(b, &es); err != nil {
		t.Fatal(err)
	}
	return es
}

func (e corpusEntry) reply(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, e.File))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// projectRegistrant is what the project reports for a reply.
func projectRegistrant(e corpusEntry, raw []byte) Observation {
	o := Observation{Domain: e.Domain, Source: SourceWHOIS}
	setRaw(&o, raw, 1<<20)
	classifyWHOIS(&o, o.Raw)
	return o
}

// libraryRegistrant is what likexian/whois-parser alone reports for a
// reply, as it reads the bytes the WHOIS client hands it.
func libraryRegistrant(raw []byte) Contact {
	info, err := parseWHOIS(string(raw))
	if err != nil || info.Registrant == nil {
		return Contact{}
	}
	r := info.Registrant
	return Contact{Name: r.Name, Org: r.Organization, Email: strings.ToLower(strings.TrimSpace(r.Email))}
}

// normValue folds case and spaces and drops a trailing handle and
// punctuation, the same for the expected and the found value.
func normValue(v string) string {
	return strings.ToLower(cleanName(strings.TrimRight(strings.TrimSpace(v), ".,")))
}

func emailRight(e corpusEntry, c Contact) bool {
	return e.Email != "" && strings.EqualFold(strings.TrimSpace(c.Email), e.Email)
}

// nameRight reports whether the expected organisation or name is the
// organisation or the name found.
func nameRight(e corpusEntry, c Contact) bool {
	for _, want := range []string{e.Org, e.Name} {
		if want == "" {
			continue
		}
		for _, got := range []string{c.Org, c.Name} {
			if got != "" && normValue(got) == normValue(want) {
				return true
			}
		}
	}
	return false
}

type corpusScore struct {
	email, name          fieldScore
	privacy, projPrivacy int
	missPrivacy          []string
	tlds                 map[string]bool
}

// fieldScore scores one field of the registrant (the e-mail, or the
// organisation or name) over the corpus: how many replies have it, how
// many of them the project and the bare library read right, and the same
// for the held-out replies alone.
type fieldScore struct {
	n, proj, lib int
	hoN          int
	ho           [2]int   // held-out replies read right: [0] project, [1] library
	miss         []string // what the project missed
	below        []string // replies the library reads right and the project does not
}

func (f *fieldScore) add(e corpusEntry, proj, lib bool, miss string) {
	f.n++
	if e.Holdout {
		f.hoN++
		f.ho[0] += b2i(proj)
		f.ho[1] += b2i(lib)
	}
	if proj {
		f.proj++
	} else {
		f.miss = append(f.miss, miss)
	}
	if lib {
		f.lib++
		if !proj {
			f.below = append(f.below, e.File)
		}
	}
}

func rate(hit, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(hit) / float64(n)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scoreCorpus(t testing.TB, es []corpusEntry) corpusScore {
	s := corpusScore{tlds: map[string]bool{}}
	for _, e := range es {
		raw := e.reply(t)
		o := projectRegistrant(e, raw)
		lib := libraryRegistrant(raw)
		if e.TLD != "" {
			s.tlds[e.TLD] = true
		}
		if e.Privacy {
			s.privacy++
			if o.Privacy {
				s.projPrivacy++
			} else {
				s.missPrivacy = append(s.missPrivacy, e.File)
			}
			continue
		}
		if e.Email != "" {
			s.email.add(e, emailRight(e, o.Registrant), emailRight(e, lib), e.File+": want "+e.Email+", got "+o.Registrant.Email)
		}
		if e.Org != "" || e.Name != "" {
			s.name.add(e, nameRight(e, o.Registrant), nameRight(e, lib),
				e.File+": want "+e.Org+" / "+e.Name+", got "+o.Registrant.Org+" / "+o.Registrant.Name+" ("+string(o.Status)+")")
		}
	}
	return s
}

// TestRegistrantCorpus scores the project and the bare library on the
// corpus of real registry replies: the project must find at least 95% of
// the registrant e-mails and 90% of the organisations or names, and never
// miss one the library finds.
func TestRegistrantCorpus(t *testing.T) {
	es := loadCorpus(t)
	s := scoreCorpus(t, es)
	t.Logf("corpus: %d replies, %d TLDs and second-level registries", len(es), len(s.tlds))
	t.Logf("registrant e-mail:    project %d/%d = %.3f, library %d/%d = %.3f",
		s.email.proj, s.email.n, rate(s.email.proj, s.email.n), s.email.lib, s.email.n, rate(s.email.lib, s.email.n))
	t.Logf("registrant org/name:  project %d/%d = %.3f, library %d/%d = %.3f",
		s.name.proj, s.name.n, rate(s.name.proj, s.name.n), s.name.lib, s.name.n, rate(s.name.lib, s.name.n))
	t.Logf("privacy services recognised: %d/%d", s.projPrivacy, s.privacy)
	t.Logf("held out (likexian replies): e-mail project %d/%d, library %d/%d; org/name project %d/%d, library %d/%d",
		s.email.ho[0], s.email.hoN, s.email.ho[1], s.email.hoN, s.name.ho[0], s.name.hoN, s.name.ho[1], s.name.hoN)
	for _, m := range s.email.miss {
		t.Logf("e-mail missed: %s", m)
	}
	for _, m := range s.name.miss {
		t.Logf("org/name missed: %s", m)
	}
	if len(s.tlds) < 150 {
		t.Errorf("corpus covers %d TLDs, want at least 150", len(s.tlds))
	}
	if r := rate(s.email.proj, s.email.n); r < 0.95 {
		t.Errorf("e-mail rate %.3f, want >= 0.95", r)
	}
	if r := rate(s.name.proj, s.name.n); r < 0.90 {
		t.Errorf("org/name rate %.3f, want >= 0.90", r)
	}
	for _, f := range s.email.below {
		t.Errorf("%s: the library finds the e-mail and the project does not", f)
	}
	for _, f := range s.name.below {
		t.Errorf("%s: the library finds the org/name and the project does not", f)
	}
	for _, f := range s.missPrivacy {
		t.Errorf("%s: privacy service not recognised", f)
	}
}

// BenchmarkRegistrantCorpus reads the whole corpus with the project and
// with the bare library, and reports both rates.
func BenchmarkRegistrantCorpus(b *testing.B) {
	es := loadCorpus(b)
	raws := make([][]byte, len(es))
	for i, e := range es {
		raws[i] = e.reply(b)
	}
	s := scoreCorpus(b, es)
	b.Run("project", func(b *testing.B) {
		for b.Loop() {
			for i, e := range es {
				projectRegistrant(e, raws[i])
			}
		}
		b.ReportMetric(rate(s.email.proj, s.email.n), "email-rate")
		b.ReportMetric(rate(s.name.proj, s.name.n), "name-rate")
	})
	b.Run("library", func(b *testing.B) {
		for b.Loop() {
			for _, raw := range raws {
				_, _ = whoisparser.Parse(string(raw))
			}
		}
		b.ReportMetric(rate(s.email.lib, s.email.n), "email-rate")
		b.ReportMetric(rate(s.name.lib, s.name.n), "name-rate")
	})
}

// TestCharsetReplies decodes real replies as their registries sent them
// in legacy charsets (the corpus holds them in UTF-8; the test encodes
// them back) and checks the text and the registrant come out unchanged.
// The JPRS reply gets a Japanese registrant line, as JPRS writes it
// without "/e", since the corpus holds only its English form.
func TestCharsetReplies(t *testing.T) {
	read := func(f string) string {
		b, err := os.ReadFile(filepath.Join(corpusDir, f))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	jprs := strings.Replace(read("weppos/whois.jprs.jp__jp__status_registered.txt"),
		"[Registrant]                    Google Inc.", "[登録者名]                      グーグル合同会社", 1)
	tests := []struct {
		name     string
		text     string
		enc      encoding.Encoding
		wantName string
	}{
		{"koi8-r", read("rpenman/yandex.kz.txt"), charmap.KOI8R, "Yandex.Kazakhstan LLP"},
		{"windows-1251", read("rpenman/yandex.kz.txt"), charmap.Windows1251, "Yandex.Kazakhstan LLP"},
		{"latin-1", read("weppos/whois.ax__ax__status_registered.txt"), charmap.ISO8859_1, "Ålands landskapsregering"},
		{"latin-1 turkish", read("weppos/whois.nic.tr__tr__property_registrant_contact_turkey.txt"), charmap.ISO8859_1, "Hotel Bilgisayar Hizmetleri San. Tic. Turizm Ltd. Þti."},
		{"shift_jis", jprs, japanese.ShiftJIS, "グーグル合同会社"},
		{"euc-jp", jprs, japanese.EUCJP, "グーグル合同会社"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.enc.NewEncoder().Bytes([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if utf8.Valid(b) {
				t.Fatal("encoded reply is valid UTF-8: it tests nothing")
			}
			o := projectRegistrant(corpusEntry{Domain: "x.test"}, b)
			if o.Raw != tt.text {
				t.Errorf("decoded text differs from the original")
			}
			if got := o.Registrant; got.Name != tt.wantName && got.Org != tt.wantName {
				t.Errorf("registrant %+v, want %q", got, tt.wantName)
			}
		})
	}
}

// TestRegistrantCorpusLoopback serves the corpus replies (one per domain
// asked) from the project's WHOIS server on loopback and looks them all up
// through the real client path: the registrants found must be the ones
// the parser finds reading the files, and meet the same rates.
func TestRegistrantCorpusLoopback(t *testing.T) {
	dir := t.TempDir()
	byDomain := map[string]corpusEntry{}
	var domains []string
	for _, e := range loadCorpus(t) {
		if e.Domain == "" {
			continue
		}
		if d, err := RegistrableDomain(e.Domain); err != nil || d != e.Domain {
			continue
		}
		if _, dup := byDomain[e.Domain]; dup {
			continue
		}
		byDomain[e.Domain] = e
		domains = append(domains, e.Domain)
		if err := os.WriteFile(filepath.Join(dir, e.Domain+".txt"), e.reply(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(domains) < 100 {
		t.Fatalf("only %d corpus replies to serve", len(domains))
	}
	srv, addr := startWhois(t, dir)
	cfg := testConfig()
	cfg.WhoisServer = addr
	// This test is about what is read, not about timeouts: on a machine
	// busy with a race-detector build, 2 seconds a query was too short.
	cfg.Timeout = 20 * time.Second
	obs, err := Enrich(context.Background(), domains, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Queries(); got != int64(len(domains)) {
		t.Errorf("server answered %d queries, want %d", got, len(domains))
	}
	var emails, emailHits, names, nameHits int
	for _, o := range obs {
		e, ok := byDomain[o.Domain]
		if !ok {
			t.Errorf("observation about %q, which was not asked", o.Domain)
			continue
		}
		offline := projectRegistrant(e, e.reply(t))
		if o.Registrant != offline.Registrant || o.Status != offline.Status {
			t.Errorf("%s: over loopback %s %+v, reading the file %s %+v", o.Domain, o.Status, o.Registrant, offline.Status, offline.Registrant)
		}
		if e.Privacy {
			continue
		}
		if e.Email != "" {
			emails++
			if emailRight(e, o.Registrant) {
				emailHits++
			}
		}
		if e.Org != "" || e.Name != "" {
			names++
			if nameRight(e, o.Registrant) {
				nameHits++
			}
		}
	}
	t.Logf("over loopback: %d domains; e-mail %d/%d, org/name %d/%d", len(domains), emailHits, emails, nameHits, names)
	if emailHits*100 < emails*95 || nameHits*100 < names*90 {
		t.Errorf("rates over loopback below 0.95 / 0.90")
	}
}

// TestReadRegistrantRules runs each rule family on a short excerpt of a
// corpus reply.
func TestReadRegistrantRules(t *testing.T) {
	tests := []struct {
		name, text string
		want       ruleContact
	}{
		{"labels", "Domain Name: x.gd\nowner-name: Jane Roe\nowner-organization: Roe Ltd\nowner-email: JANE@roe.example\n",
			ruleContact{Contact: Contact{Name: "Jane Roe", Org: "Roe Ltd", Email: "JANE@roe.example"}}},
		{"contact handle", "domain: google.at\nregistrant: GI7803022-NICAT\n\npersonname: DNS Admin\norganization: Google Inc.\ne-mail: dns-admin@google.com\nnic-hdl: GI7803022-NICAT\n",
			ruleContact{Contact: Contact{Name: "DNS Admin", Org: "Google Inc.", Email: "dns-admin@google.com"}, Handle: "GI7803022-NICAT"}},
		{"handle without object is no name", "domain: google.se\nholder: mmr8008-53808\n",
			ruleContact{Handle: "mmr8008-53808"}},
		{"indented block", "Registrant:\n    GOO001748-MARKM\n    Google Inc.\n    Amphitheatre Parkway 1600\n    94043\n\nAdministrative contact:\n",
			ruleContact{Contact: Contact{Org: "Google Inc."}, Address: "Amphitheatre Parkway 1600, 94043"}},
		{"bare line with e-mail", "   Registrant:\n      Google Inc.\n      DNS Admin  dns-admin@google.com\n      +1.6502530000\n   Administrative Contact:\n",
			ruleContact{Contact: Contact{Name: "DNS Admin", Org: "Google Inc.", Email: "dns-admin@google.com"}}},
		{"contact type block", "Contact Type:            registrant\nName:                    Net Admin\nOrganisation:            Calgary Co operative Association Limited\nEmail:                   netadmin@calgarycoop.com\nContact Type:            admin\nName: Other\n",
			ruleContact{Contact: Contact{Name: "Net Admin", Org: "Calgary Co operative Association Limited", Email: "netadmin@calgarycoop.com"}}},
		{"one-line value", "Domain: GOOGLE.CO.TH\nDomain Holder: Google Inc.\n",
			ruleContact{Contact: Contact{Org: "Google Inc."}}},
		{"jprs", "[Domain Name]                   GOOGLE.JP\n[Registrant]                    Google Inc.\nContact Information:\n[Name]                          Google Inc.\n[Email]                         dns-admin@google.com\n",
			ruleContact{Contact: Contact{Org: "Google Inc.", Email: "dns-admin@google.com"}}},
		{"descr and obfuscated e-mail", "domain:       isoc.org.il\n\ndescr:        Israel Internet Association (ISOC-IL)\ndescr:        Petach Tikva\ne-mail:       info-domains AT isoc.org.il\n",
			ruleContact{Contact: Contact{Org: "Israel Internet Association (ISOC-IL)", Email: "info-domains@isoc.org.il"}, Address: "Petach Tikva"}},
		{"trailing handle", "Registrant:\n        Name:           GOOGLE INC. (SGNIC-ORG1113988)\n",
			ruleContact{Contact: Contact{Name: "GOOGLE INC."}}},
		{"nothing", "No match for \"X.COM\".\n", ruleContact{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := readRegistrant(tt.text); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// The library's value stays unless it is a handle or has the address
// glued to it; a proxy service stays recognised.
func TestMergeRegistrant(t *testing.T) {
	tests := []struct {
		name        string
		lib         Contact
		rules       ruleContact
		want        Contact
		wantPrivacy bool
	}{
		{"fills what the library left empty", Contact{Org: "Google Inc."}, ruleContact{Contact: Contact{Email: "dns-admin@google.com"}},
			Contact{Org: "Google Inc.", Email: "dns-admin@google.com"}, false},
		{"replaces a handle", Contact{Org: "MM12383"}, ruleContact{Contact: Contact{Org: "Google Inc."}, Handle: "MM12383"},
			Contact{Org: "Google Inc."}, false},
		{"drops a handle the rules cannot resolve", Contact{Org: "mmr-142621"}, ruleContact{Handle: "mmr-142621"},
			Contact{}, false},
		{"cuts a glued address", Contact{Org: "GOO001748-MARKM,Google Inc.,Amphitheatre Parkway 1600"}, ruleContact{Contact: Contact{Org: "Google Inc."}, Address: "Amphitheatre Parkway 1600"},
			Contact{Org: "Google Inc.", Address: "Amphitheatre Parkway 1600"}, false},
		{"keeps the library's value", Contact{Name: "DNS Admin", Org: "Google LLC"}, ruleContact{Contact: Contact{Org: "Google"}},
			Contact{Name: "DNS Admin", Org: "Google LLC"}, false},
		{"proxy service", Contact{}, ruleContact{Contact: Contact{Org: "Domains By Proxy, LLC"}},
			Contact{Org: "Domains By Proxy, LLC"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Observation{Registrant: tt.lib}
			p := mergeRegistrant(&o, tt.rules)
			if o.Registrant != tt.want || p != tt.wantPrivacy {
				t.Errorf("got %+v privacy %v, want %+v privacy %v", o.Registrant, p, tt.want, tt.wantPrivacy)
			}
		})
	}
}
