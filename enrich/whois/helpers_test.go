package whois

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fediforensics/enrich/whoisserver"
	"fediforensics/internal/testwhois"
)

const (
	mirrorDir = "testdata/whois/mirror"
	rdapDir   = "testdata/rdap"
)

// startWhois runs a whoisserver for dir on loopback until the test ends.
func startWhois(t testing.TB, dir string) (*whoisserver.Server, string) {
	t.Helper()
	s := whoisserver.New(dir)
	return s, testwhois.Serve(t, s)
}

// rdapServer serves testdata/rdap/<domain>.json at /domain/<domain>, 404
// for other domains, and 429 for the domains in throttle.
type rdapServer struct {
	*httptest.Server
	requests atomic.Int64
	throttle map[string]bool
}

func startRDAP(t testing.TB, throttle ...string) *rdapServer {
	t.Helper()
	rs := &rdapServer{throttle: make(map[string]bool)}
	for _, d := range throttle {
		rs.throttle[d] = true
	}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.requests.Add(1)
		d, ok := strings.CutPrefix(r.URL.Path, "/rdap/domain/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		d = strings.ToLower(d)
		if rs.throttle[d] {
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "application/rdap+json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"errorCode":429,"title":"Too Many Requests"}`))
			return
		}
		b, err := os.ReadFile(filepath.Join(rdapDir, filepath.Base(d)+".json"))
		if err != nil {
			w.Header().Set("Content-Type", "application/rdap+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errorCode":404,"title":"Not Found","description":["The object does not exist."]}`))
			return
		}
		w.Header().Set("Content-Type", "application/rdap+json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(rs.Close)
	return rs
}

// baseURL is the RDAP base URL of the server.
func (rs *rdapServer) baseURL() string { return rs.URL + "/rdap/" }

// testConfig is a live configuration that is fast enough for tests.
func testConfig() Config {
	return Config{
		Mode:          ModeLive,
		Order:         []string{SourceWHOIS},
		Timeout:       2 * time.Second,
		PerServerRate: -1,
		Retries:       -1,
		Backoff:       10 * time.Millisecond,
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func timeEq(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "nil"
	}
	return t.Format(time.RFC3339)
}

// last returns the last observation, failing the test if there is none.
func last(t *testing.T, obs []Observation) Observation {
	t.Helper()
	if len(obs) == 0 {
		t.Fatal("no observations")
	}
	return obs[len(obs)-1]
}
