package gen

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// small is a dump small enough for unit tests; the campaigns are planted
// whatever the size.
func small(seed uint64) Config {
	return Config{Seed: seed, Accounts: 60, Statuses: 300, API: true}
}

// generate writes cfg into a new directory and returns it with the truth.
func generate(t *testing.T, cfg Config) (string, Truth) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "dump")
	truth, err := Write(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dir, truth
}

// tree reads every file under dir: relative path -> content.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func names(files map[string][]byte) []string {
	var out []string
	for n := range files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func pack(t *testing.T, dir string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Pack(dir, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDeterministic: the same seed makes the same dump, byte for byte, as
// a directory and packed; another seed makes another one.
func TestDeterministic(t *testing.T) {
	a, ta := generate(t, small(11))
	b, tb := generate(t, small(11))
	c, tc := generate(t, small(12))
	fa, fb, fc := tree(t, a), tree(t, b), tree(t, c)
	if !reflect.DeepEqual(names(fa), names(fb)) {
		t.Fatalf("same seed, other files: %v vs %v", names(fa), names(fb))
	}
	for n := range fa {
		if !bytes.Equal(fa[n], fb[n]) {
			t.Errorf("%s differs between two runs with the same seed", n)
		}
	}
	if !reflect.DeepEqual(ta, tb) {
		t.Error("the truth differs between two runs with the same seed")
	}
	if pa, pb := pack(t, a), pack(t, b); !bytes.Equal(pa, pb) {
		t.Error("the packed dumps of the same seed differ")
	}
	if !reflect.DeepEqual(names(fa), names(fc)) {
		t.Errorf("another seed changed the members: %v vs %v", names(fa), names(fc))
	}
	for _, n := range names(fa) {
		if bytes.Equal(fa[n], fc[n]) {
			t.Errorf("%s is the same for seeds 11 and 12", n)
		}
	}
	if reflect.DeepEqual(ta.Campaigns, tc.Campaigns) || reflect.DeepEqual(ta.Secrets, tc.Secrets) {
		t.Error("another seed planted the same accounts or secrets")
	}
}

// dbCSV are the members of the database-export instance written as CSV
// only: every table of a full export.
func dbCSV() []string {
	var out []string
	for _, t := range []string{"account_warnings", "accounts", "admin_action_logs", "domain_blocks", "email_domain_blocks", "follows",
		"ip_blocks", "login_activities", "media_attachments", "mentions", "oauth_access_tokens", "oauth_applications", "preview_cards",
		"preview_cards_statuses", "reports", "session_activations", "statuses", "users"} {
		out = append(out, DBInstance+"/"+t+".csv")
	}
	return out
}

// TestShapes checks the members of each shape: the database export as
// CSV plus one pg_dump file, or CSV only; with or without the API export.
func TestShapes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		csvOnly bool
		api     bool
		want    []string
	}{
		{"default", false, true, []string{
			"mastodon.online/admin_accounts.jsonl", "mastodon.online/applications.json", "mastodon.online/statuses.json",
			"mastodon.social/accounts.csv", "mastodon.social/dump.sql", "mastodon.social/statuses.csv", "mastodon.social/users.csv"}},
		{"no api", false, false, []string{
			"mastodon.social/accounts.csv", "mastodon.social/dump.sql", "mastodon.social/statuses.csv", "mastodon.social/users.csv"}},
		{"csv only, no api", true, false, dbCSV()},
		{"csv only", true, true, append([]string{
			"mastodon.online/admin_accounts.jsonl", "mastodon.online/applications.json", "mastodon.online/statuses.json"}, dbCSV()...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := small(3)
			cfg.CSVOnly, cfg.API = tc.csvOnly, tc.api
			dir, truth := generate(t, cfg)
			files := tree(t, dir)
			if got := names(files); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("members:\n got  %v\n want %v", got, tc.want)
			}
			for _, members := range truth.Campaigns {
				for _, m := range members {
					if !tc.api && strings.HasPrefix(m, APIInstance+"/") {
						t.Errorf("truth names %s, of the API instance left out", m)
					}
				}
			}
		})
	}
}

