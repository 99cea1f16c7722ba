package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// notebookCmd runs 'pipeline notebook ARGS' in-process.
func notebookCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = cmdNotebook(context.Background(), args, &o, &e)
	return o.String(), e.String(), err
}

// TestNotebooks runs every notebook in notebooks/ on the sample output:
// none may fail, each writes its HTML and Markdown, and the defaults find
// the planted campaign and registrant.
func TestNotebooks(t *testing.T) {
	t.Parallel()
	out := sampleWithWhois(t)
	files, err := filepath.Glob("../../notebooks/*.md")
	if err != nil || len(files) < 4 {
		t.Fatalf("notebooks: %v %v", files, err)
	}
	stdout, stderr, err := notebookCmd(t, append([]string{"run", "--out", out}, files...)...)
	if err != nil {
		t.Fatalf("notebook run: %v\n%s\n%s", err, stdout, stderr)
	}
	top := topCampaign(t, out)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".md")
		h, err := os.ReadFile(filepath.Join(out, "notebooks", name+".html"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := os.ReadFile(filepath.Join(out, "notebooks", name+".md"))
		if err != nil {
			t.Fatal(err)
		}
		page := string(h)
		if strings.Contains(page, "<script") || strings.Contains(page, `<a href`) {
			t.Errorf("%s: the page has a script or a link", name)
		}
		if !strings.Contains(string(m), "| --- |") {
			t.Errorf("%s: the Markdown has no table", name)
		}
		switch name {
		case "campaign-messages":
			for _, want := range []string{top, "<svg", "moonxtrade[.]com"} {
				if !strings.Contains(page, want) {
					t.Errorf("%s lacks %q", name, want)
				}
			}
		case "registrant-linkage":
			for _, want := range []string{"edgard011012@gmail.com", "moonxtrade[.]com", "cryptonexa[.]io", top, "name:edgard varela"} {
				if !strings.Contains(page, want) {
					t.Errorf("%s lacks %q", name, want)
				}
			}
		case "oauth-app-abuse":
			if !strings.Contains(page, "MastoBoost") {
				t.Errorf("%s lacks the campaign's app", name)
			}
		case "signup-spike-anatomy":
			if !strings.Contains(page, "mastodon.social@2023-05-05T14:02Z") && !strings.Contains(page, "mastodon[.]social@2023-05-05T14:02Z") {
				t.Errorf("%s lacks the largest spike", name)
			}
		}
	}

	// A parameter is bound, not pasted: a value made to break out of a
	// string literal finds nothing and breaks nothing.
	h := filepath.Join(t.TempDir(), "x.html")
	md := filepath.Join(t.TempDir(), "x.md")
	_, stderr, err = notebookCmd(t, "run", "campaign-messages", "--out", out, "--html", h, "--md", md,
		"--param", "campaign_id=' OR 1=1 --")
	if err != nil {
		t.Fatalf("built-in notebook with a hostile parameter: %v\n%s", err, stderr)
	}
	b, _ := os.ReadFile(md)
	if !strings.Contains(string(b), "_0 rows_") || strings.Contains(string(b), top) {
		t.Errorf("the hostile parameter matched rows:\n%s", b)
	}
	b, _ = os.ReadFile(h)
	if !strings.Contains(string(b), "&#39; OR 1=1 --") {
		t.Error("the parameter is not shown, escaped, in the HTML")
	}

	// Usage errors: an undeclared parameter, a missing notebook.
	if _, _, err := notebookCmd(t, "run", "campaign-messages", "--out", out, "--param", "nope=1"); err == nil {
		t.Error("an undeclared parameter was accepted")
	}
	if _, _, err := notebookCmd(t, "run", "no-such-notebook", "--out", out); err == nil {
		t.Error("a missing notebook was accepted")
	}
	stdout, _, err = notebookCmd(t, "list")
	if err != nil || !strings.Contains(stdout, "registrant-linkage") {
		t.Errorf("list: %v\n%s", err, stdout)
	}
}
