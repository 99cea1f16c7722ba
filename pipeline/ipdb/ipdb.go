// Package ipdb reads the network databases investigators already hold, to
// say who runs an IP address: MaxMind DB files (.mmdb: MaxMind GeoLite2 and
// GeoIP2 ASN, Country, City, ISP, Anonymous IP; DB-IP; IPinfo) and
// iptoasn.com's range files (TSV, plain or gzipped, v4, v6 or combined).
// The format is detected by content, never by name. Everything is local:
// nothing is downloaded.
//
// It is the only importer of the MaxMind DB reader.
package ipdb

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Formats of a database file.
const (
	FormatMMDB    = "mmdb"    // MaxMind DB
	FormatIPToASN = "iptoasn" // iptoasn.com TSV: range_start range_end AS_number country_code AS_description
)

// ErrFormat is returned for a file that is neither a MaxMind DB nor an
// iptoasn TSV.
var ErrFormat = errors.New("not a MaxMind DB (.mmdb) nor an iptoasn TSV file")

// Flag is something a database says of an address beyond its network.
type Flag uint8

// The flags. Hosting, VPN, Tor exits, public proxies and relays are
// infrastructure; a residential proxy is somebody's home connection.
const (
	FlagHosting Flag = 1 << iota
	FlagVPN
	FlagTor
	FlagPublicProxy
	FlagResidentialProxy
	FlagAnonymous
	FlagRelay
)

var flagNames = []struct {
	f    Flag
	name string
}{{FlagHosting, "hosting"}, {FlagVPN, "vpn"}, {FlagTor, "tor"}, {FlagPublicProxy, "public_proxy"},
	{FlagResidentialProxy, "residential_proxy"}, {FlagAnonymous, "anonymous"}, {FlagRelay, "relay"}}

// Infrastructure are the flags that make an address "hosting": a data
// centre, a VPN, a Tor exit, an open proxy or a relay, not a household.
const Infrastructure = FlagHosting | FlagVPN | FlagTor | FlagPublicProxy | FlagRelay

// String lists the flags by name, comma-separated, in a fixed order.
func (f Flag) String() string {
	var names []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// Info is what one database knows of an address. Zero fields are unknown.
type Info struct {
	ASN     uint32
	ASOrg   string
	Network string // the database's network holding the address: a prefix, or a range "first-last"
	Country string // ISO 3166-1 alpha-2
	Flags   Flag
}

// Known says whether the database said anything of the address.
func (i Info) Known() bool { return i != Info{} }

// Problem is a line of a TSV database that could not be read.
type Problem struct {
	Line   int64
	Field  string
	Reason string
	Raw    string // the line, cut to 256 bytes: less than a warning keeps
}

// DB is one opened database.
type DB struct {
	Path   string
	Name   string    // the file's base name
	Format string    // FormatMMDB or FormatIPToASN
	Type   string    // the MaxMind DB database_type, or "iptoasn"
	Built  time.Time // the build time the file records (zero when the format has none)
	SHA256 string
	Bytes  int64
	// Ranges is the number of ranges of a TSV file.
	Ranges int
	// Problems are the TSV lines that could not be read (the first
	// MaxProblems of them); BadLines counts them all.
	Problems []Problem
	BadLines int64

	mmdb *maxminddb.Reader
	v4   []rng
	v6   []rng
	strs []string // AS descriptions of a TSV, shared between ranges
}

// MaxProblems is the number of unreadable TSV lines kept with their
// reasons; the rest are counted.
const MaxProblems = 100

// maxLine bounds a TSV line: AS descriptions are short.
const maxLine = 64 << 10

var mmdbMarker = []byte("\xab\xcd\xefMaxMind.com")

// Open opens a database file, detecting its format by content. A MaxMind DB
// is verified whole before use, so a corrupt file is refused here, not
// half-way through a run.
func Open(path string) (*DB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ip database: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ip database %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("ip database %s: a directory, not a database file", path)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("ip database %s: %w", path, err)
	}
	d := &DB{Path: path, Name: filepath.Base(path), SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: st.Size()}
	kind, err := detect(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("ip database %s: %w", path, err)
	}
	switch kind {
	case FormatMMDB:
		err = d.openMMDB()
	default:
		if _, err = f.Seek(0, io.SeekStart); err == nil {
			err = d.readTSV(f, kind == "gzip")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("ip database %s: %w", path, err)
	}
	return d, nil
}

// Check says whether path is a database file this package reads, by its
// content, without reading it whole: for refusing a bad --ipdb before any
// work is done.
func Check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("ip database: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("ip database %s: %w", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("ip database %s: a directory, not a database file: %w", path, ErrFormat)
	}
	if _, err := detect(f, st.Size()); err != nil {
		return fmt.Errorf("ip database %s: %w", path, err)
	}
	return nil
}

