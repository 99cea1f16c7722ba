package extract

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"fediforensics/pipeline/progress"
	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

//go:embed sql/domains.sql
var domainsSQL string

// The texts that may hold a domain, one row per source: the statuses a
// range of rowids at a time (after their mentions' URLs), then the rest.
var (
	//go:embed sql/mention_urls.sql
	mentionURLsSQL string
	//go:embed sql/status_sources.sql
	statusSourcesSQL string
	//go:embed sql/sources.sql
	sourcesSQL string
)

// statusRange is how many statuses' rowids a query of statusSourcesSQL
// spans: the driver holds a result whole, so this bounds the memory of
// one (some hundred megabytes of text at most).
const statusRange = 1 << 19

// row is one source of sourcesSQL.
type row struct {
	instance, source        string
	sourceID, accountID     any // int64 or nil
	kind, content, mentions string
}

// Options of the extract stage. The zero value is Run's.
type Options struct {
	// Progress shows the sources extracted so far and their rate; zero
	// shows nothing. There is no total, so no ETA: counting the sources
	// would cost a scan of every text as long as the extraction's own.
	Progress progress.Options
	// statusRange is how many rowids of statuses one query spans
	// (default statusRange); tests make it small to cross ranges.
	statusRange int64
}

// Run is the extract stage: it fills domain_refs and domains.
func Run(ctx context.Context, db *sql.DB, instances []string) error {
	return RunWith(ctx, db, instances, Options{})
}

