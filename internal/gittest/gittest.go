// Package gittest makes real git repositories for tests: in a temporary
// directory, with a fixed identity and none of the machine's configuration.
package gittest

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Isolate sets the environment every git and maestro in the test process
// runs with: a fixed identity and dates, no global or system configuration,
// and a home and XDG folders of its own, so that nothing a test runs reads
// or writes the user's (maestro run outside a repository logs to
// $XDG_STATE_HOME). Call it from TestMain, and the function it returns
// once the tests are done, to remove that home.
func Isolate() (done func()) {
	for k, v := range map[string]string{
		"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
		"GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
		"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_TERMINAL_PROMPT": "0",
	} {
		os.Setenv(k, v)
	}
	os.Unsetenv("MAESTRO_SESSION_ID")
	os.Unsetenv("MAESTRO_CONFIG")
	os.Unsetenv("MAESTRO_TRUST_REPO_CONFIG")
	os.Unsetenv("GIT_DIR")
	os.Unsetenv("GIT_INDEX_FILE")
	home, err := os.MkdirTemp("", "maestro-test-home-")
	if err != nil {
		panic(err) // no temporary folder: no test can run
	}
	os.Setenv("HOME", home)
	// Under -race, each maestro a test starts (the test binary itself)
	// would sleep a second on exit, by the race runtime's default
	// atexit_sleep_ms=1000: the scripts start thousands. testscript passes
	// GORACE on to them.
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace("atexit_sleep_ms=0 "+g))
	}
	for k, v := range map[string]string{"XDG_CONFIG_HOME": ".config", "XDG_STATE_HOME": ".local/state", "XDG_DATA_HOME": ".local/share"} {
		os.Setenv(k, filepath.Join(home, v))
	}
	return func() { os.RemoveAll(home) }
}

// Git runs git in dir and returns its output, failing the test on error.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Fsck fails the test unless git fsck --strict finds nothing to say of
// the repository in dir (dangling objects aside).
func Fsck(t testing.TB, dir string) {
	t.Helper()
	cmd := exec.Command("git", "fsck", "--strict", "--no-dangling")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("git fsck --strict: %v\n%s", err, out)
	}
}

// Init makes a repository with one commit on branch main.
func Init(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	Git(t, dir, "init", "-q", "-b", "main")
	Write(t, dir, "README", "hello\n")
	Git(t, dir, "add", "README")
	Git(t, dir, "commit", "-q", "-m", "first")
	return dir
}

// Write writes a file under dir, making its folders.
func Write(t testing.TB, dir, name, content string) {
	t.Helper()
	p := dir + "/" + name
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		if err := os.MkdirAll(p[:i], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Manifest is everything a rollback or an undo must restore: every file
// (path, kind, exec bit, content), the index entries, HEAD and its branch.
type Manifest struct {
	Files  map[string]string
	Index  string
	Head   string
	Branch string
}

// Take records the manifest of dir's working tree. skip leaves paths out
// of Files (the ignored ones, say); nil keeps them all.
func Take(t testing.TB, dir string, skip func(path string) bool) Manifest {
	t.Helper()
	m := Manifest{Files: map[string]string{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == ".git" {
			if !d.IsDir() {
				return nil // a linked worktree's: SkipDir would skip the rest of the folder
			}
			return filepath.SkipDir
		}
		if d.IsDir() || skip != nil && skip(rel) {
			return nil
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			m.Files[rel] = "symlink -> " + target
			return err
		}
		data, err := os.ReadFile(p)
		m.Files[rel] = fmt.Sprintf("file exec=%v sha256=%x", info.Mode().Perm()&0o100 != 0, sha256.Sum256(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Index = Git(t, dir, "ls-files", "-s")
	m.Head = strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
	out, _ := exec.Command("git", "-C", dir, "symbolic-ref", "-q", "HEAD").Output()
	m.Branch = strings.TrimSpace(string(out))
	return m
}

// Compare reports each difference between got and want.
func Compare(t testing.TB, what string, got, want Manifest) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	keys := map[string]bool{}
	for k := range want.Files {
		keys[k] = true
	}
	for k := range got.Files {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if got.Files[k] != want.Files[k] {
			t.Errorf("%s: %q is %q, want %q", what, k, got.Files[k], want.Files[k])
		}
	}
	if got.Index != want.Index {
		t.Errorf("%s: index\n%s\nwant\n%s", what, got.Index, want.Index)
	}
	if got.Head != want.Head || got.Branch != want.Branch {
		t.Errorf("%s: HEAD %s on %q, want %s on %q", what, got.Head, got.Branch, want.Head, want.Branch)
	}
}

// RevParsePath is git's own answer to rev-parse FLAG (--git-common-dir,
// --show-toplevel, ...) in dir: absolute, symbolic links resolved, to
// compare with what maestro finds without git.
func RevParsePath(t testing.TB, dir, flag string) string {
	t.Helper()
	p := strings.TrimSpace(Git(t, dir, "rev-parse", flag))
	if !filepath.IsAbs(p) {
		p = filepath.Join(Resolve(t, dir), p)
	}
	return Resolve(t, p)
}

// Resolve returns p with its symbolic links resolved.
func Resolve(t testing.TB, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Mkdir makes dir and its parents and returns it.
func Mkdir(t testing.TB, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// OutsideRepo returns a temporary directory git sees as outside any
// repository; it skips the test when the machine's temporary folder is
// itself inside one, as then there is no outside to test.
func OutsideRepo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if exec.Command("git", "-C", dir, "rev-parse", "--git-dir").Run() == nil {
		t.Skipf("%s is inside a git repository", dir)
	}
	return dir
}
