package git_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/git"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

func TestIsBranchRef(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"refs/heads/main": true, "refs/heads/feature/x": true, "refs/heads/ünïcode": true,
		"": false, "main": false, "refs/heads/": false, "refs/tags/v1": false, "--output=x": false,
		"refs/heads/-x": false, "refs/heads/a..b": false, "refs/heads/.hidden": false, "refs/heads/a.lock": false,
		"refs/heads/a b": false, "refs/heads/a~1": false, "refs/heads/a^": false, "refs/heads/a:b": false,
		"refs/heads/a?": false, "refs/heads/a*": false, "refs/heads/a[": false, "refs/heads/a\\b": false,
		"refs/heads/a@{1}": false, "refs/heads/a//b": false, "refs/heads/a/": false, "refs/heads/a.": false,
		"refs/heads/a\x00b": false, "refs/heads/a\nb": false, "refs/heads/a\x1b": false,
	} {
		if got := git.IsBranchRef(s); got != want {
			t.Errorf("IsBranchRef(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsObjectID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		strings.Repeat("a", 40): true, strings.Repeat("0", 64): true,
		strings.Repeat("A", 40): false, strings.Repeat("a", 39): false, "HEAD": false, "--all": false,
		strings.Repeat("a", 38) + "^0": false,
	} {
		if got := git.IsObjectID(s); got != want {
			t.Errorf("IsObjectID(%q) = %v, want %v", s, got, want)
		}
	}
}

// Issue 7, point 13: values that reach git from users, records, events or
// remotes are never taken as options: SetHead and ResolveRef take only ref
// names, Fetch and Push no remote starting with '-'.
func TestNoOptionInjection(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	r, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "x")
	if err := r.SetHead("--output="+out, "test"); !errors.Is(err, git.ErrBadName) {
		t.Errorf("SetHead(--output=x): %v, want ErrBadName", err)
	}
	if _, err := r.ResolveRef("--output=" + out); !errors.Is(err, git.ErrBadName) {
		t.Errorf("ResolveRef(--output=x): %v, want ErrBadName", err)
	}
	pwned := filepath.Join(dir, "pwned")
	if err := r.Fetch("--upload-pack=touch "+pwned+"; git-upload-pack", []string{"refs/heads/*:refs/x/*"}, io.Discard); !errors.Is(err, git.ErrBadName) {
		t.Errorf("Fetch(--upload-pack=...): %v, want ErrBadName", err)
	}
	if err := r.Push("--receive-pack=touch "+pwned+"; git-receive-pack", []string{"refs/heads/main"}, io.Discard); !errors.Is(err, git.ErrBadName) {
		t.Errorf("Push(--receive-pack=...): %v, want ErrBadName", err)
	}
	for _, p := range []string{out, pwned} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	if sha, err := r.ResolveRef("refs/heads/main"); err != nil || !git.IsObjectID(sha) {
		t.Errorf("ResolveRef(refs/heads/main) = %q, %v", sha, err)
	}
	if err := r.SetHead("refs/heads/main", "test"); err != nil {
		t.Errorf("SetHead(refs/heads/main): %v", err)
	}
}

// HeadLog reads the entries after an offset, leaves a line being written
// for the next read, and starts at the last entry when the offset is not
// where the previous read stopped.
func TestHeadLog(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	r, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, end, err := r.HeadLog(-1, "", 1<<20) // where the next read starts
	if err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "commit", "-q", "--allow-empty", "-m", "two")
	Git(t, dir, "commit", "-q", "--allow-empty", "-m", "three")
	entries, next, err := r.HeadLog(end, "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Message != "commit: two" || entries[1].Message != "commit: three" {
		t.Fatalf("entries %+v, want commit: two and commit: three", entries)
	}
	if entries[1].New != strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD")) {
		t.Errorf("last entry's new %s is not HEAD", entries[1].New)
	}
	log := filepath.Join(dir, ".git", "logs", "HEAD")
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Repeat("a", 40) + " " + strings.Repeat("b", 40) + " half a line")
	f.Close()
	if entries, again, err := r.HeadLog(next, entries[1].New, 1<<20); err != nil || len(entries) != 0 || again != next {
		t.Errorf("with half a line written: %+v at %d, %v; want nothing, still at %d", entries, again, err, next)
	}
	if entries, _, err := r.HeadLog(next-3, "", 1<<20); err != nil || len(entries) != 1 || entries[0].Message != "commit: three" {
		t.Errorf("from the middle of an entry: %+v, %v; want the last entry", entries, err)
	}
	if entries, _, err := r.HeadLog(end, strings.Repeat("c", 40), 1<<20); err != nil || len(entries) != 1 || entries[0].Message != "commit: three" {
		t.Errorf("where the entry is not the one last seen (a rewritten reflog): %+v, %v; want the last entry", entries, err)
	}
	if entries, _, err := r.HeadLog(-1, "", 1<<20); err != nil || len(entries) != 1 || entries[0].Message != "commit: three" {
		t.Errorf("from no offset: %+v, %v; want the last entry", entries, err)
	}
}
