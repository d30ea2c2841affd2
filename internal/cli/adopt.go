package cli

import (
	"cmp"
	"errors"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/fork"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) adoptCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "adopt",
		Usage:     "bring a fork's state into the main working tree, recorded so that undo takes it back",
		UsageText: "maestro adopt [--session-id ID] [--dry-run [--verbose]] [--force] [--json] NAME",
		Description: `The main working tree takes fork NAME's state: its files (tracked changes
and untracked files that are not ignored), its index, and HEAD at the fork's
commit, so that a fork that committed fast-forwards the branch. The fork was
made at a checkpoint; when the main working tree is still that checkpoint's
state, this is exactly the fork's changes. Like a rollback, the current state
is recorded first, as an adopt event, and 'git maestro undo' takes it back
byte for byte. The fork is only read. Refused in the middle of a merge,
rebase, cherry-pick, revert or bisect (here or in the fork), with ignored
files in the way, and unless --force: on another branch than the
checkpoint's, when the main working tree has changed since the checkpoint,
or when the fork's HEAD does not descend from the checkpoint's commit.`,
		Flags: []ucli.Flag{
			sessionFlag(),
			&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be restored, removed and left alone; change nothing"},
			&ucli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "with --dry-run, every ignored file and folder git lists, not one line per folder of ignored files"},
			&ucli.BoolFlag{Name: "force", Usage: "adopt over work made since the checkpoint, on another branch, or a fork whose HEAD left the checkpoint's history"},
			jsonFlag,
		},
		OnUsageError: commandUsageError("adopt"),
		Action:       e.adopt,
	}
}

func (e *env) adopt(c *ucli.Context) error {
	name, err := oneArg(c, "adopt", "fork's name (maestro forks lists them)")
	if err != nil {
		return err
	}
	if err := checkpoint.ValidateID("fork name", name); err != nil {
		return usageError(ExitUsage, "adopt", err)
	}
	s, err := openStore("adopt")
	if err != nil {
		return err
	}
	session := sessionID(c)
	if err := checkSession("adopt", session, s); err != nil {
		return err
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	f, err := fork.Get(dir, name)
	if errors.Is(err, fork.ErrNoFork) {
		return &Error{Code: ExitFailed, Err: err, Hint: []string{"'maestro forks' lists them; 'maestro fork' makes one"}}
	}
	if err != nil {
		return storeError("adopt", err)
	}
	if f.Unreadable != "" {
		return storeError("adopt", f.UnreadableError())
	}
	res, err := s.Adopt(checkpoint.AdoptOptions{
		SessionID:    session,
		Fork:         f.Name,
		Path:         f.Path,
		CheckpointID: f.CheckpointID,
		// A record written before checkpoint_session existed: the
		// fork's session was the checkpoint's.
		CheckpointSession: cmp.Or(f.CheckpointSession, f.SessionID),
		DryRun:            c.Bool("dry-run"),
		Force:             c.Bool("force"),
	})
	if err != nil {
		return storeError("adopt", err)
	}
	msg := "adopted fork " + f.Name + ", made at checkpoint " + whose(res.Checkpoint)
	if res.DryRun {
		msg = "would adopt fork " + f.Name + ", made at checkpoint " + whose(res.Checkpoint)
	}
	return report(c, "adopt_fork", msg, session, res)
}
