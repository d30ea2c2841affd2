// Package hooks installs, chains and uninstalls the git hooks that make a
// checkpoint of every commit. A hook is a small shell shim that calls back
// into maestro (as git-codereview's do); a hook that was there before is
// kept beside it and still runs; uninstalling puts it back byte for byte.
package hooks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/state"
)

// Names are the hooks maestro installs: post-commit checkpoints each
// commit; post-rewrite checkpoints the end of a rebase, whose commits
// post-commit skips.
var Names = []string{"post-commit", "post-rewrite"}

// marker identifies maestro's shim; the number is its version, for a later
// maestro to recognise and upgrade what an earlier one wrote.
const marker = "maestro-hook v1"

// chainedSuffix is the name a hook that was there before is kept under.
const chainedSuffix = ".maestro-chained"

// shim is the hook maestro writes. It never reads stdin (post-rewrite's
// list of rewritten commits goes to the chained hook untouched), never
// fails the commit, and says in one line why when there is no checkpoint.
func shim(name string) string {
	return `#!/bin/sh
# ` + marker + `: installed by 'git maestro install' to make a checkpoint of
# each commit; 'git maestro uninstall' puts back what was here before.
if command -v maestro >/dev/null 2>&1; then
	maestro hook ` + name + ` "$@" </dev/null ||
		echo "maestro: warning: no checkpoint of this commit: 'maestro hook ` + name + `' failed" >&2
else
	echo "maestro: warning: no checkpoint of this commit: maestro is not on PATH" >&2
fi
if [ -x "$0` + chainedSuffix + `" ]; then
	exec "$0` + chainedSuffix + `" "$@"
fi
exit 0
`
}

// Dir finds the hooks directory as git does: core.hooksPath, and the
// common directory of linked worktrees.
func Dir(r *git.Repo) (string, error) {
	return r.GitPath("hooks")
}

// Installed reports whether path is maestro's shim.
func Installed(path string) bool {
	data, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(data), marker)
}

// Install writes maestro's hooks into dir, keeping a hook that was there
// before under NAME.maestro-chained, where the shim runs it. Running it
// again changes nothing. It returns one line per hook saying what it did.
func Install(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var done []string
	for _, name := range Names {
		path := filepath.Join(dir, name)
		chained := path + chainedSuffix
		data, err := os.ReadFile(path)
		switch {
		case err == nil && string(data) == shim(name):
			done = append(done, name+": already installed")
			continue
		case err == nil && strings.Contains(string(data), marker):
			// An older shim of maestro's: replace it, keep what it chains.
		case err == nil:
			if _, err := os.Lstat(chained); err == nil {
				return done, fmt.Errorf("%s: both %s and %s exist, and the first is not maestro's: move one of them away, then install again", name, path, chained)
			}
			if err := os.Rename(path, chained); err != nil {
				return done, err
			}
			done = append(done, name+": kept the hook that was there as "+chained+"; it runs after maestro's")
		case errors.Is(err, os.ErrNotExist):
		default:
			return done, err
		}
		if err := writeFile(path, shim(name)); err != nil {
			return done, err
		}
		done = append(done, name+": installed "+path)
	}
	return done, nil
}

// Uninstall removes maestro's hooks from dir and puts back the hooks they
// chained. A hook that is not maestro's is left alone.
func Uninstall(dir string) ([]string, error) {
	var done []string
	for _, name := range Names {
		path := filepath.Join(dir, name)
		chained := path + chainedSuffix
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			done = append(done, name+": not installed")
			continue
		}
		if !Installed(path) {
			done = append(done, name+": "+path+" is not maestro's: left alone")
			continue
		}
		if err := os.Remove(path); err != nil {
			return done, err
		}
		if _, err := os.Lstat(chained); err == nil {
			if err := os.Rename(chained, path); err != nil {
				return done, err
			}
			done = append(done, name+": removed maestro's hook, put back the one that was there")
			continue
		}
		done = append(done, name+": removed "+path)
	}
	return done, nil
}

// writeFile writes an executable file atomically.
func writeFile(path, content string) error {
	return state.WriteAtomicMode(path, []byte(content), 0o755)
}
