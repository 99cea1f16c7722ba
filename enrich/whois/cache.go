package whois

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// CacheFile is the name of the cache's file inside its directory.
const CacheFile = "observations.jsonl"

// Cache is a persistent store of observations, shared across runs. It is
// an append-only JSON Lines file, one observation a line, and an in-memory
// index loaded from it when opened. Every observation put is kept: the
// history of a domain is never collapsed to its latest state. An
// observation equal to one already stored is not stored twice, so
// importing the same history file again changes nothing.
//
// A Cache is safe for concurrent use. Only one process should write a cache
// directory at a time.
type Cache struct {
	path     string
	readOnly bool

	mu       sync.RWMutex
	f        *os.File // nil when read-only or closed
	closed   bool
	byDomain map[string][]Observation
	seen     map[[sha256.Size]byte]struct{}
	n        int
	bad      int
}

// DefaultCacheDir returns the per-user cache directory of WHOIS and RDAP
// observations: os.UserCacheDir()/fediforensics/whois.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("enrich: cache dir: %w", err)
	}
	return filepath.Join(dir, "fediforensics", "whois"), nil
}

// OpenCache opens the cache in dir, loading its observations. A writable
// cache creates dir and its file as needed; a read-only one treats a
// missing file as empty and refuses Put. Lines that are not a valid
// observation (such as the cut last line of an interrupted write) are
// skipped and counted by BadLines.
func OpenCache(dir string, readOnly bool) (*Cache, error) {
	c := &Cache{
		path:     filepath.Join(dir, CacheFile),
		readOnly: readOnly,
		byDomain: make(map[string][]Observation),
		seen:     make(map[[sha256.Size]byte]struct{}),
	}
	var f *os.File
	var err error
	if readOnly {
		f, err = os.Open(c.path)
		if errors.Is(err, fs.ErrNotExist) {
			return c, nil
		}
	} else {
		if err = os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("enrich: open cache: %w", err)
		}
		f, err = os.OpenFile(c.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o640)
	}
	if err != nil {
		return nil, fmt.Errorf("enrich: open cache: %w", err)
	}
	last, err := c.load(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("enrich: load cache %s: %w", c.path, err)
	}
	if readOnly {
		f.Close()
		return c, nil
	}
	if last != 0 && last != '\n' {
		// End the cut line of an interrupted write, so the next
		// observation starts on a line of its own.
		if _, err := f.Write([]byte{'\n'}); err != nil {
			f.Close()
			return nil, fmt.Errorf("enrich: repair cache %s: %w", c.path, err)
		}
	}
	c.f = f
	return c, nil
}

// load reads every line of r into the index and returns the last byte read.
func (c *Cache) load(r io.Reader) (byte, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var last byte
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			last = line[len(line)-1]
			c.addLine(line)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	for _, obs := range c.byDomain {
		slices.SortStableFunc(obs, compareObservations)
	}
	return last, nil
}

func (c *Cache) addLine(line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	var o Observation
	if err := json.Unmarshal(line, &o); err != nil || o.Domain == "" || o.ObservedAt.IsZero() {
		c.bad++
		return
	}
	key := sha256.Sum256(line)
	if _, dup := c.seen[key]; dup {
		return
	}
	c.seen[key] = struct{}{}
	c.byDomain[o.Domain] = append(c.byDomain[o.Domain], o)
	c.n++
}

// BadLines returns how many lines of the file were skipped as unreadable.
func (c *Cache) BadLines() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bad
}

// Len returns the number of observations in the cache.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.n
}

// Get returns every observation kept for domain, oldest first. The result
// is a copy the caller may change.
func (c *Cache) Get(domain string) []Observation {
	return c.appendTo(nil, strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), ".")))
}

// appendTo appends copies of the observations of domain to dst.
func (c *Cache) appendTo(dst []Observation, domain string) []Observation {
	c.mu.RLock()
	defer c.mu.RUnlock()
	obs := c.byDomain[domain]
	if dst == nil {
		dst = make([]Observation, 0, len(obs))
	}
	for _, o := range obs {
		dst = append(dst, o.clone())
	}
	return dst
}

// Put appends o to the file, then to the index. The domain is normalized
// to its registrable domain; an observation without a domain or time is
// refused. Each Put is written through to the file at once, so an
// interrupted run keeps what it fetched.
func (c *Cache) Put(o Observation) error {
	if c.readOnly {
		return errors.New("enrich: cache is read-only")
	}
	d, err := RegistrableDomain(o.Domain)
	if err != nil {
		return fmt.Errorf("enrich: put: %w", err)
	}
	if o.ObservedAt.IsZero() {
		return fmt.Errorf("enrich: put %s: observation has no time", d)
	}
	o = o.clone()
	o.Domain = d
	o.ObservedAt = o.ObservedAt.UTC()

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(o); err != nil {
		return fmt.Errorf("enrich: put %s: %w", d, err)
	}
	line := buf.Bytes()
	// Decode what was encoded, so the index holds exactly what a later
	// OpenCache will read (JSON replaces invalid UTF-8, for one).
	var stored Observation
	if err := json.Unmarshal(line, &stored); err != nil {
		return fmt.Errorf("enrich: put %s: %w", d, err)
	}
	key := sha256.Sum256(bytes.TrimSpace(line))

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("enrich: cache is closed")
	}
	if _, dup := c.seen[key]; dup {
		return nil
	}
	if _, err := c.f.Write(line); err != nil {
		return fmt.Errorf("enrich: put %s: %w", d, err)
	}
	c.seen[key] = struct{}{}
	obs := c.byDomain[d]
	i, _ := slices.BinarySearchFunc(obs, stored, func(a, b Observation) int {
		if r := compareObservations(a, b); r != 0 {
			return r
		}
		return -1 // after equal ones: keep insertion order
	})
	c.byDomain[d] = slices.Insert(obs, i, stored)
	c.n++
	return nil
}

// Close flushes the file to disk and closes it. The index stays readable.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.f == nil {
		return nil
	}
	f := c.f
	c.f = nil
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("enrich: close cache: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("enrich: close cache: %w", err)
	}
	return nil
}

// clone returns a copy of o that shares no memory with it.
func (o Observation) clone() Observation {
	o.StatusCodes = slices.Clone(o.StatusCodes)
	o.NameServers = slices.Clone(o.NameServers)
	o.Created = cloneTime(o.Created)
	o.Updated = cloneTime(o.Updated)
	o.Expires = cloneTime(o.Expires)
	return o
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
