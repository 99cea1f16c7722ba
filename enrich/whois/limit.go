package whois

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// limiter spaces the queries to each server: one every 1/rate seconds,
// without bursts.
type limiter struct {
	interval time.Duration // 0: unlimited
	mu       sync.Mutex
	next     map[string]time.Time
}

func newLimiter(rate float64) *limiter {
	l := &limiter{next: make(map[string]time.Time)}
	if rate > 0 {
		l.interval = time.Duration(float64(time.Second) / rate)
	}
	return l
}

// wait blocks until a query to server may be sent, or ctx is done.
func (l *limiter) wait(ctx context.Context, server string) error {
	if l.interval <= 0 {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next[server]
	if at.Before(now) {
		at = now
	}
	l.next[server] = at.Add(l.interval)
	l.mu.Unlock()
	return sleep(ctx, at.Sub(now))
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff returns the wait before retry number attempt+1: base doubled per
// attempt, doubled again when throttled, jittered to [0.5, 1.5) of that.
func backoff(base time.Duration, attempt int, throttled bool) time.Duration {
	d := base << min(attempt, 10)
	if throttled {
		d *= 2
	}
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// breakers holds a circuit breaker per server.
type breakers struct {
	threshold int // <= 0: disabled
	cooldown  time.Duration
	mu        sync.Mutex
	m         map[string]*breaker
}

type breaker struct {
	failures  int       // consecutive failed attempts
	last      Status    // status of the last failure
	openUntil time.Time // zero: closed
	probing   bool      // a half-open probe is out
}

func newBreakers(threshold int, cooldown time.Duration) *breakers {
	return &breakers{threshold: threshold, cooldown: cooldown, m: make(map[string]*breaker)}
}

// allow reports whether an attempt against server may go out. When it may
// not, it returns the status to report and the reason.
func (b *breakers) allow(server string, now time.Time) (bool, Status, string) {
	if b.threshold <= 0 {
		return true, "", ""
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.m[server]
	if br == nil || br.openUntil.IsZero() {
		return true, "", ""
	}
	if now.Before(br.openUntil) || br.probing {
		return false, br.last, fmt.Sprintf("circuit breaker open for %s after %d consecutive failures", server, br.failures)
	}
	br.probing = true // half-open: let one attempt through
	return true, "", ""
}

// record notes the status of an attempt against server. StatusSkipped
// (an attempt that never got an answer, such as a cancelled one) only ends
// a half-open probe.
func (b *breakers) record(server string, s Status, now time.Time) {
	if b.threshold <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.m[server]
	if br == nil {
		br = &breaker{}
		b.m[server] = br
	}
	br.probing = false
	switch {
	case s == StatusSkipped:
		return
	case s.conclusive():
		*br = breaker{}
		return
	}
	br.failures++
	br.last = s
	if br.failures >= b.threshold {
		br.openUntil = now.Add(b.cooldown)
	}
}
