package mcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	outcomes "github.com/maestro-recovery/maestro/outcome"
	"github.com/maestro-recovery/maestro/recovery"
	sessionlog "github.com/maestro-recovery/maestro/session"
	"github.com/maestro-recovery/maestro/wrapper"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

type runIn struct {
	Command             []string `json:"command" jsonschema:"the command and its arguments, one word each"`
	MaxAttempts         int      `json:"max_attempts,omitempty" jsonschema:"attempts, the first included (default: recovery.toml's [retry] max_attempts, 3 unless set there)"`
	TimeoutSeconds      float64  `json:"timeout_seconds,omitempty" jsonschema:"stop an attempt after this many seconds (it then ends with exit code 124); 0 for none"`
	TotalTimeoutSeconds float64  `json:"total_timeout_seconds,omitempty" jsonschema:"stop the whole run, retries included, after this many seconds (default 600, or recovery.toml's total_timeout when shorter)"`
	RetryOn             string   `json:"retry_on,omitempty" jsonschema:"which failures to retry: any (of a type worth retrying), transient, or exit codes such as 1,75"`
	TailLines           *int     `json:"tail_lines,omitempty" jsonschema:"how many of the output's last lines to return (default 40)"`
	Checkpoint          bool     `json:"checkpoint,omitempty" jsonschema:"make a pre_risky_operation checkpoint before the first attempt"`
	SessionID           string   `json:"session_id,omitempty"`
	Approach            string   `json:"approach,omitempty" jsonschema:"the catalog approach this run follows up on: marked as tried, the session's next run of the same command records whether it worked"`
}

type runOut struct {
	Report *wrapper.Report `json:"report"`
	// Output is the last lines the command wrote, over all its attempts,
	// stderr and stdout merged as on a terminal, control characters made
	// visible.
	Output     []string          `json:"output"`
	OutputSeen int               `json:"output_lines"`
	Truncated  bool              `json:"output_truncated"`
	Progress   []string          `json:"progress"`
	Checkpoint string            `json:"checkpoint_id,omitempty"`
	Recovery   []recovery.Result `json:"recovery"`
	// GreenCheckpoint is the green checkpoint a passing run recorded, as
	// for maestro run.
	GreenCheckpoint string `json:"green_checkpoint,omitempty"`
}

