package whois

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// The whole-document JSON exports of commercial historical-WHOIS services
// that ReadHistory reads besides CSV and JSON Lines. Each is detected by
// the first key of its top-level object.
const (
	// docWhoisXML is WhoisXML API's WHOIS History API response:
	// {"recordsCount": N, "records": [{"domainName", "audit":
	// {"createdDate", "updatedDate"}, "createdDateISO8601", ...,
	// "registrarName", "nameServers", "registrantContact": {"name",
	// "organization", "email", "telephone", "country", ...}, ...}]}.
	docWhoisXML = "whoisxml"
	// docDomainTools is DomainTools Iris Investigate's response:
	// {"response": {..., "results": [{"domain", "data_updated_timestamp",
	// "create_date": {"value", "count"}, "registrar": {"value"},
	// "registrant_contact": {"name": {"value"}, "org": {"value"},
	// "email": [{"value"}], ...}, "name_server": [{"host": {"value"}}],
	// ...}]}}.
	docDomainTools = "domaintools"
)

// jsonDocKind returns the kind of whole-document export br starts with,
// or "" for JSON Lines.
func jsonDocKind(br *bufio.Reader) string {
	b, _ := br.Peek(br.Size())
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	t, err := dec.Token()
	if err != nil {
		return ""
	}
	switch t {
	case "recordsCount", "records":
		return docWhoisXML
	case "response":
		return docDomainTools
	}
	return ""
}

// lineCounter remembers where the lines of what it reads start, so that a
// record found at a byte offset can be reported with its line.
type lineCounter struct {
	r     io.Reader
	n     int64
	nl    []int64 // offsets of the newlines read
	limit int64
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			c.nl = append(c.nl, c.n+int64(i))
		}
	}
	c.n += int64(n)
	return n, err
}

// line returns the 1-based line of byte offset off.
func (c *lineCounter) line(off int64) int {
	return 1 + sort.Search(len(c.nl), func(i int) bool { return c.nl[i] >= off })
}

// readDocument reads the records of a whole-document export: the array
// at path ("records", or "response" then "results"), one observation per
// element, reported with the line the element starts on.
func (h *historyReader) readDocument(r io.Reader, kind string) {
	lc := &lineCounter{r: r}
	dec := json.NewDecoder(lc)
	dec.UseNumber()
	path := []string{"records"}
	if kind == docDomainTools {
		path = []string{"response", "results"}
	}
	found := false
	err := walkJSON(dec, path, func() error {
		found = true
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			start := dec.InputOffset() - int64(len(raw))
			line := lc.line(start)
			if len(raw) > maxHistoryLine {
				h.fail(line, "", fmt.Errorf("record longer than %d bytes", maxHistoryLine))
				continue
			}
			h.addRecord(kind, line, raw)
		}
		return nil
	})
	if err != nil {
		h.fail(lc.line(dec.InputOffset()), "", fmt.Errorf("invalid json: %w", err))
		return
	}
	if !found {
		h.fail(0, "", fmt.Errorf("no %q array in the %s export", strings.Join(path, "."), kind))
	}
}

