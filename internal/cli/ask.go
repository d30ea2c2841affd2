package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/ids"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/notify"
	sessionlog "github.com/maestro-recovery/maestro/session"
	ucli "github.com/urfave/cli/v2"
)

// Exit codes of maestro ask, beyond 0 (answered, by a person, the default or
// a timeout's default), 1 (failed) and 2 (usage).
const (
	ExitDeferred    = 3 // recorded to be answered later: the id is printed
	ExitAskTimedOut = 4 // nobody answered in time, and there is no default
	ExitNoHuman     = 5 // nobody can answer here, and the policy is to fail
)

// poll is how often maestro ask --wait looks for the answer.
const poll = 200 * time.Millisecond

func (e *env) askCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:  "ask",
			Usage: "ask a person a question with options, on the terminal or later; never hangs an unattended run",
			UsageText: "maestro ask --issue TEXT --option A --option B ... [--default A] [--require-justification] [--timeout D] [--no-tty default|fail|defer] [--remote REMOTE] [--json]\n" +
				"maestro ask --prompt NAME [...]\nmaestro ask --wait ID [--timeout D] [--json]",
			Description: `On a terminal (the controlling one, so it works inside pipelines) it shows a
numbered menu and reads the number or the option's text, asking again after an
invalid answer, then a justification when one is required. It prints the
chosen option. With no terminal, or $CI set, --no-tty decides at once: default
(the default when there is one), fail, or defer (record the question, print
its id; 'maestro answer' answers it, 'maestro ask --wait' waits for it); so
does Ctrl-D at the prompt. A timeout gives the default. A deferred question
with --remote (or [escalate] remote) is pushed to that git remote too, where
'maestro questions --remote' in any clone finds it. Exit codes: 0
answered, 3 deferred, 4 timed out without a default, 5 nobody can answer, 1
failed, 2 usage.`,
			Flags: []ucli.Flag{
				sessionFlag(),
				&ucli.StringFlag{Name: "issue", Usage: "the question"},
				&ucli.StringSliceFlag{Name: "option", Usage: "an answer to choose (repeat it, at least twice)"},
				&ucli.StringFlag{Name: "default", Usage: "the answer when nobody gives one in time, or nobody can"},
				&ucli.BoolFlag{Name: "require-justification", Usage: "ask why, after the choice"},
				&ucli.StringFlag{Name: "timeout", Usage: "give the default after `DURATION`"},
				&ucli.StringFlag{Name: "prompt", Usage: "take issue, options, default, justification and timeout from [prompts.`NAME`] of recovery.toml"},
				&ucli.StringFlag{Name: "no-tty", Usage: "without a terminal, `POLICY`: default, fail or defer (default: default when there is a default, else fail)"},
				&ucli.StringFlag{Name: "wait", Usage: "wait for the answer to the deferred question `ID`"},
				&ucli.StringFlag{Name: "remote", Usage: "push a deferred question to the git remote `REMOTE`, for any clone to answer (default: [escalate] remote; \"\" keeps it here)"},
				configFlag,
				jsonFlag,
			},
			OnUsageError: commandUsageError("ask"),
			Action:       e.ask,
		},
		{
			Name:        "questions",
			Usage:       "list the questions that wait for an answer",
			UsageText:   "maestro questions [--session-id ID] [--remote REMOTE] [--json] [ID...]",
			Description: "Without an ID, the open questions: those asked here and those fetched from remotes before. With IDs (each the id, or the start of it or of its random suffix), those questions, answered or not. --remote first fetches the questions and answers of a git remote.",
			Flags: []ucli.Flag{&ucli.StringFlag{Name: "session-id", Usage: "only the questions of session `ID` (default: every session's)"},
				&ucli.StringFlag{Name: "remote", Usage: "first fetch the questions and answers of the git remote `REMOTE`"}, jsonFlag},
			OnUsageError: commandUsageError("questions"),
			Action:       e.questions,
		},
		{
			Name:         "answer",
			Usage:        "answer a deferred question",
			UsageText:    "maestro answer [--justification TEXT] [--json] ID OPTION",
			Description:  "ID is the question's id, or the start of it or of its random suffix (4 characters at least). The answer to a question that came through a git remote, or was pushed to one, is pushed there: the first answer wins.",
			Flags:        []ucli.Flag{&ucli.StringFlag{Name: "justification", Usage: "why"}, jsonFlag},
			OnUsageError: commandUsageError("answer"),
			Action:       e.answer,
		},
	}
}

