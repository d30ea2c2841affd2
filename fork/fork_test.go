package fork_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/fork"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

func TestMain(m *testing.M) {
	done := Isolate()
	code := m.Run()
	done()
	os.Exit(code)
}

func open(t *testing.T, dir string) *checkpoint.Store {
	t.Helper()
	s, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stateDir(t *testing.T, dir string) string {
	return filepath.Join(RevParsePath(t, dir, "--git-common-dir"), "maestro")
}

// dirty makes every kind of change a checkpoint records: staged, unstaged,
// both, deleted (staged and not), untracked, an executable bit, symbolic
// links (tracked, changed and untracked), an intent-to-add entry, a file
// kept as its exact bytes (CRLF under text=auto), and an ignored file,
// which no fork gets.
func dirty(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"staged", "unstaged", "both", "gone", "rm", "tool", "crlf.txt", "sub/deep"} {
		Write(t, dir, f, f+"\n")
	}
	Write(t, dir, ".gitattributes", "*.txt text=auto\n")
	Write(t, dir, ".gitignore", "*.log\n")
	if err := os.Symlink("staged", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "files")
	Write(t, dir, "staged", "staged 2\n")
	Git(t, dir, "add", "staged")
	Write(t, dir, "unstaged", "unstaged 2\n")
	Write(t, dir, "both", "both 2\n")
	Git(t, dir, "add", "both")
	Write(t, dir, "both", "both 3\n")
	os.Remove(filepath.Join(dir, "gone"))
	Git(t, dir, "rm", "-q", "rm")
	os.Chmod(filepath.Join(dir, "tool"), 0o755)
	os.Remove(filepath.Join(dir, "link"))
	os.Symlink("unstaged", filepath.Join(dir, "link"))
	Write(t, dir, "new dir/untracked", "untracked\n")
	os.Symlink("sub", filepath.Join(dir, "newlink"))
	Write(t, dir, "ita", "intent\n")
	Git(t, dir, "add", "-N", "ita")
	Write(t, dir, "crlf.txt", "one\r\ntwo\r\n")
	Write(t, dir, "debug.log", "ignored\n")
}

func ignored(p string) bool { return strings.HasSuffix(p, ".log") }

