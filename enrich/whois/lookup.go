// Package whois adds WHOIS and RDAP registration data to the registrable
// domains a forensic case turns up.
//
// It works offline first: observations live in a persistent, append-only
// Cache, and Enrich only touches the network in ModeLive. Historical WHOIS
// records bought from a provider are imported with ReadHistory and stored in
// the same cache. Every answer, including failures, becomes an Observation;
// nothing a server said is dropped.
//
// Network access is bounded: each WHOIS connection is cut at
// Config.MaxResponseBytes and has a deadline of Config.Timeout, the RDAP
// HTTP client has the same limits, every server gets at most
// Config.PerServerRate queries a second, failures are retried with a
// jittered backoff, and a per-server circuit breaker stops hammering a
// server that keeps failing.
package whois

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Status classifies an observation.
type Status string

// The statuses of an observation.
const (
	// StatusFound: the domain is registered and its data is visible.
	StatusFound Status = "found"
	// StatusRedacted: the domain is registered and a privacy service or
	// redaction hides (part of) its contacts; Observation.Privacy is set.
	StatusRedacted Status = "redacted"
	// StatusNotFound: the registry says the domain is not registered.
	StatusNotFound Status = "not_found"
	// StatusThrottled: the server refused because of rate limiting.
	StatusThrottled Status = "throttled"
	// StatusError: anything else went wrong; Observation.Error says what.
	StatusError Status = "error"
	// StatusSkipped: nothing was asked (mode off, not in cache, or no
	// service for the domain's TLD).
	StatusSkipped Status = "skipped"
)

// conclusive reports whether s is an answer about the domain itself rather
// than about the query.
func (s Status) conclusive() bool {
	return s == StatusFound || s == StatusRedacted || s == StatusNotFound
}

// The sources of an observation.
const (
	SourceRDAP    = "rdap"
	SourceWHOIS   = "whois"
	SourceHistory = "history"
)

// Contact is a registration contact, as far as the source shows it.
type Contact struct {
	Name    string `json:"name,omitempty"`
	Org     string `json:"org,omitempty"`
	Email   string `json:"email,omitempty"` // lower-case
	Phone   string `json:"phone,omitempty"`
	Country string `json:"country,omitempty"`
	// Address is the postal address, when the project's rules read it
	// apart from a name that a registry format glues it to.
	Address string `json:"address,omitempty"`
}

// IsZero reports whether c has no field set.
func (c Contact) IsZero() bool { return c == Contact{} }

// Observation is what one source said about one domain at one time.
type Observation struct {
	Domain      string     `json:"domain"` // registrable domain, lower-case punycode
	Source      string     `json:"source"` // "rdap", "whois", "history"
	Server      string     `json:"server"` // host:port or URL asked, or the history file name
	ObservedAt  time.Time  `json:"observed_at"`
	Status      Status     `json:"status"`
	Registrar   string     `json:"registrar,omitempty"`
	Created     *time.Time `json:"created,omitempty"`
	Updated     *time.Time `json:"updated,omitempty"`
	Expires     *time.Time `json:"expires,omitempty"`
	StatusCodes []string   `json:"status_codes,omitempty"`
	NameServers []string   `json:"name_servers,omitempty"` // lower-case, sorted
	Registrant  Contact    `json:"registrant,omitzero"`
	Admin       Contact    `json:"admin,omitzero"`
	Tech        Contact    `json:"tech,omitzero"`
	Privacy     bool       `json:"privacy"`              // a privacy/proxy service or redaction detected
	RawSHA256   string     `json:"raw_sha256,omitempty"` // of the bytes received
	Raw         string     `json:"raw,omitempty"`        // capped at Config.MaxResponseBytes
	Error       string     `json:"error,omitempty"`
}

// Mode says how far Enrich may go.
type Mode string

// The modes of Enrich.
const (
	// ModeOff does nothing: every domain gets a "skipped" observation.
	ModeOff Mode = "off"
	// ModeCache answers from the cache only and never touches the network.
	ModeCache Mode = "cache"
	// ModeLive queries what the cache lacks (or holds only stale or
	// failed answers for) and stores the answers.
	ModeLive Mode = "live"
)

