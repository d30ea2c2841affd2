package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/wrapper"
	ucli "github.com/urfave/cli/v2"
)

var jsonFlag = &ucli.BoolFlag{Name: "json", Usage: "print one JSON document"}

// configFlag is --config, for the commands that read the configuration.
var configFlag = &ucli.StringFlag{Name: "config", Usage: "read `FILE` first, before the other configuration files"}

// storeError maps what the checkpoint package returns to maestro's exit
// codes: an invalid id is a usage error, a refusal or a git failure a
// failed operation.
func storeError(cmd string, err error) error {
	if err == nil {
		return nil
	}
	var bad *checkpoint.InputError
	if errors.As(err, &bad) {
		return usageError(ExitUsage, cmd, err)
	}
	if errors.Is(err, git.ErrNotRepo) {
		return &Error{Code: ExitFailed, Err: err, Hint: []string{"run maestro " + cmd + " inside a git working tree"}}
	}
	return &Error{Code: ExitFailed, Err: err}
}

func openStore(cmd string) (*checkpoint.Store, error) {
	s, err := checkpoint.Open(".")
	return s, storeError(cmd, err)
}

func commandUsageError(cmd string) ucli.OnUsageErrorFunc {
	return func(_ *ucli.Context, err error, _ bool) error { return usageError(ExitUsage, cmd, flagError(err)) }
}

func (e *env) checkpointCommands() []*ucli.Command {
	return slices.Concat([]*ucli.Command{
		{
			Name:      "checkpoint",
			Usage:     "record the working tree as a checkpoint (a git ref), without touching it",
			UsageText: "maestro checkpoint [--session-id ID] [--description TEXT] [--phase P] [--type T] [--state KEY=VALUE]... [--state-file FILE.json] [--tag T]... [--json]",
			Description: `On a clean tree the checkpoint is HEAD. On a dirty tree it is a snapshot
commit (first parent HEAD) of the tracked changes and the untracked files
that are not ignored, made without touching the branch, the index or any
file. It prints the checkpoint's id.`,
			Flags: []ucli.Flag{
				sessionFlag(),
				&ucli.StringFlag{Name: "description", Aliases: []string{"d"}, Usage: "what the state is"},
				&ucli.StringFlag{Name: "phase", Usage: "the phase of the work it completes"},
				&ucli.StringFlag{Name: "type", Value: "manual", Usage: "phase_complete, task_group_complete, safe_state, pre_risky_operation, error_recovery or manual (any case)"},
				&ucli.StringSliceFlag{Name: "state", Usage: "`KEY=VALUE` to keep in state_snapshot (repeat it)"},
				&ucli.StringFlag{Name: "state-file", Usage: "a JSON object `FILE` to keep in state_snapshot (--state wins for a key in both)"},
				&ucli.StringSliceFlag{Name: "tag", Usage: "a tag (repeat it)"},
				jsonFlag,
			},
			OnUsageError: commandUsageError("checkpoint"),
			Action:       e.checkpoint,
		},
		{
			Name:      "list",
			Usage:     "list checkpoints, newest first",
			UsageText: "maestro list [--session-id ID | --all-sessions] [--remote REMOTE | --all-remotes] [--type T] [--json]",
			Description: `Lists the checkpoints made here. --remote and --all-remotes list instead
those 'maestro fetch' brought, with their origin, each named
REMOTE/SESSION/CHECKPOINT-ID: show, diff and rollback --checkpoint-id take
that name. A checkpoint dated more than 5 minutes ahead of this clock is
marked [future].`,
			Flags: []ucli.Flag{sessionFlag(), &ucli.BoolFlag{Name: "all-sessions", Usage: "every session's"},
				&ucli.StringFlag{Name: "remote", Usage: "the checkpoints fetched from `REMOTE`"},
				&ucli.BoolFlag{Name: "all-remotes", Usage: "the checkpoints fetched from every remote"},
				&ucli.StringFlag{Name: "type", Usage: "only this type"}, jsonFlag},
			OnUsageError: commandUsageError("list"),
			Action:       e.list,
		},
		{
			Name:         "show",
			Usage:        "show one checkpoint",
			UsageText:    "maestro show [--session-id ID] [--json] CHECKPOINT-ID | REMOTE/SESSION/CHECKPOINT-ID",
			Flags:        []ucli.Flag{sessionFlag(), jsonFlag},
			OnUsageError: commandUsageError("show"),
			Action:       e.show,
		},
		{
			Name:         "diff",
			Usage:        "show what changed since a checkpoint, untracked files included",
			UsageText:    "maestro diff [--session-id ID] [--json] CHECKPOINT-ID | REMOTE/SESSION/CHECKPOINT-ID",
			Flags:        []ucli.Flag{sessionFlag(), jsonFlag},
			OnUsageError: commandUsageError("diff"),
			Action:       e.diff,
		},
	}, e.rollbackCommands(), e.pruneCommands(), e.shareCommands())
}

