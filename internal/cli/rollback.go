package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) rollbackCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:      "rollback",
			Usage:     "return the working tree, index and branch to a checkpoint, recording what was there",
			UsageText: "maestro rollback [--session-id ID] [--checkpoint-id CP | --type T | --green [--command CMD]] [--dry-run [--verbose]] [--force] [--json]",
			Description: `Without --checkpoint-id, the newest checkpoint of the session (of the type
given by --type) made here on the current branch (at a detached HEAD, or with
--force, on any branch), never a fetched one: a fetched checkpoint is taken
only by its full name, --checkpoint-id REMOTE/SESSION/CHECKPOINT-ID. --green
takes the newest green checkpoint (made by a passing maestro run) of the
current branch, of any session made here; --command CMD, of that command,
written as the arguments joined by spaces or as the description shows it
(each argument quoted for the shell where it needs it); the rollback is
recorded in the session of --session-id. Before it changes anything, the current state (HEAD, branch,
index, tracked changes, untracked files) is recorded, so 'git maestro undo'
can restore it byte for byte. Ignored files and nested repositories are never
touched. Refused in the middle of a merge, rebase, cherry-pick, revert or
bisect, and for a checkpoint made on another branch unless --force.`,
			Flags: []ucli.Flag{
				sessionFlag(),
				&ucli.StringFlag{Name: "checkpoint-id", Usage: "the checkpoint `CP`: an id of the session, or REMOTE/SESSION/ID for a fetched one"},
				&ucli.StringFlag{Name: "type", Usage: "the newest checkpoint of this type"},
				&ucli.BoolFlag{Name: "green", Usage: "the newest green checkpoint of the current branch, of any session: where the tests last passed"},
				&ucli.StringFlag{Name: "command", Usage: "with --green, the newest green checkpoint of `CMD` (\"pytest -q\")"},
				&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be restored, removed and left alone; change nothing"},
				&ucli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "with --dry-run, every ignored file and folder git lists, not one line per folder of ignored files"},
				&ucli.BoolFlag{Name: "force", Usage: "roll back to a checkpoint made on another branch (the current branch moves)"},
				jsonFlag,
			},
			OnUsageError: commandUsageError("rollback"),
			Action:       e.rollback,
		},
		{
			Name:      "undo",
			Usage:     "take back the newest rollback, prune or fetch not taken back yet; again to walk further back",
			UsageText: "maestro undo [--session-id ID] [--to EVENT | --redo] [--dry-run] [--force] [--json]",
			Description: `Returns to the state recorded before an operation, byte for byte: HEAD,
branch, index, files, and the checkpoints and fetched refs it changed.
Repeated, undo walks back one operation at a time, as 'jj undo' does; --redo
goes forward again, until a new operation ends the chain. Without --session-id
the newest operation of any session; with it, that session's. --to EVENT
takes back EVENT and everything after it ('maestro events' lists them; any
unique prefix or suffix of an id will do); checkpoints made since stay, and
--to a checkpoint id removes that checkpoint (redo puts it back). An undo is
itself recorded, so nothing is ever lost.`,
			Flags: []ucli.Flag{
				&ucli.StringFlag{Name: "session-id", Usage: "take back an operation of session `ID` (default: of any session)"},
				&ucli.StringFlag{Name: "to", Usage: "return to the state before `EVENT` (an event or checkpoint id, or a unique prefix or suffix)"},
				&ucli.BoolFlag{Name: "redo", Usage: "take back the last undo"},
				&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would change; change nothing"},
				&ucli.BoolFlag{Name: "force", Usage: "undo even though HEAD moved since (what is there now is recorded first)"},
				jsonFlag,
			},
			OnUsageError: commandUsageError("undo"),
			Action:       e.undo,
		},
		e.eventsCommand(),
	}
}

