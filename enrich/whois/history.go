package whois

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// HistoryError is a bad row (or a bad file) of a history import.
type HistoryError struct {
	File  string // the name given to ReadHistory
	Line  int    // 1-based line where the row starts; 0 for the whole file
	Field string // canonical column name, such as "observed_at"; empty for the whole row
	Err   error
}

func (e *HistoryError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *HistoryError) Unwrap() error { return e.Err }

// The canonical fields of a history record.
const (
	hDomain            = "domain"
	hObservedAt        = "observed_at"
	hRegistrantName    = "registrant_name"
	hRegistrantOrg     = "registrant_org"
	hRegistrantEmail   = "registrant_email"
	hRegistrantPhone   = "registrant_phone"
	hRegistrantCountry = "registrant_country"
	hRegistrar         = "registrar"
	hCreated           = "created"
	hUpdated           = "updated"
	hExpires           = "expires"
	hNameServers       = "name_servers"
)

// historyKeys maps column names and JSON keys, lower-cased with everything
// but letters and digits removed, to canonical fields. Besides the
// canonical names it knows the spellings WHOIS history providers use.
var historyKeys = map[string]string{
	"domain": hDomain, "domainname": hDomain,

	"observedat": hObservedAt, "observed": hObservedAt, "date": hObservedAt,
	"timestamp": hObservedAt, "querytime": hObservedAt, "queriedat": hObservedAt,
	"snapshotdate": hObservedAt, "capturedat": hObservedAt, "collectedat": hObservedAt,
	"recordedat": hObservedAt, "auditupdateddate": hObservedAt,

	"registrantname": hRegistrantName,

	"registrantorg": hRegistrantOrg, "registrantorganization": hRegistrantOrg,
	"registrantorganisation": hRegistrantOrg, "registrantcompany": hRegistrantOrg,

	"registrantemail": hRegistrantEmail, "registrantmail": hRegistrantEmail,

	"registrantphone": hRegistrantPhone, "registranttelephone": hRegistrantPhone,
	"registranttel": hRegistrantPhone,

	"registrantcountry": hRegistrantCountry, "registrantcountrycode": hRegistrantCountry,

	"registrar": hRegistrar, "registrarname": hRegistrar,

	"created": hCreated, "createddate": hCreated, "creationdate": hCreated,
	"createdat": hCreated, "registrationdate": hCreated,

	"updated": hUpdated, "updateddate": hUpdated, "updatedat": hUpdated,
	"lastupdated": hUpdated, "changed": hUpdated,

	"expires": hExpires, "expiresdate": hExpires, "expirationdate": hExpires,
	"expirydate": hExpires, "registryexpirydate": hExpires,

	"nameservers": hNameServers, "nameserver": hNameServers, "ns": hNameServers,
}

func canonKey(k string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(k) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return historyKeys[b.String()]
}

// maxHistoryLine bounds one JSON Lines record.
const maxHistoryLine = 1 << 20

// ReadHistory imports historical WHOIS records bought from a provider:
// CSV with a header row, or JSON Lines (detected from the first byte that is
// not blank). The columns or keys are domain, observed_at,
// registrant_name, registrant_org, registrant_email, registrant_phone,
// registrant_country, registrar, created, updated, expires and
// name_servers (separated by spaces, commas or semicolons in CSV; an array
// in JSON), or common provider spellings of them; others are ignored.
//
// Two whole-document JSON exports are recognised by their content and read
// as their providers document them: WhoisXML API's WHOIS History API
// response ({"recordsCount", "records": [...]}: domainName, audit.createdDate
// as the time observed, the *DateISO8601 dates, registrarName, nameServers,
// registrantContact) and DomainTools Iris Investigate's response
// ({"response": {"results": [...]}}: domain, data_updated_timestamp as the
// time observed, create_date, expiration_date, registrar,
// registrant_contact's name, org, email, phone and country, name_server).
//
// Every good row becomes an Observation with Source "history" and Server
// the base name of name. A bad row is skipped and reported as a
// *HistoryError naming the file, the line and the field; the other rows
// still load.
func ReadHistory(r io.Reader, name string) ([]Observation, []error) {
	h := &historyReader{file: name, server: filepath.Base(name)}
	if name == "" {
		h.server = ""
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	if h.isJSON(br) {
		if kind := jsonDocKind(br); kind != "" {
			h.readDocument(br, kind)
		} else {
			h.readJSONL(br)
		}
	} else {
		h.readCSV(br)
	}
	return h.obs, h.errs
}

type historyReader struct {
	file, server string
	obs          []Observation
	errs         []error
}

func (h *historyReader) fail(line int, field string, err error) {
	h.errs = append(h.errs, &HistoryError{File: h.file, Line: line, Field: field, Err: err})
}

// isJSON reports whether the first byte that is not blank is '{'.
func (h *historyReader) isJSON(br *bufio.Reader) bool {
	for n := 1; n <= br.Size(); n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			return false
		}
		c := b[n-1]
		if !unicode.IsSpace(rune(c)) {
			return c == '{'
		}
		if err != nil {
			return false
		}
	}
	return false
}

