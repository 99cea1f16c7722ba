package whois

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	whoisparser "github.com/likexian/whois-parser"
)

// classifyWHOIS fills o's status and fields from the text of a WHOIS
// answer. The answer may be a registry's answer followed by the
// registrar's, as a referral-following client records them.
func classifyWHOIS(o *Observation, text string) {
	if strings.TrimSpace(text) == "" {
		o.Status = StatusError
		o.Error = "empty response"
		return
	}
	info, err := parseWHOIS(text)
	rules := readRegistrant(text)
	if err == nil && hasData(info) {
		fillWHOIS(o, info)
		if mergeRegistrant(o, rules) {
			o.Privacy = true
		}
		if scanPrivacy(text) {
			o.Privacy = true
		}
		o.Status = StatusFound
		if o.Privacy {
			o.Status = StatusRedacted
		}
		if got := info.Domain.Punycode; got != "" && o.Domain != "" && !strings.EqualFold(got, o.Domain) {
			o.Error = fmt.Sprintf("answer is about %s, not %s", got, o.Domain)
		}
		return
	}
	lower := strings.ToLower(text)
	if !rules.empty() && !containsAny(lower, throttlePhrases()) && !errors.Is(err, whoisparser.ErrDomainLimitExceed) {
		// An answer the library rejects, or reads nothing in, that the
		// rules find a registrant in (SWITCH, some registrars, .bo).
		mergeRegistrant(o, rules)
		o.Privacy = o.Privacy || scanPrivacy(text)
		o.Status = StatusFound
		if o.Privacy {
			o.Status = StatusRedacted
		}
		return
	}
	switch {
	case containsAny(lower, throttlePhrases()) || errors.Is(err, whoisparser.ErrDomainLimitExceed):
		o.Status = StatusThrottled
		o.Error = "rate limited by server: " + firstLine(text)
	case errors.Is(err, whoisparser.ErrNotFoundDomain) || containsAny(lower, notFoundPhrases()):
		o.Status = StatusNotFound
	case containsAny(lower, weakThrottlePhrases()):
		// Words that terms of use also say: they mean throttling only
		// in an answer that is neither data nor "not found".
		o.Status = StatusThrottled
		o.Error = "rate limited by server: " + firstLine(text)
	case errors.Is(err, whoisparser.ErrReservedDomain),
		errors.Is(err, whoisparser.ErrPremiumDomain),
		errors.Is(err, whoisparser.ErrBlockedDomain):
		o.Status = StatusNotFound
		o.Error = strings.TrimPrefix(err.Error(), "whoisparser: ")
	case containsAny(strings.ToLower(text), reservedPhrases()):
		o.Status = StatusNotFound
		o.Error = "domain is reserved: " + firstLine(text)
	case err != nil:
		o.Status = StatusError
		o.Error = "unparseable answer: " + strings.TrimPrefix(err.Error(), "whoisparser: ")
	default:
		o.Status = StatusError
		o.Error = "answer has no registration data: " + firstLine(text)
	}
}

// parseWHOIS runs whois-parser, turning a panic on odd input into an
// error: the parser indexes into its input in places.
func parseWHOIS(text string) (info whoisparser.WhoisInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("whois parser failed: %v", r)
		}
	}()
	return whoisparser.Parse(text)
}

// hasData reports whether a parse found anything about a registration.
func hasData(info whoisparser.WhoisInfo) bool {
	d := info.Domain
	if d == nil {
		return false
	}
	return d.CreatedDate != "" || d.ExpirationDate != "" || d.UpdatedDate != "" ||
		len(d.NameServers) > 0 || len(d.Status) > 0 ||
		info.Registrar != nil || info.Registrant != nil
}

func fillWHOIS(o *Observation, info whoisparser.WhoisInfo) {
	d := info.Domain
	if info.Registrar != nil {
		o.Registrar = strings.TrimSpace(info.Registrar.Name)
		if o.Registrar == "" {
			o.Registrar = strings.TrimSpace(info.Registrar.Organization)
		}
	}
	o.Created = whoisTime(d.CreatedDateInTime, d.CreatedDate)
	o.Updated = whoisTime(d.UpdatedDateInTime, d.UpdatedDate)
	o.Expires = whoisTime(d.ExpirationDateInTime, d.ExpirationDate)
	o.StatusCodes = normStatusCodes(d.Status)
	o.NameServers = normNameServers(d.NameServers)
	var p1, p2, p3 bool
	o.Registrant, p1 = whoisContact(info.Registrant)
	o.Admin, p2 = whoisContact(info.Administrative)
	o.Tech, p3 = whoisContact(info.Technical)
	o.Privacy = p1 || p2 || p3
}

