package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/notify"
	"github.com/maestro-recovery/maestro/recovery"
	sessionlog "github.com/maestro-recovery/maestro/session"
	"github.com/maestro-recovery/maestro/wrapper"
	ucli "github.com/urfave/cli/v2"
)

// runFlags are the run command's flags, bound to fields as urfave/cli
// parses them: looking each up by name afterwards would cost urfave/cli a
// regular expression per flag and name, on maestro-run's start-up path.
type runFlags struct {
	maxAttempts, baseDelay, maxDelay, exponentialBase string
	jitter, noJitter                                  bool
	retryOn, timeout, totalTimeout, killAfter         string
	report, config                                    string
	quiet, explain, json                              bool
	onFailure, sessionID                              string
	checkpoint                                        bool
	rerun, rerunMaxFailures                           string
	approach                                          string
}

func (e *env) runCommand() *ucli.Command {
	f := &runFlags{}
	return &ucli.Command{
		Name:      "run",
		Usage:     "run a command, retrying it with backoff when another try can help",
		UsageText: "maestro run [flags] [--] COMMAND [ARGS...]\nmaestro-run [flags] [--] COMMAND [ARGS...]\nmaestro run --explain [flags]",
		Description: `Runs COMMAND (directly, without a shell) until an attempt succeeds or retrying
stops: the attempts run out, a failure is of a type that no retry can fix, or
--retry-on excludes it. Its output streams through as it is written; maestro's
own progress lines go to stderr. maestro exits with the last attempt's exit
code: 124 when it timed out, 125 when maestro itself failed, 126 when the
command cannot be executed, 127 when it is not found, 128+N after signal N.

Flags override the configuration (recovery.toml), which overrides the
defaults shown. Durations take a unit ("1.5s", "2m"); a bare number is seconds.`,
		Flags: fastFlags(
			&ucli.StringFlag{Name: "max-attempts", Destination: &f.maxAttempts, Usage: "attempts, the first included (default 3)"},
			&ucli.StringFlag{Name: "base-delay", Destination: &f.baseDelay, Usage: "delay before the first retry (default 1s)"},
			&ucli.StringFlag{Name: "max-delay", Destination: &f.maxDelay, Usage: "cap on any delay, jitter included (default 60s)"},
			&ucli.StringFlag{Name: "exponential-base", Destination: &f.exponentialBase, Usage: "factor the delay grows by at each retry, at least 1 (default 2)"},
			&ucli.BoolFlag{Name: "jitter", Destination: &f.jitter, DefaultText: "on", Usage: "randomise each delay between 50% and 150% of it, capped at --max-delay"},
			&ucli.BoolFlag{Name: "no-jitter", Destination: &f.noJitter, DefaultText: "off", Usage: "wait exactly the computed delays"},
			&ucli.StringFlag{Name: "retry-on", Destination: &f.retryOn, Usage: "`WHICH` failures to retry: any (of a retryable type), transient, or exit codes such as 1,75,137 (default any)"},
			&ucli.StringFlag{Name: "timeout", Destination: &f.timeout, Usage: "stop an attempt after `DURATION` (TERM, then KILL after --kill-after); it ends with 124"},
			&ucli.StringFlag{Name: "total-timeout", Destination: &f.totalTimeout, Usage: "stop the whole run after `DURATION`"},
			&ucli.StringFlag{Name: "kill-after", Destination: &f.killAfter, Usage: "after TERM, wait `DURATION` before KILL (default 10s)"},
			&ucli.StringFlag{Name: "rerun", Destination: &f.rerun, Usage: "after a test failure of a recognised test runner, retry `WHICH`: failed (only the failed tests) or all (the whole command) (default failed)"},
			&ucli.StringFlag{Name: "rerun-max-failures", Destination: &f.rerunMaxFailures, Usage: "with more than `N` failed tests, retry the whole command (default 20)"},
			&ucli.StringFlag{Name: "report", Destination: &f.report, Usage: "write the JSON retry result to `FILE`, also when the run fails or is interrupted"},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Destination: &f.quiet, Usage: "no progress lines on stderr (errors still show)"},
			&ucli.BoolFlag{Name: "explain", Destination: &f.explain, Usage: "print the schedule these settings give and exit, running nothing"},
			&ucli.BoolFlag{Name: "json", Destination: &f.json, Usage: "with --explain: print it as JSON"},
			&ucli.StringFlag{Name: "config", Destination: &f.config, Usage: "read `FILE` first, before the other configuration files"},
			&ucli.StringFlag{Name: "on-failure", Destination: &f.onFailure, Value: "suggest", Usage: "once retrying is over, `POLICY`: none, or suggest (the failure type's approaches), rollback (to a checkpoint), ask (a person), comma-separated"},
			&ucli.BoolFlag{Name: "checkpoint", Destination: &f.checkpoint, Usage: "make a pre_risky_operation checkpoint before the first attempt (the one --on-failure rollback returns to)"},
			&ucli.StringFlag{Name: "approach", Destination: &f.approach, Usage: "mark the catalog's approach `NAME` as tried: the next run of this command in the session records whether it worked"},
			&ucli.StringFlag{Name: "session-id", Destination: &f.sessionID, Usage: "the session `ID` the run is logged in (default: $MAESTRO_SESSION_ID, else the current session, else \"default\")"},
		),
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return usageError(ExitRunFailed, "run", flagError(err))
		},
		Action: func(c *ucli.Context) error { return e.run(f, c.Args().Slice()) },
	}
}

