// Package ui is maestro's local web page (maestro ui): the repository's
// sessions, each session's timeline, a checkpoint's record and diff with
// rollback and undo, and the questions waiting for an answer. It is a face
// like the CLI and the MCP server: it calls the feature packages (session,
// checkpoint, escalate) and holds only the handlers, the templates and
// assets (embedded), and the checks that keep other sites and other hosts
// out: a token, a CSRF field tied to it, the Origin and the Host.
//
// It is the binary maestro-ui, which maestro ui runs in its place, so that
// maestro itself, started by every git hook and agent hook, does not link
// net/http and html/template.
//
// Stable hooks for browser tests (docs/ui.md, /tmp contract):
//
//	/                table#sessions tr[data-session=ID]; ul#questions li[data-question=ID]
//	/s/{session}     ol#timeline li[data-kind=run|checkpoint|rollback|undo|redo|question|answer|...];
//	                 a[rel=next], a[rel=prev]; ?page=N, 50 items a page, newest first
//	/c/{s}/{cp}      dl#record; #diff section.file, .add, .del; button#rollback-dryrun,
//	                 then #result and button#rollback-confirm, then #result and button#undo
//	/q/{id}          form#answer: input[name=option] radios (the default checked),
//	                 textarea[name=justification], button#answer-submit; #result after the POST
//	                 (409 when it was answered already)
//	every page       body[data-updated=N]: N grows at each live update (/events, ui.js);
//	                 body[data-version=SIG]: the state shown, as /events names it
package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/notify"
)

// Options configure a server.
type Options struct {
	Dir string // a folder in the repository served
	// Addr is HOST:PORT to listen on; "" is 127.0.0.1:0 (a free port).
	Addr string
	// Token is required by every request; "" makes a random one.
	Token string
	// NoToken serves without a token: refused unless Addr is loopback.
	NoToken bool
	// ConfigFlag is maestro ui --config, and Defaults the built-in
	// recovery.toml: where the [notify] table told of a rollback made on
	// the page is read, once, when the server starts. Without Defaults,
	// no notification.
	ConfigFlag string
	Defaults   []byte
	// Poll is how often the watcher looks for changes; 0 is a second.
	Poll time.Duration
	Log  io.Writer // where the server says what went wrong; nil: stderr

	// FetchEvery is how often the questions of [escalate] remote are
	// fetched; 0 is 30 seconds.
	FetchEvery time.Duration
}

// Server is a listening web page. New listens; Serve serves.
type Server struct {
	o        Options
	store    *checkpoint.Store
	stateDir string
	repo     string // the working tree's top level
	gitDir   string // the common git directory, where refs are
	remote   string // [escalate] remote: its questions are fetched (fetch.go)

	ln      net.Listener
	base    string          // http://HOST:PORT
	hosts   map[string]bool // Host headers taken, lower case
	anyIP   bool            // bound to every address: any IP literal with the port
	port    string
	token   string
	csrf    string
	pages   *template.Template
	hub     *hub
	data    *cache
	done    chan struct{}
	closing sync.Once
}

// AddrError is an address the server will not listen on: the user's
// mistake (a usage error), not the server's.
type AddrError struct{ msg string }

func (e *AddrError) Error() string { return e.msg }

