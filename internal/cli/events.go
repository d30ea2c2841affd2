package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) eventsCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "events",
		Usage:     "list every operation recorded here, newest first: checkpoints, rollbacks, adopts, undos, redos, prunes, fetches",
		UsageText: "maestro events [--session-id ID | --all] [--json]",
		Description: `The operation log of the repository, as 'jj op log' shows one: every
session's unless --session-id names one. Each line is an event id (or, for a
checkpoint made, its checkpoint id) that 'git maestro undo --to' takes, any
unique prefix or suffix of it, and what the operation changed. An operation
taken back says by which undo. --all adds the events fetched from remotes,
which are listed with their origin and never undone here.`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "session-id", Usage: "only the operations of session `ID` (default: every session)"},
			&ucli.BoolFlag{Name: "all", Usage: "also the events fetched from remotes"},
			jsonFlag,
		},
		OnUsageError: commandUsageError("events"),
		Action:       e.events,
	}
}

func (e *env) events(c *ucli.Context) error {
	if err := noArgs(c, "events"); err != nil {
		return err
	}
	session := c.String("session-id")
	if c.IsSet("session-id") && session == "" {
		return usageError(ExitUsage, "events", errors.New("--session-id needs a session id"))
	}
	s, err := openStore("events")
	if err != nil {
		return err
	}
	if session != "" {
		if err := checkSession("events", session, s); err != nil {
			return err
		}
	}
	ops, err := s.Events(session, c.Bool("all"))
	if err != nil {
		return storeError("events", err)
	}
	if c.Bool("json") {
		if ops == nil {
			ops = []checkpoint.Op{}
		}
		return writeJSON(os.Stdout, ops)
	}
	if len(ops) == 0 {
		where := "in this repository"
		if session != "" {
			where = fmt.Sprintf("in session %s", session)
		}
		fmt.Fprintf(os.Stderr, "maestro: no operations recorded %s\n", where)
		return nil
	}
	for _, op := range ops {
		who := op.SessionID
		if op.Origin != "" {
			who = op.Origin + "/" + who
		}
		line := fmt.Sprintf("%s  %s  %s  %s", op.ID, op.Timestamp.UTC().Format(time.RFC3339), who, describeOp(&op))
		switch {
		case op.Failed:
			line += "  [failed half way, put back]"
		case op.UndoneBy != "":
			line += "  [undone by " + op.UndoneBy + "]"
		}
		fmt.Println(textsafe.Visible(line))
	}
	return nil
}

// describeOp says what an operation did, in a line.
func describeOp(op *checkpoint.Op) string {
	var b strings.Builder
	switch op.Type {
	case checkpoint.EventCheckpoint:
		by := "by hand"
		switch op.Source {
		case "checkpoint", "":
		case checkpoint.SourceRun:
			by = "by maestro run"
		default:
			by = "by the " + op.Source + " hook"
		}
		fmt.Fprintf(&b, "checkpoint made %s at %s %s", by, headName(op.BranchAfter), short(op.HeadAfter))
		if op.Description != "" {
			fmt.Fprintf(&b, ": %s", oneLine(op.Description))
		}
		return b.String()
	case checkpoint.EventRollback:
		fmt.Fprintf(&b, "rollback to %s", op.CheckpointID)
		if op.Forced {
			b.WriteString(" (forced)")
		}
	case checkpoint.EventAdopt:
		fmt.Fprintf(&b, "adopt of fork %s, made at %s", op.Fork, op.CheckpointID)
		if op.Forced {
			b.WriteString(" (forced)")
		}
	case checkpoint.EventUndo:
		switch {
		case op.Automatic:
			fmt.Fprintf(&b, "automatic undo of %s, which failed half way", op.Undoes)
		case len(op.Undone) > 1:
			fmt.Fprintf(&b, "undo to before %s (%d operations)", op.Undoes, len(op.Undone))
		default:
			fmt.Fprintf(&b, "undo of %s", op.Undoes)
		}
	case checkpoint.EventRedo:
		fmt.Fprintf(&b, "redo: took back the undo %s", op.Redoes)
	case checkpoint.EventPrune:
		fmt.Fprintf(&b, "prune of %d checkpoint%s", len(op.Pruned), plural(len(op.Pruned)))
		if len(op.Pruned) > 0 {
			shown := op.Pruned[:min(3, len(op.Pruned))]
			fmt.Fprintf(&b, ": %s", strings.Join(shown, ", "))
			if len(op.Pruned) > 3 {
				fmt.Fprintf(&b, " and %d more", len(op.Pruned)-3)
			}
		}
		return b.String()
	case checkpoint.EventFetch:
		fmt.Fprintf(&b, "fetch from %s: %d ref%s added or updated", op.Remote, op.RefsChanged, plural(op.RefsChanged))
		return b.String()
	default:
		b.WriteString(op.Type)
	}
	if op.HeadBefore != "" && op.HeadAfter != "" {
		if op.BranchBefore == op.BranchAfter {
			fmt.Fprintf(&b, ": %s %s -> %s", headName(op.BranchBefore), short(op.HeadBefore), short(op.HeadAfter))
		} else {
			fmt.Fprintf(&b, ": %s %s -> %s %s", headName(op.BranchBefore), short(op.HeadBefore), headName(op.BranchAfter), short(op.HeadAfter))
		}
		if op.ChangedFiles != nil {
			fmt.Fprintf(&b, ", %d file%s", *op.ChangedFiles, plural(*op.ChangedFiles))
		}
	}
	if op.RefsChanged > 0 {
		fmt.Fprintf(&b, ", %d maestro ref%s put back (checkpoints, records, fetched)", op.RefsChanged, plural(op.RefsChanged))
	}
	return b.String()
}