func oneArg(c *ucli.Context, cmd, what string) (string, error) {
	switch c.NArg() {
	case 1:
		return c.Args().First(), nil
	case 0:
		return "", usageError(ExitUsage, cmd, fmt.Errorf("missing the %s", what))
	}
	return "", usageError(ExitUsage, cmd, fmt.Errorf("unexpected argument %q", c.Args().Get(1)))
}

func noArgs(c *ucli.Context, cmd string) error {
	if c.NArg() > 0 {
		return usageError(ExitUsage, cmd, fmt.Errorf("unexpected argument %q", c.Args().First()))
	}
	return nil
}

func (e *env) checkpoint(c *ucli.Context) error {
	if err := noArgs(c, "checkpoint"); err != nil {
		return err
	}
	state := map[string]any{}
	if f := c.String("state-file"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return &Error{Code: ExitFailed, Err: fmt.Errorf("--state-file: %w", err)}
		}
		if err := json.Unmarshal(data, &state); err != nil || state == nil {
			return usageError(ExitUsage, "checkpoint", fmt.Errorf("--state-file %s: not a JSON object", f))
		}
	}
	for _, kv := range c.StringSlice("state") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageError(ExitUsage, "checkpoint", fmt.Errorf("--state %q: write KEY=VALUE", kv))
		}
		state[k] = v
	}
	s, err := openStore("checkpoint")
	if err != nil {
		return err
	}
	rec, err := s.Create(checkpoint.CreateOptions{
		SessionID:   sessionID(c),
		Description: c.String("description"),
		Phase:       c.String("phase"),
		Type:        c.String("type"),
		State:       state,
		Tags:        c.StringSlice("tag"),
	})
	if err != nil {
		return storeError("checkpoint", err)
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, rec)
	}
	fmt.Println(rec.CheckpointID)
	return nil
}