func (e *env) rollback(c *ucli.Context) error {
	if err := noArgs(c, "rollback"); err != nil {
		return err
	}
	switch {
	case c.String("checkpoint-id") != "" && c.String("type") != "":
		return usageError(ExitUsage, "rollback", errors.New("--checkpoint-id and --type contradict each other"))
	case c.Bool("green") && c.String("checkpoint-id") != "":
		return usageError(ExitUsage, "rollback", errors.New("--green and --checkpoint-id contradict each other"))
	case c.Bool("green") && c.String("type") != "":
		return usageError(ExitUsage, "rollback", errors.New("--green and --type contradict each other: a green checkpoint is a safe_state one"))
	case c.IsSet("command") && !c.Bool("green"):
		return usageError(ExitUsage, "rollback", errors.New("--command goes with --green: git maestro rollback --green --command CMD"))
	case c.IsSet("command") && strings.TrimSpace(c.String("command")) == "":
		return usageError(ExitUsage, "rollback", errors.New("--command needs the command, as it was run (\"pytest -q\")"))
	}
	s, err := openStore("rollback")
	if err != nil {
		return err
	}
	session := sessionID(c)
	if err := checkSession("rollback", session, s); err != nil && !strings.Contains(c.String("checkpoint-id"), "/") {
		return err
	}
	if !c.Bool("dry-run") {
		s.Notifier = e.loadNotifier("")
	}
	res, err := s.Rollback(checkpoint.RollbackOptions{
		SessionID:    session,
		CheckpointID: c.String("checkpoint-id"),
		Type:         c.String("type"),
		Green:        c.Bool("green"),
		Command:      c.String("command"),
		DryRun:       c.Bool("dry-run"),
		Force:        c.Bool("force"),
	})
	if err != nil {
		return storeError("rollback", err)
	}
	msg := "rolled back to " + whose(res.Checkpoint)
	if res.DryRun {
		msg = "would roll back to " + whose(res.Checkpoint)
	}
	if c.Bool("green") {
		msg += greenOf(res.Checkpoint, session)
	}
	if res.Checkpoint.Future {
		fmt.Fprintf(os.Stderr, "maestro: warning: checkpoint %s is dated %s, more than 5 minutes ahead of this clock: a wrong clock, or a forged record\n",
			res.Checkpoint.Name(), res.Checkpoint.Timestamp.Format(time.RFC3339))
	}
	return report(c, "rollback_to_checkpoint", msg, session, res)
}

// greenOf says what a green checkpoint is of: its command, and its
// session when that is not the one the rollback is recorded in.
func greenOf(r *checkpoint.Record, session string) string {
	s := ", the last green"
	if argv := checkpoint.GreenCommand(r); argv != nil {
		s += " of `" + textsafe.Visible(checkpoint.CommandLine(argv)) + "`"
	}
	if r.SessionID != session {
		s += " (session " + r.SessionID + ")"
	}
	return s
}

// whose names a checkpoint and, for a fetched one, whose it is.
func whose(r *checkpoint.Record) string {
	if r.Origin == "" {
		return r.CheckpointID
	}
	return fmt.Sprintf("%s, a checkpoint of session %s fetched from %s", r.Name(), r.SessionID, r.Origin)
}

func (e *env) undo(c *ucli.Context) error {
	if err := noArgs(c, "undo"); err != nil {
		return err
	}
	if c.IsSet("to") && c.Bool("redo") {
		return usageError(ExitUsage, "undo", errors.New("--to and --redo contradict each other"))
	}
	if c.IsSet("to") && c.String("to") == "" {
		return usageError(ExitUsage, "undo", errors.New("--to needs an event id ('maestro events' lists them)"))
	}
	s, err := openStore("undo")
	if err != nil {
		return err
	}
	// Only --session-id narrows what is taken back: the session of the
	// environment is where the undo is recorded.
	session, only := sessionID(c), ""
	if c.IsSet("session-id") {
		only = session
		if err := checkSession("undo", only, s); err != nil {
			return err
		}
	}
	res, err := s.UndoWith(checkpoint.UndoOptions{SessionID: session, Only: only, To: c.String("to"), Redo: c.Bool("redo"), DryRun: c.Bool("dry-run"), Force: c.Bool("force")})
	if err != nil {
		return storeError("undo", err)
	}
	return report(c, "rollback_to_checkpoint", undoMessage(res), session, res)
}

// undoMessage says which operation an undo or redo took back.
func undoMessage(res *checkpoint.Result) string {
	what := ""
	if res.Target != nil {
		what = fmt.Sprintf(", %s (session %s)", strings.TrimSpace(describeOp(res.Target)), res.Target.SessionID)
	}
	verb, id := "undid ", res.Undoes
	switch {
	case res.Redoes != "":
		verb, id = "redid: took back the undo ", res.Redoes
	case len(res.Undone) > 1:
		verb = "undid everything from "
		what += fmt.Sprintf(" on: %d operations", len(res.Undone))
	}
	if res.DryRun {
		verb = "would " + strings.Replace(strings.Replace(verb, "undid", "undo", 1), "redid", "redo", 1)
	}
	return textsafe.Visible(verb + id + what)
}