// runFailed is maestro failing before or around the command: exit 125.
func runFailed(err error, hint ...string) error {
	return &Error{Code: ExitRunFailed, Err: err, Hint: hint}
}

func (e *env) run(f *runFlags, args []string) error {
	if f.json && !f.explain {
		return usageError(ExitRunFailed, "run", errors.New("--json goes with --explain; the command owns stdout"))
	}
	if len(args) == 0 && !f.explain {
		return usageError(ExitRunFailed, "run", errors.New("no command to run"))
	}
	if f.report != "" || f.checkpoint {
		// A report to write, a checkpoint being made: every signal is
		// caught before the command starts, not as it starts.
		e.signals.CatchAll()
	}
	// Where the run sits in git is found once (git.Locate): for the
	// repository's configuration and for maestro's state.
	var loc git.Location
	var cfg *catalog.Config
	var err error
	// Until the command runs, a signal ends maestro at once: the work
	// before it (reading the configuration, making a checkpoint) is left to
	// die with the process, which its atomic writes allow.
	if sig := e.signals.Guard(func() {
		loc = git.Locate(".")
		cfg, err = catalog.Load(catalog.Options{ConfigFlag: f.config, Default: e.defaultCatalog, Location: &loc})
	}); sig != 0 {
		return interruptedBefore(f, sig, "while reading the configuration")
	}
	if err != nil {
		return runFailed(err)
	}
	policy, err := f.apply(cfg.Retry)
	if err != nil {
		return err
	}
	if f.explain {
		return printSchedule(os.Stdout, policy, f.json)
	}
	onFailure, err := recovery.ParsePolicy(f.onFailure)
	if err != nil {
		return usageError(ExitRunFailed, "run", fmt.Errorf("--on-failure: %w", err))
	}
	// The state directory is found once: the run is logged, and its
	// approach settled, where its session was chosen, even when the command
	// makes or removes a repository meanwhile.
	stateDir, stateErr := state.DirAt(loc, nil)
	session := sessionAt(stateDir, f.sessionID, f.sessionID != "")
	if err := checkpoint.ValidateID("session id", session); err != nil {
		return usageError(ExitRunFailed, "run", err)
	}
	approachType := ""
	if f.approach != "" {
		if approachType, err = resolveApproach(cfg, f.approach, ""); err != nil {
			return approachError(ExitRunFailed, "run", fmt.Errorf("--approach: %w", err))
		}
	}
	report := f.report
	if report != "" {
		// Found out now, not after an hour of retries.
		if st, err := os.Stat(filepath.Dir(report)); err != nil || !st.IsDir() {
			return runFailed(fmt.Errorf("--report %s: no such directory %s", report, filepath.Dir(report)))
		}
	}
	// nil without [notify]: nothing more is done for it.
	notifier := notify.New(cfg.Notify)
	// The repository is opened only when something needs it: the success
	// path of a plain maestro-run starts no git process.
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
	cpID := ""
	var interrupted syscall.Signal
	if f.checkpoint {
		var s *checkpoint.Store
		var rec *checkpoint.Record
		var openErr, err error
		// The run stops before its first attempt, and its report says so.
		interrupted = e.signals.Guard(func() {
			if s, openErr = checkpoint.Open("."); openErr == nil {
				rec, err = s.Create(checkpoint.CreateOptions{SessionID: session, Type: "pre_risky_operation", Description: "before: " + strings.Join(args, " ")})
			}
		})
		switch {
		case interrupted != 0:
			// The abandoned checkpoint may still be using the repository.
			openStore = func() (*checkpoint.Store, error) { return nil, errors.New("interrupted") }
		case openErr != nil:
			return runFailed(fmt.Errorf("--checkpoint: %w", openErr), "--checkpoint records the working tree in git: run maestro inside a git working tree")
		case err != nil:
			return runFailed(fmt.Errorf("--checkpoint: %w", err))
		default:
			store, cpID = s, rec.CheckpointID
			store.Notifier = notifier
			if !f.quiet {
				fmt.Fprintf(os.Stderr, "maestro: checkpoint %s made before the first attempt\n", cpID)
			}
		}
	}
	opts := wrapper.Options{
		Args:   args,
		Retry:  policy,
		Config: cfg,
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		// maestro starts no other process while the command runs.
		Reap:        true,
		Signals:     e.signals,
		Interrupted: interrupted,
	}
	if !f.quiet {
		opts.Progress = os.Stderr
		opts.Live = os.Getenv("TERM") != "dumb" && wrapper.IsTerminal(os.Stderr)
		opts.Color = os.Getenv("NO_COLOR") == "" && opts.Live
	}
	rep, runErr := wrapper.Run(opts)
	if !rep.Success {
		// What follows a failure (approaches, a rollback, a question) is
		// ended by a signal as any command is. After a success, signals
		// stay caught until maestro exits (stopping would cost the
		// runtime's round trips again): recording the green checkpoint is
		// guarded by them, and one that comes while the run is logged ends
		// maestro by that signal once it is (below).
		e.signals.Stop()
	}
	var intr *wrapper.Interrupted
	var start *wrapper.StartError
	if errors.As(runErr, &start) {
		// What went wrong comes first, then what to do about it: the
		// approaches the chain prints follow the error, not precede it.
		PrintError(os.Stderr, start)
	}
	in := recovery.Input{
		Outcome:        rep.Outcome,
		AttemptsMade:   rep.AttemptsMade,
		Interrupted:    errors.As(runErr, &intr),
		Classification: rep.Classification,
		Config:         cfg,
		SessionID:      session,
		Checkpoint:     cpID,
		Store:          openStore,
		Progress:       opts.Progress,
		Command:        args,
		FailedTests:    rep.FailedTestNames(),
		ExitCode:       rep.ExitCode,
		Notifier:       notifier,
		StateDir:       stateDir,
	}
	if onFailure.Ask {
		in.Ask = e.terminalAsker(session, notifier)
		in.Answered, in.Defer = unaskedKeeper(session, notifier, cfg.Escalate.Remote)
	}
	// Settled first: the approaches the chain prints count this run.
	e.settleApproaches(stateDir, stateErr, session, args, rep, in.Interrupted || start != nil, f.approach, approachType)
	results := recovery.Chain(onFailure, in)
	if results == nil {
		results = []recovery.Result{}
	}
	green := ""
	if rep.Success {
		var rec *checkpoint.Record
		var err error
		if sig := e.signals.Guard(func() {
			rec, err = recovery.RecordGreen(recovery.GreenInput{OnGreen: cfg.Checkpoints.OnGreen, Command: args,
				TestRunner: rep.TestRunner, SessionID: session, Store: openStore})
		}); sig != 0 {
			return interruptedBefore(f, sig, "while recording the green checkpoint")
		}
		switch {
		case err != nil:
			printWarning(os.Stderr, "no green checkpoint", err)
		case rec != nil:
			green = rec.CheckpointID
		}
	}
	e.logRun(stateDir, stateErr, session, rep, results)
	if report != "" {
		data, err := json.MarshalIndent(runReport{Report: rep, Recovery: results, GreenCheckpoint: green}, "", "  ")
		if err == nil {
			err = state.WriteAtomic(report, append(data, '\n'))
		}
		if err != nil {
			return runFailed(fmt.Errorf("write report: %w", err))
		}
	}
	if rep.Success {
		if sig := e.signals.Pending(); sig != 0 {
			return &Status{Code: 128 + int(sig), Signal: sig}
		}
	}
	switch {
	case errors.As(runErr, &intr):
		return &Status{Code: rep.ExitCode, Signal: intr.Signal}
	case start != nil:
		return &Status{Code: start.Code}
	case runErr != nil:
		return runFailed(runErr)
	case rep.ExitCode != 0:
		return &Status{Code: rep.ExitCode}
	}
	return nil
}

