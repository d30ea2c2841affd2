package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
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
	SessionID    string // the session the rollback is recorded in
	CheckpointID string // "" for the newest of the session
	Type         string // with CheckpointID "", the newest of this type
	// Green takes the newest green checkpoint made here, of any session
	// (see greenFor), instead of the session's newest.
	Green bool
	// With Green: Command takes the newest green of this command as a
	// person types it (MatchCommand), Argv of exactly this argv.
	Command string
	Argv    []string
	DryRun  bool
	Force   bool // allow a checkpoint made on another branch
	// SameState refuses, with a *SameStateError and changing nothing, a
	// checkpoint whose tree is the working tree as it is: after a failed
	// run that is returning to the state that failed.
	SameState bool
}

// SameStateError is the refusal RollbackOptions.SameState asks for.
type SameStateError struct{ Checkpoint *Record }

func (e *SameStateError) Error() string {
	return "the working tree is already the state of checkpoint " + e.Checkpoint.Name() + ": a rollback to it would change no file"
}

// Result is what a rollback or an undo changed, or would change.
type Result struct {
	EventID    string  `json:"event_id,omitempty"`
	Checkpoint *Record `json:"checkpoint,omitempty"`
	Fork       string  `json:"fork,omitempty"` // an adopt's fork
	Undoes     string  `json:"undoes,omitempty"`
	// Undone lists every event an undo takes back, newest first; Redoes
	// is the undo a redo takes back; Target is the operation named.
	Undone []string `json:"undone,omitempty"`
	Redoes string   `json:"redoes,omitempty"`
	Target *Op      `json:"target,omitempty"`
	// Refs are the checkpoints and fetched refs an undo puts back.
	Refs      []RefChange `json:"refs,omitempty"`
	DryRun    bool        `json:"dry_run"`
	Restored  []string    `json:"restored"`   // written: added or changed
	Removed   []string    `json:"removed"`    // removed: the target lacks them
	LeftAlone []string    `json:"left_alone"` // with DryRun: the ignored files and folders, which stay
	// LeftAloneFolders are the folders of LeftAlone that hold nothing but
	// ignored files, to name each once.
	LeftAloneFolders []IgnoredFolder `json:"left_alone_folders,omitempty"`
	BranchBefore     string          `json:"branch_before"`
	HeadBefore       string          `json:"head_before"`
	BranchAfter      string          `json:"branch_after"`
	HeadAfter        string          `json:"head_after"`
}

// target is a state to move to.
type target struct {
	State
}

// Rollback returns the working tree, the index and the branch to a
// checkpoint. Before it changes anything it records the current state as
// an event, in the same transaction that moves the branch (compare and
// swap: refused if the branch moved meanwhile), so undo can restore it.
// A rollback made is then sent to the Notifier, once the lock is released.
func (s *Store) Rollback(o RollbackOptions) (*Result, error) {
	res, err := s.rollback(o)
	if err == nil && !res.DryRun {
		s.notifyRollback(o.SessionID, res)
	}
	return res, err
}