// RunWith is Run with options.
func RunWith(ctx context.Context, db *sql.DB, instances []string, opt Options) error {
	if err := schema.Create(ctx, db, schema.DomainRefs); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if err := instanceDomains(ctx, db, instances); err != nil {
		return err
	}
	src, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	// Each worker extracts a share of every batch and inserts what it finds
	// through its own connection, side by side.
	workers := runtime.GOMAXPROCS(0)
	ins := make([]*store.Inserter, workers)
	for w := range ins {
		conn, err := db.Conn(ctx)
		if err == nil {
			defer conn.Close()
			ins[w], err = store.NewInserter(ctx, conn, string(schema.DomainRefs),
				"instance", "source", "source_id", "account_id", "found_in", "url", "host", "domain", "domain_unicode")
		}
		if err != nil {
			for _, in := range ins[:w] {
				in.Close()
			}
			return fmt.Errorf("extract: %w", err)
		}
	}
	// The reader copies each batch out of Arrow memory (valid only during
	// its call) and goes on to DuckDB's next batch while workers extract and
	// insert, each at its own pace.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prog := progress.New(progress.Task{Name: "extract", Unit: "sources"}, opt.Progress)
	prog.Start()
	defer prog.Stop()
	work := make(chan []row, 2*workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := New()
			var seen refSet
			for rows := range work {
				for i := 0; i < len(rows) && errs[w] == nil; i++ {
					r := &rows[i]
					var mentions []string
					if r.mentions != "" {
						mentions = strings.Fields(r.mentions)
					}
					seen.reset()
					x.Source(r.kind, r.content, mentions, func(ref Ref) {
						if !seen.add(ref) || errs[w] != nil {
							return
						}
						var uni any
						if u := x.unicode(ref.Domain); u != ref.Domain {
							uni = u
						}
						errs[w] = ins[w].Add(r.instance, r.source, r.sourceID, r.accountID, ref.FoundIn,
							nullStr(ref.URL), ref.Host, ref.Domain, uni)
					})
				}
				if errs[w] != nil {
					cancel() // the reader stops; the rest of work is drained
				}
				prog.Add(int64(len(rows)))
			}
		}()
	}
	interned := map[string]string{}
	hand := func(b store.Batch) error {
		rows, err := batchRows(b, interned)
		if err != nil {
			return err
		}
		select {
		case work <- rows:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if opt.statusRange == 0 {
		opt.statusRange = statusRange
	}
	err = readSources(ctx, src, opt.statusRange, hand)
	close(work)
	wg.Wait()
	if werr := errors.Join(errs...); werr != nil {
		err = werr // the reader's error is then only the cancellation
	}
	for _, in := range ins {
		if cerr := in.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		prog.Done()
	}
	return err
}

// readSources hands every source to hand, batch by batch: the statuses
// a range of rowids at a time, then the other sources.
func readSources(ctx context.Context, src *sql.Conn, perQuery int64, hand func(store.Batch) error) error {
	if _, err := src.ExecContext(ctx, mentionURLsSQL); err != nil {
		return fmt.Errorf("extract: mention urls: %w", err)
	}
	ranges, err := store.RowidRanges(ctx, src, "statuses", perQuery)
	if err != nil {
		return err
	}
	for _, r := range ranges {
		if err := store.ArrowQuery(ctx, src, statusSourcesSQL, hand, r[0], r[1]); err != nil {
			return err
		}
	}
	if err := store.ArrowQuery(ctx, src, sourcesSQL, hand); err != nil {
		return err
	}
	_, err = src.ExecContext(ctx, "DROP TABLE mention_urls")
	return err
}

// Summarise builds the domains table from domain_refs.
func Summarise(ctx context.Context, db *sql.DB) error {
	if err := schema.Create(ctx, db, schema.Domains); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	return store.Exec(ctx, db, "domains", domainsSQL)
}

// refSet is the references one source gave so far: a handful as a rule,
// in a slice; a map once a source (a hostile one) gives many.
type refSet struct {
	few  []Ref
	many map[Ref]bool
}

func (s *refSet) reset() {
	s.few, s.many = s.few[:0], nil
}

// add adds ref and reports whether it was new.
func (s *refSet) add(ref Ref) bool {
	if s.many != nil {
		if s.many[ref] {
			return false
		}
		s.many[ref] = true
		return true
	}
	if slices.Contains(s.few, ref) {
		return false
	}
	if s.few = append(s.few, ref); len(s.few) > 32 {
		s.many = make(map[Ref]bool, 64)
		for _, r := range s.few {
			s.many[r] = true
		}
	}
	return true
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Source extracts the references of one source's content by its kind.
func (x *Extractor) Source(kind, content string, mentions []string, emit func(Ref)) {
	switch kind {
	case "html":
		x.HTML(content, mentions, emit)
	case "text":
		x.Text(content, emit)
	case "email":
		if ref, ok := x.fromEmail(content); ok {
			emit(ref)
		}
	case "url", "urls":
		for _, u := range strings.Fields(content) {
			if ref, ok := x.fromURL(u); ok {
				ref.FoundIn = kind
				emit(ref)
			}
		}
	case "fields":
		var fields []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}
		if json.Unmarshal([]byte(content), &fields) != nil {
			x.Text(content, emit)
			return
		}
		for _, f := range fields {
			if strings.Contains(f.Value, "<") {
				x.HTML(f.Value, nil, emit)
			} else {
				x.Text(f.Value, emit)
			}
		}
	}
}

// instanceDomains records the registrable domains of the instances of the
// dump: links to them are never promoted domains.
func instanceDomains(ctx context.Context, db *sql.DB, instances []string) error {
	if err := schema.Create(ctx, db, schema.InstanceDomains); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	for _, inst := range instances {
		ref, ok := hostRef(inst)
		if !ok {
			continue
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO instance_domains (instance, domain) VALUES (?, ?)`, inst, ref.Domain); err != nil {
			return fmt.Errorf("extract: %w", err)
		}
	}
	return nil
}

// batchRows copies a batch of sourcesSQL out of Arrow memory; the few
// distinct instance, source and kind names are shared through interned.
func batchRows(b store.Batch, interned map[string]string) ([]row, error) {
	var text [5]func(int) string
	var sourceID, accountID func(int) any
	if err := store.Columns(b, &text[0], &text[1], &sourceID, &accountID, &text[2], &text[3], &text[4]); err != nil {
		return nil, err
	}
	intern := func(s string) string {
		if v, ok := interned[s]; ok {
			return v
		}
		v := strings.Clone(s)
		interned[v] = v
		return v
	}
	rows := make([]row, store.Rows(b))
	for i := range rows {
		rows[i] = row{intern(text[0](i)), intern(text[1](i)), sourceID(i), accountID(i), intern(text[2](i)),
			strings.Clone(text[3](i)), strings.Clone(text[4](i))}
	}
	return rows, nil
}
