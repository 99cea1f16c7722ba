package whois

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/openrdap/rdap/bootstrap"
)

// runner holds what the lookups of one Enrich or Lookup call share: the
// rate limits, circuit breakers, the RDAP HTTP client and bootstrap, and
// the WHOIS servers IANA named.
type runner struct {
	cfg      Config
	limits   *limiter
	breakers *breakers
	http     *http.Client

	bootMu sync.Mutex
	boot   *bootstrap.Client

	ianaMu sync.Mutex
	iana   map[string]*ianaEntry
}

func newRunner(cfg Config) *runner {
	return &runner{
		cfg:      cfg,
		limits:   newLimiter(cfg.PerServerRate),
		breakers: newBreakers(cfg.BreakerThreshold, cfg.BreakerCooldown),
		http:     newHTTPClient(cfg),
		iana:     make(map[string]*ianaEntry),
	}
}

// attemptResult is an observation and whether it records a server's
// answer (and so belongs in the cache).
type attemptResult struct {
	obs       Observation
	contacted bool
}

// outcome is the result of one attempt.
type outcome struct {
	obs       Observation
	retry     bool          // another attempt may fare better
	wait      time.Duration // the server asked to wait at least this long
	cancelled bool          // the caller's context ended the attempt
}

// lookup tries the sources of cfg.Order for domain until one answers
// conclusively.
func (r *runner) lookup(ctx context.Context, domain string) []attemptResult {
	var out []attemptResult
	for _, src := range r.cfg.Order {
		var a attemptResult
		switch strings.ToLower(strings.TrimSpace(src)) {
		case SourceRDAP:
			a = r.queryRDAP(ctx, domain)
		case SourceWHOIS:
			a = r.queryWHOIS(ctx, domain)
		default:
			a = attemptResult{obs: Observation{
				Domain:     domain,
				Source:     src,
				ObservedAt: time.Now().UTC(),
				Status:     StatusError,
				Error:      fmt.Sprintf("unknown source %q", src),
			}}
		}
		out = append(out, a)
		if a.obs.Status.conclusive() || ctx.Err() != nil {
			break
		}
	}
	return out
}

// withRetries runs try against server until it answers conclusively, says
// a retry would not help, or the retries are spent. The circuit breaker of
// server is consulted before and fed after every attempt. The observation
// returned is the last attempt's.
func (r *runner) withRetries(ctx context.Context, server string, base Observation, try func(context.Context) outcome) attemptResult {
	for attempt := 0; ; attempt++ {
		if ok, status, why := r.breakers.allow(server, time.Now()); !ok {
			o := base
			o.ObservedAt = time.Now().UTC()
			o.Status = status
			o.Error = why
			return attemptResult{obs: o}
		}
		oc := try(ctx)
		if oc.cancelled || ctx.Err() != nil {
			r.breakers.record(server, StatusSkipped, time.Now())
			oc.obs.Status = StatusError
			if !strings.HasPrefix(oc.obs.Error, "cancelled") {
				oc.obs.Error = "cancelled: " + oc.obs.Error
			}
			return attemptResult{obs: oc.obs}
		}
		r.breakers.record(server, oc.obs.Status, time.Now())
		if !oc.retry || attempt >= r.cfg.Retries {
			if attempt > 0 && !oc.obs.Status.conclusive() {
				oc.obs.Error = fmt.Sprintf("%s (after %d attempts)", oc.obs.Error, attempt+1)
			}
			return attemptResult{obs: oc.obs, contacted: oc.obs.Status != StatusSkipped}
		}
		wait := max(backoff(r.cfg.Backoff, attempt, oc.obs.Status == StatusThrottled), oc.wait)
		if err := sleep(ctx, wait); err != nil {
			// The last answer is still a server's answer.
			oc.obs.Error = fmt.Sprintf("%s (retry cancelled: %v)", oc.obs.Error, err)
			return attemptResult{obs: oc.obs, contacted: true}
		}
	}
}
