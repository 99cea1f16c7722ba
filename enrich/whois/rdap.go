package whois

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/openrdap/rdap"
	"github.com/openrdap/rdap/bootstrap"
)

const userAgent = "fediforensics-enrich/1"

// bootstrapMaxBytes caps the IANA bootstrap file, which is larger than a
// domain answer.
const bootstrapMaxBytes = 8 << 20

// newHTTPClient returns the client RDAP queries use: bounded in time by
// cfg.Timeout and in body size by cfg.MaxResponseBytes.
func newHTTPClient(cfg Config) *http.Client {
	return newBoundedClient(cfg, cfg.MaxResponseBytes)
}

func newBoundedClient(cfg Config, maxBytes int64) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	nd := &net.Dialer{Timeout: cfg.Timeout}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		target, err := cfg.route(addr)
		if err != nil {
			return nil, err
		}
		return nd.DialContext(ctx, network, target)
	}
	tr.ResponseHeaderTimeout = cfg.Timeout
	tr.MaxResponseHeaderBytes = 64 << 10
	return &http.Client{
		Timeout:   cfg.Timeout,
		Transport: &cappedTransport{base: tr, max: maxBytes},
	}
}

// cappedTransport cuts every response body one byte past max, so a reader
// can tell a body that fits from one that was cut.
type cappedTransport struct {
	base http.RoundTripper
	max  int64
}

func (t *cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	resp.Body = &cappedBody{Reader: io.LimitReader(resp.Body, t.max+1), c: resp.Body}
	return resp, nil
}

type cappedBody struct {
	io.Reader
	c io.Closer
}

func (b *cappedBody) Close() error { return b.c.Close() }

// queryRDAP looks domain up over RDAP, with retries.
func (r *runner) queryRDAP(ctx context.Context, domain string) attemptResult {
	base := Observation{Domain: domain, Source: SourceRDAP}
	u, fail := r.rdapBase(ctx, domain)
	if fail != nil {
		fail.obs.Domain = domain
		return *fail
	}
	srv := *u
	base.Server = (&rdap.Request{Type: rdap.DomainRequest, Query: domain, Server: &srv}).URL().String()
	return r.withRetries(ctx, u.Host, base, func(ctx context.Context) outcome {
		return r.rdapAttempt(ctx, domain, u, base)
	})
}

// rdapBase returns the base URL to ask about domain: cfg.RDAPServer, or
// the one IANA's bootstrap file names for the TLD.
func (r *runner) rdapBase(ctx context.Context, domain string) (*url.URL, *attemptResult) {
	fail := func(s Status, server, msg string) (*url.URL, *attemptResult) {
		return nil, &attemptResult{obs: Observation{
			Source:     SourceRDAP,
			Server:     server,
			ObservedAt: time.Now().UTC(),
			Status:     s,
			Error:      msg,
		}}
	}
	if r.cfg.RDAPServer != "" {
		u, err := url.Parse(r.cfg.RDAPServer)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fail(StatusError, r.cfg.RDAPServer, fmt.Sprintf("invalid rdap server url %q", r.cfg.RDAPServer))
		}
		return u, nil
	}

	if suffix, _, ok := secondLevelRegistry(domain); ok {
		// The TLD's RDAP service knows only the parent name: asking it
		// would answer "not found" about a registration it does not hold.
		return fail(StatusSkipped, bootstrap.DefaultBaseURL, fmt.Sprintf("no rdap service for registrations under %s", suffix))
	}

	r.bootMu.Lock()
	defer r.bootMu.Unlock()
	if r.boot == nil {
		r.boot = &bootstrap.Client{HTTP: newBoundedClient(r.cfg, bootstrapMaxBytes)}
		if r.cfg.bootstrapURL != "" {
			u, err := url.Parse(r.cfg.bootstrapURL)
			if err != nil {
				return fail(StatusError, r.cfg.bootstrapURL, "rdap bootstrap: "+err.Error())
			}
			r.boot.BaseURL = u
		}
	}
	q := (&bootstrap.Question{RegistryType: bootstrap.DNS, Query: domain}).WithContext(ctx)
	ans, err := r.boot.Lookup(q)
	if err != nil {
		// Not a server's answer about the domain: reported, not stored.
		return fail(StatusError, bootstrap.DefaultBaseURL, "rdap bootstrap: "+err.Error())
	}
	var pick *url.URL
	for _, u := range ans.URLs {
		if pick == nil || (u.Scheme == "https" && pick.Scheme != "https") {
			pick = u
		}
	}
	if pick == nil {
		tld := domain[strings.LastIndexByte(domain, '.')+1:]
		return fail(StatusSkipped, bootstrap.DefaultBaseURL, fmt.Sprintf("no rdap service for .%s", tld))
	}
	return pick, nil
}