func (h *historyReader) readCSV(r io.Reader) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return
	}
	if err != nil {
		h.fail(csvLine(err, 1), "", fmt.Errorf("read header: %w", err))
		return
	}
	cols := make([]string, len(header))
	have := map[string]bool{}
	for i, name := range header {
		c := canonKey(name)
		if c != "" && !have[c] {
			cols[i] = c
			have[c] = true
		}
	}
	for _, need := range []string{hDomain, hObservedAt} {
		if !have[need] {
			h.fail(1, need, errors.New("no such column in header"))
		}
	}
	if len(h.errs) > 0 {
		return
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				h.fail(0, "", fmt.Errorf("read: %w", err))
				return
			}
			h.fail(pe.StartLine, "", fmt.Errorf("bad csv: %w", pe.Err))
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue
			}
			h.fail(line, "", fmt.Errorf("row has %d fields, header has %d", len(rec), len(header)))
			continue
		}
		fields := make(map[string]historyValue, len(rec))
		for i, v := range rec {
			if cols[i] != "" {
				fields[cols[i]] = historyValue{s: v}
			}
		}
		var raw bytes.Buffer
		w := csv.NewWriter(&raw)
		_ = w.Write(rec)
		w.Flush()
		h.add(line, fields, bytes.TrimRight(raw.Bytes(), "\r\n"))
	}
}

// csvLine returns the line of a csv.ParseError, or def.
func csvLine(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine
	}
	return def
}

func (h *historyReader) readJSONL(br *bufio.Reader) {
	for lineNo := 1; ; lineNo++ {
		line, tooLong, err := readLine(br, maxHistoryLine)
		if tooLong {
			h.fail(lineNo, "", fmt.Errorf("line longer than %d bytes", maxHistoryLine))
		} else if t := bytes.TrimSpace(line); len(t) > 0 {
			h.addJSON(lineNo, t)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				h.fail(lineNo, "", fmt.Errorf("read: %w", err))
			}
			return
		}
	}
}

// readLine reads one line of at most limit bytes (without its newline); a
// longer line is read to its end and dropped, reporting tooLong.
func readLine(br *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > limit+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), tooLong, err
	}
}

// historyValue is a field of a record: a string, or a JSON array of
// strings, or a JSON number.
type historyValue struct {
	s      string
	list   []string
	isList bool
	num    *json.Number
}

func (h *historyReader) addJSON(line int, b []byte) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		h.fail(line, "", fmt.Errorf("invalid json: %w", err))
		return
	}
	if dec.More() {
		h.fail(line, "", errors.New("invalid json: more than one value on the line"))
		return
	}
	fields := make(map[string]historyValue, len(m))
	bad := false
	for k, raw := range m {
		c := canonKey(k)
		if c == "" {
			continue
		}
		v, err := jsonValue(raw, c == hNameServers)
		if err != nil {
			h.fail(line, c, err)
			bad = true
			continue
		}
		fields[c] = v
	}
	if !bad {
		h.add(line, fields, b)
	}
}