// interruptedBefore ends maestro by a signal received before anything
// ran, as the signal would have.
func interruptedBefore(f *runFlags, sig syscall.Signal, when string) error {
	if !f.quiet {
		fmt.Fprintf(os.Stderr, "maestro: interrupted by %s %s\n", wrapper.SignalName(sig), when)
	}
	return &Status{Code: 128 + int(sig), Signal: sig}
}

// runReport is the retry result with the recovery results that followed.
type runReport struct {
	*wrapper.Report
	Recovery []recovery.Result `json:"recovery"`
	// GreenCheckpoint is the green checkpoint the passing run recorded
	// ([checkpoints] on_green), absent when it recorded none.
	GreenCheckpoint string `json:"green_checkpoint,omitempty"`
}

// logRun keeps the run in the session's log. A log that cannot be written
// costs a warning, not the run's result.
func (e *env) logRun(dir string, err error, session string, rep *wrapper.Report, results []recovery.Result) {
	if err == nil {
		err = sessionlog.Open(dir, session).Append(sessionlog.Entry{Type: sessionlog.KindRun, Run: sessionlog.RunOf(rep, results)})
	}
	if err != nil {
		printWarning(os.Stderr, "the run is not in the session log", err)
	}
}

// apply puts the flags given on top of the configuration, and checks the
// result as a file's [retry] table is checked.
func (f *runFlags) apply(r catalog.Retry) (catalog.Retry, error) {
	bad := func(flag string, err error, hint ...string) error {
		e := usageError(ExitRunFailed, "run", fmt.Errorf("--%s: %w", flag, err))
		e.Hint = append(hint, e.Hint...)
		return e
	}
	if v := f.maxAttempts; v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return r, bad("max-attempts", fmt.Errorf("%q is not a whole number", v))
		}
		r.MaxAttempts = n
	}
	for _, d := range []struct {
		flag, value string
		dst         *time.Duration
	}{
		{"base-delay", f.baseDelay, &r.BaseDelay},
		{"max-delay", f.maxDelay, &r.MaxDelay},
		{"timeout", f.timeout, &r.AttemptTimeout},
		{"total-timeout", f.totalTimeout, &r.TotalTimeout},
		{"kill-after", f.killAfter, &r.KillAfter},
	} {
		if d.value == "" {
			continue
		}
		v, err := catalog.ParseDuration(d.value)
		if err != nil {
			return r, bad(d.flag, err)
		}
		*d.dst = v
	}
	if v := f.exponentialBase; v != "" {
		b, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return r, bad("exponential-base", fmt.Errorf("%q is not a number", v))
		}
		r.ExponentialBase = b
	}
	switch {
	case f.jitter && f.noJitter:
		return r, usageError(ExitRunFailed, "run", errors.New("--jitter and --no-jitter contradict each other"))
	case f.jitter:
		r.Jitter = true
	case f.noJitter:
		r.Jitter = false
	}
	if v := f.retryOn; v != "" {
		ro, err := catalog.ParseRetryOn(v)
		if err != nil {
			return r, bad("retry-on", err)
		}
		r.RetryOn = ro
	}
	if v := f.rerun; v != "" {
		rr, err := catalog.ParseRerun(v)
		if err != nil {
			return r, bad("rerun", err)
		}
		r.Rerun = rr
	}
	if v := f.rerunMaxFailures; v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return r, bad("rerun-max-failures", fmt.Errorf("%q is not a whole number", v))
		}
		r.RerunMaxFailures = n
	}
	if e := r.Validate(); e != nil {
		// The configuration was valid, so a flag made it so.
		flag := strings.ReplaceAll(strings.TrimPrefix(e.Key, "attempt_"), "_", "-")
		return r, bad(flag, errors.New(e.Msg), e.Hint...)
	}
	return r, nil
}

