// Package race runs one command in several forks at once, each with
// maestro's retry policy and classification (the wrapper's own run, in the
// fork's worktree), and reports which passed, which failed and which were
// stopped. The first fork to pass stops the others unless the race keeps
// going; a timeout or a signal ends every fork's process group as it ends
// maestro run's.
package race

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/fork"
	"github.com/maestro-recovery/maestro/outcome"
	sessionlog "github.com/maestro-recovery/maestro/session"
	"github.com/maestro-recovery/maestro/wrapper"
)

// Outcomes of a fork in a race.
const (
	Passed   = "passed"
	Failed   = "failed"
	TimedOut = "timed_out"
	// Stopped: another fork passed first, a signal interrupted the race, or
	// the fork never started because the race was over before its turn.
	Stopped = "stopped"
)

// Options describe one race.
type Options struct {
	Forks   []fork.Fork
	Command []string
	Retry   catalog.Retry
	Config  *catalog.Config
	// Jobs bounds how many forks run at once; at least 1.
	Jobs int
	// Timeout bounds the whole race; 0 for none.
	Timeout   time.Duration
	KeepGoing bool
	// OutputDir, when set, keeps each fork's output in OutputDir/NAME.out
	// and NAME.err (maestro's lines about the fork go there too); else the
	// output goes to Stdout and Stderr, each line prefixed "[NAME] ".
	OutputDir      string
	Stdout, Stderr io.Writer
	// Signals are the signals maestro received (SIGINT, SIGTERM, ...): each
	// is passed on to every running fork, and no other fork starts.
	Signals <-chan os.Signal
	// StateDir, when set, is where each fork's last run is recorded
	// (fork.WriteRun), and the outcome of a fork named after an approach
	// (outcome.Record, in the session that made the fork).
	StateDir string
}

// Result is what the race came to.
type Result struct {
	Forks []Fork `json:"forks"`
	// Winner is the first fork that passed; nil when none did.
	Winner          *string `json:"winner"`
	DurationSeconds float64 `json:"duration_seconds"`
	// InterruptedBy names the signal that stopped the race.
	InterruptedBy string         `json:"interrupted_by,omitempty"`
	Signal        syscall.Signal `json:"-"`
}

// Fork is one fork's part in the race.
type Fork struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Outcome string `json:"outcome"`
	// ExitCode is the last attempt's, as maestro run would exit with it;
	// nil for a fork that never started.
	ExitCode        *int    `json:"exit_code"`
	FailureType     string  `json:"failure_type"`
	Line            string  `json:"line"`
	Attempts        int     `json:"attempts"`
	DurationSeconds float64 `json:"duration_seconds"`
	// Output and Errors are the files its output was kept in (--output).
	Output string `json:"output,omitempty"`
	Errors string `json:"errors,omitempty"`

	// Report is the wrapper's report of the fork's run; nil when it never
	// started.
	Report *wrapper.Report `json:"-"`
}

// maxLine bounds a line of output as it is prefixed: a longer one is cut
// into lines of this length, each with its prefix.
const maxLine = 16 << 10

// Run runs the race. The error is maestro failing before any fork started
// (a fork's folder is gone, the output folder cannot be made); what
// happened to each fork is in the result.
func Run(o Options) (*Result, error) {
	if o.Jobs < 1 {
		o.Jobs = 1
	}
	for _, f := range o.Forks {
		// Found now: a command run in a missing folder would fail to
		// start as if it were not found.
		if st, err := os.Stat(f.Path); err != nil || !st.IsDir() {
			return nil, &GoneError{Name: f.Name, Path: f.Path}
		}
	}
	if o.OutputDir != "" {
		if err := os.MkdirAll(o.OutputDir, 0o777); err != nil {
			return nil, fmt.Errorf("--output: %w", err)
		}
	}
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer stdin.Close()
	rc := &racer{o: o, stdin: stdin, out: newLocked(o.Stdout), errOut: newLocked(o.Stderr)}
	return rc.run(), nil
}

// GoneError is a fork whose folder was removed by hand.
type GoneError struct{ Name, Path string }

