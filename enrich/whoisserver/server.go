// Package whoisserver is a small RFC 3912 WHOIS server for tests and for
// private mirrors of recorded responses.
//
// A client connects over TCP, sends one query line ended by CRLF, and the
// server writes its answer and closes the connection. Answers come from a
// directory: the query "MoonXTrade.com" is answered with the file
// <dir>/moonxtrade.com.txt, sent as is. A query with no file gets a
// Verisign-style not-found answer ("No match for \"X\".").
//
// For tests the server also has hostile behaviours, chosen per query with
// SetMode or ModeFunc: an endless answer (Huge), an answer dripped one byte
// at a time (Drip), a connection closed at once (CloseImmediately), and a
// rate-limit refusal (LimitExceeded).
package whoisserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is how the server answers a query.
type Mode int

// The behaviours a query can get.
const (
	// Normal answers from the directory, or with a not-found text.
	Normal Mode = iota
	// Huge streams HugeBytes bytes of filler text.
	Huge
	// Drip sends the normal answer one byte every DripInterval.
	Drip
	// CloseImmediately closes the connection as soon as the query line is
	// read, without writing anything.
	CloseImmediately
	// LimitExceeded answers with a registry's rate-limit refusal.
	LimitExceeded
)

// String returns the name of the mode.
func (m Mode) String() string {
	switch m {
	case Normal:
		return "normal"
	case Huge:
		return "huge"
	case Drip:
		return "drip"
	case CloseImmediately:
		return "close"
	case LimitExceeded:
		return "limit"
	default:
		return fmt.Sprintf("mode(%d)", int(m))
	}
}

// LimitExceededText is the answer of the LimitExceeded mode, in the style
// of the .org registry.
const LimitExceededText = "WHOIS LIMIT EXCEEDED - SEE WWW.PIR.ORG/WHOIS FOR DETAILS\r\n"

// Defaults for the zero fields of a Server.
const (
	DefaultHugeBytes     = 100 << 20
	DefaultDripInterval  = time.Second
	DefaultQueryTimeout  = 10 * time.Second
	DefaultMaxQueryBytes = 1024
)

// Server answers WHOIS queries from a directory of recorded responses.
// Set its fields before Listen; afterwards only SetMode may change it.
type Server struct {
	// Dir holds the answers, one file <query-lower-cased>.txt each.
	Dir string
	// ModeFunc, if set, picks the mode of a query (lower-cased and
	// trimmed) that SetMode did not set.
	ModeFunc func(query string) Mode
	// HugeBytes is how much the Huge mode sends (default 100 MiB).
	HugeBytes int64
	// DripInterval is the pause between two bytes of the Drip mode
	// (default 1s).
	DripInterval time.Duration
	// QueryTimeout bounds the wait for the query line (default 10s).
	QueryTimeout time.Duration
	// MaxQueryBytes bounds the query line (default 1024).
	MaxQueryBytes int

	mu      sync.Mutex
	modes   map[string]Mode
	ln      net.Listener
	conns   map[net.Conn]struct{}
	closed  bool
	done    chan struct{}
	wg      sync.WaitGroup
	accepts atomic.Int64
	queries atomic.Int64
}

// New returns a server answering from dir.
func New(dir string) *Server {
	return &Server{Dir: dir}
}

// SetMode sets the mode of one query (compared lower-cased). It is safe to
// call while the server runs.
func (s *Server) SetMode(query string, m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.modes == nil {
		s.modes = make(map[string]Mode)
	}
	s.modes[normalizeQuery(query)] = m
}

// Connections returns how many connections the server has accepted.
func (s *Server) Connections() int64 { return s.accepts.Load() }

// Queries returns how many query lines the server has read.
func (s *Server) Queries() int64 { return s.queries.Load() }

// Listen opens the listening socket on addr, such as "127.0.0.1:0", and
// returns the address it got. Call Serve to answer.
func (s *Server) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("whoisserver: listen: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		ln.Close()
		return "", errors.New("whoisserver: already listening")
	}
	s.ln = ln
	s.conns = make(map[net.Conn]struct{})
	s.done = make(chan struct{})
	return ln.Addr().String(), nil
}

// Serve answers connections until ctx is done or Close is called, then
// closes the listener and every open connection, waits for the handlers
// to return, and returns nil.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	ln, done := s.ln, s.done
	s.mu.Unlock()
	if ln == nil {
		return errors.New("whoisserver: serve before listen")
	}
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case <-done:
				s.wg.Wait()
				return nil
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.Close()
			s.wg.Wait()
			return fmt.Errorf("whoisserver: accept: %w", err)
		}
		s.accepts.Add(1)
		if !s.track(conn) {
			conn.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(conn)
			s.handle(conn, done)
		}()
	}
}