func jsonValue(raw json.RawMessage, allowList bool) (historyValue, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return historyValue{}, fmt.Errorf("invalid value: %w", err)
	}
	switch x := v.(type) {
	case nil:
		return historyValue{}, nil
	case string:
		return historyValue{s: x}, nil
	case json.Number:
		return historyValue{s: x.String(), num: &x}, nil
	case []any:
		if !allowList {
			return historyValue{}, errors.New("want a string, got an array")
		}
		hv := historyValue{isList: true}
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return historyValue{}, fmt.Errorf("want an array of strings, got an element of type %s", jsonType(e))
			}
			hv.list = append(hv.list, s)
		}
		return hv, nil
	default:
		return historyValue{}, fmt.Errorf("want a string, got %s", jsonType(v))
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// add turns the fields of one record into an observation, or reports what
// is wrong with them.
func (h *historyReader) add(line int, f map[string]historyValue, raw []byte) {
	nerr := len(h.errs)
	o := Observation{Source: SourceHistory, Server: h.server, Status: StatusFound}

	if v := strings.TrimSpace(f[hDomain].s); v == "" {
		h.fail(line, hDomain, errors.New("missing"))
	} else if d, err := RegistrableDomain(v); err != nil {
		h.fail(line, hDomain, err)
	} else {
		o.Domain = d
	}

	if t, err := historyTime(f[hObservedAt]); err != nil {
		h.fail(line, hObservedAt, err)
	} else if t == nil {
		h.fail(line, hObservedAt, errors.New("missing"))
	} else {
		o.ObservedAt = *t
	}
	for _, d := range []struct {
		field string
		dst   **time.Time
	}{{hCreated, &o.Created}, {hUpdated, &o.Updated}, {hExpires, &o.Expires}} {
		t, err := historyTime(f[d.field])
		if err != nil {
			h.fail(line, d.field, err)
		}
		*d.dst = t
	}

	ns, err := historyNameServers(f[hNameServers])
	if err != nil {
		h.fail(line, hNameServers, err)
	}
	o.NameServers = ns
	if len(h.errs) > nerr {
		return
	}

	o.Registrar = strings.Join(strings.Fields(f[hRegistrar].s), " ")
	var privacy bool
	o.Registrant, privacy = normContact(Contact{
		Name:    f[hRegistrantName].s,
		Org:     f[hRegistrantOrg].s,
		Email:   f[hRegistrantEmail].s,
		Phone:   f[hRegistrantPhone].s,
		Country: f[hRegistrantCountry].s,
	})
	if privacy {
		o.Privacy = true
		o.Status = StatusRedacted
	}
	setRaw(&o, raw, maxHistoryLine)
	h.obs = append(h.obs, o)
}

// historyTime parses a date field: a date in a common format, or Unix
// seconds (or milliseconds) as a JSON number or a string of 9 or more
// digits. An empty field gives nil.
func historyTime(v historyValue) (*time.Time, error) {
	s := strings.TrimSpace(v.s)
	if s == "" {
		return nil, nil
	}
	if t, err := parseTime(s); err == nil {
		return &t, nil
	}
	if v.num != nil || (len(s) >= 9 && strings.Trim(s, "0123456789") == "") {
		n, err := strconv.ParseFloat(s, 64)
		if err == nil && n >= 0 && n < 1e15 {
			if n >= 1e11 {
				n /= 1000 // milliseconds
			}
			t := time.Unix(0, int64(n*float64(time.Second))).UTC()
			return &t, nil
		}
	}
	return nil, fmt.Errorf("unknown date format %q", s)
}

// historyNameServers splits and checks a name server field.
func historyNameServers(v historyValue) ([]string, error) {
	parts := v.list
	if !v.isList {
		parts = strings.FieldsFunc(v.s, func(r rune) bool {
			return r == ',' || r == ';' || unicode.IsSpace(r)
		})
	}
	ns := normNameServers(parts)
	for _, n := range ns {
		if !isHostName(n) {
			return nil, fmt.Errorf("bad name server %q", n)
		}
	}
	return ns, nil
}

// isHostName reports whether s looks like a lower-case DNS host name.
func isHostName(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}
