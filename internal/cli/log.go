package cli

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
	"github.com/maestro-recovery/maestro/wrapper"
	ucli "github.com/urfave/cli/v2"
)

// logItem is one line of maestro log: an entry of the session's log in
// the local state, or a checkpoint or event git holds for the session.
type logItem struct {
	Time        time.Time         `json:"time"`
	SessionID   string            `json:"session_id"`
	Type        string            `json:"type"` // the entry's, "checkpoint", or the event's
	Description string            `json:"description,omitempty"`
	Run         *sessionlog.Run   `json:"run,omitempty"`
	Human       *escalate.Record  `json:"human,omitempty"`
	Agent       *sessionlog.Agent `json:"agent,omitempty"` // an agent hook's event
	Truncated   bool              `json:"truncated,omitempty"`
	Checkpoint  *logCheckpoint    `json:"checkpoint,omitempty"`
	Event       *logEvent         `json:"event,omitempty"`
}

// logCheckpoint is what the log shows of a checkpoint; maestro show has
// the rest.
type logCheckpoint struct {
	CheckpointID   string `json:"checkpoint_id"`
	CommitSHA      string `json:"commit_sha"`
	CheckpointType string `json:"checkpoint_type"`
	Phase          string `json:"phase"`
	// Source is what made it: "checkpoint" (by hand), "post-commit" or
	// "post-rewrite" (the hooks).
	Source string `json:"source"`
}

// logEvent is what the log shows of a rollback, undo, redo, prune or
// fetch; maestro events has the rest.
type logEvent struct {
	EventID      string `json:"event_id"`
	CheckpointID string `json:"checkpoint_id,omitempty"` // a rollback's target
	Undoes       string `json:"undoes,omitempty"`
	// Undone is what an undo took back, newest first: more than Undoes
	// for undo --to.
	Undone []string `json:"undone,omitempty"`
	Redoes string   `json:"redoes,omitempty"` // a redo: the undo it took back
	// Redone is what a redo did again: what that undo had taken back.
	Redone    []string `json:"redone,omitempty"`
	Remote    string   `json:"remote,omitempty"` // a fetch: where from
	Forced    bool     `json:"forced,omitempty"`
	Automatic bool     `json:"automatic,omitempty"`
	Pruned    int      `json:"pruned,omitempty"` // checkpoints a prune removed
	// RefsChanged is, for a fetch, the refs it added or updated; for an
	// undo or redo, the maestro refs it put back.
	RefsChanged int `json:"refs_changed,omitempty"`
}

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
	items := make([]logItem, 0, len(entries))
	for _, en := range entries {
		items = append(items, logItem{Time: en.Time, SessionID: en.SessionID, Type: en.Type, Description: en.Description, Run: en.Run, Human: en.Human, Agent: en.Agent, Truncated: en.Truncated})
	}
	// Checkpoints, rollbacks, undos and prunes are in git: merged in by time.
	if s != nil {
		cat, err := s.Load()
		if err != nil {
			return storeError("log", err)
		}
		for _, r := range cat.Filter(id, "") {
			items = append(items, logItem{Time: r.Timestamp.UTC(), SessionID: r.SessionID, Type: "checkpoint", Description: r.Description,
				Checkpoint: &logCheckpoint{CheckpointID: r.CheckpointID, CommitSHA: r.CommitSHA, CheckpointType: r.CheckpointType, Phase: r.Phase, Source: r.Source}})
		}
		// A redo's undo may be another session's.
		byID := make(map[string]*checkpoint.Event, len(cat.Events))
		for i := range cat.Events {
			byID[cat.Events[i].EventID] = &cat.Events[i]
		}
		for _, ev := range cat.Events {
			if ev.SessionID != id {
				continue
			}
			items = append(items, logItem{Time: ev.Timestamp.UTC(), SessionID: ev.SessionID, Type: ev.Type, Event: newLogEvent(&ev, byID)})
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Time.Before(items[j].Time) })
	if c.Bool("json") {
		return writeJSON(os.Stdout, items)
	}
	for _, it := range items {
		printLogItem(it)
	}
	return nil
}

func newLogEvent(ev *checkpoint.Event, byID map[string]*checkpoint.Event) *logEvent {
	le := &logEvent{EventID: ev.EventID, CheckpointID: ev.CheckpointID, Undoes: ev.Undoes, Redoes: ev.Redoes, Remote: ev.Remote,
		Forced: ev.Forced, Automatic: ev.Automatic, Pruned: len(ev.Pruned)}
	if ev.CheckpointOrigin != "" {
		le.CheckpointID = ev.CheckpointOrigin + "/" + ev.CheckpointSession + "/" + ev.CheckpointID
	}
	if ev.Type != checkpoint.EventPrune {
		le.RefsChanged = len(ev.Refs)
	}
	if ev.Type == checkpoint.EventUndo && len(ev.Undone) > 1 {
		le.Undone = ev.Undone
	}
	if u := byID[ev.Redoes]; ev.Type == checkpoint.EventRedo && u != nil {
		le.Redone = u.Undone
		if len(le.Redone) == 0 && u.Undoes != "" {
			le.Redone = []string{u.Undoes} // an undo of a maestro before undo --to
		}
	}
	return le
}

// printLogItem prints one item. What it holds (command lines, question
// text, options, justifications, commit subjects) is shown, never obeyed
// by the terminal.
func printLogItem(it logItem) {
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