func (t *tools) run(ctx context.Context, req *sdk.CallToolRequest, in runIn) (any, error) {
	if len(in.Command) == 0 || in.Command[0] == "" {
		return nil, failf("no command to run")
	}
	cfg, err := t.catalog()
	if err != nil {
		return nil, err
	}
	policy := cfg.Retry
	if in.MaxAttempts > 0 {
		policy.MaxAttempts = in.MaxAttempts
	}
	if in.TimeoutSeconds > 0 {
		policy.AttemptTimeout = seconds(in.TimeoutSeconds)
	}
	// A call is bounded even when the configuration sets no total
	// timeout: a client waits for the result.
	if total := seconds(in.TotalTimeoutSeconds); total > 0 && (policy.TotalTimeout == 0 || total < policy.TotalTimeout) {
		policy.TotalTimeout = total
	} else if policy.TotalTimeout == 0 {
		policy.TotalTimeout = 10 * time.Minute
	}
	if in.RetryOn != "" {
		ro, err := catalog.ParseRetryOn(in.RetryOn)
		if err != nil {
			return nil, fail(fmt.Errorf("retry_on: %w", err))
		}
		policy.RetryOn = ro
	}
	if e := policy.Validate(); e != nil {
		return nil, fail(e)
	}
	approachType := ""
	if in.Approach != "" {
		types, err := cfg.Types()
		if err == nil {
			approachType, err = outcomes.Resolve(types, in.Approach, "")
		}
		if err != nil {
			return nil, fail(fmt.Errorf("approach: %w", err))
		}
	}
	ch, err := t.session(in.SessionID)
	if err != nil {
		return nil, err
	}
	select {
	case t.runs <- struct{}{}:
		defer func() { <-t.runs }()
	case <-ctx.Done():
		return nil, fail(ctx.Err())
	}

	notifier := t.notifierOf(cfg)
	var store *checkpoint.Store
	openStore := func() (*checkpoint.Store, error) {
		if store == nil {
			s, err := checkpoint.Open(".")
			if err != nil {
				return nil, err
			}
			s.Notifier = notifier
			store = s
		}
		return store, nil
	}
	out := runOut{Output: []string{}, Progress: []string{}}
	if in.Checkpoint {
		s, err := openStore()
		if err != nil {
			return nil, storeFail(fmt.Errorf("checkpoint: %w", err))
		}
		rec, err := s.Create(checkpoint.CreateOptions{SessionID: ch.ID, Type: "pre_risky_operation", Description: "before: " + strings.Join(in.Command, " ")})
		if err != nil {
			return nil, storeFail(fmt.Errorf("checkpoint: %w", err))
		}
		out.Checkpoint = rec.CheckpointID
	}

	stdin, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fail(err)
	}
	defer stdin.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fail(err)
	}
	lines := 40
	if in.TailLines != nil && *in.TailLines >= 0 && *in.TailLines <= maxItems {
		lines = *in.TailLines
	}
	output, progress := newTail(lines), newTail(20)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(output, r)
	}()
	// The client's cancellation stops the run as an interrupt would: the
	// command's process group gets SIGTERM, and no attempt follows.
	sigs := make(chan os.Signal, 1)
	stop := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sigs <- syscall.SIGTERM
		case <-stop:
		}
	}()
	posted := keepPosted(ctx, req, func() string {
		if l := progress.last(); l != "" {
			return l
		}
		return "running " + cut(strings.Join(in.Command, " "), 200)
	})
	rep, runErr := wrapper.Run(wrapper.Options{
		Args: in.Command, Retry: policy, Config: cfg,
		Stdin: stdin, Stdout: w, Stderr: w,
		Progress: progress,
		Signals:  wrapper.SignalsFrom(sigs),
	})
	close(stop)
	posted()
	w.Close()
	// A background process the command left may hold the pipe open: its
	// output is not the command's, and the result does not wait for it.
	select {
	case <-copied:
	case <-time.After(time.Second):
		r.Close()
		<-copied
	}
	r.Close()
	output.flush()
	progress.flush()
	out.Report = rep
	out.Output, out.OutputSeen, out.Truncated = output.lines(), output.seen, output.cut
	out.Progress = progress.lines()

	var intr *wrapper.Interrupted
	// Settled first: the approaches the chain returns count this run.
	dir := state.DirOrEmpty()
	if dir != "" {
		if err := outcomes.AfterRun(dir, ch.ID, in.Command, rep.Success, errors.As(runErr, &intr), in.Approach, approachType, rep.Classification, outcomes.SourceMCP); err != nil {
			fmt.Fprintf(t.o.Log, "maestro: warning: the approach's outcome is not recorded: %v\n", err)
		}
	}
	results := recovery.Chain(recovery.Policy{Suggest: true}, recovery.Input{
		Outcome: rep.Outcome, AttemptsMade: rep.AttemptsMade, Interrupted: errors.As(runErr, &intr),
		Classification: rep.Classification, Config: cfg, SessionID: ch.ID, Checkpoint: out.Checkpoint, Store: openStore,
		Command: in.Command, FailedTests: rep.FailedTestNames(), ExitCode: rep.ExitCode, Notifier: notifier,
		StateDir: dir,
	})
	if rep.Success {
		rec, err := recovery.RecordGreen(recovery.GreenInput{OnGreen: cfg.Checkpoints.OnGreen, Command: in.Command,
			TestRunner: rep.TestRunner, SessionID: ch.ID, Store: openStore})
		switch {
		case err != nil:
			fmt.Fprintf(t.o.Log, "maestro: warning: no green checkpoint: %v\n", err)
		case rec != nil:
			out.GreenCheckpoint = rec.CheckpointID
		}
	}
	if results == nil {
		results = []recovery.Result{}
	}
	out.Recovery = results
	t.logRun(ch.ID, rep, results)
	var start *wrapper.StartError
	if errors.As(runErr, &start) {
		return nil, fail(start)
	}
	if runErr != nil && !errors.As(runErr, &intr) {
		return nil, fail(runErr)
	}
	return out, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// logRun keeps the run in the session's log, as maestro run does. A log
// that cannot be written costs a warning on the server's log, not the run.
func (t *tools) logRun(session string, rep *wrapper.Report, results []recovery.Result) {
	dir, err := state.Dir(".", nil)
	if err == nil {
		err = sessionlog.Open(dir, session).Append(sessionlog.Entry{Type: sessionlog.KindRun, Run: sessionlog.RunOf(rep, results)})
	}
	if err != nil {
		fmt.Fprintf(t.o.Log, "maestro: warning: the run is not in the session log: %v\n", err)
	}
}

// tail keeps the last n lines written to it, each cut to maxLineSize and
// shown safe, and counts them all: memory stays flat whatever the command
// writes.
type tail struct {
	mu      sync.Mutex
	ring    []string
	next    int // where the next line goes once the ring is full
	n       int
	partial []byte
	seen    int
	cut     bool
}

func newTail(n int) *tail { return &tail{n: n} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxLineSize + 1 - len(t.partial); room > 0 {
			t.partial = append(t.partial, chunk[:min(len(chunk), room)]...)
		}
		if i < 0 {
			break
		}
		t.push()
		p = p[i+1:]
	}
	return n, nil
}

func (t *tail) push() {
	line := strings.TrimSuffix(string(t.partial), "\r")
	t.partial = t.partial[:0]
	t.seen++
	if len(line) > maxLineSize {
		line, t.cut = cut(line, maxLineSize), true
	}
	line = textsafe.Visible(line)
	switch {
	case t.n == 0:
		t.cut = true
	case len(t.ring) < t.n:
		t.ring = append(t.ring, line)
	default:
		t.ring[t.next] = line
		t.next = (t.next + 1) % t.n
		t.cut = true
	}
}

// flush ends the last line, which had no newline.
func (t *tail) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.partial) > 0 {
		t.push()
	}
}

// last is the last whole line written, "" before one.
func (t *tail) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case len(t.ring) == 0:
		return ""
	case len(t.ring) < t.n || t.next == 0:
		return t.ring[len(t.ring)-1]
	}
	return t.ring[t.next-1]
}

func (t *tail) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.ring))
	out = append(out, t.ring[t.next:]...)
	return append(out, t.ring[:t.next]...)
}
