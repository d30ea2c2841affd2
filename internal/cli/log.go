package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
	"github.com/maestro-recovery/maestro/wrapper"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) log(c *ucli.Context) error {
	if err := noArgs(c, "log"); err != nil {
		return err
	}
	ch, err := sessionChoice(c)
	if err != nil {
		return err
	}
	id := ch.ID
	s, err := checkpoint.Open(".")
	if err != nil && !errors.Is(err, git.ErrNotRepo) {
		return storeError("log", err)
	}
	if err := checkSession("log", id, s); err != nil {
		return err
	}
	entries, err := sessionEntries(id)
	if err != nil {
		return err
	}
	// Checkpoints, rollbacks, undos and prunes are in git: merged in by time.
	var cat *checkpoint.Catalog
	if s != nil {
		if cat, err = s.Load(); err != nil {
			return storeError("log", err)
		}
	}
	items := sessionlog.Timeline(id, entries, cat)
	if c.Bool("json") {
		return writeJSON(os.Stdout, items)
	}
	for _, it := range items {
		printLogItem(it)
	}
	return nil
}

// printLogItem prints one item. What it holds (command lines, question
// text, options, justifications, commit subjects) is shown, never obeyed
// by the terminal.
func printLogItem(it sessionlog.Item) {
	v := textsafe.Visible
	t := it.Time.Format(time.RFC3339)
	line := func(kind, format string, args ...any) {
		fmt.Printf("%s  %-10s %s\n", t, kind, fmt.Sprintf(format, args...))
	}
	switch {
	case it.Type == sessionlog.KindRun && it.Run != nil:
		r := it.Run
		text := fmt.Sprintf("%s: %s after %d attempt%s (exit %d)", v(strings.Join(r.Command, " ")), v(r.Outcome), r.AttemptsMade, plural(r.AttemptsMade), r.ExitCode)
		if len(r.Failures) > 0 {
			text += "; failed attempts: " + countsText(r.Failures)
		}
		text += testsText("flaky", r.FlakyTests, r.FlakyTestsCount) + testsText("failed tests", r.FailedTests, r.FailedTestsCount)
		line("run", "%s", text)
		for _, res := range r.Recovery {
			line("recovery", "%s: %s", v(res.StrategyUsed), v(res.Message))
		}
	case it.Type == sessionlog.KindQuestion && it.Human != nil:
		line("question", "%s: %s [%s]", v(it.Human.ID), v(it.Human.Issue), v(strings.Join(it.Human.Options, " | ")))
	case it.Type == sessionlog.KindAnswer && it.Human != nil:
		text := fmt.Sprintf("%s: %s (by %s)", v(it.Human.ID), v(it.Human.Option), v(it.Human.AnsweredBy))
		if it.Human.Justification != "" {
			text += ": " + v(it.Human.Justification)
		}
		line("answer", "%s", text)
	case it.Type == sessionlog.KindStart:
		line("start", "%s", v(it.Description))
	case it.Agent != nil:
		line("agent", "%s", agentLogText(it))
	case it.Checkpoint != nil:
		by := "by hand"
		switch it.Checkpoint.Source {
		case "", "checkpoint":
		case checkpoint.SourceRun:
			by = "by maestro run"
		default:
			by = "by the " + v(it.Checkpoint.Source) + " hook"
		}
		line("checkpoint", "%s %s (%s, %s): %s", v(it.Checkpoint.CheckpointID), shortSHA(it.Checkpoint.CommitSHA), v(it.Checkpoint.CheckpointType), by, v(it.Description))
	case it.Event != nil && it.Type == checkpoint.EventRollback:
		extra := ""
		if it.Event.Forced {
			extra = " (forced)"
		}
		line("rollback", "to %s%s, event %s", v(it.Event.CheckpointID), extra, v(it.Event.EventID))
	case it.Event != nil && it.Type == checkpoint.EventAdopt:
		extra := ""
		if it.Event.Forced {
			extra = " (forced)"
		}
		line("adopt", "fork %s, made at %s%s, event %s", v(it.Event.Fork), v(it.Event.CheckpointID), extra, v(it.Event.EventID))
	case it.Event != nil && it.Type == checkpoint.EventUndo:
		switch {
		case it.Event.Automatic:
			line("undo", "of %s (automatic: a step failed half way), event %s", v(it.Event.Undoes), v(it.Event.EventID))
		case len(it.Event.Undone) > 1:
			line("undo", "to before %s (%d operations), event %s", v(it.Event.Undoes), len(it.Event.Undone), v(it.Event.EventID))
		default:
			line("undo", "of %s, event %s", v(it.Event.Undoes), v(it.Event.EventID))
		}
	case it.Event != nil && it.Type == checkpoint.EventRedo:
		again := ""
		switch n := len(it.Event.Redone); {
		case n == 1:
			again = ": " + v(it.Event.Redone[0]) + " done again"
		case n > 1:
			again = fmt.Sprintf(": %d operations done again", n)
		}
		line("redo", "took back the undo %s%s, event %s", v(it.Event.Redoes), again, v(it.Event.EventID))
	case it.Event != nil && it.Type == checkpoint.EventFetch:
		line("fetch", "%d ref%s added or updated from %s, event %s", it.Event.RefsChanged, plural(it.Event.RefsChanged), v(it.Event.Remote), v(it.Event.EventID))
	case it.Event != nil && it.Type == checkpoint.EventPrune:
		line("prune", "%d checkpoint%s, event %s", it.Event.Pruned, plural(it.Event.Pruned), v(it.Event.EventID))
	case it.Event != nil:
		line(v(it.Type), "event %s", v(it.Event.EventID))
	}
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// testsText is "; flaky: t.py::test_a, t.py::test_b and 3 more", names
// shown visibly, for a run's failed or flaky tests; "" when there are none.
func testsText(what string, ts []wrapper.TestOutcome, count int) string {
	if len(ts) == 0 {
		return ""
	}
	const few = 3
	names := make([]string, 0, few)
	for _, t := range ts[:min(len(ts), few)] {
		names = append(names, textsafe.Visible(t.Name()))
	}
	text := "; " + what + ": " + strings.Join(names, ", ")
	if rest := max(count, len(ts)) - len(names); rest > 0 {
		text += fmt.Sprintf(" and %d more", rest)
	}
	return text
}
