package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) pruneCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:      "prune",
			Usage:     "delete old checkpoints, keeping a record of what was pruned",
			UsageText: "maestro prune [--keep N] [--older-than DURATION] [--session-id ID] [--dry-run] [--json]",
			Description: `Without flags, the [checkpoints] policy of recovery.toml (keep the newest 200
of each session). Without --session-id, every session. The records of the
pruned checkpoints are kept in a prune event.`,
			Flags: []ucli.Flag{
				&ucli.StringFlag{Name: "session-id", Usage: "only session `ID` (default: every session)"},
				&ucli.StringFlag{Name: "keep", Usage: "keep the newest `N` of each session (0 keeps all)"},
				&ucli.StringFlag{Name: "older-than", Usage: "drop those older than `DURATION` (\"720h\")"},
				&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be pruned"},
				configFlag,
				jsonFlag,
			},
			OnUsageError: commandUsageError("prune"),
			Action:       e.prune,
		},
	}
}

func (e *env) prune(c *ucli.Context) error {
	if err := noArgs(c, "prune"); err != nil {
		return err
	}
	cfg, err := catalog.Load(catalog.Options{ConfigFlag: c.String("config"), Default: e.defaultCatalog})
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	o := checkpoint.PruneOptions{SessionID: c.String("session-id"), Keep: cfg.Checkpoints.Keep, OlderThan: cfg.Checkpoints.OlderThan, DryRun: c.Bool("dry-run")}
	if o.Keep == 0 {
		o.Keep = -1
	}
	if v := c.String("keep"); v != "" {
		n, err := parseCount(v)
		if err != nil {
			return usageError(ExitUsage, "prune", fmt.Errorf("--keep: %w", err))
		}
		o.Keep = n
		if n == 0 {
			o.Keep = -1
		}
	}
	if v := c.String("older-than"); v != "" {
		d, err := catalog.ParseDuration(v)
		if err != nil {
			return usageError(ExitUsage, "prune", fmt.Errorf("--older-than: %w", err))
		}
		o.OlderThan = d
	}
	s, err := openStore("prune")
	if err != nil {
		return err
	}
	pruned, err := s.Prune(o)
	if err != nil {
		return storeError("prune", err)
	}
	if c.Bool("json") {
		if pruned == nil {
			pruned = []checkpoint.Record{}
		}
		return writeJSON(os.Stdout, struct {
			DryRun bool                `json:"dry_run"`
			Pruned []checkpoint.Record `json:"pruned"`
		}{o.DryRun, pruned})
	}
	verb := "pruned"
	if o.DryRun {
		verb = "would prune"
	}
	fmt.Printf("%s %d checkpoint%s\n", verb, len(pruned), plural(len(pruned)))
	for _, r := range pruned {
		fmt.Printf("  %s %s %s\n", r.SessionID, r.CheckpointID, textsafe.Visible(oneLine(r.Description)))
	}
	return nil
}

func parseCount(s string) (int, error) {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != strings.TrimSpace(s) {
		return 0, fmt.Errorf("%q is not a whole number of at least 0", s)
	}
	return n, nil
}
