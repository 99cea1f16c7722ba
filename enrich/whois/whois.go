package whois

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/likexian/whois"
)

// ianaWhois is where the WHOIS server of a TLD is asked for.
const ianaWhois = "whois.iana.org:43"

// queryWHOIS looks domain up over WHOIS, with retries.
func (r *runner) queryWHOIS(ctx context.Context, domain string) attemptResult {
	base := Observation{Domain: domain, Source: SourceWHOIS}
	server, referral := r.cfg.WhoisServer, false
	if _, s, ok := secondLevelRegistry(domain); ok && server == "" {
		// The registration itself, at its registry; the TLD's registry
		// knows only the parent name.
		server, referral = s, true
	}
	if server == "" {
		tld := domain[strings.LastIndexByte(domain, '.')+1:]
		s, fail := r.whoisServerFor(ctx, tld)
		if fail != nil {
			fail.obs.Domain = domain
			return *fail
		}
		server, referral = s, true
	}
	base.Server = server
	return r.withRetries(ctx, server, base, func(ctx context.Context) outcome {
		return r.whoisAttempt(ctx, domain, server, referral, base)
	})
}

// ianaEntry is the answer of IANA for one TLD, asked once per run.
type ianaEntry struct {
	once   sync.Once
	server string
	fail   *attemptResult
}

// whoisServerFor returns the "host:port" of the WHOIS server of tld, as
// IANA names it, or the observation to report when there is none.
func (r *runner) whoisServerFor(ctx context.Context, tld string) (string, *attemptResult) {
	r.ianaMu.Lock()
	e := r.iana[tld]
	if e == nil {
		e = &ianaEntry{}
		r.iana[tld] = e
	}
	r.ianaMu.Unlock()
	e.once.Do(func() {
		base := Observation{Source: SourceWHOIS, Server: ianaWhois}
		res := r.withRetries(ctx, ianaWhois, base, func(ctx context.Context) outcome {
			return r.ianaAttempt(ctx, tld, base)
		})
		if res.obs.Status != StatusFound {
			res.obs.Error = fmt.Sprintf("find whois server of .%s: %s", tld, res.obs.Error)
			e.fail = &res
			return
		}
		if s := referralServer(res.obs.Raw); s != "" {
			e.server = s
			return
		}
		e.fail = &attemptResult{obs: Observation{
			Source:     SourceWHOIS,
			Server:     ianaWhois,
			ObservedAt: res.obs.ObservedAt,
			Status:     StatusSkipped,
			Error:      fmt.Sprintf("iana names no whois server for .%s", tld),
		}}
	})
	if e.fail != nil {
		f := *e.fail
		return "", &f
	}
	return e.server, nil
}

var ianaReferRx = regexp.MustCompile(`(?mi)^\s*(?:refer|whois):\s*(\S+)\s*$`)

// referralServer returns the WHOIS server an IANA answer names, as
// "host:port".
func referralServer(text string) string {
	m := ianaReferRx.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	s := strings.ToLower(m[1])
	if _, _, err := net.SplitHostPort(s); err != nil {
		s = net.JoinHostPort(s, "43")
	}
	return s
}

// fetch is one WHOIS exchange as likexian/whois does it.
type fetch struct {
	text      string
	truncated bool
	received  int64
	err       error
	// referralErr says why the registrar's answer is missing.
	referralErr string
}

// fetchWHOIS sends one WHOIS query for q to server (and, if referral is
// set, to the registrar server the answer names) over bounded connections.
func (r *runner) fetchWHOIS(ctx context.Context, q, server string, referral bool) fetch {
	d := &dialer{ctx: ctx, r: r}
	client := whois.NewClient().
		SetDialer(d).
		SetTimeout(r.cfg.Timeout).
		SetDisableStats(true).
		SetDisableReferral(!referral)
	text, err := client.Whois(q, server)
	f := fetch{text: text, truncated: d.truncated.Load(), received: d.received.Load(), err: err}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil && referral && d.dials > 1 && strings.TrimSpace(text) != "" {
		// The registry answered and the registrar it named did not:
		// keep the registry's answer and say why the rest is missing.
		why := trimWhoisErr(err)
		if len(d.failures) > 0 {
			why = strings.Join(d.failures, "; ")
		}
		f.referralErr = "registrar referral failed: " + why
		f.err = nil
	}
	return f
}

// ianaAttempt asks IANA about a TLD. Any answer counts as found; the
// caller reads the server's name from it.
func (r *runner) ianaAttempt(ctx context.Context, tld string, base Observation) outcome {
	f := r.fetchWHOIS(ctx, tld, ianaWhois, false)
	o := base
	o.ObservedAt = time.Now().UTC()
	setRaw(&o, []byte(f.text), r.cfg.MaxResponseBytes)
	switch {
	case ctx.Err() != nil:
		o.Status, o.Error = StatusError, "cancelled: "+ctx.Err().Error()
		return outcome{obs: o, cancelled: true}
	case f.err != nil:
		o.Status, o.Error = StatusError, trimWhoisErr(f.err)
		return outcome{obs: o, retry: !isTimeout(f.err)}
	case strings.TrimSpace(f.text) == "":
		o.Status, o.Error = StatusError, "empty response"
		return outcome{obs: o, retry: true}
	}
	o.Status = StatusFound
	return outcome{obs: o}
}