// rdapAttempt asks base about domain once and classifies the answer.
func (r *runner) rdapAttempt(ctx context.Context, domain string, base *url.URL, b Observation) outcome {
	o := b
	if err := r.limits.wait(ctx, base.Host); err != nil {
		o.ObservedAt = time.Now().UTC()
		o.Status, o.Error = StatusError, "cancelled: "+err.Error()
		return outcome{obs: o, cancelled: true}
	}
	actx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	srv := *base
	req := (&rdap.Request{Type: rdap.DomainRequest, Query: domain, Server: &srv}).WithContext(actx)
	client := &rdap.Client{HTTP: r.http, UserAgent: userAgent}
	resp, err := client.Do(req)
	o.ObservedAt = time.Now().UTC()

	var hr *rdap.HTTPResponse
	if resp != nil && len(resp.HTTP) > 0 {
		hr = resp.HTTP[len(resp.HTTP)-1]
	}
	code := 0
	var header http.Header
	truncated := false
	if hr != nil {
		if hr.Response != nil {
			code, header = hr.Response.StatusCode, hr.Response.Header
		}
		truncated = int64(len(hr.Body)) > r.cfg.MaxResponseBytes
		setRaw(&o, hr.Body, r.cfg.MaxResponseBytes)
	}

	switch {
	case ctx.Err() != nil:
		o.Status, o.Error = StatusError, "cancelled: "+ctx.Err().Error()
		return outcome{obs: o, cancelled: true}
	case truncated:
		o.Status, o.Error = StatusError, fmt.Sprintf("response truncated at %d bytes", r.cfg.MaxResponseBytes)
		return outcome{obs: o}
	case err == nil:
		switch obj := resp.Object.(type) {
		case *rdap.Domain:
			fillRDAP(&o, obj, hr.Body)
			return outcome{obs: o}
		case *rdap.Error:
			o.Status, o.Error = StatusError, fmt.Sprintf("rdap error %d: %s", obj.ErrorCode, obj.Title)
			return outcome{obs: o}
		default:
			o.Status, o.Error = StatusError, fmt.Sprintf("unexpected rdap object %T", resp.Object)
			return outcome{obs: o}
		}
	case code == http.StatusNotFound:
		o.Status = StatusNotFound
		return outcome{obs: o}
	case code == http.StatusTooManyRequests:
		o.Status, o.Error = StatusThrottled, "rate limited by server: http 429"
		return outcome{obs: o, retry: true, wait: retryAfter(header, time.Now())}
	case hr != nil && hr.Error != nil && isTimeout(hr.Error), errors.Is(actx.Err(), context.DeadlineExceeded):
		o.Status, o.Error = StatusError, fmt.Sprintf("timed out after %s", r.cfg.Timeout)
		return outcome{obs: o}
	case code >= 200 && code < 300:
		msg := "undecodable rdap answer"
		if hr.Error != nil {
			msg += ": " + hr.Error.Error()
		}
		o.Status, o.Error = StatusError, msg
		return outcome{obs: o}
	case code != 0:
		o.Status, o.Error = StatusError, fmt.Sprintf("http %d", code)
		return outcome{obs: o, retry: code >= 500}
	case hr != nil && hr.Error != nil:
		o.Status, o.Error = StatusError, hr.Error.Error()
		return outcome{obs: o, retry: true}
	default:
		o.Status, o.Error = StatusError, err.Error()
		return outcome{obs: o, retry: true}
	}
}