func whoisTime(t *time.Time, s string) *time.Time {
	if t != nil && !t.IsZero() {
		u := t.UTC()
		return &u
	}
	if s == "" {
		return nil
	}
	if u, err := parseTime(s); err == nil {
		return &u
	}
	return nil
}

func whoisContact(c *whoisparser.Contact) (Contact, bool) {
	if c == nil {
		return Contact{}, false
	}
	phone := c.Phone
	if c.PhoneExt != "" && phone != "" {
		phone += " ext. " + c.PhoneExt
	}
	return normContact(Contact{
		Name:    c.Name,
		Org:     c.Organization,
		Email:   c.Email,
		Phone:   phone,
		Country: c.Country,
	})
}

// normContact trims and normalizes a contact, blanks the placeholders that
// stand for withheld data, and reports whether it found a sign of privacy
// protection (a placeholder or a proxy service).
func normContact(c Contact) (Contact, bool) {
	privacy := false
	field := func(v string) string {
		v = strings.Join(strings.Fields(v), " ")
		if v == "" {
			return ""
		}
		if isPlaceholder(v) {
			privacy = true
			return ""
		}
		if isProxyService(v) {
			privacy = true
		}
		return v
	}
	c.Name = field(c.Name)
	c.Org = field(c.Org)
	c.Email = field(c.Email)
	c.Phone = field(strings.TrimPrefix(strings.TrimSpace(c.Phone), "tel:"))
	c.Country = field(c.Country)
	if c.Email != "" {
		e := strings.ToLower(strings.TrimPrefix(c.Email, "mailto:"))
		if !strings.Contains(e, "@") {
			// A URL or sentence where the address should be: a contact
			// form standing in for a withheld address.
			privacy = true
			e = ""
		}
		c.Email = e
	}
	if len(c.Country) == 2 {
		c.Country = strings.ToUpper(c.Country)
	}
	return c, privacy
}

// placeholderPhrases stand for withheld data wherever they occur in a
// contact field.
func placeholderPhrases() []string {
	return []string{
		"redacted",
		"not disclosed",
		"non-disclosed",
		"data protected",
		"gdpr masked",
		"statutory masking",
		"non-public data",
		"not public",
		"please query the rdds",
		"please query the whois",
		"select request email form",
		"contact the registrar",
		"hidden upon user request",
		"hidden by",
		"data masked",
		"masked by",
		"withheld data",
		"information not available",
		"not shown",
		"webbased whois",
		"web based whois",
		"not.defined.",
	}
}

// placeholderValues stand for withheld data when they are a field's whole
// value.
func placeholderValues() []string {
	return []string{
		"withheld", "private", "hidden", "masked", "gdpr", "private person",
		"protected", "confidential", "not available", "data protected",
		"n/a", "none", "null", "unavailable", "not published",
	}
}

// isPlaceholder reports whether v says that the real value is withheld.
func isPlaceholder(v string) bool {
	l := strings.ToLower(strings.TrimSpace(v))
	if strings.Trim(l, "*x.- ") == "" {
		return true // "*****", "xxx", "---"
	}
	if slices.Contains(placeholderValues(), l) {
		return true
	}
	for _, p := range placeholderPhrases() {
		if strings.Contains(l, p) {
			return true
		}
	}
	return false
}

// proxyPhrases name privacy or proxy services, or say that one is used.
func proxyPhrases() []string {
	return []string{
		"privacy", // "Privacy service provided by Withheld for Privacy ehf", "Contact Privacy Inc.", "PrivacyGuardian.org", "Perfect Privacy, LLC", ...
		"proxy",   // "Domains By Proxy, LLC", "Whois Proxy", "proxy protection"
		"whoisguard",
		"whois guard",
		"identity protect",
		"domain protection services",
		"anonymi",
		"njalla",
		"1337 services",
		"whois agent",
		"on behalf of",
		"private registration",
		"registration private",
		"private by design",
	}
}

// isProxyService reports whether v names a privacy or proxy service.
func isProxyService(v string) bool {
	l := strings.ToLower(v)
	for _, p := range proxyPhrases() {
		if strings.Contains(l, p) {
			return true
		}
	}
	return false
}

// contactKeyWords mark the "key: value" lines of a WHOIS answer that hold
// contact data.
func contactKeyWords() []string {
	return []string{
		"registrant", "admin", "tech", "billing", "holder", "owner", "contact",
		"name", "org", "mail", "phone", "fax", "address", "street", "city",
		"state", "postal", "country", "person",
	}
}