func (s *Store) rollback(o RollbackOptions) (*Result, error) {
	if err := ValidateID("session id", o.SessionID); err != nil {
		return nil, err
	}
	if o.CheckpointID != "" {
		if _, _, _, err := ParseName(o.CheckpointID); err != nil {
			return nil, err
		}
	}
	switch {
	case o.Green && (o.CheckpointID != "" || o.Type != ""):
		return nil, &InputError{"a rollback to the last green checkpoint takes no checkpoint id and no type"}
	case !o.Green && (o.Command != "" || o.Argv != nil):
		return nil, &InputError{"a command names a green checkpoint: it goes with a rollback to the last green"}
	}
	if op, hint := s.InProgress(); op != "" {
		return nil, refuse([]string{hint + ", then roll back"}, "a %s is in progress: rolling back now could lose its work", op)
	}
	cat, err := s.Load()
	if err != nil {
		return nil, err
	}
	// HEAD is read before the lock to choose the checkpoint, so that a
	// wrong name is said first, and again under it.
	head, err := s.headCommit()
	if err != nil {
		return nil, err
	}
	// Without a name, only a checkpoint made here: a fetched one is taken
	// only when named in full (REMOTE/SESSION/ID).
	var rec *Record
	switch {
	case o.Green:
		rec, err = greenFor(cat, o, head.Branch)
	case o.CheckpointID != "":
		rec, err = cat.Lookup(o.SessionID, o.CheckpointID)
	default:
		rec, err = newestFor(cat, o, head.Branch)
	}
	if err != nil {
		return nil, err
	}
	if head.Branch != "" && rec.Branch != head.Branch && !o.Force {
		return nil, refuse([]string{"switch to " + branchName(rec.Branch) + " first, or pass --force to move " + branchName(head.Branch) + " to it (the current state is recorded first; undo takes it back)"},
			"checkpoint %s was made on %s, and you are on %s", rec.CheckpointID, branchName(rec.Branch), branchName(head.Branch))
	}
	lk, err := s.lockAt(head, o.DryRun, "choosing the checkpoint")
	if err != nil {
		return nil, err
	}
	defer lk.release()
	to, err := s.checkpointState(rec)
	if err != nil {
		return nil, err
	}
	res := &Result{Checkpoint: rec, DryRun: o.DryRun}
	ev := &Event{Type: EventRollback, SessionID: o.SessionID, CheckpointID: rec.CheckpointID, Forced: o.Force && rec.Branch != head.Branch}
	switch {
	case rec.Origin != "":
		ev.CheckpointOrigin, ev.CheckpointSession = rec.Origin, rec.SessionID
	case rec.SessionID != o.SessionID: // a green checkpoint of another session
		ev.CheckpointSession = rec.SessionID
	}
	var check func(*snapshot) error
	if o.SameState {
		check = func(before *snapshot) error {
			if before.workTree == to.WorktreeTree {
				return &SameStateError{Checkpoint: rec}
			}
			return nil
		}
	}
	return res, s.move(head, to, ev, res, lk, check)
}

