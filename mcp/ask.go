package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/ids"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// answeredByMCP is DESIGN.md's answered_by for an answer a person gave in
// the MCP client.
const answeredByMCP = "mcp"

// multiRoundTrip is the first protocol version where a server may not send
// its own requests while serving a call: it returns them with the call's
// result, and the client calls again with the answers (SEP-2322).
const multiRoundTrip = "2026-07-28"

type askIn struct {
	Question             string   `json:"question" jsonschema:"the question, with what the user needs to know to answer it"`
	Options              []string `json:"options" jsonschema:"the answers to choose from (at least two)"`
	Default              string   `json:"default,omitempty" jsonschema:"the option to take when nobody answers in time (one of options)"`
	RequireJustification bool     `json:"require_justification,omitempty" jsonschema:"ask the user why, along with the choice"`
	TimeoutSeconds       float64  `json:"timeout_seconds,omitempty" jsonschema:"how long to wait for an answer (default 300)"`
	SessionID            string   `json:"session_id,omitempty"`
}

type askOut struct {
	// Status is answered, timed_out (nobody answered in time and there is
	// no default: the question stays open) or declined (the user would
	// not answer).
	Status string `json:"status"`
	*escalate.Record
	Message string `json:"message"`
}

func (t *tools) askHuman(ctx context.Context, req *sdk.CallToolRequest, in askIn) (any, error) {
	ch, err := t.session(in.SessionID)
	if err != nil {
		return nil, err
	}
	q := &escalate.Question{SessionID: ch.ID, Issue: in.Question, Options: in.Options, Default: in.Default, RequireJustification: in.RequireJustification}
	if err := q.Validate(); err != nil {
		return nil, fail(err)
	}
	timeout := seconds(in.TimeoutSeconds)
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	dir, err := state.Dir(".", nil)
	if err != nil {
		return nil, fail(err)
	}
	log := sessionlog.Open(dir, ch.ID)
	if p := req.Session.InitializeParams(); p != nil && p.Capabilities != nil && p.Capabilities.Elicitation != nil {
		if p.ProtocolVersion >= multiRoundTrip {
			return t.elicitLater(req, q, log)
		}
		q.AskedAt = time.Now().UTC()
		q.ID = ids.New("q-", q.AskedAt)
		escalate.NotifyAsked(t.notifier(), q, q.AskedAt.Add(timeout), "")
		ectx, cancel := context.WithTimeout(ctx, timeout)
		res, err := req.Session.Elicit(ectx, elicitation(q))
		cancel()
		switch {
		case err == nil:
			return t.elicited(q, res, log)
		case ctx.Err() != nil:
			return nil, fail(errors.New("the client cancelled the question"))
		case errors.Is(err, context.DeadlineExceeded):
			t.logHuman(log, sessionlog.KindQuestion, q.Unanswered())
			if q.Default == "" {
				return askOut{Status: "timed_out", Record: q.Unanswered(), Message: fmt.Sprintf("nobody answered in %s, and the question has no default", timeout)}, nil
			}
			r := q.Answered(q.Default, "", escalate.ByTimeout, time.Now())
			t.logHuman(log, sessionlog.KindAnswer, r)
			return answered(r), nil
		}
		// The client could not ask after all: the question waits in the
		// local state, as for a client that cannot ask.
		fmt.Fprintf(t.o.Log, "maestro: warning: the client could not ask the question (%v): deferring it\n", err)
		q.ID = ""
	}
	return t.deferAndWait(ctx, req, q, timeout, dir, log)
}

// deferAndWait records q for maestro answer, as maestro ask --no-tty defer
// does, and waits for the answer up to timeout.
func (t *tools) deferAndWait(ctx context.Context, req *sdk.CallToolRequest, q *escalate.Question, timeout time.Duration, dir string, log *sessionlog.Log) (any, error) {
	store := escalate.NewStore(dir)
	sh, remote := t.shared(store)
	q.AskedAt = time.Now().UTC()
	q.Remote = remote
	id, _, err := sh.Defer(ctx, q, escalate.DeferOptions{
		NewID:    func() string { return ids.New("q-", q.AskedAt) },
		Deadline: q.AskedAt.Add(timeout),
		Asked:    func(q *escalate.Question) { t.logHuman(log, sessionlog.KindQuestion, q.Unanswered()) },
		Waiting:  true,
	})
	if err != nil {
		return nil, fail(err)
	}
	where := ""
	if q.Remote != "" {
		where = ", here or in any clone of " + q.Remote
	}
	fmt.Fprintf(t.o.Log, "maestro: question %s waits for an answer: maestro answer %s OPTION%s\n", id, id, textsafe.Visible(where))
	posted := keepPosted(ctx, req, func() string { return "waiting for an answer to question " + id + ": maestro answer " + id + " OPTION" })
	r, err := sh.Wait(ctx, id, timeout, func(msg string) {
		fmt.Fprintf(t.o.Log, "maestro: warning: question %s: %s\n", id, textsafe.Visible(msg))
	})
	posted()
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, fail(fmt.Errorf("the client cancelled the wait for question %s", id), "it stays open: 'maestro answer "+id+" OPTION' answers it")
	case errors.Is(err, escalate.ErrTimeout):
		q, _, _ := store.Get(id)
		rec := (&escalate.Question{ID: id, SessionID: q.SessionID, Issue: q.Issue, Options: q.Options, Default: q.Default, AskedAt: q.AskedAt}).Unanswered()
		return askOut{Status: "timed_out", Record: rec, Message: fmt.Sprintf(
			"nobody answered in %s, and the question has no default. It stays open: the user answers it with 'maestro answer %s OPTION'; "+
				"call ask_human again with the same question to wait again (it is not asked twice)", timeout, id)}, nil
	case err != nil:
		return nil, fail(err)
	}
	if r.AnsweredBy == escalate.ByTimeout || r.AnsweredBy == escalate.ByRemote {
		// maestro answer logs the answers it gives; the default is ours,
		// and one given in another clone is logged there in no session.
		t.logHuman(log, sessionlog.KindAnswer, r)
	}
	return answered(r), nil
}

