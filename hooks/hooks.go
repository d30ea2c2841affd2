// Package hooks installs, chains and uninstalls the git hooks that make a
// checkpoint of every commit. A hook that was there before is kept beside
// maestro's and still runs; uninstalling puts it back byte for byte.
//
// The hook runs on every commit, so it is maestro itself, without a shell
// in between: a file whose first line is "#!/path/to/maestro hook", which
// the kernel runs as "maestro hook HOOK-PATH ARGS..." (maestro then runs
// the kept hook, with the same arguments and stdin). When a hook is kept,
// or maestro's path cannot be a "#!" line (spaces, too long), it is a
// shell shim instead, so that the kept hook still runs, and a line says
// why there is no checkpoint, when maestro is no longer where it was.
package hooks

import (
	"errors"
	"fmt"
	"io"
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

// markerPrefix identifies a hook maestro wrote; the number after it is its
// version, for a later maestro to recognise and upgrade what an earlier
// one wrote. v1 was a shell shim calling maestro from PATH; v2 (Version)
// runs maestro by its full path.
const (
	markerPrefix = "maestro-hook v"
	Version      = 2
	marker       = "maestro-hook v2"
)

// ChainedSuffix is the name a hook that was there before is kept under.
const ChainedSuffix = ".maestro-chained"

// maxShebang bounds the "#!" line: Linux before 5.1 reads 127 bytes of it.
const maxShebang = 127

// Hook is the hook maestro writes for name, running program (maestro's
// full path). chained says a hook that was there is kept beside it.
func Hook(name, program string, chained bool) string {
	const about = "installed by 'git maestro install' to make a checkpoint of\n# each commit; 'git maestro uninstall' puts back what was here before.\n"
	line := "#!" + program + " hook"
	if !chained && len(line) <= maxShebang && filepath.IsAbs(program) && !strings.ContainsFunc(program, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return line + "\n# " + marker + ": " + about
	}
	// It never reads stdin (post-rewrite's list of rewritten commits goes
	// to the chained hook untouched), never fails the commit.
	return `#!/bin/sh
# ` + marker + `: ` + about + `m=` + shellQuote(program) + `
if [ -x "$m" ]; then
	exec "$m" hook "$0" "$@"
fi
echo "maestro: warning: no checkpoint of this commit: $m is not there any more: run 'git maestro install' again, or 'git maestro uninstall'" >&2
if [ -x "$0` + ChainedSuffix + `" ]; then
	exec "$0` + ChainedSuffix + `" "$@"
fi
exit 0
`
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Dir finds the hooks directory as git does: core.hooksPath, and the
// common directory of linked worktrees.
func Dir(r *git.Repo) (string, error) {
	return r.GitPath("hooks")
}

// Installed reports whether path is a hook maestro wrote, of any version.
func Installed(path string) bool {
	v, _ := InstalledVersion(path)
	return v > 0
}

// InstalledVersion returns the version of maestro's hook at path, and the
// program it runs ("" for v1, which ran maestro from PATH); 0 when it is
// not maestro's or cannot be read.
func InstalledVersion(path string) (int, string) {
	data, err := readHook(path, 4096)
	if err != nil {
		return 0, ""
	}
	text := string(data)
	i := strings.Index(text, markerPrefix)
	if i < 0 {
		return 0, ""
	}
	v := 0
	for _, c := range text[i+len(markerPrefix):] {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int(c-'0')
	}
	program := ""
	if rest, ok := strings.CutPrefix(text, "#!"); ok && !strings.HasPrefix(rest, "/bin/sh") {
		program, _, _ = strings.Cut(rest, " hook\n")
	} else if _, rest, ok := strings.Cut(text, "\nm='"); ok {
		program, _, _ = strings.Cut(rest, "'\n")
	}
	return v, program
}

// Install writes maestro's hooks into dir, running program, keeping a hook
// that was there before under NAME.maestro-chained, where maestro's runs
// it. A hook of an earlier version, or running maestro from elsewhere, is
// replaced. Running it again changes nothing. It returns one line per hook
// saying what it did.
func Install(dir, program string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var done []string
	for _, name := range Names {
		path := filepath.Join(dir, name)
		chained := path + ChainedSuffix
		_, cerr := os.Lstat(chained)
		hasChained := cerr == nil
		data, err := readHook(path, 1<<20)
		what := "installed " + path
		switch {
		case err == nil && string(data) == Hook(name, program, hasChained):
			done = append(done, name+": already installed")
			continue
		case err == nil && Installed(path):
			// An earlier hook of maestro's: replace it, keep what it chains.
			what = "updated " + path
		case err == nil:
			if hasChained {
				return done, fmt.Errorf("%s: both %s and %s exist, and the first is not maestro's: move one of them away, then install again", name, path, chained)
			}
			if err := os.Rename(path, chained); err != nil {
				return done, err
			}
			hasChained = true
			done = append(done, name+": kept the hook that was there as "+chained+"; it runs after maestro's")
		case errors.Is(err, os.ErrNotExist):
		default:
			return done, err
		}
		if err := writeFile(path, Hook(name, program, hasChained)); err != nil {
			return done, err
		}
		done = append(done, name+": "+what)
	}
	return done, nil
}

// Uninstall removes maestro's hooks from dir and puts back the hooks they
// chained. A hook that is not maestro's is left alone.
func Uninstall(dir string) ([]string, error) {
	var done []string
	for _, name := range Names {
		path := filepath.Join(dir, name)
		chained := path + ChainedSuffix
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

// readHook reads at most max bytes of the hook at path, following a link
// as git does. What is not a regular file (a named pipe would hold the
// read for ever) reads as empty: not maestro's.
func readHook(path string, max int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		if _, lerr := os.Lstat(path); lerr == nil {
			return nil, nil // a link to nothing: there, and not maestro's
		}
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max))
}

// writeFile writes an executable file atomically.
func writeFile(path, content string) error {
	return state.WriteAtomicMode(path, []byte(content), 0o755)
}
