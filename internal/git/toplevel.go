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
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
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
// common one. It reports false outside a repository, and when $GIT_DIR is
// set (then only git knows).
func FindCommonDir(dir string) (string, bool) {
	if os.Getenv("GIT_DIR") != "" {
		return "", false
	}
	top, ok := FindTopLevel(dir)
	if !ok {
		return "", false
	}
	dotgit := filepath.Join(top, ".git")
	info, err := os.Stat(dotgit)
	if err != nil {
		return "", false
	}
	if info.IsDir() {
		return dotgit, true
	}
	data, err := os.ReadFile(dotgit)
	gitdir, found := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
	if err != nil || !found {
		return "", false
	}
	if !filepath.IsAbs(gitdir) {
		gitdir = filepath.Join(top, gitdir)
	}
	common := gitdir
	if data, err := os.ReadFile(filepath.Join(gitdir, "commondir")); err == nil {
		c := strings.TrimSpace(string(data))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitdir, c)
		}
		common = c
	}
	return filepath.Clean(common), true
}
