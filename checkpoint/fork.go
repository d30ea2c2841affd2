package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// InputErrorf is an InputError (a bad id or argument given by the user)
// for the packages built on checkpoints, such as fork.
func InputErrorf(format string, args ...any) error {
	return &InputError{fmt.Sprintf(format, args...)}
}

// ForkPoint is the checkpoint a fork is made at, chosen as a rollback
// chooses it (o.CheckpointID, o.Green, or the newest of the session on the
// current branch), with the state it holds. A checkpoint named by its id
// that the session lacks is looked for in the other sessions made here:
// a fork moves no branch, so any checkpoint will do.
func (s *Store) ForkPoint(o RollbackOptions) (*Record, *State, error) {
	if err := ValidateID("session id", o.SessionID); err != nil {
		return nil, nil, err
	}
	cat, err := s.Load()
	if err != nil {
		return nil, nil, err
	}
	var rec *Record
	switch {
	case o.CheckpointID != "":
		rec, err = cat.Lookup(o.SessionID, o.CheckpointID)
		var bad *InputError
		if err != nil && !errors.As(err, &bad) && !strings.Contains(o.CheckpointID, "/") {
			for i := range cat.Records {
				if cat.Records[i].CheckpointID == o.CheckpointID {
					rec, err = &cat.Records[i], nil
					break
				}
			}
		}
	default:
		var head git.Head
		if head, err = s.headCommit(); err != nil {
			return nil, nil, err
		}
		if o.Green {
			rec, err = greenFor(cat, o, head.Branch)
		} else {
			rec, err = newestFor(cat, o, head.Branch)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	t, err := s.checkpointState(rec)
	if err != nil {
		return nil, nil, err
	}
	return rec, &t.State, nil
}

// StateAt is the state a fork was made at, from its commits: head, the
// commit HEAD was detached at, and stateCommit, the checkpoint's commit
// (head itself for a clean checkpoint, else its snapshot commit).
func (s *Store) StateAt(head, stateCommit string) (*State, error) {
	rec := &Record{CheckpointID: stateCommit, CommitSHA: stateCommit, Snapshot: stateCommit != head}
	t, err := s.checkpointState(rec)
	if err != nil {
		return nil, err
	}
	if t.HeadSHA != head {
		return nil, fmt.Errorf("commit %s is not a snapshot of %s", short(stateCommit), short(head))
	}
	return &t.State, nil
}

// addMu makes this process's git worktree adds take turns (see AddFork).
var addMu sync.Mutex

// AddFork makes a linked worktree at path (absolute, not there yet) that is
// exactly st: HEAD detached at its commit, its index (intent-to-add
// entries too), and every file with its exact bytes, mode and kind. A
// state is checked out from its trees in two processes after the add (three
// for a dirty one), whatever the number of files. Nothing of
// the repository's own worktree, index or refs changes; a failure removes
// what was made.
func (s *Store) AddFork(path string, st *State) (err error) {
	// git worktree add reads every other worktree's administrative folder,
	// which another add may be writing: in parallel, one failed now and
	// then ("failed to read .git/worktrees/f2/commondir"). So the adds
	// take turns, without a checkout (a moment each), and the checkouts,
	// which are the work, run in parallel after.
	addMu.Lock()
	err = s.repo.AddWorktree(path, st.HeadSHA, false)
	addMu.Unlock()
	if err != nil {
		// A folder left by a kill is pruned by the next remove.
		return fmt.Errorf("add worktree %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			if rerr := s.repo.RemoveWorktree(path); rerr != nil {
				os.RemoveAll(path)
				s.repo.PruneWorktrees()
			}
		}
	}()
	r, err := git.Open(path)
	if err != nil {
		return err
	}
	f := &Store{repo: r, Now: s.Now}
	if err := r.ReadTreeReset(r.IndexFile, st.WorktreeTree, true); err != nil {
		return err
	}
	if err := f.writeRawFrom(st.WorktreeTree, st.RawPaths); err != nil {
		return err
	}
	if st.IndexTree != st.WorktreeTree {
		if err := r.ReadTree(r.IndexFile, st.IndexTree); err != nil {
			return err
		}
	}
	return r.AddIntentToAdd(r.IndexFile, f.present(textsafe.Names(st.IntentToAdd)))
}

// writeRawFrom writes the files raw as tree holds them, byte for byte, over
// what git's checkout made of them.
func (s *Store) writeRawFrom(tree string, raw []textsafe.Path) error {
	if len(raw) == 0 {
		return nil
	}
	var names []string
	var paths []textsafe.Path
	for _, p := range raw {
		// cat-file --batch reads a name a line.
		if !strings.ContainsAny(string(p), "\n\r") {
			names, paths = append(names, tree+":"+string(p)), append(paths, p)
		}
	}
	objs, err := s.repo.Objects(names)
	if err != nil {
		return err
	}
	changes := make([]git.Change, 0, len(objs))
	for i, o := range objs {
		if o.Type == "blob" {
			// The mode only says it is a file: git checked it out with
			// its own.
			changes = append(changes, git.Change{Status: "A", Path: string(paths[i]), Mode: "100644", SHA: o.SHA})
		}
	}
	return s.writeRaw(changes, paths, false)
}

// ForkChanges is what a fork holds beyond the state it was made at.
type ForkChanges struct {
	// Paths are the files whose content, mode or staging differ from the
	// base state, in the working tree or the index.
	Paths []string
	// HeadMoved says HEAD is no longer the base state's commit.
	HeadMoved bool
	// State is the fork as it is now; StateCommit is its HEAD.
	State *State
}

// Changed reports whether the fork holds anything of its own.
func (c *ForkChanges) Changed() bool { return len(c.Paths) > 0 || c.HeadMoved }

// ChangesIn compares the working tree at dir (a fork) with base: it
// captures the fork's index and files as a checkpoint would (on a copy of
// its index, changing nothing) and diffs the trees.
func (s *Store) ChangesIn(dir string, base *State) (*ForkChanges, error) {
	r, err := git.Open(dir)
	if err != nil {
		return nil, err
	}
	f := &Store{repo: r, Now: s.Now}
	head, err := f.headCommit()
	if err != nil {
		return nil, err
	}
	sn, err := f.capture(head, "")
	if err != nil {
		return nil, err
	}
	sn.cleanup()
	c := &ForkChanges{HeadMoved: head.SHA != base.HeadSHA, State: sn.state()}
	seen := map[string]bool{}
	for _, pair := range [][2]string{{base.WorktreeTree, sn.workTree}, {base.IndexTree, sn.indexTree}} {
		if pair[0] == pair[1] {
			continue
		}
		changes, err := r.DiffTrees(pair[0], pair[1])
		if err != nil {
			return nil, err
		}
		for _, ch := range changes {
			if !seen[ch.Path] {
				seen[ch.Path] = true
				c.Paths = append(c.Paths, ch.Path)
			}
		}
	}
	return c, nil
}

// Recorded reports whether the working tree tree is the tree of a
// checkpoint made here: a fork in that state loses nothing when removed.
func (s *Store) Recorded(tree string) (bool, error) {
	cat, err := s.Load()
	if err != nil {
		return false, err
	}
	var commits []string
	for _, r := range cat.Records {
		commits = append(commits, r.CommitSHA)
	}
	if len(commits) == 0 {
		return false, nil
	}
	cs, err := s.repo.Commits(commits...)
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if c.Tree == tree {
			return true, nil
		}
	}
	return false, nil
}
