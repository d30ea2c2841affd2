package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/maestro-recovery/maestro/checkpoint"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) shareCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:         "push",
			Usage:        "share checkpoints and their records through a git remote",
			UsageText:    "maestro push [--json] [REMOTE]",
			Flags:        []ucli.Flag{jsonFlag},
			OnUsageError: commandUsageError("push"),
			Action:       func(c *ucli.Context) error { return e.share(c, "push") },
		},
		{
			Name:         "fetch",
			Usage:        "get the checkpoints and records of a git remote; never overwrites a local one",
			UsageText:    "maestro fetch [--json] [REMOTE]",
			Flags:        []ucli.Flag{jsonFlag},
			OnUsageError: commandUsageError("fetch"),
			Action:       func(c *ucli.Context) error { return e.share(c, "fetch") },
		},
	}
}

func (e *env) share(c *ucli.Context, verb string) error {
	remote := "origin"
	switch c.NArg() {
	case 0:
	case 1:
		remote = c.Args().First()
	default:
		return usageError(ExitUsage, verb, fmt.Errorf("unexpected argument %q", c.Args().Get(1)))
	}
	// Before anything else: a remote that is not a plain name (say
	// --upload-pack=CMD) is a usage error and never reaches git.
	if err := checkpoint.ValidateID("remote", remote); err != nil {
		return storeError(verb, err)
	}
	s, err := openStore(verb)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		var refusal *checkpoint.Error
		if errors.As(err, &refusal) {
			return storeError(verb, err)
		}
		return &Error{Code: ExitFailed, Err: err, Hint: []string{"check the remote with git remote -v; maestro shares the refs " + checkpoint.RefRoot + "*"}}
	}
	if verb == "push" {
		if err := s.Push(remote, os.Stderr); err != nil {
			return fail(err)
		}
		if c.Bool("json") {
			return writeJSON(os.Stdout, map[string]any{"remote": remote, "refspecs": checkpoint.PushRefspecs()})
		}
		fmt.Printf("pushed checkpoints and records to %s\n", remote)
		return nil
	}
	res, err := s.Fetch(remote, os.Stderr)
	if err != nil {
		return fail(err)
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, res)
	}
	fmt.Printf("fetched from %s into %s: %d new, %d updated, %d already here\n", remote, res.Into, res.Added, res.Updated, res.Same)
	fmt.Printf("list them with: maestro list --remote %s --all-sessions\n", remote)
	return nil
}
