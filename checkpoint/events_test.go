package checkpoint_test

import (
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

func checkpointRefs(t *testing.T, dir string) string {
	t.Helper()
	return Git(t, dir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/maestro/checkpoints/", "refs/maestro/records/")
}

func types(ops []checkpoint.Op) string {
	var out []string
	for _, op := range ops {
		s := op.Type
		if op.UndoneBy != "" {
			s += "(undone)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// Issue 8, point 4: on a history of checkpoints, rollbacks, undos and a
// prune, undo walks back one operation at a time, each step restoring the
// exact manifest (files, modes, bytes, index, HEAD, branch) and the
// checkpoints; redo walks forward; undo --to returns to before any event;
// a new operation ends the redo chain.
func TestUndoWalk(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, ".gitignore", "*.log\n")
	Write(t, dir, "a.txt", "v1\n")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "second")
	s := open(t, dir)
	cp1, err := s.Create(checkpoint.CreateOptions{SessionID: "s1", Description: "clean", Type: "safe_state"})
	if err != nil {
		t.Fatal(err)
	}
	Write(t, dir, "a.txt", "v2\r\n")
	Git(t, dir, "add", "a.txt")
	Write(t, dir, "u.txt", "untracked\n")
	chmod(t, dir+"/u.txt", 0o755)
	Write(t, dir, "debug.log", "ignored\n")
	cp2, err := s.Create(checkpoint.CreateOptions{SessionID: "s2", Description: "dirty", Type: "safe_state"})
	if err != nil {
		t.Fatal(err)
	}
	atCP2 := takeManifest(t, dir, false)
	Git(t, dir, "commit", "-q", "-m", "third")
	Write(t, dir, "b.txt", "more\n")
	s3 := takeManifest(t, dir, false)

	r1, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "s1", CheckpointID: cp1.CheckpointID})
	if err != nil {
		t.Fatal(err)
	}
	Write(t, dir, "c.txt", "after r1\n")
	s4 := takeManifest(t, dir, false)
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "s2", CheckpointID: cp2.CheckpointID}); err != nil {
		t.Fatal(err)
	}
	Compare(t, "after the second rollback", takeManifest(t, dir, false), atCP2)
	s5 := atCP2
	refsBeforePrune := checkpointRefs(t, dir)
	pruned, err := s.Prune(checkpoint.PruneOptions{SessionID: "s1", Keep: -1, OlderThan: 1})
	if err != nil || len(pruned) != 1 {
		t.Fatalf("prune: %v, %d pruned", err, len(pruned))
	}
	refsAfterPrune := checkpointRefs(t, dir)
	ops, err := s.Events("", false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := types(ops), "prune rollback rollback checkpoint checkpoint"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}

	undo := func(what string, o checkpoint.UndoOptions, want Manifest, refs string) *checkpoint.Result {
		t.Helper()
		if o.SessionID == "" {
			o.SessionID = "s3"
		}
		res, err := s.UndoWith(o)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		Compare(t, what, takeManifest(t, dir, false), want)
		if got := checkpointRefs(t, dir); got != refs {
			t.Errorf("%s: checkpoint refs\n%s\nwant\n%s", what, got, refs)
		}
		return res
	}
	// Walking back: the prune, then each rollback, newest first, whatever
	// the session.
	undo("undo the prune", checkpoint.UndoOptions{}, s5, refsBeforePrune)
	undo("undo the second rollback", checkpoint.UndoOptions{}, s4, refsBeforePrune)
	res := undo("undo the first rollback", checkpoint.UndoOptions{}, s3, refsBeforePrune)
	if res.Undoes != r1.EventID {
		t.Errorf("the third undo took back %s, want %s", res.Undoes, r1.EventID)
	}
	if _, err := s.UndoWith(checkpoint.UndoOptions{SessionID: "s3"}); err == nil || !strings.Contains(err.Error(), "nothing to undo") {
		t.Fatalf("a fourth undo: %v", err)
	}
	// And forward again.
	undo("redo the first rollback", checkpoint.UndoOptions{Redo: true}, s4, refsBeforePrune)
	undo("redo the second rollback", checkpoint.UndoOptions{Redo: true}, s5, refsBeforePrune)
	undo("redo the prune", checkpoint.UndoOptions{Redo: true}, s5, refsAfterPrune)
	if _, err := s.UndoWith(checkpoint.UndoOptions{SessionID: "s3", Redo: true}); err == nil || !strings.Contains(err.Error(), "nothing to redo") {
		t.Fatalf("a fourth redo: %v", err)
	}
	ops, _ = s.Events("", false)
	if got, want := types(ops), "redo redo redo undo undo undo prune rollback rollback checkpoint checkpoint"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}

	// --to the first rollback, by a suffix of its id: back to before it,
	// the pruned checkpoint back too; itself undone by redo.
	undo("undo --to the first rollback", checkpoint.UndoOptions{To: r1.EventID[len(r1.EventID)-8:]}, s3, refsBeforePrune)
	undo("redo the undo --to", checkpoint.UndoOptions{Redo: true}, s5, refsAfterPrune)
	// A plain undo after it takes back the newest operation, the prune.
	undo("undo after redo", checkpoint.UndoOptions{}, s5, refsBeforePrune)
	// --to over an undone operation, then redo: the walk stands where it
	// stood, so the next undo takes back the second rollback, not the prune.
	undo("undo --to over an undo", checkpoint.UndoOptions{To: r1.EventID}, s3, refsBeforePrune)
	undo("redo it", checkpoint.UndoOptions{Redo: true}, s5, refsBeforePrune)
	res = undo("undo after that", checkpoint.UndoOptions{}, s4, refsBeforePrune)
	if res.Target.Type != "rollback" || res.Target.SessionID != "s2" {
		t.Errorf("undo after redoing an undo --to took back %+v, want the second rollback", res.Target)
	}
	undo("and redo", checkpoint.UndoOptions{Redo: true}, s5, refsBeforePrune)

	// A new operation ends the redo chain.
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "s1", Type: "safe_state"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "s2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UndoWith(checkpoint.UndoOptions{SessionID: "s3", Redo: true}); err == nil || !strings.Contains(err.Error(), "nothing to redo") {
		t.Fatalf("redo after a new operation: %v", err)
	}

	// --to a checkpoint's making removes it, and redo puts it back.
	before := checkpointRefs(t, dir)
	m := takeManifest(t, dir, false)
	res, err = s.UndoWith(checkpoint.UndoOptions{SessionID: "s3", To: cp2.CheckpointID, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if refs := checkpointRefs(t, dir); strings.Contains(refs, cp2.CheckpointID) {
		t.Errorf("checkpoint %s still there after undo --to its making:\n%s", cp2.CheckpointID, refs)
	}
	if res.Target == nil || res.Target.Type != checkpoint.EventCheckpoint {
		t.Errorf("target %+v", res.Target)
	}
	undo("redo the undo --to a checkpoint", checkpoint.UndoOptions{Redo: true, Force: true}, m, before)

	// Unknown and ambiguous names.
	if _, err := s.UndoWith(checkpoint.UndoOptions{SessionID: "s3", To: "ev-19990101"}); err == nil || !strings.Contains(err.Error(), `no event "ev-19990101"`) {
		t.Errorf("unknown event: %v", err)
	}
	if _, err := s.UndoWith(checkpoint.UndoOptions{SessionID: "s3", To: "ev-"}); err == nil || !strings.Contains(err.Error(), "names") {
		t.Errorf("ambiguous event: %v", err)
	}
	fsck(t, dir)
}

// Issue 8, point 2: a plain undo takes back the newest rollback of any
// session; with a session, only that session's.
func TestUndoAcrossSessions(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "s1", Type: "safe_state"}); err != nil {
		t.Fatal(err)
	}
	Write(t, dir, "README", "changed\n")
	before := takeManifest(t, dir, false)
	r, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UndoWith(checkpoint.UndoOptions{SessionID: "s2", Only: "s2"}); err == nil || !strings.Contains(err.Error(), `nothing to undo in session "s2"`) {
		t.Fatalf("undo of session s2: %v", err)
	}
	res, err := s.UndoWith(checkpoint.UndoOptions{SessionID: "s2"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Undoes != r.EventID || res.Target.SessionID != "s1" {
		t.Errorf("undid %s of %s, want %s of s1", res.Undoes, res.Target.SessionID, r.EventID)
	}
	Compare(t, "after undo", takeManifest(t, dir, false), before)
}

// Issue 8, point 3: without an id, rollback takes the newest checkpoint of
// the current branch, not a newer one of another branch; on a branch with
// none it says so and names what there is.
func TestRollbackNewestOfBranch(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	onMain, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "safe_state"})
	if err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "checkout", "-q", "-b", "side")
	Write(t, dir, "side.txt", "side\n")
	Git(t, dir, "add", "side.txt")
	Git(t, dir, "commit", "-q", "-m", "side")
	onSide, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "safe_state"})
	if err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "checkout", "-q", "main")
	Write(t, dir, "README", "dirty\n")
	res, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checkpoint.CheckpointID != onMain.CheckpointID {
		t.Errorf("rolled back to %s, want %s of main", res.Checkpoint.CheckpointID, onMain.CheckpointID)
	}
	// At a detached HEAD, which is no branch's, the newest of any branch.
	Git(t, dir, "checkout", "-q", "--detach")
	res, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "default", DryRun: true})
	if err != nil || res.Checkpoint.CheckpointID != onSide.CheckpointID {
		t.Errorf("at a detached HEAD: %v, want %s", err, onSide.CheckpointID)
	}
	Git(t, dir, "checkout", "-q", "-b", "empty")
	_, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "default", DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "no checkpoint of branch empty") {
		t.Fatalf("rollback on a branch without checkpoints: %v", err)
	}
	if hints := strings.Join(err.(*checkpoint.Error).Hints(), "\n"); !strings.Contains(hints, onSide.CheckpointID) || !strings.Contains(hints, "--force") {
		t.Errorf("hints %q name neither the newest checkpoint nor --force", hints)
	}
}
