package checkpoint_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// roundTrip checkpoints dir as it is (want), lets change alter it, rolls
// back and checks the tree is want again, then undoes and checks it is as
// change left it: byte for byte, index and HEAD included.
func roundTrip(t *testing.T, dir string, change func()) {
	t.Helper()
	s := open(t, dir)
	want := Take(t, dir, nil)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	change()
	changed := Take(t, dir, nil)
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default", Force: true}); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	Compare(t, "after rollback", Take(t, dir, nil), want)
	if _, err := s.Undo("default", false, false); err != nil {
		t.Fatalf("undo: %v", err)
	}
	Compare(t, "after undo", Take(t, dir, nil), changed)
	fsck(t, dir)
}

// Issue 7, point 6: a tracked folder replaced by a file or a symbolic link
// (and the other way round) was refused as "would overwrite lib, which git
// ignores", though nothing was ignored.
func TestRollbackSwapsFilesAndFolders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		before, after func(t *testing.T, dir string)
	}{
		{"folder to file",
			func(t *testing.T, dir string) {
				Write(t, dir, "lib/a.go", "package a\n")
				Write(t, dir, "lib/b/c.go", "package c\n")
			},
			func(t *testing.T, dir string) { os.RemoveAll(dir + "/lib"); Write(t, dir, "lib", "a file now\n") }},
		{"folder to symlink",
			func(t *testing.T, dir string) { Write(t, dir, "lib/a.go", "package a\n") },
			func(t *testing.T, dir string) { os.RemoveAll(dir + "/lib"); symlink(t, "README", dir+"/lib") }},
		{"file to folder",
			func(t *testing.T, dir string) { Write(t, dir, "lib", "a file\n") },
			func(t *testing.T, dir string) { os.Remove(dir + "/lib"); Write(t, dir, "lib/a.go", "package a\n") }},
		{"symlink to a folder, to folder",
			func(t *testing.T, dir string) { Write(t, dir, "real/x", "x\n"); symlink(t, "real", dir+"/lib") },
			func(t *testing.T, dir string) { os.Remove(dir + "/lib"); Write(t, dir, "lib/x", "mine\n") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, commit := range []bool{false, true} {
				dir := Init(t)
				tc.before(t, dir)
				Git(t, dir, "add", "-A")
				Git(t, dir, "commit", "-q", "-m", "before")
				roundTrip(t, dir, func() {
					tc.after(t, dir)
					if commit {
						Git(t, dir, "add", "-A")
						Git(t, dir, "commit", "-q", "-m", "after")
					}
				})
			}
		})
	}
}

// A folder in the way that holds an ignored file is still refused: git
// would delete the ignored file with the folder.
func TestRollbackKeepsIgnoredFilesInFolders(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, ".gitignore", "*.log\n")
	Write(t, dir, "lib", "a file\n")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "lib is a file")
	s := open(t, dir)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "rm", "-q", "lib")
	Write(t, dir, "lib/a.go", "package a\n")
	Write(t, dir, "lib/debug.log", "precious\n")
	before := Take(t, dir, nil)
	_, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
	if err == nil || !strings.Contains(err.Error(), "lib/debug.log, which git ignores") {
		t.Fatalf("err = %v", err)
	}
	Compare(t, "after refusing", Take(t, dir, nil), before)
}

// Issue 7, point 7: with "* text=auto", a file with CRLF line ends came
// back with LF after a rollback and its undo.
func TestUndoKeepsLineEnds(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, ".gitattributes", "* text=auto\n")
	Write(t, dir, "dos.txt", "one\r\ntwo\r\n")
	Write(t, dir, "unix.txt", "one\ntwo\n")
	Write(t, dir, "eol.txt", "same\n")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "attributes")
	// The checkpoint itself holds CRLF files too, staged and not.
	Write(t, dir, "dos.txt", "one\r\ntwo\r\nthree\r\n")
	Write(t, dir, "new.txt", "new\r\n")
	Git(t, dir, "add", "new.txt")
	Write(t, dir, "untracked.txt", "untracked\r\n")
	roundTrip(t, dir, func() {
		Write(t, dir, "dos.txt", "changed\r\n")
		Write(t, dir, "unix.txt", "now\r\ndos\r\n")
		Write(t, dir, "new.txt", "new\r\nand more\r\n")
		Write(t, dir, "other.txt", "other\r\n")
		Write(t, dir, "eol.txt", "same\r\n") // the same text to git
		os.Remove(dir + "/untracked.txt")
	})
}

