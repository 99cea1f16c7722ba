package gen

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"

	"fediforensics/pipeline/report"
)

// Write generates a dump into dir (which must not exist) and returns the
// truth of what it planted.
func Write(dir string, cfg Config) (Truth, error) {
	truth := Truth{Campaigns: map[string][]string{}, Domains: map[string][]string{
		CampaignBurst: BurstDomains(), CampaignQuiet: QuietDomains()}}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return truth, fmt.Errorf("gen: %w", err)
	}
	w := newWorld(cfg.Seed)
	if err := w.writeDB(filepath.Join(dir, DBInstance), cfg, &truth); err != nil {
		return truth, err
	}
	if cfg.API {
		if err := w.writeAPI(filepath.Join(dir, APIInstance), cfg, &truth); err != nil {
			return truth, err
		}
	}
	for k := range truth.Campaigns {
		sort.Strings(truth.Campaigns[k])
	}
	for k := range truth.HardNegatives {
		sort.Strings(truth.HardNegatives[k])
	}
	sort.Strings(truth.Secrets)
	return truth, nil
}

// table writes one psql-style CSV file (or a COPY block part).
type table struct {
	f    *os.File
	w    *bufio.Writer
	copy bool // pg_dump COPY text format instead of CSV
	buf  []byte
	err  error
}

func newTable(p string, copyFormat bool, cols ...string) (*table, error) {
	f, err := os.Create(p)
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	t := &table{f: f, w: bufio.NewWriterSize(f, 1<<20), copy: copyFormat}
	if !copyFormat {
		t.w.WriteString(strings.Join(cols, ",") + "\n")
	}
	return t, nil
}

// nullable values: nil is NULL.
func (t *table) row(vals ...any) {
	b := t.buf[:0]
	for i, v := range vals {
		if i > 0 {
			if t.copy {
				b = append(b, '\t')
			} else {
				b = append(b, ',')
			}
		}
		var s string
		switch v := v.(type) {
		case nil:
			if t.copy {
				b = append(b, `\N`...)
			}
			continue
		case string:
			s = v
		case int64:
			b = strconv.AppendInt(b, v, 10)
			continue
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
			continue
		case bool:
			if v {
				b = append(b, 't')
			} else {
				b = append(b, 'f')
			}
			continue
		case time.Time:
			b = appendTimestamp(b, v) // nothing in it to quote or escape
			continue
		default:
			panic("gen: a value of an unexpected type")
		}
		if t.copy {
			b = appendCopyField(b, s)
		} else {
			b = report.AppendCSVField(b, s)
		}
	}
	t.buf = append(b, '\n')
	if _, err := t.w.Write(t.buf); err != nil && t.err == nil {
		t.err = err
	}
}

// appendTimestamp appends t as UTC "2006-01-02 15:04:05.000000", the
// way PostgreSQL writes a timestamp, faster than time.Format.
func appendTimestamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 1000 || y > 9999 {
		return t.AppendFormat(b, "2006-01-02 15:04:05.000000")
	}
	h, mi, sec := t.Clock()
	us := t.Nanosecond() / 1000
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-', byte('0'+d/10), byte('0'+d%10), ' ',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+sec/10), byte('0'+sec%10), '.',
		byte('0'+us/100000), byte('0'+us/10000%10), byte('0'+us/1000%10), byte('0'+us/100%10), byte('0'+us/10%10), byte('0'+us%10))
}