// detect says what a file holds: "mmdb", "gzip" (a gzipped TSV) or "tsv".
func detect(f *os.File, size int64) (string, error) {
	head := make([]byte, 512)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", err
	}
	head = head[:n]
	if n == 0 {
		return "", fmt.Errorf("empty file: %w", ErrFormat)
	}
	// The MaxMind DB metadata section starts with its marker within the
	// last 128 KiB of the file.
	tail := min(size, 128<<10)
	buf := make([]byte, tail)
	if _, err := f.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return "", err
	}
	if bytes.Contains(buf, mmdbMarker) {
		return FormatMMDB, nil
	}
	if bytes.HasPrefix(head, []byte{0x1f, 0x8b}) {
		return "gzip", nil
	}
	// A TSV: its first non-blank line has tab-separated fields, the first
	// an address or a number.
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		first, _, ok := bytes.Cut(line, []byte("\t"))
		if ok {
			if _, err := parseStart(string(first)); err == nil {
				return "tsv", nil
			}
		}
		break
	}
	return "", ErrFormat
}

func (d *DB) openMMDB() error {
	r, err := maxminddb.Open(d.Path)
	if err != nil {
		return err
	}
	if err := r.Verify(); err != nil {
		r.Close()
		return fmt.Errorf("a corrupt MaxMind DB: %w", err)
	}
	d.mmdb, d.Format, d.Type = r, FormatMMDB, r.Metadata.DatabaseType
	if r.Metadata.BuildEpoch > 0 {
		d.Built = r.Metadata.BuildTime().UTC()
	}
	return nil
}

// Close releases the database.
func (d *DB) Close() error {
	if d.mmdb != nil {
		return d.mmdb.Close()
	}
	return nil
}

// Lookup says what the database knows of addr (the zero Info when
// nothing). An error means the database is corrupt at that record.
func (d *DB) Lookup(addr netip.Addr) (Info, error) {
	addr = addr.Unmap().WithZone("")
	if d.mmdb != nil {
		return d.lookupMMDB(addr)
	}
	return d.lookupTSV(addr), nil
}

