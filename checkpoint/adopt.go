package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// AdoptOptions name the fork an adopt takes its state from. Package fork
// keeps the fork's record and builds on this one, so its fields come as
// they are.
type AdoptOptions struct {
	SessionID string // the session the adopt is recorded in
	Fork      string // the fork's name
	Path      string // its worktree
	// CheckpointID and CheckpointSession are the checkpoint the fork was
	// made at (CheckpointSession "" for SessionID).
	CheckpointID      string
	CheckpointSession string
	DryRun            bool
	// Force adopts even though the main working tree is no longer the
	// checkpoint's state, is on another branch, or the fork's HEAD left
	// the checkpoint's history: what is there is recorded first.
	Force bool
}

// Adopt brings a fork's state into the main working tree: its files, its
// index, and HEAD at the fork's commit. The fork was made at a checkpoint,
// so when the main working tree is still that checkpoint's state this is
// exactly the fork's changes, commits included (the branch fast-forwards).
// It is a move like a rollback, to the fork's captured state: recorded
// first as an adopt event, which undo takes back byte for byte. The fork's
// worktree is only read.
func (s *Store) Adopt(o AdoptOptions) (*Result, error) {
	if err := ValidateID("session id", o.SessionID); err != nil {
		return nil, err
	}
	if err := ValidateID("fork name", o.Fork); err != nil {
		return nil, err
	}
	cpSession := o.CheckpointSession
	if cpSession == "" {
		cpSession = o.SessionID
	}
	if err := ValidateID("session id", cpSession); err != nil {
		return nil, err
	}
	if _, _, _, err := ParseName(o.CheckpointID); err != nil {
		return nil, err
	}
	if op, hint := s.InProgress(); op != "" {
		return nil, refuse([]string{hint + ", then adopt"}, "a %s is in progress: adopting now could lose its work", op)
	}
	fs, err := s.openFork(o.Fork, o.Path)
	if err != nil {
		return nil, err
	}
	if op, hint := fs.InProgress(); op != "" {
		return nil, refuse([]string{"in " + textsafe.Visible(o.Path) + ": " + hint + ", then adopt"}, "a %s is in progress in fork %s: its state is half made", op, o.Fork)
	}
	cat, err := s.Load()
	if err != nil {
		return nil, err
	}
	rec, err := cat.Lookup(cpSession, o.CheckpointID)
	if err != nil {
		return nil, fmt.Errorf("fork %s was made at checkpoint %s: %w", o.Fork, o.CheckpointID, err)
	}
	head, err := s.headCommit()
	if err != nil {
		return nil, err
	}
	otherBranch := head.Branch != "" && rec.Branch != head.Branch
	if otherBranch && !o.Force {
		return nil, refuse([]string{"switch to " + branchName(rec.Branch) + " first, or pass --force to move " + branchName(head.Branch) + " to the fork's state (the current state is recorded first; undo takes it back)"},
			"fork %s was made at checkpoint %s, of %s, and you are on %s", o.Fork, rec.CheckpointID, branchName(rec.Branch), branchName(head.Branch))
	}
	from, err := s.checkpointState(rec)
	if err != nil {
		return nil, err
	}
	fhead, err := fs.headCommit()
	if err != nil {
		return nil, err
	}
	fork, err := fs.capture(fhead, "maestro: fork "+o.Fork)
	if err != nil {
		return nil, fmt.Errorf("fork %s: %w", o.Fork, err)
	}
	defer fork.cleanup()
	if err := hiddenEntries(fork.flags, "adopt"); err != nil {
		return nil, fmt.Errorf("fork %s: %w", o.Fork, err)
	}
	if fhead.SHA == from.HeadSHA && fork.workTree == from.WorktreeTree && fork.indexTree == from.IndexTree {
		return nil, refuse([]string{"'maestro forks' lists the forks and what changed in each"}, "fork %s has not changed since checkpoint %s: there is nothing to adopt", o.Fork, rec.CheckpointID)
	}
	left := false
	if fhead.SHA != from.HeadSHA {
		descends, err := s.repo.IsAncestor(from.HeadSHA, fhead.SHA)
		if err != nil {
			return nil, err
		}
		if left = !descends; left && !o.Force {
			return nil, refuse([]string{"--force adopts it anyway: HEAD moves to the fork's commit, and what is there now is recorded first"},
				"fork %s's HEAD, %s, does not descend from checkpoint %s's commit %s: adopting it would drop commits", o.Fork, short(fhead.SHA), rec.CheckpointID, short(from.HeadSHA))
		}
	}
	lk, err := s.lockAt(head, o.DryRun, "reading the fork")
	if err != nil {
		return nil, err
	}
	defer lk.release()
	to := target{*fork.state()}
	to.Branch = head.Branch
	ev := &Event{Type: EventAdopt, SessionID: o.SessionID, CheckpointID: rec.CheckpointID, Fork: o.Fork, ForkTree: fork.workTree, Forced: otherBranch || left}
	switch {
	case rec.Origin != "":
		ev.CheckpointOrigin, ev.CheckpointSession = rec.Origin, rec.SessionID
	case rec.SessionID != o.SessionID:
		ev.CheckpointSession = rec.SessionID
	}
	// The fork's changes are relative to the checkpoint: on a working tree
	// that has moved on since, adopting overwrites that work.
	check := func(before *snapshot) error {
		if before.head.SHA == from.HeadSHA && before.workTree == from.WorktreeTree && before.indexTree == from.IndexTree {
			return nil
		}
		if o.Force {
			ev.Forced = true
			return nil
		}
		return refuse([]string{"'maestro adopt " + o.Fork + " --dry-run' lists what would change; --force adopts anyway: what is there now is recorded first, and 'git maestro undo' takes it back"},
			"the working tree has changed since checkpoint %s, which fork %s was made at: adopting would overwrite that work", rec.CheckpointID, o.Fork)
	}
	res := &Result{Checkpoint: rec, Fork: o.Fork, DryRun: o.DryRun}
	return res, s.move(head, to, ev, res, lk, check)
}

// openFork opens the worktree of fork name: a worktree of this repository
// (they share their objects), and not this one.
func (s *Store) openFork(name, path string) (*Store, error) {
	gone := []string{"'maestro fork --remove " + name + "' forgets it"}
	if path == "" || !filepath.IsAbs(path) {
		return nil, refuse(gone, "fork %s has no worktree path in its record", name)
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, refuse(gone, "fork %s's worktree %s is gone", name, textsafe.Visible(path))
	}
	fs, err := Open(path)
	if errors.Is(err, git.ErrNotRepo) {
		return nil, refuse(gone, "fork %s's worktree %s is not a git working tree", name, textsafe.Visible(path))
	}
	if err != nil {
		return nil, err
	}
	switch {
	case fs.repo.GitDir == s.repo.GitDir:
		return nil, refuse(nil, "fork %s's worktree %s is this working tree", name, textsafe.Visible(path))
	case fs.repo.CommonDir != s.repo.CommonDir:
		return nil, refuse(gone, "fork %s's worktree %s belongs to another repository", name, textsafe.Visible(path))
	}
	fs.Now = s.Now
	return fs, nil
}

// AdoptedTree reports whether an adopt made here took a fork whose
// working tree was tree. An adopt undone since counts too: the state it
// took stays recorded, and redo brings it back.
func (s *Store) AdoptedTree(tree string) (bool, error) {
	cat, err := s.Load()
	if err != nil {
		return false, err
	}
	for _, e := range cat.Events {
		if e.Type == EventAdopt && e.ForkTree == tree {
			return true, nil
		}
	}
	return false, nil
}