// Config controls Enrich and Lookup. The zero value of a field means its
// default.
type Config struct {
	Mode Mode // default ModeCache
	// Order lists the sources to try, default ["rdap", "whois"]. Lookup
	// stops at the first source with a conclusive answer (found, redacted,
	// not_found).
	Order []string
	// WhoisServer, as "host:port", receives every WHOIS query (a private
	// mirror, or a test server); referrals are then not followed. Empty
	// means: ask IANA for the TLD's server and follow the registrar
	// referral, as github.com/likexian/whois does.
	WhoisServer string
	// RDAPServer is a base URL that receives every RDAP query. Empty means
	// IANA bootstrap.
	RDAPServer string
	// MaxAge makes live mode refresh entries older than this. 0 never
	// refreshes a conclusive answer.
	MaxAge time.Duration
	// Timeout bounds each WHOIS connection (a referral makes a second
	// one) and each RDAP request, default 10s. The wait for the rate limit
	// does not count.
	Timeout time.Duration
	// MaxResponseBytes caps each WHOIS connection and RDAP body, default
	// 256 KiB. A cut WHOIS answer is parsed as far as it goes, a cut RDAP
	// answer is an error; both say "truncated" in Observation.Error.
	MaxResponseBytes int64
	// Concurrency is the number of domains looked up at once, default 8.
	Concurrency int
	// PerServerRate is the number of queries a second sent to one server,
	// default 1; negative means unlimited.
	PerServerRate float64
	// Retries is the number of retries after a failed or throttled attempt,
	// default 2; negative means none. Timeouts and cut answers are not
	// retried: a slow server does not get faster.
	Retries int
	// Backoff is the base of the jittered exponential backoff between
	// retries, default 1s. A throttled server waits twice as long, or the
	// RDAP Retry-After if that is longer (capped at 1 minute).
	Backoff time.Duration
	// BreakerThreshold is the number of consecutive failed attempts after
	// which a server's circuit breaker opens, default 5; negative disables
	// the breaker. An open breaker fails queries to that server at once
	// for BreakerCooldown, default 1 minute, then lets one query through.
	BreakerThreshold int
	BreakerCooldown  time.Duration
	// Progress, if set, is called after each domain is done, never
	// concurrently.
	Progress func(done, total int)

	// resolve rewrites the "host:port" a WHOIS or RDAP connection goes to;
	// tests use it to stand in for IANA and the registries on loopback.
	resolve map[string]string
	// bootstrapURL replaces IANA's RDAP bootstrap base URL in tests.
	bootstrapURL string
}

// Defaults.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 256 << 10
	DefaultConcurrency      = 8
	DefaultPerServerRate    = 1.0
	DefaultRetries          = 2
	DefaultBackoff          = time.Second
	DefaultBreakerThreshold = 5
	DefaultBreakerCooldown  = time.Minute
)

// route returns where a connection to addr goes. With a resolve map (in
// tests) an address missing from it is refused, so a test can never reach
// a real server by mistake.
func (cfg Config) route(addr string) (string, error) {
	if cfg.resolve == nil {
		return addr, nil
	}
	if t, ok := cfg.resolve[addr]; ok {
		return t, nil
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return addr, nil
		}
	}
	return "", fmt.Errorf("no test route to %s", addr)
}

