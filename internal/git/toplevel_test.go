package git_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/maestro-recovery/maestro/internal/git"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// The shortcut must land where git does in every layout .git can take: a
// directory, or a file naming a worktree's git directory (whose commondir
// names the shared one), a submodule's, or a separate one.
func TestFindCommonDirAgreesWithGit(t *testing.T) {
	t.Parallel()
	repo := Init(t)

	wt := filepath.Join(t.TempDir(), "wt")
	Git(t, repo, "worktree", "add", "-q", "-b", "feature", wt)
	// A worktree inside the main working tree: its own .git file is the
	// nearer one, and must win over the main .git directory above it.
	nested := filepath.Join(repo, "nested")
	Git(t, repo, "worktree", "add", "-q", "-b", "nested", nested)

	super := Init(t)
	Git(t, super, "-c", "protocol.file.allow=always", "submodule", "add", "-q", Init(t), "mod")

	base := t.TempDir()
	separate := filepath.Join(base, "work")
	Git(t, base, "init", "-q", "-b", "main", "--separate-git-dir", filepath.Join(base, "gitdir"), separate)

	for _, tc := range []struct{ name, dir string }{
		{"plain", repo},
		{"subdirectory", Mkdir(t, filepath.Join(repo, "a", "b"))},
		{"linked worktree", wt},
		{"linked worktree subdirectory", Mkdir(t, filepath.Join(wt, "a", "b"))},
		{"nested linked worktree", nested},
		{"submodule", filepath.Join(super, "mod")},
		{"submodule subdirectory", Mkdir(t, filepath.Join(super, "mod", "a"))},
		{"superproject", super},
		{"separate git dir", separate},
		{"separate git dir subdirectory", Mkdir(t, filepath.Join(separate, "a"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := git.FindCommonDir(tc.dir)
			if !ok {
				t.Fatalf("FindCommonDir(%s) reports no repository", tc.dir)
			}
			if got, want := Resolve(t, got), RevParsePath(t, tc.dir, "--git-common-dir"); got != want {
				t.Errorf("FindCommonDir(%s) = %s, git says %s", tc.dir, got, want)
			}
			top, ok := git.FindTopLevel(tc.dir)
			if !ok {
				t.Fatalf("FindTopLevel(%s) reports no repository", tc.dir)
			}
			if got, want := Resolve(t, top), RevParsePath(t, tc.dir, "--show-toplevel"); got != want {
				t.Errorf("FindTopLevel(%s) = %s, git says %s", tc.dir, got, want)
			}
		})
	}
}

// FindCommonDir takes a relative directory as the rest of maestro passes
// it: state.Dir(".").
func TestFindCommonDirRelative(t *testing.T) {
	repo := Init(t)
	t.Chdir(Mkdir(t, filepath.Join(repo, "sub")))
	for _, dir := range []string{".", "..", "../sub"} {
		got, ok := git.FindCommonDir(dir)
		if !ok {
			t.Errorf("FindCommonDir(%q) reports no repository", dir)
			continue
		}
		if got, want := Resolve(t, got), RevParsePath(t, repo, "--git-common-dir"); got != want {
			t.Errorf("FindCommonDir(%q) = %s, want %s", dir, got, want)
		}
	}
}

// git resolves the directory it starts in physically (getcwd), so a symlink
// into a working tree is inside the repository, though the parents of the
// link as written are not the repository's.
func TestFindCommonDirThroughSymlink(t *testing.T) {
	t.Parallel()
	repo := Init(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(Mkdir(t, filepath.Join(repo, "sub")), link); err != nil {
		t.Fatal(err)
	}
	want := RevParsePath(t, link, "--git-common-dir")
	got, ok := git.FindCommonDir(link)
	if !ok {
		t.Fatalf("FindCommonDir(%s) reports no repository, git finds %s", link, want)
	}
	if got := Resolve(t, got); got != want {
		t.Errorf("FindCommonDir(%s) = %s, git says %s", link, got, want)
	}
}

// git only stops at a .git directory that looks like a repository (HEAD,
// objects, refs) and climbs past any other, such as an empty one a copy
// left.
func TestFindCommonDirSkipsInvalidGitDir(t *testing.T) {
	t.Parallel()
	repo := Init(t)
	dir := Mkdir(t, filepath.Join(repo, "copied"))
	Mkdir(t, filepath.Join(dir, ".git"))
	want := RevParsePath(t, dir, "--git-common-dir")
	got, ok := git.FindCommonDir(dir)
	if !ok || Resolve(t, got) != want {
		t.Errorf("FindCommonDir(%s) = %s, %v; git says %s", dir, got, ok, want)
	}
}

func TestFindCommonDirOutsideRepository(t *testing.T) {
	t.Parallel()
	dir := Mkdir(t, filepath.Join(OutsideRepo(t), "a", "b"))
	if got, ok := git.FindCommonDir(dir); ok {
		t.Errorf("FindCommonDir(%s) = %s, true; want false", dir, got)
	}
	if got, ok := git.FindTopLevel(dir); ok {
		t.Errorf("FindTopLevel(%s) = %s, true; want false", dir, got)
	}
}

// With $GIT_DIR set the repository is wherever it points, and the working
// tree may be anywhere: reading .git would answer for the wrong one.
func TestFindCommonDirGitDirSet(t *testing.T) {
	repo := Init(t)
	outside := OutsideRepo(t)
	t.Setenv("GIT_DIR", filepath.Join(repo, ".git"))
	for _, dir := range []string{repo, outside} {
		if got, ok := git.FindCommonDir(dir); ok {
			t.Errorf("GIT_DIR set: FindCommonDir(%s) = %s, true; want false", dir, got)
		}
	}
}

// The other way round: a link inside a working tree that leads out of it is
// not in the repository, whatever the path as written says.
func TestFindCommonDirSymlinkOut(t *testing.T) {
	t.Parallel()
	repo := Init(t)
	elsewhere := Mkdir(t, filepath.Join(OutsideRepo(t), "elsewhere"))
	link := filepath.Join(repo, "link")
	if err := os.Symlink(elsewhere, link); err != nil {
		t.Fatal(err)
	}
	if got, ok := git.FindCommonDir(link); ok {
		t.Errorf("FindCommonDir(%s) = %s, true; git says it is not in a repository", link, got)
	}
}

// Issue 7, point 14b: a bare repository's questions went to the user's
// home, as if outside a repository. Inside a bare repository, or inside
// any git directory, the common dir is the one git finds there, whatever
// core.bare says.
func TestFindCommonDirBare(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	bare := filepath.Join(base, "bare.git")
	Git(t, base, "init", "-q", "--bare", bare)
	notBare := filepath.Join(base, "notbare.git")
	Git(t, base, "init", "-q", "--bare", notBare)
	Git(t, notBare, "config", "core.bare", "false")
	repo := Init(t)
	wt := filepath.Join(t.TempDir(), "wt")
	Git(t, repo, "worktree", "add", "-q", "-b", "feature", wt)
	wtGitDir := RevParsePath(t, wt, "--absolute-git-dir")
	for _, tc := range []struct{ name, dir string }{
		{"bare", bare},
		{"bare subdirectory", filepath.Join(bare, "refs", "heads")},
		{"bare with core.bare false", notBare},
		{"inside .git", filepath.Join(repo, ".git", "refs")},
		{"inside a linked worktree's git directory", wtGitDir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := git.FindCommonDir(tc.dir)
			if !ok {
				t.Fatalf("FindCommonDir(%s) reports no repository", tc.dir)
			}
			if got, want := Resolve(t, got), RevParsePath(t, tc.dir, "--git-common-dir"); got != want {
				t.Errorf("FindCommonDir(%s) = %s, git says %s", tc.dir, got, want)
			}
		})
	}
}

// Locate answers as FindTopLevel and FindCommonDir do, in every layout the
// tests above use: it only shares their resolution of the directory.
func TestLocateAgrees(t *testing.T) {
	repo := Init(t)
	wt := filepath.Join(t.TempDir(), "wt")
	Git(t, repo, "worktree", "add", "-q", "-b", "feature", wt)
	super := Init(t)
	Git(t, super, "-c", "protocol.file.allow=always", "submodule", "add", "-q", Init(t), "mod")
	base := t.TempDir()
	bare := filepath.Join(base, "bare.git")
	Git(t, base, "init", "-q", "--bare", bare)
	copied := Mkdir(t, filepath.Join(repo, "copied"))
	Mkdir(t, filepath.Join(copied, ".git"))
	elsewhere := Mkdir(t, filepath.Join(OutsideRepo(t), "elsewhere"))
	link := filepath.Join(repo, "link")
	if err := os.Symlink(elsewhere, link); err != nil {
		t.Fatal(err)
	}
	dirs := []string{repo, Mkdir(t, filepath.Join(repo, "a", "b")), wt, filepath.Join(super, "mod"), bare,
		filepath.Join(bare, "refs", "heads"), filepath.Join(repo, ".git", "refs"), copied, elsewhere, link, ".", "no/such/dir"}
	check := func(t *testing.T) {
		for _, dir := range dirs {
			top, _ := git.FindTopLevel(dir)
			common, _ := git.FindCommonDir(dir)
			if got, want := git.Locate(dir), (git.Location{TopLevel: top, CommonDir: common}); got != want {
				t.Errorf("Locate(%s) = %+v, FindTopLevel and FindCommonDir say %+v", dir, got, want)
			}
		}
	}
	check(t)
	t.Setenv("GIT_DIR", filepath.Join(repo, ".git"))
	check(t)
}
