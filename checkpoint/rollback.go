package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/maestro-recovery/maestro/internal/git"
)

// InProgress names the git operation under way in the working tree (a
// merge, rebase, cherry-pick, revert, bisect or am), or "".
func (s *Store) InProgress() (op, hint string) {
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(s.repo.GitDir, name))
		return err == nil
	}
	switch {
	case exists("rebase-merge") || exists("rebase-apply/rebasing"):
		return "rebase", "finish it (git rebase --continue) or abort it (git rebase --abort)"
	case exists("rebase-apply"):
		return "am", "finish it (git am --continue) or abort it (git am --abort)"
	case exists("MERGE_HEAD"):
		return "merge", "finish it (commit the resolution) or abort it (git merge --abort)"
	case exists("CHERRY_PICK_HEAD") || exists("sequencer"):
		return "cherry-pick", "finish it (git cherry-pick --continue) or abort it (git cherry-pick --abort)"
	case exists("REVERT_HEAD"):
		return "revert", "finish it (git revert --continue) or abort it (git revert --abort)"
	case exists("BISECT_LOG"):
		return "bisect", "end it (git bisect reset)"
	}
	return "", ""
}

// InSequence reports whether commits are being made by a rebase or a
// cherry-pick of several commits, whose intermediate commits the hook
// does not check point.
func (s *Store) InSequence() bool {
	for _, name := range []string{"rebase-merge", "rebase-apply", "sequencer"} {
		if _, err := os.Stat(filepath.Join(s.repo.GitDir, name)); err == nil {
			return true
		}
	}
	return false
}

// RollbackOptions choose the checkpoint and how.
type RollbackOptions struct {
	SessionID    string
	CheckpointID string // "" for the newest of the session
	Type         string // with CheckpointID "", the newest of this type
	DryRun       bool
	Force        bool // allow a checkpoint made on another branch
}

// Result is what a rollback or an undo changed, or would change.
type Result struct {
	EventID      string   `json:"event_id,omitempty"`
	Checkpoint   *Record  `json:"checkpoint,omitempty"`
	Undoes       string   `json:"undoes,omitempty"`
	DryRun       bool     `json:"dry_run"`
	Restored     []string `json:"restored"`   // written: added or changed
	Removed      []string `json:"removed"`    // removed: the target lacks them
	LeftAlone    []string `json:"left_alone"` // with DryRun: the ignored files and folders, which stay
	BranchBefore string   `json:"branch_before"`
	HeadBefore   string   `json:"head_before"`
	BranchAfter  string   `json:"branch_after"`
	HeadAfter    string   `json:"head_after"`
}

// target is a state to move to.
type target struct {
	State
}

// Rollback returns the working tree, the index and the branch to a
// checkpoint. Before it changes anything it records the current state as
// an event, in the same transaction that moves the branch (compare and
// swap: refused if the branch moved meanwhile), so undo can restore it.
func (s *Store) Rollback(o RollbackOptions) (*Result, error) {
	if err := ValidateID("session id", o.SessionID); err != nil {
		return nil, err
	}
	if o.CheckpointID != "" {
		if err := ValidateID("checkpoint id", o.CheckpointID); err != nil {
			return nil, err
		}
	}
	if op, hint := s.InProgress(); op != "" {
		return nil, refuse([]string{hint + ", then roll back"}, "a %s is in progress: rolling back now could lose its work", op)
	}
	cat, err := s.Load()
	if err != nil {
		return nil, err
	}
	var rec *Record
	if o.CheckpointID != "" {
		if rec, err = cat.Find(o.SessionID, o.CheckpointID); err != nil {
			return nil, err
		}
	} else {
		typ := ""
		if o.Type != "" {
			if typ, err = ParseType(o.Type); err != nil {
				return nil, err
			}
		}
		list := cat.Filter(o.SessionID, typ)
		if len(list) == 0 {
			what := "no checkpoint"
			if typ != "" {
				what = "no checkpoint of type " + typ
			}
			return nil, refuse([]string{"'maestro list --all-sessions' shows the checkpoints of every session"}, "%s in session %q", what, o.SessionID)
		}
		rec = &list[0]
	}
	head, err := s.headCommit()
	if err != nil {
		return nil, err
	}
	if head.Branch != "" && rec.Branch != head.Branch && !o.Force {
		return nil, refuse([]string{"switch to " + branchName(rec.Branch) + " first, or pass --force to move " + branchName(head.Branch) + " to it (the current state is recorded first; undo takes it back)"},
			"checkpoint %s was made on %s, and you are on %s", rec.CheckpointID, branchName(rec.Branch), branchName(head.Branch))
	}
	to, err := s.checkpointState(rec)
	if err != nil {
		return nil, err
	}
	res := &Result{Checkpoint: rec, DryRun: o.DryRun}
	ev := &Event{Type: EventRollback, SessionID: o.SessionID, CheckpointID: rec.CheckpointID, Forced: o.Force && rec.Branch != head.Branch}
	return res, s.move(head, to, ev, res, o.Force)
}