func (e *GoneError) Error() string {
	return fmt.Sprintf("fork %s: its folder %s is gone", e.Name, e.Path)
}

// Hints say what to do about it.
func (e *GoneError) Hints() []string {
	return []string{"remove its record with 'maestro fork --remove " + e.Name + " --force', or leave it out with --forks"}
}

type racer struct {
	o           Options
	stdin       *os.File
	out, errOut *locked
}

// entrant is a fork's state while the race runs; only the race's own
// goroutine touches it, but for res, which the fork's goroutine fills in
// before it says it is done.
type entrant struct {
	name              string
	started, finished bool
	sigs              chan os.Signal
	progress          *lineWriter
	res               Fork
	// stoppedBy says why the race stopped the fork: it then ends as
	// stopped, whatever its run came to.
	stoppedBy string
}

func (rc *racer) run() *Result {
	o := rc.o
	start := time.Now()
	var deadline <-chan time.Time
	if o.Timeout > 0 {
		t := time.NewTimer(o.Timeout)
		defer t.Stop()
		deadline = t.C
	}
	es := make([]*entrant, len(o.Forks))
	for i, f := range o.Forks {
		es[i] = &entrant{name: f.Name, res: Fork{Name: f.Name, Path: f.Path, Outcome: Stopped}}
	}
	done := make(chan int)
	winner := -1
	var interrupted os.Signal
	halted := "" // why no more forks start
	select {
	case sig := <-o.Signals:
		// Received while maestro got ready: nothing starts.
		interrupted, halted = sig, interruptedBy
	default:
	}
	next, active := 0, 0
	for {
		for halted == "" && active < o.Jobs && next < len(es) {
			remaining := time.Duration(0)
			if o.Timeout > 0 {
				if remaining = o.Timeout - time.Since(start); remaining <= 0 {
					halted = timedOut
					break
				}
			}
			rc.start(next, es[next], remaining, done)
			next++
			active++
		}
		if active == 0 {
			break
		}
		select {
		case i := <-done:
			active--
			e := es[i]
			e.finished = true
			if e.stoppedBy != "" {
				// What its stopped run failed of is not its result.
				e.res.Outcome, e.res.FailureType, e.res.Line = Stopped, "", ""
			}
			rc.finished(e)
			if e.res.Outcome == Passed && winner < 0 {
				winner = i
				if !o.KeepGoing {
					halted = e.name + " passed"
					for _, other := range es {
						if other.started && !other.finished {
							other.stoppedBy = halted
							// What the wrapper says of the signal the race
							// sends is not news: the race says why.
							other.progress.mute()
							send(other.sigs, syscall.SIGTERM)
						}
					}
				}
			}
		case sig := <-o.Signals:
			if interrupted == nil {
				interrupted = sig
				halted = interruptedBy
			}
			// A second signal is passed on too: the wrapper then kills at
			// once, without waiting for the grace period.
			for _, e := range es {
				if e.started && !e.finished {
					if e.stoppedBy == "" {
						e.stoppedBy = interruptedBy
					}
					send(e.sigs, sig)
				}
			}
		case <-deadline:
			// The running forks' own total timeout ends them; no other
			// starts.
			if halted == "" {
				halted = timedOut
			}
		}
	}
	res := &Result{Forks: make([]Fork, len(es)), DurationSeconds: seconds(time.Since(start))}
	for i, e := range es {
		if !e.started && halted == timedOut {
			e.res.Outcome = TimedOut
		}
		res.Forks[i] = e.res
	}
	if winner >= 0 {
		name := es[winner].res.Name
		res.Winner = &name
	}
	if sig, ok := interrupted.(syscall.Signal); ok {
		res.Signal, res.InterruptedBy = sig, wrapper.SignalName(sig)
	}
	return res
}

// Why the race stops starting forks, besides a winner.
const (
	timedOut      = "timed out"
	interruptedBy = "interrupted"
)

// send passes sig on without blocking the race: the channel holds more
// than the race ever sends one fork.
func send(c chan os.Signal, sig os.Signal) {
	select {
	case c <- sig:
	default:
	}
}