func appendCopyField(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func (t *table) close() error {
	if err := t.w.Flush(); err != nil && t.err == nil {
		t.err = err
	}
	if err := t.f.Close(); err != nil && t.err == nil {
		t.err = err
	}
	return t.err
}

func nullable[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

// writeDB writes the database-export instance: accounts, users and
// statuses as psql CSV, the rest as one pg_dump --data-only SQL file.
func (w *world) writeDB(dir string, cfg Config, truth *Truth) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	start, end, burstAt := period()
	taken := map[string]bool{}
	apps := w.instanceApps(1, start.Add(-400*24*time.Hour))
	campaignApp := &app{id: 9731, name: "MastoBoost", website: CampaignAppWebsite, redirect: CampaignAppWebsite + "/oauth/callback",
		uid: w.token(43), secret: w.token(43), created: burstAt.Add(-37 * time.Minute)}
	apps = append(apps, campaignApp)
	for _, a := range apps {
		truth.Secrets = append(truth.Secrets, a.secret)
	}
	ordinary := w.ordinaryAccounts(cfg.Accounts, taken, apps)
	large := cfg.Accounts >= LargeAccounts
	burstN, rate := 120, 15
	if large {
		burstN, rate = cfg.Accounts/5, 900
	}
	burst := w.burstAccounts(burstN, burstAt, rate, campaignApp.id, taken)
	quiet := w.quietAccounts(4, taken)
	remote := remoteAccounts(w, 20, taken)
	locals := append(append(append([]*account{}, ordinary...), burst...), quiet...)
	var sc *scaled
	if large {
		sc = w.scaleAccounts(ordinary, apps, taken)
		locals = append(append(locals, sc.slow...), sc.noapp...)
		w.uniqueEmails(locals)
		truth.Domains[CampaignSlow], truth.Domains[CampaignNoApp] = SlowDomains(), NoAppDomains()
	}
	sort.SliceStable(locals, func(i, j int) bool { return locals[i].created.Before(locals[j].created) })
	for _, a := range locals {
		a.id = w.snowflake(a.created)
		w.userID++
		a.userID = w.userID
		if a.campaign != "" {
			truth.Campaigns[a.campaign] = append(truth.Campaigns[a.campaign], DBInstance+"/"+strconv.FormatInt(a.id, 10))
		}
	}
	for _, a := range remote {
		a.id = w.snowflake(a.created)
	}
	nWave, nServers := waveSize(cfg.Accounts)
	wv := newWave(cfg.Seed, DBInstance, nWave, nServers, ordinary, taken)
	for _, a := range wv.accounts {
		truth.Campaigns[CampaignFedWave] = append(truth.Campaigns[CampaignFedWave], DBInstance+"/"+strconv.FormatInt(a.id, 10))
	}
	truth.Domains[CampaignFedWave] = WaveDomains()
	mod := planModeration(cfg.Seed, ordinary, burst, burstAt)

	accounts, err := newTable(filepath.Join(dir, "accounts.csv"), false, "id", "username", "domain", "display_name", "note", "url", "uri",
		"fields", "locked", "discoverable", "silenced_at", "suspended_at", "actor_type", "created_at", "updated_at", "hide_collections")
	if err != nil {
		return err
	}
	for _, a := range append(append(append([]*account{}, locals...), remote...), wv.remoteAccounts()...) {
		var fields any
		if a.fields != "" {
			fields = a.fields
		}
		actor := "Person"
		if slices.Contains(wv.bots, a) {
			actor = "Service"
		}
		accounts.row(a.id, a.username, nullable(a.domain), a.displayName, a.note, a.url(DBInstance), "https://"+hostOf(a)+"/users/"+a.username,
			fields, false, a.campaign == "" || a.campaign == CampaignSlow, nil, nullable(a.suspendedAt), actor, a.created, a.created, nil)
	}
	if err := accounts.close(); err != nil {
		return err
	}
	users, err := newTable(filepath.Join(dir, "users.csv"), false, "id", "email", "created_at", "updated_at", "encrypted_password",
		"locale", "confirmed_at", "account_id", "disabled", "approved", "sign_up_ip", "created_by_application_id", "sign_in_count", "last_sign_in_at")
	if err != nil {
		return err
	}
	for _, a := range locals {
		var confirmed any
		if a.confirmed {
			confirmed = a.created.Add(time.Duration(2+w.rng.IntN(600)) * time.Second)
		}
		users.row(a.userID, a.email, a.created, a.created, "$2a$10$"+w.token(53), "en", confirmed, a.id, false, true, a.ip,
			nullable(a.appID), 1+w.rng.IntN(40), a.created.Add(time.Hour))
	}
	if err := users.close(); err != nil {
		return err
	}

	// The SQL dump is written in parts and joined, so each COPY block is
	// whole. preview_cards_statuses has no url, as before Mastodon 4.3: a
	// status's card URL is its card's.
	parts := []part{
		{"mentions", []string{"id", "status_id", "created_at", "updated_at", "account_id", "silent"}},
		{"preview_cards_statuses", []string{"preview_card_id", "status_id"}},
		{"preview_cards", []string{"id", "url", "title", "description", "image_file_name", "image_content_type", "image_file_size",
			"image_updated_at", "type", "html", "author_name", "author_url", "provider_name", "provider_url", "width", "height",
			"created_at", "updated_at", "embed_url", "blurhash", "language", "image_description"}},
		{"media_attachments", []string{"id", "status_id", "file_file_name", "file_content_type", "file_file_size", "file_updated_at",
			"remote_url", "created_at", "updated_at", "shortcode", "type", "file_meta", "account_id", "description",
			"scheduled_status_id", "blurhash", "processing", "file_storage_schema_version"}},
	}
	partTables := make([]*table, len(parts))
	for i, pt := range parts {
		var err error
		if partTables[i], err = newTable(pt.path(dir, cfg.CSVOnly), !cfg.CSVOnly, pt.cols...); err != nil {
			return err
		}
	}
	mentions, cards, previewCards, mediaT := partTables[0], partTables[1], partTables[2], partTables[3]
	at := newAttachments(cfg.Seed, 1)
	statuses, err := newTable(filepath.Join(dir, "statuses.csv"), false, "id", "uri", "text", "created_at", "updated_at", "in_reply_to_id",
		"reblog_of_id", "url", "sensitive", "visibility", "spoiler_text", "reply", "language", "conversation_id", "local", "account_id",
		"application_id", "in_reply_to_account_id", "deleted_at", "edited_at")
	if err != nil {
		return err
	}
	// Statuses are drawn here, in time order, and written by another
	// goroutine in batches, in the same order: the rows do not depend on
	// when they are written.
	batches := make(chan []*status, 8)
	written := make(chan struct{})
	go func() {
		defer close(written)
		var mentionID int64
		for batch := range batches {
			for _, s := range batch {
				var app any
				if s.appID != 0 {
					app = s.appID
				}
				uri, url, body, local := wv.dbStatus(s)
				statuses.row(s.id, uri, body, s.created, s.created,
					nil, nil, url, false, s.visibility, "",
					false, "en", s.id, local, s.account.id, app, nil, nil, nil)
				for _, m := range s.mentions {
					mentionID++
					mentions.row(mentionID, s.id, s.created, s.created, m.id, false)
				}
				if s.card != "" {
					id, isNew := at.card(s.card)
					if isNew {
						title, provider, typ := cardOf(s.card)
						host := cardHost(s.card)
						previewCards.row(id, s.card, title, "", nil, nil, nil, nil, typ, "", "", "", provider, "https://"+host+"/",
							0, 0, s.created, s.created, "", nil, "en", "")
					}
					cards.row(id, s.id)
				}
				if s.account.domain != "" { // the remote world of the federated wave
					if m, ok := wv.media(s); ok {
						mediaT.row(m.id, s.id, m.fileName, m.contentType, m.size, m.created, wv.remoteURL(s, m), m.created, m.created, m.shortcode, 0,
							fileMeta(m.width, m.height), s.account.id, nil, nil, m.blurhash, 2, 1)
					}
					continue
				}
				for _, m := range at.media(s) {
					mediaT.row(m.id, s.id, m.fileName, m.contentType, m.size, m.created, "", m.created, m.created, m.shortcode, 0,
						fileMeta(m.width, m.height), s.account.id, nullable(m.description), nil, m.blurhash, 2, 1)
				}
				at.note(s)
			}
		}
	}()
	const batchSize = 4096
	batch := make([]*status, 0, batchSize)
	emit := func(s *status) {
		s.id = w.snowflake(s.created)
		batch = append(batch, s)
		if len(batch) == batchSize {
			batches <- batch
			batch = make([]*status, 0, batchSize)
		}
	}
	mentionable := append(append([]*account{}, ordinary...), remote...)
	// Large configs: the statuses of the hard negatives (counted among the
	// ordinary ones) and of the campaigns that grow with the instance.
	var extra, scaledPlanted []*status
	if large {
		extra, scaledPlanted = w.scaleStatuses(sc, ordinary, apps)
	}
	// Ordinary statuses, in time order so the ids are Snowflakes of their time.
	times := make([]time.Time, max(cfg.Statuses-len(extra), 0))
	for i := range times {
		times[i] = start.Add(time.Duration(w.rng.Int64N(int64(end.Sub(start))))).Truncate(time.Millisecond)
	}
	slices.SortFunc(times, time.Time.Compare)
	upTo := 0
	planted := w.plantedDB(burst, quiet, ordinary, apps, campaignApp.id)
	if large {
		planted = append(append(planted, extra...), scaledPlanted...)
		sort.SliceStable(planted, func(i, j int) bool { return planted[i].created.Before(planted[j].created) })
	}
	for _, t := range times {
		for upTo < len(ordinary) && !ordinary[upTo].created.After(t) {
			upTo++
		}
		for len(planted) > 0 && planted[0].created.Before(t) {
			emit(planted[0])
			planted = planted[1:]
		}
		if upTo == 0 {
			continue
		}
		a := ordinary[w.rng.IntN(upTo)]
		if large && w.rng.IntN(100) < 5 {
			emit(w.genericStatus(a, t, apps))
			continue
		}
		emit(w.ordinaryStatus(a, t, mentionable, DBInstance, apps))
	}
	for _, s := range planted {
		emit(s)
	}
	batches <- batch
	batches <- wv.statuses // their ids are the wave's own Snowflakes
	close(batches)
	<-written
	for _, t := range append([]*table{statuses}, partTables...) {
		if err := t.close(); err != nil {
			return err
		}
	}
	if large {
		truth.HardNegatives = hardNegatives(DBInstance, locals)
		wv.hardNegativeTruth(truth, DBInstance)
	}
	return w.writeRest(dir, apps, locals, cfg.CSVOnly, parts, func(begin func(string, ...string) (*table, error), end func(*table) error) error {
		sessions, err := w.writeExtraTables(cfg.Seed, begin, end, locals, ordinary, remote, at, mod, wv.follows)
		truth.Secrets = append(truth.Secrets, sessions...)
		return err
	})
}

// part is a table of the SQL dump written while the statuses are (a COPY
// block in a part file, joined into dump.sql at the end), or a CSV file.
type part struct {
	name string
	cols []string
}

func (p part) path(dir string, csvOnly bool) string {
	if csvOnly {
		return filepath.Join(dir, p.name+".csv")
	}
	return filepath.Join(dir, "."+p.name+".part")
}

// cardHost is the host of a card's URL.
func cardHost(u string) string {
	_, rest, _ := strings.Cut(u, "://")
	host, _, _ := strings.Cut(rest, "/")
	return host
}

// cardOf is what Mastodon's fetcher would take from a page: its title, the
// site's name, and the card's type (0 link, 2 video).
func cardOf(u string) (title, provider string, typ int) {
	host := strings.TrimPrefix(cardHost(u), "www.")
	_, rest, _ := strings.Cut(u, "://")
	_, path, _ := strings.Cut(rest, "/")
	path = strings.Trim(path, "/")
	last := path
	if i := strings.LastIndexAny(path, "/="); i >= 0 {
		last = path[i+1:]
	}
	last = strings.TrimSuffix(last, ".html")
	switch host {
	case "youtube.com":
		return "Video " + last, "YouTube", 2
	case "en.wikipedia.org":
		return last + " - Wikipedia", "Wikipedia", 0
	case "github.com":
		return "GitHub - " + path, "GitHub", 0
	case "nytimes.com":
		return strings.ReplaceAll(last, "-", " "), "The New York Times", 0
	case "bbc.co.uk":
		return "Technology news " + strings.TrimPrefix(last, "technology-"), "BBC News", 0
	case "theguardian.com":
		return strings.ReplaceAll(last, "-", " ") + " | World news", "the Guardian", 0
	case "blog.joinmastodon.org":
		return strings.ReplaceAll(last, "-", " "), "Mastodon Blog", 0
	}
	return last, host, 0
}

func hostOf(a *account) string {
	if a.domain != "" {
		return a.domain
	}
	return DBInstance
}

// plantedDB makes the campaigns' statuses on the database-export instance,
// sorted by time.
func (w *world) plantedDB(burst, quiet, ordinary []*account, apps []*app, campaignApp int64) []*status {
	var out []*status
	recipients := ordinary
	if len(recipients) > 200 {
		recipients = recipients[:200]
	}
	for _, a := range burst {
		n := 3 + w.rng.IntN(3)
		for i := 0; i < n; i++ {
			t := a.created.Add(time.Duration(30+w.rng.IntN(7200)) * time.Second).Truncate(time.Millisecond)
			out = append(out, w.burstStatus(a, t, recipients, campaignApp))
		}
	}
	for _, a := range quiet {
		for i := 0; i < 4+w.rng.IntN(3); i++ {
			t := a.created.Add(time.Duration(1+i*3) * 24 * time.Hour).Add(time.Duration(w.rng.IntN(3600)) * time.Second)
			out = append(out, w.quietStatus(a, t, QuietDomains()[:1], apps))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].created.Before(out[j].created) })
	return out
}

