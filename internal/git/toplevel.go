// Package git is the one place maestro touches git. Everything that needs a
// repository goes through it, so the rules for running git (environment,
// locale, error reporting) live in one place.
package git

import (
	"os"
	"path/filepath"
	"strings"
)

// FindTopLevel returns the nearest directory at or above dir that holds a
// .git entry: a git directory, or a file in a linked worktree or submodule.
// It starts no git process: maestro run must stay cheap when it needs
// nothing else from git, and a stat or two per parent directory is all this
// takes. Like git, it walks up the physical path (a symbolic link in dir is
// resolved first) and climbs past a .git directory that is not a
// repository (one without HEAD, such as an empty one left by a copy).
func FindTopLevel(dir string) (string, bool) {
	dir, ok := physical(dir)
	if !ok {
		return "", false
	}
	return topLevelFrom(dir)
}

// physical is dir made absolute, its symbolic links resolved, as git walks
// up from it; false when the working directory cannot be found.
func physical(dir string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return dir, true
}

// Location is where work in a directory sits: FindTopLevel's and
// FindCommonDir's answers ("" for none), found from one resolution of the
// directory. maestro run needs both, for its configuration and its state.
type Location struct {
	TopLevel  string
	CommonDir string
}

// Locate is FindTopLevel and FindCommonDir of dir at once.
func Locate(dir string) Location {
	dir, ok := physical(dir)
	if !ok {
		return Location{}
	}
	var loc Location
	loc.TopLevel, _ = topLevelFrom(dir)
	loc.CommonDir, _ = commonDirFrom(dir)
	return loc
}

// topLevelFrom is FindTopLevel of a physical directory.
func topLevelFrom(dir string) (string, bool) {
	for {
		if info, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			if !info.IsDir() {
				return dir, true
			}
			if _, err := os.Stat(filepath.Join(dir, ".git", "HEAD")); err == nil {
				return dir, true
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// FindCommonDir returns the repository's common git directory for work in
// dir, without a git process, reading .git as git does: a directory, or a
// file naming the worktree's git directory, whose commondir file names the
// common one. In a bare repository, or anywhere inside a git directory,
// it is that directory, found as git's discovery finds it: a directory
// that is a git directory itself (core.bare plays no part in that). It
// reports false outside a repository, and when $GIT_DIR is set (then only
// git knows).
func FindCommonDir(dir string) (string, bool) {
	dir, ok := physical(dir)
	if !ok {
		return "", false
	}
	return commonDirFrom(dir)
}

// commonDirFrom is FindCommonDir of a physical directory.
func commonDirFrom(dir string) (string, bool) {
	if os.Getenv("GIT_DIR") != "" {
		return "", false
	}
	// As git's discovery does: at each level, .git first, then the
	// directory itself as a git directory.
	for {
		if common, ok, found := dotGitCommonDir(dir); found {
			return common, ok
		}
		if common, ok := gitDirCommonDir(dir); ok {
			return common, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// dotGitCommonDir returns the common git directory of the work tree top,
// from its .git entry; found says top has one that settles the search, as
// FindTopLevel recognises it (a .git folder without HEAD does not).
func dotGitCommonDir(top string) (common string, ok, found bool) {
	dotgit := filepath.Join(top, ".git")
	info, err := os.Stat(dotgit)
	if err != nil {
		return "", false, false
	}
	if info.IsDir() {
		if _, err := os.Stat(filepath.Join(dotgit, "HEAD")); err != nil {
			return "", false, false
		}
		return dotgit, true, true
	}
	data, err := os.ReadFile(dotgit)
	gitdir, isGitFile := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
	if err != nil || !isGitFile {
		return "", false, true
	}
	if !filepath.IsAbs(gitdir) {
		gitdir = filepath.Join(top, gitdir)
	}
	return commonDir(gitdir), true, true
}

// gitDirCommonDir returns the common git directory of dir when dir is a
// git directory itself (a bare repository, a .git folder, a linked
// worktree's git directory): HEAD, and objects and refs folders in its
// common directory, the checks of git's is_git_directory.
func gitDirCommonDir(dir string) (string, bool) {
	if info, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil || info.IsDir() {
		return "", false
	}
	common := commonDir(dir)
	for _, sub := range []string{"objects", "refs"} {
		if info, err := os.Stat(filepath.Join(common, sub)); err != nil || !info.IsDir() {
			return "", false
		}
	}
	return common, true
}

// commonDir follows gitdir's commondir file, when it has one.
func commonDir(gitdir string) string {
	common := gitdir
	if data, err := os.ReadFile(filepath.Join(gitdir, "commondir")); err == nil {
		c := strings.TrimSpace(string(data))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitdir, c)
		}
		common = c
	}
	return filepath.Clean(common)
}
