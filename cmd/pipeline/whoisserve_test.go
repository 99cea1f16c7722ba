package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fediforensics/internal/testlog"
)

const sampleMirror = "../../data/sample/whois-mirror"

// serveWhois starts `pipeline whois-serve` in-process with a cancellable
// context and returns the address it reports, a function that stops it and
// returns its exit code, and its stderr.
func serveWhois(t *testing.T, args ...string) (addr string, stop func() int, stderr *testlog.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr = &testlog.Buffer{}
	done := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"whois-serve"}, args...), pw, stderr)
		pw.Close()
		done <- code
	}()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(pr).ReadString('\n')
		lines <- line
		io.Copy(io.Discard, pr)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("whois-serve reported no address in 10s; stderr:\n%s", stderr.String())
	}
	// "serving DIR on ADDR"
	i := strings.LastIndex(line, " on ")
	if !strings.HasPrefix(line, "serving ") || i < 0 {
		cancel()
		code := <-done
		t.Fatalf("whois-serve: exit %d, first line %q, stderr:\n%s", code, line, stderr.String())
	}
	addr = strings.TrimSpace(line[i+len(" on "):])
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Errorf("whois-serve did not stop within 10s of its context being cancelled")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return addr, stop, stderr
}

// whoisQuery sends one RFC 3912 query and reads the answer to EOF.
func whoisQuery(t *testing.T, addr, query string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, query+"\r\n"); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	return string(b)
}

// TestWhoisServe runs whois-serve over the sample's mirror on a free
// loopback port and asks it over real TCP: a recorded domain gets its file
// byte for byte, whatever the case or the registry prefix of the query;
// anything else, a path that would escape the directory included, gets the
// not-found answer; cancelling the context stops it cleanly.
func TestWhoisServe(t *testing.T) {
	t.Parallel()
	addr, stop, stderr := serveWhois(t, "--dir", sampleMirror, "--listen", "127.0.0.1:0")
	if host, port, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("reported address %q: not a bound loopback port (%v)", addr, err)
	}
	moon, err := os.ReadFile(sampleMirror + "/moonxtrade.com.txt")
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := os.ReadFile(sampleMirror + "/tradewiseacademy.net.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query string
		want        string // the whole answer, or "" for not found
		notFound    string // the name the not-found answer repeats
	}{
		{"recorded", "moonxtrade.com", string(moon), ""},
		{"recorded, other domain", "tradewiseacademy.net", string(quiet), ""},
		{"case-insensitive", "MoonXTrade.COM", string(moon), ""},
		{"verisign prefix", "domain moonxtrade.com", string(moon), ""},
		{"not recorded", "nosuchdomain-fediforensics.com", "", "NOSUCHDOMAIN-FEDIFORENSICS.COM"},
		{"path escape", "../whois-mirror/moonxtrade.com", "", "../WHOIS-MIRROR/MOONXTRADE.COM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := whoisQuery(t, addr, tc.query)
			if tc.want != "" {
				if got != tc.want {
					t.Errorf("answer to %q is not the recorded file (%d bytes, want %d):\n%.300s", tc.query, len(got), len(tc.want), got)
				}
				return
			}
			if !strings.HasPrefix(got, `No match for "`+tc.notFound+`".`) {
				t.Errorf("answer to %q is not a not-found answer:\n%.300s", tc.query, got)
			}
			if strings.Contains(got, "Registrant") {
				t.Errorf("a not-found answer carries a record:\n%s", got)
			}
		})
	}
	if code := stop(); code != 0 {
		t.Errorf("whois-serve exited %d after its context was cancelled; stderr:\n%s", code, stderr.String())
	}
	// Stopped means the port is closed.
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after whois-serve stopped", addr)
	}
}

func TestWhoisServeRefuses(t *testing.T) {
	t.Parallel()
	// A port that is taken.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// A --dir that is not a folder, refused before listening: it would
	// answer "no match" for every domain, which clients cache.
	missing := filepath.Join(t.TempDir(), "no-such-mirror")
	file := filepath.Join(t.TempDir(), "answers.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown flag", []string{"--bogus"}, 2, "bogus"},
		{"argument", []string{"--dir", sampleMirror, "extra"}, 2, "no arguments"},
		{"port taken", []string{"--dir", sampleMirror, "--listen", ln.Addr().String()}, 1, "listen"},
		{"missing dir", []string{"--dir", missing, "--listen", "127.0.0.1:0"}, 2, missing + ": no such file or directory"},
		{"dir is a file", []string{"--dir", file, "--listen", "127.0.0.1:0"}, 2, file + " is not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out, errb bytes.Buffer
			code := run(ctx, append([]string{"whois-serve"}, tc.args...), &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out.String(), errb.String())
			}
			if !strings.Contains(errb.String(), tc.msg) {
				t.Errorf("stderr %q does not say %q", errb.String(), tc.msg)
			}
			if strings.Contains(out.String(), "serving") {
				t.Errorf("claims to serve: %q", out.String())
			}
		})
	}
}