// writeRest writes the other tables: as one pg_dump --data-only file,
// dump.sql, with the parts written so far; or, with csvOnly, as psql CSV
// files like the rest. more writes the tables that come last.
func (w *world) writeRest(dir string, apps []*app, locals []*account, csvOnly bool, parts []part,
	more func(begin func(string, ...string) (*table, error), end func(*table) error) error) error {
	var bw *bufio.Writer
	if !csvOnly {
		f, err := os.Create(filepath.Join(dir, "dump.sql"))
		if err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		defer f.Close()
		bw = bufio.NewWriterSize(f, 1<<20)
		bw.WriteString("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n\n")
	}
	begin := func(name string, cols ...string) (*table, error) {
		if csvOnly {
			return newTable(filepath.Join(dir, name+".csv"), false, cols...)
		}
		fmt.Fprintf(bw, "--\n-- Data for Name: %s; Type: TABLE DATA; Schema: public; Owner: mastodon\n--\n\nCOPY public.%s (%s) FROM stdin;\n", name, name, strings.Join(cols, ", "))
		return &table{w: bw, copy: true}, nil
	}
	end := func(t *table) error {
		if csvOnly {
			return t.close()
		}
		_, err := bw.WriteString("\\.\n\n\n")
		return err
	}

	t, err := begin("oauth_applications", "id", "name", "uid", "secret", "redirect_uri", "scopes", "created_at", "updated_at", "superapp", "website", "owner_type", "owner_id", "confidential")
	if err != nil {
		return err
	}
	for _, a := range apps {
		t.row(a.id, a.name, a.uid, a.secret, a.redirect, "read write follow push", a.created, a.created, a.superapp, nullable(a.website), nil, nil, true)
	}
	if err := end(t); err != nil {
		return err
	}
	if t, err = begin("oauth_access_tokens", "id", "token", "refresh_token", "expires_in", "revoked_at", "created_at", "scopes", "application_id", "resource_owner_id", "last_used_at", "last_used_ip"); err != nil {
		return err
	}
	var tokenID int64
	for _, a := range locals {
		if a.appID == 0 {
			continue
		}
		tokenID++
		t.row(tokenID, w.token(43), nil, nil, nil, a.created, "read write follow push", a.appID, a.userID, a.created.Add(time.Hour), a.ip)
	}
	if err := end(t); err != nil {
		return err
	}
	if !csvOnly {
		for _, part := range parts {
			t, _ := begin(part.name, part.cols...)
			p := part.path(dir, false)
			pf, err := os.Open(p)
			if err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			_, err = io.Copy(bw, pf)
			pf.Close()
			os.Remove(p)
			if err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			end(t)
		}
	}
	if t, err = begin("login_activities", "id", "user_id", "authentication_method", "provider", "success", "failure_reason", "ip", "user_agent", "created_at"); err != nil {
		return err
	}
	var loginID int64
	for _, a := range locals {
		if a.campaign == CampaignBurst {
			continue // API-only bots never log in through the web
		}
		loginID++
		t.row(loginID, a.userID, "password", nil, true, nil, a.ip, "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/113.0", a.created.Add(time.Minute))
	}
	if err := end(t); err != nil {
		return err
	}
	if err := more(begin, end); err != nil {
		return err
	}
	if csvOnly {
		return nil
	}
	bw.WriteString("--\n-- PostgreSQL database dump complete\n--\n\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	return nil
}

// Pack writes dir as a deterministic .tar.gz: sorted names, fixed times and
// owners, so the same dump always packs to the same bytes.
func Pack(dir string, out io.Writer) error { return PackTar(dir, out, PackOptions{Gzip: true}) }

// PackOptions say how a dump is packed.
type PackOptions struct {
	Gzip bool // gzip the tar
	// DotNames names the members as GNU tar does for tar cf x.tar -C dir .:
	// a "./" entry for the root, an entry for each folder, and names that
	// start with "./".
	DotNames bool
}

// packFixed is the time of every packed file.
var packFixed = time.Date(2023, 5, 20, 0, 0, 0, 0, time.UTC)

// packList lists dir: folders (with a trailing slash) and files, relative,
// slash-separated, sorted.
func packList(dir string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		names = append(names, rel)
		return nil
	})
	sort.Strings(names)
	return names, err
}

