package agent

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
)

// HookOptions are what one run of `maestro agent hook AGENT EVENT` works
// with.
type HookOptions struct {
	Agent, Event string
	Payload      []byte
	// Default is the embedded recovery.toml.
	Default []byte
	Getenv  func(string) string
	Now     func() time.Time
}

// HookResult is the hook's answer: Stdout for the agent (nil for none),
// and at most one line for stderr ("" for none). The exit code is always
// 0, which every agent reads as "go on".
type HookResult struct {
	Stdout  []byte
	Warning string
}

// Handle acts on one hook event. It never fails the agent: what goes wrong
// becomes the warning, and the agent gets the answer that lets it go on.
// It starts no git process unless it makes a checkpoint.
func Handle(o HookOptions) HookResult {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if Find(o.Agent) == nil {
		return HookResult{Warning: fmt.Sprintf("unknown agent %q: use one of %s", o.Agent, strings.Join(Names(), ", "))}
	}
	ev, err := Parse(o.Agent, o.Event, o.Payload)
	if err != nil {
		return HookResult{Stdout: Render(ev, Decision{}), Warning: err.Error()}
	}
	if ev.Kind == "" {
		res := HookResult{Stdout: Render(ev, Decision{})}
		if !Known(o.Agent, o.Event) {
			res.Warning = fmt.Sprintf("unknown %s event %q: nothing done", o.Agent, o.Event)
		}
		return res
	}
	h := &hook{o: o, ev: ev, dir: workDir(ev.Cwd)}
	d, err := h.run()
	res := HookResult{Stdout: Render(ev, d)}
	if err != nil {
		res.Warning = err.Error()
	}
	return res
}

// workDir is the folder the agent works in: its cwd when it names one,
// else the hook's own.
func workDir(cwd string) string {
	if filepath.IsAbs(cwd) {
		if info, err := os.Stat(cwd); err == nil && info.IsDir() {
			return cwd
		}
	}
	return "."
}

type hook struct {
	o        HookOptions
	ev       Event
	dir      string
	stateDir string
	sid      string
}

func (h *hook) run() (Decision, error) {
	h.sid = SessionID(h.ev.Agent, h.ev.SessionID)
	switch h.ev.Kind {
	case KindPreTool:
		return h.preTool()
	case KindPostTool:
		return h.postTool()
	}
	if err := h.openState(); err != nil {
		return Decision{}, err
	}
	switch h.ev.Kind {
	case KindSessionStart:
		return Decision{}, h.sessionStart()
	case KindPrompt:
		return Decision{}, h.prompt()
	case KindStop:
		return Decision{}, h.stop()
	}
	return Decision{}, nil
}

func (h *hook) openState() error {
	if h.stateDir != "" {
		return nil
	}
	dir, err := state.Dir(h.dir, h.o.Getenv)
	if err != nil {
		return err
	}
	h.stateDir = dir
	return nil
}

// bind makes sure the maestro session of the agent's session exists,
// with its binding; it returns the binding as it was (found false when
// the agent's session is new to maestro).
func (h *hook) bind(change func(b *binding) bool) (binding, bool, error) {
	var was bool
	b, err := update(h.stateDir, h.sid, func(b *binding, found bool) bool {
		was = found
		changed := false
		if !found {
			*b = binding{Agent: h.ev.Agent, AgentSessionID: h.ev.SessionID, SessionID: h.sid, StartedAt: h.o.Now().UTC()}
			changed = true
		}
		if change != nil && change(b) {
			changed = true
		}
		return changed
	})
	if err == nil && !was {
		desc := fmt.Sprintf("%s session %s", h.ev.Agent, oneLine(h.ev.SessionID, 80))
		if _, serr := sessionlog.Start(h.stateDir, h.sid, desc, h.o.Now()); serr != nil && !errors.Is(serr, state.ErrExists) {
			err = serr
		}
	}
	return b, was, err
}

