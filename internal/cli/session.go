package cli

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/ids"
	"github.com/maestro-recovery/maestro/internal/lazy"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) sessionCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:  "session",
			Usage: "start a session of work, switch between them, sum one up, prune old ones",
			UsageText: "maestro session start [--id ID] DESCRIPTION [--json]\nmaestro session switch ID\nmaestro session end\n" +
				"maestro session show [--json] [ID]\nmaestro session list [--json]\n" +
				"maestro session prune [--keep N] [--older-than DURATION] [--dry-run] [--json]",
			Subcommands: []*ucli.Command{
				{
					Name:         "start",
					Usage:        "start a session, make it the current one, and print its id",
					UsageText:    "maestro session start [--id ID] [--json] DESCRIPTION",
					Flags:        []ucli.Flag{&ucli.StringFlag{Name: "id", Usage: "the new session's `ID` (default: s-<time>-<random>)"}, jsonFlag},
					OnUsageError: commandUsageError("session start"),
					Action:       e.sessionStart,
				},
				{
					Name:         "switch",
					Usage:        "make an existing session the current one",
					UsageText:    "maestro session switch [--json] ID",
					Flags:        []ucli.Flag{jsonFlag},
					OnUsageError: commandUsageError("session switch"),
					Action:       e.sessionSwitch,
				},
				{
					Name:         "end",
					Usage:        "end the current session: commands go back to $MAESTRO_SESSION_ID, else default",
					UsageText:    "maestro session end [--json]",
					Flags:        []ucli.Flag{jsonFlag},
					OnUsageError: commandUsageError("session end"),
					Action:       e.sessionEnd,
				},
				{
					Name:         "show",
					Usage:        "sum a session up: runs, attempts, retries, failures by type, checkpoints, rollbacks, undos, redos, fetches, questions",
					UsageText:    "maestro session show [--json] [--session-id ID | ID]",
					Flags:        []ucli.Flag{sessionFlag(), jsonFlag},
					OnUsageError: commandUsageError("session show"),
					Action:       e.sessionShow,
				},
				{
					Name:         "list",
					Usage:        "list the sessions",
					UsageText:    "maestro session list [--json]",
					Flags:        []ucli.Flag{jsonFlag},
					OnUsageError: commandUsageError("session list"),
					Action:       e.sessionList,
				},
				{
					Name:      "prune",
					Usage:     "delete the logs of old sessions from the local state",
					UsageText: "maestro session prune [--keep N] [--older-than DURATION] [--dry-run] [--json]",
					Description: `Without flags, the [sessions] policy of recovery.toml (keep the logs of the
50 newest sessions). Never the current session, one with a question
waiting for an answer, or default. Checkpoints are left to 'maestro prune'.`,
					Flags: []ucli.Flag{
						&ucli.StringFlag{Name: "keep", Usage: "keep the logs of the newest `N` sessions (0 keeps all)"},
						&ucli.StringFlag{Name: "older-than", Usage: "drop the logs of sessions idle longer than `DURATION` (\"720h\")"},
						&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be pruned"},
						configFlag,
						jsonFlag,
					},
					OnUsageError: commandUsageError("session prune"),
					Action:       e.sessionPrune,
				},
			},
			OnUsageError: commandUsageError("session"),
		},
		{
			Name:         "log",
			Usage:        "print a session's log: runs, checkpoints, rollbacks, undos, redos, prunes, fetches, questions and answers",
			UsageText:    "maestro log [--session-id ID] [--json]",
			Flags:        []ucli.Flag{sessionFlag(), jsonFlag},
			OnUsageError: commandUsageError("log"),
			Action:       e.log,
		},
	}
}

