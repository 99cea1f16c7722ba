// Package pipeline holds the domain types shared by every stage of the
// forensic pipeline: the tables a Mastodon dump is made of, the formats a
// member can come in, the warnings a bad row turns into, the manifest that
// records the chain of custody, and the exit codes of the command.
package pipeline

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Version is the tool version written into every manifest.
const Version = "0.1.0"

// ToolName is the tool named in every manifest: a folder whose manifest
// names another tool is not an output of this one.
const ToolName = "pipeline"

// Table names a table of a Mastodon dump, as Mastodon's schema spells it.
type Table string

// The tables the ingest stage knows. API exports land in the same tables.
const (
	Accounts            Table = "accounts"
	Users               Table = "users"
	Statuses            Table = "statuses"
	Mentions            Table = "mentions"
	OAuthApplications   Table = "oauth_applications"
	OAuthAccessTokens   Table = "oauth_access_tokens"
	UserIPs             Table = "user_ips"
	LoginActivities     Table = "login_activities"
	PreviewCardStatuses Table = "preview_cards_statuses"
	SessionActivations  Table = "session_activations"
	PreviewCards        Table = "preview_cards"
	MediaAttachments    Table = "media_attachments"
	Follows             Table = "follows"
	Reports             Table = "reports" // users' reports to the moderators
	AccountWarnings     Table = "account_warnings"
	AdminActionLogs     Table = "admin_action_logs"
	EmailDomainBlocks   Table = "email_domain_blocks"
	IPBlocks            Table = "ip_blocks"
	DomainBlocks        Table = "domain_blocks"
)

// AllTables lists every known table in load order (referenced tables first).
func AllTables() []Table {
	return []Table{OAuthApplications, Accounts, Users, Statuses, Mentions, OAuthAccessTokens, UserIPs, LoginActivities, PreviewCardStatuses,
		SessionActivations, PreviewCards, MediaAttachments, Follows, Reports, AccountWarnings, AdminActionLogs,
		EmailDomainBlocks, IPBlocks, DomainBlocks}
}

// Format is how a member of a dump is encoded.
type Format string

// The member formats the ingest stage detects.
const (
	FormatCSV    Format = "csv"     // psql \copy ... csv header
	FormatPGCopy Format = "pg_copy" // pg_dump --data-only plain SQL
	FormatJSON   Format = "json"    // API export: a JSON array
	FormatJSONL  Format = "jsonl"   // API export: one JSON object per line
)

// The pg_dump archive formats, read without PostgreSQL.
const (
	FormatPGCustom Format = "pg_custom" // pg_dump -Fc
	FormatPGTar    Format = "pg_tar"    // pg_dump -Ft
)

// Warning is a row that was quarantined, or a fact about the input a reader
// of the results must know. Line is 0 where the reader has no line (see
// Record).
type Warning struct {
	Instance string `json:"instance"`
	File     string `json:"file"`
	Line     int64  `json:"line,omitempty"`
	Offset   int64  `json:"byte_offset,omitempty"`
	Table    string `json:"table"`
	Field    string `json:"field,omitempty"`
	Kind     string `json:"kind"`
	Reason   string `json:"reason"`
	Raw      string `json:"raw,omitempty"`
	// Row is true when the warning stands for one row that was not loaded.
	Row bool `json:"-"`
}

// MaxRawWarning is how much of a bad row a warning keeps.
const MaxRawWarning = 512

// InputError is an error in the input at a known place, like csv.ParseError.
type InputError struct {
	File   string
	Line   int64
	Offset int64
	Field  string
	Err    error
}

func (e *InputError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	} else if e.Offset > 0 {
		s += fmt.Sprintf(" at byte %d", e.Offset)
	}
	if e.Field != "" {
		s += fmt.Sprintf(": field %q", e.Field)
	}
	return s + ": " + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// Exit codes of the pipeline command. They are documented in the README.