// Issue 13: a fork of a dirty checkpoint is the checkpoint, exactly: the
// files, their bytes and modes, the index, the staged/unstaged split, HEAD.
func TestForkMatchesDirtyCheckpoint(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	dirty(t, dir)
	want := Take(t, dir, ignored)
	want.Branch = "" // a fork's HEAD is detached
	wantStatus := Git(t, dir, "status", "--porcelain=v1", "-uall")
	s := open(t, dir)
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	indexBefore, _ := os.ReadFile(filepath.Join(dir, ".git", "index"))
	forks := filepath.Join(t.TempDir(), "forks")
	made, err := fork.Create(s, fork.Options{StateDir: stateDir(t, dir), Dir: forks, At: checkpoint.RollbackOptions{SessionID: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(made.Forks) != 1 || made.Forks[0].Name != "f1" || made.Checkpoint.CheckpointID != rec.CheckpointID {
		t.Fatalf("made %+v", made)
	}
	f := made.Forks[0]
	if f.Path != filepath.Join(forks, "f1") || f.CommitSHA != rec.HeadSHA || f.BaseStateCommit != rec.CommitSHA {
		t.Errorf("record %+v, checkpoint %+v", f, rec)
	}
	Compare(t, "fork", Take(t, f.Path, nil), want)
	if got := Git(t, f.Path, "status", "--porcelain=v1", "-uall"); got != wantStatus {
		t.Errorf("fork status\n%s\nwant\n%s", got, wantStatus)
	}
	if got := Git(t, f.Path, "diff", "--cached"); got != Git(t, dir, "diff", "--cached") {
		t.Errorf("fork's staged changes differ:\n%s", got)
	}
	// The main worktree is untouched.
	if indexAfter, _ := os.ReadFile(filepath.Join(dir, ".git", "index")); string(indexAfter) != string(indexBefore) {
		t.Error("the main index changed")
	}
	if got := Git(t, dir, "status", "--porcelain=v1", "-uall"); got != wantStatus {
		t.Errorf("main status changed:\n%s", got)
	}
	// Nothing changed yet: listed with its record; removed without --force.
	list, err := fork.List(stateDir(t, dir))
	if err != nil || len(list) != 1 || list[0] != f {
		t.Fatalf("List = %+v, %v", list, err)
	}
	res, err := fork.Remove(s, fork.RemoveOptions{StateDir: stateDir(t, dir), Names: []string{"f1"}})
	if err != nil || len(res) != 1 || !res[0].Removed {
		t.Fatalf("Remove = %+v, %v", res, err)
	}
	if _, err := os.Lstat(f.Path); !os.IsNotExist(err) {
		t.Errorf("fork folder still there: %v", err)
	}
	if out := Git(t, dir, "worktree", "list", "--porcelain"); strings.Contains(out, f.Path) {
		t.Errorf("git still lists the fork:\n%s", out)
	}
	Fsck(t, dir)
}

// --count 3 makes f1..f3 at once; names in use and bad names are refused,
// and NAME with a count numbers them.
func TestForkNames(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, "x", "x\n")
	s := open(t, dir)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	sd := stateDir(t, dir)
	forks := filepath.Join(t.TempDir(), "forks")
	o := fork.Options{StateDir: sd, Dir: forks, At: checkpoint.RollbackOptions{SessionID: "default"}, Count: 3, Approaches: []string{"retry_smaller"}}
	if _, err := fork.Create(s, o); err != nil {
		t.Fatal(err)
	}
	o.Count, o.Name = 2, "retry_smaller"
	if _, err := fork.Create(s, o); err != nil {
		t.Fatal(err)
	}
	o.Count = 1
	made, err := fork.Create(s, o)
	if err != nil {
		t.Fatal(err)
	}
	if made.Forks[0].Approach != "retry_smaller" {
		t.Errorf("approach %q", made.Forks[0].Approach)
	}
	list, err := fork.List(sd)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range list {
		names = append(names, f.Name)
		if Git(t, f.Path, "status", "--porcelain") != "?? x\n" {
			t.Errorf("%s is not at the checkpoint", f.Name)
		}
	}
	if got := strings.Join(names, " "); got != "f1 f2 f3 retry_smaller retry_smaller-1 retry_smaller-2" {
		t.Errorf("forks %s", got)
	}
	var taken *fork.TakenError
	if _, err := fork.Create(s, o); !errors.As(err, &taken) {
		t.Errorf("a name in use: %v", err)
	}
	var bad *checkpoint.InputError
	for _, name := range []string{"-x", "a/b", "..", "x.run", "a b"} {
		o.Name = name
		if _, err := fork.Create(s, o); !errors.As(err, &bad) {
			t.Errorf("name %q: %v", name, err)
		}
	}
	// A folder in the way of an automatic name is skipped; of a given name, refused.
	Mkdir(t, filepath.Join(forks, "f4"))
	o.Name = ""
	if made, err := fork.Create(s, o); err != nil || made.Forks[0].Name != "f5" {
		t.Errorf("made %+v, %v", made, err)
	}
	o.Name = "f4"
	if _, err := fork.Create(s, o); !errors.As(err, &taken) {
		t.Errorf("a folder in the way: %v", err)
	}
	if _, err := fork.Get(sd, "nope"); !errors.Is(err, fork.ErrNoFork) || !strings.Contains(err.Error(), "f1, f2") {
		t.Errorf("Get(nope) = %v", err)
	}
}

// Issue 13: removal refuses a fork holding changes that were neither
// adopted nor recorded, unless forced; a recorded state goes.
func TestRemoveRefusesUnsavedChanges(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	sd := stateDir(t, dir)
	made, err := fork.Create(s, fork.Options{StateDir: sd, Dir: filepath.Join(t.TempDir(), "forks"), At: checkpoint.RollbackOptions{SessionID: "default"}, Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	f1, f2, f3 := made.Forks[0], made.Forks[1], made.Forks[2]
	Write(t, f1.Path, "new", "work\n")
	Write(t, f2.Path, "README", "changed\n")
	Git(t, f2.Path, "add", "README")
	Write(t, f3.Path, "README", "recorded\n")
	if _, err := open(t, f3.Path).Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	res, err := fork.Remove(s, fork.RemoveOptions{StateDir: sd, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].Removed || res[1].Removed || !res[2].Removed {
		t.Fatalf("Remove = %+v", res)
	}
	if !strings.Contains(res[0].Reason, "1 changed file,") || strings.Join(res[0].Changed, ",") != "new" {
		t.Errorf("f1 refused: %+v", res[0])
	}
	if _, err := os.Stat(filepath.Join(f1.Path, "new")); err != nil {
		t.Errorf("refused fork lost its file: %v", err)
	}
	res, err = fork.Remove(s, fork.RemoveOptions{StateDir: sd, All: true, Force: true})
	if err != nil || len(res) != 2 || !res[0].Removed || !res[1].Removed {
		t.Fatalf("Remove --force = %+v, %v", res, err)
	}
	if list, _ := fork.List(sd); len(list) != 0 {
		t.Errorf("left %+v", list)
	}
}

// Issue 13: forks of a repository whose worktree is elsewhere go next to
// that worktree, and are listed from every worktree of the repository.
func TestForksDirElsewhere(t *testing.T) {
	t.Parallel()
	t.Run("core.worktree", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		gitDir, work := filepath.Join(Mkdir(t, filepath.Join(root, "meta")), "repo.git"), Mkdir(t, filepath.Join(root, "src", "work"))
		Git(t, root, "init", "-q", "-b", "main", "--separate-git-dir", gitDir, work)
		Git(t, work, "config", "core.worktree", work)
		Write(t, work, "a", "a\n")
		Git(t, work, "add", "a")
		Git(t, work, "commit", "-q", "-m", "a")
		Write(t, work, "a", "changed\n")
		checkForksDir(t, work, filepath.Join(Resolve(t, root), "src", "work.maestro-forks"))
	})
	t.Run("linked worktree of a bare repository", func(t *testing.T) {
		t.Parallel()
		src := Init(t)
		root := t.TempDir()
		Git(t, root, "clone", "-q", "--bare", src, "repo.git")
		Git(t, filepath.Join(root, "repo.git"), "worktree", "add", "-q", "../wt", "main")
		wt := filepath.Join(root, "wt")
		Write(t, wt, "README", "changed\n")
		checkForksDir(t, wt, filepath.Join(Resolve(t, root), "wt.maestro-forks"))
	})
}

func checkForksDir(t *testing.T, work, want string) {
	t.Helper()
	s := open(t, work)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	dir, err := fork.ForksDir(s, "")
	if err != nil || dir != want {
		t.Fatalf("ForksDir = %q, %v; want %q", dir, err, want)
	}
	sd := stateDir(t, work)
	made, err := fork.Create(s, fork.Options{StateDir: sd, Dir: dir, At: checkpoint.RollbackOptions{SessionID: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	f := made.Forks[0]
	Compare(t, "fork", Take(t, f.Path, nil), func() Manifest { m := Take(t, work, nil); m.Branch = ""; return m }())
	// From the fork itself, the same state directory and the same list.
	if got := stateDir(t, f.Path); got != sd {
		t.Errorf("state dir from the fork %s, want %s", got, sd)
	}
	if list, err := fork.List(sd); err != nil || len(list) != 1 {
		t.Errorf("List = %+v, %v", list, err)
	}
	if res, err := fork.Remove(open(t, f.Path), fork.RemoveOptions{StateDir: sd, Names: []string{f.Name}, Force: true}); err != nil || !res[0].Removed {
		t.Errorf("Remove from the fork = %+v, %v", res, err)
	}
}

// A record naming a folder that is not FORKS_DIR/NAME (the main worktree,
// say) was not written by maestro: removal never touches that folder, and
// --force forgets only the record.
func TestRemoveForgedRecord(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	sd := stateDir(t, dir)
	Mkdir(t, fork.Dir(sd))
	Write(t, fork.Dir(sd), "f1.json", `{"name":"f1","path":"`+dir+`"}`)
	s := open(t, dir)
	for _, force := range []bool{false, true} {
		res, err := fork.Remove(s, fork.RemoveOptions{StateDir: sd, All: true, Force: force})
		if err != nil || len(res) != 1 || res[0].Removed != force || !strings.Contains(res[0].Reason, "leaves it alone") {
			t.Fatalf("Remove(force %v) = %+v, %v", force, res, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "README")); err != nil {
			t.Fatal(err)
		}
	}
	if list, _ := fork.List(sd); len(list) != 0 {
		t.Errorf("record kept: %+v", list)
	}
}
