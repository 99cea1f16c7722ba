package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"fediforensics/pipeline"
)

// flex is a JSON scalar taken as text: Mastodon sends ids as strings, other
// exporters as numbers. null stays NULL.
type flex struct {
	S     string
	Valid bool
}

func (f *flex) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = flex{}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flex{S: s, Valid: true}
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("expected a scalar, got %s", truncate(string(b), 40))
	default:
		*f = flex{S: string(b), Valid: true}
	}
	return nil
}

func (f flex) v() Value {
	if !f.Valid {
		return Value{Null: true}
	}
	return Value{S: f.S}
}

type apiField struct {
	Name       string `json:"name"`
	Value      string `json:"value"`
	VerifiedAt *string
}

type apiAccount struct {
	ID           flex            `json:"id"`
	Username     flex            `json:"username"`
	Acct         flex            `json:"acct"`
	DisplayName  flex            `json:"display_name"`
	Note         flex            `json:"note"`
	URL          flex            `json:"url"`
	URI          flex            `json:"uri"`
	Locked       flex            `json:"locked"`
	Bot          flex            `json:"bot"`
	Discoverable flex            `json:"discoverable"`
	CreatedAt    flex            `json:"created_at"`
	Fields       json.RawMessage `json:"fields"`
}

type apiAdminAccount struct {
	ID                     flex        `json:"id"`
	Username               flex        `json:"username"`
	Domain                 flex        `json:"domain"`
	CreatedAt              flex        `json:"created_at"`
	Email                  flex        `json:"email"`
	IP                     flex        `json:"ip"`
	IPs                    []apiIP     `json:"ips"`
	Locale                 flex        `json:"locale"`
	Confirmed              flex        `json:"confirmed"`
	Approved               flex        `json:"approved"`
	Disabled               flex        `json:"disabled"`
	Silenced               flex        `json:"silenced"`
	Suspended              flex        `json:"suspended"`
	CreatedByApplicationID flex        `json:"created_by_application_id"`
	InvitedByAccountID     flex        `json:"invited_by_account_id"`
	Account                *apiAccount `json:"account"`
}

type apiIP struct {
	IP     flex `json:"ip"`
	UsedAt flex `json:"used_at"`
}

type apiStatus struct {
	ID                 flex         `json:"id"`
	CreatedAt          flex         `json:"created_at"`
	Account            *apiAccount  `json:"account"`
	Visibility         flex         `json:"visibility"`
	Content            flex         `json:"content"`
	Text               flex         `json:"text"`
	SpoilerText        flex         `json:"spoiler_text"`
	InReplyToID        flex         `json:"in_reply_to_id"`
	InReplyToAccountID flex         `json:"in_reply_to_account_id"`
	Language           flex         `json:"language"`
	URI                flex         `json:"uri"`
	URL                flex         `json:"url"`
	Sensitive          flex         `json:"sensitive"`
	EditedAt           flex         `json:"edited_at"`
	Mentions           []apiMention `json:"mentions"`
	MediaAttachments   []apiMedia   `json:"media_attachments"`
	Card               *apiCard     `json:"card"`
	Application        *struct {
		Name    flex `json:"name"`
		Website flex `json:"website"`
	} `json:"application"`
	Reblog *apiStatus `json:"reblog"`
}

// apiMedia is a MediaAttachment entity.
type apiMedia struct {
	ID          flex            `json:"id"`
	Type        flex            `json:"type"`
	URL         flex            `json:"url"`
	RemoteURL   flex            `json:"remote_url"`
	Meta        json.RawMessage `json:"meta"`
	Description flex            `json:"description"`
	Blurhash    flex            `json:"blurhash"`
}

// apiCard is a PreviewCard entity: a status's card, without an id.
type apiCard struct {
	URL              flex `json:"url"`
	Title            flex `json:"title"`
	Description      flex `json:"description"`
	Type             flex `json:"type"`
	AuthorName       flex `json:"author_name"`
	AuthorURL        flex `json:"author_url"`
	ProviderName     flex `json:"provider_name"`
	ProviderURL      flex `json:"provider_url"`
	ImageDescription flex `json:"image_description"`
	EmbedURL         flex `json:"embed_url"`
	Language         flex `json:"language"`
}

type apiMention struct {
	ID       flex `json:"id"`
	Username flex `json:"username"`
	Acct     flex `json:"acct"`
	URL      flex `json:"url"`
}