// PackTar writes dir as a deterministic tar.
func PackTar(dir string, out io.Writer, opt PackOptions) error {
	names, err := packList(dir)
	if err != nil {
		return err
	}
	var zw io.WriteCloser = nopCloser{out}
	if opt.Gzip {
		if zw, err = gzip.NewWriterLevel(out, gzip.BestCompression); err != nil {
			return err
		}
	}
	tw := tar.NewWriter(zw)
	format := tar.FormatPAX
	if opt.DotNames {
		format = tar.FormatGNU
		names = append([]string{""}, names...)
	}
	for _, name := range names {
		isDir := name == "" || strings.HasSuffix(name, "/")
		if isDir && !opt.DotNames {
			continue
		}
		hdr := &tar.Header{Name: name, Mode: 0o644, ModTime: packFixed, Typeflag: tar.TypeReg, Format: format}
		if opt.DotNames {
			hdr.Name = "./" + name
		}
		if isDir {
			hdr.Mode, hdr.Typeflag = 0o755, tar.TypeDir
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			continue
		}
		if err := packFile(filepath.Join(dir, filepath.FromSlash(name)), func(size int64) (io.Writer, error) {
			hdr.Size = size
			return tw, tw.WriteHeader(hdr)
		}); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// PackZip writes dir as a deterministic zip, with folder entries as zip -r
// writes them and deflated files.
func PackZip(dir string, out io.Writer) error {
	names, err := packList(dir)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, name := range names {
		fh := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: packFixed}
		if strings.HasSuffix(name, "/") {
			fh.Method = zip.Store
			fh.SetMode(fs.ModeDir | 0o755)
			if _, err := zw.CreateHeader(fh); err != nil {
				return err
			}
			continue
		}
		fh.SetMode(0o644)
		if err := packFile(filepath.Join(dir, filepath.FromSlash(name)), func(int64) (io.Writer, error) {
			return zw.CreateHeader(fh)
		}); err != nil {
			return err
		}
	}
	return zw.Close()
}

// packFile copies the file at p into the writer that open returns for its
// size.
func packFile(p string, open func(size int64) (io.Writer, error)) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	w, err := open(st.Size())
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

// nopCloser is a writer whose Close does nothing: the plain tar's stream.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// WriteTruth writes the truth as indented JSON.
func WriteTruth(p string, t Truth) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(p, append(b, '\n'), 0o644)
}
