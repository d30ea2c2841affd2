package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/fork"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/race"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) raceCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "race",
		Usage:     "run a command in several forks at once; the first to pass stops the others",
		UsageText: "maestro race [--forks NAME,... | --all] [--jobs N] [--timeout D] [--keep-going] [--output DIR] [--json] [--] COMMAND [ARGS...]",
		Description: `Runs COMMAND (directly, without a shell) in each fork's worktree, at most
--jobs at a time, each with maestro run's retries and classification. Each
line of its output is prefixed with the fork's name ("[f1] "), or kept in
DIR/NAME.out and DIR/NAME.err with --output. The first fork to pass stops
the others (TERM to their process groups, then KILL after kill_after)
unless --keep-going. At the end a table says which passed, which failed
(failure type and line), which were stopped, and how long each took.
Without --forks, every fork races. With --json the report is one JSON
document on stdout, and the forks' output goes to stderr.

maestro exits 0 when a fork passed, 1 when none did (or maestro failed),
2 for a usage error, 128+N when interrupted by signal N.`,
		Flags: fastFlags(
			&ucli.StringFlag{Name: "forks", Usage: "race the forks `NAME,...` (default: every fork)"},
			&ucli.BoolFlag{Name: "all", Usage: "race every fork"},
			&ucli.StringFlag{Name: "jobs", Aliases: []string{"j"}, Usage: "run at most `N` forks at once (default: the number of CPUs)"},
			&ucli.StringFlag{Name: "timeout", Usage: "end the race after `DURATION`: every fork still running is stopped (TERM, then KILL after kill_after)"},
			&ucli.BoolFlag{Name: "keep-going", Usage: "let every fork finish after one passed"},
			&ucli.StringFlag{Name: "output", Usage: "keep each fork's output in `DIR`/NAME.out and NAME.err instead of prefixing it"},
			configFlag,
			jsonFlag,
		),
		OnUsageError: commandUsageError("race"),
		Action:       e.race,
	}
}

func (e *env) race(c *ucli.Context) error {
	// Caught first: a Ctrl-C from here on ends the race as it ends a run.
	sigs := catchRaceSignals()
	defer signal.Stop(sigs)
	// Caught, SIGPIPE no longer kills maestro at a write to a closed
	// stdout, which would leave the forks running: the write fails, and the
	// forks' output stops being read, as maestro run's does.
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	defer signal.Stop(pipe)
	args := c.Args().Slice()
	if len(args) == 0 {
		return usageError(ExitUsage, "race", errors.New("no command to race"))
	}
	if c.IsSet("forks") && c.Bool("all") {
		return usageError(ExitUsage, "race", errors.New("--forks and --all contradict each other"))
	}
	jobs := runtime.NumCPU()
	if v := c.String("jobs"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return usageError(ExitUsage, "race", fmt.Errorf("--jobs: %q is not a whole number of at least 1", v))
		}
		jobs = n
	}
	opts := race.Options{Command: args, Jobs: jobs, KeepGoing: c.Bool("keep-going"), OutputDir: c.String("output"),
		Stdout: os.Stdout, Stderr: os.Stderr, Signals: sigs}
	if c.Bool("json") {
		// stdout is the report's.
		opts.Stdout = os.Stderr
	}
	if v := c.String("timeout"); v != "" {
		d, err := catalog.ParseDuration(v)
		if err != nil {
			return usageError(ExitUsage, "race", fmt.Errorf("--timeout: %w", err))
		}
		if d <= 0 {
			return usageError(ExitUsage, "race", fmt.Errorf("--timeout: %q is not a positive duration", v))
		}
		opts.Timeout = d
	}
	cfg, err := e.loadCatalog(c)
	if err != nil {
		return err
	}
	opts.Config, opts.Retry = cfg, cfg.Retry
	dir, err := state.Dir(".", nil)
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	opts.StateDir = dir
	if opts.Forks, err = raceForks(dir, c.String("forks")); err != nil {
		return err
	}
	res, err := race.Run(opts)
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	printRace(os.Stderr, res)
	if c.Bool("json") {
		if err := writeJSON(os.Stdout, res); err != nil {
			return err
		}
	}
	switch {
	case res.Signal != 0:
		return &Status{Code: 128 + int(res.Signal), Signal: res.Signal}
	case res.Winner == nil:
		return &Status{Code: ExitFailed}
	}
	return nil
}

// raceForks are the forks named in list (comma-separated), or every fork.
func raceForks(stateDir, list string) ([]fork.Fork, error) {
	if list == "" {
		forks, err := fork.List(stateDir)
		if err != nil {
			return nil, &Error{Code: ExitFailed, Err: err}
		}
		forks = slices.DeleteFunc(forks, func(f fork.Fork) bool {
			if f.Unreadable != "" {
				fmt.Fprintf(os.Stderr, "maestro: warning: left out fork %s: %s\n", f.Name, textsafe.Visible(f.UnreadableError().Error()))
			}
			return f.Unreadable != ""
		})
		if len(forks) == 0 {
			return nil, &Error{Code: ExitFailed, Err: errors.New("no forks to race"),
				Hint: []string{"make some with 'maestro fork --count N' (see docs/forks.md)"}}
		}
		return forks, nil
	}
	var forks []fork.Fork
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		f, err := fork.Get(stateDir, name)
		if err != nil {
			code := ExitFailed
			if !errors.Is(err, fork.ErrNoFork) {
				// An invalid name is a usage error, as an invalid id is.
				code = ExitUsage
			}
			return nil, &Error{Code: code, Err: err, Hint: []string{"see 'maestro forks'"}}
		}
		if f.Unreadable != "" {
			return nil, storeError("race", f.UnreadableError())
		}
		forks = append(forks, *f)
	}
	if len(forks) == 0 {
		return nil, usageError(ExitUsage, "race", fmt.Errorf("--forks %q names no fork", list))
	}
	return forks, nil
}

// catchRaceSignals catches what maestro run passes on to its command,
// leaving alone a signal the caller ignored (nohup), as run does.
func catchRaceSignals() chan os.Signal {
	c := make(chan os.Signal, 8)
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		if !signal.Ignored(sig) {
			signal.Notify(c, sig)
		}
	}
	return c
}

// printRace is the race's table: one row a fork.
func printRace(w io.Writer, res *race.Result) {
	head := "no fork passed"
	if res.Winner != nil {
		head = *res.Winner + " passed"
	}
	if res.InterruptedBy != "" {
		head += "; interrupted by " + res.InterruptedBy
	}
	fmt.Fprintf(w, "maestro: race of %d fork%s in %s: %s\n", len(res.Forks), plural(len(res.Forks)), raceSeconds(res.DurationSeconds), head)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  FORK\tOUTCOME\tEXIT\tATTEMPTS\tTIME\tFAILURE")
	for _, f := range res.Forks {
		exit := "-"
		if f.ExitCode != nil {
			exit = strconv.Itoa(*f.ExitCode)
		}
		failure := f.FailureType
		if f.Line != "" {
			failure = strings.TrimSpace(failure + " " + strconv.Quote(f.Line))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\n", f.Name, f.Outcome, exit, f.Attempts, raceSeconds(f.DurationSeconds), textsafe.Visible(failure))
	}
	tw.Flush()
}

func raceSeconds(s float64) string { return strconv.FormatFloat(s, 'f', 2, 64) + "s" }