func (h *hook) log(kind string, a sessionlog.Agent, description string) error {
	a.Agent, a.AgentSessionID, a.Event = h.ev.Agent, h.ev.SessionID, h.ev.Name
	return sessionlog.Open(h.stateDir, h.sid).Append(sessionlog.Entry{Time: h.o.Now(), Type: kind, Description: description, Agent: &a})
}

func (h *hook) sessionStart() error {
	if _, _, err := h.bind(nil); err != nil {
		return err
	}
	// Claude Code runs the session's commands with what a SessionStart
	// hook writes to $CLAUDE_ENV_FILE: maestro-run and maestro checkpoint,
	// run by the agent, then land in the agent's session too.
	// https://code.claude.com/docs/en/hooks#persist-environment-variables
	if f := h.o.Getenv("CLAUDE_ENV_FILE"); h.ev.Agent == "claude-code" && filepath.IsAbs(f) {
		if err := appendLine(f, "export MAESTRO_SESSION_ID="+h.sid); err != nil {
			return fmt.Errorf("write $CLAUDE_ENV_FILE: %w", err)
		}
	}
	return h.log(sessionlog.KindAgentSession, sessionlog.Agent{}, "")
}

func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// prompt remembers the first line of the prompt, in the session's log:
// the turn's checkpoint is described by it. It is the event of every
// prompt, so it costs one look at the binding and one append.
func (h *hook) prompt() error {
	if _, err := os.Lstat(bindingPath(h.stateDir, h.sid)); err != nil {
		if _, _, err := h.bind(nil); err != nil {
			return err
		}
	}
	line := oneLine(h.ev.Prompt, 200)
	// Kept apart for the turn's end too: reading it back from the log
	// would cost the end of every turn the whole log, growing with the
	// session (a 4 MB log made each end of a turn 2.5 times slower).
	if err := state.WriteAtomic(turnPath(h.stateDir, h.sid), []byte(line)); err != nil {
		return err
	}
	return h.log(sessionlog.KindAgentPrompt, sessionlog.Agent{}, line)
}

// turnPath keeps the first line of the turn's prompt, from the prompt
// event to the end of the turn.
func turnPath(stateDir, sid string) string {
	return filepath.Join(sessionlog.Open(stateDir, sid).Dir, "agent-turn")
}

// turnPrompt is the first line of the turn's prompt, or "" when the turn
// had none; the next turn starts without one.
func (h *hook) turnPrompt() string {
	path := turnPath(h.stateDir, h.sid)
	data, err := state.ReadFileLimit(path, 4096)
	if err != nil {
		return ""
	}
	os.Remove(path)
	return oneLine(string(data), 200)
}

// config reads recovery.toml as every command does. Without a file of the
// user's, nothing is parsed: the [agent] defaults are compiled in.
func (h *hook) config() (*catalog.Config, error) {
	return catalog.Load(catalog.Options{Dir: h.dir, Default: h.o.Default, Getenv: h.o.Getenv, Warn: io.Discard})
}

// preTool makes a checkpoint before a risky shell command, and blocks it
// when the configuration says so. Any other command costs no more than
// reading the configuration.
func (h *hook) preTool() (Decision, error) {
	if h.ev.Command == "" {
		return Decision{}, nil
	}
	cfg, err := h.config()
	if err != nil {
		return Decision{}, err
	}
	pattern, risky := cfg.Agent.Risky(h.ev.Command)
	if !risky {
		return Decision{}, nil
	}
	if err := h.openState(); err != nil {
		return Decision{}, err
	}
	if _, _, err := h.bind(nil); err != nil {
		return Decision{}, err
	}
	entry := sessionlog.Agent{Command: h.ev.Command, Pattern: pattern, Blocked: cfg.Agent.BlockRisky}
	rec, cpErr := h.checkpoint(checkpoint.CreateOptions{
		Description: "before: " + oneLine(h.ev.Command, 200),
		Type:        "pre_risky_operation",
		State:       map[string]any{"command": clipText(h.ev.Command, 4<<10)},
	})
	if rec != nil {
		entry.CheckpointID = rec.CheckpointID
		if _, _, err := h.bind(func(b *binding) bool {
			b.LastCheckpoint, b.LastDescription, b.LastTree = rec.CheckpointID, rec.Description, rec.Tree
			return true
		}); err != nil {
			return Decision{}, err
		}
	} else {
		entry.Skipped = cpErr.Error()
	}
	logErr := h.log(sessionlog.KindAgentRisky, entry, "")
	d := Decision{}
	if cfg.Agent.BlockRisky {
		d.Block = true
		d.Reason = blockReason(h.ev.Command, pattern, rec, h.sid)
	}
	if cpErr != nil {
		return d, fmt.Errorf("no checkpoint before the risky command: %w", cpErr)
	}
	return d, logErr
}