func (e *env) sessionStart(c *ucli.Context) error {
	if c.NArg() != 1 || strings.TrimSpace(c.Args().First()) == "" {
		return usageError(ExitUsage, "session start", errors.New("give the session a description: maestro session start \"what the work is\""))
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	now := time.Now()
	id := ids.New("s-", now)
	if c.IsSet("id") {
		id = c.String("id")
		if err := checkpoint.ValidateID("session id", id); err != nil {
			return usageError(ExitUsage, "session start", err)
		}
	}
	info, err := sessionlog.Start(dir, id, c.Args().First(), now)
	if errors.Is(err, state.ErrExists) {
		return &Error{Code: ExitFailed, Err: fmt.Errorf("session %s was started already", id), Hint: []string{"'maestro session switch " + id + "' makes it the current one"}}
	}
	if err != nil {
		return &Error{Code: ExitFailed, Err: err, Hint: hintsOf(err)}
	}
	if err := sessionlog.SetCurrent(dir, info.ID); err != nil {
		return &Error{Code: ExitFailed, Err: fmt.Errorf("make %s the current session: %w", info.ID, err), Hint: hintsOf(err)}
	}
	e.autoPruneSessions(dir, info.ID)
	fmt.Fprintf(os.Stderr, "maestro: %s is now the current session ('maestro session end' leaves it)\n", info.ID)
	warnEnvOverrides(info.ID)
	if c.Bool("json") {
		return writeJSON(os.Stdout, info)
	}
	fmt.Println(info.ID)
	return nil
}

// autoPruneSessions prunes old sessions' logs by the [sessions] policy, as
// every session start does, so that they never pile up unseen. It is
// housekeeping: a problem is a warning, never the command's failure.
func (e *env) autoPruneSessions(dir, current string) {
	cfg, err := catalog.Load(catalog.Options{Default: e.defaultCatalog})
	if err != nil {
		printWarning(os.Stderr, "old sessions not pruned", err)
		return
	}
	o := sessionlog.PruneOptions{Keep: cfg.Sessions.Keep, OlderThan: cfg.Sessions.OlderThan, Current: current}
	if o.Keep == 0 && o.OlderThan == 0 {
		return
	}
	if _, err := sessionlog.Prune(dir, o); err != nil {
		printWarning(os.Stderr, "old sessions not pruned", err)
	}
}

// warnEnvOverrides says when $MAESTRO_SESSION_ID hides the current
// session: the user who just chose one would otherwise work in another.
func warnEnvOverrides(current string) {
	if env := os.Getenv("MAESTRO_SESSION_ID"); env != "" && env != current {
		fmt.Fprintf(os.Stderr, "maestro: warning: $MAESTRO_SESSION_ID (%s) comes before the current session: commands in this shell use it\n", textsafe.Visible(env))
		fmt.Fprintln(os.Stderr, "maestro: hint: unset MAESTRO_SESSION_ID")
	}
}

type currentJSON struct {
	SessionID string `json:"session_id"` // "" when none
	Previous  string `json:"previous"`   // "" when none
}

func (e *env) sessionSwitch(c *ucli.Context) error {
	id, err := oneArg(c, "session switch", "session id")
	if err != nil {
		return err
	}
	if err := checkSession("session switch", id, nil); err != nil {
		return err
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	prev, _ := sessionlog.Current(dir)
	if err := sessionlog.SetCurrent(dir, id); err != nil {
		return &Error{Code: ExitFailed, Err: fmt.Errorf("make %s the current session: %w", id, err), Hint: hintsOf(err)}
	}
	warnEnvOverrides(id)
	if c.Bool("json") {
		return writeJSON(os.Stdout, currentJSON{SessionID: id, Previous: prev})
	}
	fmt.Fprintf(os.Stderr, "maestro: %s is now the current session\n", id)
	return nil
}

func (e *env) sessionEnd(c *ucli.Context) error {
	if err := noArgs(c, "session end"); err != nil {
		return err
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	id, err := sessionlog.ClearCurrent(dir)
	var link *state.LinkError
	if errors.As(err, &link) {
		return &Error{Code: ExitFailed, Err: err, Hint: hintsOf(err)}
	}
	if err != nil && !errors.As(err, new(*sessionlog.CurrentError)) {
		return &Error{Code: ExitFailed, Err: err}
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, currentJSON{Previous: id})
	}
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "maestro: removed the current-session file, which held no usable id (%v)\n", errors.Unwrap(err))
	case id == "":
		fmt.Fprintln(os.Stderr, "maestro: no current session to end")
	default:
		next := sessionlog.Default
		if env := os.Getenv("MAESTRO_SESSION_ID"); env != "" {
			next = env + " ($MAESTRO_SESSION_ID)"
		}
		fmt.Fprintf(os.Stderr, "maestro: ended session %s; commands now use %s\n", id, textsafe.Visible(next))
	}
	return nil
}