// start runs fork i in its own goroutine, which sends i on done once its
// result is in.
func (rc *racer) start(i int, e *entrant, remaining time.Duration, done chan<- int) {
	o := rc.o
	f := o.Forks[i]
	e.started = true
	e.sigs = make(chan os.Signal, 8)
	if o.OutputDir != "" {
		// Set once the fork's NAME.err exists.
		e.progress = &lineWriter{max: maxLine}
	} else {
		e.progress = &lineWriter{w: rc.errOut, prefix: []byte("[" + f.Name + "] "), max: maxLine}
	}
	policy := o.Retry
	if remaining > 0 && (policy.TotalTimeout == 0 || remaining < policy.TotalTimeout) {
		// The race's timeout is the fork's total timeout: the wrapper ends
		// its attempt as maestro run's --total-timeout does.
		policy.TotalTimeout = max(remaining.Round(time.Millisecond), time.Millisecond)
	}
	go func() {
		defer func() { done <- i }()
		rc.runFork(f, e, policy)
	}()
}

// runFork runs the command in the fork, its output kept or prefixed.
func (rc *racer) runFork(f fork.Fork, e *entrant, policy catalog.Retry) {
	o := rc.o
	prefix := "[" + f.Name + "] "
	opts := wrapper.Options{
		Args: o.Command, Dir: f.Path, Retry: policy, Config: o.Config,
		Stdin:   rc.stdin,
		Signals: wrapper.SignalsFrom(e.sigs),
		// Forks run side by side: only the fork's own group's orphans
		// are maestro's to collect.
		ReapGroup: true,
	}
	fail := func(err error) {
		// maestro's own failure, as maestro run exits with it.
		code := 125
		e.res.Outcome, e.res.Line, e.res.ExitCode = Failed, err.Error(), &code
	}
	var wait func()
	if o.OutputDir != "" {
		out, errs, err := createOutputs(o.OutputDir, f.Name)
		if err != nil {
			fail(err)
			return
		}
		defer out.Close()
		defer errs.Close()
		e.res.Output, e.res.Errors = out.Name(), errs.Name()
		opts.Stdout, opts.Stderr = out, errs
		e.progress.setWriter(errs)
		wait = func() {}
	} else {
		var outs [2]*os.File
		var copied [2]chan struct{}
		for k, w := range []*locked{rc.out, rc.errOut} {
			r, pw, err := os.Pipe()
			if err != nil {
				if k > 0 {
					outs[0].Close()
					<-copied[0]
				}
				fail(err)
				return
			}
			outs[k] = pw
			copied[k] = make(chan struct{})
			lw := &lineWriter{w: w, prefix: []byte(prefix), max: maxLine}
			go func() {
				defer close(copied[k])
				defer r.Close()
				io.Copy(lw, r)
				lw.flush()
			}()
		}
		opts.Stdout, opts.Stderr = outs[0], outs[1]
		wait = func() {
			// The wrapper has closed its copies; ours are the last writers,
			// so the copies end with what the command wrote.
			for k := range outs {
				outs[k].Close()
				<-copied[k]
			}
		}
	}
	opts.Progress = e.progress
	rep, err := wrapper.Run(opts)
	wait()
	e.progress.flush()
	e.res.Report = rep
	e.res.Attempts = rep.AttemptsMade
	e.res.DurationSeconds = rep.TotalTimeSeconds
	code := rep.ExitCode
	e.res.ExitCode = &code
	if c := rep.Classification; c != nil {
		e.res.FailureType, e.res.Line = c.FailureType, c.Line
	}
	var start *wrapper.StartError
	switch {
	case rep.Success:
		e.res.Outcome = Passed
		e.res.FailureType, e.res.Line = "", ""
	case errors.As(err, &start):
		e.res.Outcome, e.res.Line = Failed, start.Error()
	case lastTimedOut(rep):
		// A failure that the race's end left no time to retry is a
		// failure; a command still running at the end timed out.
		e.res.Outcome = TimedOut
	default:
		e.res.Outcome = Failed
	}
}

func lastTimedOut(rep *wrapper.Report) bool {
	n := len(rep.Attempts)
	return n > 0 && rep.Attempts[n-1].TimedOut
}