// report prints what a rollback or undo changed, and how to take it back.
func report(c *ucli.Context, strategy, msg, session string, res *checkpoint.Result) error {
	if c.Bool("json") {
		return writeJSON(os.Stdout, recoveryResult{StrategyUsed: strategy, Success: true, Message: msg, Details: res, RecoveredAt: time.Now().UTC()})
	}
	w := os.Stdout
	fmt.Fprintln(w, msg)
	verb := func(done, would string) string {
		if res.DryRun {
			return would
		}
		return done
	}
	switch {
	case res.BranchBefore != res.BranchAfter:
		fmt.Fprintf(w, "  HEAD %s from %s at %s to %s at %s\n", verb("moved", "would move"), headName(res.BranchBefore), short(res.HeadBefore), headName(res.BranchAfter), short(res.HeadAfter))
	case res.HeadBefore != res.HeadAfter:
		fmt.Fprintf(w, "  %s %s from %s to %s\n", headName(res.BranchBefore), verb("moved", "would move"), short(res.HeadBefore), short(res.HeadAfter))
	}
	printRefs(w, res)
	refsOnly := len(res.Refs) > 0 && len(res.Restored)+len(res.Removed) == 0 && res.HeadBefore == res.HeadAfter && res.BranchBefore == res.BranchAfter
	if res.DryRun && refsOnly {
		return nil
	}
	if res.DryRun {
		printPaths(w, "would restore", res.Restored)
		printPaths(w, "would remove", res.Removed)
		if c.Bool("verbose") {
			printPaths(w, "left alone (ignored)", res.LeftAlone)
			return nil
		}
		var files []string
		for _, p := range res.LeftAlone {
			if !slices.ContainsFunc(res.LeftAloneFolders, func(f checkpoint.IgnoredFolder) bool { return strings.HasPrefix(p, f.Path) }) {
				files = append(files, p)
			}
		}
		for _, f := range res.LeftAloneFolders {
			fmt.Fprintf(w, "  left alone (ignored): %s (%d file%s)\n", textsafe.Visible(f.Path), f.Files, plural(f.Files))
		}
		if len(res.LeftAloneFolders) == 0 || len(files) > 0 {
			printPaths(w, "left alone (ignored)", files)
		}
		return nil
	}
	if !refsOnly {
		fmt.Fprintf(w, "  restored %d file%s, removed %d; ignored files were left alone\n",
			len(res.Restored), plural(len(res.Restored)), len(res.Removed))
	}
	switch {
	case res.Checkpoint != nil:
		fmt.Fprintf(w, "take it back with: git maestro undo --session-id %s\n", session)
	case res.Redoes != "":
		fmt.Fprintln(w, "take it back with: git maestro undo")
	default:
		fmt.Fprintln(w, "take it back with: git maestro undo --redo; walk further back with: git maestro undo")
	}
	return nil
}

// printRefs says which checkpoints and fetched refs an undo puts back.
func printRefs(w io.Writer, res *checkpoint.Result) {
	fetched := 0
	for _, r := range res.Refs {
		id, ok := strings.CutPrefix(r.Ref, checkpoint.RefRoot+"checkpoints/")
		switch {
		case strings.HasPrefix(r.Ref, checkpoint.RefRoot+"remotes/"):
			fetched++
		case !ok:
		case r.New == "" && res.DryRun:
			fmt.Fprintf(w, "  would remove checkpoint %s\n", textsafe.Visible(id))
		case r.New == "":
			fmt.Fprintf(w, "  removed checkpoint %s\n", textsafe.Visible(id))
		case res.DryRun:
			fmt.Fprintf(w, "  would put back checkpoint %s\n", textsafe.Visible(id))
		default:
			fmt.Fprintf(w, "  put back checkpoint %s\n", textsafe.Visible(id))
		}
	}
	if fetched > 0 {
		verb := "took back"
		if res.DryRun {
			verb = "would take back"
		}
		fmt.Fprintf(w, "  %s %d fetched ref%s\n", verb, fetched, plural(fetched))
	}
}

func printPaths(w io.Writer, what string, paths []string) {
	if len(paths) == 0 {
		fmt.Fprintf(w, "  %s: nothing\n", what)
		return
	}
	for _, p := range paths {
		fmt.Fprintf(w, "  %s: %s\n", what, textsafe.Visible(p))
	}
}

func headName(branch string) string {
	if branch == "" {
		return "detached HEAD"
	}
	// git allows bidi and other format characters in branch names.
	return textsafe.Visible(strings.TrimPrefix(branch, "refs/heads/"))
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