// newestFor is the checkpoint a rollback without a name takes: the newest
// of the session (of the type asked for) made on branch, the current one.
// At a detached HEAD, or with force, the newest whatever its branch: a
// detached HEAD is no branch's, and only HEAD moves.
func newestFor(cat *Catalog, o RollbackOptions, branch string) (*Record, error) {
	typ := ""
	if o.Type != "" {
		var err error
		if typ, err = ParseType(o.Type); err != nil {
			return nil, err
		}
	}
	what := "no checkpoint"
	if typ != "" {
		what = "no checkpoint of type " + typ
	}
	list := cat.Filter(o.SessionID, typ)
	if len(list) == 0 {
		return nil, refuse([]string{"'maestro list --all-sessions' shows the checkpoints of every session"}, "%s in session %q", what, o.SessionID)
	}
	if branch == "" || o.Force {
		return &list[0], nil
	}
	for i := range list {
		if list[i].Branch == branch {
			return &list[i], nil
		}
	}
	other := &list[0]
	made := fmt.Sprintf("its %d checkpoints were made on other branches", len(list))
	if len(list) == 1 {
		made = "its one checkpoint was made on another branch"
	}
	return nil, refuse([]string{
		"the newest of the session is " + other.CheckpointID + ", made on " + branchName(other.Branch) + ": switch to it first, or take it here with --force (or --checkpoint-id " + other.CheckpointID + " --force)",
		"'maestro list --session-id " + o.SessionID + "' lists them with their branches"},
		"%s of %s in session %q: %s", what, branchName(branch), o.SessionID, made)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// UndoOptions choose what undo takes back.
type UndoOptions struct {
	SessionID string // the session the undo is recorded in
	// Only restricts a plain undo or redo to the operations of this
	// session; "" takes the newest of the whole repository.
	Only string
	// To takes back this event (an id, or a unique prefix or suffix of
	// one, or a checkpoint id for its making) and every one after it.
	To     string
	Redo   bool // take back the last undo instead
	DryRun bool
	Force  bool // even though HEAD moved since the last move
}

// Undo takes back the newest rollback, prune or fetch of session not
// taken back yet; see UndoWith.
func (s *Store) Undo(session string, dryRun, force bool) (*Result, error) {
	return s.UndoWith(UndoOptions{SessionID: session, Only: session, DryRun: dryRun, Force: force})
}

// UndoWith returns to the state recorded before an operation, byte for
// byte: HEAD, branch, index, files, and the checkpoints and fetched refs
// it changed. A plain undo takes back the newest operation not taken back
// yet, so that undo after undo walks back one step each time; a redo
// takes back the last undo (until a new operation ends the chain); --to
// takes back an event and everything after it, except the checkpoints
// made since, which stay. It is recorded itself, as an undo or a redo.
func (s *Store) UndoWith(o UndoOptions) (*Result, error) {
	if err := ValidateID("session id", o.SessionID); err != nil {
		return nil, err
	}
	if o.Only != "" {
		if err := ValidateID("session id", o.Only); err != nil {
			return nil, err
		}
	}
	verb := "undo"
	if o.Redo {
		verb = "redo"
	}
	if op, hint := s.InProgress(); op != "" {
		return nil, refuse([]string{hint + ", then " + verb}, "a %s is in progress: %sing now could lose its work", op, verb)
	}
	lk, err := s.lock(o.DryRun)
	if err != nil {
		return nil, err
	}
	defer lk.release()
	cat, err := s.Load()
	if err != nil {
		return nil, err
	}
	h := newHistory(cat.Events)
	scope := "in this repository"
	if o.Only != "" {
		scope = fmt.Sprintf("in session %q", o.Only)
	}
	ev := &Event{Type: EventUndo, SessionID: o.SessionID, Forced: o.Force}
	var take []*Event
	var made *Record
	var what Op
	switch {
	case o.Redo:
		u := h.redoTarget()
		if u == nil {
			return nil, refuse([]string{"redo takes back an undo until a new operation (a rollback, prune or fetch) follows it; 'maestro events' lists them"}, "nothing to redo in this repository")
		}
		if o.Only != "" && u.SessionID != o.Only {
			// Undos are taken back in the order they were made.
			return nil, refuse([]string{"redo takes back the last undo first: run it without --session-id"}, "the last undo, %s, is of session %q, not %q", u.EventID, u.SessionID, o.Only)
		}
		take, what = []*Event{u}, opOfEvent(u)
		ev.Type, ev.Redoes = EventRedo, u.EventID
	case o.To != "":
		e, r, err := findOp(h, cat, o.To)
		if err != nil {
			return nil, err
		}
		id := ""
		if e != nil {
			id, what = e.EventID, opOfEvent(e)
		} else {
			id, what, made = r.CheckpointID, opOfRecord(r), r
		}
		take = h.since(id)
		ev.Undoes = id
		for _, t := range take {
			ev.Undone = append(ev.Undone, t.EventID)
		}
		if made != nil {
			ev.Undone = append(ev.Undone, made.CheckpointID)
		}
	default:
		x := h.undoTarget(o.Only)
		if x == nil {
			hint := "undo takes back a rollback, prune or fetch: 'maestro events' lists them, and 'git maestro undo --redo' takes an undo back"
			return nil, refuse([]string{hint}, "nothing to undo %s: every rollback, prune and fetch is taken back already, or there is none", scope)
		}
		take, what = []*Event{x}, opOfEvent(x)
		ev.Undoes, ev.Undone = x.EventID, []string{x.EventID}
	}
	if ev.Refs, err = s.refsBack(take, made); err != nil {
		return nil, err
	}
	var to *State
	for _, t := range take {
		if t.Before != nil {
			to = t.Before // the oldest move wins
		}
	}
	res := &Result{Undoes: ev.Undoes, Redoes: ev.Redoes, Undone: ev.Undone, Target: &what, DryRun: o.DryRun, Refs: ev.Refs}
	head, err := s.headCommit()
	if err != nil {
		return nil, err
	}
	if to == nil {
		return res, s.moveRefs(head, ev, res)
	}
	if last, after := h.lastAfter(); after != nil && (head.SHA != after.HeadSHA || head.Branch != after.Branch) && !o.Force {
		return nil, refuse([]string{"--force " + verb + "s it anyway: what is there now is recorded first, and undo takes that back too"},
			"HEAD moved since the %s %s: it is at %s on %s, the %s left it at %s on %s", last.Type, last.EventID,
			short(head.SHA), branchName(head.Branch), last.Type, short(after.HeadSHA), branchName(after.Branch))
	}
	return res, s.move(head, target{*to}, ev, res, lk, nil)
}

// moveRefs is an undo that leaves the working tree alone: it puts back
// checkpoints and fetched refs, in one transaction with its event.
func (s *Store) moveRefs(head git.Head, ev *Event, res *Result) error {
	res.HeadBefore, res.BranchBefore, res.HeadAfter, res.BranchAfter = head.SHA, head.Branch, head.SHA, head.Branch
	res.Restored, res.Removed, res.LeftAlone = []string{}, []string{}, []string{}
	if res.DryRun {
		return nil
	}
	ev.Version = 1
	now := s.Now()
	ev.EventID, ev.Timestamp = newID("ev-", now), now.UTC()
	blob, err := s.writeJSON(ev)
	if err != nil {
		return err
	}
	updates := append([]git.RefUpdate{{Name: eventRef(ev.SessionID, ev.EventID), New: blob, Create: true}}, refUpdates(ev.Refs)...)
	if err := s.repo.UpdateRefs("maestro: "+ev.Type+" "+ev.EventID, updates...); err != nil {
		var ge *git.Error
		if errors.As(err, &ge) && (strings.Contains(ge.Stderr, "but expected") || strings.Contains(ge.Stderr, "already exists")) {
			return refuse([]string{"look with 'maestro events', then try again"}, "a checkpoint or fetched ref changed while maestro was recording the %s; nothing was changed", ev.Type)
		}
		return err
	}
	res.EventID = ev.EventID
	return nil
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
		t.RawPaths, t.IntentToAdd = parseNotes(idx[0].Message)
	}
	return t, nil
}

