// Command pipeline is the forensic pipeline for fediverse abuse: it loads a
// Mastodon dump into DuckDB, extracts and enriches domains, links accounts
// into campaigns with the evidence that links them, and writes reports.
//
// Usage: pipeline <command> [flags] [args]. See the README for the commands
// and the exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"fediforensics/pipeline"
)

// goMemoryLimit is the Go runtime's soft memory limit (unless GOMEMLIMIT
// says otherwise): the Go side of a run holds a few hundred megabytes at
// most, and DuckDB has its own limit (--memory-limit); past this one Go
// collects garbage sooner rather than let the process grow.
const goMemoryLimit = 1 << 30

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(goMemoryLimit)
	}
	ctx, stop := withSignals(context.Background(), os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// withSignals returns a context cancelled, with a *pipeline.Interrupted
// cause, by the first SIGINT, SIGTERM, SIGHUP or SIGPIPE: the work stops
// and cleans up (no temporary folder is left, the output stays as it was).
// A second SIGINT, SIGTERM or SIGHUP exits at once, through exit; the
// temporary folder it may leave is removed by the next run beside it.
func withSignals(parent context.Context, stderr io.Writer, exit func(int)) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		first := true
		for {
			select {
			case <-done:
				return
			case s := <-sigs:
				sig := s.(syscall.Signal)
				if first {
					first = false
					cancel(&pipeline.Interrupted{Signal: sig})
					continue
				}
				if sig == syscall.SIGPIPE {
					continue // every later write to a closed pipe raises it again
				}
				fmt.Fprintf(stderr, "pipeline: %v again: exiting at once\n", (&pipeline.Interrupted{Signal: sig}).Error()[len("interrupted by "):])
				exit(pipeline.ExitSignalBase + int(sig))
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

const usage = `usage: pipeline <command> [flags] [args]

commands:
  run DUMP      run every stage on a dump and write --out (default out/)
  ingest DUMP   load a dump into a new output (the first stage of run)
  extract|enrich|ipinfo|link|report --out OUT [--then]
                run one stage (and with --then the ones after it) again
                over an existing output, in place
  pivot KIND VALUE --out OUT
                what connects to a registrant, email, domain, app, ip, asn or account
  notebook run NOTEBOOK... --out OUT [--param k=v]
                run investigation notebooks (Markdown with SQL cells);
                'notebook list' shows the built-in ones
  export --format parquet|csv|graphml|gexf|stix|remediation --out OUT
                hand the output to other tools
  inspect OUT   print the manifest of an output (--json for JSON)
  query SQL     run a read-only SQL query on --out and print CSV
  whois DOMAIN  what the WHOIS/RDAP cache (and with --live, the network) knows
  whois-serve   serve a directory of recorded WHOIS answers on loopback
  bench         time ingest against DuckDB's bare load of the same files
  gen           generate a dump (the sample, or a large one for benchmarks)

Run 'pipeline <command> -h' for the flags of a command.
`

// run is the whole command line, with its streams, for in-process tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A panic is a bug: say so, and how to report it, not a raw trace
		// with the exit code of bad arguments.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "pipeline: %v: %v\nThis is a bug in pipeline. Please report it with the command line, this message and the trace below.\n\n%s", pipeline.ErrBug, r, debug.Stack())
			code = pipeline.ExitFailure
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return pipeline.ExitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		err = cmdRun(ctx, rest, stdout, stderr)
	case "ingest":
		err = cmdIngest(ctx, rest, stdout, stderr)
	case "extract", "enrich", "ipinfo", "link", "report":
		err = cmdStage(cmd)(ctx, rest, stdout, stderr)
	case "notebook":
		err = cmdNotebook(ctx, rest, stdout, stderr)
	case "export":
		err = cmdExport(ctx, rest, stdout, stderr)
	case "pivot":
		err = cmdPivot(ctx, rest, stdout, stderr)
	case "inspect":
		err = cmdInspect(ctx, rest, stdout, stderr)
	case "gen":
		err = cmdGen(ctx, rest, stdout, stderr)
	case "whois":
		err = cmdWhois(ctx, rest, stdout, stderr)
	case "whois-serve":
		err = cmdWhoisServe(ctx, rest, stdout, stderr)
	case "bench":
		err = cmdBench(ctx, rest, stdout, stderr)
	case "query":
		err = cmdQuery(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return pipeline.ExitOK
	default:
		fmt.Fprintf(stderr, "pipeline: unknown command %q\n\n%s", cmd, usage)
		return pipeline.ExitUsage
	}
	if errors.Is(err, flag.ErrHelp) {
		return pipeline.ExitOK
	}
	if err != nil && ctx.Err() != nil {
		// Stopped by a signal: say so, not "context canceled".
		var intr *pipeline.Interrupted
		if errors.As(context.Cause(ctx), &intr) {
			err = fmt.Errorf("%w: stopped; an output being built was removed and an earlier one left as it was", intr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "pipeline: %v\n", err)
	}
	return pipeline.ExitCode(err)
}

// newFlags makes a flag set that reports to stderr and returns errors.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("pipeline "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses flags wherever they stand among the arguments and checks
// the number of positional arguments.
func parse(fs *flag.FlagSet, args []string, minArgs, maxArgs int, what string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", pipeline.ErrUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < minArgs || (maxArgs >= 0 && len(pos) > maxArgs) {
		return nil, fmt.Errorf("%w: %s expects %s", pipeline.ErrUsage, fs.Name(), what)
	}
	return pos, nil
}

// logFlags adds --log-level and returns a function making the logger.
func logFlags(fs *flag.FlagSet, stderr io.Writer) func() *slog.Logger {
	level := &levelFlag{slog.LevelInfo}
	fs.Var(level, "log-level", "log `level`: debug, info, warn or error")
	return func() *slog.Logger {
		return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level.Level}))
	}
}

// levelFlag is a log level that refuses what slog does not know.
type levelFlag struct{ slog.Level }

func (l *levelFlag) Set(s string) error {
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("%q is not a log level: use debug, info, warn or error", s)
	}
	return nil
}

// sizeFlag is a memory size as DuckDB's memory_limit takes it (4GB,
// 512MiB), checked before DuckDB sees it.
type sizeFlag string

func (s *sizeFlag) String() string { return string(*s) }

func (s *sizeFlag) Set(v string) error {
	if !validSize(v) {
		return fmt.Errorf("%q is not a memory size: use a number and a unit, such as 4GB, 512MB or 2GiB", v)
	}
	*s = sizeFlag(strings.TrimSpace(v))
	return nil
}

// validSize says whether v is a number and a unit DuckDB takes for memory.
func validSize(v string) bool {
	v = strings.TrimSpace(v)
	i := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return false
	}
	if _, err := strconv.ParseFloat(v[:i], 64); err != nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(v[i:])) {
	case "b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib":
		return true
	}
	return false
}
