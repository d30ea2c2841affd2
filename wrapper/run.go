// Package wrapper runs a command with retries: exponential backoff with
// jitter, only when another try can help, its output streamed through as it
// is written, per-attempt and total timeouts, signals passed on to the
// command's whole process group, and a report of every attempt.
package wrapper

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/lazy"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/testrun"
	"github.com/sethvargo/go-retry"
)

// Options describe one run.
type Options struct {
	Args []string
	// Dir is the folder the command runs in (an absolute path); "" for
	// maestro's own. maestro race runs the same command in several forks.
	Dir    string
	Retry  catalog.Retry
	Config *catalog.Config // classifies failures

	Stdin, Stdout, Stderr *os.File

	// Progress receives maestro's own lines; nil for --quiet.
	Progress io.Writer
	// Color lets progress lines use colour.
	Color bool
	// Live says Progress is a terminal a person watches: the wait between
	// attempts counts down in place on one line.
	Live bool

	// Reap makes maestro a child subreaper that collects the command's
	// orphaned descendants, so a zombie never passes for a live process of
	// the group. Only a program that starts no other children may set it:
	// collecting orphans waits for any child.
	Reap bool
	// ReapGroup collects only the orphans still in the command's process
	// group, which no other child of maestro is in: for maestro race, whose
	// forks run side by side.
	ReapGroup bool

	// Signals, from CatchSignals or CatchInterrupt, lets the caller start
	// catching signals early, and stop when it is done with them
	// (Signals.Stop); nil makes Run catch them, and stop before it returns.
	Signals *Signals
	// Interrupted is a signal the caller received before calling Run (see
	// Signals.Guard): the run stops before the first attempt, and reports it.
	Interrupted syscall.Signal

	// After, Rand and Now replace the clock of the backoff waits, the
	// jitter's randomness and the clock the countdown reads, in tests; nil
	// means the real ones.
	After func(time.Duration) <-chan time.Time
	Rand  func() float64
	Now   func() time.Time
}

// Interrupted is returned when a signal stopped the run; maestro ends with
// 128+N.
type Interrupted struct{ Signal syscall.Signal }

func (e *Interrupted) Error() string { return "interrupted by " + SignalName(e.Signal) }

type runner struct {
	opts           Options
	env            []string
	signals        *Signals
	armAtStart     bool // the first command's start catches the other signals (Signals)
	interrupted    os.Signal
	out, err       *capture
	outTTY, errTTY bool
	// tests follows a recognised test command's tests; nil for any other
	// command.
	tests *testState
}

// Run runs the command until an attempt succeeds or retrying stops, and
// reports every attempt. The error is a *StartError when the command could
// not be started, an *Interrupted when a signal stopped the run, or a
// configuration error from classifying; the report is complete in every case.
func Run(opts Options) (*Report, error) {
	r := &runner{
		opts:   opts,
		env:    append(os.Environ(), "MAESTRO_MAX_ATTEMPTS="+strconv.Itoa(opts.Retry.MaxAttempts)),
		out:    newCapture(),
		err:    newCapture(),
		outTTY: IsTerminal(opts.Stdout),
		errTTY: IsTerminal(opts.Stderr),
	}
	if opts.Dir != "" {
		// The last PWD in the environment wins: the command's shell
		// believes it is where it is.
		r.env = append(r.env, "PWD="+opts.Dir)
	}
	// The command's output and maestro's lines are written through copies of
	// the descriptors: Go kills a program whose write to descriptor 1 or 2
	// meets a closed pipe, while through another descriptor the write fails
	// with EPIPE, and maestro can stop the run and still write its report.
	for _, f := range []**os.File{&r.opts.Stdout, &r.opts.Stderr} {
		if d := dupFile(*f); d != nil {
			if opts.Progress == *f {
				r.opts.Progress = d
			}
			*f = d
			defer d.Close()
		}
	}
	signals := opts.Signals
	if signals == nil {
		signals = CatchSignals()
		defer signals.Stop()
	}
	r.signals = signals
	r.armAtStart = signals.late && pdeathsig
	if opts.Interrupted != 0 {
		r.interrupted = opts.Interrupted
	}
	if opts.Reap || opts.ReapGroup {
		becomeSubreaper()
	}
	if tc := testrun.Detect(opts.Args); tc != nil {
		r.tests = &testState{cmd: tc}
	}
	return r.run()
}