// stateDir finds the local state; an error is maestro's failure (exit 1).
func stateDir() (string, error) {
	d, err := state.Dir(".", nil)
	if err != nil {
		return "", &Error{Code: ExitFailed, Err: err}
	}
	return d, nil
}

func printRecord(c *ucli.Context, r *escalate.Record) error {
	if c.Bool("json") {
		return writeJSON(os.Stdout, r)
	}
	fmt.Println(textsafe.Visible(r.Option))
	return nil
}

func (e *env) ask(c *ucli.Context) error {
	if err := noArgs(c, "ask"); err != nil {
		return err
	}
	session := sessionID(c)
	if err := checkpoint.ValidateID("session id", session); err != nil {
		return usageError(ExitUsage, "ask", err)
	}
	var timeout time.Duration
	if v := c.String("timeout"); v != "" {
		d, err := catalog.ParseDuration(v)
		if err != nil {
			return usageError(ExitUsage, "ask", fmt.Errorf("--timeout: %w", err))
		}
		timeout = d
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	store := escalate.NewStore(dir)
	log := sessionlog.Open(dir, session)
	if id := c.String("wait"); id != "" {
		// The question's default was given when it was asked; a --default
		// here would be silently ignored at the timeout.
		if c.IsSet("issue") || c.IsSet("option") || c.IsSet("prompt") || c.IsSet("default") || c.IsSet("require-justification") || c.IsSet("remote") {
			return usageError(ExitUsage, "ask", errors.New("--wait waits for a question asked before: it takes no --issue, --option, --default, --require-justification, --prompt or --remote"))
		}
		return e.wait(c, store, id, timeout)
	}

	// Read once: [notify] always, the rest when a prompt or the default
	// remote needs it (a file that cannot be read then fails the ask;
	// otherwise it costs the notification only).
	cfg, cfgErr := catalog.Load(catalog.Options{ConfigFlag: c.String("config"), Default: e.defaultCatalog})
	if cfgErr == nil {
		store.Notifier = notify.New(cfg.Notify)
	}
	q := &escalate.Question{SessionID: session, Issue: c.String("issue"), Options: c.StringSlice("option"),
		Default: c.String("default"), RequireJustification: c.Bool("require-justification")}
	// Only a deferred question goes to the remote: one answered at once
	// waits for nobody elsewhere.
	remote := c.String("remote")
	if remote != "" {
		if err := escalate.ValidateRemote(remote); err != nil {
			return usageError(ExitUsage, "ask", fmt.Errorf("--remote: %w", err))
		}
	}
	if c.String("prompt") != "" || !c.IsSet("remote") {
		if cfgErr != nil {
			return &Error{Code: ExitFailed, Err: cfgErr}
		}
		if !c.IsSet("remote") {
			remote = cfg.Escalate.Remote
		}
	} else if cfgErr != nil {
		printWarning(os.Stderr, "notify: no notification", cfgErr)
	}
	if name := c.String("prompt"); name != "" {
		prompts, err := cfg.Prompts()
		if err != nil {
			return &Error{Code: ExitFailed, Err: err}
		}
		p, ok := prompts[name]
		if !ok {
			names := make([]string, 0, len(prompts))
			for n := range prompts {
				names = append(names, n)
			}
			return usageError(ExitUsage, "ask", fmt.Errorf("no prompt %q in the configuration; there are: %s", name, strings.Join(sortedStrings(names), ", ")))
		}
		// The flags given win over the prompt's settings.
		q.Prompt = name
		if !c.IsSet("issue") {
			q.Issue = p.Issue
		}
		if !c.IsSet("option") {
			q.Options = p.Options
		}
		if !c.IsSet("default") {
			q.Default = p.Default
		}
		if !c.IsSet("require-justification") {
			q.RequireJustification = p.RequireJustification
		}
		if timeout == 0 {
			timeout = p.Timeout
		}
	}
	if err := q.Validate(); err != nil {
		return usageError(ExitUsage, "ask", err)
	}
	policy := c.String("no-tty")
	switch policy {
	case "":
		policy = "fail"
		if q.Default != "" {
			policy = "default"
		}
	case "default", "fail", "defer":
	default:
		return usageError(ExitUsage, "ask", fmt.Errorf("--no-tty %q: use default, fail or defer", policy))
	}
	q.AskedAt = time.Now().UTC()

	// Why nobody answers, when nobody does.
	why := "nobody can answer here (no terminal, or $CI is set)"
	if tty, err := escalate.OpenTerminal(os.Getenv); err == nil {
		defer tty.Close()
		q.ID = ids.New("q-", q.AskedAt)
		r, err := askOn(tty, q, timeout, log, store.Notifier)
		switch {
		case errors.Is(err, escalate.ErrTimeout):
			return &Error{Code: ExitAskTimedOut, Err: errors.New("no answer in time, and the question has no default"), Hint: []string{"give it a --default, the answer when nobody answers"}}
		case errors.Is(err, escalate.ErrInputClosed):
			// A person closed the input rather than answer: the policy
			// for nobody decides, and says so where they look.
			why = "nobody answered (the input was closed at the prompt with Ctrl-D)"
			if policy == "default" && q.Default != "" {
				fmt.Fprintf(tty, "  input closed: taking the default, %s\n", textsafe.Visible(q.Default))
			}
		case errors.Is(err, escalate.ErrNoTerminal):
			why = "nobody can answer here (the terminal cannot be read)"
		case err != nil:
			return &Error{Code: ExitFailed, Err: err}
		default:
			return printRecord(c, r)
		}
	}
	// The question is in the log once, with the id it was asked under.
	asked := q.ID != ""
	if !asked {
		q.ID = ids.New("q-", q.AskedAt)
	}
	logQuestion := func() {
		if !asked {
			logHuman(log, sessionlog.KindQuestion, q.Unanswered())
		}
	}

	switch policy {
	case "default":
		if q.Default == "" {
			logQuestion()
			return &Error{Code: ExitNoHuman, Err: errors.New(why + ", and the question has no default"),
				Hint: []string{"give it a --default, or --no-tty defer to answer it later with maestro answer"}}
		}
		r := q.Answered(q.Default, "", escalate.ByDefault, time.Now())
		logQuestion()
		logHuman(log, sessionlog.KindAnswer, r)
		return printRecord(c, r)
	case "fail":
		// Asked, and nobody could answer: that too is the session's history.
		logQuestion()
		because := ", and --no-tty is fail"
		if q.Default == "" {
			because = ", and the question has no default"
		}
		return &Error{Code: ExitNoHuman, Err: errors.New(why + because),
			Hint: []string{"--no-tty defer records the question for 'maestro answer'; --default gives an answer when nobody can"}}
	}
	q.Remote = remote
	id, _, err := deferShared(store, q, escalate.DeferOptions{NewID: func() string { return q.ID }, Asked: func(*escalate.Question) { logQuestion() }})
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if c.Bool("json") {
		if err := writeJSON(os.Stdout, q.Unanswered()); err != nil {
			return err
		}
	} else {
		fmt.Println(id)
	}
	fmt.Fprintf(os.Stderr, "maestro: question %s waits for an answer: maestro answer %s OPTION (maestro ask --wait %s waits for it)\n", id, id, id)
	return &Status{Code: ExitDeferred}
}

// askOn asks q on the terminal; a timeout gives the default. Both the
// question and its answer go to the session's log.
func askOn(tty escalate.Terminal, q *escalate.Question, timeout time.Duration, log *sessionlog.Log, n *notify.Notifier) (*escalate.Record, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	logHuman(log, sessionlog.KindQuestion, q.Unanswered())
	escalate.NotifyAsked(n, q, deadline, "")
	option, justification, err := escalate.AskTerminal(tty, q, deadline)
	by := escalate.ByHuman
	if errors.Is(err, escalate.ErrTimeout) && q.Default != "" {
		option, by, err = q.Default, escalate.ByTimeout, nil
	}
	if err != nil {
		return nil, err
	}
	r := q.Answered(option, justification, by, time.Now())
	logHuman(log, sessionlog.KindAnswer, r)
	return r, nil
}

func logHuman(log *sessionlog.Log, kind string, r *escalate.Record) {
	if err := log.Append(sessionlog.Entry{Type: kind, Human: r}); err != nil {
		fmt.Fprintf(os.Stderr, "maestro: warning: not in the session log: %v\n", err)
	}
}

// terminalAsker is how maestro run --on-failure ask reaches a person: on
// the controlling terminal, or not at all (nil).
func (e *env) terminalAsker(session string, n *notify.Notifier) func(q *escalate.Question, timeout time.Duration) (*escalate.Record, error) {
	if escalate.Unattended(os.Getenv) {
		return nil
	}
	return func(q *escalate.Question, timeout time.Duration) (*escalate.Record, error) {
		tty, err := escalate.OpenTerminal(os.Getenv)
		if err != nil {
			return nil, err
		}
		defer tty.Close()
		dir, err := state.Dir(".", nil)
		if err != nil {
			return nil, err
		}
		q.AskedAt = time.Now().UTC()
		q.ID = ids.New("q-", q.AskedAt)
		return askOn(tty, q, timeout, sessionlog.Open(dir, session), n)
	}
}

// unaskedKeeper is how maestro run keeps a question nobody could be asked:
// the default's answer in the session's log, or the question in the local
// state for maestro answer, pushed to remote too when [escalate] names one.
func unaskedKeeper(session string, n *notify.Notifier, remote string) (answered func(*escalate.Question, *escalate.Record, bool), deferred func(*escalate.Question, bool) (string, error)) {
	answered = func(q *escalate.Question, r *escalate.Record, asked bool) {
		dir, err := state.Dir(".", nil)
		if err != nil {
			printWarning(os.Stderr, "the answer is not in the session log", err)
			return
		}
		log := sessionlog.Open(dir, session)
		if !asked {
			logHuman(log, sessionlog.KindQuestion, q.Unanswered())
		}
		logHuman(log, sessionlog.KindAnswer, r)
	}
	deferred = func(q *escalate.Question, asked bool) (string, error) {
		dir, err := state.Dir(".", nil)
		if err != nil {
			return "", err
		}
		store := escalate.NewStore(dir)
		store.Notifier = n
		q.Remote = remote // [escalate] remote
		id, _, err := deferShared(store, q, escalate.DeferOptions{NewID: func() string { return q.ID }, Asked: func(q *escalate.Question) {
			if !asked {
				logHuman(sessionlog.Open(dir, session), sessionlog.KindQuestion, q.Unanswered())
			}
		}})
		return id, err
	}
	return answered, deferred
}

func (e *env) wait(c *ucli.Context, store *escalate.Store, given string, timeout time.Duration) error {
	id, err := findQuestion(store, given)
	if err != nil {
		return err
	}
	q, _, err := store.Get(id)
	if errors.Is(err, escalate.ErrNoQuestion) {
		return noQuestion(id, nil)
	}
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	sh, err := shared(store)
	if err != nil {
		return err
	}
	if q.Remote != "" {
		cfg, err := catalog.Load(catalog.Options{ConfigFlag: c.String("config"), Default: e.defaultCatalog})
		if err != nil {
			return &Error{Code: ExitFailed, Err: err}
		}
		sh.Poll.First = cfg.Escalate.Poll
	}
	ctx, interrupted, stop := interruptible()
	defer stop()
	r, err := sh.Wait(ctx, id, timeout, func(msg string) { fmt.Fprintf(os.Stderr, "maestro: warning: %s\n", textsafe.Visible(msg)) })
	if sig := interrupted(); sig != 0 {
		return &Status{Code: 128 + int(sig), Signal: sig}
	}
	if errors.Is(err, escalate.ErrTimeout) {
		return &Error{Code: ExitAskTimedOut, Err: fmt.Errorf("no answer to %s in time, and it has no default", id)}
	}
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if r.AnsweredBy == escalate.ByTimeout {
		if dir, err := state.Dir(".", nil); err == nil {
			logHuman(sessionlog.Open(dir, q.SessionID), sessionlog.KindAnswer, r)
		}
	}
	return printRecord(c, r)
}

func (e *env) questions(c *ucli.Context) error {
	dir, err := stateDir()
	if err != nil {
		return err
	}
	store := escalate.NewStore(dir)
	sh, err := shared(store)
	if err != nil {
		return err
	}
	if remote := c.String("remote"); c.IsSet("remote") {
		if err := escalate.ValidateRemote(remote); err != nil {
			return usageError(ExitUsage, "questions", fmt.Errorf("--remote: %w", err))
		}
		ctx, interrupted, stop := interruptible()
		defer stop()
		res, err := sh.Fetch(ctx, remote)
		if sig := interrupted(); sig != 0 {
			return &Status{Code: 128 + int(sig), Signal: sig}
		}
		if err != nil {
			return remoteError(err)
		}
		for _, id := range res.Synced {
			fmt.Fprintf(os.Stderr, "maestro: question %s was answered on %s\n", id, textsafe.Visible(remote))
		}
	}
	// Each record is a question with its answer, if it has one yet.
	var recs []*escalate.Record
	if c.NArg() > 0 {
		// The questions named, answered or not.
		for _, given := range c.Args().Slice() {
			id, err := findQuestion(sh, given)
			if err != nil {
				return err
			}
			q, r, err := sh.Get(id)
			if err != nil {
				return &Error{Code: ExitFailed, Err: err}
			}
			if r == nil {
				r = q.Unanswered()
			}
			recs = append(recs, r)
		}
	} else {
		var notes []string
		recs, notes, err = sh.List(false)
		if err != nil {
			return &Error{Code: ExitFailed, Err: err}
		}
		for i, n := range notes {
			if i == 5 {
				fmt.Fprintf(os.Stderr, "maestro: note: and %d more refs ignored\n", len(notes)-i)
				break
			}
			fmt.Fprintf(os.Stderr, "maestro: note: %s\n", n)
		}
	}
	if s := c.String("session-id"); s != "" {
		var keep []*escalate.Record
		for _, r := range recs {
			if r.SessionID == s {
				keep = append(keep, r)
			}
		}
		recs = keep
	}
	if c.Bool("json") {
		if recs == nil {
			recs = []*escalate.Record{}
		}
		return writeJSON(os.Stdout, recs)
	}
	if len(recs) == 0 {
		fmt.Fprintln(os.Stderr, "maestro: no question waits for an answer")
		return nil
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	answers := c.NArg() > 0
	// The remote column only when a question travels through one, so that
	// the listing of a repository without remote questions stays as it was.
	remotes := false
	for _, r := range recs {
		remotes = remotes || r.Remote != ""
	}
	header := "ID\tSESSION\tASKED\tQUESTION\tOPTIONS"
	if remotes {
		header += "\tREMOTE"
	}
	if answers {
		header += "\tANSWER"
	}
	fmt.Fprintln(w, header)
	for _, r := range recs {
		opts := make([]string, len(r.Options))
		for i, o := range r.Options {
			opts[i] = fmt.Sprintf("%d) %s", i+1, textsafe.Visible(o))
			if o == r.Default {
				opts[i] += " (default)"
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s", textsafe.Visible(r.ID), textsafe.Visible(r.SessionID), r.AskedAt.Format(time.RFC3339),
			textsafe.Visible(oneLine(r.Issue)), strings.Join(opts, "  "))
		if remotes {
			fmt.Fprintf(w, "\t%s", cmpOr(textsafe.Visible(r.Remote), "-"))
		}
		if answers {
			a := "-"
			if r.AnsweredAt != nil {
				a = textsafe.Visible(r.Option) + " (" + textsafe.Visible(r.AnsweredBy) + ")"
			}
			fmt.Fprintf(w, "\t%s", a)
		}
		fmt.Fprintln(w)
	}
	return w.Flush()
}

func cmpOr(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// shared gives the questions of store with those fetched from the
// remotes of the repository here; outside a repository, store's alone.
func shared(store *escalate.Store) (*escalate.Shared, error) {
	repo, err := git.Open(".")
	if errors.Is(err, git.ErrNotRepo) {
		repo, err = nil, nil
	}
	if err != nil {
		return nil, &Error{Code: ExitFailed, Err: err}
	}
	sh := escalate.NewShared(store, repo)
	sh.LocalPoll = poll
	return sh, nil
}

// deferShared records q for maestro answer, as escalate's Shared.Defer
// does, and returns its id and whether it was open already. A push that
// fails leaves q here, said in one warning: ask --wait tries again.
func deferShared(store *escalate.Store, q *escalate.Question, o escalate.DeferOptions) (string, bool, error) {
	repo, err := git.Open(".")
	if err != nil {
		// Without a remote git is not needed: such a question is asked
		// wherever git cannot run.
		if q.Remote != "" && !errors.Is(err, git.ErrNotRepo) {
			return "", false, err
		}
		repo = nil
	}
	sh := escalate.NewShared(store, repo)
	o.Unpushed = func(q *escalate.Question, err error) {
		var re *escalate.RemoteError
		if errors.As(err, &re) {
			err = re.Err
		}
		fmt.Fprintf(os.Stderr, "maestro: warning: question %s is not on %s: %s (maestro ask --wait %s tries again)\n",
			q.ID, textsafe.Visible(q.Remote), textsafe.Visible(oneLine(err.Error())), q.ID)
	}
	ctx, _, stop := interruptible()
	defer stop()
	return sh.Defer(ctx, q, o)
}

// interruptible is a context that ends at SIGINT or SIGTERM, and which
// signal ended it (0 for none yet): a wait on a remote stops at once, and
// maestro ends as the signal would have ended it.
func interruptible() (context.Context, func() syscall.Signal, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	got := make(chan syscall.Signal, 1)
	go func() {
		select {
		case s := <-ch:
			got <- s.(syscall.Signal)
			cancel()
		case <-ctx.Done():
		}
	}()
	interrupted := func() syscall.Signal {
		select {
		case s := <-got:
			got <- s
			return s
		default:
			return 0
		}
	}
	return ctx, interrupted, func() { signal.Stop(ch); cancel() }
}

// remoteError is a failure to reach or use a git remote: exit 1.
func remoteError(err error) error {
	var re *escalate.RemoteError
	if errors.As(err, &re) {
		return &Error{Code: ExitFailed, Err: err, Hint: []string{"'git remote -v' lists the remotes; maestro questions lists what was fetched before"}}
	}
	return &Error{Code: ExitFailed, Err: err}
}

func noQuestion(id string, nearest []string) error {
	var hint []string
	if len(nearest) > 0 {
		hint = append(hint, "nearest: "+strings.Join(nearest, ", "))
	}
	return &Error{Code: ExitFailed, Err: fmt.Errorf("no question %s", id), Hint: append(hint, "'maestro questions' lists the open ones")}
}

// findQuestion finds the question a command was given: its id, or the
// start of its id or of its random suffix.
func findQuestion(store interface{ Resolve(string) (string, error) }, given string) (string, error) {
	id, err := store.Resolve(given)
	var unknown *ids.UnknownError
	var ambiguous *ids.AmbiguousError
	switch {
	case errors.As(err, &unknown):
		return "", noQuestion(given, unknown.Nearest)
	case errors.As(err, &ambiguous):
		names := ambiguous.Candidates
		if len(names) > 10 {
			names = append(names[:10:10], fmt.Sprintf("and %d more", len(ambiguous.Candidates)-10))
		}
		return "", &Error{Code: ExitUsage, Err: fmt.Errorf("%s names %d questions: %s", given, len(ambiguous.Candidates), strings.Join(names, ", ")),
			Hint: []string{"give more of the id"}}
	case err != nil:
		return "", &Error{Code: ExitFailed, Err: err}
	}
	return id, nil
}

func (e *env) answer(c *ucli.Context) error {
	if c.NArg() != 2 {
		return usageError(ExitUsage, "answer", errors.New("give the question's id and the option: maestro answer ID OPTION"))
	}
	given, option := c.Args().Get(0), c.Args().Get(1)
	dir, err := stateDir()
	if err != nil {
		return err
	}
	store := escalate.NewStore(dir)
	sh, err := shared(store)
	if err != nil {
		return err
	}
	id, err := findQuestion(sh, given)
	if err != nil {
		return err
	}
	ctx, interrupted, stop := interruptible()
	defer stop()
	r, err := sh.Answer(ctx, id, option, c.String("justification"), escalate.ByAsync)
	if sig := interrupted(); sig != 0 {
		return &Status{Code: 128 + int(sig), Signal: sig}
	}
	var bad *escalate.AnswerError
	var conflict *escalate.ConflictError
	var notPushed *escalate.NotPushedError
	switch {
	case errors.Is(err, escalate.ErrNoQuestion):
		return noQuestion(id, nil)
	case errors.Is(err, escalate.ErrAnswered):
		return &Error{Code: ExitFailed, Err: fmt.Errorf("question %s is answered already: %s (by %s)", id, textsafe.Visible(r.Option), textsafe.Visible(r.AnsweredBy))}
	case errors.As(err, &bad):
		return usageError(ExitUsage, "answer", err)
	case errors.As(err, &conflict):
		return &Error{Code: ExitFailed, Err: err}
	case errors.As(err, &notPushed):
		printWarning(os.Stderr, "question "+id, err)
	case err != nil:
		return remoteError(err)
	}
	if _, _, err := store.Get(id); err == nil {
		// Asked here: the answer is the session's history. One fetched
		// from a remote belongs to a session of another clone.
		logHuman(sessionlog.Open(dir, r.SessionID), sessionlog.KindAnswer, r)
	}
	return printRecord(c, r)
}
