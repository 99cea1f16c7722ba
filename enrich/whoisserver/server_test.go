package whoisserver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fediforensics/enrich/whoisserver"
	"fediforensics/internal/testwhois"
)

// query sends q and reads the whole answer, with a deadline.
func query(t *testing.T, addr, q string, limit int64) (string, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, q+"\r\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(c, limit))
	return string(b), err
}

func testDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"example.com.txt": "Domain Name: EXAMPLE.COM\r\nRegistrar: Test Registrar\r\n",
		"drip.org.txt":    "Domain Name: drip.org\r\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestServeFromDirectory(t *testing.T) {
	s := whoisserver.New(testDir(t))
	addr := testwhois.Serve(t, s)

	tests := []struct {
		query string
		want  string // substring of the answer
	}{
		{"example.com", "Registrar: Test Registrar"},
		{"EXAMPLE.COM", "Registrar: Test Registrar"},
		{"=example.com", "Registrar: Test Registrar"},
		{"  domain Example.Com ", "Registrar: Test Registrar"},
		{"nosuch.com", `No match for "NOSUCH.COM".`},
		{"../example.com", `No match for "../EXAMPLE.COM".`},
		{"a/b", `No match for "A/B".`},
		{"", `No match for "".`},
	}
	for _, tt := range tests {
		got, err := query(t, addr, tt.query, 1<<20)
		if err != nil {
			t.Fatalf("query %q: %v", tt.query, err)
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("query %q: answer %q does not contain %q", tt.query, got, tt.want)
		}
	}
	if got, want := s.Queries(), int64(len(tests)); got != want {
		t.Errorf("Queries() = %d, want %d", got, want)
	}
	if got, want := s.Connections(), int64(len(tests)); got != want {
		t.Errorf("Connections() = %d, want %d", got, want)
	}
}

func TestModes(t *testing.T) {
	s := whoisserver.New(testDir(t))
	s.HugeBytes = 3 << 20
	s.DripInterval = 10 * time.Millisecond
	s.SetMode("limit.com", whoisserver.LimitExceeded)
	s.SetMode("CLOSE.com", whoisserver.CloseImmediately)
	s.ModeFunc = func(q string) whoisserver.Mode {
		switch q {
		case "huge.com":
			return whoisserver.Huge
		case "drip.org":
			return whoisserver.Drip
		}
		return whoisserver.Normal
	}
	addr := testwhois.Serve(t, s)

	got, err := query(t, addr, "limit.com", 1<<20)
	if err != nil || got != whoisserver.LimitExceededText {
		t.Errorf("limit: got %q, %v", got, err)
	}
	got, err = query(t, addr, "close.com", 1<<20)
	if got != "" {
		t.Errorf("close: got %q, %v; want nothing", got, err)
	}
	got, err = query(t, addr, "huge.com", 4<<20)
	if err != nil || int64(len(got)) != s.HugeBytes {
		t.Errorf("huge: got %d bytes, %v; want %d", len(got), err, s.HugeBytes)
	}
	start := time.Now()
	got, err = query(t, addr, "drip.org", 1<<20)
	if err != nil || got != "Domain Name: drip.org\r\n" {
		t.Errorf("drip: got %q, %v", got, err)
	}
	if min := time.Duration(len(got)-1) * s.DripInterval; time.Since(start) < min {
		t.Errorf("drip took %s, want at least %s", time.Since(start), min)
	}
}

// A client that stops reading must not keep a Huge handler alive, and
// Close must end a Drip that is still running.
func TestCloseEndsHandlers(t *testing.T) {
	s := whoisserver.New(testDir(t))
	s.DripInterval = time.Hour
	s.ModeFunc = func(q string) whoisserver.Mode {
		if q == "huge.com" {
			return whoisserver.Huge
		}
		return whoisserver.Drip
	}
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background()) }()

	c1, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	_, _ = io.WriteString(c1, "huge.com\r\n")
	buf := make([]byte, 1024)
	if _, err := io.ReadFull(c1, buf); err != nil {
		t.Fatal(err)
	}
	c1.Close()

	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_, _ = io.WriteString(c2, "drip.org\r\n")
	if _, err := io.ReadFull(c2, buf[:1]); err != nil {
		t.Fatal(err)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("server still accepts after Close")
	}
}

func TestListenErrors(t *testing.T) {
	s := whoisserver.New(t.TempDir())
	if err := s.Serve(context.Background()); err == nil {
		t.Error("Serve before Listen: no error")
	}
	if _, err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Listen("127.0.0.1:0"); err == nil {
		t.Error("second Listen: no error")
	}
	if _, err := whoisserver.New("").Listen("256.0.0.1:0"); err == nil {
		t.Error("Listen on a bad address: no error")
	}
}

func TestQueryLineLimit(t *testing.T) {
	s := whoisserver.New(testDir(t))
	s.MaxQueryBytes = 16
	s.QueryTimeout = 200 * time.Millisecond
	addr := testwhois.Serve(t, s)

	got, _ := query(t, addr, strings.Repeat("a", 100)+".com", 1<<20)
	if got != "" {
		t.Errorf("over-long query answered: %q", got)
	}
	// A client that never ends its line is dropped after QueryTimeout.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "example")
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err = io.ReadAll(c)
	if err != nil && !errors.Is(err, io.EOF) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Error("server kept a silent client past QueryTimeout")
		}
	}
}
