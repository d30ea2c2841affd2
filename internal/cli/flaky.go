package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
	"github.com/maestro-recovery/maestro/testrun"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) flakyCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "flaky",
		Usage:     "list the tests that failed and then passed on a rerun, across sessions, the most recent first",
		UsageText: "maestro flaky [--since DURATION] [--session-id ID] [--json]",
		Description: `Reads the runs of 'maestro run' that the sessions' logs hold (every
session's, in this repository, unless --session-id names one) and lists each
test that failed and then passed on a rerun: how many runs it was flaky in,
how many it failed in for good, when it was last flaky and with which
command, in which sessions.`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "since", Usage: "only the runs of the last `DURATION` (\"24h\", \"30m\")"},
			&ucli.StringFlag{Name: "session-id", Usage: "only the runs of session `ID` (default: every session)"},
			jsonFlag,
		},
		OnUsageError: commandUsageError("flaky"),
		Action:       e.flaky,
	}
}

// flakyJSON is maestro flaky --json.
type flakyJSON struct {
	Tests []*sessionlog.FlakyTest `json:"tests"`
}

func (e *env) flaky(c *ucli.Context) error {
	if err := noArgs(c, "flaky"); err != nil {
		return err
	}
	var o sessionlog.FlakyOptions
	var since time.Duration
	if c.IsSet("since") {
		var err error
		if since, err = catalog.ParseDuration(c.String("since")); err != nil {
			return usageError(ExitUsage, "flaky", fmt.Errorf("--since: %w", err))
		}
		o.Since = time.Now().Add(-since)
	}
	if c.IsSet("session-id") {
		o.Session = c.String("session-id")
		if o.Session == "" {
			return usageError(ExitUsage, "flaky", errors.New("--session-id needs a session id"))
		}
		if err := checkSession("flaky", o.Session, nil); err != nil {
			return err
		}
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	res, err := sessionlog.Flaky(dir, o)
	if err != nil {
		return &Error{Code: ExitFailed, Err: fmt.Errorf("read the sessions' logs: %w", err), Hint: hintsOf(err)}
	}
	if res.Skipped > 0 {
		fmt.Fprintf(os.Stderr, "maestro: warning: skipped %d line%s of the sessions' logs that maestro did not write (not JSON, another shape, or longer than a record)\n", res.Skipped, plural(res.Skipped))
	}
	if res.Capped {
		fmt.Fprintln(os.Stderr, "maestro: warning: the logs name more distinct tests than maestro counts: the counts are those of the first ones read")
	}
	if c.Bool("json") {
		out := flakyJSON{Tests: res.Tests}
		if out.Tests == nil {
			out.Tests = []*sessionlog.FlakyTest{}
		}
		return writeJSON(os.Stdout, out)
	}
	if len(res.Tests) == 0 {
		where := ""
		if o.Session != "" {
			where = " in session " + textsafe.Visible(o.Session)
		}
		if since > 0 {
			where += " in the last " + catalog.FormatDuration(since)
		}
		fmt.Fprintf(os.Stderr, "maestro: no flaky test recorded%s\n", where)
		return nil
	}
	// Names come from test output: shown visibly, a tab too, which would
	// break the columns.
	v := textsafe.Visible
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TEST\tRUNNER\tFLAKY\tFAILED\tLAST SEEN\tSESSIONS\tCOMMAND")
	for _, f := range res.Tests {
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", v(f.Test().Name()), v(f.Runner), f.FlakyCount, f.FailedCount,
			f.LastSeen.UTC().Format(time.RFC3339), v(firstFew(f.Sessions, 3)), v(strings.Join(f.Command, " ")))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "maestro: hint: "+aloneHint(res.Tests))
	fmt.Fprintln(os.Stderr, "maestro: hint: a test that stays flaky can be quarantined until it is fixed: see quarantine_a_flaky_test in 'maestro approaches --failure-type test_failure'")
	return nil
}

// firstFew is "a, b, c and 2 more".
func firstFew(list []string, few int) string {
	if len(list) <= few {
		return strings.Join(list, ", ")
	}
	return strings.Join(list[:few], ", ") + fmt.Sprintf(" and %d more", len(list)-few)
}

// aloneHint says how to run the flaky tests of the newest one's command
// alone, to see them fail: the rerun their runner builds from that
// command, as maestro run would.
func aloneHint(tests []*sessionlog.FlakyTest) string {
	const most = 5
	newest := tests[0]
	var same []testrun.Test
	for _, f := range tests {
		if len(same) < most && f.Runner == newest.Runner && slices.Equal(f.Command, newest.Command) {
			same = append(same, f.Test())
		}
	}
	them := "it"
	if len(same) > 1 {
		them = "them"
	}
	if cmd := testrun.Detect(newest.Command); cmd != nil && cmd.Runner == newest.Runner {
		if cmds, why := cmd.Rerun(same); why == "" && len(cmds) > 0 {
			lines := make([]string, len(cmds))
			for i, c := range cmds {
				lines[i] = textsafe.ShellJoin(c)
			}
			return fmt.Sprintf("run %s alone, a few times, to see %s fail: %s", them, them, textsafe.Visible(strings.Join(lines, " && ")))
		}
	}
	return fmt.Sprintf("run %s alone, a few times, to see it fail, with %s", textsafe.Visible(newest.Test().Name()), textsafe.Visible(strings.Join(newest.Command, " ")))
}