// TestCSVOnlySameData: --csv-only changes the format of the database
// export, not its content: the CSV files are the same and each table has
// as many rows as its COPY block.
func TestCSVOnlySameData(t *testing.T) {
	copyCfg, csvCfg := small(5), small(5)
	csvCfg.CSVOnly = true
	cd, ct := generate(t, copyCfg)
	vd, vt := generate(t, csvCfg)
	if !reflect.DeepEqual(ct, vt) {
		t.Error("--csv-only planted something else")
	}
	cf, vf := tree(t, cd), tree(t, vd)
	for _, n := range []string{"accounts.csv", "users.csv", "statuses.csv"} {
		if !bytes.Equal(cf[DBInstance+"/"+n], vf[DBInstance+"/"+n]) {
			t.Errorf("%s differs between the two formats", n)
		}
	}
	blocks := copyBlocks(t, string(cf[DBInstance+"/dump.sql"]))
	var want []string
	for _, m := range dbCSV() {
		if t := strings.TrimSuffix(strings.TrimPrefix(m, DBInstance+"/"), ".csv"); t != "accounts" && t != "users" && t != "statuses" {
			want = append(want, t)
		}
	}
	var got []string
	for name := range blocks {
		got = append(got, name)
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("COPY blocks %v, want %v", got, want)
	}
	for _, name := range want {
		recs := readCSV(t, vf[DBInstance+"/"+name+".csv"])
		if len(recs)-1 != blocks[name].rows {
			t.Errorf("%s: %d CSV rows, %d COPY rows", name, len(recs)-1, blocks[name].rows)
		}
		if strings.Join(recs[0], ", ") != blocks[name].cols {
			t.Errorf("%s: CSV header %v, COPY columns %s", name, recs[0], blocks[name].cols)
		}
		if blocks[name].rows == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}

type copyBlock struct {
	cols string
	rows int
}

// copyBlocks parses the COPY blocks of a pg_dump file; every block must be
// closed by "\.".
func copyBlocks(t *testing.T, sql string) map[string]copyBlock {
	t.Helper()
	head := regexp.MustCompile(`^COPY public\.(\w+) \((.*)\) FROM stdin;$`)
	out := map[string]copyBlock{}
	sc := bufio.NewScanner(strings.NewReader(sql))
	sc.Buffer(nil, 1<<20)
	var cur string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case cur == "":
			if m := head.FindStringSubmatch(line); m != nil {
				cur = m[1]
				out[cur] = copyBlock{cols: m[2]}
			}
		case line == `\.`:
			cur = ""
		default:
			b := out[cur]
			b.rows++
			out[cur] = b
			if n, want := strings.Count(line, "\t")+1, strings.Count(b.cols, ",")+1; n != want {
				t.Errorf("%s: a row of %d fields, %d columns: %q", cur, n, want, line)
			}
		}
	}
	if cur != "" {
		t.Errorf("COPY block %s is not closed", cur)
	}
	if !strings.HasSuffix(sql, "-- PostgreSQL database dump complete\n--\n\n") {
		t.Error("dump.sql does not end like a complete pg_dump")
	}
	return out
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestTruth: the truth lists the two planted campaigns, each account once,
// every one an account of the dump it names, of the sizes the README
// states; the domains they promote appear in their statuses; the secrets
// are the apps' secrets of the dump.
func TestTruth(t *testing.T) {
	dir, truth := generate(t, small(2023))
	files := tree(t, dir)

	accounts := map[string]string{} // instance/account_id -> username
	recs := readCSV(t, files[DBInstance+"/accounts.csv"])
	for _, r := range recs[1:] {
		accounts[DBInstance+"/"+r[0]] = r[1]
	}
	sc := bufio.NewScanner(bytes.NewReader(files[APIInstance+"/admin_accounts.jsonl"]))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a struct{ ID, Username string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		accounts[APIInstance+"/"+a.ID] = a.Username
	}

	// Remote accounts of the API export (the federated wave) are known
	// only from the statuses that embed them.
	var embedded []struct {
		Account struct{ ID, Username string } `json:"account"`
	}
	if err := json.Unmarshal(files[APIInstance+"/statuses.json"], &embedded); err != nil {
		t.Fatal(err)
	}
	for _, s := range embedded {
		accounts[APIInstance+"/"+s.Account.ID] = s.Account.Username
	}

	if got := len(truth.Campaigns); got != 3 {
		t.Fatalf("%d campaigns in the truth, want 3: %v", got, truth.Campaigns)
	}
	seen := map[string]string{}
	for name, want := range map[string]int{CampaignBurst: 150, CampaignQuiet: 14, CampaignFedWave: 55} {
		members := truth.Campaigns[name]
		if len(members) != want {
			t.Errorf("%s: %d accounts, want %d", name, len(members), want)
		}
		if !sort.StringsAreSorted(members) {
			t.Errorf("%s: members not sorted", name)
		}
		perInstance := map[string]int{}
		for _, m := range members {
			if other, dup := seen[m]; dup {
				t.Errorf("%s is in %s and %s", m, other, name)
			}
			seen[m] = name
			if _, ok := accounts[m]; !ok {
				t.Errorf("%s: %s is not an account of the dump", name, m)
			}
			perInstance[strings.SplitN(m, "/", 2)[0]]++
		}
		if perInstance[DBInstance] == 0 || perInstance[APIInstance] == 0 {
			t.Errorf("%s is not on both instances: %v", name, perInstance)
		}
	}

	if !reflect.DeepEqual(truth.Domains[CampaignBurst], BurstDomains()) || !reflect.DeepEqual(truth.Domains[CampaignQuiet], QuietDomains()) ||
		!reflect.DeepEqual(truth.Domains[CampaignFedWave], WaveDomains()) {
		t.Errorf("truth domains %v", truth.Domains)
	}
	statuses := string(files[DBInstance+"/statuses.csv"]) + string(files[APIInstance+"/statuses.json"])
	for _, doms := range truth.Domains {
		for _, d := range doms {
			if !strings.Contains(statuses, d) && !strings.Contains(statuses, defang(d)) {
				t.Errorf("planted domain %s appears in no status", d)
			}
		}
	}

	// The secrets are those of the apps, all of them, and the ids of the
	// web sessions, all of them, and no other string.
	sql, apps := string(files[DBInstance+"/dump.sql"]), string(files[APIInstance+"/applications.json"])
	oauth, sessions := 0, 0
	for _, s := range truth.Secrets {
		switch len(s) {
		case 43:
			oauth++
			if !strings.Contains(sql, "\t"+s+"\t") && !strings.Contains(apps, `"client_secret": "`+s+`"`) {
				t.Errorf("secret %q is in no app of the dump", s)
			}
		case 32:
			sessions++
			if !regexp.MustCompile(`\n\d+\t` + s + `\t`).MatchString(sql) {
				t.Errorf("secret %q is in no session of the dump", s)
			}
		default:
			t.Errorf("secret %q is neither an OAuth secret nor a session id", s)
		}
	}
	if oauth != 20 {
		t.Errorf("%d OAuth secrets, want 20 (10 apps on each instance)", oauth)
	}
	if want := copyBlocks(t, sql)["session_activations"].rows; sessions != want || want == 0 {
		t.Errorf("%d session ids, want the %d sessions of the dump", sessions, want)
	}

	// WriteTruth writes what Write returned.
	p := filepath.Join(t.TempDir(), "truth.json")
	if err := WriteTruth(p, truth); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	var back Truth
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, truth) {
		t.Error("the truth file does not read back as written")
	}
}