// Undo returns to the state the last rollback or undo of the session
// recorded, byte for byte: HEAD, branch, index, files. It is recorded
// itself, so the next undo takes it back.
func (s *Store) Undo(session string, dryRun, force bool) (*Result, error) {
	if err := ValidateID("session id", session); err != nil {
		return nil, err
	}
	if op, hint := s.InProgress(); op != "" {
		return nil, refuse([]string{hint + ", then undo"}, "a %s is in progress: undoing now could lose its work", op)
	}
	cat, err := s.Load()
	if err != nil {
		return nil, err
	}
	var last *Event
	for i := len(cat.Events) - 1; i >= 0; i-- {
		e := &cat.Events[i]
		if e.SessionID == session && (e.Type == EventRollback || e.Type == EventUndo) && e.Before != nil {
			last = e
			break
		}
	}
	if last == nil {
		return nil, refuse([]string{"undo takes back a rollback of the same session: --session-id names it, 'maestro list --all-sessions' shows them"}, "nothing to undo: session %q has no rollback", session)
	}
	head, err := s.headCommit()
	if err != nil {
		return nil, err
	}
	if last.After != nil && (head.SHA != last.After.HeadSHA || head.Branch != last.After.Branch) && !force {
		return nil, refuse([]string{"--force undoes it anyway: what is there now is recorded first, and undo takes that back too"},
			"HEAD moved since the %s %s: it is at %s on %s, the %s left it at %s on %s", last.Type, last.EventID,
			short(head.SHA), branchName(head.Branch), last.Type, short(last.After.HeadSHA), branchName(last.After.Branch))
	}
	res := &Result{Undoes: last.EventID, DryRun: dryRun}
	ev := &Event{Type: EventUndo, SessionID: session, Undoes: last.EventID, Forced: force}
	return res, s.move(head, target{*last.Before}, ev, res, force)
}

// checkpointState is where a checkpoint takes the working tree.
func (s *Store) checkpointState(rec *Record) (target, error) {
	cs, err := s.repo.Commits(rec.CommitSHA)
	if err != nil {
		return target{}, err
	}
	c := cs[0]
	t := target{State{HeadSHA: c.SHA, Branch: rec.Branch, StateCommit: c.SHA, IndexTree: c.Tree, WorktreeTree: c.Tree}}
	if rec.Snapshot {
		if len(c.Parents) != 2 {
			return target{}, errors.New("checkpoint " + rec.CheckpointID + " is not a snapshot commit")
		}
		idx, err := s.repo.Commits(c.Parents[1])
		if err != nil {
			return target{}, err
		}
		t.HeadSHA, t.IndexTree = c.Parents[0], idx[0].Tree
	}
	return t, nil
}