// sessionEntries reads the log of session id for the command cmd.
func sessionEntries(id string) ([]sessionlog.Entry, error) {
	dir, err := stateDir()
	if err != nil {
		return nil, err
	}
	entries, err := sessionlog.Open(dir, id).Entries()
	if err != nil {
		return nil, &Error{Code: ExitFailed, Err: err, Hint: hintsOf(err)}
	}
	return entries, nil
}

func (e *env) sessionShow(c *ucli.Context) error {
	var ch sessionlog.Choice
	switch c.NArg() {
	case 0:
		var err error
		if ch, err = sessionChoice(c); err != nil {
			return err
		}
	case 1:
		if c.IsSet("session-id") {
			return usageError(ExitUsage, "session show", errors.New("give the session as ID or as --session-id, not both"))
		}
		ch = sessionlog.Choice{ID: c.Args().First(), ChosenBy: "argument"}
	default:
		return usageError(ExitUsage, "session show", fmt.Errorf("unexpected argument %q", c.Args().Get(1)))
	}
	id := ch.ID
	// Checkpoints and rollbacks are in git, when there is a repository.
	s, err := checkpoint.Open(".")
	if err != nil && !errors.Is(err, git.ErrNotRepo) {
		return storeError("session show", err)
	}
	if err := checkSession("session show", id, s); err != nil {
		return err
	}
	entries, err := sessionEntries(id)
	if err != nil {
		return err
	}
	st := sessionlog.Summarize(id, entries)
	st.ChosenBy = ch.ChosenBy
	if s != nil {
		cat, err := s.Load()
		if err != nil {
			return storeError("session show", err)
		}
		st.CountGit(cat)
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, st)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 1, ' ', 0)
	fmt.Fprintf(w, "session:\t%s\n", textsafe.Visible(st.SessionID))
	fmt.Fprintf(w, "chosen by:\t%s\n", chosenByText.Get()[st.ChosenBy])
	if st.Description != "" {
		fmt.Fprintf(w, "description:\t%s\n", textsafe.Visible(st.Description))
	}
	if st.StartedAt != nil {
		fmt.Fprintf(w, "started:\t%s\n", st.StartedAt.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "runs:\t%d (%d failed, %d passed after retries)\n", st.Runs, st.FailedRuns, st.FlakyPasses)
	fmt.Fprintf(w, "attempts:\t%d (%d retries)\n", st.Attempts, st.Retries)
	if st.FlakyTests > 0 {
		fmt.Fprintf(w, "flaky tests:\t%d ('maestro flaky --session-id %s' lists them)\n", st.FlakyTests, textsafe.Visible(st.SessionID))
	}
	if len(st.FailuresByType) > 0 {
		fmt.Fprintf(w, "failed attempts:\t%s\n", countsText(st.FailuresByType))
	}
	fmt.Fprintf(w, "checkpoints:\t%d\n", st.Checkpoints)
	fmt.Fprintf(w, "rollbacks:\t%d\n", st.Rollbacks)
	fmt.Fprintf(w, "undos:\t%d (%d taken back by redo)\n", st.Undos, st.Redos)
	fmt.Fprintf(w, "fetches:\t%d\n", st.Fetches)
	fmt.Fprintf(w, "questions:\t%d asked, %d answered\n", st.QuestionsAsked, st.QuestionsAnswered)
	fmt.Fprintf(w, "error recoveries:\t%d\n", st.ErrorRecoveryCount)
	if a := st.Agent; a != nil {
		fmt.Fprintf(w, "agent turns:\t%d\n", a.Turns)
		fmt.Fprintf(w, "risky commands:\t%d checkpointed, %d blocked\n", a.RiskyCheckpoints, a.Blocked)
		fmt.Fprintf(w, "failed commands:\t%d", a.ToolFailures)
		if len(a.FailuresByType) > 0 {
			fmt.Fprintf(w, " (%s)", countsText(a.FailuresByType))
		}
		fmt.Fprintln(w)
	}
	return w.Flush()
}

// chosenByText says, for session show, which rule chose the session.
// Built on first use: a map literal is built at every start of maestro.
var chosenByText = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"argument":           "the argument",
		sessionlog.ByFlag:    "--session-id",
		sessionlog.ByEnv:     "$MAESTRO_SESSION_ID",
		sessionlog.ByCurrent: "the current session (maestro session start/switch)",
		sessionlog.ByDefault: "default: no --session-id, $MAESTRO_SESSION_ID or current session",
	}
}}