// Issue 7, point 7: with a clean filter that is not undone by its smudge,
// undo returned the filtered text. The .gitattributes that asks for the
// filter may be committed or not.
func TestUndoKeepsUnfilteredBytes(t *testing.T) {
	t.Parallel()
	for _, committed := range []bool{true, false} {
		dir := Init(t)
		Git(t, dir, "config", "filter.upper.clean", "tr a-z A-Z")
		Git(t, dir, "config", "filter.upper.smudge", "cat")
		Write(t, dir, "a.txt", "lower case\n")
		if committed {
			Write(t, dir, ".gitattributes", "*.txt filter=upper\n")
		}
		Git(t, dir, "add", "-A")
		Git(t, dir, "commit", "-q", "-m", "filter")
		Write(t, dir, ".gitattributes", "*.txt filter=upper\n")
		Write(t, dir, "a.txt", "lower case, edited\n")
		roundTrip(t, dir, func() {
			Write(t, dir, "a.txt", "later, still lower\n")
			Write(t, dir, "b.txt", "untracked, lower\n")
		})
	}
}

// Issue 7, point 7: an intent-to-add file (git add -N) came back
// untracked after a rollback and its undo, and a checkpoint lost it too.
func TestIntentToAddSurvives(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, "planned.txt", "planned\n")
	Git(t, dir, "add", "-N", "planned.txt")
	roundTrip(t, dir, func() {
		Write(t, dir, "later.txt", "later\n")
		Git(t, dir, "add", "-N", "later.txt")
		Git(t, dir, "add", "planned.txt")
	})
	if st := Git(t, dir, "status", "--porcelain"); !strings.Contains(st, " A later.txt") || !strings.Contains(st, "A  planned.txt") {
		t.Errorf("status after undo:\n%s", st)
	}
}

// events returns the event refs of the repository.
func events(t *testing.T, dir string) []string {
	t.Helper()
	return strings.Fields(Git(t, dir, "for-each-ref", "--format=%(refname)", "refs/maestro/events/"))
}

// setUpRollback makes a repository with a checkpoint and later work (a
// commit and an edit), ready to roll back.
func setUpRollback(t *testing.T) (string, *checkpoint.Store) {
	t.Helper()
	dir := Init(t)
	s := open(t, dir)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	Write(t, dir, "README", "committed later\n")
	Write(t, dir, "src/new.go", "package src\n")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "later")
	Write(t, dir, "README", "edited, not committed\n")
	return dir, s
}

// Issue 7, point 8: a stale .git/index.lock was found only after the
// branch and the files had moved, and the message left out its path. It is
// refused before anything changes, named in full.
func TestRollbackRefusesLockedIndex(t *testing.T) {
	t.Parallel()
	dir, s := setUpRollback(t)
	lock := filepath.Join(dir, ".git", "index.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	before := Take(t, dir, nil)
	for _, dry := range []bool{true, false} {
		_, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default", DryRun: dry})
		var ce *checkpoint.Error
		if err == nil || !asError(err, &ce) || !strings.Contains(err.Error(), gitPath(t, dir, "index.lock")) || len(ce.Hints()) == 0 {
			t.Fatalf("dry run %v: err = %v", dry, err)
		}
	}
	Compare(t, "after refusing", Take(t, dir, nil), before)
	if ev := events(t, dir); len(ev) != 0 {
		t.Errorf("events recorded: %v", ev)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("the lock maestro did not make is gone: %v", err)
	}
}

// gitPath is git's absolute path for name in the git directory.
func gitPath(t *testing.T, dir, name string) string {
	return strings.TrimSpace(Git(t, dir, "rev-parse", "--path-format=absolute", "--git-path", name))
}

// A lock left by a maestro killed while holding it is taken over: undo
// and rollback must work after a kill -9.
func TestRollbackTakesOverItsOwnStaleLock(t *testing.T) {
	t.Parallel()
	dir, s := setUpRollback(t)
	if err := checkpoint.LeaveLock(s); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "index.lock")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "index.lock")); !os.IsNotExist(err) {
		t.Errorf("index.lock after the rollback: %v", err)
	}
}

