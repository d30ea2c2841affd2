package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/hooks"
	"github.com/maestro-recovery/maestro/internal/textsafe"
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
		{
			Name:      "hook",
			Usage:     "what the installed git hooks run",
			UsageText: "maestro hook post-commit | maestro hook post-rewrite (amend|rebase)",
			Hidden:    true,
			// A hook never blocks or breaks a commit: every failure is one
			// warning line and exit 0.
			SkipFlagParsing: true,
			Action:          e.hook,
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
		done, err = hooks.Install(dir)
		if err == nil {
			// The hooks checkpoint the commits made from now on, not
			// those before.
			err = s.ResetHookOffset()
		}
	} else {
		done, err = hooks.Uninstall(dir)
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

// hook makes the checkpoints of the commits just made. It never fails:
// what goes wrong is one warning line on stderr, and the commit stands.
func (e *env) hook(c *ucli.Context) error {
	args := c.Args().Slice()
	warn := func(format string, a ...any) error {
		// What fails may quote a commit, a path or git's stderr.
		fmt.Fprintf(os.Stderr, "maestro: warning: no checkpoint of this commit: %s\n", textsafe.Visible(fmt.Sprintf(format, a...)))
		return nil
	}
	if len(args) == 0 {
		return warn("'maestro hook' needs the hook's name")
	}
	source := args[0]
	switch {
	case source == "post-commit":
	case source == "post-rewrite" && len(args) > 1 && args[1] == "rebase":
	case source == "post-rewrite":
		return nil // an amend: post-commit has made its checkpoint
	default:
		return warn("unknown hook %q", source)
	}
	// First of all, before HEAD can move on: where HEAD is, for when its
	// reflog cannot say which commits were made (files only, no git).
	s, err := checkpoint.OpenHook(".")
	if err != nil {
		return warn("%v", err)
	}
	o := checkpoint.HookOptions{Source: source, Head: s.Repo().HeadFromFiles()}
	cfg, err := catalog.Load(catalog.Options{Default: e.defaultCatalog})
	if err != nil {
		return warn("%v", err)
	}
	// The commits of a rebase or a cherry-pick sequence, made one by one,
	// are checkpointed once, when it ends (post-rewrite); with checkpoints
	// off, none is. Either way they are taken as seen, so that a later
	// hook does not catch them up.
	o.Skip = !cfg.Checkpoints.AutoOnCommit || source == "post-commit" && s.InSequence()
	o.SessionID = "default"
	if v := os.Getenv("MAESTRO_SESSION_ID"); v != "" {
		o.SessionID = v
	}
	o.Phase, o.Type, o.DefaultType = os.Getenv("MAESTRO_PHASE"), os.Getenv("MAESTRO_CHECKPOINT_TYPE"), cfg.Checkpoints.DefaultType
	if _, err := s.CreateForCommits(o); err != nil {
		return warn("%s", strings.TrimSpace(err.Error()))
	}
	return nil
}
