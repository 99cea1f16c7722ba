package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fediforensics/enrich/whois"
)

// testRoot is a temporary directory for the whole test binary: the HOME
// and XDG_CACHE_HOME of every test, and where outputs shared between
// tests live. It is removed when the tests end.
var testRoot string

// TestMain points HOME and XDG_CACHE_HOME at a temporary directory, so no
// test can read or write the user's state (the WHOIS cache under
// ~/.cache, above all) even if it forgets --whois-cache. After the tests
// it fails the binary if a test changed a shared output (shared_test.go).
// The tests run in parallel (t.Parallel, -parallel is GOMAXPROCS): most
// of a test's time is one goroutine, or DuckDB waiting on small queries.
func TestMain(m *testing.M) {
	os.Exit(func() int {
		root, err := os.MkdirTemp("", "pipeline-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(root)
		testRoot = root
		home := filepath.Join(root, "home")
		for k, v := range map[string]string{"HOME": home, "XDG_CACHE_HOME": filepath.Join(home, ".cache")} {
			if err := os.MkdirAll(v, 0o700); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			if err := os.Setenv(k, v); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		code := m.Run()
		if err := checkSharedRuns(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			code = 1
		}
		return code
	}())
}

// TestNoUserState checks the guard of TestMain: the default WHOIS cache
// of this test binary is inside the temporary directory.
func TestNoUserState(t *testing.T) {
	dir, err := whois.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if testRoot == "" || !strings.HasPrefix(dir, testRoot+string(filepath.Separator)) {
		t.Fatalf("the default WHOIS cache %s is outside the test's temporary directory %q: tests could read the user's cache", dir, testRoot)
	}
	if home, _ := os.UserHomeDir(); !strings.HasPrefix(home, testRoot) {
		t.Errorf("HOME is %s, not under %s", home, testRoot)
	}
}