// walkJSON descends into the object the decoder is at along path, and
// calls each with the decoder just inside the array found there.
func walkJSON(dec *json.Decoder, path []string, each func() error) error {
	if t, err := dec.Token(); err != nil {
		return err
	} else if t != json.Delim('{') {
		return fmt.Errorf("want an object, got %v", t)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		switch {
		case key == path[0] && len(path) > 1:
			if err := walkJSON(dec, path[1:], each); err != nil {
				return err
			}
		case key == path[0]:
			if t, err := dec.Token(); err != nil {
				return err
			} else if t != json.Delim('[') {
				return fmt.Errorf("%q: want an array, got %v", key, t)
			}
			if err := each(); err != nil {
				return err
			}
			if _, err := dec.Token(); err != nil { // ']'
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	_, err := dec.Token() // '}'
	return err
}

// addRecord maps one record of an export to the canonical fields.
func (h *historyReader) addRecord(kind string, line int, raw json.RawMessage) {
	var f map[string]historyValue
	var err error
	switch kind {
	case docWhoisXML:
		f, err = whoisXMLFields(raw)
	case docDomainTools:
		f, err = domainToolsFields(raw)
	}
	if err != nil {
		h.fail(line, "", err)
		return
	}
	h.add(line, f, raw)
}

// whoisXMLContact is a contact of a WhoisXML record.
type whoisXMLContact struct {
	Name         string `json:"name"`
	Organization string `json:"organization"`
	Email        string `json:"email"`
	Telephone    string `json:"telephone"`
	Country      string `json:"country"`
	CountryCode  string `json:"countryCode"`
}

// whoisXMLFields reads a WhoisXML WHOIS History record. It was observed
// when WhoisXML first collected it (audit.createdDate).
func whoisXMLFields(raw json.RawMessage) (map[string]historyValue, error) {
	var r struct {
		DomainName string `json:"domainName"`
		Audit      struct {
			CreatedDate string `json:"createdDate"`
			UpdatedDate string `json:"updatedDate"`
		} `json:"audit"`
		Created       string          `json:"createdDateISO8601"`
		Updated       string          `json:"updatedDateISO8601"`
		Expires       string          `json:"expiresDateISO8601"`
		CreatedRaw    string          `json:"createdDateRaw"`
		UpdatedRaw    string          `json:"updatedDateRaw"`
		ExpiresRaw    string          `json:"expiresDateRaw"`
		RegistrarName string          `json:"registrarName"`
		NameServers   json.RawMessage `json:"nameServers"`
		Registrant    whoisXMLContact `json:"registrantContact"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("bad whoisxml record: %w", err)
	}
	observed := r.Audit.CreatedDate
	if observed == "" {
		observed = r.Audit.UpdatedDate
	}
	ns, err := nameServerList(r.NameServers)
	if err != nil {
		return nil, err
	}
	country := r.Registrant.CountryCode
	if country == "" {
		country = r.Registrant.Country
	}
	return map[string]historyValue{
		hDomain:            {s: r.DomainName},
		hObservedAt:        {s: observed},
		hCreated:           {s: isoOrRaw(r.Created, r.CreatedRaw)},
		hUpdated:           {s: isoOrRaw(r.Updated, r.UpdatedRaw)},
		hExpires:           {s: isoOrRaw(r.Expires, r.ExpiresRaw)},
		hRegistrar:         {s: r.RegistrarName},
		hNameServers:       ns,
		hRegistrantName:    {s: r.Registrant.Name},
		hRegistrantOrg:     {s: r.Registrant.Organization},
		hRegistrantEmail:   {s: r.Registrant.Email},
		hRegistrantPhone:   {s: r.Registrant.Telephone},
		hRegistrantCountry: {s: country},
	}, nil
}

// isoOrRaw returns the ISO 8601 date, or the registry's own spelling if
// the date parses.
func isoOrRaw(iso, raw string) string {
	if iso != "" {
		return iso
	}
	if _, err := parseTime(raw); err == nil {
		return raw
	}
	return ""
}

// nameServerList reads the name servers of a WhoisXML record: an array of
// host names, or an object with "hostNames".
func nameServerList(raw json.RawMessage) (historyValue, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return historyValue{}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return historyValue{list: list, isList: true}, nil
	}
	var obj struct {
		HostNames []string `json:"hostNames"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return historyValue{}, errors.New("nameServers: want an array of host names")
	}
	return historyValue{list: obj.HostNames, isList: true}, nil
}

// dtValue is a DomainTools field: {"value": ..., "count": N}, or a bare
// string where the service has no value.
type dtValue struct{ Value string }

func (v *dtValue) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v.Value = s
		return nil
	}
	var o struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return errors.New("want an object with a value")
	}
	if len(o.Value) == 0 || string(o.Value) == "null" {
		return nil
	}
	if err := json.Unmarshal(o.Value, &s); err == nil {
		v.Value = s
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(o.Value, &n); err == nil {
		v.Value = n.String()
		return nil
	}
	return errors.New("value: want a string")
}

// domainToolsFields reads a DomainTools Iris Investigate result, observed
// when DomainTools last updated its data (data_updated_timestamp).
func domainToolsFields(raw json.RawMessage) (map[string]historyValue, error) {
	var r struct {
		Domain         string  `json:"domain"`
		DataUpdated    string  `json:"data_updated_timestamp"`
		CreateDate     dtValue `json:"create_date"`
		ExpirationDate dtValue `json:"expiration_date"`
		Registrar      dtValue `json:"registrar"`
		RegistrantName dtValue `json:"registrant_name"`
		RegistrantOrg  dtValue `json:"registrant_org"`
		Contact        struct {
			Name    dtValue   `json:"name"`
			Org     dtValue   `json:"org"`
			Email   []dtValue `json:"email"`
			Phone   dtValue   `json:"phone"`
			Country dtValue   `json:"country"`
		} `json:"registrant_contact"`
		NameServers []struct {
			Host dtValue `json:"host"`
		} `json:"name_server"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("bad domaintools result: %w", err)
	}
	name, org := r.Contact.Name.Value, r.Contact.Org.Value
	if name == "" {
		name = r.RegistrantName.Value
	}
	if org == "" {
		org = r.RegistrantOrg.Value
	}
	var email string
	if len(r.Contact.Email) > 0 {
		email = r.Contact.Email[0].Value
	}
	ns := historyValue{isList: true}
	for _, n := range r.NameServers {
		if n.Host.Value != "" {
			ns.list = append(ns.list, n.Host.Value)
		}
	}
	return map[string]historyValue{
		hDomain:            {s: r.Domain},
		hObservedAt:        {s: r.DataUpdated},
		hCreated:           {s: r.CreateDate.Value},
		hExpires:           {s: r.ExpirationDate.Value},
		hRegistrar:         {s: r.Registrar.Value},
		hNameServers:       ns,
		hRegistrantName:    {s: name},
		hRegistrantOrg:     {s: org},
		hRegistrantEmail:   {s: email},
		hRegistrantPhone:   {s: r.Contact.Phone.Value},
		hRegistrantCountry: {s: r.Contact.Country.Value},
	}, nil
}