// move takes the working tree from head to to: it records the current
// state, then moves the branch (or a detached HEAD) in the same
// transaction, then the files, then the index.
func (s *Store) move(head git.Head, to target, ev *Event, res *Result, force bool) error {
	before, err := s.capture(head, "maestro: state before "+ev.Type)
	if err != nil {
		return err
	}
	defer before.cleanup()
	res.HeadBefore, res.BranchBefore = head.SHA, head.Branch
	res.HeadAfter, res.BranchAfter = to.HeadSHA, to.Branch
	if ev.Type == EventRollback {
		// A rollback moves what HEAD is: the current branch (with --force,
		// to a checkpoint of another branch), or a detached HEAD. Only an
		// undo returns to a recorded branch.
		res.BranchAfter = head.Branch
	}
	changes, err := s.repo.DiffTrees(before.workTree, to.WorktreeTree)
	if err != nil {
		return err
	}
	res.Restored, res.Removed = []string{}, []string{}
	for _, c := range changes {
		if c.Status == "D" {
			res.Removed = append(res.Removed, c.Path)
		} else {
			res.Restored = append(res.Restored, c.Path)
		}
	}
	res.LeftAlone = []string{}
	if res.DryRun {
		// Listing the ignored files walks the whole working tree: only a
		// dry run, which is for looking, pays for it.
		ignored, err := s.repo.Ignored()
		if err != nil {
			return err
		}
		res.LeftAlone = append(res.LeftAlone, ignored...)
	}
	// A file git would write where an ignored file or folder is (all the
	// others are in the recorded state) stops the move here, before
	// anything changed: git would overwrite it.
	for _, c := range changes {
		if c.Status != "A" {
			continue
		}
		if in := s.inTheWay(c.Path); in != "" {
			return refuse([]string{"move it away (it is ignored, so maestro does not record it), then try again"},
				"the %s would overwrite %s, which git ignores", ev.Type, in)
		}
	}
	if res.DryRun {
		return nil
	}

	ev.Version = 1
	now := s.Now()
	ev.EventID = newID("ev-", now)
	ev.Timestamp = now.UTC()
	ev.Before = before.state()
	after := to.State
	after.Branch = res.BranchAfter
	ev.After = &after
	blob, err := s.writeJSON(ev)
	if err != nil {
		return err
	}
	updates := []git.RefUpdate{
		{Name: eventRef(ev.SessionID, ev.EventID), New: blob, Create: true},
		{Name: stateRef(ev.SessionID, ev.EventID), New: before.commit, Create: true},
	}
	switchBranch := ""
	switch {
	case res.BranchAfter == "":
		updates = append(updates, git.RefUpdate{Name: "HEAD", New: to.HeadSHA, Old: head.SHA, NoDeref: true})
	case res.BranchAfter == head.Branch:
		updates = append(updates, git.RefUpdate{Name: head.Branch, New: to.HeadSHA, Old: head.SHA})
	default:
		// An undo back to another branch: that branch moves back too, from
		// wherever it is now.
		tip, err := s.repo.ResolveRef(res.BranchAfter)
		if err != nil {
			return err
		}
		if tip == "" {
			updates = append(updates, git.RefUpdate{Name: res.BranchAfter, New: to.HeadSHA, Create: true})
		} else {
			updates = append(updates, git.RefUpdate{Name: res.BranchAfter, New: to.HeadSHA, Old: tip})
		}
		switchBranch = res.BranchAfter
	}
	if err := s.repo.UpdateRefs("maestro: "+ev.Type+" "+ev.EventID, updates...); err != nil {
		var ge *git.Error
		if errors.As(err, &ge) && strings.Contains(ge.Stderr, "but expected") {
			return refuse([]string{"something moved it meanwhile: look with git log, then try again"}, "%s moved while maestro was recording the %s; nothing was changed", branchName(head.Branch), ev.Type)
		}
		return err
	}
	res.EventID = ev.EventID
	if switchBranch != "" {
		if err := s.repo.SetHead(switchBranch, "maestro: "+ev.Type+" "+ev.EventID); err != nil {
			return s.interrupted(ev, err)
		}
	}
	if err := s.repo.SwitchTree(before.tmpIndex, before.workTree, to.WorktreeTree); err != nil {
		return s.interrupted(ev, err)
	}
	if err := s.repo.ReadTree(s.repo.IndexFile, to.IndexTree); err != nil {
		return s.interrupted(ev, err)
	}
	return nil
}

// inTheWay returns what occupies path or one of its folders in the working
// tree, or "".
func (s *Store) inTheWay(path string) string {
	p := path
	for {
		info, err := os.Lstat(filepath.Join(s.repo.TopLevel, p))
		if err == nil {
			if p == path || !info.IsDir() {
				return p
			}
			return "" // an existing folder on the way is fine
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return ""
		}
		p = p[:i]
	}
}

// interrupted is a move that failed after it was recorded: undo finishes
// the way back.
func (s *Store) interrupted(ev *Event, err error) error {
	return &Error{Msg: "the " + ev.Type + " " + ev.EventID + " stopped half way: " + err.Error(),
		Hint: []string{"the state before it is recorded: 'git maestro undo --session-id " + ev.SessionID + " --force' returns to it"}}
}

func branchName(ref string) string {
	if ref == "" {
		return "a detached HEAD"
	}
	return "branch " + strings.TrimPrefix(ref, "refs/heads/")
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