// countsText is "a 2, b 1": counts by name, names in order, shown safe.
func countsText(m map[string]int) string { return sessionlog.CountsText(m, textsafe.Visible) }

func (e *env) sessionList(c *ucli.Context) error {
	if err := noArgs(c, "session list"); err != nil {
		return err
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	infos, err := sessionlog.List(dir)
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	// Sessions that only made checkpoints are in git alone.
	if s, err := checkpoint.Open("."); err == nil {
		if cat, err := s.Load(); err == nil {
			have := map[string]bool{}
			for _, i := range infos {
				have[i.ID] = true
			}
			for _, r := range cat.Records {
				if !have[r.SessionID] {
					have[r.SessionID] = true
					infos = append(infos, sessionlog.Info{ID: r.SessionID})
				}
			}
			sort.Slice(infos, func(i, j int) bool { return infos[i].ID < infos[j].ID })
		}
	}
	// Marked, not chosen: an unusable current-session file is for the
	// commands that use it to report.
	current, _ := sessionlog.Current(dir)
	if c.Bool("json") {
		type listed struct {
			sessionlog.Info
			// null, as in session show, for a session without a start
			// record, rather than Go's zero time.
			StartedAt *time.Time `json:"started_at"`
			Current   bool       `json:"current"`
		}
		out := make([]listed, len(infos))
		for n, i := range infos {
			out[n] = listed{Info: i, Current: i.ID == current}
			if !i.StartedAt.IsZero() {
				out[n].StartedAt = &infos[n].StartedAt
			}
		}
		return writeJSON(os.Stdout, out)
	}
	if len(infos) == 0 {
		fmt.Fprintln(os.Stderr, "maestro: no sessions yet")
		return nil
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  SESSION\tSTARTED\tDESCRIPTION")
	for _, i := range infos {
		started := "-"
		if !i.StartedAt.IsZero() {
			started = i.StartedAt.Format(time.RFC3339)
		}
		mark := "  "
		if i.ID == current {
			mark = "* " // the current session, as git branch marks the current branch
		}
		fmt.Fprintf(w, "%s%s\t%s\t%s\n", mark, textsafe.Visible(i.ID), started, dash(textsafe.Visible(i.Description)))
	}
	return w.Flush()
}

func (e *env) sessionPrune(c *ucli.Context) error {
	if err := noArgs(c, "session prune"); err != nil {
		return err
	}
	cfg, err := catalog.Load(catalog.Options{ConfigFlag: c.String("config"), Default: e.defaultCatalog})
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	o := sessionlog.PruneOptions{Keep: cfg.Sessions.Keep, OlderThan: cfg.Sessions.OlderThan, DryRun: c.Bool("dry-run")}
	if v := c.String("keep"); v != "" {
		if o.Keep, err = parseCount(v); err != nil {
			return usageError(ExitUsage, "session prune", fmt.Errorf("--keep: %w", err))
		}
	}
	if v := c.String("older-than"); v != "" {
		if o.OlderThan, err = catalog.ParseDuration(v); err != nil {
			return usageError(ExitUsage, "session prune", fmt.Errorf("--older-than: %w", err))
		}
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	// The current session is never pruned, even an unusable file's: no
	// choice of one is made here.
	o.Current, _ = sessionlog.Current(dir)
	res, err := sessionlog.Prune(dir, o)
	if err != nil {
		return &Error{Code: ExitFailed, Err: err, Hint: hintsOf(err)}
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, res)
	}
	verb := "pruned"
	if res.DryRun {
		verb = "would prune"
	}
	for _, p := range res.Pruned {
		why := "past the newest " + fmt.Sprint(o.Keep)
		if p.Reason == "older_than" {
			why = "idle for more than " + catalog.FormatDuration(o.OlderThan)
		}
		fmt.Printf("%s %s  last active %s, %s  %s\n", verb, textsafe.Visible(p.SessionID), p.LastActive.Format(time.RFC3339), why, dash(textsafe.Visible(p.Description)))
	}
	fmt.Fprintf(os.Stderr, "maestro: %s the logs of %d session%s, kept %d\n", verb, len(res.Pruned), plural(len(res.Pruned)), res.Kept)
	return nil
}