func answered(r *escalate.Record) askOut {
	msg := "the user chose " + r.Option
	switch r.AnsweredBy {
	case escalate.ByTimeout:
		msg = "nobody answered in time: the default, " + r.Option
	case escalate.ByDefault:
		msg = "nobody could answer: the default, " + r.Option
	}
	return askOut{Status: "answered", Record: r, Message: msg}
}

// elicitation is q as a form the client shows: one choice among the
// options, and a justification.
func elicitation(q *escalate.Question) *sdk.ElicitParams {
	choice := &jsonschema.Schema{Type: "string", Title: "Your choice", Enum: []any{}}
	for _, o := range q.Options {
		choice.Enum = append(choice.Enum, o)
	}
	if q.Default != "" {
		choice.Default = mustJSON(q.Default)
	}
	why := &jsonschema.Schema{Type: "string", Title: "Why", Description: "what made you choose it"}
	schema := &jsonschema.Schema{Type: "object", Properties: map[string]*jsonschema.Schema{"option": choice, "justification": why}, Required: []string{"option"}}
	if q.RequireJustification {
		schema.Required = append(schema.Required, "justification")
	}
	msg := q.Issue
	if q.Default != "" {
		msg += "\n\n(default: " + q.Default + ")"
	}
	return &sdk.ElicitParams{Mode: "form", Message: msg, RequestedSchema: schema}
}

func mustJSON(s string) []byte {
	data, err := encode(s)
	if err != nil {
		panic(err)
	}
	return data
}

// elicitLater asks through the client in the multi-round-trip way: the
// first call returns the question, the client calls again with the
// answer, and the question's id and time travel in the request state.
func (t *tools) elicitLater(req *sdk.CallToolRequest, q *escalate.Question, log *sessionlog.Log) (any, error) {
	resp, ok := req.Params.InputResponses["answer"]
	id, at, _ := strings.Cut(req.Params.RequestState, " ")
	askedAt, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || !strings.HasPrefix(id, "q-") || len(id) > 64 {
		q.AskedAt = time.Now().UTC()
		q.ID = ids.New("q-", q.AskedAt)
		return &sdk.CallToolResult{InputRequests: sdk.InputRequestMap{"answer": elicitation(q)},
			RequestState: q.ID + " " + q.AskedAt.Format(time.RFC3339Nano)}, nil
	}
	q.ID, q.AskedAt = id, askedAt
	res, ok := resp.(*sdk.ElicitResult)
	if !ok {
		return nil, failf("the client's answer is not an elicitation result")
	}
	return t.elicited(q, res, log)
}

// elicited makes the answer of what the client's user did with the form.
func (t *tools) elicited(q *escalate.Question, res *sdk.ElicitResult, log *sessionlog.Log) (any, error) {
	t.logHuman(log, sessionlog.KindQuestion, q.Unanswered())
	if res.Action != "accept" {
		return askOut{Status: "declined", Record: q.Unanswered(),
			Message: "the user did not answer (" + res.Action + "): do not take an option for them; ask otherwise, or go on without what needed their choice"}, nil
	}
	given, _ := res.Content["option"].(string)
	option := q.Match(given)
	if option == "" {
		return nil, failf("the client's answer %q is not one of the options", cut(given, 200))
	}
	why, _ := res.Content["justification"].(string)
	if q.RequireJustification && strings.TrimSpace(why) == "" {
		return nil, failf("the answer came without the justification the question requires")
	}
	r := q.Answered(option, cut(why, maxText), answeredByMCP, time.Now())
	t.logHuman(log, sessionlog.KindAnswer, r)
	return answered(r), nil
}

func (t *tools) logHuman(log *sessionlog.Log, kind string, r *escalate.Record) {
	if err := log.Append(sessionlog.Entry{Type: kind, Human: r}); err != nil {
		fmt.Fprintf(t.o.Log, "maestro: warning: not in the session log: %v\n", err)
	}
}

// shared is the questions of store, with the configuration's [escalate]
// and [notify] read as each call reads them, and the remote a question
// deferred now goes to ([escalate] remote; its wait looks there too). A
// configuration that cannot be read, or a repository that cannot be
// opened, costs the remote and the notification, never the call.
func (t *tools) shared(store *escalate.Store) (*escalate.Shared, string) {
	var repo *git.Repo
	cfg, err := catalog.Load(catalog.Options{ConfigFlag: t.o.ConfigFlag, Default: t.o.Default, Warn: t.o.Log})
	if err != nil {
		fmt.Fprintf(t.o.Log, "maestro: warning: no notification, and questions stay here: %v\n", err)
		cfg = &catalog.Config{Escalate: catalog.DefaultEscalate}
	} else {
		store.Notifier = t.notifierOf(cfg)
	}
	remote := cfg.Escalate.Remote
	if remote != "" {
		// Only then: without a remote, a question needs no git.
		if repo, err = git.Open("."); err != nil {
			fmt.Fprintf(t.o.Log, "maestro: warning: questions stay here, not on %s: %v\n", remote, err)
			repo, remote = nil, ""
		}
	}
	sh := escalate.NewShared(store, repo)
	sh.LocalPoll = t.o.Poll
	sh.Poll.First = cfg.Escalate.Poll
	return sh, remote
}