// Close stops the server: it closes the listener and every open
// connection. Serve returns once the handlers have finished.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.ln == nil {
		return nil
	}
	s.closed = true
	close(s.done)
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	return err
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *Server) modeFor(query string) Mode {
	s.mu.Lock()
	m, ok := s.modes[query]
	s.mu.Unlock()
	if ok {
		return m
	}
	if s.ModeFunc != nil {
		return s.ModeFunc(query)
	}
	return Normal
}

func (s *Server) handle(conn net.Conn, done <-chan struct{}) {
	timeout := s.QueryTimeout
	if timeout <= 0 {
		timeout = DefaultQueryTimeout
	}
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	query, err := readQuery(conn, s.maxQueryBytes())
	if err != nil {
		return
	}
	s.queries.Add(1)
	_ = conn.SetReadDeadline(time.Time{})

	switch s.modeFor(query) {
	case CloseImmediately:
		return
	case LimitExceeded:
		_, _ = io.WriteString(conn, LimitExceededText)
	case Huge:
		s.writeHuge(conn)
	case Drip:
		s.drip(conn, s.answer(query), done)
	default:
		_, _ = conn.Write(s.answer(query))
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

func (s *Server) maxQueryBytes() int {
	if s.MaxQueryBytes > 0 {
		return s.MaxQueryBytes
	}
	return DefaultMaxQueryBytes
}

// readQuery reads one line ended by LF (the CR of CRLF is optional) of at
// most limit bytes, and returns it normalized.
func readQuery(r io.Reader, limit int) (string, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, int64(limit)+1), 256)
	line, err := br.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 && len(line) <= limit {
			return normalizeQuery(line), nil // a client that half-closed without CRLF
		}
		return "", fmt.Errorf("read query: %w", err)
	}
	return normalizeQuery(line), nil
}

// normalizeQuery trims a query line, lower-cases it and removes the flags
// some registries accept in front of the name (Verisign's "=" and
// "domain ", DENIC's "-T dn,ace ").
func normalizeQuery(q string) string {
	q = strings.ToLower(strings.TrimSpace(q))
	q = strings.TrimPrefix(q, "=")
	q = strings.TrimPrefix(q, "domain ")
	q = strings.TrimPrefix(q, "-t dn,ace ")
	q = strings.TrimPrefix(q, "-t dn ")
	return strings.TrimSpace(q)
}

// answer returns the recorded answer for query, or a not-found text.
func (s *Server) answer(query string) []byte {
	if name, ok := fileName(query); ok {
		b, err := os.ReadFile(filepath.Join(s.Dir, name))
		if err == nil {
			return b
		}
	}
	return []byte(NotFoundText(query, time.Now()))
}

// fileName maps a query to a file name inside the directory, refusing
// anything that could leave it.
func fileName(query string) (string, bool) {
	if query == "" || strings.HasPrefix(query, ".") || strings.Contains(query, "..") {
		return "", false
	}
	for _, r := range query {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return "", false
		}
	}
	return query + ".txt", true
}

// NotFoundText is the answer to a query with no recorded response, in the
// style of the .com and .net registry.
func NotFoundText(query string, now time.Time) string {
	return fmt.Sprintf("No match for \"%s\".\r\n"+
		">>> Last update of whois database: %s <<<\r\n"+
		"\r\n"+
		"NOTICE: The expiration date displayed in this record is the date the\r\n"+
		"registrar's sponsorship of the domain name registration in the registry is\r\n"+
		"currently set to expire.\r\n"+
		"\r\n"+
		"TERMS OF USE: The data in this mirror are recorded responses kept for\r\n"+
		"testing and forensic replay; they are not a registry's live data.\r\n",
		strings.ToUpper(query), now.UTC().Format("2006-01-02T15:04:05Z"))
}

// writeHuge streams HugeBytes of filler in fixed chunks, so the server's
// own memory stays small, until the client goes away.
func (s *Server) writeHuge(conn net.Conn) {
	total := s.HugeBytes
	if total <= 0 {
		total = DefaultHugeBytes
	}
	line := "% filler line of a very large WHOIS answer, kept to test response size limits\r\n"
	chunk := []byte(strings.Repeat(line, (32<<10)/len(line)))
	for sent := int64(0); sent < total; {
		b := chunk
		if rest := total - sent; rest < int64(len(b)) {
			b = b[:rest]
		}
		n, err := conn.Write(b)
		sent += int64(n)
		if err != nil {
			return
		}
	}
}

// drip sends b one byte per DripInterval until done, the end of b, or a
// write error.
func (s *Server) drip(conn net.Conn, b []byte, done <-chan struct{}) {
	interval := s.DripInterval
	if interval <= 0 {
		interval = DefaultDripInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := range b {
		if _, err := conn.Write(b[i : i+1]); err != nil {
			return
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}