// untar reads a whole tar: its headers in order, and the bodies of its
// members by name.
func untar(t *testing.T, r io.Reader) ([]*tar.Header, map[string][]byte) {
	t.Helper()
	tr := tar.NewReader(r)
	var hdrs []*tar.Header
	bodies := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return hdrs, bodies
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		hdrs = append(hdrs, hdr)
		bodies[hdr.Name] = body
	}
}

// TestPack: the archive holds every file of the directory, in sorted
// order, as plain files with fixed owners and times.
func TestPack(t *testing.T) {
	dir, _ := generate(t, small(9))
	files := tree(t, dir)
	zr, err := gzip.NewReader(bytes.NewReader(pack(t, dir)))
	if err != nil {
		t.Fatal(err)
	}
	hdrs, bodies := untar(t, zr)
	var got []string
	for _, hdr := range hdrs {
		got = append(got, hdr.Name)
		if !bytes.Equal(bodies[hdr.Name], files[hdr.Name]) {
			t.Errorf("%s: packed content differs from the file", hdr.Name)
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Mode != 0o644 || !hdr.ModTime.Equal(time.Date(2023, 5, 20, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: header %+v is not fixed", hdr.Name, hdr)
		}
	}
	if !reflect.DeepEqual(got, names(files)) {
		t.Errorf("packed %v, want %v", got, names(files))
	}
}

// TestPackForms: the tar with "./" names holds what tar cf x.tar -C dir .
// writes (the root, each folder, then its files), and the zip what zip -r
// writes; both are the same bytes every time.
func TestPackForms(t *testing.T) {
	dir, _ := generate(t, small(9))
	files := tree(t, dir)
	packTwice := func(pack func(w io.Writer) error) []byte {
		var a, b bytes.Buffer
		if err := pack(&a); err != nil {
			t.Fatal(err)
		}
		pack(&b)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Error("two packs of the same folder differ")
		}
		return a.Bytes()
	}
	dot := packTwice(func(w io.Writer) error { return PackTar(dir, w, PackOptions{DotNames: true}) })
	hdrs, bodies := untar(t, bytes.NewReader(dot))
	var got []string
	for _, hdr := range hdrs {
		got = append(got, hdr.Name)
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		if !bytes.Equal(bodies[hdr.Name], files[strings.TrimPrefix(hdr.Name, "./")]) {
			t.Errorf("%s: packed content differs from the file", hdr.Name)
		}
	}
	want := []string{"./"}
	last := ""
	for _, n := range names(files) {
		if d := filepath.ToSlash(filepath.Dir(n)); d != last {
			want = append(want, "./"+d+"/")
			last = d
		}
		want = append(want, "./"+n)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("packed %v, want %v", got, want)
	}

	z := packTwice(func(w io.Writer) error { return PackZip(dir, w) })
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, f := range zr.File {
		got = append(got, f.Name)
		if f.Mode().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(body, files[f.Name]) {
			t.Errorf("%s: zipped content differs from the file (%v)", f.Name, err)
		}
	}
	for i := range want {
		want[i] = strings.TrimPrefix(want[i], "./")
	}
	if !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("zipped %v, want %v", got, want[1:])
	}
}

func TestWriteRefusesExistingDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.txt")
	os.WriteFile(keep, []byte("x"), 0o644)
	if _, err := Write(dir, small(1)); err == nil {
		t.Fatal("Write into an existing directory succeeded")
	}
	if b, _ := os.ReadFile(keep); string(b) != "x" {
		t.Error("Write touched an existing directory")
	}
}

// TestContextTables checks the shapes of the tables that hold evidence and
// context, in the CSV-only dump: the burst campaign posts one image (one
// blurhash and size under new file names, on both instances) while
// ordinary people post their own; cards are one per URL and the join has
// no url (as before Mastodon 4.3); spam reports name burst accounts and
// come from the people they messaged; the accounts already suspended are
// burst accounts with their strike and admin log entry, and the blocks
// cover what the campaigns used; follows and sessions are ordinary people's.
func TestContextTables(t *testing.T) {
	cfg := small(2023)
	cfg.CSVOnly = true
	dir, truth := generate(t, cfg)
	files := tree(t, dir)
	table := func(name string) []map[string]string {
		recs := readCSV(t, files[DBInstance+"/"+name+".csv"])
		var out []map[string]string
		for _, r := range recs[1:] {
			m := map[string]string{}
			for i, c := range recs[0] {
				m[c] = r[i]
			}
			out = append(out, m)
		}
		if len(out) == 0 {
			t.Errorf("%s is empty", name)
		}
		return out
	}
	burst := map[string]bool{}
	for _, m := range truth.Campaigns[CampaignBurst] {
		if id, ok := strings.CutPrefix(m, DBInstance+"/"); ok {
			burst[id] = true
		}
	}
	wave := map[string]bool{}
	for _, m := range truth.Campaigns[CampaignFedWave] {
		if id, ok := strings.CutPrefix(m, DBInstance+"/"); ok {
			wave[id] = true
		}
	}
	campaign := map[string]bool{}
	for _, ms := range truth.Campaigns {
		for _, m := range ms {
			if id, ok := strings.CutPrefix(m, DBInstance+"/"); ok {
				campaign[id] = true
			}
		}
	}
	author := map[string]string{}
	for _, s := range table("statuses") {
		author[s["id"]] = s["account_id"]
	}
	img := CampaignImage()
	names := map[string]bool{}
	ordinaryHashes := map[string]bool{}
	burstMedia := 0
	for _, m := range table("media_attachments") {
		if author[m["status_id"]] != m["account_id"] {
			t.Errorf("media %s: account %s is not the author of status %s", m["id"], m["account_id"], m["status_id"])
		}
		if names[m["file_file_name"]] {
			t.Errorf("file name %s twice", m["file_file_name"])
		}
		names[m["file_file_name"]] = true
		if wave[m["account_id"]] {
			if w := WaveImage(); m["blurhash"] != w.Blurhash || m["remote_url"] == "" || !strings.Contains(m["file_meta"], `"width":1200,"height":675`) {
				t.Errorf("media %s of the wave is not the wave's image from its server: %v", m["id"], m)
			}
			continue
		}
		if burst[m["account_id"]] {
			burstMedia++
			if m["blurhash"] != img.Blurhash || m["file_file_size"] != "482113" || !strings.Contains(m["file_meta"], `"width":1080,"height":1080`) {
				t.Errorf("burst media %s is not the campaign's image: %v", m["id"], m)
			}
			continue
		}
		if campaign[m["account_id"]] || ordinaryHashes[m["blurhash"]] || m["blurhash"] == img.Blurhash {
			t.Errorf("media %s of %s: a campaign's or a repeated image", m["id"], m["account_id"])
		}
		ordinaryHashes[m["blurhash"]] = true
	}
	if burstMedia < 10 || len(ordinaryHashes) < 5 {
		t.Errorf("%d burst media, %d ordinary images", burstMedia, len(ordinaryHashes))
	}
	if api := string(files[APIInstance+"/statuses.json"]); strings.Count(api, img.Blurhash) < 3 {
		t.Errorf("the API instance's burst statuses do not carry the campaign's image")
	}

	cards := map[string]string{}
	urls := map[string]bool{}
	for _, c := range table("preview_cards") {
		if urls[c["url"]] {
			t.Errorf("two cards for %s", c["url"])
		}
		urls[c["url"]], cards[c["id"]] = true, c["url"]
	}
	if h := readCSV(t, files[DBInstance+"/preview_cards_statuses.csv"])[0]; strings.Join(h, ",") != "preview_card_id,status_id" {
		t.Errorf("preview_cards_statuses columns %v", h)
	}
	for _, j := range table("preview_cards_statuses") {
		if cards[j["preview_card_id"]] == "" || author[j["status_id"]] == "" {
			t.Errorf("join row %v names no card or no status", j)
		}
	}

	spam, suspendedReports := 0, 0
	for _, r := range table("reports") {
		if campaign[r["account_id"]] {
			t.Errorf("report %s filed by a campaign account", r["id"])
		}
		ids := strings.Split(strings.Trim(r["status_ids"], "{}"), ",")
		for _, id := range ids {
			if author[id] != r["target_account_id"] {
				t.Errorf("report %s names status %s, not of its target", r["id"], id)
			}
		}
		if r["category"] == "1000" {
			spam++
			if !burst[r["target_account_id"]] {
				t.Errorf("spam report %s against %s, not a burst account", r["id"], r["target_account_id"])
			}
		}
		if r["action_taken_at"] != "" {
			suspendedReports++
		}
	}
	if spam < 5 || suspendedReports == 0 {
		t.Errorf("%d spam reports, %d resolved", spam, suspendedReports)
	}
	suspended := map[string]bool{}
	for _, a := range table("accounts") {
		if a["suspended_at"] != "" {
			suspended[a["id"]] = true
			if !burst[a["id"]] {
				t.Errorf("account %s suspended, not a burst account", a["id"])
			}
		}
	}
	if len(suspended) < 3 {
		t.Errorf("%d accounts suspended", len(suspended))
	}
	struck, logged := map[string]bool{}, map[string]bool{}
	for _, w := range table("account_warnings") {
		if w["action"] == "4000" {
			struck[w["target_account_id"]] = true
		}
	}
	for _, l := range table("admin_action_logs") {
		if l["action"] == "suspend" && l["target_type"] == "Account" {
			logged[l["target_id"]] = true
		}
	}
	if !reflect.DeepEqual(struck, suspended) || !reflect.DeepEqual(logged, suspended) {
		t.Errorf("suspended %v, strikes %v, admin log %v", suspended, struck, logged)
	}
	// One address block covers the line a suspended account signed up from.
	ipOf := map[string]string{} // user id -> sign-up address
	covered := false
	for _, u := range table("users") {
		ipOf[u["id"]] = u["sign_up_ip"]
		for _, b := range table("ip_blocks") {
			net, ok := strings.CutSuffix(b["ip"], ".0/24")
			covered = covered || suspended[u["account_id"]] && ok && strings.HasPrefix(u["sign_up_ip"], net+".")
		}
	}
	if !covered {
		t.Error("no IP block covers the address of a suspended account")
	}
	blocked := false
	for _, b := range table("email_domain_blocks") {
		blocked = blocked || b["domain"] == "inboxzap.org"
	}
	if !blocked {
		t.Error("inboxzap.org is not blocked")
	}

	pairs := map[string]bool{}
	for _, f := range table("follows") {
		if campaign[f["account_id"]] || campaign[f["target_account_id"]] || f["account_id"] == f["target_account_id"] || pairs[f["account_id"]+">"+f["target_account_id"]] {
			t.Errorf("follow %v: a campaign's, to itself, or twice", f)
		}
		pairs[f["account_id"]+">"+f["target_account_id"]] = true
	}
	accountOf := map[string]string{}
	for _, u := range table("users") {
		accountOf[u["id"]] = u["account_id"]
	}
	for _, s := range table("session_activations") {
		a, ip := accountOf[s["user_id"]], ipOf[s["user_id"]]
		if burst[a] {
			t.Errorf("session %s of a burst account", s["id"])
		}
		same := ip[:strings.LastIndexAny(ip, ".:")]
		if s["ip"] != ip && (campaign[a] || !strings.HasPrefix(s["ip"], same)) {
			t.Errorf("session %s from %s: not the line of %s (sign-up %s)", s["id"], s["ip"], a, ip)
		}
	}
}