// record is the union of the fields the known MaxMind DB layouts use.
// Fields whose type differs between vendors are decoded as any.
type record struct {
	// GeoLite2/GeoIP2 ASN and ISP, DB-IP ASN.
	ASN   uint32 `maxminddb:"autonomous_system_number"`
	ASOrg string `maxminddb:"autonomous_system_organization"`
	ISP   string `maxminddb:"isp"`
	// GeoIP2 Country and City, DB-IP: {"iso_code": ...}; IPinfo: a code.
	Country           any `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
	// GeoIP2 Anonymous IP (and Anonymous Plus).
	IsAnonymous        any `maxminddb:"is_anonymous"`
	IsAnonymousVPN     any `maxminddb:"is_anonymous_vpn"`
	IsHostingProvider  any `maxminddb:"is_hosting_provider"`
	IsPublicProxy      any `maxminddb:"is_public_proxy"`
	IsResidentialProxy any `maxminddb:"is_residential_proxy"`
	IsTorExitNode      any `maxminddb:"is_tor_exit_node"`
	// GeoIP2 Enterprise and Insights-style traits, DB-IP commercial.
	Traits struct {
		ASN                any    `maxminddb:"autonomous_system_number"`
		ASOrg              string `maxminddb:"autonomous_system_organization"`
		UserType           string `maxminddb:"user_type"`
		IsAnonymous        any    `maxminddb:"is_anonymous"`
		IsAnonymousVPN     any    `maxminddb:"is_anonymous_vpn"`
		IsHostingProvider  any    `maxminddb:"is_hosting_provider"`
		IsPublicProxy      any    `maxminddb:"is_public_proxy"`
		IsResidentialProxy any    `maxminddb:"is_residential_proxy"`
		IsTorExitNode      any    `maxminddb:"is_tor_exit_node"`
	} `maxminddb:"traits"`
	// IPinfo: "AS15169", as_name, country_code; its ASN database has name
	// and type ("hosting", "isp"...), its privacy database booleans.
	IPinfoASN   any    `maxminddb:"asn"`
	ASName      string `maxminddb:"as_name"`
	Name        string `maxminddb:"name"`
	CountryCode string `maxminddb:"country_code"`
	Type        string `maxminddb:"type"`
	ASType      string `maxminddb:"as_type"`
	Hosting     any    `maxminddb:"hosting"`
	VPN         any    `maxminddb:"vpn"`
	Proxy       any    `maxminddb:"proxy"`
	Tor         any    `maxminddb:"tor"`
	Relay       any    `maxminddb:"relay"`
}

func (d *DB) lookupMMDB(addr netip.Addr) (Info, error) {
	res := d.mmdb.Lookup(addr)
	if err := res.Err(); err != nil {
		return Info{}, fmt.Errorf("ip database %s: %s: %w", d.Name, addr, err)
	}
	if !res.Found() {
		return Info{}, nil
	}
	var r record
	if err := res.Decode(&r); err != nil {
		return Info{}, fmt.Errorf("ip database %s: %s: %w", d.Name, addr, err)
	}
	in := Info{ASN: r.ASN, ASOrg: r.ASOrg}
	if in.ASN == 0 {
		in.ASN = asNumber(r.Traits.ASN)
	}
	if in.ASOrg == "" {
		in.ASOrg = r.Traits.ASOrg
	}
	if in.ASN == 0 {
		if in.ASN = asNumber(r.IPinfoASN); in.ASN != 0 {
			in.ASOrg = firstOf(r.ASName, r.Name)
		}
	}
	if in.ASOrg == "" {
		in.ASOrg = firstOf(r.ASName, r.ISP)
	}
	switch c := r.Country.(type) {
	case string:
		in.Country = c
	case map[string]any:
		in.Country, _ = c["iso_code"].(string)
	}
	in.Country = strings.ToUpper(firstOf(in.Country, r.CountryCode, r.RegisteredCountry.ISOCode))
	if len(in.Country) != 2 {
		in.Country = ""
	}
	set := func(f Flag, vals ...any) {
		for _, v := range vals {
			if truthy(v) {
				in.Flags |= f
			}
		}
	}
	t := &r.Traits
	set(FlagAnonymous, r.IsAnonymous, t.IsAnonymous)
	set(FlagVPN, r.IsAnonymousVPN, t.IsAnonymousVPN, r.VPN)
	set(FlagHosting, r.IsHostingProvider, t.IsHostingProvider, r.Hosting)
	set(FlagPublicProxy, r.IsPublicProxy, t.IsPublicProxy, r.Proxy)
	set(FlagResidentialProxy, r.IsResidentialProxy, t.IsResidentialProxy)
	set(FlagTor, r.IsTorExitNode, t.IsTorExitNode, r.Tor)
	set(FlagRelay, r.Relay)
	for _, ty := range []string{t.UserType, r.Type, r.ASType} {
		if strings.EqualFold(ty, "hosting") {
			in.Flags |= FlagHosting
		}
	}
	if in.Known() {
		in.Network = res.Prefix().String()
	}
	return in, nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// asNumber reads an AS number given as a number or as "AS15169".
func asNumber(v any) uint32 {
	switch n := v.(type) {
	case uint64:
		return uint32(n)
	case uint32:
		return n
	case uint16:
		return uint32(n)
	case int:
		return uint32(n)
	case int32:
		return uint32(n)
	case string:
		s := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(n)), "AS")
		u, err := strconv.ParseUint(s, 10, 32)
		if err == nil {
			return uint32(u)
		}
	}
	return 0
}

// truthy reads a flag given as a boolean, a number or a string.
func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		switch strings.ToLower(b) {
		case "true", "1", "yes", "y", "t":
			return true
		}
	case uint64:
		return b != 0
	case uint32:
		return b != 0
	case uint16:
		return b != 0
	case int32:
		return b != 0
	}
	return false
}

// rng is one range of a TSV database.
type rng struct {
	start, end netip.Addr
	asn        uint32
	country    [2]byte
	desc       uint32 // index into strs
}

// readTSV reads an iptoasn range file: tab-separated range_start,
// range_end, AS_number, country_code, AS_description; addresses written
// as text (v4 or v6) or, in the -u32 files, as IPv4 numbers. AS 0 means
// "not routed" and is left out.
func (d *DB) readTSV(r io.Reader, gz bool) error {
	d.Format, d.Type = FormatIPToASN, "iptoasn"
	if gz {
		zr, err := newGzip(r)
		if err != nil {
			return err
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	descs := map[string]uint32{}
	var line int64
	bad := func(field, reason, raw string) {
		d.BadLines++
		if len(d.Problems) < MaxProblems {
			d.Problems = append(d.Problems, Problem{Line: line, Field: field, Reason: reason, Raw: truncate(raw, 256)})
		}
	}
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) < 3 {
			bad("", fmt.Sprintf("%d fields, want 5: range_start range_end AS_number country_code AS_description", len(f)), text)
			continue
		}
		start, err := parseStart(f[0])
		if err != nil {
			bad("range_start", err.Error(), text)
			continue
		}
		end, err := parseStart(f[1])
		if err != nil {
			bad("range_end", err.Error(), text)
			continue
		}
		if start.Is4() != end.Is4() || end.Less(start) {
			bad("range_end", "the range ends before it starts, or mixes IPv4 and IPv6", text)
			continue
		}
		asn, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(f[2])), "AS"), 10, 32)
		if err != nil {
			bad("AS_number", "not an AS number", text)
			continue
		}
		if asn == 0 {
			continue // not routed
		}
		rg := rng{start: start, end: end, asn: uint32(asn)}
		if len(f) > 3 {
			if c := strings.ToUpper(strings.TrimSpace(f[3])); len(c) == 2 && c != "ZZ" && isAlpha(c) {
				rg.country = [2]byte{c[0], c[1]}
			}
		}
		desc := ""
		if len(f) > 4 {
			desc = strings.TrimSpace(strings.Join(f[4:], " "))
		}
		if desc == "Not routed" {
			desc = ""
		}
		i, ok := descs[desc]
		if !ok {
			i = uint32(len(d.strs))
			descs[desc] = i
			d.strs = append(d.strs, desc)
		}
		rg.desc = i
		if len(d.v4)+len(d.v6) >= MaxRanges {
			return fmt.Errorf("line %d: more than %d ranges", line, MaxRanges)
		}
		if start.Is4() {
			d.v4 = append(d.v4, rg)
		} else {
			d.v6 = append(d.v6, rg)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: longer than %d bytes: %w", line+1, maxLine, ErrFormat)
		}
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	for _, rs := range []*[]rng{&d.v4, &d.v6} {
		sortRanges(*rs)
	}
	d.Ranges = len(d.v4) + len(d.v6)
	if d.Ranges == 0 {
		return fmt.Errorf("no range could be read (%d bad lines): %w", d.BadLines, ErrFormat)
	}
	return nil
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// parseStart reads an address as text, or as an IPv4 number.
func parseStart(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if s != "" && s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, ".:") {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return netip.Addr{}, errors.New("not an address nor an IPv4 number")
		}
		return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, errors.New("not an address")
	}
	return a.Unmap().WithZone(""), nil
}

func (d *DB) lookupTSV(addr netip.Addr) Info {
	rs := d.v6
	if addr.Is4() {
		rs = d.v4
	}
	// The last range starting at or before addr; ranges are sorted and,
	// where a file overlaps them, the narrower one that starts later wins.
	lo, hi := 0, len(rs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !addr.Less(rs[m].start) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for i := lo - 1; i >= 0 && i >= lo-8; i-- {
		rg := rs[i]
		if addr.Compare(rg.end) <= 0 {
			// The network string is made here, not kept per range: a
			// million ranges stay small.
			in := Info{ASN: rg.asn, ASOrg: d.strs[rg.desc], Network: rangeString(rg.start, rg.end)}
			if rg.country != [2]byte{} {
				in.Country = string(rg.country[:])
			}
			return in
		}
	}
	return Info{}
}

// rangeString writes a range as a prefix when it is one, else first-last.
func rangeString(start, end netip.Addr) string {
	for bits := 0; bits <= start.BitLen(); bits++ {
		p := netip.PrefixFrom(start, bits).Masked()
		if p.Addr() != start {
			continue
		}
		if lastAddr(p) == end {
			return p.String()
		}
		if lastAddr(p).Less(end) {
			break
		}
	}
	return start.String() + "-" + end.String()
}

// lastAddr is the last address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	off := 0
	if p.Addr().Is4() {
		off = 12
	}
	for i := p.Bits() + off*8; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		return a.Unmap()
	}
	return a
}

// MaxRanges bounds the ranges of a TSV database (iptoasn's combined file
// has under a million), so a hostile file cannot take the memory.
const MaxRanges = 8 << 20

// maxTSVBytes bounds a TSV database once decompressed.
const maxTSVBytes = 2 << 30

// gzipReader decompresses a gzipped TSV, refusing more than maxTSVBytes.
type gzipReader struct {
	zr *gzip.Reader
	n  int64
}

func newGzip(r io.Reader) (*gzipReader, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return &gzipReader{zr: zr}, nil
}

func (g *gzipReader) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	g.n += int64(n)
	if g.n > maxTSVBytes {
		return n, fmt.Errorf("more than %d bytes once decompressed", int64(maxTSVBytes))
	}
	return n, err
}

func (g *gzipReader) Close() error { return g.zr.Close() }

func sortRanges(rs []rng) {
	slices.SortStableFunc(rs, func(a, b rng) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return b.end.Compare(a.end) // the wider first: the narrower is found first
	})
}
