package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/hooks"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) hookCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:      "install",
			Usage:     "install the git hooks that make a checkpoint of each commit",
			UsageText: "git maestro install [--json]",
			Description: `Installs post-commit (a checkpoint of each commit) and post-rewrite (one
checkpoint when a rebase ends; post-commit skips the commits in the middle of
rebases and cherry-pick sequences). The hooks directory is git's own
(core.hooksPath, linked worktrees). A hook that was there is kept and still
runs after maestro's. Running it again changes nothing.`,
			Flags:        []ucli.Flag{jsonFlag},
			OnUsageError: commandUsageError("install"),
			Action:       func(c *ucli.Context) error { return e.installHooks(c, true) },
		},
		{
			Name:         "uninstall",
			Usage:        "remove maestro's git hooks, putting back the ones they replaced",
			UsageText:    "git maestro uninstall [--json]",
			Flags:        []ucli.Flag{jsonFlag},
			OnUsageError: commandUsageError("uninstall"),
			Action:       func(c *ucli.Context) error { return e.installHooks(c, false) },
		},
	}
}

func (e *env) installHooks(c *ucli.Context, install bool) error {
	cmd := "install"
	if !install {
		cmd = "uninstall"
	}
	if err := noArgs(c, cmd); err != nil {
		return err
	}
	s, err := openStore(cmd)
	if err != nil {
		return err
	}
	dir, err := hooks.Dir(s.Repo())
	if err != nil {
		return storeError(cmd, err)
	}
	var done []string
	if install {
		var program string
		if program, err = hookProgram(); err == nil {
			done, err = hooks.Install(dir, program)
		}
		if err == nil {
			// The hooks checkpoint the commits made from now on, not
			// those before; a reinstall keeps their place.
			err = s.StartHookOffset()
		}
	} else {
		done, err = hooks.Uninstall(dir)
		if err == nil {
			err = s.ClearHookOffset()
		}
	}
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, map[string]any{"hooks_dir": dir, "done": done})
	}
	for _, d := range done {
		fmt.Println(d)
	}
	return nil
}

// hookProgram is the full path the hooks run maestro by: this binary,
// under the name PATH finds it by when that is the same file (a stable
// name such as /usr/local/bin/maestro, rather than where a package
// manager keeps this version).
func hookProgram() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot tell where maestro is, for the hooks to run it: %w", err)
	}
	info, err := os.Stat(exe)
	if err != nil {
		return "", err
	}
	if p, err := exec.LookPath("maestro"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			if pi, err := os.Stat(abs); err == nil && os.SameFile(info, pi) {
				return abs, nil
			}
		}
	}
	return exe, nil
}

// Hook is what git runs for maestro's hooks, before and without the
// command line's parsing (main sends "maestro hook ..." here): it makes
// the checkpoints of the commits just made, then runs the hook it chains.
// args is the hook's path, as git gave it to the hook (the v2 hook: its
// first line is "#!MAESTRO hook", or a shell shim that execs the same),
// then git's arguments; or the hook's name (the v1 shim, which runs the
// chained hook itself). It never fails: what goes wrong is one warning
// line on stderr, and the commit stands. It never reads stdin, which is
// post-rewrite's list of rewritten commits, for the chained hook.
func Hook(args []string, defaultCatalog []byte) int {
	if len(args) == 0 {
		hookWarn("'maestro hook' needs the hook's name")
		return 0
	}
	path, name := args[0], filepath.Base(args[0])
	makeHookCheckpoints(name, args[1:], defaultCatalog)
	if path == name {
		return 0
	}
	chained := path + hooks.ChainedSuffix
	if info, err := os.Stat(chained); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return 0 // as git, and the v1 shim, skip one that cannot run
	}
	err := syscall.Exec(chained, append([]string{chained}, args[1:]...), os.Environ())
	fmt.Fprintf(os.Stderr, "maestro: warning: the hook maestro keeps at %s did not run: %s\n", textsafe.Visible(chained), textsafe.Visible(err.Error()))
	return 0
}

func hookWarn(format string, a ...any) {
	// What fails may quote a commit, a path or git's stderr.
	fmt.Fprintf(os.Stderr, "maestro: warning: no checkpoint of this commit: %s\n", textsafe.Visible(fmt.Sprintf(format, a...)))
}

// makeHookCheckpoints makes the checkpoints of the commits just made.
func makeHookCheckpoints(source string, args []string, defaultCatalog []byte) {
	switch {
	case source == "post-commit":
	case source == "post-rewrite" && len(args) > 0 && args[0] == "rebase":
	case source == "post-rewrite":
		return // an amend: post-commit has made its checkpoint
	default:
		hookWarn("unknown hook %q", source)
		return
	}
	// First of all, before HEAD can move on: where HEAD is, for when its
	// reflog cannot say which commits were made (files only, no git).
	s, err := checkpoint.OpenHook(".")
	if err != nil {
		hookWarn("%v", err)
		return
	}
	o := checkpoint.HookOptions{Source: source, Head: s.Repo().HeadFromFiles()}
	cfg, err := catalog.Load(catalog.Options{Default: defaultCatalog})
	if err != nil {
		hookWarn("%v", err)
		return
	}
	// The commits of a rebase or a cherry-pick sequence, made one by one,
	// are checkpointed once, when it ends (post-rewrite); with checkpoints
	// off, none is. Either way they are taken as seen, so that a later
	// hook does not catch them up.
	o.Skip = !cfg.Checkpoints.AutoOnCommit || source == "post-commit" && s.InSequence()
	// The session rule of every command, which reads files only.
	ch, err := sessionlog.Choose("", false, nil)
	if err != nil {
		printWarning(os.Stderr, "checkpoint in session default", err)
	}
	o.SessionID = ch.ID
	o.Phase, o.Type, o.DefaultType = os.Getenv("MAESTRO_PHASE"), os.Getenv("MAESTRO_CHECKPOINT_TYPE"), cfg.Checkpoints.DefaultType
	if _, err := s.CreateForCommits(o); err != nil {
		hookWarn("%s", strings.TrimSpace(err.Error()))
	}
}
