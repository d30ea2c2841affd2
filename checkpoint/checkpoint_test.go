package checkpoint_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

func TestMain(m *testing.M) {
	if os.Getenv(testHookEnv) != "" {
		os.Exit(runTestHook()) // this binary is a git hook of a test's repository
	}
	done := Isolate()
	code := m.Run()
	done()
	os.Exit(code)
}

// ignored says which paths the test repositories ignore (.gitignore).
func ignored(path string) bool {
	return strings.HasPrefix(path, "build/") || strings.HasSuffix(path, ".log")
}

// takeManifest records the files git does not ignore, or, with
// wantIgnored, only those it ignores (and then no index nor HEAD).
func takeManifest(t *testing.T, dir string, wantIgnored bool) Manifest {
	t.Helper()
	m := Take(t, dir, func(p string) bool { return ignored(p) != wantIgnored })
	if wantIgnored {
		m.Index, m.Head, m.Branch = "", "", ""
	}
	return m
}

func diffManifests(t *testing.T, what string, got, want Manifest) {
	t.Helper()
	Compare(t, what, got, want)
}

func chmod(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, p string) {
	t.Helper()
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, dir string) *checkpoint.Store {
	t.Helper()
	s, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The round trip of the issue: a checkpoint of a tree holding staged,
// unstaged, deleted and untracked files (names with spaces and non-ASCII
// letters, a binary, an executable, a symlink) and ignored files; more
// edits and commits; a rollback restores the checkpoint's state exactly and
// leaves the ignored files alone; an undo restores the state before the
// rollback exactly; redo takes the undo back.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, ".gitignore", "build/\n*.log\n")
	Write(t, dir, "src/app.go", "package app\n")
	Write(t, dir, "tool.sh", "#!/bin/sh\necho tool\n")
	chmod(t, dir+"/tool.sh", 0o755)
	Write(t, dir, "data.bin", "\x00\x01\x02binary\xff\xfe")
	Write(t, dir, "old name.txt", "to be deleted\n")
	symlink(t, "README", dir+"/link")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "second")

	// The state to check point.
	Write(t, dir, "src/app.go", "package app // staged\n")
	Git(t, dir, "add", "src/app.go")
	Write(t, dir, "README", "hello, unstaged\n")
	Write(t, dir, "tool.sh", "#!/bin/sh\necho staged\n")
	Git(t, dir, "add", "tool.sh")
	Write(t, dir, "tool.sh", "#!/bin/sh\necho staged then changed\n")
	os.Remove(dir + "/old name.txt")
	Git(t, dir, "rm", "-q", "data.bin")
	Write(t, dir, "notes with spaces.txt", "untracked\n")
	Write(t, dir, "héllo wörld.md", "ünïcödé\n")
	Write(t, dir, "untracked.bin", "\x00\xff\x00")
	Write(t, dir, "run.sh", "#!/bin/sh\necho run\n")
	chmod(t, dir+"/run.sh", 0o755)
	symlink(t, "notes with spaces.txt", dir+"/ln2")
	Write(t, dir, "build/out.o", "object v1\n")
	Write(t, dir, "debug.log", "log v1\n")
	atCheckpoint := takeManifest(t, dir, false)

	s := open(t, dir)
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: "s1", Description: "the mess", Type: "Safe_State"})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Snapshot || rec.CommitSHA == rec.HeadSHA || rec.CheckpointType != "safe_state" {
		t.Fatalf("record %+v", rec)
	}
	// Making the checkpoint touched nothing.
	diffManifests(t, "after checkpoint", takeManifest(t, dir, false), atCheckpoint)

	// More work: commits, edits, and changes to the ignored files.
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "third")
	Write(t, dir, "src/new.go", "package app\n")
	os.Remove(dir + "/run.sh")
	Write(t, dir, "notes with spaces.txt", "changed\n")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "fourth")
	Write(t, dir, "README", "hello, later\n")
	Write(t, dir, "later untracked.txt", "later\n")
	chmod(t, dir+"/tool.sh", 0o644)
	Write(t, dir, "build/out.o", "object v2\n")
	Write(t, dir, "build/more.o", "more\n")
	Write(t, dir, "debug.log", "log v2\n")
	beforeRollback := takeManifest(t, dir, false)
	ignoredBefore := takeManifest(t, dir, true)

	res, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	diffManifests(t, "after rollback", takeManifest(t, dir, false), atCheckpoint)
	diffManifests(t, "ignored files after rollback", takeManifest(t, dir, true), ignoredBefore)
	if res.EventID == "" || len(res.Removed) == 0 || len(res.Restored) == 0 {
		t.Errorf("result %+v", res)
	}

	if _, err := s.Undo("s1", false, false); err != nil {
		t.Fatal(err)
	}
	diffManifests(t, "after undo", takeManifest(t, dir, false), beforeRollback)
	diffManifests(t, "ignored files after undo", takeManifest(t, dir, true), ignoredBefore)

	// The undo is recorded too: redo takes it back.
	if _, err := s.UndoWith(checkpoint.UndoOptions{SessionID: "s1", Redo: true}); err != nil {
		t.Fatal(err)
	}
	diffManifests(t, "after redo", takeManifest(t, dir, false), atCheckpoint)

	cat, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if r := cat.Filter("s1", "")[0]; r.RollbackCount != 1 || !r.RollbackUsed {
		t.Errorf("rollback_count %d, rollback_used %v", r.RollbackCount, r.RollbackUsed)
	}
	if n := len(cat.Events); n != 3 {
		t.Errorf("%d events, want 3 (a rollback, an undo and a redo)", n)
	}
	fsck(t, dir)
}