// printSchedule is --explain.
func printSchedule(w io.Writer, r catalog.Retry, asJSON bool) error {
	steps := wrapper.Schedule(r)
	if asJSON {
		type retryStep struct {
			Retry        int     `json:"retry"`
			Attempt      int     `json:"attempt"`
			DelaySeconds float64 `json:"delay_seconds"`
			MinSeconds   float64 `json:"min_seconds"`
			MaxSeconds   float64 `json:"max_seconds"`
		}
		out := struct {
			MaxAttempts           int         `json:"max_attempts"`
			BaseDelaySeconds      float64     `json:"base_delay_seconds"`
			MaxDelaySeconds       float64     `json:"max_delay_seconds"`
			ExponentialBase       float64     `json:"exponential_base"`
			Jitter                bool        `json:"jitter"`
			RetryOn               string      `json:"retry_on"`
			AttemptTimeoutSeconds *float64    `json:"attempt_timeout_seconds"`
			TotalTimeoutSeconds   *float64    `json:"total_timeout_seconds"`
			KillAfterSeconds      float64     `json:"kill_after_seconds"`
			TotalDelaySeconds     float64     `json:"total_delay_seconds"`
			Retries               []retryStep `json:"retries"`
		}{
			MaxAttempts:      r.MaxAttempts,
			BaseDelaySeconds: r.BaseDelay.Seconds(),
			MaxDelaySeconds:  r.MaxDelay.Seconds(),
			ExponentialBase:  r.ExponentialBase,
			Jitter:           r.Jitter,
			RetryOn:          r.RetryOn.String(),
			KillAfterSeconds: r.KillAfter.Seconds(),
			Retries:          []retryStep{},
		}
		if r.AttemptTimeout > 0 {
			s := r.AttemptTimeout.Seconds()
			out.AttemptTimeoutSeconds = &s
		}
		if r.TotalTimeout > 0 {
			s := r.TotalTimeout.Seconds()
			out.TotalTimeoutSeconds = &s
		}
		var sum float64
		for _, s := range steps {
			out.Retries = append(out.Retries, retryStep{s.Retry, s.Attempt, s.Delay.Seconds(), s.Min.Seconds(), s.Max.Seconds()})
			sum += s.Delay.Seconds()
			out.TotalDelaySeconds = s.Elapsed.Seconds()
		}
		if n := len(steps); n > 0 && steps[n-1].Elapsed == wrapper.MaxElapsed {
			// Past what a Duration holds; seconds in floating point do not overflow.
			out.TotalDelaySeconds = sum
		}
		return writeJSON(w, out)
	}
	fd := catalog.FormatDuration
	fmt.Fprintf(w, "up to %d attempt%s; %s\n", r.MaxAttempts, plural(r.MaxAttempts), retryOnText(r.RetryOn))
	fmt.Fprintf(w, "delay before retry n: min(%s, %s × %g^(n−1))", fd(r.MaxDelay), fd(r.BaseDelay), r.ExponentialBase)
	if r.Jitter {
		fmt.Fprintf(w, ", then jittered to 50%%–150%% of it, at most %s", fd(r.MaxDelay))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  attempt %-3d at once\n", 1)
	for _, s := range steps {
		fmt.Fprintf(w, "  attempt %-3d after %-8s", s.Attempt, fd(s.Delay))
		if r.Jitter {
			fmt.Fprintf(w, " (%s to %s)", fd(s.Min), fd(s.Max))
		}
		fmt.Fprintln(w)
	}
	total := "0s"
	if len(steps) > 0 {
		total = fd(steps[len(steps)-1].Elapsed)
		if steps[len(steps)-1].Elapsed == wrapper.MaxElapsed {
			total = "more than " + fd(wrapper.MaxElapsed.Truncate(time.Hour))
		}
	}
	timeout, totalTimeout := "none", "none"
	if r.AttemptTimeout > 0 {
		timeout = fd(r.AttemptTimeout) + ", then KILL after " + fd(r.KillAfter)
	}
	if r.TotalTimeout > 0 {
		totalTimeout = fd(r.TotalTimeout)
	}
	fmt.Fprintf(w, "waiting %s in all between attempts (without jitter); timeout per attempt: %s; total timeout: %s\n", total, timeout, totalTimeout)
	return nil
}

func retryOnText(r catalog.RetryOn) string {
	switch r.Mode {
	case catalog.RetryTransient:
		return "retrying only failures of a transient type"
	case catalog.RetryCodes:
		return "retrying only exit codes " + r.String() + " (never a type that is not retryable)"
	}
	return "retrying any failure except types that are not retryable"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