// Issue 7, point 8: assume-unchanged and skip-worktree entries hide their
// files' content from the snapshot: refused before anything changes.
func TestRollbackRefusesHiddenEntries(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--assume-unchanged", "--skip-worktree"} {
		dir, s := setUpRollback(t)
		Git(t, dir, "update-index", flag, "README")
		before := Take(t, dir, nil)
		_, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(flag, "--")) || !strings.Contains(err.Error(), "README") {
			t.Fatalf("%s: err = %v", flag, err)
		}
		Compare(t, "after refusing", Take(t, dir, nil), before)
		if ev := events(t, dir); len(ev) != 0 {
			t.Errorf("%s: events recorded: %v", flag, ev)
		}
		if _, err := os.Stat(filepath.Join(dir, ".git", "index.lock")); !os.IsNotExist(err) {
			t.Errorf("index.lock left: %v", err)
		}
	}
}

// Issue 7, point 8: a file edited during the rollback made git refuse to
// switch the files after the branch had moved, and the rollback stopped
// half way. Now everything is put back, the edit kept, and it says so.
func TestRollbackPutsBackWhenAFileChangesMeanwhile(t *testing.T) {
	t.Parallel()
	dir, s := setUpRollback(t)
	before := Take(t, dir, nil)
	checkpoint.SetHook(s, func(step string) {
		if step == "refs moved" {
			Write(t, dir, "README", "edited during the rollback\n")
		}
	})
	_, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
	if err == nil || !strings.Contains(err.Error(), "everything was put back") {
		t.Fatalf("err = %v", err)
	}
	want := before
	want.Files = map[string]string{}
	for k, v := range before.Files {
		want.Files[k] = v
	}
	after := Take(t, dir, nil)
	want.Files["README"] = after.Files["README"]
	Compare(t, "after the failed rollback", after, want)
	if data, _ := os.ReadFile(dir + "/README"); string(data) != "edited during the rollback\n" {
		t.Errorf("README = %q", data)
	}
	if ev := events(t, dir); len(ev) != 2 {
		t.Errorf("events %v, want the rollback and its automatic undo", ev)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "index.lock")); !os.IsNotExist(err) {
		t.Errorf("index.lock left: %v", err)
	}
	fsck(t, dir)
}

// A step failing after the files moved (here: the new index cannot be
// written) puts files, branch and index back.
func TestRollbackPutsBackWhenTheIndexFails(t *testing.T) {
	t.Parallel()
	dir, s := setUpRollback(t)
	Write(t, dir, "untracked.txt", "untracked\n")
	before := Take(t, dir, nil)
	checkpoint.SetHook(s, func(step string) {
		if step == "files moved" {
			// git's own lock on the file maestro writes the index to.
			Write(t, dir, ".git/index.maestro-new.lock", "")
		}
	})
	_, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
	if err == nil || !strings.Contains(err.Error(), "everything was put back") {
		t.Fatalf("err = %v", err)
	}
	os.Remove(dir + "/.git/index.maestro-new.lock")
	Compare(t, "after the failed rollback", Take(t, dir, nil), before)
	// The failed rollback and the automatic undo are listed, and cancel
	// out: there is nothing to undo, and the rollback can be made again.
	checkpoint.SetHook(s, nil)
	ops, err := s.Events("", false)
	if err != nil || len(ops) < 2 || ops[0].Type != "undo" || !ops[0].Automatic || ops[1].Type != "rollback" || !ops[1].Failed {
		t.Fatalf("events %+v, %v", ops, err)
	}
	if _, err := s.Undo("default", false, false); err == nil || !strings.Contains(err.Error(), "nothing to undo") {
		t.Fatalf("undo after a failed rollback: %v", err)
	}
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(dir + "/README"); string(data) != "hello\n" {
		t.Errorf("README after redoing the rollback: %q", data)
	}
}

