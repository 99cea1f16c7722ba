package whois

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// This file holds the project's own reading of the registrant of a WHOIS
// answer, for the registry formats whois-parser does not map. The rule
// families, tried in this order, are:
//
//   - labels: "Registrant Name:", "owner-email:", "Holder Organisation:" and
//     the like, a role word followed by a field word;
//   - contact handles: "registrant: MM12383", "holder-c:", "Registrant
//     Handle:" naming a contact object further down the answer ("nic-hdl:
//     MM12383", "contact: MM12383", "NORID Handle: ..."), whose name,
//     organisation and e-mail are the registrant's;
//   - blocks: a header naming the registrant ("Registrant:", "Titular /
//     Registrant", "[Holder]", "Owner contact:", "Contact Type: owner",
//     "Organization Using Domain Name", ...) followed by labelled or bare
//     lines, indented or not; bare lines are read as name or organisation,
//     e-mail, and address;
//   - one-line values: "Registrant: Google Korea, LLC", "Domain Holder:",
//     "[Registrant]" (JPRS), "Registered For:" (JANET);
//   - descr: the "descr:" lines of a RIPE-style domain object.
//
// Addresses go to Contact.Address, never into the name; trailing handles
// ("GOOGLE INC. (SGNIC-ORG1113988)") are cut off names; e-mail addresses
// written "x [at] y", "x AT y" or "x en y" are mended.

// wline is one line of a WHOIS answer, split into label and value.
type wline struct {
	indent int
	key    string // canonical label: lower-case letters and digits only
	value  string // trimmed value; empty if none
	keyed  bool   // the line has a label
	text   string // the trimmed line
	spaced bool   // a blank line that holds spaces: part of an indented block
}

