package checkpoint_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// makeFork makes a linked worktree at the checkpoint's exact state, as
// maestro fork does: detached at its commit, then rolled back to it.
func makeFork(t *testing.T, dir string, rec *checkpoint.Record) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f1")
	Git(t, dir, "worktree", "add", "-q", "--detach", path, rec.HeadSHA)
	if rec.Snapshot {
		if _, err := open(t, path).Rollback(checkpoint.RollbackOptions{SessionID: rec.SessionID, CheckpointID: rec.CheckpointID}); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func adoptOpts(path string, rec *checkpoint.Record) checkpoint.AdoptOptions {
	return checkpoint.AdoptOptions{SessionID: "s1", Fork: "f1", Path: path, CheckpointID: rec.CheckpointID}
}

// dirtyCheckpoint makes a repository whose checkpoint has staged, unstaged,
// untracked and ignored files, an executable and a symlink.
func dirtyCheckpoint(t *testing.T) (string, *checkpoint.Store, *checkpoint.Record) {
	t.Helper()
	dir := Init(t)
	Write(t, dir, ".gitignore", "build/\n*.log\n")
	Write(t, dir, "tool.sh", "#!/bin/sh\necho tool\n")
	chmod(t, dir+"/tool.sh", 0o755)
	Write(t, dir, "old.txt", "to be deleted\n")
	Write(t, dir, "src/app.go", "package app\n")
	symlink(t, "README", dir+"/link")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "second")
	Write(t, dir, "src/app.go", "package app // staged\n")
	Git(t, dir, "add", "src/app.go")
	Write(t, dir, "README", "hello, unstaged\n")
	Write(t, dir, "notes.txt", "untracked\n")
	Write(t, dir, "debug.log", "main's log\n")
	s := open(t, dir)
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: "s1", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, s, rec
}

// Adopt then undo is byte-identical; the fork's changes of every kind
// arrive, its ignored files do not, and the fork is never touched.
func TestAdoptThenUndo(t *testing.T) {
	t.Parallel()
	dir, s, rec := dirtyCheckpoint(t)
	fork := makeFork(t, dir, rec)
	Compare(t, "fork at the checkpoint", withBranch(takeManifest(t, fork, false), "refs/heads/main"), takeManifest(t, dir, false))

	Write(t, fork, "src/app.go", "package app // staged in the fork\n")
	Git(t, fork, "add", "src/app.go")
	Write(t, fork, "src/app.go", "package app // then changed\n")
	Write(t, fork, "README", "hello from the fork\n")
	Write(t, fork, "new/fork.txt", "untracked in the fork\n")
	os.Remove(fork + "/old.txt")
	chmod(t, fork+"/tool.sh", 0o644)
	os.Remove(fork + "/link")
	symlink(t, "notes.txt", fork+"/link")
	symlink(t, "src", fork+"/srclink")
	Write(t, fork, "build/out.o", "ignored in the fork\n")
	forkState := takeManifest(t, fork, false)
	before := takeManifest(t, dir, false)
	ignoredBefore := takeManifest(t, dir, true)

	o := adoptOpts(fork, rec)
	o.DryRun = true
	res, err := s.Adopt(o)
	if err != nil {
		t.Fatal(err)
	}
	Compare(t, "after dry run", takeManifest(t, dir, false), before)
	if got := strings.Join(res.Removed, ","); got != "old.txt" {
		t.Errorf("dry run removes %q, want old.txt", got)
	}
	if len(res.Restored) != 6 || res.EventID != "" {
		t.Errorf("dry run %+v", res)
	}

	res, err = s.Adopt(adoptOpts(fork, rec))
	if err != nil {
		t.Fatal(err)
	}
	Compare(t, "after adopt", takeManifest(t, dir, false), withBranch(forkState, "refs/heads/main"))
	Compare(t, "ignored files after adopt", takeManifest(t, dir, true), ignoredBefore)
	Compare(t, "the fork after adopt", takeManifest(t, fork, false), forkState)
	if res.Fork != "f1" || res.EventID == "" {
		t.Errorf("result %+v", res)
	}
	if ok, err := s.Adopted(fork); err != nil || !ok {
		t.Errorf("Adopted = %v, %v; want true", ok, err)
	}
	ops, err := s.Events("s1", false)
	if err != nil {
		t.Fatal(err)
	}
	if ops[0].Type != checkpoint.EventAdopt || ops[0].Fork != "f1" || ops[0].CheckpointID != rec.CheckpointID || ops[0].Forced {
		t.Errorf("newest event %+v", ops[0])
	}

	u, err := s.Undo("s1", false, false)
	if err != nil {
		t.Fatal(err)
	}
	if u.Undoes != res.EventID {
		t.Errorf("undo took back %s, want the adopt %s", u.Undoes, res.EventID)
	}
	Compare(t, "after undo", takeManifest(t, dir, false), before)
	Compare(t, "ignored files after undo", takeManifest(t, dir, true), ignoredBefore)
	// Undone, the adopted state stays recorded: the fork still counts.
	if ok, err := s.Adopted(fork); err != nil || !ok {
		t.Errorf("Adopted after undo = %v, %v; want true", ok, err)
	}
	Write(t, fork, "README", "more in the fork\n")
	if ok, err := s.Adopted(fork); err != nil || ok {
		t.Errorf("Adopted after a change = %v, %v; want false", ok, err)
	}
	Fsck(t, dir)
}

func withBranch(m Manifest, branch string) Manifest {
	m.Branch = branch
	return m
}