func blockReason(command, pattern string, rec *checkpoint.Record, sid string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "maestro blocked `%s`: it matches the risky command pattern %s ([agent] risky_commands in recovery.toml, with block_risky = true).", oneLine(command, 200), pattern)
	if rec != nil {
		fmt.Fprintf(&b, " The work as it is now is checkpoint %s (maestro show --session-id %s %s).", rec.CheckpointID, sid, rec.CheckpointID)
	}
	b.WriteString(" Do it another way, or ask the user to run the command.")
	return b.String()
}

// checkpoint makes a checkpoint of the agent's working tree in its
// session.
func (h *hook) checkpoint(o checkpoint.CreateOptions) (*checkpoint.Record, error) {
	s, err := checkpoint.Open(h.dir)
	if errors.Is(err, git.ErrNotRepo) {
		return nil, errors.New("not in a git repository")
	}
	if err != nil {
		return nil, err
	}
	s.Now = h.o.Now
	o.SessionID, o.Source = h.sid, h.ev.Agent
	if o.Tags == nil {
		o.Tags = []string{"agent"}
	}
	return s.Create(o)
}

// postTool classifies a failed shell command and tells the model what it
// was and what to do; a command that worked ends the run of failures and
// says nothing.
func (h *hook) postTool() (Decision, error) {
	if h.ev.Command == "" || h.ev.Interrupted {
		return Decision{}, nil
	}
	if err := h.openState(); err != nil {
		return Decision{}, err
	}
	if !h.ev.Failed {
		// Only a binding with failures in a row is written to.
		b, found, err := readBinding(h.stateDir, h.sid)
		if err != nil || !found || b.StreakCount == 0 {
			return Decision{}, err
		}
		_, _, err = h.bind(func(b *binding) bool {
			b.StreakType, b.StreakCount, b.StreakGood, b.StreakDescription = "", 0, "", ""
			return true
		})
		return Decision{}, err
	}
	cfg, err := h.config()
	if err != nil {
		return Decision{}, err
	}
	code := h.ev.ExitCode
	if code < 0 {
		code = 1
	}
	cls, err := cfg.Classify(catalog.Failure{ExitCode: code, Output: h.ev.Output})
	if err != nil {
		return Decision{}, err
	}
	b, _, err := h.bind(func(b *binding) bool {
		if b.StreakType == cls.FailureType && b.StreakCount > 0 {
			b.StreakCount++
		} else {
			b.StreakType, b.StreakCount = cls.FailureType, 1
			b.StreakGood, b.StreakDescription = b.LastCheckpoint, b.LastDescription
		}
		return true
	})
	if err != nil {
		return Decision{}, err
	}
	entry := sessionlog.Agent{Command: h.ev.Command, FailureType: cls.FailureType, Line: cls.Line, InARow: b.StreakCount}
	if h.ev.ExitCode >= 0 {
		entry.ExitCode = &h.ev.ExitCode
	}
	logErr := h.log(sessionlog.KindAgentFailure, entry, "")
	ctx := FailureContext(h.ev.Command, h.ev.ExitCode, cls, b.StreakCount, cfg.Agent.RollbackAfter, h.sid, b.StreakGood, b.StreakDescription)
	return Decision{Context: ctx}, logErr
}