type apiApplication struct {
	ID           flex     `json:"id"`
	Name         flex     `json:"name"`
	Website      flex     `json:"website"`
	Scopes       []string `json:"scopes"`
	RedirectURI  flex     `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	ClientID     flex     `json:"client_id"`
	ClientSecret flex     `json:"client_secret"`
}

// The columns each API entity is converted to, by table.
func apiColumns(t pipeline.Table) []string {
	switch t {
	case pipeline.Accounts:
		return []string{"id", "username", "domain", "acct", "display_name", "note", "url", "uri", "fields", "locked", "bot", "discoverable", "created_at", "created_at_precision", "silenced", "suspended", "embedded"}
	case pipeline.Users:
		return []string{"account_id", "email", "created_at", "confirmed", "approved", "disabled", "locale", "created_by_application_id", "invite_id"}
	case pipeline.UserIPs:
		return []string{"account_id", "ip", "used_at"}
	case pipeline.Statuses:
		return []string{"id", "account_id", "uri", "url", "text", "content", "spoiler_text", "visibility", "reply", "in_reply_to_id", "in_reply_to_account_id", "reblog_of_id", "language", "sensitive", "edited_at", "created_at", "app_name", "app_website", "embedded"}
	case pipeline.Mentions:
		return []string{"status_id", "account_id", "acct", "username", "url"}
	case pipeline.PreviewCardStatuses:
		return []string{"status_id", "url"}
	case pipeline.PreviewCards:
		return []string{"id", "url", "title", "description", "type", "author_name", "author_url", "provider_name", "provider_url", "image_description", "embed_url", "language"}
	case pipeline.MediaAttachments:
		return []string{"id", "status_id", "account_id", "type", "url", "remote_url", "file_meta", "description", "blurhash", "created_at", "embedded"}
	case pipeline.OAuthApplications:
		return []string{"id", "name", "website", "scopes", "redirect_uri", "uid", "secret"}
	}
	return nil
}

// apiConverter turns API entities into rows of the raw tables.
type apiConverter struct {
	file    string
	open    openFunc
	warn    func(pipeline.Warning)
	writers map[pipeline.Table]*scratchWriter
	// Ids recently written, so that an account embedded in each of its
	// statuses is not written each time. Bounded: when full it starts
	// over, and the canonical stage drops any embedded copy left.
	accounts map[string]bool
	statuses map[string]bool
}

// maxSeen bounds the converter's memory of recent ids.
const maxSeen = 1 << 17

func remember(m map[string]bool, id string) {
	if len(m) >= maxSeen {
		clear(m)
	}
	m[id] = true
}

func (c *apiConverter) emit(t pipeline.Table, line, off int64, vals ...Value) error {
	w := c.writers[t]
	if w == nil {
		var err error
		if w, err = c.open(t, apiColumns(t)); err != nil {
			return err
		}
		c.writers[t] = w
	}
	w.write(line, off, vals)
	return nil
}

func (c *apiConverter) close() error {
	var first error
	for _, w := range c.writers {
		if err := w.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func boolV(b bool) Value { return Value{S: strconv.FormatBool(b)} }

func (c *apiConverter) account(a *apiAccount, embedded bool, admin *apiAdminAccount, line, off int64) error {
	id := a.ID
	if admin != nil && admin.ID.Valid {
		id = admin.ID
	}
	if !id.Valid {
		return fmt.Errorf("account without id")
	}
	if embedded && c.accounts[id.S] {
		return nil
	}
	remember(c.accounts, id.S)
	domain := Value{Null: true}
	if _, d, ok := strings.Cut(a.Acct.S, "@"); ok {
		domain = Str(d)
	}
	created, precision := a.CreatedAt.v(), Str("day")
	silenced, suspended := Value{Null: true}, Value{Null: true}
	username := a.Username.v()
	if admin != nil {
		created, precision = admin.CreatedAt.v(), Str("exact")
		silenced, suspended = admin.Silenced.v(), admin.Suspended.v()
		if admin.Domain.Valid {
			domain = admin.Domain.v()
		}
		if admin.Username.Valid {
			username = admin.Username.v()
		}
	}
	fields := Value{Null: true}
	if len(a.Fields) > 0 && !bytes.Equal(a.Fields, []byte("null")) {
		fields = Str(string(a.Fields))
	}
	return c.emit(pipeline.Accounts, line, off, id.v(), username, domain, a.Acct.v(), a.DisplayName.v(), a.Note.v(),
		a.URL.v(), a.URI.v(), fields, a.Locked.v(), a.Bot.v(), a.Discoverable.v(), created, precision, silenced, suspended, boolV(embedded))
}

func (c *apiConverter) adminAccount(a *apiAdminAccount, line, off int64) error {
	acc := a.Account
	if acc == nil {
		acc = &apiAccount{ID: a.ID, Username: a.Username, Acct: a.Username}
	}
	if err := c.account(acc, false, a, line, off); err != nil {
		return err
	}
	if err := c.emit(pipeline.Users, line, off, a.ID.v(), a.Email.v(), a.CreatedAt.v(), a.Confirmed.v(), a.Approved.v(),
		a.Disabled.v(), a.Locale.v(), a.CreatedByApplicationID.v(), Value{Null: true}); err != nil {
		return err
	}
	for _, ip := range a.IPs {
		if err := c.emit(pipeline.UserIPs, line, off, a.ID.v(), ip.IP.v(), ip.UsedAt.v()); err != nil {
			return err
		}
	}
	return nil
}

func (c *apiConverter) status(s *apiStatus, embedded bool, line, off int64) error {
	if !s.ID.Valid {
		return fmt.Errorf("status without id")
	}
	if embedded && c.statuses[s.ID.S] {
		return nil
	}
	remember(c.statuses, s.ID.S)
	accountID := Value{Null: true}
	if s.Account != nil {
		accountID = s.Account.ID.v()
		if err := c.account(s.Account, true, nil, line, off); err != nil {
			return err
		}
	}
	reblogOf := Value{Null: true}
	if s.Reblog != nil {
		reblogOf = s.Reblog.ID.v()
		if err := c.status(s.Reblog, true, line, off); err != nil {
			return err
		}
	}
	appName, appWebsite := Value{Null: true}, Value{Null: true}
	if s.Application != nil {
		appName, appWebsite = s.Application.Name.v(), s.Application.Website.v()
	}
	if err := c.emit(pipeline.Statuses, line, off, s.ID.v(), accountID, s.URI.v(), s.URL.v(), s.Text.v(), s.Content.v(),
		s.SpoilerText.v(), s.Visibility.v(), boolV(s.InReplyToID.Valid), s.InReplyToID.v(), s.InReplyToAccountID.v(), reblogOf,
		s.Language.v(), s.Sensitive.v(), s.EditedAt.v(), s.CreatedAt.v(), appName, appWebsite, boolV(embedded)); err != nil {
		return err
	}
	for _, m := range s.Mentions {
		if err := c.emit(pipeline.Mentions, line, off, s.ID.v(), m.ID.v(), m.Acct.v(), m.Username.v(), m.URL.v()); err != nil {
			return err
		}
	}
	for _, m := range s.MediaAttachments {
		meta := Value{Null: true}
		if len(m.Meta) > 0 && !bytes.Equal(m.Meta, []byte("null")) {
			var b bytes.Buffer
			if err := json.Compact(&b, m.Meta); err != nil {
				return err
			}
			meta = Str(b.String())
		}
		if err := c.emit(pipeline.MediaAttachments, line, off, m.ID.v(), s.ID.v(), accountID, m.Type.v(), m.URL.v(), m.RemoteURL.v(),
			meta, m.Description.v(), m.Blurhash.v(), s.CreatedAt.v(), boolV(embedded)); err != nil {
			return err
		}
	}
	if k := s.Card; k != nil && k.URL.Valid {
		if err := c.emit(pipeline.PreviewCardStatuses, line, off, s.ID.v(), k.URL.v()); err != nil {
			return err
		}
		if err := c.emit(pipeline.PreviewCards, line, off, Value{Null: true}, k.URL.v(), k.Title.v(), k.Description.v(), k.Type.v(),
			k.AuthorName.v(), k.AuthorURL.v(), k.ProviderName.v(), k.ProviderURL.v(), k.ImageDescription.v(), k.EmbedURL.v(), k.Language.v()); err != nil {
			return err
		}
	}
	return nil
}

func (c *apiConverter) application(a *apiApplication, line, off int64) error {
	if !a.ID.Valid {
		return fmt.Errorf("application without id")
	}
	redirect := a.RedirectURI.v()
	if len(a.RedirectURIs) > 0 {
		redirect = Str(strings.Join(a.RedirectURIs, "\n"))
	}
	scopes := Value{Null: true}
	if a.Scopes != nil {
		scopes = Str(strings.Join(a.Scopes, " "))
	}
	return c.emit(pipeline.OAuthApplications, line, off, a.ID.v(), a.Name.v(), a.Website.v(), scopes, redirect, a.ClientID.v(), a.ClientSecret.v())
}

// entity decodes one JSON object of the given API kind and converts it.
func (c *apiConverter) entity(kind string, raw []byte, line, off int64) error {
	switch kind {
	case "admin_accounts":
		var a apiAdminAccount
		if err := json.Unmarshal(raw, &a); err != nil {
			return err
		}
		return c.adminAccount(&a, line, off)
	case "accounts":
		var a apiAccount
		if err := json.Unmarshal(raw, &a); err != nil {
			return err
		}
		return c.account(&a, false, nil, line, off)
	case "statuses":
		var s apiStatus
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		return c.status(&s, false, line, off)
	case "applications":
		var a apiApplication
		if err := json.Unmarshal(raw, &a); err != nil {
			return err
		}
		return c.application(&a, line, off)
	}
	return fmt.Errorf("unknown API entity %q", kind)
}

// apiTable is the raw table an entity's own row lands in, for warnings.
func apiTable(kind string) string {
	switch kind {
	case "admin_accounts":
		return string(pipeline.Accounts)
	case "applications":
		return string(pipeline.OAuthApplications)
	}
	return kind
}

// writeErr marks a failure to write scratch files, as opposed to a bad entity.
type writeErr struct{ err error }

func (w writeErr) Error() string { return w.err.Error() }
func (w writeErr) Unwrap() error { return w.err }

// readAPI converts a JSON array or JSON Lines member of API entities.
// It returns which of the two it was.
func readAPI(r io.Reader, file, kind string, open openFunc, warn func(pipeline.Warning)) (pipeline.Format, error) {
	c := &apiConverter{file: file, open: func(t pipeline.Table, cols []string) (*scratchWriter, error) {
		w, err := open(t, cols)
		if err != nil {
			return nil, writeErr{err}
		}
		return w, nil
	}, warn: warn, writers: map[pipeline.Table]*scratchWriter{}, accounts: map[string]bool{}, statuses: map[string]bool{}}
	br := bufio.NewReaderSize(r, 1<<20)
	first, err := firstNonSpace(br)
	if err != nil && err != io.EOF {
		return pipeline.FormatJSONL, err
	}
	bad := func(line, off int64, kindOf, reason string, raw []byte) {
		warn(pipeline.Warning{File: file, Line: line, Offset: off, Table: apiTable(kind), Kind: kindOf, Reason: reason, Row: kindOf != "json_syntax" || line > 0,
			Raw: truncate(strings.ToValidUTF8(string(raw), "\uFFFD"), pipeline.MaxRawWarning)})
	}
	handle := func(raw []byte, line, off int64) error {
		if !utf8.Valid(raw) {
			bad(line, off, "invalid_utf8", "entity is not valid UTF-8", raw)
			return nil
		}
		if err := c.entity(kind, raw, line, off); err != nil {
			var we writeErr
			if errors.As(err, &we) {
				return we.err
			}
			bad(line, off, "bad_entity", err.Error(), raw)
		}
		return nil
	}
	if first == '[' {
		dec := json.NewDecoder(br)
		if _, err := dec.Token(); err != nil {
			bad(0, 0, "json_syntax", err.Error(), nil)
			return pipeline.FormatJSON, c.close()
		}
		for dec.More() {
			off := dec.InputOffset()
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				bad(0, off, "json_syntax", "the array breaks here; the entities before were kept: "+err.Error(), nil)
				return pipeline.FormatJSON, c.close()
			}
			if err := handle(raw, 0, off); err != nil {
				c.close()
				return pipeline.FormatJSON, err
			}
		}
		return pipeline.FormatJSON, c.close()
	}
	lr := newLineReader(br)
	for {
		b, line, off, err := lr.next()
		if err == io.EOF {
			break
		}
		if err == errLongLine {
			bad(line, off, "line_too_long", err.Error(), nil)
			continue
		}
		if err != nil {
			c.close()
			return pipeline.FormatJSONL, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if !json.Valid(b) && utf8.Valid(b) {
			bad(line, off, "json_syntax", "line is not one JSON value", b)
			continue
		}
		if err := handle(b, line, off); err != nil {
			c.close()
			return pipeline.FormatJSONL, err
		}
	}
	return pipeline.FormatJSONL, c.close()
}

func firstNonSpace(br *bufio.Reader) (byte, error) {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			return 0, err
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // a UTF-8 byte order mark
			if i == 1 {
				if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
					br.Discard(3)
					i = 0
					continue
				}
			}
			return c, nil
		default:
			return c, nil
		}
	}
}