// A fork that committed: the branch fast-forwards to its commit, and undo
// moves it back. A fork whose HEAD left the checkpoint's history is
// refused, and taken with --force.
func TestAdoptForkCommitted(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: "s1", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	fork := makeFork(t, dir, rec)
	Write(t, fork, "fix.go", "package fix\n")
	Git(t, fork, "add", "fix.go")
	Git(t, fork, "commit", "-q", "-m", "fix in the fork")
	Write(t, fork, "wip.txt", "after the commit\n")
	forkState := takeManifest(t, fork, false)
	before := takeManifest(t, dir, false)

	if _, err := s.Adopt(adoptOpts(fork, rec)); err != nil {
		t.Fatal(err)
	}
	Compare(t, "after adopt", takeManifest(t, dir, false), withBranch(forkState, "refs/heads/main"))
	if _, err := s.Undo("s1", false, false); err != nil {
		t.Fatal(err)
	}
	Compare(t, "after undo", takeManifest(t, dir, false), before)

	// The fork drops its commit and the first one: HEAD off the history.
	Git(t, fork, "checkout", "-q", "--orphan", "other")
	Git(t, fork, "commit", "-q", "-m", "unrelated")
	_, err = s.Adopt(adoptOpts(fork, rec))
	wantRefusal(t, err, "does not descend from checkpoint")
	Compare(t, "after the refusal", takeManifest(t, dir, false), before)
	o := adoptOpts(fork, rec)
	o.Force = true
	res, err := s.Adopt(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := takeManifest(t, dir, false); got.Head != takeManifest(t, fork, false).Head || got.Branch != "refs/heads/main" {
		t.Errorf("after a forced adopt HEAD is %s on %s", got.Head, got.Branch)
	}
	ops, err := s.Events("s1", false)
	if err != nil {
		t.Fatal(err)
	}
	if ops[0].ID != res.EventID || !ops[0].Forced {
		t.Errorf("newest event %+v, want the forced adopt", ops[0])
	}
}

func wantRefusal(t *testing.T, err error, want string) {
	t.Helper()
	var ce *checkpoint.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want a refusal saying %q", err, want)
	}
}

// What an adopt refuses, changing nothing: work in the main tree made since
// the checkpoint (taken with --force, and undone), another branch, an
// ignored file in the way, a merge or revert under way (here or in the
// fork), a fork with no change, a fork whose worktree is gone or is this
// one.
func TestAdoptRefusals(t *testing.T) {
	t.Parallel()
	dir, s, rec := dirtyCheckpoint(t)
	fork := makeFork(t, dir, rec)
	Write(t, fork, "README", "hello from the fork\n")

	Git(t, dir, "branch", "other")
	Git(t, dir, "switch", "-q", "other")
	_, err := s.Adopt(adoptOpts(fork, rec))
	wantRefusal(t, err, "and you are on branch other")
	Git(t, dir, "switch", "-q", "main")

	Write(t, dir, "notes.txt", "work made since the checkpoint\n")
	before := takeManifest(t, dir, false)
	_, err = s.Adopt(adoptOpts(fork, rec))
	wantRefusal(t, err, "the working tree has changed since checkpoint")
	o := adoptOpts(fork, rec)
	o.DryRun = true
	_, err = s.Adopt(o)
	wantRefusal(t, err, "the working tree has changed since checkpoint")
	Compare(t, "after the refusals", takeManifest(t, dir, false), before)
	o = adoptOpts(fork, rec)
	o.Force = true
	res, err := s.Adopt(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Restored, ","); got != "README,notes.txt" {
		t.Errorf("forced adopt restored %q", got)
	}
	if _, err := s.Undo("s1", false, false); err != nil {
		t.Fatal(err)
	}
	Compare(t, "after undo of the forced adopt", takeManifest(t, dir, false), before)
	Write(t, dir, "notes.txt", "untracked\n") // the checkpoint's state again
	atCheckpoint := takeManifest(t, dir, false)

	// The fork tracks a file main ignores, and main has one there.
	Write(t, fork, "debug.log", "the fork's log\n")
	Git(t, fork, "add", "-f", "debug.log")
	_, err = s.Adopt(adoptOpts(fork, rec))
	wantRefusal(t, err, "would overwrite debug.log, which git ignores")
	Git(t, fork, "rm", "-q", "--cached", "debug.log")

	Write(t, dir, ".git/MERGE_HEAD", rec.HeadSHA+"\n")
	_, err = s.Adopt(adoptOpts(fork, rec))
	wantRefusal(t, err, "a merge is in progress")
	os.Remove(dir + "/.git/MERGE_HEAD")
	forkGitDir := strings.TrimSpace(Git(t, fork, "rev-parse", "--absolute-git-dir"))
	Write(t, forkGitDir, "REVERT_HEAD", rec.HeadSHA+"\n")
	_, err = s.Adopt(adoptOpts(fork, rec))
	wantRefusal(t, err, "a revert is in progress in fork f1")
	os.Remove(forkGitDir + "/REVERT_HEAD")

	Write(t, fork, "README", "hello, unstaged\n") // the checkpoint's again
	_, err = s.Adopt(adoptOpts(fork, rec))
	wantRefusal(t, err, "has not changed since checkpoint")

	o = adoptOpts(filepath.Join(t.TempDir(), "gone"), rec)
	_, err = s.Adopt(o)
	wantRefusal(t, err, "is gone")
	o = adoptOpts(dir, rec)
	_, err = s.Adopt(o)
	wantRefusal(t, err, "is this working tree")
	Compare(t, "after every refusal", takeManifest(t, dir, false), atCheckpoint)
}