var (
	jprsKeyRx    = regexp.MustCompile(`^(?:[a-z]\.?\s+)?\[([^\]]+)\]\s*(.*)$`)
	numberedRx   = regexp.MustCompile(`^\d+[a-z]?\.\s+`)
	emailRx      = regexp.MustCompile(`[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	obfuscatedRx = regexp.MustCompile(`(?i)^([A-Za-z0-9._%+\-]+)\s*(?:\[at\]|\(at\)|\sat\s|\sen\s)\s*([A-Za-z0-9.\-]+\.[A-Za-z]{2,})$`)
	trailHandle  = regexp.MustCompile(`\s*[-–]?\s*\(([^()\s]*\d[^()\s]*|[^()\sA-Z]*[a-z][^()\sA-Z]*-[^()\sA-Z]*)\)\s*$`)
	phoneRx      = regexp.MustCompile(`^(?:(?:tel|phone|fax|telephone)\.?:?\s*)?[+()\d][\d\s().+\-/x]{5,}(?:\s*\((?:fax|phone)\))?$`)
)

// canonKeyOf lower-cases a label and keeps its letters and digits, after
// dropping any parenthesised part.
func canonKeyOf(k string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, stripParens(strings.ToLower(k)))
}

// splitLines turns an answer into wlines, dropping comment lines.
func splitLines(text string) []wline {
	var out []wline
	for raw := range strings.Lines(text) {
		raw = strings.TrimRight(raw, "\r\n")
		t := strings.TrimSpace(raw)
		if t == "" {
			out = append(out, wline{spaced: raw != ""})
			continue
		}
		raw = strings.TrimRight(raw, " \t")
		if strings.HasPrefix(t, "%") || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ">>>") ||
			(strings.HasPrefix(t, "[ ") && strings.HasSuffix(t, "]")) {
			continue
		}
		indent := 0
		for _, r := range raw {
			if r == ' ' {
				indent++
			} else if r == '\t' {
				indent += 8
			} else {
				break
			}
		}
		l := wline{indent: indent, text: t}
		body := t
		if t[0] >= '0' && t[0] <= '9' {
			body = numberedRx.ReplaceAllString(t, "")
		}
		var m []string
		if strings.IndexByte(body, '[') >= 0 && strings.IndexByte(body, '[') < 4 {
			m = jprsKeyRx.FindStringSubmatch(body)
		}
		if m != nil {
			l.key, l.value, l.keyed = canonKeyOf(m[1]), strings.TrimSpace(m[2]), true
		} else if k, v, ok := cutLabel(body); ok {
			k = strings.TrimRight(k, ". #")
			if ck := canonKeyOf(k); ck != "" && len(ck) <= 60 {
				l.key, l.value, l.keyed = ck, strings.TrimSpace(strings.TrimLeft(v, ". ")), true
			}
		}
		out = append(out, l)
	}
	return out
}

// cutLabel splits "label: value" at the colon that ends the label; a
// colon inside parentheses ("Company English Name (It should be ...):")
// does not count.
func cutLabel(s string) (string, string, bool) {
	depth := 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ':':
			if depth > 0 {
				continue
			}
			k := s[:i]
			if strings.Contains(k, "//") || strings.Contains(k, "@") || len(strings.Fields(stripParens(k))) > 8 {
				return "", "", false
			}
			return k, s[i+1:], true
		}
	}
	return "", "", false
}

// stripParens drops the parenthesised parts of s, nested or not; a
// closing parenthesis without its opening one is dropped alone.
func stripParens(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')':
			if depth > 0 {
				depth--
			}
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// registrantRoles are the label words that name the registrant.
func registrantRoles() []string {
	return []string{
		"registrantcontactinformation", "registrantcontact", "registrant",
		"domainholder", "holderofdomainname", "holder", "domainowners", "domainowner", "owner",
		"titular", "domainregistrant", "organizationusingdomainname", "organisationusingdomainname",
		"登録者名", // JPRS, in Japanese
	}
}

// blockHeaders are whole lines that open the registrant's block.
func blockHeaders() []string {
	return []string{
		"registrant", "registrantcontact", "registrantcontactinformation", "registrantcontacts",
		"owner", "ownercontact", "holder", "domainholder", "holderofdomainname", "titular",
		"titularregistrant", "domainownersregistrant", "domainregistrant",
		"organizationusingdomainname", "organisationusingdomainname", "registrantinformation",
	}
}

func nameFields() []string {
	return []string{"name", "contactname", "personname", "person", "fullname", "nombre", "nome", "namelastfirst", "role"}
}

func orgFields() []string {
	return []string{"organization", "organisation", "org", "company", "companyname", "companyenglishname",
		"organizacion", "organizationname", "organisationname", "orgname", "departmentname"}
}

func emailFields() []string {
	return []string{"email", "emailaddress", "mail", "contactemail", "emailbox", "eml"}
}

func handleFields() []string {
	return []string{"id", "handle", "c", "contactid", "nichandle", "code", "s", "shandle", "contacthandle"}
}

func addressFields() []string {
	return []string{"address", "street", "streetaddress", "street1", "street2", "street3", "postaladdress", "direccion", "addr"}
}

// objectHandleKeys label the handle of a contact object.
func objectHandleKeys() []string {
	return []string{"nichdl", "nichandle", "handle", "contact", "noridhandle", "contactid", "id", "pid", "registrantid"}
}

// ruleContact is what the rules read about the registrant.
type ruleContact struct {
	Contact
	Address string
	Handle  string // the registrant's handle, if the answer names one
}

// empty reports whether c holds no registrant value, placeholders aside.
func (c *ruleContact) empty() bool {
	n, _ := normContact(Contact{Name: c.Name, Org: c.Org, Email: c.Email})
	return n.Name == "" && n.Org == "" && n.Email == ""
}

// fill sets the fields of c that are empty from d.
func (c *ruleContact) fill(d ruleContact) {
	if c.Name == "" {
		c.Name = d.Name
	}
	if c.Org == "" {
		c.Org = d.Org
	}
	if c.Email == "" {
		c.Email = d.Email
	}
	if c.Address == "" {
		c.Address = d.Address
	}
	if c.Handle == "" {
		c.Handle = d.Handle
	}
}

// readRegistrant reads the registrant of a WHOIS answer by the rules.
func readRegistrant(text string) ruleContact {
	lines := splitLines(text)
	var c ruleContact
	c.fill(labelRule(lines))
	if h := c.Handle; h != "" {
		c.fill(handleRule(lines, h))
	}
	c.fill(blockRule(lines))
	c.fill(descrRule(lines))
	c.fill(swhoisdRule(text, lines))
	if c.Email == "" {
		c.Email = jprsEmail(lines)
	}
	c.Name = cleanName(c.Name)
	c.Org = cleanName(c.Org)
	if c.Name != "" && c.Name == c.Handle && c.Org == "" {
		c.Name = ""
	}
	return c
}

// splitRole splits a label into a registrant role and the field that
// follows it ("registrantemail" gives "registrant", "email").
func splitRole(key string) (role, field string, ok bool) {
	for _, r := range registrantRoles() {
		if rest, found := strings.CutPrefix(key, r); found {
			return r, rest, true
		}
	}
	return "", "", false
}

// labelRule reads "<role> <field>: value" lines and the one-line role
// values ("Registrant: Google Korea, LLC").
func labelRule(lines []wline) ruleContact {
	var c ruleContact
	var roleValue string
	for i, l := range lines {
		if !l.keyed {
			continue
		}
		_, field, ok := splitRole(l.key)
		if !ok {
			continue
		}
		v := l.value
		switch {
		case field == "" && strings.HasPrefix(v, "!"):
			// A YAML-tagged block ("registrant: !Contact"): read by blockRule.
		case field == "" && v != "":
			if roleValue == "" {
				roleValue = v
			}
		case field == "" || (v == "" && field != "address"):
			// A header: read by blockRule.
		case slices.Contains(nameFields(), field):
			setOnce(&c.Name, v)
		case slices.Contains(orgFields(), field):
			setOnce(&c.Org, v)
		case slices.Contains(emailFields(), field):
			setOnce(&c.Email, findEmail(v))
		case slices.Contains(handleFields(), field) || field == "s" || strings.HasSuffix(field, "handle"):
			setOnce(&c.Handle, v)
		case field == "address" && v == "":
			// JANET: the address is on the indented lines below.
			for _, n := range following(lines, i) {
				if e := findEmail(n.text); e != "" {
					setOnce(&c.Email, e)
				}
			}
		}
	}
	if roleValue != "" {
		switch {
		case hasObject(lines, roleValue):
			setOnce(&c.Handle, roleValue)
		case looksLikeHandle(roleValue):
			setOnce(&c.Handle, roleValue)
		default:
			v, e := splitEmail(roleValue)
			setOnce(&c.Email, e)
			if looksLikeOrg(v) {
				setOnce(&c.Org, v)
			} else {
				setOnce(&c.Name, v)
			}
		}
	}
	// JANET and other "key, then the value on the next line" formats.
	for i, l := range lines {
		if !l.keyed || l.value != "" {
			continue
		}
		switch l.key {
		case "domainowner", "registeredfor":
			if f := following(lines, i); len(f) > 0 {
				setOnce(&c.Org, f[0].text)
			}
		}
	}
	for _, l := range lines {
		switch {
		case !l.keyed || l.value == "":
		case l.key == "registeredfor":
			// ZA NiC: the holder, then its address on the lines below.
			setPrimary(&c, l.value)
		case l.key == "departmentname":
			setOnce(&c.Org, l.value) // gov.za
		case l.key == "orgname" && hasKey(lines, "ownertype"):
			setOnce(&c.Org, l.value) // .lu: the holder's fields are org-*
		case l.key == "orgemail" && hasKey(lines, "ownertype"):
			setOnce(&c.Email, findEmail(l.value))
		}
	}
	return c
}

func hasKey(lines []wline, k string) bool {
	return slices.ContainsFunc(lines, func(l wline) bool { return l.keyed && l.key == k })
}

// following returns the lines after lines[i] that are indented more than
// it, up to the first that is not.
func following(lines []wline, i int) []wline {
	var out []wline
	for _, l := range lines[i+1:] {
		if l.text == "" || l.indent <= lines[i].indent || l.keyed && l.indent == 0 {
			break
		}
		out = append(out, l)
	}
	return out
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = strings.TrimSpace(v)
	}
}

// hasObject reports whether the answer holds a contact object labelled
// with handle h.
func hasObject(lines []wline, h string) bool {
	_, ok := findObject(lines, h)
	return ok
}

// findObject returns the index of the line that labels a contact object
// with handle h.
func findObject(lines []wline, h string) (int, bool) {
	if strings.TrimSpace(h) == "" {
		return 0, false
	}
	for i, l := range lines {
		if l.keyed && slices.Contains(objectHandleKeys(), l.key) && strings.EqualFold(strings.TrimSpace(l.value), strings.TrimSpace(h)) {
			return i, true
		}
	}
	return 0, false
}

// handleRule reads the contact object whose handle the registrant line
// names.
func handleRule(lines []wline, h string) ruleContact {
	i, ok := findObject(lines, h)
	if !ok {
		return ruleContact{}
	}
	// The object is the paragraph holding the handle line; where objects
	// follow each other without blank lines, it ends at the next handle
	// line of the same label.
	start, end := i, i+1
	if lines[i].key == "nichdl" {
		for start > 0 && lines[start-1].text != "" {
			start--
		}
	}
	for end < len(lines) && lines[end].text != "" {
		if lines[end].keyed && lines[end].key == lines[i].key {
			break
		}
		end++
	}
	c := readFields(lines[start:end], true)
	if c.Name == "" && c.Org == "" && lines[i].key != "contact" {
		// AFNIC: the object's "contact:" line is its name.
		for _, l := range lines[start:end] {
			if l.keyed && l.key == "contact" && !strings.EqualFold(l.value, h) {
				setPrimary(&c, l.value)
				break
			}
		}
	}
	c.Handle = h
	return c
}

// readFields reads name, organisation, e-mail and address from the lines
// of one contact, labelled or bare.
func readFields(lines []wline, labelledOnly bool) ruleContact {
	var c ruleContact
	var addr []string
	var bare []string
	for _, l := range lines {
		if l.text == "" {
			continue
		}
		if !l.keyed {
			bare = append(bare, l.text)
			continue
		}
		v := l.value
		switch k := l.key; {
		case v == "":
		case slices.Contains(nameFields(), k):
			setOnce(&c.Name, v)
		case slices.Contains(orgFields(), k):
			setOnce(&c.Org, v)
		case slices.Contains(emailFields(), k):
			setOnce(&c.Email, findEmail(v))
		case slices.Contains(addressFields(), k), k == "city", k == "postalcode", k == "zipcode", k == "zip", k == "postalarea":
			addr = append(addr, v)
		}
	}
	if !labelledOnly {
		first := true
		for _, t := range bare {
			if e := findEmail(t); e != "" {
				rest, _ := splitEmail(t)
				setOnce(&c.Email, e)
				if rest != "" && first {
					setPrimary(&c, rest)
					first = false
				} else if rest != "" && c.Name == "" && !looksLikeOrg(rest) {
					c.Name = rest
				}
				continue
			}
			switch {
			case phoneRx.MatchString(t):
			case first && looksLikeHandle(t) && len(bare) > 1:
			case first:
				setPrimary(&c, t)
				first = false
			case c.Org == "" && looksLikeOrg(t) && !hasDigit(t):
				c.Org = t
			default:
				addr = append(addr, t)
			}
		}
	}
	c.Address = strings.Join(addr, ", ")
	return c
}

// setPrimary files the first bare line of a contact as its organisation
// or its name.
func setPrimary(c *ruleContact, t string) {
	if looksLikeOrg(t) {
		setOnce(&c.Org, t)
	} else {
		setOnce(&c.Name, t)
	}
}

// blockRule reads the block a registrant header opens.
func blockRule(lines []wline) ruleContact {
	for i, l := range lines {
		if !isBlockHeader(l) {
			continue
		}
		body := blockBody(lines, i)
		if len(body) == 0 {
			continue
		}
		c := readFields(body, false)
		if !c.empty() {
			return c
		}
	}
	return ruleContact{}
}

// isBlockHeader reports whether l opens the registrant's block.
func isBlockHeader(l wline) bool {
	if l.text == "" {
		return false
	}
	if l.keyed && l.key == "contacttype" {
		v := strings.ToLower(l.value)
		return v == "owner" || v == "registrant" || v == "holder"
	}
	if l.keyed && l.value != "" {
		_, field, ok := splitRole(l.key)
		return ok && (field == "" && strings.HasPrefix(l.value, "!") || field == "code")
	}
	k := l.key
	if !l.keyed {
		if len(l.text) > 60 {
			return false
		}
		k = canonKeyOf(l.text)
	}
	return slices.Contains(blockHeaders(), k)
}

// maxBlockLines bounds a contact block, so that a hostile answer made of
// headers costs linear time.
const maxBlockLines = 64

// blockBody returns the lines of the block opened by lines[h].
func blockBody(lines []wline, h int) []wline {
	head := lines[h]
	contactType := head.keyed && head.key == "contacttype"
	var body []wline
	for j := h + 1; j < len(lines) && len(body) < maxBlockLines; j++ {
		l := lines[j]
		if isBlockHeader(l) {
			break
		}
		if l.text == "" {
			if len(body) == 0 && !contactType || l.spaced && len(body) > 0 && body[0].indent > head.indent {
				continue
			}
			break
		}
		if contactType {
			if l.keyed && l.key == "contacttype" {
				break
			}
			body = append(body, l)
			continue
		}
		if len(body) > 0 && body[0].indent > head.indent && l.indent <= head.indent {
			break // the indented block ended
		}
		if l.keyed && l.value == "" && !isFieldKey(l.key) {
			break // the next section
		}
		if l.keyed && l.value != "" && !isFieldKey(l.key) && l.indent <= head.indent {
			break
		}
		body = append(body, l)
	}
	return body
}

// isFieldKey reports whether k labels a field of a contact.
func isFieldKey(k string) bool {
	for _, set := range [][]string{nameFields(), orgFields(), emailFields(), addressFields(), handleFields()} {
		if slices.Contains(set, k) {
			return true
		}
	}
	switch k {
	case "city", "state", "stateprovince", "province", "postalcode", "zipcode", "zip", "zippostalcode", "country",
		"countrycode", "phone", "phonenumber", "fax", "faxnumber", "voice", "voiceextn", "faxextn", "telephone",
		"type", "language", "regnr", "attention", "postcode", "postalarea", "pais", "ciudad", "telefono",
		"givenname", "familyname", "companychinesename", "accountname", "nichandleifknown", "individualrole",
		"orgid", "organizationid", "created", "changed", "updated", "lastupdate", "idtype", "idnumber",
		"contractuallanguage", "street1", "street2", "street3", "legalform":
		return true
	}
	return false
}

// descrRule reads the "descr:" lines of a RIPE-style domain object: the
// first is the holder, the others its address; the object's "e-mail:" is
// the holder's.
func descrRule(lines []wline) ruleContact {
	var c ruleContact
	var domain string
	in, seen := false, false
	var addr []string
	for _, l := range lines {
		if l.text == "" {
			if in && seen {
				break
			}
			continue
		}
		if !l.keyed {
			continue
		}
		if l.key == "domain" || l.key == "domainname" {
			if in {
				break
			}
			in, domain = true, strings.ToLower(l.value)
			continue
		}
		if !in {
			continue
		}
		seen = true
		switch l.key {
		case "descr":
			if strings.EqualFold(l.value, domain) || l.value == "" {
				continue
			}
			if c.Org == "" {
				c.Org = l.value
			} else {
				addr = append(addr, l.value)
			}
		case "address":
			addr = append(addr, l.value)
		case "email":
			setOnce(&c.Email, findEmail(l.value))
		}
	}
	if c.Org == "" && len(addr) > 1 && !hasDigit(addr[0]) {
		// eu.org: the holder is the first line of the domain's address.
		c.Org, addr = addr[0], addr[1:]
	}
	if c.Org == "" {
		return ruleContact{}
	}
	c.Address = strings.Join(addr, ", ")
	return c
}

// jprsEmail returns the e-mail of the public contact of a JPRS answer,
// which is the registrant's.
func jprsEmail(lines []wline) string {
	jprs := false
	for _, l := range lines {
		if l.keyed && (l.key == "registrant" || l.key == "登録者名") && strings.HasPrefix(l.text, "[") {
			jprs = true
		}
		if jprs && l.keyed && l.key == "email" && strings.HasPrefix(l.text, "[") {
			return findEmail(l.value)
		}
	}
	return ""
}

// findEmail returns the e-mail address in v, mending "x [at] y" and the
// like; "" if there is none.
func findEmail(v string) string {
	if m := emailRx.FindString(v); m != "" {
		return m
	}
	if m := obfuscatedRx.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
		return m[1] + "@" + m[2]
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == '(' || r == ')' }) {
		if m := obfuscatedRx.FindStringSubmatch(strings.TrimSpace(f)); m != nil {
			return m[1] + "@" + m[2]
		}
	}
	return ""
}

// splitEmail returns v without its e-mail address, and the address.
func splitEmail(v string) (rest, email string) {
	email = findEmail(v)
	if email == "" {
		return strings.TrimSpace(v), ""
	}
	rest = emailRx.ReplaceAllString(v, "")
	if rest == v {
		// An obfuscated address: drop the parenthesised part holding it.
		if i := strings.LastIndexByte(v, '('); i >= 0 {
			rest = v[:i]
		}
	}
	rest = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(rest, "()", ""), "<>", ""))
	rest = strings.Trim(rest, " ,;")
	return strings.TrimSpace(rest), email
}

// cleanName collapses spaces and cuts a trailing handle off a name.
func cleanName(v string) string {
	v = strings.Join(strings.Fields(v), " ")
	if m := trailHandle.FindStringIndex(v); m != nil && m[0] > 0 {
		v = v[:m[0]]
	}
	return strings.TrimRight(strings.TrimSpace(v), " -|,")
}

// looksLikeHandle reports whether v is a registry handle such as
// "MM12383", "GOO001748-MARKM" or "mmr-142621": one token with a digit.
func looksLikeHandle(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" || strings.ContainsAny(v, " \t@") || len(v) > 40 {
		return false
	}
	return hasDigit(v)
}

func hasDigit(v string) bool {
	return strings.ContainsFunc(v, unicode.IsDigit)
}

// orgWords mark names of organisations.
func orgWords() []string {
	return []string{
		"inc", "llc", "ltd", "limited", "gmbh", "corp", "corporation", "company", "co", "sa", "srl", "sl",
		"bv", "nv", "oy", "ab", "as", "ag", "plc", "pty", "sas", "sarl", "spa", "kk", "gk", "llp", "lp",
		"university", "universidad", "association", "foundation", "institute", "ministry", "department",
		"registry", "group", "bank", "government", "council", "society", "network", "networks", "services",
		"technologies", "technology", "cc", "doo", "ooo", "zao", "oao", "pte", "bhd", "sdn", "kft", "sro",
	}
}

// looksLikeOrg reports whether v reads as the name of an organisation.
func looksLikeOrg(v string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if slices.Contains(orgWords(), w) {
			return true
		}
	}
	return false
}

// mergeRegistrant completes o.Registrant, as whois-parser read it, with
// what the rules read: a field the library left empty, or filled with the
// registrant's handle or with a name and the address glued to it, takes
// the rules' value. It reports whether the rules' values show privacy
// protection.
func mergeRegistrant(o *Observation, rules ruleContact) bool {
	r := o.Registrant
	pick := func(lib, rule string) string {
		switch {
		case rule == "":
			return lib
		case lib == "":
			return rule
		case rules.Handle != "" && strings.EqualFold(lib, rules.Handle):
			return rule
		case looksLikeHandle(lib) && !looksLikeHandle(rule):
			return rule
		case len(lib) > len(rule) && strings.HasPrefix(strings.ToLower(lib), strings.ToLower(rule)) && gluedAddress(lib[len(rule):]):
			return rule // the address glued to the name
		case len(lib) > len(rule) && strings.ContainsAny(lib, ",\n") && strings.Contains(strings.ToLower(lib), strings.ToLower(rule)):
			return rule // a handle and an address glued around it
		}
		return lib
	}
	// The library files some formats' name under organisation and the
	// other way round; a value is never kept twice because of that.
	name, org := pick(r.Name, rules.Name), pick(r.Org, rules.Org)
	email := r.Email
	if email == "" || !strings.Contains(email, "@") {
		email = rules.Email
	}
	if rules.Handle != "" {
		if strings.EqualFold(name, rules.Handle) {
			name = ""
		}
		if strings.EqualFold(org, rules.Handle) {
			org = ""
		}
	}
	c, privacy := normContact(Contact{Name: cleanName(name), Org: cleanName(org), Email: email, Phone: r.Phone, Country: r.Country})
	if c.Name != "" && c.Name == cleanName(rules.Name) || c.Org != "" && c.Org == cleanName(rules.Org) {
		c.Address = strings.Join(strings.Fields(rules.Address), " ")
	}
	o.Registrant = c
	return privacy
}

// swhoisdRule reads answers of swhoisd servers (.ax, .bj), whose domain
// record names its holder in a bare "Name:" line.
func swhoisdRule(text string, lines []wline) ruleContact {
	if !strings.Contains(text, "swhoisd") {
		return ruleContact{}
	}
	var c ruleContact
	in := false
	for _, l := range lines {
		switch {
		case l.text == "" && in:
			return c
		case !l.keyed:
		case l.key == "domain":
			in = true
		case in && l.key == "name":
			setOnce(&c.Name, l.value)
		case in && l.key == "organization" && !looksLikeHandle(l.value):
			setOnce(&c.Org, l.value)
		}
	}
	return c
}

// gluedAddress reports whether rest, what follows a name in a library's
// value, is an address glued to it rather than the end of the name
// ("Google Inc., 1600 Amphitheatre Parkway" but not "Google LLC").
func gluedAddress(rest string) bool {
	return strings.HasPrefix(rest, ",") || strings.HasPrefix(rest, "\n") || hasDigit(rest)
}