func (r *runner) run() (*Report, error) {
	policy := r.opts.Retry
	rep := &Report{Command: r.opts.Args, MaxAttempts: policy.MaxAttempts, StartedAt: time.Now().UTC(), Attempts: []Attempt{}}
	var totalDeadline time.Time
	if policy.TotalTimeout > 0 {
		totalDeadline = rep.StartedAt.Add(policy.TotalTimeout)
	}
	// The schedule is made when a first attempt fails: a run that passes
	// at once never needs it (making it was 25µs of every maestro-run).
	var backoff retry.Backoff
	var err error
	when := "before the first attempt" // where an interruption found the run
	if r.tests != nil {
		rep.Rerun = policy.Rerun
	}
	// cmds is what the next attempt runs: the command, or the commands that
	// rerun only the tests in watch.
	cmds, watch := [][]string{r.opts.Args}, []testrun.Test(nil)
	var class catalog.Classification
	lastFailExit := 0
	for n := 1; ; n++ {
		// A signal that came while maestro was getting ready, or in the
		// moment between two attempts, stops the run before the command
		// starts again.
		if !r.armAtStart {
			r.signals.more(true)
			r.signals.wait()
		}
		if r.pendingInterrupt() {
			rep.StopReason = StopInterrupted
			break
		}
		deadline := totalDeadline
		if policy.AttemptTimeout > 0 {
			if d := time.Now().Add(policy.AttemptTimeout); deadline.IsZero() || d.Before(deadline) {
				deadline = d
			}
		}
		parser := r.startParser(watch)
		res := r.runAttempt(n, cmds, deadline)
		when = fmt.Sprintf("during attempt %d/%d", n, policy.MaxAttempts)
		a := Attempt{
			Number:          n,
			ExitCode:        res.exitCode,
			TimedOut:        res.timedOut,
			StartedAt:       res.started.UTC(),
			DurationSeconds: seconds(res.duration),
		}
		if res.signal != 0 {
			name := SignalName(res.signal)
			a.Signal = &name
		}
		ok := res.exitCode == 0 && res.startErr == nil && !res.timedOut
		var tres testrun.Result
		var notRun []testrun.Test
		if parser != nil {
			tres = parser.Result()
			if watch != nil {
				a.Commands, a.RerunTests = cmds, attemptNames(watch)
			}
			a.FailedTests = attemptNames(tres.Failed)
			if c := max(tres.FailedCount, len(tres.Failed)); c > len(a.FailedTests) {
				a.FailedTestsCount = c
			}
			notRun = r.tests.update(n, watch, tres, ok)
		}
		rep.ExitCode = res.exitCode
		if ok && len(notRun) == 0 {
			rep.Attempts = append(rep.Attempts, a)
			rep.Success, rep.StopReason = true, StopSucceeded
			break
		}
		if ok {
			// The rerun passed without running every test it was to run:
			// not a pass. The run keeps the failure it had.
			rep.ExitCode = lastFailExit
		} else {
			lastFailExit = res.exitCode
			// Classifying is the first work only a failure needs: the
			// default catalog is parsed and its patterns compiled here,
			// not before.
			var cerr error
			class, cerr = r.classify(catalog.Failure{
				ExitCode: res.exitCode,
				TimedOut: res.timedOut,
				Output:   append(r.err.blocks(), r.out.blocks()...),
			})
			if cerr != nil {
				rep.Attempts = append(rep.Attempts, a)
				rep.StopReason, err = StopError, cerr
				break
			}
		}
		a.Classification, rep.Classification = &AttemptClassification{Classification: class}, &class
		rep.Attempts = append(rep.Attempts, a)

		if backoff == nil {
			backoff = NewBackoff(policy, r.opts.Rand)
		}
		stop, why, delay := r.decide(res, class, backoff, totalDeadline)
		if stop == StopStartFailed {
			rep.StopReason, err = stop, res.startErr
			break
		}
		if stop == StopInterrupted {
			rep.StopReason = stop
			break
		}
		what := describeFailure(res, class)
		if ok {
			what = "(its commands passed, but it did not run " + testNames(notRun, 3) + ")"
		}
		if stop != "" {
			r.progress("%s %s %s; not retrying: %s", r.attemptLabel(n), r.paint(red, "failed"), what, why)
			rep.StopReason = stop
			break
		}
		head := fmt.Sprintf("%s %s %s; ", r.attemptLabel(n), r.paint(yellow, "failed"), what)
		retrying := "retrying in "
		cmds, watch = [][]string{r.opts.Args}, nil
		if r.tests != nil {
			narrowed, w, whole := r.tests.next(policy, class, tres, notRun)
			if narrowed != nil {
				// A rerun of the failed tests starts at once, as
				// pytest-rerunfailures and gotestsum rerun: the wait is
				// for a world that needs time (a transient failure), and
				// a test failure is not one.
				cmds, watch, delay = narrowed, w, 0
				retrying = rerunText(w)
			} else if whole != "" {
				rep.Attempts[len(rep.Attempts)-1].RerunWholeBecause = whole
				retrying = textsafe.Visible(whole) + "; retrying the whole command in "
			}
		}
		d := seconds(delay)
		rep.Attempts[len(rep.Attempts)-1].DelayBeforeNextSeconds = &d
		when = fmt.Sprintf("while waiting to retry after attempt %d/%d", n, policy.MaxAttempts)
		if watch != nil {
			r.progress("%s%s", head, retrying)
			continue
		}
		if r.waitToRetry(head+retrying, delay) {
			rep.StopReason = StopInterrupted
			break
		}
	}
	if r.tests != nil {
		r.tests.report(rep)
	}
	// A signal that came as the run ended still ends it so: a person or a
	// supervisor asked maestro to stop.
	if !rep.Success && r.pendingInterrupt() {
		rep.StopReason = StopInterrupted
	}
	rep.FinishedAt = time.Now().UTC()
	rep.AttemptsMade = len(rep.Attempts)
	rep.TotalTimeSeconds = seconds(rep.FinishedAt.Sub(rep.StartedAt))
	switch {
	case rep.Success && rep.AttemptsMade > 1:
		rep.Outcome = OutcomeFlaky
	case rep.Success:
		rep.Outcome = OutcomePassed
	default:
		rep.Outcome = OutcomeFailed
	}
	if r.interrupted != nil {
		sig := r.interrupted.(syscall.Signal)
		rep.Interrupted = SignalName(sig)
		rep.ExitCode = 128 + int(sig)
		msg := "interrupted by " + SignalName(sig)
		rep.FinalError = &msg
		r.progress("%s %s; %s", r.paint(red, "interrupted by "+SignalName(sig)), when, r.elapsed(rep))
		return rep, &Interrupted{Signal: sig}
	}
	if !rep.Success {
		msg := finalError(rep)
		if err != nil {
			msg = err.Error()
		}
		rep.FinalError = &msg
	}
	r.closingLine(rep)
	return rep, err
}