// maxRetryAfter caps how long a Retry-After header may make us wait.
const maxRetryAfter = time.Minute

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// fillRDAP fills o from an RDAP domain object and its JSON.
func fillRDAP(o *Observation, d *rdap.Domain, body []byte) {
	o.Status = StatusFound
	if got := strings.ToLower(strings.TrimSuffix(d.LDHName, ".")); got != "" && got != o.Domain {
		o.Error = fmt.Sprintf("answer is about %s, not %s", got, o.Domain)
	}
	if reg := findEntity(d.Entities, "registrar"); reg != nil {
		if reg.VCard != nil {
			o.Registrar = strings.TrimSpace(reg.VCard.Name())
		}
		if o.Registrar == "" {
			o.Registrar = strings.TrimSpace(reg.Handle)
		}
	}
	for _, e := range d.Events {
		t, err := parseTime(e.Date)
		if err != nil {
			continue
		}
		switch strings.ToLower(e.Action) {
		case "registration":
			o.Created = &t
		case "last changed":
			o.Updated = &t
		case "expiration":
			o.Expires = &t
		}
	}
	codes := make([]string, 0, len(d.Status))
	for _, s := range d.Status {
		codes = append(codes, eppStatus(s))
	}
	o.StatusCodes = normStatusCodes(codes)
	ns := make([]string, 0, len(d.Nameservers))
	for _, n := range d.Nameservers {
		ns = append(ns, n.LDHName)
	}
	o.NameServers = normNameServers(ns)

	var p1, p2, p3 bool
	o.Registrant, p1 = rdapContact(findEntity(d.Entities, "registrant"))
	o.Admin, p2 = rdapContact(findEntity(d.Entities, "administrative"))
	o.Tech, p3 = rdapContact(findEntity(d.Entities, "technical"))
	o.Privacy = p1 || p2 || p3 || rdapRedacted(d, body)
	if o.Privacy {
		o.Status = StatusRedacted
	}
}

// findEntity returns the first entity with role, searching breadth first
// so a domain's own contacts win over ones nested in other entities.
func findEntity(entities []rdap.Entity, role string) *rdap.Entity {
	level := make([]*rdap.Entity, 0, len(entities))
	for i := range entities {
		level = append(level, &entities[i])
	}
	for depth := 0; len(level) > 0 && depth < 4; depth++ {
		var next []*rdap.Entity
		for _, e := range level {
			for _, r := range e.Roles {
				if strings.EqualFold(r, role) {
					return e
				}
			}
			for i := range e.Entities {
				next = append(next, &e.Entities[i])
			}
		}
		level = next
	}
	return nil
}

func rdapContact(e *rdap.Entity) (Contact, bool) {
	if e == nil {
		return Contact{}, false
	}
	privacy := remarksRedacted(e.Remarks)
	if e.VCard == nil {
		return Contact{}, privacy
	}
	v := e.VCard
	country := ""
	if adr := v.GetFirst("adr"); adr != nil {
		if cc := adr.Parameters["cc"]; len(cc) > 0 {
			country = cc[0]
		}
	}
	if country == "" {
		country = v.Country()
	}
	c, p := normContact(Contact{Name: v.Name(), Org: v.Org(), Email: v.Email(), Phone: v.Tel(), Country: country})
	return c, privacy || p
}

func remarksRedacted(rs []rdap.Remark) bool {
	for _, r := range rs {
		if isPlaceholder(r.Title) || isProxyService(r.Title) {
			return true
		}
	}
	return false
}

// rdapRedacted reports an RFC 9537 "redacted" member or a redaction remark
// on the domain.
func rdapRedacted(d *rdap.Domain, body []byte) bool {
	if remarksRedacted(d.Remarks) {
		return true
	}
	var top struct {
		Redacted []json.RawMessage `json:"redacted"`
	}
	return json.Unmarshal(body, &top) == nil && len(top.Redacted) > 0
}

// eppStatus turns an RDAP status ("client transfer prohibited") into the
// EPP spelling WHOIS uses ("clientTransferProhibited").
func eppStatus(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		w = strings.ToLower(w)
		if i > 0 && w != "" {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			w = string(r)
		}
		words[i] = w
	}
	return strings.Join(words, "")
}
