package git_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/git"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

func TestMain(m *testing.M) {
	done := Isolate()
	code := m.Run()
	done()
	os.Exit(code)
}

// The hook's shortcut finds the same git directory as git does, in the
// main working tree and in a linked one.
func TestOpenHookAgreesWithGit(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	wt := filepath.Join(t.TempDir(), "wt")
	Git(t, dir, "worktree", "add", "-q", "-b", "feature", wt)
	for _, d := range []string{dir, wt} {
		want, err := git.Open(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := git.OpenHook(d)
		if err != nil {
			t.Fatal(err)
		}
		if got.TopLevel != want.TopLevel || got.GitDir != want.GitDir {
			t.Errorf("OpenHook(%s) = %s, %s; Open = %s, %s", d, got.TopLevel, got.GitDir, want.TopLevel, want.GitDir)
		}
		branch, err := got.HeadBranch()
		if err != nil || branch == "" {
			t.Errorf("HeadBranch in %s = %q, %v", d, branch, err)
		}
	}
}

func TestHead(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	r, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.Head()
	if err != nil {
		t.Fatal(err)
	}
	if h.Branch != "refs/heads/main" || h.SHA != strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD")) ||
		h.Tree != strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD^{tree}")) || h.Message != "first\n" {
		t.Errorf("Head() = %+v", h)
	}
	Git(t, dir, "checkout", "-q", "--detach")
	if h, _ := r.Head(); h.Branch != "" || h.SHA == "" {
		t.Errorf("detached: %+v", h)
	}
	Git(t, dir, "checkout", "-q", "--orphan", "empty")
	if h, err := r.Head(); !errors.Is(err, git.ErrNoCommits) || h.Branch != "refs/heads/empty" {
		t.Errorf("unborn: %+v, %v", h, err)
	}
}

func TestNotARepository(t *testing.T) {
	t.Parallel()
	if _, err := git.Open(t.TempDir()); !errors.Is(err, git.ErrNotRepo) {
		t.Errorf("err = %v", err)
	}
}

// A failing git command says which, and what git said.
func TestErrorCarriesStderr(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	r, _ := git.Open(dir)
	err := r.UpdateRefs("test", git.RefUpdate{Name: "refs/heads/main", New: strings.Repeat("1", 40), Old: strings.Repeat("2", 40)})
	var ge *git.Error
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "git update-ref") || ge.Stderr == "" {
		t.Errorf("err = %v", err)
	}
}
