package git_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/git"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// AddedFiles reads diff-tree --stdin's output for any path: one that
// starts with ':' or looks like an object name, holds a newline, or is
// in a pair with no change, between pairs that have some.
func TestAddedFilesOddPaths(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	r, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree := func() string {
		Git(t, dir, "add", "-A")
		return strings.TrimSpace(Git(t, dir, "write-tree"))
	}
	t0 := tree()
	odd := []string{":colon", strings.Repeat("a", 40) + " " + strings.Repeat("b", 40), "new\nline", "sub/dir/.env"}
	for _, p := range odd {
		Write(t, dir, p, "x\n")
	}
	t1 := tree()
	got, err := r.AddedFiles([][2]string{{t0, t1}, {t1, t1}, {t0, t0}, {t1, t0}, {t0, t1}})
	if err != nil {
		t.Fatal(err)
	}
	paths := func(cs []git.Change) []string {
		var ps []string
		for _, c := range cs {
			ps = append(ps, c.Path)
		}
		slices.Sort(ps)
		return ps
	}
	want := slices.Sorted(slices.Values(odd))
	if len(got) != 5 || !slices.Equal(paths(got[0]), want) || len(got[1]) != 0 || len(got[2]) != 0 || len(got[3]) != 0 || !slices.Equal(paths(got[4]), want) {
		t.Errorf("AddedFiles = %q", got)
	}
}

// What a remote advertises is read, and bounded; its refs are listed as
// they are named there.
func TestRemoteRefs(t *testing.T) {
	t.Parallel()
	remote := t.TempDir()
	Git(t, remote, "init", "-q", "--bare", "-b", "main")
	dir := Init(t)
	Git(t, dir, "remote", "add", "origin", remote)
	Git(t, dir, "push", "-q", "origin", "main", "main:refs/maestro/checkpoints/s/cp-1")
	r, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := r.RemoteRefs("origin")
	if err != nil {
		t.Fatal(err)
	}
	head := strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
	if len(refs) != 2 || refs[0].Name != "refs/heads/main" || refs[1].Name != "refs/maestro/checkpoints/s/cp-1" || refs[0].Object != head {
		t.Errorf("RemoteRefs = %+v", refs)
	}
	if _, err := r.RemoteRefs("--upload-pack=true"); err == nil {
		t.Error("a remote that reads as an option was run")
	}
}