// startParser gives the attempt's output to a new parser of the test
// command's; nil for any other command.
func (r *runner) startParser(watch []testrun.Test) testrun.Parser {
	if r.tests == nil {
		return nil
	}
	p := r.tests.cmd.Parser(watch)
	feed := &testFeed{parser: p}
	r.out.tap = &lineTap{feed: feed, stream: 1}
	r.err.tap = &lineTap{feed: feed, stream: 2}
	return p
}

// classify classifies a failed attempt, listening for signals meanwhile:
// one stops the classification at once, and then the run.
func (r *runner) classify(f catalog.Failure) (catalog.Classification, error) {
	stop, finished := make(chan struct{}), make(chan struct{})
	got := make(chan os.Signal, 1)
	go func() {
		defer close(got)
		for {
			select {
			case <-finished:
				return
			case sig := <-r.signals.c:
				if sig == syscall.SIGWINCH {
					continue
				}
				got <- sig
				close(stop)
				return
			}
		}
	}()
	f.Stop = stop
	class, err := r.opts.Config.Classify(f)
	close(finished)
	if sig, ok := <-got; ok && r.interrupted == nil {
		r.interrupted = sig
	}
	return class, err
}

// decide says whether to retry after a failed attempt: a stop reason and
// why, or the delay before the next attempt.
func (r *runner) decide(res attemptResult, class catalog.Classification, backoff retry.Backoff, totalDeadline time.Time) (stop, why string, delay time.Duration) {
	policy := r.opts.Retry
	switch {
	case res.startErr != nil:
		return StopStartFailed, "", 0
	case r.interrupted != nil:
		return StopInterrupted, "", 0
	case res.outputClosed:
		return StopOutputClosed, "its output is no longer read", 0
	case !class.Retryable:
		return StopNotRetryable, class.FailureType + " is not worth retrying", 0
	case !policy.RetryOn.Allows(&class):
		return StopRetryOn, "--retry-on " + policy.RetryOn.String() + " excludes it", 0
	}
	delay, done := backoff.Next()
	switch {
	case done:
		return StopExhausted, "no attempts left", 0
	case !totalDeadline.IsZero() && !time.Now().Add(delay).Before(totalDeadline):
		return StopTotalTimeout, "the total timeout of " + catalog.FormatDuration(policy.TotalTimeout) + " ends before another", 0
	}
	return "", "", delay
}

func seconds(d time.Duration) float64 {
	// Milliseconds are all a report needs, and they print short.
	return float64(d.Round(time.Millisecond)) / float64(time.Second)
}

// SignalName is the conventional name of a signal: SIGINT.
func SignalName(s syscall.Signal) string {
	if name, ok := signalNames.Get()[s]; ok {
		return name
	}
	return "signal " + strconv.Itoa(int(s))
}

// signalNames is built on first use, not at every start of maestro.
var signalNames = lazy.Value[map[syscall.Signal]string]{New: func() map[syscall.Signal]string {
	return map[syscall.Signal]string{
		syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT", syscall.SIGILL: "SIGILL",
		syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
		syscall.SIGKILL: "SIGKILL", syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
		syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM", syscall.SIGCHLD: "SIGCHLD",
		syscall.SIGCONT: "SIGCONT", syscall.SIGSTOP: "SIGSTOP", syscall.SIGTSTP: "SIGTSTP", syscall.SIGTTIN: "SIGTTIN",
		syscall.SIGTTOU: "SIGTTOU", syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ", syscall.SIGSYS: "SIGSYS",
	}
}}