func (e *env) list(c *ucli.Context) error {
	if err := noArgs(c, "list"); err != nil {
		return err
	}
	all := c.Bool("all-sessions")
	if all && c.IsSet("session-id") {
		return usageError(ExitUsage, "list", errors.New("--session-id and --all-sessions contradict each other"))
	}
	remote, fetched := c.String("remote"), c.Bool("all-remotes") || c.IsSet("remote")
	if c.Bool("all-remotes") && c.IsSet("remote") {
		return usageError(ExitUsage, "list", errors.New("--remote and --all-remotes contradict each other"))
	}
	if c.IsSet("remote") {
		if err := checkpoint.ValidateID("remote", remote); err != nil {
			return storeError("list", err)
		}
	}
	session := ""
	if !all {
		session = sessionID(c)
		if err := checkpoint.ValidateID("session id", session); err != nil {
			return storeError("list", err)
		}
		if err := checkSession("list", session, nil); err != nil {
			return err
		}
	}
	typ := ""
	if t := c.String("type"); t != "" {
		var err error
		if typ, err = checkpoint.ParseType(t); err != nil {
			return storeError("list", err)
		}
	}
	s, err := openStore("list")
	if err != nil {
		return err
	}
	cat, err := s.Load()
	if err != nil {
		return storeError("list", err)
	}
	recs := cat.Filter(session, typ)
	if fetched {
		recs = cat.FilterFetched(remote, session, typ)
	}
	if c.Bool("json") {
		if recs == nil {
			recs = []checkpoint.Record{}
		}
		return writeJSON(os.Stdout, recs)
	}
	if len(recs) == 0 {
		where := "session " + session
		if all {
			where = "any session"
		}
		switch {
		case fetched && remote != "":
			where += " fetched from " + remote
		case fetched:
			where += " fetched from any remote"
		}
		fmt.Fprintf(os.Stderr, "maestro: no checkpoints in %s\n", where)
		if n := len(cat.FilterFetched("", session, typ)); !fetched && n > 0 {
			fmt.Fprintf(os.Stderr, "maestro: hint: %d fetched from remotes: maestro list --all-remotes\n", n)
		}
		return nil
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	switch {
	case fetched:
		fmt.Fprint(w, "ORIGIN\t")
	case all:
		fmt.Fprint(w, "SESSION\t")
	}
	fmt.Fprintln(w, "CHECKPOINT\tTYPE\tPHASE\tROLLBACKS\tBRANCH\tDESCRIPTION")
	for _, r := range recs {
		switch {
		case fetched:
			fmt.Fprintf(w, "%s\t", r.Origin)
		case all:
			fmt.Fprintf(w, "%s\t", r.SessionID)
		}
		desc := dash(textsafe.Visible(oneLine(r.Description)))
		if r.Future {
			desc = "[future] " + desc
		}
		// A fetched checkpoint is shown by the name that takes it:
		// REMOTE/SESSION/ID.
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", r.Name(), textsafe.Visible(r.CheckpointType), textsafe.Visible(dash(r.Phase)), r.RollbackCount,
			textsafe.Visible(dash(strings.TrimPrefix(r.Branch, "refs/heads/"))), desc)
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine is the first line of s, at most 72 bytes, cut between runes.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 72 {
		cut := 71
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// find reads the checkpoint a command names: an id of the session made
// here, or REMOTE/SESSION/ID fetched from REMOTE.
func (e *env) find(c *ucli.Context, cmd string) (*checkpoint.Store, *checkpoint.Record, error) {
	name, err := oneArg(c, cmd, "checkpoint id")
	if err != nil {
		return nil, nil, err
	}
	session := sessionID(c)
	if err := checkpoint.ValidateID("session id", session); err != nil {
		return nil, nil, storeError(cmd, err)
	}
	if _, _, _, err := checkpoint.ParseName(name); err != nil {
		return nil, nil, storeError(cmd, err)
	}
	s, err := openStore(cmd)
	if err != nil {
		return nil, nil, err
	}
	cat, err := s.Load()
	if err != nil {
		return nil, nil, storeError(cmd, err)
	}
	rec, err := cat.Lookup(session, name)
	return s, rec, storeError(cmd, err)
}

// show prints a checkpoint. What the record and the commit say may come
// from anyone (a commit message, a fetched record): every value is shown
// with its control characters made visible.
func (e *env) show(c *ucli.Context) error {
	_, r, err := e.find(c, "show")
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, r)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 1, ' ', 0)
	fields := [][2]string{
		{"checkpoint_id", r.CheckpointID}, {"session_id", r.SessionID}, {"timestamp", r.Timestamp.Format(time.RFC3339)},
		{"checkpoint_type", r.CheckpointType}, {"phase", r.Phase}, {"description", r.Description},
		{"branch", r.Branch}, {"head_sha", r.HeadSHA}, {"commit_sha", r.CommitSHA},
		{"snapshot", fmt.Sprint(r.Snapshot)}, {"source", r.Source},
		{"rollback_count", fmt.Sprint(r.RollbackCount)}, {"rollback_used", fmt.Sprint(r.RollbackUsed)},
	}
	if r.Origin != "" {
		fields = append(fields, [2]string{"origin", r.Origin + " (fetched: roll back to it with --checkpoint-id " + r.Name() + ")"})
	}
	if r.Future {
		fields = append(fields, [2]string{"future", "true (dated more than 5 minutes ahead of this clock)"})
	}
	tags := make([]string, len(r.Tags))
	for i, t := range r.Tags {
		tags[i] = textsafe.Visible(t)
	}
	fields = append(fields, [2]string{"tags", strings.Join(tags, ", ")})
	for _, f := range fields {
		fmt.Fprintf(w, "%s:\t%s\n", f[0], textsafe.Visible(f[1]))
	}
	if len(r.StateSnapshot) > 0 {
		keys := make([]string, 0, len(r.StateSnapshot))
		for k := range r.StateSnapshot {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, _ := json.Marshal(r.StateSnapshot[k])
			fmt.Fprintf(w, "state.%s:\t%s\n", textsafe.Visible(k), textsafe.Visible(string(v)))
		}
	}
	if msg := strings.TrimSpace(r.CommitMessage); msg != "" {
		fmt.Fprintf(w, "commit_message:\t%s\n", strings.ReplaceAll(textsafe.VisibleLines(msg), "\n", "\n\t"))
	}
	return w.Flush()
}

func (e *env) diff(c *ucli.Context) error {
	s, r, err := e.find(c, "diff")
	if err != nil {
		return err
	}
	if c.Bool("json") {
		changes, err := s.Diff(r, nil)
		if err != nil {
			return storeError("diff", err)
		}
		out := struct {
			CheckpointID string       `json:"checkpoint_id"`
			Changes      []diffChange `json:"changes"`
		}{CheckpointID: r.CheckpointID, Changes: []diffChange{}}
		for _, ch := range changes {
			out.Changes = append(out.Changes, diffChange{Status: checkpoint.ChangeWord(ch.Status), Path: textsafe.Path(ch.Path)})
		}
		return writeJSON(os.Stdout, out)
	}
	_, err = s.Diff(r, &checkpoint.PatchTo{W: os.Stdout, Color: os.Getenv("NO_COLOR") == "" && wrapper.IsTerminal(os.Stdout)})
	return storeError("diff", err)
}

type diffChange struct {
	Status string        `json:"status"`
	Path   textsafe.Path `json:"path"` // byte for byte, even when not UTF-8
}

// recoveryResult is DESIGN.md's recovery result.
type recoveryResult struct {
	StrategyUsed string             `json:"strategy_used"`
	Success      bool               `json:"success"`
	Message      string             `json:"message"`
	Details      *checkpoint.Result `json:"details"`
	RecoveredAt  time.Time          `json:"recovered_at"`
}
