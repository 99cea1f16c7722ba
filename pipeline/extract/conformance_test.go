package extract

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// conformanceCase is one case of twitter-text's conformance suite: the
// URLs it expects, each with its indices (in code points) when the
// section gives them.
type conformanceCase struct {
	Description string
	Text        string
	Expected    []expectedURL
}

type expectedURL struct {
	URL     string
	Indices []int
}

// UnmarshalYAML reads an expected URL written either as a string or as
// a mapping of url and indices.
func (e *expectedURL) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&e.URL)
	}
	var m struct {
		URL     string `yaml:"url"`
		Indices []int  `yaml:"indices"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	e.URL, e.Indices = m.URL, m.Indices
	return nil
}

func loadConformance(t *testing.T, name string) (sections []string, cases map[string][]conformanceCase) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "twitter-text", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests yaml.Node `yaml:"tests"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	cases = map[string][]conformanceCase{}
	for i := 0; i+1 < len(doc.Tests.Content); i += 2 {
		name := doc.Tests.Content[i].Value
		var cs []conformanceCase
		if err := doc.Tests.Content[i+1].Decode(&cs); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sections = append(sections, name)
		cases[name] = cs
	}
	return sections, cases
}

// found is what the extractor cut out of a text: the text as written
// (not refanged) and where, in code points as twitter-text counts.
type found struct {
	URL   string
	Start int
	End   int
}

func extractURLs(x *Extractor, text string) []found {
	var out []found
	x.scan(text, func(start, end int, _ Ref) {
		out = append(out, found{text[start:end], utf8.RuneCountInString(text[:start]), utf8.RuneCountInString(text[:end])})
	})
	return out
}

// conformanceRate runs every case of the named sections as a subtest and
// returns how many passed, with the URL counts behind precision and recall.
type conformanceRate struct {
	cases, passed         int
	got, expected, common int
}

func (r conformanceRate) String() string {
	return fmt.Sprintf("%d/%d cases (%.3f), precision %.3f, recall %.3f", r.passed, r.cases,
		float64(r.passed)/float64(r.cases), float64(r.common)/float64(max(r.got, 1)), float64(r.common)/float64(max(r.expected, 1)))
}

func runConformance(t *testing.T, file string, known map[string]string) conformanceRate {
	sections, cases := loadConformance(t, file)
	x := New()
	var rate conformanceRate
	seen := map[string]bool{}
	for _, section := range sections {
		for _, c := range cases[section] {
			key := section + ": " + c.Description
			seen[key] = true
			got := extractURLs(x, c.Text)
			var gotURLs, wantURLs []string
			for _, f := range got {
				gotURLs = append(gotURLs, f.URL)
			}
			indices := false
			for _, e := range c.Expected {
				wantURLs = append(wantURLs, e.URL)
				indices = indices || e.Indices != nil
			}
			ok := slices.Equal(gotURLs, wantURLs)
			if ok && indices {
				for i, e := range c.Expected {
					ok = ok && reflect.DeepEqual(e.Indices, []int{got[i].Start, got[i].End})
				}
			}
			rate.cases++
			rate.got += len(gotURLs)
			rate.expected += len(wantURLs)
			rate.common += commonCount(gotURLs, wantURLs)
			if ok {
				rate.passed++
			}
			t.Run(key, func(t *testing.T) {
				reason, isKnown := known[key]
				switch {
				case ok && isKnown:
					t.Errorf("passes but is listed as a known failure (%s): take it off the list", reason)
				case !ok && isKnown:
					t.Skipf("known failure: %s", reason)
				case !ok:
					t.Errorf("text %q\n got  %+v\n want %+v", c.Text, got, c.Expected)
				}
			})
		}
	}
	for key := range known {
		if !seen[key] {
			t.Errorf("known failure %q names no case of %s", key, file)
		}
	}
	return rate
}

// commonCount is the size of the multiset intersection of a and b.
func commonCount(a, b []string) int {
	left := map[string]int{}
	for _, s := range a {
		left[s]++
	}
	n := 0
	for _, s := range b {
		if left[s] > 0 {
			left[s]--
			n++
		}
	}
	return n
}

// knownURLFailures are the cases of extract-urls.yml the extractor fails
// on purpose, each with the reason.
var knownURLFailures = map[string]string{
	"urls: Extract short URLs without protocol on ccTLD domains without path": "bare it.so: a bare host " +
		"whose top-level domain is more often a file extension (.so: libc.so) needs a path to count",
	"urls: Extract URL before newline": "bare it.so, as above (it.so/abcde, with a path, is found)",
}

// TestConformanceURLs runs the URL sections of twitter-text's conformance
// suite: Mastodon links URLs by its rules, and the extractor must cut a
// URL where Mastodon does.
func TestConformanceURLs(t *testing.T) {
	rate := runConformance(t, "extract-urls.yml", knownURLFailures)
	t.Logf("twitter-text URL conformance: %s", rate)
	if float64(rate.passed) < 0.95*float64(rate.cases) {
		t.Errorf("conformance %s: below 0.95", rate)
	}
}

// TestConformanceTLDs runs twitter-text's case for each top-level domain
// it knew in 2021. The known failures are those no longer (or never) in
// the public suffix list, listed in testdata/tlds-not-in-psl.txt; the test
// checks that each is still out of the list.
func TestConformanceTLDs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "tlds-not-in-psl.txt"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		section, tld, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if isTLD(tld) {
			t.Errorf("tlds-not-in-psl.txt: %s is in the public suffix list now", tld)
		}
		known[section+": "+tld+" is a valid "+section+" tld"] = "not in the public suffix list"
	}
	rate := runConformance(t, "tlds.yml", known)
	t.Logf("twitter-text TLD conformance: %s; %d of its TLDs are not in the public suffix list", rate, len(known))
}