// withDefaults returns cfg with its zero fields set to their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.Mode == "" {
		cfg.Mode = ModeCache
	}
	if len(cfg.Order) == 0 {
		cfg.Order = []string{SourceRDAP, SourceWHOIS}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.PerServerRate == 0 {
		cfg.PerServerRate = DefaultPerServerRate
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.BreakerThreshold == 0 {
		cfg.BreakerThreshold = DefaultBreakerThreshold
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = DefaultBreakerCooldown
	}
	return cfg
}

// RegistrableDomain returns the domain a registry registers for name: the
// ICANN public suffix plus one label, lower-case punycode, without a
// trailing dot. "WWW.Example.CO.UK." gives "example.co.uk"; a host under a
// private suffix such as "x.github.io" gives "github.io", since that is what
// WHOIS and RDAP know, except under the private suffixes whose names are
// sold as registrations (secondLevelRegistries): "www.hotel.us.com" gives
// "hotel.us.com".
func RegistrableDomain(name string) (string, error) {
	d := strings.TrimSuffix(strings.TrimSpace(name), ".")
	switch {
	case d == "":
		return "", errors.New("empty domain")
	case !utf8.ValidString(d):
		return "", fmt.Errorf("domain %q: not valid UTF-8", name)
	case net.ParseIP(strings.Trim(d, "[]")) != nil:
		return "", fmt.Errorf("domain %q: is an IP address", name)
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", fmt.Errorf("domain %q: %w", name, err)
	}
	a = strings.ToLower(a)
	// What comes out must read back: the same name, and a TLD that is not
	// a number.
	if _, err := idna.Lookup.ToUnicode(a); err != nil {
		return "", fmt.Errorf("domain %q: %w", name, err)
	}
	i := strings.LastIndexByte(a, '.')
	if i < 0 {
		return "", fmt.Errorf("domain %q: no registrable part", name)
	}
	if strings.Trim(a[i+1:], "0123456789") == "" {
		return "", fmt.Errorf("domain %q: numeric top-level domain", name)
	}
	suffix, icann := publicsuffix.PublicSuffix(a)
	if _, _, ok := secondLevelRegistry(a); ok {
		icann = true // a registration under a second-level registry
	}
	for !icann {
		i := strings.IndexByte(suffix, '.')
		if i < 0 {
			break // unknown TLD: treat its last label as the suffix
		}
		suffix, icann = publicsuffix.PublicSuffix(suffix[i+1:])
	}
	if len(a) <= len(suffix) {
		return "", fmt.Errorf("domain %q: is a public suffix", name)
	}
	rest := a[:len(a)-len(suffix)-1]
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		rest = rest[i+1:]
	}
	if rest == "" {
		return "", fmt.Errorf("domain %q: empty label", name)
	}
	return rest + "." + suffix, nil
}

// sortObservations sorts by domain, observation time, source, then the
// remaining identifying fields so the order is total.
func sortObservations(obs []Observation) {
	if !slices.IsSortedFunc(obs, compareObservations) {
		slices.SortStableFunc(obs, compareObservations)
	}
}

func compareObservations(a, b Observation) int {
	if c := strings.Compare(a.Domain, b.Domain); c != 0 {
		return c
	}
	if c := a.ObservedAt.Compare(b.ObservedAt); c != 0 {
		return c
	}
	if c := strings.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	if c := strings.Compare(a.Server, b.Server); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.Status), string(b.Status)); c != 0 {
		return c
	}
	return strings.Compare(a.RawSHA256, b.RawSHA256)
}

// Enrich returns every observation for each of domains, deduplicated by
// registrable domain and sorted by domain, observation time and source.
//
// In ModeOff every domain gets one "skipped" observation. In ModeCache the
// cached observations are returned, and a domain missing from the cache gets
// one "skipped" observation; the network is never touched. In ModeLive the
// domains whose cache entries lack a conclusive RDAP or WHOIS answer, or
// whose newest such answer is older than MaxAge, are looked up; each
// answer is stored in the cache as it arrives, and the cached and new
// observations are returned together. A nil cache counts as empty.
//
// An input that is no domain gets one "error" observation. Enrich returns
// an error only for a bad configuration, a failing cache write, or a
// cancelled ctx; it then still returns what it has.
func Enrich(ctx context.Context, domains []string, cfg Config, cache *Cache) ([]Observation, error) {
	cfg = cfg.withDefaults()
	switch cfg.Mode {
	case ModeOff, ModeCache, ModeLive:
	default:
		return nil, fmt.Errorf("enrich: unknown mode %q", cfg.Mode)
	}
	if cfg.Mode == ModeLive && cache != nil && cache.readOnly {
		return nil, errors.New("enrich: live mode needs a writable cache")
	}

	names, out := normalizeDomains(domains)
	total := len(names) + len(out)
	done := len(out)
	progress := func() {
		if cfg.Progress != nil {
			cfg.Progress(done, total)
		}
	}

	out = slices.Grow(out, 2*len(names))
	var todo []string
	for _, d := range names {
		n := len(out)
		if cfg.Mode != ModeOff && cache != nil {
			out = cache.appendTo(out, d)
		}
		cached := out[n:]
		switch {
		case cfg.Mode == ModeLive && needsLookup(cached, cfg.MaxAge, time.Now()):
			todo = append(todo, d)
			continue
		case len(cached) == 0:
			out = append(out, Observation{Domain: d, Status: StatusSkipped})
		}
		done++
		progress()
	}
	if len(todo) == 0 {
		sortObservations(out)
		return out, nil
	}

	fresh, err := runLive(ctx, todo, cfg, cache, func() { done++; progress() })
	out = append(out, fresh...)
	sortObservations(out)
	return out, err
}

