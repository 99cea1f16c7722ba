package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"fediforensics/enrich/whois"
	"fediforensics/pipeline"
	"fediforensics/pipeline/enrich"
	"fediforensics/pipeline/progress"
	"fediforensics/pipeline/report"
)

// whoisFlags are the enrichment flags of run, and of the whois command.
type whoisFlags struct {
	mode, cache, server, rdap, order string
	maxAge, timeout                  time.Duration
	history                          multiFlag
	rate                             float64
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (w *whoisFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&w.mode, "whois", "cache", "registrant look-ups: off, cache (offline: the cache only) or live (ask the network for what the cache lacks)")
	fs.StringVar(&w.cache, "whois-cache", "", "`directory` of the persistent WHOIS/RDAP cache (default: the user cache dir)")
	fs.StringVar(&w.server, "whois-server", "", "send every WHOIS query to this `host:port` (a private mirror)")
	fs.StringVar(&w.rdap, "rdap-server", "", "send every RDAP query to this base `URL`")
	fs.StringVar(&w.order, "whois-order", "rdap,whois", "sources to try, in order")
	fs.DurationVar(&w.maxAge, "whois-max-age", 0, "live mode re-asks about cached answers older than this (0: never)")
	fs.DurationVar(&w.timeout, "whois-timeout", 10*time.Second, "time allowed for one query")
	fs.Float64Var(&w.rate, "whois-rate", 1, "queries a second to one server")
	fs.Var(&w.history, "whois-history", "import historical WHOIS records from this CSV or JSON Lines `file` (repeatable)")
}

func (w *whoisFlags) options(stderr io.Writer) (enrich.Options, error) {
	mode := whois.Mode(w.mode)
	switch mode {
	case whois.ModeOff, whois.ModeCache, whois.ModeLive:
	default:
		return enrich.Options{}, fmt.Errorf("%w: --whois is off, cache or live, not %q", pipeline.ErrUsage, w.mode)
	}
	cfg := whois.Config{Mode: mode, WhoisServer: w.server, RDAPServer: w.rdap, MaxAge: w.maxAge, Timeout: w.timeout,
		PerServerRate: w.rate, Order: strings.Split(w.order, ",")}
	// Only the display is chosen here; enrich.Run starts the reporter, as
	// options is also called just to check the flags.
	return enrich.Options{Config: cfg, CacheDir: w.cache, History: w.history, Progress: progress.Detect(stderr, nil)}, nil
}

// cmdWhois prints what the cache (and with --live, the network) knows of
// some domains.
func cmdWhois(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("whois", stderr)
	var w whoisFlags
	w.add(fs)
	live := fs.Bool("live", false, "ask the network for what the cache lacks (same as --whois live)")
	domains, err := parse(fs, args, 1, -1, "one or more domains")
	if err != nil {
		return err
	}
	if *live {
		w.mode = "live"
	}
	opt, err := w.options(stderr)
	if err != nil {
		return err
	}
	obs, err := enrich.Lookup(ctx, "whois", domains, opt)
	if err != nil {
		return err
	}
	for _, o := range obs {
		fmt.Fprintln(stdout, report.Printable(heading(o, opt.Config.Mode)))
		line := func(k, v string) {
			if v != "" {
				fmt.Fprintf(stdout, "  %-12s %s\n", k, report.Printable(v))
			}
		}
		line("registrar", o.Registrar)
		if o.Created != nil {
			line("created", o.Created.UTC().Format("2006-01-02"))
		}
		line("registrant", strings.Join(nonEmpty(o.Registrant.Name, o.Registrant.Org, o.Registrant.Email, o.Registrant.Phone, o.Registrant.Country), " | "))
		line("nameservers", strings.Join(o.NameServers, " "))
		if o.Privacy {
			line("privacy", "yes: a privacy service or redaction")
		}
		line("error", o.Error)
	}
	return nil
}

// heading is the first line of an observation. A domain nothing was asked
// about has no source and no time: it says why rather than print a zero
// time.
func heading(o whois.Observation, mode whois.Mode) string {
	s := o.Domain + "  " + string(o.Status)
	if o.Source != "" {
		s += "  " + o.Source
		if o.Server != "" {
			s += " via " + o.Server
		}
	}
	switch {
	case !o.ObservedAt.IsZero():
		s += " at " + o.ObservedAt.UTC().Format(time.RFC3339)
	case o.Status != whois.StatusSkipped:
	case mode == whois.ModeOff:
		s += "  (--whois off: nothing was asked)"
	case mode != whois.ModeLive:
		s += "  (nothing in the cache; --live asks the network)"
	}
	return s
}

func nonEmpty(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
