package whois

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func obsAt(domain, source string, at time.Time, status Status) Observation {
	return Observation{Domain: domain, Source: source, Server: "test", ObservedAt: at, Status: status}
}

func TestCachePersistence(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

	c, err := OpenCache(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	full := Observation{
		Domain: "moonxtrade.com", Source: SourceWHOIS, Server: "127.0.0.1:43",
		ObservedAt: t0.Add(time.Hour), Status: StatusFound, Registrar: "Harbour Domains Ltd",
		Created: ts("2023-11-02T14:07:55Z"), Expires: ts("2025-11-02T14:07:55Z"),
		StatusCodes: []string{"clientTransferProhibited"},
		NameServers: []string{"lara.ns.cloudflare.com", "rick.ns.cloudflare.com"},
		Registrant:  Contact{Name: "Edgard Varela", Email: "edgard011012@gmail.com", Country: "PT"},
		RawSHA256:   "abc", Raw: "Domain Name: moonxtrade.com\r\n<&>",
	}
	puts := []Observation{
		full,
		obsAt("moonxtrade.com", SourceHistory, t0.Add(-24*time.Hour), StatusFound), // older, put later
		obsAt("WWW.Quot.PW.", SourceRDAP, t0, StatusNotFound),                      // normalized on Put
		obsAt("moonxtrade.com", SourceRDAP, t0.Add(time.Hour), StatusError),        // same time as full
	}
	for _, o := range puts {
		if err := c.Put(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Put(full); err != nil { // a duplicate is not stored twice
		t.Fatal(err)
	}
	check := func(c *Cache) {
		t.Helper()
		got := c.Get("moonxtrade.com")
		if len(got) != 3 {
			t.Fatalf("got %d observations for moonxtrade.com, want 3", len(got))
		}
		if got[0].Source != SourceHistory || got[1].Source != SourceRDAP || got[2].Source != SourceWHOIS {
			t.Errorf("order = %s, %s, %s; want oldest first, then by source", got[0].Source, got[1].Source, got[2].Source)
		}
		if !reflect.DeepEqual(got[2], full) {
			t.Errorf("round trip changed the observation:\n got %+v\nwant %+v", got[2], full)
		}
		if q := c.Get("quot.pw"); len(q) != 1 || q[0].Domain != "quot.pw" {
			t.Errorf("quot.pw: %+v", q)
		}
		if c.Len() != 4 {
			t.Errorf("Len() = %d, want 4", c.Len())
		}
	}
	check(c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(full); err == nil {
		t.Error("Put after Close: no error")
	}

	for _, ro := range []bool{false, true} {
		c2, err := OpenCache(dir, ro)
		if err != nil {
			t.Fatal(err)
		}
		check(c2)
		if err := c2.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, CacheFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 4 {
		t.Errorf("file has %d lines, want 4", n)
	}
	if !strings.Contains(string(b), `<&>`) {
		t.Error("raw text was HTML-escaped in the file")
	}
}

func TestCacheGetReturnsCopy(t *testing.T) {
	c, err := OpenCache(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o := obsAt("github.com", SourceRDAP, time.Now(), StatusFound)
	o.NameServers = []string{"a.example", "b.example"}
	o.Created = ts("2007-10-09T18:20:50Z")
	if err := c.Put(o); err != nil {
		t.Fatal(err)
	}
	o.NameServers[0] = "changed-by-caller" // the cache must not see this
	got := c.Get("github.com")
	got[0].NameServers[1] = "changed"
	*got[0].Created = time.Time{}
	again := c.Get("github.com")[0]
	if again.NameServers[0] != "a.example" || again.NameServers[1] != "b.example" || again.Created.IsZero() {
		t.Errorf("cache shares memory with its callers: %+v", again)
	}
}

func TestCacheReadOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	c, err := OpenCache(dir, true)
	if err != nil {
		t.Fatalf("read-only open of a missing cache: %v", err)
	}
	if err := c.Put(obsAt("x.com", SourceRDAP, time.Now(), StatusFound)); err == nil {
		t.Error("Put on a read-only cache: no error")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("read-only open created the directory")
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}

func TestCachePutRefuses(t *testing.T) {
	c, err := OpenCache(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, o := range []Observation{
		{Domain: "", ObservedAt: time.Now()},
		{Domain: "com", ObservedAt: time.Now()},
		{Domain: "x.com"},
	} {
		if err := c.Put(o); err == nil {
			t.Errorf("Put(%+v): no error", o)
		}
	}
}

// An interrupted write leaves a cut last line: it is skipped, counted, and
// the next Put starts on a line of its own.
func TestCacheRepairsCutLine(t *testing.T) {
	dir := t.TempDir()
	good := `{"domain":"a.com","source":"rdap","server":"s","observed_at":"2025-06-01T00:00:00Z","status":"found","privacy":false}`
	junk := "\nnot json at all\n{\"domain\":\"\",\"observed_at\":\"2025-06-01T00:00:00Z\"}\n"
	cut := `{"domain":"b.com","source":"rdap","ser`
	if err := os.WriteFile(filepath.Join(dir, CacheFile), []byte(good+junk+cut), 0o640); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCache(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 1 || c.BadLines() != 3 {
		t.Errorf("Len %d BadLines %d, want 1 and 3", c.Len(), c.BadLines())
	}
	if err := c.Put(obsAt("b.com", SourceWHOIS, time.Now(), StatusFound)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c, err = OpenCache(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 || len(c.Get("b.com")) != 1 {
		t.Errorf("after repair: Len %d, b.com %d", c.Len(), len(c.Get("b.com")))
	}
}

func TestCacheConcurrentPut(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenCache(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				o := obsAt("x.com", SourceWHOIS, t0.Add(time.Duration(w*50+i)*time.Millisecond), StatusFound)
				if err := c.Put(o); err != nil {
					t.Error(err)
				}
				_ = c.Get("x.com")
			}
		})
	}
	wg.Wait()
	c.Close()
	c, err = OpenCache(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Get("x.com")
	if len(got) != 400 || c.BadLines() != 0 {
		t.Fatalf("got %d observations and %d bad lines, want 400 and 0", len(got), c.BadLines())
	}
	for i := 1; i < len(got); i++ {
		if got[i].ObservedAt.Before(got[i-1].ObservedAt) {
			t.Fatal("observations not oldest first")
		}
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/tmp/xdg-test")
	t.Setenv("HOME", "/tmp/home-test")
	dir, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(dir, filepath.Join("fediforensics", "whois")) {
		t.Errorf("DefaultCacheDir() = %q", dir)
	}
}