// normalizeDomains maps inputs to sorted unique registrable domains; inputs
// that are no domain become error observations. Blank inputs are dropped.
func normalizeDomains(domains []string) ([]string, []Observation) {
	seen := make(map[string]bool, len(domains))
	var names []string
	var bad []Observation
	for _, in := range domains {
		if strings.TrimSpace(in) == "" {
			continue
		}
		d, err := RegistrableDomain(in)
		if err != nil {
			key := strings.ToLower(strings.TrimSpace(in))
			if !seen["!"+key] {
				seen["!"+key] = true
				bad = append(bad, Observation{Domain: key, Status: StatusError, Error: err.Error()})
			}
			continue
		}
		if !seen[d] {
			seen[d] = true
			names = append(names, d)
		}
	}
	slices.Sort(names)
	return names, bad
}

// needsLookup reports whether live mode must query a domain with these
// cached observations: when none is a conclusive network answer, or the
// newest conclusive one is older than maxAge.
func needsLookup(cached []Observation, maxAge time.Duration, now time.Time) bool {
	var newest time.Time
	found := false
	for _, o := range cached {
		if o.Source == SourceHistory || !o.Status.conclusive() {
			continue
		}
		if !found || o.ObservedAt.After(newest) {
			newest = o.ObservedAt
		}
		found = true
	}
	if !found {
		return true
	}
	return maxAge > 0 && now.Sub(newest) > maxAge
}

// runLive looks up todo with cfg.Concurrency workers, storing each
// observation that came from a server in cache as it arrives.
func runLive(ctx context.Context, todo []string, cfg Config, cache *Cache, step func()) ([]Observation, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := newRunner(cfg)

	type result struct {
		domain string
		res    []attemptResult
	}
	jobs := make(chan string)
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(cfg.Concurrency, len(todo)) {
		wg.Go(func() {
			for d := range jobs {
				results <- result{d, r.lookup(ctx, d)}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, d := range todo {
			select {
			case jobs <- d:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	var out []Observation
	var putErr error
	finished := make(map[string]bool, len(todo))
	for res := range results {
		finished[res.domain] = true
		for _, a := range res.res {
			out = append(out, a.obs)
			if a.contacted && cache != nil && putErr == nil {
				if err := cache.Put(a.obs); err != nil {
					putErr = fmt.Errorf("enrich: store %s: %w", a.obs.Domain, err)
					cancel()
				}
			}
		}
		step()
	}
	for _, d := range todo {
		if !finished[d] {
			out = append(out, Observation{Domain: d, Status: StatusSkipped, Error: "not looked up: run cancelled"})
		}
	}
	if putErr != nil {
		return out, putErr
	}
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("enrich: %w", err)
	}
	return out, nil
}

// Lookup queries the network (or the configured servers) for one domain,
// trying cfg.Order until a source gives a conclusive answer (found,
// redacted, not_found). It returns one observation per source tried; the
// last is the conclusive one if any. cfg.Mode is not consulted: Lookup
// always asks.
func Lookup(ctx context.Context, domain string, cfg Config) []Observation {
	cfg = cfg.withDefaults()
	d, err := RegistrableDomain(domain)
	if err != nil {
		return []Observation{{
			Domain:     strings.ToLower(strings.TrimSpace(domain)),
			ObservedAt: time.Now().UTC(),
			Status:     StatusError,
			Error:      err.Error(),
		}}
	}
	res := newRunner(cfg).lookup(ctx, d)
	out := make([]Observation, len(res))
	for i, a := range res {
		out[i] = a.obs
	}
	return out
}
