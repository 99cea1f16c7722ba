package main

import (
	"strings"
	"testing"
)

// TestWhoisNothingKnown: a domain the cache knows nothing of says so,
// rather than show a zero time.
func TestWhoisNothingKnown(t *testing.T) {
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
			code, stdout, stderr := pipe(t, append(args, "example.com")...)
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
