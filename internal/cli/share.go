package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) shareCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:      "push",
			Usage:     "share checkpoints and their records through a git remote",
			UsageText: "maestro push [--dry-run] [--force] [--json] [REMOTE]",
			Description: `Pushes the checkpoints, records, events and states made here that REMOTE
(origin unless named) does not have. Snapshot commits hold the untracked
files of the tree they were made of: those whose content REMOTE does not
have yet are listed, and a push is refused, whole, when one matches
[share] never_push (.env, *.pem, *.key, id_rsa*, ...), unless --force.`,
			Flags: []ucli.Flag{
				&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "say what would be pushed, and push nothing"},
				&ucli.BoolFlag{Name: "force", Usage: "push untracked files that match [share] never_push"},
				jsonFlag, configFlag,
			},
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
	remote, from := "origin", "the default: maestro "+verb+" REMOTE names another"
	switch c.NArg() {
	case 0:
	case 1:
		remote, from = c.Args().First(), "given"
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
		return e.push(c, s, remote, from, fail)
	}
	s.Session = sessionID(c) // the session the fetch is recorded in, for maestro events
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

func (e *env) push(c *ucli.Context, s *checkpoint.Store, remote, from string, fail func(error) error) error {
	cfg, err := e.loadCatalog(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "maestro: remote %s (%s)\n", remote, from)
	res, err := s.Push(remote, checkpoint.PushOptions{DryRun: c.Bool("dry-run"), Force: c.Bool("force"), NeverPush: cfg.Share.NeverPush, Progress: os.Stderr})
	if res != nil && c.Bool("json") {
		if jerr := writeJSON(os.Stdout, res); jerr != nil && err == nil {
			err = jerr
		}
	}
	if err != nil {
		if res != nil && res.Refused && !c.Bool("json") {
			printPush(os.Stdout, res)
		}
		return fail(err)
	}
	if res.Forced {
		var names []string
		for _, f := range res.Untracked {
			if f.NeverPush != "" {
				names = append(names, textsafe.Visible(string(f.Path)))
			}
		}
		what := "pushed"
		if res.DryRun {
			what = "would push"
		}
		fmt.Fprintf(os.Stderr, "maestro: warning: --force: %s untracked files that match [share] never_push: %s\n", what, strings.Join(names, ", "))
	}
	if c.Bool("json") {
		return nil
	}
	printPush(os.Stdout, res)
	return nil
}

func printPush(w io.Writer, res *checkpoint.PushResult) {
	var kinds []string
	for _, k := range []string{"checkpoints", "records", "events", "states"} {
		if n := res.Counts[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, strings.TrimSuffix(k, "s")+plural(n)))
		}
	}
	switch {
	case res.Refused:
		fmt.Fprintf(w, "nothing pushed: %s lacks %d ref%s: %s (%d already there)\n", res.Remote, len(res.Refs), plural(len(res.Refs)), strings.Join(kinds, ", "), res.Same)
	case len(res.Refs) == 0:
		fmt.Fprintf(w, "%s has them all already: %d ref%s\n", res.Remote, res.Same, plural(res.Same))
	case res.DryRun:
		fmt.Fprintf(w, "would push %d ref%s to %s: %s (%d already there)\n", len(res.Refs), plural(len(res.Refs)), res.Remote, strings.Join(kinds, ", "), res.Same)
	default:
		fmt.Fprintf(w, "pushed %d ref%s to %s: %s (%d already there)\n", len(res.Refs), plural(len(res.Refs)), res.Remote, strings.Join(kinds, ", "), res.Same)
	}
	if len(res.Untracked) == 0 {
		return
	}
	fmt.Fprintf(w, "%d untracked file%s in snapshots, new to %s:\n", len(res.Untracked), plural(len(res.Untracked)), res.Remote)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range res.Untracked {
		var notes []string
		if f.Staged {
			notes = append(notes, "staged, never committed")
		}
		if f.NeverPush != "" {
			notes = append(notes, "never_push: "+f.NeverPush)
		}
		mark := ""
		if len(notes) > 0 {
			mark = "\t" + strings.Join(notes, "; ")
		}
		fmt.Fprintf(tw, "  %s\t%s%s\n", textsafe.Visible(string(f.Path)), strings.Join(f.In, ", "), mark)
	}
	tw.Flush()
}