const (
	ExitOK          = 0 // success; warnings may have been recorded
	ExitFailure     = 1 // an unexpected failure (I/O, database)
	ExitUsage       = 2 // bad arguments
	ExitUnsafe      = 3 // the archive is hostile: traversal, links, devices
	ExitBroken      = 4 // the archive is broken (truncated, corrupt, not an archive) or unreadable (encrypted, pg_dump -Fd)
	ExitTooLarge    = 5 // a member or the whole dump is beyond the size caps
	ExitNoData      = 6 // the input holds no recognisable Mastodon table
	ExitOutputInUse = 7 // the output directory holds something that is not ours
	// The run completed and wrote its output, but skipped members whose
	// header lacks required columns (or cannot be read): their tables are
	// missing. --allow-skipped makes this 0.
	ExitSkippedMembers = 8
	// ExitWhoisUnavailable: the run completed and its outputs are in place,
	// but every live WHOIS/RDAP look-up failed, so the reports hold no
	// registrant that the network could have given.
	ExitWhoisUnavailable = 9
	// A run stopped by a signal exits 128 + the signal's number, as shells
	// do: 130 for Ctrl-C (SIGINT), 129 SIGHUP, 141 SIGPIPE, 143 SIGTERM.
	ExitSignalBase = 128
)

// Error kinds that carry an exit code.
var (
	ErrUsage     = errors.New("usage")
	ErrUnsafe    = errors.New("unsafe archive")
	ErrBroken    = errors.New("broken archive")
	ErrTooLarge  = errors.New("archive beyond size cap")
	ErrNoData    = errors.New("no mastodon tables found")
	ErrOutputDir = errors.New("output directory refused")
	ErrSkipped   = errors.New("completed with skipped members")
	ErrBug       = errors.New("internal error")
	// ErrWhoisUnavailable marks a run that completed without any live
	// WHOIS/RDAP answer although it asked for them.
	ErrWhoisUnavailable = errors.New("whois unavailable")
)

// ErrUnreadable is an input that is sound but in a form the pipeline does
// not read (an encrypted zip member, a pg_dump directory): its message says
// how to convert it. It exits like a broken archive.
var ErrUnreadable = errors.New("input form not read")

// Interrupted is the error of a run stopped by a signal.
type Interrupted struct {
	Signal syscall.Signal
}

func (e *Interrupted) Error() string {
	name := map[syscall.Signal]string{syscall.SIGINT: "SIGINT (Ctrl-C)", syscall.SIGTERM: "SIGTERM",
		syscall.SIGHUP: "SIGHUP (the terminal closed)", syscall.SIGPIPE: "SIGPIPE (the reader of the output went away)"}[e.Signal]
	if name == "" {
		name = e.Signal.String()
	}
	return "interrupted by " + name
}

// ExitCode maps an error to the documented exit code.
func ExitCode(err error) int {
	var intr *Interrupted
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &intr):
		return ExitSignalBase + int(intr.Signal)
	case errors.Is(err, ErrUsage):
		return ExitUsage
	case errors.Is(err, ErrUnsafe):
		return ExitUnsafe
	case errors.Is(err, ErrBroken), errors.Is(err, ErrUnreadable):
		return ExitBroken
	case errors.Is(err, ErrTooLarge):
		return ExitTooLarge
	case errors.Is(err, ErrNoData):
		return ExitNoData
	case errors.Is(err, ErrOutputDir):
		return ExitOutputInUse
	case errors.Is(err, ErrWhoisUnavailable):
		return ExitWhoisUnavailable
	case errors.Is(err, ErrSkipped):
		return ExitSkippedMembers
	}
	return ExitFailure
}

// Manifest is out/manifest.json: the chain of custody of one output.
type Manifest struct {
	Tool      string            `json:"tool"`
	Version   string            `json:"version"`
	Revision  string            `json:"revision"`
	Args      []string          `json:"args"`
	Started   time.Time         `json:"started"`
	Finished  time.Time         `json:"finished"`
	Input     Input             `json:"input"`
	Members   []Member          `json:"members"`
	Skipped   []string          `json:"skipped_members,omitempty"` // files of the dump not read: not named for a table
	Unread    []UnreadMember    `json:"unread_members,omitempty"`  // members named for a table, skipped for their header
	Tables    []TableCount      `json:"tables"`
	Warnings  map[string]int64  `json:"warnings_by_kind"`
	Stages    []StageTiming     `json:"stages"`
	Settings  map[string]string `json:"settings,omitempty"`
	Instances []string          `json:"instances"`
	// Whois says how much registrant data the enrich stage found.
	Whois *WhoisCoverage `json:"whois,omitempty"`
	// IPDatabases are the network databases the ipinfo stage read (--ipdb),
	// in the order given; none when IP enrichment was skipped.
	IPDatabases []IPDatabase `json:"ip_databases,omitempty"`
	// Files lists every file the pipeline wrote into the output, as slash
	// paths: a later run replaces these and keeps everything else.
	Files []string `json:"files,omitempty"`
}

