package cli

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/ids"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) sessionCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:      "session",
			Usage:     "start a session of work, list them, or sum one up",
			UsageText: "maestro session start DESCRIPTION [--json]\nmaestro session show [--json] [ID]\nmaestro session list [--json]",
			Subcommands: []*ucli.Command{
				{
					Name:         "start",
					Usage:        "start a session and print its id, to use as MAESTRO_SESSION_ID",
					UsageText:    "maestro session start [--json] DESCRIPTION",
					Flags:        []ucli.Flag{jsonFlag},
					OnUsageError: commandUsageError("session start"),
					Action:       e.sessionStart,
				},
				{
					Name:         "show",
					Usage:        "sum a session up: runs, attempts, retries, failures by type, checkpoints, rollbacks, questions",
					UsageText:    "maestro session show [--json] [ID]",
					Flags:        []ucli.Flag{jsonFlag},
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
			},
			OnUsageError: commandUsageError("session"),
		},
		{
			Name:         "log",
			Usage:        "print a session's log: its runs, questions and answers",
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
	info, err := sessionlog.Start(dir, ids.New("s-", now), c.Args().First(), now)
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, info)
	}
	fmt.Println(info.ID)
	return nil
}

// sessionEntries reads the log of session id for the command cmd.
func sessionEntries(cmd, id string) ([]sessionlog.Entry, error) {
	if err := checkpoint.ValidateID("session id", id); err != nil {
		return nil, usageError(ExitUsage, cmd, err)
	}
	dir, err := stateDir()
	if err != nil {
		return nil, err
	}
	entries, err := sessionlog.Open(dir, id).Entries()
	if err != nil {
		return nil, &Error{Code: ExitFailed, Err: err}
	}
	return entries, nil
}

func (e *env) sessionShow(c *ucli.Context) error {
	var id string
	switch c.NArg() {
	case 0:
		id = sessionID(c)
	case 1:
		id = c.Args().First()
	default:
		return usageError(ExitUsage, "session show", fmt.Errorf("unexpected argument %q", c.Args().Get(1)))
	}
	entries, err := sessionEntries("session show", id)
	if err != nil {
		return err
	}
	st := sessionlog.Summarize(id, entries)
	// Checkpoints and rollbacks are in git, when there is a repository.
	if s, err := checkpoint.Open("."); err == nil {
		cat, err := s.Load()
		if err != nil {
			return storeError("session show", err)
		}
		st.Checkpoints = len(cat.Filter(id, ""))
		for _, ev := range cat.Events {
			if ev.SessionID != id {
				continue
			}
			switch ev.Type {
			case checkpoint.EventRollback:
				st.Rollbacks++
			case checkpoint.EventUndo:
				st.Undos++
			}
		}
	} else if !errors.Is(err, git.ErrNotRepo) {
		return storeError("session show", err)
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, st)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 1, ' ', 0)
	fmt.Fprintf(w, "session:\t%s\n", textsafe.Visible(st.SessionID))
	if st.Description != "" {
		fmt.Fprintf(w, "description:\t%s\n", textsafe.Visible(st.Description))
	}
	if st.StartedAt != nil {
		fmt.Fprintf(w, "started:\t%s\n", st.StartedAt.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "runs:\t%d (%d failed, %d passed after retries)\n", st.Runs, st.FailedRuns, st.FlakyPasses)
	fmt.Fprintf(w, "attempts:\t%d (%d retries)\n", st.Attempts, st.Retries)
	if len(st.FailuresByType) > 0 {
		keys := make([]string, 0, len(st.FailuresByType))
		for k := range st.FailuresByType {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", textsafe.Visible(k), st.FailuresByType[k])
		}
		fmt.Fprintf(w, "failed attempts:\t%s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "checkpoints:\t%d\n", st.Checkpoints)
	fmt.Fprintf(w, "rollbacks:\t%d (%d undone)\n", st.Rollbacks, st.Undos)
	fmt.Fprintf(w, "questions:\t%d asked, %d answered\n", st.QuestionsAsked, st.QuestionsAnswered)
	fmt.Fprintf(w, "error recoveries:\t%d\n", st.ErrorRecoveryCount)
	return w.Flush()
}

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
	if c.Bool("json") {
		if infos == nil {
			infos = []sessionlog.Info{}
		}
		return writeJSON(os.Stdout, infos)
	}
	if len(infos) == 0 {
		fmt.Fprintln(os.Stderr, "maestro: no sessions yet")
		return nil
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SESSION\tSTARTED\tDESCRIPTION")
	for _, i := range infos {
		started := "-"
		if !i.StartedAt.IsZero() {
			started = i.StartedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", textsafe.Visible(i.ID), started, dash(textsafe.Visible(i.Description)))
	}
	return w.Flush()
}

func (e *env) log(c *ucli.Context) error {
	if err := noArgs(c, "log"); err != nil {
		return err
	}
	entries, err := sessionEntries("log", sessionID(c))
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if entries == nil {
			entries = []sessionlog.Entry{}
		}
		return writeJSON(os.Stdout, entries)
	}
	// What the log holds (command lines, question text, options, messages)
	// is shown, never obeyed by the terminal.
	v := textsafe.Visible
	for _, en := range entries {
		t := en.Time.Format(time.RFC3339)
		switch {
		case en.Type == sessionlog.KindRun && en.Run != nil:
			r := en.Run
			fmt.Printf("%s  run       %s: %s after %d attempt%s (exit %d)\n", t, v(strings.Join(r.Command, " ")), v(r.Outcome), r.AttemptsMade, plural(r.AttemptsMade), r.ExitCode)
			for _, res := range r.Recovery {
				fmt.Printf("%s  recovery  %s: %s\n", t, v(res.StrategyUsed), v(res.Message))
			}
		case en.Type == sessionlog.KindQuestion && en.Human != nil:
			fmt.Printf("%s  question  %s: %s [%s]\n", t, v(en.Human.ID), v(en.Human.Issue), v(strings.Join(en.Human.Options, " | ")))
		case en.Type == sessionlog.KindAnswer && en.Human != nil:
			fmt.Printf("%s  answer    %s: %s (by %s)\n", t, v(en.Human.ID), v(en.Human.Option), v(en.Human.AnsweredBy))
		case en.Type == sessionlog.KindStart:
			fmt.Printf("%s  start     %s\n", t, v(en.Description))
		}
	}
	return nil
}