func createOutputs(dir, name string) (out, errs *os.File, err error) {
	out, err = os.Create(filepath.Join(dir, name+".out"))
	if err != nil {
		return nil, nil, fmt.Errorf("--output: %w", err)
	}
	errs, err = os.Create(filepath.Join(dir, name+".err"))
	if err != nil {
		out.Close()
		return nil, nil, fmt.Errorf("--output: %w", err)
	}
	return out, errs, nil
}

// finished records the fork's run and says how it ended.
func (rc *racer) finished(e *entrant) {
	o := rc.o
	r := e.res
	if r.Report != nil && o.StateDir != "" {
		run := &fork.Run{Command: o.Command, Outcome: r.Outcome, FailureType: r.FailureType, Line: r.Line,
			DurationSeconds: r.DurationSeconds, FinishedAt: r.Report.FinishedAt}
		if r.ExitCode != nil {
			run.ExitCode = *r.ExitCode
		}
		var warn []string
		if err := fork.WriteRun(o.StateDir, r.Name, run); err != nil {
			warn = append(warn, "its last run is not recorded: "+err.Error())
		}
		if err := rc.recordOutcome(e); err != nil {
			warn = append(warn, "the outcome of its approach is not recorded: "+err.Error())
		}
		for _, w := range warn {
			rc.say(e, "warning: "+w)
		}
	}
	// The wrapper's own lines already sum up a failure, a flaky pass and
	// an interruption, where they are seen (not with --output).
	seen := o.OutputDir == ""
	what := r.Outcome
	switch {
	case r.Outcome == Passed && (!seen || r.Report.Outcome == wrapper.OutcomePassed):
		what += " after " + plural(r.Attempts, "attempt") + " in " + formatSeconds(r.DurationSeconds)
	case r.Outcome == Stopped && e.stoppedBy != "" && e.stoppedBy != interruptedBy:
		what += " (" + e.stoppedBy + ")"
	case r.Outcome == Stopped && !seen:
	case r.Report == nil || r.Report.StopReason == wrapper.StopStartFailed:
		what += ": " + r.Line
	case !seen && r.FailureType != "":
		what += " after " + plural(r.Attempts, "attempt") + " in " + formatSeconds(r.DurationSeconds) + ": " + r.FailureType
	case !seen:
		what += " after " + plural(r.Attempts, "attempt") + " in " + formatSeconds(r.DurationSeconds)
	default:
		return
	}
	rc.say(e, what)
}

// recordOutcome settles the approach a fork is named after: a pass worked,
// a failure did not; a fork stopped or timed out tells nothing.
func (rc *racer) recordOutcome(e *entrant) error {
	o := rc.o
	f := forkNamed(o.Forks, e.res.Name)
	if f == nil || f.Approach == "" || (e.res.Outcome != Passed && e.res.Outcome != Failed) {
		return nil
	}
	failureType := ""
	if types, err := o.Config.Types(); err == nil {
		failureType, _ = outcome.Resolve(types, f.Approach, "")
	}
	// A record from before forks named their session: the default one.
	return outcome.Record(o.StateDir, cmp.Or(f.SessionID, sessionlog.Default), f.Approach, failureType, o.Command, e.res.Outcome == Passed, outcome.SourceFork)
}

func forkNamed(forks []fork.Fork, name string) *fork.Fork {
	for i := range forks {
		if forks[i].Name == name {
			return &forks[i]
		}
	}
	return nil
}

// say writes one of maestro's lines about the fork on stderr, prefixed
// with its name (with --output too: these lines are the race's, not the
// command's).
func (rc *racer) say(e *entrant, msg string) {
	line := "[" + e.name + "] maestro: " + msg + "\n"
	rc.errOut.Write([]byte(line))
}

func seconds(d time.Duration) float64 {
	return float64(d.Round(time.Millisecond)) / float64(time.Second)
}

func formatSeconds(s float64) string {
	return catalog.FormatDuration(time.Duration(s * float64(time.Second)).Round(10 * time.Millisecond))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprint(n, " ", word, "s")
}