// Issue 7, point 9: a git commit that landed between the branch move and
// the file rewrite made a commit of the old content on top of the
// checkpoint. git's index lock is held for the whole rollback: the commit
// fails.
func TestCommitDuringRollbackFails(t *testing.T) {
	t.Parallel()
	dir, s := setUpRollback(t)
	Git(t, dir, "add", "README")
	var out []byte
	var commitErr error
	checkpoint.SetHook(s, func(step string) {
		if step == "refs moved" {
			cmd := exec.Command("git", "commit", "-q", "-m", "during the rollback")
			cmd.Dir = dir
			out, commitErr = cmd.CombinedOutput()
		}
	})
	res, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if commitErr == nil || !strings.Contains(string(out), "index.lock") {
		t.Errorf("git commit during the rollback: %v\n%s", commitErr, out)
	}
	if head := strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD")); head != res.HeadAfter {
		t.Errorf("HEAD %s, want the checkpoint %s", head, res.HeadAfter)
	}
	if st := Git(t, dir, "status", "--porcelain"); st != "" {
		t.Errorf("status after the rollback: %q", st)
	}
}

// Issue 7, point 10: undo --force in a linked worktree moved it onto a
// branch checked out in another worktree. Refused, as git does.
func TestUndoRefusesBranchCheckedOutElsewhere(t *testing.T) {
	t.Parallel()
	dir, s := setUpRollback(t)
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"}); err != nil {
		t.Fatal(err)
	}
	wt := filepath.Join(t.TempDir(), "wt")
	Git(t, dir, "worktree", "add", "-q", "-b", "other", wt)
	before := Take(t, wt, nil)
	main := Git(t, dir, "rev-parse", "main")
	_, err := open(t, wt).Undo("default", false, true)
	if err == nil || !strings.Contains(err.Error(), "branch main is already checked out at ") {
		t.Fatalf("err = %v", err)
	}
	Compare(t, "the worktree after refusing", Take(t, wt, nil), before)
	if got := Git(t, dir, "rev-parse", "main"); got != main {
		t.Errorf("main moved to %s", got)
	}
}

// Keeping exact bytes does not make maestro diff report a file whose line
// ends alone differ from a commit's (git diff does not either).
func TestDiffIgnoresLineEndsAlone(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, ".gitattributes", "* text=auto\n")
	Write(t, dir, "a.txt", "one\ntwo\n")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "attributes")
	s := open(t, dir)
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	Write(t, dir, "a.txt", "one\r\ntwo\r\n")
	changes, err := s.Diff(rec, nil)
	if err != nil || len(changes) != 0 {
		t.Errorf("Diff = %+v, %v; want no change", changes, err)
	}
}

// An undo that returns to another branch and fails after switching to it
// puts back that branch's tip, and HEAD where it was: on another branch, or
// detached.
func TestUndoPutsBackBranchSwitch(t *testing.T) {
	t.Parallel()
	for _, leave := range [][]string{{"checkout", "-q", "-b", "side"}, {"checkout", "-q", "--detach"}, {"checkout", "-q", "-b", "from-detached"}} {
		dir, s := setUpRollback(t)
		if leave[len(leave)-1] == "from-detached" {
			// The undo would detach HEAD again.
			Git(t, dir, "checkout", "-q", "--detach")
		}
		if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"}); err != nil {
			t.Fatal(err)
		}
		Git(t, dir, leave...)
		Write(t, dir, "side.txt", "on side\n")
		before := Take(t, dir, nil)
		main := Git(t, dir, "rev-parse", "main")
		checkpoint.SetHook(s, func(step string) {
			if step == "files moved" {
				Write(t, dir, ".git/index.maestro-new.lock", "")
			}
		})
		_, err := s.Undo("default", false, true)
		if err == nil || !strings.Contains(err.Error(), "everything was put back") {
			t.Fatalf("%v: err = %v", leave, err)
		}
		os.Remove(dir + "/.git/index.maestro-new.lock")
		Compare(t, "after the failed undo", Take(t, dir, nil), before)
		if got := Git(t, dir, "rev-parse", "main"); got != main {
			t.Errorf("%v: main is at %s, was %s", leave, got, main)
		}
	}
}