func fsck(t *testing.T, dir string) {
	t.Helper()
	Git(t, dir, "fsck", "--no-dangling", "--no-progress")
}

// A clean tree is checkpointed as HEAD itself, and nothing changes.
func TestCleanCheckpointIsHead(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	before := takeManifest(t, dir, false)
	rec, err := open(t, dir).Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Snapshot || rec.CommitSHA != before.Head || rec.Branch != "refs/heads/main" {
		t.Errorf("record %+v", rec)
	}
	if got := strings.TrimSpace(Git(t, dir, "rev-parse", "refs/maestro/checkpoints/default/"+rec.CheckpointID)); got != before.Head {
		t.Errorf("ref names %s, want HEAD %s", got, before.Head)
	}
	diffManifests(t, "after checkpoint", takeManifest(t, dir, false), before)
	// The branch's log does not change.
	if log := Git(t, dir, "log", "--all", "--oneline", "--", "."); strings.Count(log, "\n") != 1 {
		t.Errorf("git log --all shows:\n%s", log)
	}
}

// Snapshot commits never appear on a branch.
func TestSnapshotsStayOffBranches(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, "wip.txt", "wip\n")
	if _, err := open(t, dir).Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	if log := Git(t, dir, "log", "--oneline", "main"); strings.Count(log, "\n") != 1 {
		t.Errorf("git log main:\n%s", log)
	}
	if br := Git(t, dir, "branch", "--list"); strings.TrimSpace(br) != "* main" {
		t.Errorf("branches: %q", br)
	}
	if st := Git(t, dir, "status", "--porcelain"); st != "?? wip.txt\n" {
		t.Errorf("status %q", st)
	}
}

func TestRollbackRefusals(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"}); err == nil || !strings.Contains(err.Error(), `no checkpoint in session "default"`) {
		t.Errorf("no checkpoints: %v", err)
	}
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	// Another branch: refused without --force.
	Git(t, dir, "checkout", "-q", "-b", "other")
	Write(t, dir, "x", "x\n")
	Git(t, dir, "add", "x")
	Git(t, dir, "commit", "-q", "-m", "x")
	before := takeManifest(t, dir, false)
	_, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
	if err == nil || !strings.Contains(err.Error(), "no checkpoint of branch other") {
		t.Errorf("other branch, no id: %v", err)
	}
	_, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "default", CheckpointID: rec.CheckpointID})
	if err == nil || !strings.Contains(err.Error(), "was made on branch main, and you are on branch other") {
		t.Errorf("other branch: %v", err)
	}
	diffManifests(t, "after a refused rollback", takeManifest(t, dir, false), before)
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default", Force: true}); err != nil {
		t.Fatalf("--force: %v", err)
	}
	if head := strings.TrimSpace(Git(t, dir, "rev-parse", "other")); head != rec.CommitSHA {
		t.Errorf("--force left other at %s, want %s", head, rec.CommitSHA)
	}
	// An unknown id names the nearest.
	_, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "default", CheckpointID: rec.CheckpointID[:len(rec.CheckpointID)-1] + "x"})
	var ce *checkpoint.Error
	if err == nil || !asError(err, &ce) || !strings.Contains(strings.Join(ce.Hints(), " "), rec.CheckpointID) {
		t.Errorf("unknown id: %v", err)
	}
}

func asError(err error, target **checkpoint.Error) bool {
	e, ok := err.(*checkpoint.Error)
	*target = e
	return ok
}