// lock takes git's index lock for a rollback or an undo; a dry run only
// refuses a lock the real run would refuse.
func (s *Store) lock(dryRun bool) (*indexLock, error) {
	if dryRun {
		return nil, s.checkIndexLock()
	}
	return s.lockIndex()
}

// lockAt takes the lock as lock does, then checks that HEAD is still
// head, read before it while maestro was doing what while says.
func (s *Store) lockAt(head git.Head, dryRun bool, while string) (*indexLock, error) {
	lk, err := s.lock(dryRun)
	if err != nil {
		return nil, err
	}
	now, err := s.headCommit()
	if err == nil && (now.SHA != head.SHA || now.Branch != head.Branch) {
		err = refuse([]string{"something moved it meanwhile: look with git log, then try again"}, "HEAD moved while maestro was %s; nothing was changed", while)
	}
	if err != nil {
		lk.release()
		return nil, err
	}
	return lk, nil
}

// step runs the test hook, if any.
func (s *Store) step(name string) {
	if s.hook != nil {
		s.hook(name)
	}
}

// moving is a move under way: what putBack needs to return.
type moving struct {
	head    git.Head
	to      target
	ev      *Event
	before  *snapshot
	changes []git.Change
	// switchTo is the branch an undo points HEAD at, tip its tip before
	// ("" when the undo made it), headSwitched whether HEAD points at it.
	switchTo, tip string
	headSwitched  bool
	branchAfter   string
}

