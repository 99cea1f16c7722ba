package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fediforensics/pipeline/outdir"
)

// TestWhoisNothingKnown: a domain the cache knows nothing of says so,
// rather than show a zero time.
func TestWhoisNothingKnown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"empty cache", nil, "example.com  skipped  (nothing in the cache; --live asks the network)\n"},
		{"whois off", []string{"--whois", "off"}, "example.com  skipped  (--whois off: nothing was asked)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"whois", "--whois-cache", t.TempDir()}, tc.args...)
			code, stdout, stderr := runCLI(t, append(args, "example.com")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if stdout != tc.want {
				t.Errorf("stdout = %q, want %q", stdout, tc.want)
			}
			if strings.Contains(stdout+stderr, "0001-01-01") {
				t.Errorf("a zero time:\n%s\n%s", stdout, stderr)
			}
			if strings.Contains(stderr, "\r") {
				t.Errorf("a live line off a terminal: %q", stderr)
			}
		})
	}
}

// TestWhoisCoverageShown: a run that could not learn registrants says so in
// its summary, its manifest and report.html; one whose every live look-up
// failed exits 9 with its outputs in place.
func TestWhoisCoverageShown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    []string
		shared  *sharedRun // the run with these flags, made once for the tests
		code    int
		summary []string
	}{
		{"off", []string{"--whois", "off"}, nil, 0,
			[]string{"whois      0 of 164 domains with registrant data", "164 not looked up (whois off)", "!! WHOIS enrichment was off"}},
		{"empty cache", nil, emptyCacheRun, 0,
			[]string{"164 not looked up (whois cache)", "!! 164 domains are not in the WHOIS cache: run with --whois live"}},
		// Nothing listens on port 1: every look-up is refused.
		{"network down", []string{"--whois", "live", "--whois-server", "127.0.0.1:1", "--rdap-server", "http://127.0.0.1:1/", "--whois-rate", "-1"}, nil, 9,
			[]string{"164 failed, 0 not looked up (whois live); 0 of 164 live look-ups answered", "!! every live WHOIS/RDAP look-up failed (164 domains)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, stdout, stderr string
			code := 0 // a shared run that fails fails the test in get
			if tc.shared != nil {
				out, stdout = tc.shared.get(t)
			} else {
				out = filepath.Join(t.TempDir(), "out")
				args := append([]string{"run", sampleDump, "--out", out, "--whois-cache", t.TempDir()}, tc.args...)
				code, stdout, stderr = runCLI(t, args...)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, stdout, stderr)
			}
			for _, want := range tc.summary {
				if !strings.Contains(stdout, want) {
					t.Errorf("summary lacks %q:\n%s", want, stdout)
				}
			}
			if tc.code != 0 && !strings.Contains(stderr, "whois unavailable: every live look-up of 164 domains failed; the outputs are in place") {
				t.Errorf("stderr does not say why the exit code:\n%s", stderr)
			}
			m, err := outdir.ReadManifest(out)
			if err != nil {
				t.Fatal(err)
			}
			if m.Whois == nil || m.Whois.Domains != 164 || m.Whois.Registrant != 0 || m.Whois.Advice == "" {
				t.Errorf("manifest whois = %+v", m.Whois)
			}
			page, err := os.ReadFile(filepath.Join(out, "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(page), `<p class="alert" id="whois-gap"><b>Registrant data is incomplete:</b> 0 of 164 domains have it.`) {
				t.Error("report.html does not say that registrant data is missing")
			}
		})
	}
	// The sample's recorded cache: what it holds is shown, nothing to advise.
	out := sharedSample(t)
	m, err := outdir.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Whois == nil || m.Whois.Registrant == 0 || m.Whois.Advice != "" {
		t.Errorf("manifest whois over the recorded cache = %+v", m.Whois)
	}
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if strings.Contains(string(page), "whois-gap") || !strings.Contains(string(page), `<p class="coverage">WHOIS: `+m.Whois.Counts()+`.</p>`) {
		t.Error("report.html over the recorded cache: an alert, or no coverage line")
	}
}
