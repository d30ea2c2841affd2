// Package git is the one place maestro touches git. Everything that needs a
// repository goes through it, so the rules for running git (environment,
// locale, error reporting) live in one place.
package git

import (
	"os"
	"path/filepath"
)

// FindTopLevel returns the nearest directory at or above dir that holds a
// .git entry (a directory, or a file in a linked worktree or submodule).
// It starts no git process: maestro run must stay cheap when it needs
// nothing else from git, and a stat per parent directory is all this takes.
func FindTopLevel(dir string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
