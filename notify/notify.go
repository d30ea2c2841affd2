// Package notify tells a person who is not at the terminal that something
// happened: it runs the program [notify] in recovery.toml names, with the
// event as one JSON document on its stdin, when a run fails after all its
// retries, when a rollback is made and when a question is put to a human.
// A notifier is a guest: one that fails, is missing or hangs never fails
// or holds up the command that sent the event beyond its timeout, and is
// reported once per process.
package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// The events, as the payload's event field and the events filter name them.
const (
	QuestionAsked = "question_asked"
	RunFailed     = "run_failed"
	RolledBack    = "rollback"
)

// Events lists every event, for validating a filter.
var Events = []string{QuestionAsked, RunFailed, RolledBack}

// Timeouts of a notifier.
const (
	DefaultTimeout = 10 * time.Second
	MaxTimeout     = time.Minute
	// grace is how long a notifier has between TERM, at the timeout, and
	// KILL: enough for curl to give up, short enough not to be noticed.
	grace = 500 * time.Millisecond
)

// Config is the effective [notify] table.
type Config struct {
	// Command is the notifier's argv, run without a shell; empty when
	// [notify] is absent, and then nothing is ever started.
	Command []string
	// Events are the events sent; empty sends them all.
	Events []string
	// Timeout stops the notifier: TERM, then KILL half a second later.
	Timeout time.Duration
}

// Notifier sends events to the configured command. A nil *Notifier sends
// nothing and costs nothing, so callers need not check for one.
type Notifier struct {
	cfg Config
	// Stderr receives the warning when the notifier fails; os.Stderr when
	// nil. The notifier's own output never goes anywhere else.
	Stderr io.Writer
	// Now is the events' clock; time.Now when nil.
	Now func() time.Time
	// warned is the process's: tests give each notifier its own.
	warned *atomic.Bool
}

// New returns the notifier of cfg, nil when it has no command.
func New(cfg Config) *Notifier {
	if len(cfg.Command) == 0 {
		return nil
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Notifier{cfg: cfg, warned: &warned}
}

// Wants reports whether event would be sent: false for a nil Notifier and
// for an event the filter leaves out. Callers use it to skip building an
// event nobody will read.
func (n *Notifier) Wants(event string) bool {
	if n == nil {
		return false
	}
	if len(n.cfg.Events) == 0 {
		return true
	}
	for _, e := range n.cfg.Events {
		if e == event {
			return true
		}
	}
	return false
}

// warned is set by the first failure reported in this process: a notifier
// that is down stays down, and one line says so.
var warned atomic.Bool

// Send runs the notifier with e on its stdin and waits for it, at most its
// timeout and the grace after TERM. It fills e's time, repository and
// message when they are empty. It returns what went wrong, already
// reported on Stderr (once per process): the caller has nothing to do
// about it.
func (n *Notifier) Send(e *Event) error {
	if !n.Wants(e.Event) {
		return nil
	}
	if e.Time.IsZero() {
		now := time.Now
		if n.Now != nil {
			now = n.Now
		}
		e.Time = now()
	}
	e.Time = e.Time.UTC().Truncate(time.Second)
	if e.Repository == "" {
		if top, ok := git.FindTopLevel("."); ok {
			e.Repository = top
		}
	}
	e.bound()
	if e.Message == "" {
		e.Message = e.message()
	}
	e.Message = oneLine(e.Message, maxMessage)
	out, err := n.run(e)
	if err != nil && !n.warned.Swap(true) {
		n.warn(err, out)
	}
	return err
}

func (n *Notifier) warn(err error, out []byte) {
	w := n.Stderr
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "maestro: warning: notify: %s: %s\n", textsafe.Visible(oneLine(textsafe.ShellJoin(n.cfg.Command), maxShown)), textsafe.Visible(err.Error()))
	for _, l := range lastLines(out, maxOutputLines) {
		fmt.Fprintf(w, "maestro:   %s\n", textsafe.Visible(l))
	}
}

// Bounds of what the notifier says, kept for the warning.
const (
	maxOutput      = 4 << 10
	maxOutputLines = 10
	maxShown       = 60 // of the command line
)

// run starts the notifier in its own process group, in the repository's
// top level (the current directory outside one), and waits for it until
// the timeout. It returns the tail of its output.
func (n *Notifier) run(e *Event) ([]byte, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	argv := n.cfg.Command
	cmd := exec.Command(argv[0], argv[1:]...)
	if cmd.Err != nil {
		return nil, startError(cmd.Err)
	}
	cmd.Dir = e.Repository
	cmd.Env = append(os.Environ(), "MAESTRO_EVENT="+e.Event, "MAESTRO_MESSAGE="+e.Message)
	// A pipe, never maestro's stdin (the wrapped command's, or the MCP
	// client's); the payload is bounded below a pipe's buffer.
	cmd.Stdin = bytes.NewReader(append(data, '\n'))
	out := &tail{max: maxOutput}
	cmd.Stdout, cmd.Stderr = out, out
	// Setsid: the notifier's own process group, which a timeout kills
	// whole, and no controlling terminal to read from.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// Something the notifier left running in the background may hold its
	// output open: it is not waited for.
	cmd.WaitDelay = 100 * time.Millisecond
	if err := cmd.Start(); err != nil {
		return nil, startError(err)
	}
	pgid := cmd.Process.Pid
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	timer := time.NewTimer(n.cfg.Timeout)
	defer timer.Stop()
	select {
	case err = <-waited:
	case <-timer.C:
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		timer.Reset(grace)
		select {
		case <-waited:
		case <-timer.C:
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-waited
		}
		// What the notifier started goes with it.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return out.bytes(), fmt.Errorf("no answer in %s: stopped", formatDuration(n.cfg.Timeout))
	}
	var exit *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		return nil, nil
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return out.bytes(), fmt.Errorf("exit status %d", exit.ExitCode())
	}
	return out.bytes(), err
}

func startError(err error) error {
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, syscall.ENOENT):
		return errors.New("command not found")
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.ENOEXEC):
		return errors.New("cannot execute it (is it a program, or a script with a #! line and execute permission?)")
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// formatDuration is a duration as a person writes it: 200ms, 10s, 1m
// (a timeout is at most a minute).
func formatDuration(d time.Duration) string {
	return strings.Replace(d.String(), "m0s", "m", 1)
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return n, nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

func (t *tail) bytes() []byte { return t.buf }

// lastLines are the last max non-empty lines of out, each as a terminal
// would show it.
func lastLines(out []byte, max int) []string {
	var lines []string
	for _, l := range bytes.Split(out, []byte("\n")) {
		if l = bytes.TrimSpace(textsafe.Plain(l)); len(l) > 0 {
			lines = append(lines, string(l))
		}
	}
	if len(lines) > max {
		lines = lines[len(lines)-max:]
	}
	return lines
}

// oneLine makes s one line of at most max bytes that a notification can
// show as it is: escape sequences and invisible format characters go,
// other control characters (line feeds included) become spaces, runs of
// spaces one, and a cut is marked with an ellipsis.
func oneLine(s string, max int) string {
	// Escape sequences go whole, as a terminal would not show them.
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, string(textsafe.Plain([]byte(l))))
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(strings.Join(lines, " "), "\uFFFD") {
		switch {
		case r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0):
			space = b.Len() > 0
			continue
		case textsafe.Hidden(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return out[:cut] + "…"
}

// base is the name a message gives a repository: its folder's.
func base(repo string) string {
	if repo == "" {
		return ""
	}
	return filepath.Base(repo)
}