// whoisAttempt looks domain up once at server and classifies the answer.
func (r *runner) whoisAttempt(ctx context.Context, domain, server string, referral bool, base Observation) outcome {
	f := r.fetchWHOIS(ctx, domain, server, referral)
	o := base
	o.ObservedAt = time.Now().UTC()
	setRaw(&o, []byte(f.text), r.cfg.MaxResponseBytes)

	if f.err != nil {
		o.Status = StatusError
		switch {
		case ctx.Err() != nil:
			o.Error = "cancelled: " + ctx.Err().Error()
			return outcome{obs: o, cancelled: true}
		case isTimeout(f.err):
			o.Error = fmt.Sprintf("timed out after %s with %d bytes received", r.cfg.Timeout, f.received)
			return outcome{obs: o}
		case f.text != "" && !f.truncated:
			// An answer followed by a failed read, as servers that
			// refuse and hang up do: classify what arrived.
			classifyWHOIS(&o, o.Raw)
			if !o.Status.conclusive() {
				o.Error = joinErr(o.Error, trimWhoisErr(f.err))
			}
			return outcome{obs: o, retry: o.Status == StatusThrottled}
		default:
			o.Error = trimWhoisErr(f.err)
			return outcome{obs: o, retry: !f.truncated}
		}
	}
	classifyWHOIS(&o, o.Raw)
	o.Error = joinErr(o.Error, f.referralErr)
	if f.truncated {
		o.Error = joinErr(fmt.Sprintf("response truncated at %d bytes", r.cfg.MaxResponseBytes), o.Error)
		return outcome{obs: o}
	}
	// An empty answer (a server that hung up at once) may be a passing
	// fault; a throttled one is retried after a longer backoff.
	return outcome{obs: o, retry: o.Status == StatusThrottled || (o.Status == StatusError && o.Raw == "")}
}

func joinErr(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// trimWhoisErr drops the library's prefix from an error message.
func trimWhoisErr(err error) string {
	return strings.TrimPrefix(err.Error(), "whois: ")
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// dialer is the proxy.Dialer handed to likexian/whois. It waits for the
// per-server rate limit, sends the connection where cfg.resolve says, and
// wraps it so reads stop at MaxResponseBytes and at the deadline.
type dialer struct {
	ctx       context.Context
	r         *runner
	truncated atomic.Bool
	received  atomic.Int64

	mu       sync.Mutex
	dials    int      // connections tried
	failures []string // connections that failed, "host:port: error"
}

func (d *dialer) fail(addr string, err error) {
	d.mu.Lock()
	d.failures = append(d.failures, addr+": "+trimWhoisErr(err))
	d.mu.Unlock()
}

func (d *dialer) Dial(network, addr string) (net.Conn, error) {
	// likexian/whois joins a bracketed IPv6 host again.
	addr = strings.NewReplacer("[[", "[", "]]", "]").Replace(addr)
	d.mu.Lock()
	d.dials++
	d.mu.Unlock()
	if err := d.r.limits.wait(d.ctx, addr); err != nil {
		return nil, err
	}
	target, err := d.r.cfg.route(addr)
	if err != nil {
		return nil, err
	}
	nd := net.Dialer{Timeout: d.r.cfg.Timeout}
	conn, err := nd.DialContext(d.ctx, network, target)
	if err != nil {
		d.fail(addr, err)
		return nil, err
	}
	// The context is watched separately (below), so that its end is seen
	// as a cancellation rather than as the server's timeout.
	deadline := time.Now().Add(d.r.cfg.Timeout)
	c := &boundedConn{Conn: conn, addr: addr, remaining: d.r.cfg.MaxResponseBytes, deadline: deadline, d: d}
	_ = conn.SetDeadline(deadline)
	c.stop = context.AfterFunc(d.ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	return c, nil
}

// boundedConn ends reading with io.EOF once its byte budget is spent and
// never lets a deadline be pushed past its own.
type boundedConn struct {
	net.Conn
	addr      string
	failed    bool
	remaining int64
	deadline  time.Time
	d         *dialer
	stop      func() bool
}

func (c *boundedConn) Read(p []byte) (int, error) {
	if c.remaining <= 0 {
		c.d.truncated.Store(true)
		return 0, io.EOF
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.Conn.Read(p)
	c.remaining -= int64(n)
	c.d.received.Add(int64(n))
	if err != nil && !errors.Is(err, io.EOF) && !c.failed {
		c.failed = true
		c.d.fail(c.addr, err)
	}
	return n, err
}

func (c *boundedConn) clamp(t time.Time) time.Time {
	if c.d.ctx.Err() != nil {
		return time.Unix(1, 0)
	}
	if t.IsZero() || t.After(c.deadline) {
		return c.deadline
	}
	return t
}

func (c *boundedConn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *boundedConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.clamp(t)) }
func (c *boundedConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.clamp(t)) }

func (c *boundedConn) Close() error {
	c.stop()
	return c.Conn.Close()
}