// scanPrivacy looks at the contact lines of a WHOIS answer, including the
// ones whois-parser does not map, for redaction or a privacy service.
func scanPrivacy(text string) bool {
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || strings.ContainsRune("%#>*;", rune(line[0])) {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok || len(key) > 48 {
			continue
		}
		key = strings.ToLower(key)
		value = strings.TrimSpace(value)
		if value == "" || strings.Contains(key, "url") || strings.Contains(key, "registrar") ||
			strings.Contains(key, "server") || strings.Contains(key, "notice") || strings.Contains(key, "terms") {
			continue
		}
		if !containsAny(key, contactKeyWords()) {
			continue
		}
		if isPlaceholder(value) || isProxyService(value) {
			return true
		}
	}
	return false
}

// throttlePhrases are how servers say they are rate limiting.
func throttlePhrases() []string {
	return []string{
		"limit exceeded",
		"quota exceeded",
		"exceeded the maximum allowable",
		"exceeded your query limit",
		"exceeded the query limit",
		"rate limit",
		"too many requests",
		"too many queries",
		"excessive queries",
		"excessive querying",
		"server too busy",
		"number of allowed queries exceeded",
		"maximum daily connection limit",
		"maximum query rate",
		"you have exceeded",
		"has been throttled",
		"temporarily blocked",
	}
}

// weakThrottlePhrases hint at rate limiting but also occur in terms of use.
func weakThrottlePhrases() []string {
	return []string{
		"try again later",
		"query limit",
		"query rate",
		"quota",
	}
}

// notFoundPhrases are how registries say a domain is not registered.
func notFoundPhrases() []string {
	return []string{
		"no match",
		"not found",
		"no data found",
		"no entries found",
		"no object found",
		"object does not exist",
		"the queried object does not exist",
		"not registered",
		"status: free",
		"status: available",
		"is available for registration",
		"no matching record",
		"domain name not known",
	}
}

// reservedPhrases are how registries say a name is withheld from
// registration.
func reservedPhrases() []string {
	return []string{
		"reserved domain name",
		"reserved by the registry",
		"is reserved",
		"has been reserved",
		"can not be registered",
		"cannot be registered",
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// firstLine returns the first non-blank line of text, shortened.
func firstLine(text string) string {
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); line != "" {
			if len(line) > 200 {
				line = strings.ToValidUTF8(line[:200], "") + "..."
			}
			return line
		}
	}
	return ""
}

// normNameServers lower-cases name servers, drops trailing dots, anything
// after the host name (glue addresses), empty and duplicate entries, and
// sorts them.
func normNameServers(in []string) []string {
	var out []string
	for _, ns := range in {
		for f := range strings.FieldsFuncSeq(ns, func(r rune) bool { return r == ',' || r == ';' }) {
			fields := strings.Fields(f)
			if len(fields) == 0 {
				continue
			}
			h := strings.ToLower(strings.TrimSuffix(fields[0], "."))
			if h != "" {
				out = append(out, h)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// normStatusCodes trims, drops empties and duplicates, and sorts.
func normStatusCodes(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// setRaw stores the hash of the bytes received and the text, cut at max
// bytes and made valid UTF-8 (an answer that is not UTF-8 is decoded from
// the legacy charset it reads as: see toUTF8).
func setRaw(o *Observation, b []byte, max int64) {
	if len(b) == 0 {
		return
	}
	sum := sha256.Sum256(b)
	o.RawSHA256 = hex.EncodeToString(sum[:])
	if int64(len(b)) > max {
		b = b[:max]
	}
	o.Raw = toUTF8(b)
}

// timeLayouts are the date formats of WHOIS answers and history files
// that whois-parser does not know.
func timeLayouts() []string {
	return []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999-0700",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05 Z07:00",
		"2006-01-02 15:04:05 MST",
		"2006-01-02 15:04:05",
		"2006-01-02 15:04",
		"2006-01-02",
		"2006/01/02 15:04:05",
		"2006/01/02",
		"2006.01.02",
		"02-Jan-2006",
		"02-Jan-2006 15:04:05",
		"02-Jan-2006 15:04:05 MST",
		"2-Jan-2006",
		"Jan 2 2006",
		"January 2 2006",
		"02.01.2006",
		"02.01.2006 15:04:05",
		"Mon Jan 2 15:04:05 MST 2006",
		"Mon Jan 2 2006",
	}
}

// parseTime parses a date as WHOIS answers and history files write them.
// Times without a zone are UTC; the result is in UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, " UTC")
	s = strings.TrimSuffix(s, " (UTC)")
	for _, layout := range timeLayouts() {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown date format %q", s)
}
