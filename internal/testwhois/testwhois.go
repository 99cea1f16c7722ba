// Package testwhois runs a WHOIS server of package whoisserver on loopback
// for the length of a test: the real protocol over a real socket, for the
// tests of the packages that ask WHOIS servers.
package testwhois

import (
	"context"
	"testing"
	"time"

	"fediforensics/enrich/whoisserver"
)

// Serve runs s on a free loopback port until the test ends, and returns
// the address it listens on. When the test ends it stops s and fails the
// test if Serve returned an error or did not return within 5 seconds.
func Serve(t testing.TB, s *whoisserver.Server) string {
	t.Helper()
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("whois server: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("whois server did not stop")
		}
	})
	return addr
}
