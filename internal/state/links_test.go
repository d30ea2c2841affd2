package state_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	. "github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/internal/state"
)

// wantLink checks that err refuses the link at path.
func wantLink(t *testing.T, what string, err error, path string) {
	t.Helper()
	var link *state.LinkError
	if !errors.As(err, &link) || link.Path != path {
		t.Errorf("%s = %v, want the link %s refused", what, err, path)
	}
}

// untouched checks that the folder a planted link points to holds what it
// held before.
func untouched(t *testing.T, dir string, want ...string) {
	t.Helper()
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Errorf("the link's target %s holds %q, want %q", dir, got, want)
	}
	for _, name := range want {
		if got := readFile(t, filepath.Join(dir, name)); got != "precious\n" {
			t.Errorf("%s/%s = %q, changed through the link", dir, name, got)
		}
	}
}

// elsewhere is a folder outside the state, with one file in it.
func elsewhere(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "log.jsonl"), []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// Issue 7, point 12: a symbolic link planted in .git/maestro/ was
// followed: a symlinked log.jsonl was appended to. Every function refuses
// a link at any level of the state, from the maestro folder down, naming
// it, and leaves the link's target alone.
func TestLinksInStateRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		link string // below the state directory
		file bool   // the link is to a file, not a folder
	}{
		{"log file", "sessions/s1/log.jsonl", true},
		{"session folder", "sessions/s1", false},
		{"sessions folder", "sessions", false},
		{"state folder itself", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := filepath.Join(Init(t), ".git", "maestro")
			target := elsewhere(t)
			link := filepath.Join(root, filepath.FromSlash(tc.link))
			if tc.file {
				symlink(t, filepath.Join(target, "log.jsonl"), link)
			} else {
				symlink(t, target, link)
			}
			log := filepath.Join(root, "sessions", "s1", "log.jsonl")
			wantLink(t, "Append", state.Append(log, map[string]int{"n": 1}), link)
			wantLink(t, "Read", state.Read(log, func([]byte) error { return nil }), link)
			_, err := state.ReadFile(log)
			wantLink(t, "ReadFile", err, link)
			wantLink(t, "WriteAtomic", state.WriteAtomic(log, []byte("x\n")), link)
			wantLink(t, "CreateExclusive", state.CreateExclusive(log, []byte("x\n")), link)
			_, err = state.Lock(log)
			wantLink(t, "Lock", err, link)
			if !tc.file {
				_, err = state.ReadDir(link)
				wantLink(t, "ReadDir", err, link)
				wantLink(t, "MkdirAll", state.MkdirAll(filepath.Join(link, "tmp")), link)
			}
			untouched(t, target, "log.jsonl")
			if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link %s is gone: %v", link, err)
			}
		})
	}
}

// The hint says what to do, with the path.
func TestLinkErrorHint(t *testing.T) {
	t.Parallel()
	err := &state.LinkError{Path: "/r/.git/maestro/it's"}
	want := `maestro never makes links there: remove it (rm '/r/.git/maestro/it'\''s') if you did not put it there`
	if got := err.Hints(); len(got) != 1 || got[0] != want {
		t.Errorf("Hints = %q, want %q", got, want)
	}
}

// A session may be named maestro: its folder is not taken for the state
// directory (which would leave the folders above it unchecked).
func TestLinkSessionNamedMaestro(t *testing.T) {
	t.Parallel()
	root := filepath.Join(Init(t), ".git", "maestro")
	log := filepath.Join(root, "sessions", "maestro", "log.jsonl")
	if err := state.Append(log, map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	target := elsewhere(t)
	if err := os.RemoveAll(filepath.Join(root, "sessions")); err != nil {
		t.Fatal(err)
	}
	symlink(t, target, filepath.Join(root, "sessions"))
	symlink(t, target, filepath.Join(target, "maestro"))
	wantLink(t, "Append", state.Append(log, map[string]int{"n": 2}), filepath.Join(root, "sessions"))
	if got := readFile(t, filepath.Join(target, "log.jsonl")); got != "precious\n" {
		t.Errorf("appended through the link: %q", got)
	}
}

// A linked worktree's own git directory holds maestro's per-worktree
// files (the checkpoint tmp folder): it is state too.
func TestLinksInWorktreeGitDir(t *testing.T) {
	t.Parallel()
	repo := Init(t)
	wt := filepath.Join(t.TempDir(), "wt")
	Git(t, repo, "worktree", "add", "-q", "-b", "feature", wt)
	gitDir := RevParsePath(t, wt, "--absolute-git-dir")
	target := elsewhere(t)
	link := filepath.Join(gitDir, "maestro", "tmp")
	symlink(t, target, link)
	wantLink(t, "MkdirAll", state.MkdirAll(link), link)
	untouched(t, target, "log.jsonl")
}

// Above the state, and outside it, links are the user's: a hooks folder or
// a report's folder may be one.
func TestLinksOutsideStateFollowed(t *testing.T) {
	t.Parallel()
	repo := Init(t)
	target := t.TempDir()
	symlink(t, target, filepath.Join(repo, "out", "maestro"))
	if err := state.WriteAtomic(filepath.Join(repo, "out", "maestro", "report.json"), []byte("{}\n")); err != nil {
		t.Errorf("WriteAtomic through a folder link outside the state: %v", err)
	}
	if got := readFile(t, filepath.Join(target, "report.json")); got != "{}\n" {
		t.Errorf("report = %q", got)
	}
}

// The state in the user's home: the maestro folder there is checked too.
// (Not parallel: it sets $XDG_STATE_HOME, which tells where that state is.)
func TestLinksInUserState(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_STATE_HOME", xdg)
	target := elsewhere(t)
	link := filepath.Join(xdg, "maestro")
	symlink(t, target, link)
	wantLink(t, "Append", state.Append(filepath.Join(link, "sessions", "s", "log.jsonl"), map[string]int{"n": 1}), link)
	untouched(t, target, "log.jsonl")
}