// move takes the working tree from head to to. Everything that can be
// checked is checked first; then it records the current state and moves
// the branch (or a detached HEAD) in one transaction, then the files, then
// the index. A step that fails after the branch moved puts everything back.
// lk is git's index lock, held throughout (nil for a dry run). check, if
// not nil, may refuse the state found before anything changed.
func (s *Store) move(head git.Head, to target, ev *Event, res *Result, lk *indexLock, check func(before *snapshot) error) error {
	before, err := s.capture(head, "maestro: state before "+ev.Type)
	if err != nil {
		return err
	}
	defer before.cleanup()
	if err := hiddenEntries(before.flags, ev.Type); err != nil {
		return err
	}
	if check != nil {
		if err := check(before); err != nil {
			return err
		}
	}
	res.HeadBefore, res.BranchBefore = head.SHA, head.Branch
	res.HeadAfter, res.BranchAfter = to.HeadSHA, to.Branch
	if ev.Type == EventRollback || ev.Type == EventAdopt {
		// A rollback or an adopt moves what HEAD is: the current branch
		// (with --force, to a checkpoint of another branch), or a detached
		// HEAD. Only an undo returns to a recorded branch.
		res.BranchAfter = head.Branch
	}
	changes, err := s.repo.DiffTrees(before.workTree, to.WorktreeTree)
	if err != nil {
		return err
	}
	n := len(changes)
	ev.ChangedFiles = &n
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
		entries, err := s.repo.Entries(before.tmpIndex)
		if err != nil {
			return err
		}
		kept := make([]string, len(entries))
		for i, e := range entries {
			kept[i] = e.Path
		}
		res.LeftAloneFolders = s.groupIgnored(ignored, kept)
	}
	if err := s.checkInTheWay(before, changes, ev.Type); err != nil {
		return err
	}
	m := &moving{head: head, to: to, ev: ev, before: before, changes: changes, branchAfter: res.BranchAfter}
	if res.BranchAfter != "" && res.BranchAfter != head.Branch {
		// An undo back to another branch: that branch moves back too, from
		// wherever it is now, unless another worktree has it checked out.
		m.switchTo = res.BranchAfter
		if !git.IsBranchRef(m.switchTo) {
			return refuse(nil, "the recorded state is on %q, which is not a branch name", textsafe.Visible(m.switchTo))
		}
		if err := s.checkNotCheckedOut(m.switchTo); err != nil {
			return err
		}
		if m.tip, err = s.repo.ResolveRef(m.switchTo); err != nil {
			return err
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
	switch {
	case res.BranchAfter == "":
		updates = append(updates, git.RefUpdate{Name: "HEAD", New: to.HeadSHA, Old: head.SHA, NoDeref: true})
	case m.switchTo == "":
		updates = append(updates, git.RefUpdate{Name: head.Branch, New: to.HeadSHA, Old: head.SHA})
	case m.tip == "":
		updates = append(updates, git.RefUpdate{Name: m.switchTo, New: to.HeadSHA, Create: true})
	default:
		updates = append(updates, git.RefUpdate{Name: m.switchTo, New: to.HeadSHA, Old: m.tip})
	}
	updates = append(updates, refUpdates(ev.Refs)...)
	if err := s.repo.UpdateRefs("maestro: "+ev.Type+" "+ev.EventID, updates...); err != nil {
		var ge *git.Error
		if errors.As(err, &ge) && (strings.Contains(ge.Stderr, "but expected") || strings.Contains(ge.Stderr, "already exists")) {
			return refuse([]string{"something moved it meanwhile: look with git log, then try again"}, "%s moved while maestro was recording the %s; nothing was changed", branchName(head.Branch), ev.Type)
		}
		return err
	}
	res.EventID = ev.EventID
	s.step("refs moved")
	if m.switchTo != "" {
		if err := s.repo.SetHead(m.switchTo, "maestro: "+ev.Type+" "+ev.EventID); err != nil {
			return s.putBack(m, false, err)
		}
		m.headSwitched = true
	}
	if err := s.repo.SwitchTree(before.tmpIndex, before.cleanTree, to.WorktreeTree); err != nil {
		return s.putBack(m, false, err)
	}
	s.step("files moved")
	if err := s.rewriteSkipped(before, to, changes); err != nil {
		return s.putBack(m, true, err)
	}
	if err := s.writeRaw(changes, to.RawPaths, false); err != nil {
		return s.putBack(m, true, err)
	}
	if err := s.writeIndex(lk, to.IndexTree, textsafe.Names(to.IntentToAdd)); err != nil {
		return s.putBack(m, true, err)
	}
	return nil
}

// writeIndex makes the index hold tree and the intent-to-add entries: it
// writes a copy (keeping the stat data of the entries that do not change,
// so git need not read their files again) and renames it over the index,
// which releases git's lock.
func (s *Store) writeIndex(lk *indexLock, tree string, intentToAdd []string) error {
	final := lk.final()
	err := copyFile(s.repo.IndexFile, final)
	switch {
	case errors.Is(err, os.ErrNotExist):
		err = s.repo.ReadTreeEmpty(final, tree)
	case err == nil:
		err = s.repo.ReadTree(final, tree)
	}
	if err == nil {
		err = s.repo.AddIntentToAdd(final, s.present(intentToAdd))
	}
	if err == nil {
		s.step("index written")
		err = lk.commit(final)
	}
	if err != nil {
		os.Remove(final)
	}
	return err
}

// present keeps the paths that name a file or link in the working tree:
// a recorded state, or a snapshot fetched from a remote, names its
// intent-to-add entries, and git add is given nothing else.
func (s *Store) present(paths []string) []string {
	var out []string
	for _, p := range paths {
		if !filepath.IsLocal(p) || filepath.Clean(p) != p {
			continue
		}
		if info, err := os.Lstat(filepath.Join(s.repo.TopLevel, p)); err == nil && !info.IsDir() {
			out = append(out, p)
		}
	}
	return out
}

// hiddenEntries refuses an index whose entries hide their files from git
// (assume-unchanged, skip-worktree): a snapshot cannot see what those files
// hold, and the move would overwrite it.
func hiddenEntries(f git.IndexFlags, op string) error {
	some := func(paths []string) string {
		shown := []string{}
		for i, p := range paths {
			if i == 3 {
				shown = append(shown, fmt.Sprintf("and %d more", len(paths)-3))
				break
			}
			shown = append(shown, textsafe.Visible(p))
		}
		return strings.Join(shown, ", ")
	}
	switch {
	case len(f.AssumeUnchanged) > 0:
		return refuse([]string{"'git update-index --no-assume-unchanged -- PATH' makes git look at a file again ('git ls-files -v' shows them with a lowercase letter), then try again"},
			"the index marks files assume-unchanged (%s): the %s cannot see what they hold, and could lose it", some(f.AssumeUnchanged), op)
	case len(f.SkipWorktree) > 0:
		return refuse([]string{"'git sparse-checkout disable', or 'git update-index --no-skip-worktree -- PATH', makes git look at them again ('git ls-files -v' shows them with S), then try again"},
			"the index marks files skip-worktree (%s), as a sparse checkout does: the %s cannot see what they hold, and could lose it", some(f.SkipWorktree), op)
	}
	return nil
}

// checkInTheWay stops the move before anything changed when git would
// overwrite something that is not in the recorded state (an ignored file
// or folder) to write a file of the target. What is in the recorded state
// may go: a recorded file or link where the target has a folder, a folder
// of recorded files where the target has a file or a link.
func (s *Store) checkInTheWay(before *snapshot, changes []git.Change, op string) error {
	removed := map[string]bool{}
	for _, c := range changes {
		if c.Status == "D" {
			removed[c.Path] = true
		}
	}
	ignoredError := func(path string) error {
		return refuse([]string{"move it away (it is ignored, so maestro does not record it), then try again"},
			"the %s would overwrite %s, which git ignores", op, textsafe.Visible(path))
	}
	var dirs []string
	for _, c := range changes {
		if c.Status != "A" {
			continue
		}
		in, isDir := s.inTheWay(c.Path)
		switch {
		case in == "":
		case in != c.Path:
			if !removed[in] {
				return ignoredError(in)
			}
		case isDir:
			dirs = append(dirs, in)
		default:
			return ignoredError(in)
		}
	}
	others, err := s.repo.Unrecorded(before.tmpIndex, dirs)
	if err != nil {
		return err
	}
	if len(others) > 0 {
		return ignoredError(strings.TrimSuffix(others[0], "/"))
	}
	return nil
}

// inTheWay returns what occupies path, or a file or link where one of its
// folders would be, in the working tree ("" when nothing does), and
// whether that is a folder. It looks from the top down and never follows
// a link.
func (s *Store) inTheWay(path string) (string, bool) {
	parts := strings.Split(path, "/")
	for i := range parts {
		rel := strings.Join(parts[:i+1], "/")
		info, err := os.Lstat(filepath.Join(s.repo.TopLevel, rel))
		switch {
		case err != nil:
			return "", false
		case i == len(parts)-1:
			return rel, info.IsDir()
		case !info.IsDir():
			return rel, false
		}
	}
	return "", false
}

// checkNotCheckedOut refuses to move a branch another worktree has
// checked out, as git does: two worktrees on one branch each lose what
// the other does.
func (s *Store) checkNotCheckedOut(branch string) error {
	elsewhere, err := s.repo.CheckedOut()
	if err != nil {
		return err
	}
	if path, ok := elsewhere[branch]; ok {
		return refuse([]string{"undo in that worktree, or switch it to another branch first"},
			"%s is already checked out at %s", branchName(branch), textsafe.Visible(path))
	}
	return nil
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
