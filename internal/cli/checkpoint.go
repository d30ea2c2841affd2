package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/wrapper"
	ucli "github.com/urfave/cli/v2"
)

// sessionFlag is --session-id: the flag, else $MAESTRO_SESSION_ID (when
// not empty), else "default".
func sessionFlag() *ucli.StringFlag {
	return &ucli.StringFlag{Name: "session-id", Usage: "the session (default: $MAESTRO_SESSION_ID, else \"default\")"}
}

func sessionID(c *ucli.Context) string {
	return sessionOr(c.String("session-id"), c.IsSet("session-id"))
}

// sessionOr is the session a command works in: flag when it was given,
// else $MAESTRO_SESSION_ID, else "default".
func sessionOr(flag string, given bool) string {
	if given {
		return flag
	}
	if s := os.Getenv("MAESTRO_SESSION_ID"); s != "" {
		return s
	}
	return "default"
}

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
	return []*ucli.Command{
		{
			Name:      "checkpoint",
			Usage:     "record the working tree as a checkpoint (a git ref), without touching it",
			UsageText: "maestro checkpoint [--session-id ID] --description TEXT [--phase P] [--type T] [--state KEY=VALUE]... [--state-file FILE.json] [--tag T]... [--json]",
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
		{
			Name:      "rollback",
			Usage:     "return the working tree, index and branch to a checkpoint, recording what was there",
			UsageText: "maestro rollback [--session-id ID] [--checkpoint-id CP] [--type T] [--dry-run] [--force] [--json]",
			Description: `Without --checkpoint-id, the newest checkpoint of the session (of the type
given by --type) made here, never a fetched one: a fetched checkpoint is taken
only by its full name, --checkpoint-id REMOTE/SESSION/CHECKPOINT-ID. Before it changes anything, the current state (HEAD, branch,
index, tracked changes, untracked files) is recorded, so 'git maestro undo'
can restore it byte for byte. Ignored files and nested repositories are never
touched. Refused in the middle of a merge, rebase, cherry-pick, revert or
bisect, and for a checkpoint made on another branch unless --force.`,
			Flags: []ucli.Flag{
				sessionFlag(),
				&ucli.StringFlag{Name: "checkpoint-id", Usage: "the checkpoint `CP`: an id of the session, or REMOTE/SESSION/ID for a fetched one"},
				&ucli.StringFlag{Name: "type", Usage: "the newest checkpoint of this type"},
				&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be restored, removed and left alone; change nothing"},
				&ucli.BoolFlag{Name: "force", Usage: "roll back to a checkpoint made on another branch (the current branch moves)"},
				jsonFlag,
			},
			OnUsageError: commandUsageError("rollback"),
			Action:       e.rollback,
		},
		{
			Name:      "undo",
			Usage:     "return to the state before the last rollback (or undo) of the session",
			UsageText: "maestro undo [--session-id ID] [--dry-run] [--force] [--json]",
			Flags: []ucli.Flag{
				sessionFlag(),
				&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would change; change nothing"},
				&ucli.BoolFlag{Name: "force", Usage: "undo even though HEAD moved since (what is there now is recorded first)"},
				jsonFlag,
			},
			OnUsageError: commandUsageError("undo"),
			Action:       e.undo,
		},
		{
			Name:      "prune",
			Usage:     "delete old checkpoints, keeping a record of what was pruned",
			UsageText: "maestro prune [--keep N] [--older-than DURATION] [--session-id ID] [--dry-run] [--json]",
			Description: `Without flags, the [checkpoints] policy of recovery.toml (keep the newest 200
of each session). Without --session-id, every session. The records of the
pruned checkpoints are kept in a prune event.`,
			Flags: []ucli.Flag{
				&ucli.StringFlag{Name: "session-id", Usage: "only this session (default: every session)"},
				&ucli.StringFlag{Name: "keep", Usage: "keep the newest `N` of each session (0 keeps all)"},
				&ucli.StringFlag{Name: "older-than", Usage: "drop those older than `DURATION` (\"720h\")"},
				&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be pruned"},
				configFlag,
				jsonFlag,
			},
			OnUsageError: commandUsageError("prune"),
			Action:       e.prune,
		},
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

func oneArg(c *ucli.Context, cmd, what string) (string, error) {
	switch c.NArg() {
	case 1:
		return c.Args().First(), nil
	case 0:
		return "", usageError(ExitUsage, cmd, fmt.Errorf("missing the %s", what))
	}
	extra := c.Args().Get(1)
	if strings.HasPrefix(extra, "-") {
		return "", usageError(ExitUsage, cmd, fmt.Errorf("flag %s after the %s: flags go before it", extra, what))
	}
	return "", usageError(ExitUsage, cmd, fmt.Errorf("unexpected argument %q", extra))
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
		desc := textsafe.Visible(oneLine(r.Description))
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
			out.Changes = append(out.Changes, diffChange{Status: statusWord(ch.Status), Path: textsafe.Path(ch.Path)})
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

func statusWord(s string) string {
	switch s {
	case "A":
		return "added"
	case "D":
		return "deleted"
	case "T":
		return "type_changed"
	}
	return "modified"
}

// recoveryResult is DESIGN.md's recovery result.
type recoveryResult struct {
	StrategyUsed string             `json:"strategy_used"`
	Success      bool               `json:"success"`
	Message      string             `json:"message"`
	Details      *checkpoint.Result `json:"details"`
	RecoveredAt  time.Time          `json:"recovered_at"`
}

func (e *env) rollback(c *ucli.Context) error {
	if err := noArgs(c, "rollback"); err != nil {
		return err
	}
	if c.String("checkpoint-id") != "" && c.String("type") != "" {
		return usageError(ExitUsage, "rollback", errors.New("--checkpoint-id and --type contradict each other"))
	}
	s, err := openStore("rollback")
	if err != nil {
		return err
	}
	session := sessionID(c)
	res, err := s.Rollback(checkpoint.RollbackOptions{
		SessionID:    session,
		CheckpointID: c.String("checkpoint-id"),
		Type:         c.String("type"),
		DryRun:       c.Bool("dry-run"),
		Force:        c.Bool("force"),
	})
	if err != nil {
		return storeError("rollback", err)
	}
	msg := "rolled back to " + whose(res.Checkpoint)
	if res.DryRun {
		msg = "would roll back to " + whose(res.Checkpoint)
	}
	if res.Checkpoint.Future {
		fmt.Fprintf(os.Stderr, "maestro: warning: checkpoint %s is dated %s, more than 5 minutes ahead of this clock: a wrong clock, or a forged record\n",
			res.Checkpoint.Name(), res.Checkpoint.Timestamp.Format(time.RFC3339))
	}
	return report(c, "rollback_to_checkpoint", msg, session, res)
}

// whose names a checkpoint and, for a fetched one, whose it is.
func whose(r *checkpoint.Record) string {
	if r.Origin == "" {
		return r.CheckpointID
	}
	return fmt.Sprintf("%s, a checkpoint of session %s fetched from %s", r.Name(), r.SessionID, r.Origin)
}

func (e *env) undo(c *ucli.Context) error {
	if err := noArgs(c, "undo"); err != nil {
		return err
	}
	s, err := openStore("undo")
	if err != nil {
		return err
	}
	session := sessionID(c)
	res, err := s.Undo(session, c.Bool("dry-run"), c.Bool("force"))
	if err != nil {
		return storeError("undo", err)
	}
	msg := "undid " + res.Undoes
	if res.DryRun {
		msg = "would undo " + res.Undoes
	}
	return report(c, "rollback_to_checkpoint", msg, session, res)
}

// report prints what a rollback or undo changed, and how to take it back.
func report(c *ucli.Context, strategy, msg, session string, res *checkpoint.Result) error {
	if c.Bool("json") {
		return writeJSON(os.Stdout, recoveryResult{StrategyUsed: strategy, Success: true, Message: msg, Details: res, RecoveredAt: time.Now().UTC()})
	}
	w := os.Stdout
	fmt.Fprintln(w, msg)
	verb := func(done, would string) string {
		if res.DryRun {
			return would
		}
		return done
	}
	switch {
	case res.BranchBefore != res.BranchAfter:
		fmt.Fprintf(w, "  HEAD %s from %s at %s to %s at %s\n", verb("moved", "would move"), headName(res.BranchBefore), short(res.HeadBefore), headName(res.BranchAfter), short(res.HeadAfter))
	case res.HeadBefore != res.HeadAfter:
		fmt.Fprintf(w, "  %s %s from %s to %s\n", headName(res.BranchBefore), verb("moved", "would move"), short(res.HeadBefore), short(res.HeadAfter))
	}
	if res.DryRun {
		printPaths(w, "would restore", res.Restored)
		printPaths(w, "would remove", res.Removed)
		printPaths(w, "left alone (ignored)", res.LeftAlone)
		return nil
	}
	fmt.Fprintf(w, "  restored %d file%s, removed %d; ignored files were left alone\n",
		len(res.Restored), plural(len(res.Restored)), len(res.Removed))
	fmt.Fprintf(w, "take it back with: git maestro undo --session-id %s\n", session)
	return nil
}

func printPaths(w io.Writer, what string, paths []string) {
	if len(paths) == 0 {
		fmt.Fprintf(w, "  %s: nothing\n", what)
		return
	}
	for _, p := range paths {
		fmt.Fprintf(w, "  %s: %s\n", what, textsafe.Visible(p))
	}
}

func headName(branch string) string {
	if branch == "" {
		return "detached HEAD"
	}
	// git allows bidi and other format characters in branch names.
	return textsafe.Visible(strings.TrimPrefix(branch, "refs/heads/"))
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
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
