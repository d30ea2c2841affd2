package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
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
			UsageText: "maestro rollback [--session-id ID] [--checkpoint-id CP] [--type T] [--dry-run] [--force] [--json]",
			Description: `Without --checkpoint-id, the newest checkpoint of the session (of the type
given by --type) made here, never a fetched one: a fetched checkpoint is taken
only by its full name, --checkpoint-id REMOTE/SESSION/CHECKPOINT-ID. Before it changes anything, the current state (HEAD, branch,
index, tracked changes, untracked files) is recorded, so 'git maestro undo'
can restore it byte for byte. Ignored files and nested repositories are never
touched. Refused in the middle of a merge, rebase, cherry-pick, revert or
bisect, and for a checkpoint made on another branch unless --force.`,
			Flags: []ucli.Flag{
				sessionFlag(),
				&ucli.StringFlag{Name: "checkpoint-id", Usage: "the checkpoint `CP`: an id of the session, or REMOTE/SESSION/ID for a fetched one"},
				&ucli.StringFlag{Name: "type", Usage: "the newest checkpoint of this type"},
				&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be restored, removed and left alone; change nothing"},
				&ucli.BoolFlag{Name: "force", Usage: "roll back to a checkpoint made on another branch (the current branch moves)"},
				jsonFlag,
			},
			OnUsageError: commandUsageError("rollback"),
			Action:       e.rollback,
		},
		{
			Name:      "undo",
			Usage:     "return to the state before the last rollback (or undo) of the session",
			UsageText: "maestro undo [--session-id ID] [--dry-run] [--force] [--json]",
			Flags: []ucli.Flag{
				sessionFlag(),
				&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would change; change nothing"},
				&ucli.BoolFlag{Name: "force", Usage: "undo even though HEAD moved since (what is there now is recorded first)"},
				jsonFlag,
			},
			OnUsageError: commandUsageError("undo"),
			Action:       e.undo,
		},
	}
}

func (e *env) rollback(c *ucli.Context) error {
	if err := noArgs(c, "rollback"); err != nil {
		return err
	}
	if c.String("checkpoint-id") != "" && c.String("type") != "" {
		return usageError(ExitUsage, "rollback", errors.New("--checkpoint-id and --type contradict each other"))
	}
	s, err := openStore("rollback")
	if err != nil {
		return err
	}
	session := sessionID(c)
	res, err := s.Rollback(checkpoint.RollbackOptions{
		SessionID:    session,
		CheckpointID: c.String("checkpoint-id"),
		Type:         c.String("type"),
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
	if res.Checkpoint.Future {
		fmt.Fprintf(os.Stderr, "maestro: warning: checkpoint %s is dated %s, more than 5 minutes ahead of this clock: a wrong clock, or a forged record\n",
			res.Checkpoint.Name(), res.Checkpoint.Timestamp.Format(time.RFC3339))
	}
	return report(c, "rollback_to_checkpoint", msg, session, res)
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
	s, err := openStore("undo")
	if err != nil {
		return err
	}
	session := sessionID(c)
	res, err := s.Undo(session, c.Bool("dry-run"), c.Bool("force"))
	if err != nil {
		return storeError("undo", err)
	}
	msg := "undid " + res.Undoes
	if res.DryRun {
		msg = "would undo " + res.Undoes
	}
	return report(c, "rollback_to_checkpoint", msg, session, res)
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
	if res.DryRun {
		printPaths(w, "would restore", res.Restored)
		printPaths(w, "would remove", res.Removed)
		printPaths(w, "left alone (ignored)", res.LeftAlone)
		return nil
	}
	fmt.Fprintf(w, "  restored %d file%s, removed %d; ignored files were left alone\n",
		len(res.Restored), plural(len(res.Restored)), len(res.Removed))
	fmt.Fprintf(w, "take it back with: git maestro undo --session-id %s\n", session)
	return nil
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