// A rollback in the middle of a rebase is refused, and nothing changes.
func TestRollbackMidRebase(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "checkout", "-q", "-b", "side")
	Write(t, dir, "README", "side\n")
	Git(t, dir, "commit", "-q", "-am", "side")
	Git(t, dir, "checkout", "-q", "main")
	Write(t, dir, "README", "main\n")
	Git(t, dir, "commit", "-q", "-am", "main")
	Git(t, dir, "checkout", "-q", "side")
	if out, err := exec.Command("git", "-C", dir, "rebase", "main").CombinedOutput(); err == nil {
		t.Fatalf("the rebase did not stop on its conflict:\n%s", out)
	}
	before := takeManifest(t, dir, false)
	status := Git(t, dir, "status", "--porcelain")
	_, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default", Force: true})
	if err == nil || !strings.Contains(err.Error(), "a rebase is in progress") {
		t.Fatalf("err = %v", err)
	}
	diffManifests(t, "after refusing", takeManifest(t, dir, false), before)
	if got := Git(t, dir, "status", "--porcelain"); got != status {
		t.Errorf("status changed: %q, was %q", got, status)
	}
	if _, err := s.Undo("default", false, true); err == nil || !strings.Contains(err.Error(), "a rebase is in progress") {
		t.Errorf("undo: %v", err)
	}
}

// Detached HEAD works: it moves, and undo puts it back.
func TestDetachedHead(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Git(t, dir, "checkout", "-q", "--detach")
	s := open(t, dir)
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	Write(t, dir, "README", "later\n")
	Git(t, dir, "commit", "-q", "-am", "later")
	before := takeManifest(t, dir, false)
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"}); err != nil {
		t.Fatal(err)
	}
	if m := takeManifest(t, dir, false); m.Head != rec.CommitSHA || m.Branch != "" {
		t.Errorf("HEAD %s on %q, want %s detached", m.Head, m.Branch, rec.CommitSHA)
	}
	if _, err := s.Undo("default", false, false); err != nil {
		t.Fatal(err)
	}
	diffManifests(t, "after undo", takeManifest(t, dir, false), before)
}

// A rollback from a detached HEAD to a checkpoint made on a branch moves
// the detached HEAD, not the branch.
func TestDetachedRollbackLeavesBranches(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	Write(t, dir, "README", "later\n")
	Git(t, dir, "commit", "-q", "-am", "later")
	main := strings.TrimSpace(Git(t, dir, "rev-parse", "main"))
	Git(t, dir, "checkout", "-q", "--detach")
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"}); err != nil {
		t.Fatal(err)
	}
	m := takeManifest(t, dir, false)
	if m.Branch != "" || m.Head != rec.CommitSHA {
		t.Errorf("HEAD %s on %q, want %s detached", m.Head, m.Branch, rec.CommitSHA)
	}
	if got := strings.TrimSpace(Git(t, dir, "rev-parse", "main")); got != main {
		t.Errorf("main moved to %s", got)
	}
}

// A file that git does not know of, where the checkpoint has one, stops the
// rollback before anything changes.
func TestRollbackKeepsUnknownFiles(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, ".gitignore", "*.log\n")
	Git(t, dir, "add", ".gitignore")
	Git(t, dir, "commit", "-q", "-m", "ignore logs")
	Write(t, dir, "keep.log", "checkpointed\n")
	Git(t, dir, "add", "-f", "keep.log")
	Git(t, dir, "commit", "-q", "-m", "tracked log")
	s := open(t, dir)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "rm", "-q", "--cached", "keep.log")
	Git(t, dir, "commit", "-q", "-m", "untrack the log")
	Write(t, dir, "keep.log", "precious, and ignored now\n")
	before := takeManifest(t, dir, false)
	_, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
	if err == nil || !strings.Contains(err.Error(), "keep.log") {
		t.Fatalf("err = %v", err)
	}
	diffManifests(t, "after refusing", takeManifest(t, dir, false), before)
	if data, _ := os.ReadFile(dir + "/keep.log"); string(data) != "precious, and ignored now\n" {
		t.Errorf("keep.log = %q", data)
	}
}

func TestValidateID(t *testing.T) {
	t.Parallel()
	for _, bad := range []struct{ id, rule string }{
		{"../x", "must not start with '.' or '-'"},
		{"a/../x", `must not contain ".."`},
		{"a b", `' ' is not allowed`},
		{"x.lock", `must not end with ".lock"`},
		{"", "it is empty"},
		{strings.Repeat("a", 300), "300 bytes long, at most 128 allowed"},
		{"-x", "must not start with '.' or '-'"},
		{"x.", "must not end with '.'"},
		{"a/b", `'/' is not allowed`},
		{"a~1", `'~' is not allowed`},
		{"é", `'é' is not allowed`},
	} {
		err := checkpoint.ValidateID("session id", bad.id)
		if err == nil || !strings.Contains(err.Error(), bad.rule) {
			t.Errorf("ValidateID(%q) = %v, want the rule %q", bad.id, err, bad.rule)
		}
	}
	for _, good := range []string{"default", "agent-7", "run_2026.11.27", "A1"} {
		if err := checkpoint.ValidateID("session id", good); err != nil {
			t.Errorf("ValidateID(%q) = %v", good, err)
		}
	}
}