// WhoisCoverage counts the registrable domains the enrich stage asked
// about by what is known of them, so that a report without registrants is
// never read as "no registrants" when nothing was looked up.
type WhoisCoverage struct {
	Mode    string `json:"mode"`    // off, cache or live
	Domains int    `json:"domains"` // registrable domains asked about
	// Each domain counts once, under the best it has: registrant data;
	// redacted (a privacy service or redaction only); answered without a
	// registrant; not registered; failed (errors, throttling); skipped
	// (not looked up: enrichment off, or not in the cache).
	Registrant   int `json:"registrant"`
	Redacted     int `json:"redacted"`
	NoRegistrant int `json:"no_registrant"`
	NotFound     int `json:"not_found"`
	Failed       int `json:"failed"`
	Skipped      int `json:"skipped"`
	// LiveAsked counts the domains looked up over the network in this
	// run, LiveAnswered those that got an answer.
	LiveAsked    int `json:"live_asked"`
	LiveAnswered int `json:"live_answered"`
	// Advice says what to do about what is missing; empty when nothing is.
	Advice string `json:"advice,omitempty"`
}

// Unavailable says whether the run asked the network and got no answer.
func (c *WhoisCoverage) Unavailable() bool {
	return c != nil && c.LiveAsked > 0 && c.LiveAnswered == 0
}

// Line is the coverage in one line, for the run summary.
func (c *WhoisCoverage) Line() string {
	if c == nil {
		return ""
	}
	s := c.Counts() + " (whois " + c.Mode + ")"
	if c.LiveAsked > 0 {
		s += fmt.Sprintf("; %d of %d live look-ups answered", c.LiveAnswered, c.LiveAsked)
	}
	return s
}

// Counts is what is known of the domains, however it was learnt: the same
// knowledge, live or from the cache, gives the same text.
func (c *WhoisCoverage) Counts() string {
	if c == nil {
		return ""
	}
	if c.Domains == 0 {
		return "no domain to look up"
	}
	return fmt.Sprintf("%d of %d domains with registrant data: %d redacted, %d without registrant, %d not registered, %d failed, %d not looked up",
		c.Registrant, c.Domains, c.Redacted, c.NoRegistrant, c.NotFound, c.Failed, c.Skipped)
}

// IPDatabase is a network database (MaxMind DB or iptoasn TSV) an output
// was enriched with: which file, what it is, when it was built, and how
// many of the dump's addresses it knew.
type IPDatabase struct {
	Path      string `json:"path"`
	Name      string `json:"name"`
	Format    string `json:"format"`
	Type      string `json:"type"`
	Built     string `json:"built,omitempty"` // RFC 3339, as the file records it; iptoasn files record none
	SHA256    string `json:"sha256"`
	Bytes     int64  `json:"bytes"`
	Addresses int64  `json:"addresses_known"`
}

// Init makes the maps of a manifest read from a file usable.
func (m *Manifest) Init() {
	if m.Warnings == nil {
		m.Warnings = map[string]int64{}
	}
	if m.Settings == nil {
		m.Settings = map[string]string{}
	}
}

// Ran says whether the manifest records a run of the stage.
func (m *Manifest) Ran(stage string) bool {
	for _, s := range m.Stages {
		if s.Stage == stage {
			return true
		}
	}
	return false
}

// UnreadMember is a member named for a table that was skipped whole: its
// header lacks a column without which no row means anything (Required
// names them all, Missing those it lacks), or cannot be read at all.
type UnreadMember struct {
	Path     string   `json:"path"`
	Instance string   `json:"instance"`
	Table    string   `json:"table"`
	Reason   string   `json:"reason"`
	Required []string `json:"required"`
	Missing  []string `json:"missing,omitempty"`
	Found    []string `json:"found"`
}

// Input describes the dump as a whole.
type Input struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"` // tar, tar.gz, tar.zst, dir
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256,omitempty"`
}

// Member is one file of the dump that was read.
type Member struct {
	Path     string   `json:"path"`
	Instance string   `json:"instance"`
	Format   Format   `json:"format"`
	Tables   []string `json:"tables"`
	Bytes    int64    `json:"bytes"`
	SHA256   string   `json:"sha256"`
	Ignored  []string `json:"ignored_columns,omitempty"`
}

// TableCount counts the rows of one canonical table.
type TableCount struct {
	Table       string `json:"table"`
	Read        int64  `json:"read"`
	Loaded      int64  `json:"loaded"`
	Quarantined int64  `json:"quarantined"`
}

// StageTiming is how long one stage took.
type StageTiming struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
}