// New checks the options, opens the repository and listens.
func New(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	host, port, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, &AddrError{fmt.Sprintf("--addr %q: want HOST:PORT (127.0.0.1:8080, [::1]:0)", o.Addr)}
	}
	if host == "" {
		return nil, &AddrError{fmt.Sprintf("--addr %q: give the host (127.0.0.1:%s, or 0.0.0.0:%s for every address)", o.Addr, port, port)}
	}
	loopback := isLoopback(host)
	if o.NoToken && !loopback {
		return nil, &AddrError{fmt.Sprintf("--no-token is only for a loopback address (127.0.0.1, ::1, localhost), not %s: anyone who can reach this machine could roll back your work", host)}
	}
	store, err := checkpoint.Open(dirOr(o.Dir))
	if err != nil {
		return nil, err
	}
	stateDir, err := state.Dir(store.Repo().TopLevel, nil)
	if err != nil {
		return nil, err
	}
	var remote string // [escalate] remote, whose questions the page fetches
	if o.Defaults != nil {
		cfg, err := catalog.Load(catalog.Options{ConfigFlag: o.ConfigFlag, Dir: store.Repo().TopLevel, Default: o.Defaults, Warn: o.Log})
		if err != nil {
			return nil, err
		}
		// As maestro rollback does: a rollback made on the page is told.
		store.Notifier = notify.New(cfg.Notify)
		remote = cfg.Escalate.Remote
	}
	s := &Server{o: o, store: store, stateDir: stateDir, repo: store.Repo().TopLevel, gitDir: store.Repo().CommonDir, done: make(chan struct{}), remote: remote}
	if !o.NoToken {
		s.token = o.Token
		if s.token == "" {
			s.token = randomHex(32)
		}
	}
	// The CSRF field is tied to the token: a page served to one token is
	// no use with another. Without a token, to a key of this run.
	s.csrf = mac(randomHex(32)+s.token, "csrf")
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, &AddrError{fmt.Sprintf("listen on %s: %v", o.Addr, errors.Unwrap(err))}
	}
	s.ln = ln
	_, s.port, _ = net.SplitHostPort(ln.Addr().String())
	s.hosts = map[string]bool{}
	ip := net.ParseIP(host)
	switch {
	case ip != nil && ip.IsUnspecified():
		s.anyIP = true
		s.base = "http://" + net.JoinHostPort("127.0.0.1", s.port)
		s.hosts["localhost:"+s.port] = true
	case loopback:
		for _, h := range []string{"127.0.0.1", "localhost", "[::1]"} {
			s.hosts[h+":"+s.port] = true
		}
		s.base = "http://" + net.JoinHostPort(host, s.port)
	default:
		s.base = "http://" + net.JoinHostPort(host, s.port)
	}
	s.hosts[strings.ToLower(strings.TrimPrefix(s.base, "http://"))] = true
	s.data = newCache(s)
	s.hub = newHub()
	return s, nil
}

// Loopback says whether host is a loopback address: the only kind served
// without a token.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NonLoopback says whether maestro ui should warn about addr: anyone who
// reaches it and learns the token can change the repository.
func (s *Server) NonLoopback() bool {
	host, _, _ := net.SplitHostPort(s.o.Addr)
	return !isLoopback(host)
}

// URL is the address to open: with the token, which the first visit turns
// into a cookie.
func (s *Server) URL() string {
	if s.token == "" {
		return s.base + "/"
	}
	return s.base + "/?token=" + url.QueryEscape(s.token)
}

// BaseURL is http://HOST:PORT, without the token.
func (s *Server) BaseURL() string { return s.base }

// Token is the token every request needs ("" with NoToken).
func (s *Server) Token() string { return s.token }

// Repo is the top level of the working tree served.
func (s *Server) Repo() string { return s.repo }

// Handler is the whole site, checks included.
func (s *Server) Handler() http.Handler { return s.guard(s.versioned(s.routes())) }

// Serve serves until ctx ends, then shuts down: requests in progress get a
// few seconds to finish, the live-update streams end at once.
func (s *Server) Serve(ctx context.Context) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// /events lifts it for its stream (see events).
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       nil,
	}
	hs.RegisterOnShutdown(s.close)
	go s.watch(ctx)
	go s.fetchQuestions(ctx)
	go s.data.warm()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(s.ln) }()
	select {
	case err := <-errc:
		s.close()
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = hs.Close()
	}
	<-errc
	return err
}

func (s *Server) close() { s.closing.Do(func() { close(s.done) }) }

func dirOr(d string) string {
	if d == "" {
		return "."
	}
	return d
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on the systems Go supports
	}
	return hex.EncodeToString(b)
}

// shared is the questions of the repository: asked here, and fetched.
func (s *Server) shared() *escalate.Shared {
	return escalate.NewShared(escalate.NewStore(s.stateDir), s.store.Repo())
}

// Close stops listening, for a server that New made and Serve never ran.
func (s *Server) Close() error {
	s.close()
	return s.ln.Close()
}
