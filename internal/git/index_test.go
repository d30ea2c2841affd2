package git_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/git"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// Flags tells apart the entries git add -N, --assume-unchanged and
// --skip-worktree made, whatever their names hold.
func TestFlags(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	for _, name := range []string{"plain", "hidden", "sparse", "new\nline", "planned"} {
		Write(t, dir, name, name+"\n")
	}
	Git(t, dir, "add", "plain", "hidden", "sparse", "new\nline")
	Git(t, dir, "commit", "-q", "-m", "files")
	Git(t, dir, "update-index", "--assume-unchanged", "hidden")
	Git(t, dir, "update-index", "--skip-worktree", "sparse", "new\nline")
	Git(t, dir, "add", "-N", "planned")
	r, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Flags(r.IndexFile)
	if err != nil {
		t.Fatal(err)
	}
	want := git.IndexFlags{AssumeUnchanged: []string{"hidden"}, SkipWorktree: []string{"new\nline", "sparse"}, IntentToAdd: []string{"planned"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Flags = %+v, want %+v", got, want)
	}
}

// HashFiles stores a file's own bytes, through no filter, and reads names
// that a line cannot hold.
func TestHashFilesKeepsBytes(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, ".gitattributes", "* text=auto\n")
	names := []string{"crlf.txt", "new\nline \"quoted\" back\\slash.txt", "\ttab"}
	for _, n := range names {
		Write(t, dir, n, "a\r\nb\r\n")
	}
	r, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := r.HashFiles(names)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if got := Git(t, dir, "cat-file", "blob", id); got != "a\r\nb\r\n" {
			t.Errorf("%q stored as %q", names[i], got)
		}
	}
	filtered, err := r.HashFilesFiltered(names[:1])
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(Git(t, dir, "hash-object", "crlf.txt")); filtered[0] != want || want == ids[0] {
		t.Errorf("filtered name %s, want %s (the raw one is %s)", filtered[0], want, ids[0])
	}
}

// A version 2 index (no extended flags) is read with ls-files -v, and a
// version 4 one with --debug: both tell the same.
func TestFlagsByIndexVersion(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"2", "4"} {
		dir := Init(t)
		Write(t, dir, "sub/.gitattributes", "* text=auto\n")
		Write(t, dir, "hidden", "hidden\n")
		Git(t, dir, "add", "-A")
		Git(t, dir, "commit", "-q", "-m", "files")
		Git(t, dir, "update-index", "--assume-unchanged", "hidden")
		Git(t, dir, "update-index", "--index-version", version)
		r, err := git.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Flags(r.IndexFile)
		want := git.IndexFlags{AssumeUnchanged: []string{"hidden"}, Attributes: true}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("version %s: Flags = %+v, %v; want %+v", version, got, err, want)
		}
	}
}

// Issue 7, point 8: an error about a lock file kept git's last line of
// advice ("remove the file manually to continue") and dropped the path.
func TestErrorNamesTheLockFile(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, ".git/index.lock", "")
	r, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = r.ReadTree(r.IndexFile, "HEAD")
	if err == nil || !strings.Contains(err.Error(), "index.lock': File exists") {
		t.Errorf("err = %v", err)
	}
}