// stop makes the turn's checkpoint, described by its prompt, unless the
// working tree is still the last checkpoint's.
func (h *hook) stop() error {
	b, _, err := h.bind(nil)
	if err != nil {
		return err
	}
	desc := h.turnPrompt()
	if desc == "" {
		desc = "end of a " + h.ev.Agent + " turn"
	}
	rec, err := h.checkpoint(checkpoint.CreateOptions{Description: desc, Type: "task_group_complete", UnlessTree: b.LastTree, LikelyDirty: true})
	entry := sessionlog.Agent{}
	switch {
	case errors.Is(err, checkpoint.ErrUnchanged):
		entry.Skipped = "no change since checkpoint " + b.LastCheckpoint
		err = nil
	case err != nil:
		entry.Skipped = err.Error()
		if err.Error() == "not in a git repository" {
			err = nil // nothing to checkpoint, and nothing wrong
		}
	default:
		entry.CheckpointID = rec.CheckpointID
		if _, _, berr := h.bind(func(b *binding) bool {
			b.LastCheckpoint, b.LastDescription, b.LastTree = rec.CheckpointID, rec.Description, rec.Tree
			return true
		}); berr != nil {
			err = berr
		}
	}
	if lerr := h.log(sessionlog.KindAgentTurn, entry, desc); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("no checkpoint of this turn: %w", err)
	}
	return nil
}

// FailureContext is the one short block the model gets after a shell
// command failed: what kind of failure, the line that says so, whether
// another try can help (and how to make it), the two approaches to try
// first and, after rollbackAfter failures of the type in a row, where to
// roll back to.
func FailureContext(command string, exitCode int, c catalog.Classification, inARow, rollbackAfter int, sid, good, goodDescription string) string {
	var b strings.Builder
	exit := ""
	if exitCode >= 0 {
		exit = fmt.Sprintf(" (exit %d)", exitCode)
	}
	fmt.Fprintf(&b, "maestro: `%s` failed%s: %s", oneLine(command, 120), exit, c.FailureType)
	if ft := c.FailureType; inARow > 1 {
		fmt.Fprintf(&b, ", %d %s failures in a row", inARow, ft)
	}
	b.WriteString("\n")
	if c.Line != "" {
		fmt.Fprintf(&b, "matched line: %s\n", c.Line)
	}
	switch {
	case c.Transient:
		fmt.Fprintf(&b, "retry: can help; run it as: %s\n", RetryCommand(command))
	case !c.Retryable:
		b.WriteString("retry: will not help; change something first\n")
	default:
		b.WriteString("retry: only if it is flaky; otherwise change something first\n")
	}
	for i, a := range c.Approaches {
		if i == 2 {
			break
		}
		how := a.ImplementationPattern
		if how == "" {
			how = a.Description
		}
		fmt.Fprintf(&b, "approach %d: %s: %s\n", i+1, a.Name, how)
	}
	if rollbackAfter > 0 && inARow >= rollbackAfter {
		if good != "" {
			fmt.Fprintf(&b, "roll back: the last checkpoint before these failures is %s (%s): maestro rollback --session-id %s --checkpoint-id %s (maestro undo --session-id %s takes it back)\n",
				good, oneLine(goodDescription, 80), sid, good, sid)
		} else {
			b.WriteString("roll back: this session has no checkpoint from before these failures\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// RetryCommand is command run under maestro-run: as it is when it is
// plain words, else through sh -c, so that it runs exactly as the agent
// wrote it.
func RetryCommand(command string) string {
	words := strings.Fields(command)
	plain := len(words) > 0
	for _, w := range words {
		if textsafe.ShellQuote(w) != w {
			plain = false
			break
		}
	}
	if plain {
		return "maestro-run -- " + strings.Join(words, " ")
	}
	return "maestro-run -- sh -c " + textsafe.ShellQuote(command)
}

// oneLine is the first line of s, at most max runes.
func oneLine(s string, max int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}

func clipText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
