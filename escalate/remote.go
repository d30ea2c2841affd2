package escalate

// Questions through a git remote. A deferred question asked with a remote
// is pushed as refs/maestro/questions/ID, a blob holding its JSON; any
// clone fetches those into refs/maestro/remotes/REMOTE/questions/ID, apart
// from what was asked there, and answers by pushing
// refs/maestro/answers/ID, create-only: git never replaces a ref that
// points at a blob without --force, which maestro never gives, so the
// first answer wins and a later one is told. The asker's wait looks for
// that ref and records the answer it finds as answered_by "remote".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/ids"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

const (
	refQuestions = "refs/maestro/questions/"
	refAnswers   = "refs/maestro/answers/"
	refRemotes   = "refs/maestro/remotes/"
)

// Bounds of what a remote sends: it is someone else's, and may hold
// anything. maestro's own records are far below them.
const (
	MaxRemoteRecord  = 64 << 10 // bytes of one question or answer, checked before it is read
	maxRemoteRefs    = 10000    // questions and answers read from the fetched refs
	maxRemoteBytes   = 16 << 20 // their size in all
	maxRemoteOptions = 64
	maxRemoteText    = 16 << 10 // an issue or a justification
	maxRemoteOption  = 1024
	maxRemoteName    = 256 // a session id, answered_by, the answerer
)

// remoteOpTimeout bounds one git process that talks to a remote, so that
// a remote that hangs cannot hold a wait past its deadline for long.
const remoteOpTimeout = 60 * time.Second

// deferPushTimeout bounds the push of a deferred question, and
// finalPushTimeout the push of the default a wait takes at its timeout:
// neither may hold a run much longer than it asked to wait.
const (
	deferPushTimeout = 15 * time.Second
	finalPushTimeout = 10 * time.Second
)

// Shared is the questions of a repository: those kept in the local state
// (Store) and those fetched from its remotes.
type Shared struct {
	Store *Store
	repo  *git.Repo
	// Poll is how often Wait looks at the remote: First, then each wait
	// twice the one before, up to Max, each jittered.
	Poll Backoff
	// LocalPoll is how often Wait looks at the local state in between.
	LocalPoll time.Duration
}

// Backoff is a schedule of waits that double.
type Backoff struct{ First, Max time.Duration }

// DefaultBackoff is Wait's schedule: 1s, 2s, 4s, ... 30s.
var DefaultBackoff = Backoff{First: time.Second, Max: 30 * time.Second}

// NewShared gives the questions of store together with those fetched into
// repo.
func NewShared(store *Store, repo *git.Repo) *Shared {
	return &Shared{Store: store, repo: repo, Poll: DefaultBackoff, LocalPoll: 200 * time.Millisecond}
}

// ValidateRemote refuses a remote name that cannot be one component of a
// ref name (the namespace of what is fetched from it), or that git could
// read as an option.
func ValidateRemote(remote string) error {
	return checkpoint.ValidateID("remote", remote)
}

// validID says whether id can be a question's id taken from a remote: a
// safe ref component, as maestro makes them ("q-...").
func validID(id string) bool {
	return strings.HasPrefix(id, "q-") && checkpoint.ValidateID("question id", id) == nil
}

// checkRemote refuses a remote that is not a configured one.
func (s *Shared) checkRemote(remote string) error {
	if err := ValidateRemote(remote); err != nil {
		return err
	}
	if s.repo == nil {
		return errNoRepo
	}
	names, err := s.repo.Remotes()
	if err != nil {
		return err
	}
	if !slices.Contains(names, remote) {
		return &RemoteError{Remote: remote, Err: errors.New("no such remote: 'git remote -v' lists them, 'git remote add NAME URL' adds one")}
	}
	return nil
}

// errNoRepo: a remote is a repository's.
var errNoRepo = errors.New("questions travel through a git remote: not in a git repository")

// RemoteError is a remote that could not be reached or used.
type RemoteError struct {
	Remote string
	Err    error
}

func (e *RemoteError) Error() string { return fmt.Sprintf("remote %s: %v", e.Remote, e.Err) }
func (e *RemoteError) Unwrap() error { return e.Err }

// blob is the JSON a question or an answer travels as: without the
// remote's name, which is each clone's own.
func blob(v any) ([]byte, error) {
	switch v := v.(type) {
	case *Question:
		c := *v
		c.Remote = ""
		return json.Marshal(&c)
	case *Record:
		c := *v
		c.Remote = ""
		return json.Marshal(&c)
	}
	return nil, fmt.Errorf("cannot share a %T", v)
}

// PushQuestion pushes q, recorded in the Store with its Remote, as
// refs/maestro/questions/ID to its remote. A question already there is
// left as it is: its id is unique, so it is this one.
func (s *Shared) PushQuestion(ctx context.Context, q *Question) error {
	if err := ValidateRemote(q.Remote); err != nil {
		return err
	}
	if s.repo == nil {
		return errNoRepo
	}
	data, err := blob(q)
	if err != nil {
		return err
	}
	sha, err := s.repo.WriteBlob(data)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, remoteOpTimeout)
	defer cancel()
	err = timedOut(ctx, s.repo.PushCreate(ctx, q.Remote, sha, refQuestions+q.ID))
	if errors.Is(err, git.ErrRejected) {
		return nil
	}
	if err != nil {
		return &RemoteError{Remote: q.Remote, Err: err}
	}
	return nil
}

// FetchResult says what Fetch brought.
type FetchResult struct {
	Remote string `json:"remote"`
	// Synced are questions asked here whose answer the fetch brought, now
	// recorded here (answered_by "remote").
	Synced []string `json:"synced"`
}

// Fetch gets remote's questions and answers into
// refs/maestro/remotes/REMOTE/questions/ and .../answers/: apart from what
// was asked here, so nothing a remote sends replaces a local record. The
// mirror follows the remote (forced, as remote-tracking refs are); what
// counts is read from it with every check (Fetched). An answer it brings
// to a question asked here is recorded here.
func (s *Shared) Fetch(ctx context.Context, remote string) (*FetchResult, error) {
	if err := s.checkRemote(remote); err != nil {
		return nil, err
	}
	specs := []string{
		"+" + refQuestions + "*:" + refRemotes + remote + "/questions/*",
		"+" + refAnswers + "*:" + refRemotes + remote + "/answers/*",
	}
	ctx, cancel := context.WithTimeout(ctx, remoteOpTimeout)
	defer cancel()
	if err := s.repo.FetchRefs(ctx, remote, specs); err != nil {
		return nil, &RemoteError{Remote: remote, Err: err}
	}
	res := &FetchResult{Remote: remote, Synced: []string{}}
	f, err := s.fetched()
	if err != nil {
		return nil, err
	}
	open, err := s.Store.Open()
	if err != nil {
		return nil, err
	}
	for _, q := range open {
		if q.Remote != remote {
			continue
		}
		if a := f.answers[key{remote, q.ID}]; a != nil {
			if r := checkAnswer(&q, a); r != nil {
				if _, err := s.Store.save(r); err == nil {
					res.Synced = append(res.Synced, q.ID)
				}
			}
		}
	}
	return res, nil
}

type key struct{ remote, id string }

// fetchedRefs is what the fetched refs hold, checked.
type fetchedRefs struct {
	questions map[key]*Question
	answers   map[key]*Record // unchecked against their question
	notes     []string
}

// fetched reads every question and answer fetched from every remote: two
// git processes, whatever their number. A ref of another shape, too big,
// or whose content is not a valid question (answer) under its name, is
// left out with a note.
func (s *Shared) fetched() (*fetchedRefs, error) {
	if s.repo == nil {
		return &fetchedRefs{}, nil
	}
	refs, err := s.repo.RefsMatching(refRemotes+"*/questions/*", refRemotes+"*/answers/*")
	if err != nil {
		return nil, err
	}
	f := &fetchedRefs{questions: map[key]*Question{}, answers: map[key]*Record{}}
	type wanted struct {
		k      key
		answer bool
		name   string
	}
	var want []wanted
	var shas []string
	var total int64
	for _, r := range refs {
		parts := strings.Split(strings.TrimPrefix(r.Name, refRemotes), "/")
		switch {
		case len(parts) != 3 || parts[1] != "questions" && parts[1] != "answers":
			continue // a deeper ref, not maestro's
		case ValidateRemote(parts[0]) != nil || !validID(parts[2]):
			f.notes = append(f.notes, fmt.Sprintf("ignored %s: not a name maestro writes", textsafe.Visible(r.Name)))
		case r.Type != "blob" || !git.IsObjectID(r.Object):
			f.notes = append(f.notes, fmt.Sprintf("ignored %s: a %s, not a blob", textsafe.Visible(r.Name), textsafe.Visible(r.Type)))
		case r.Size > MaxRemoteRecord:
			f.notes = append(f.notes, fmt.Sprintf("ignored %s: %d bytes, more than %d", textsafe.Visible(r.Name), r.Size, MaxRemoteRecord))
		case len(want) == maxRemoteRefs || total+r.Size > maxRemoteBytes:
			f.notes = append(f.notes, fmt.Sprintf("ignored %s: more than %d questions and answers, or %d MiB", textsafe.Visible(r.Name), maxRemoteRefs, maxRemoteBytes>>20))
		default:
			want = append(want, wanted{key{parts[0], parts[2]}, parts[1] == "answers", r.Name})
			shas = append(shas, r.Object)
			total += r.Size
		}
	}
	objs, err := s.repo.Objects(shas)
	if err != nil {
		return nil, err
	}
	for i, o := range objs {
		w := want[i]
		if o.Type != "blob" {
			continue
		}
		if w.answer {
			a, err := ParseRemoteAnswer(w.k.id, o.Content)
			if err != nil {
				f.notes = append(f.notes, fmt.Sprintf("ignored %s: %v", textsafe.Visible(w.name), err))
				continue
			}
			a.Remote = w.k.remote
			f.answers[w.k] = a
			continue
		}
		q, err := ParseRemoteQuestion(w.k.id, o.Content)
		if err != nil {
			f.notes = append(f.notes, fmt.Sprintf("ignored %s: %v", textsafe.Visible(w.name), err))
			continue
		}
		q.Remote = w.k.remote
		f.questions[w.k] = q
	}
	return f, nil
}

// ParseRemoteQuestion reads the question a remote holds under
// refs/maestro/questions/ID: JSON of at most MaxRemoteRecord bytes, for
// id, that could have been asked (Validate), within the bounds of what
// maestro writes.
func ParseRemoteQuestion(id string, data []byte) (*Question, error) {
	if len(data) > MaxRemoteRecord {
		return nil, fmt.Errorf("%d bytes, more than %d", len(data), MaxRemoteRecord)
	}
	var q Question
	if err := json.Unmarshal(data, &q); err != nil {
		return nil, errors.New("not a question's JSON")
	}
	switch {
	case q.ID != id:
		return nil, fmt.Errorf("it holds question %q", textsafe.Visible(clip(q.ID)))
	case checkpoint.ValidateID("session id", q.SessionID) != nil:
		return nil, errors.New("an invalid session id")
	case len(q.Issue) > maxRemoteText || len(q.Default) > maxRemoteOption || len(q.Prompt) > maxRemoteName:
		return nil, errors.New("a text too long")
	case len(q.Options) > maxRemoteOptions:
		return nil, fmt.Errorf("%d options, more than %d", len(q.Options), maxRemoteOptions)
	case q.AskedAt.IsZero():
		return nil, errors.New("no asked_at")
	}
	for _, o := range q.Options {
		if len(o) > maxRemoteOption {
			return nil, errors.New("an option too long")
		}
	}
	def := q.Default
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.Default != def {
		return nil, errors.New("the default is not written as its option")
	}
	q.Remote = ""
	return &q, nil
}

// ParseRemoteAnswer reads the answer a remote holds under
// refs/maestro/answers/ID, bounded as ParseRemoteQuestion. Whether it
// answers its question is checkAnswer's to say.
func ParseRemoteAnswer(id string, data []byte) (*Record, error) {
	if len(data) > MaxRemoteRecord {
		return nil, fmt.Errorf("%d bytes, more than %d", len(data), MaxRemoteRecord)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, errors.New("not an answer's JSON")
	}
	switch {
	case r.ID != id:
		return nil, fmt.Errorf("it answers question %q", textsafe.Visible(clip(r.ID)))
	case r.Option == "" || r.AnsweredAt == nil || r.AnsweredAt.IsZero():
		return nil, errors.New("no option, or no answered_at")
	case len(r.Justification) > maxRemoteText || len(r.AnsweredBy) > maxRemoteName || len(r.Answerer) > maxRemoteName || len(r.Option) > maxRemoteOption:
		return nil, errors.New("a text too long")
	}
	r.Remote = ""
	return &r, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// checkAnswer returns the record of q answered as a says, by the remote
// (answered_by "remote", the answerer kept), or nil when a is not an
// answer to q: another option, another id.
func checkAnswer(q *Question, a *Record) *Record {
	if a.ID != q.ID || !slices.Contains(q.Options, a.Option) {
		return nil
	}
	r := q.Answered(a.Option, a.Justification, ByRemote, *a.AnsweredAt)
	r.Answerer = a.Answerer
	if r.Answerer == "" {
		r.Answerer = a.AnsweredBy
	}
	return r
}

// List returns every question: those kept here and those fetched from
// remotes (no network), one record each, oldest first; all false keeps
// the open ones. A question both here and fetched is the one kept here.
// notes say which fetched refs were left out, and why.
func (s *Shared) List(all bool) ([]*Record, []string, error) {
	var out []*Record
	local := map[string]bool{}
	if all {
		idl, err := s.Store.IDs()
		if err != nil {
			return nil, nil, err
		}
		for _, id := range idl {
			q, r, err := s.Store.Get(id)
			if errors.Is(err, ErrNoQuestion) {
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			if r == nil {
				r = q.Unanswered()
			}
			local[id] = true
			out = append(out, r)
		}
	} else {
		idl, err := s.Store.IDs()
		if err != nil {
			return nil, nil, err
		}
		for _, id := range idl {
			local[id] = true
		}
		open, err := s.Store.Open()
		if err != nil {
			return nil, nil, err
		}
		for i := range open {
			out = append(out, open[i].Unanswered())
		}
	}
	f, err := s.fetched()
	if err != nil {
		return nil, nil, err
	}
	for _, r := range f.records() {
		if local[r.ID] || !all && r.AnsweredAt != nil {
			continue
		}
		local[r.ID] = true // the first remote's, when two have it
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, f.notes, nil
}

// records are the fetched questions with their answers, by remote then
// id. An answer that does not answer its question is left out.
func (f *fetchedRefs) records() []*Record {
	keys := make([]key, 0, len(f.questions))
	for k := range f.questions {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].remote < keys[j].remote || keys[i].remote == keys[j].remote && keys[i].id < keys[j].id
	})
	out := make([]*Record, 0, len(keys))
	for _, k := range keys {
		q := f.questions[k]
		r := q.Unanswered()
		if a := f.answers[k]; a != nil && slices.Contains(q.Options, a.Option) {
			// The answerer's own record, as it travels: by whom, when.
			r = q.Answered(a.Option, a.Justification, a.AnsweredBy, *a.AnsweredAt)
			r.Answerer = a.Answerer
		}
		out = append(out, r)
	}
	return out
}

// Get returns question id, kept here or fetched, and its answer (nil
// while it has none).
func (s *Shared) Get(id string) (*Question, *Record, error) {
	q, r, err := s.Store.Get(id)
	if !errors.Is(err, ErrNoQuestion) {
		return q, r, err
	}
	f, ferr := s.fetched()
	if ferr != nil {
		return nil, nil, ferr
	}
	for _, rec := range f.records() {
		if rec.ID == id {
			q := f.questions[key{rec.Remote, id}]
			if rec.AnsweredAt == nil {
				rec = nil
			}
			return q, rec, nil
		}
	}
	return nil, nil, ErrNoQuestion
}

// Resolve finds the question given names, kept here or fetched, as
// Store.Resolve does.
func (s *Shared) Resolve(given string) (string, error) {
	all, err := s.Store.IDs()
	if err != nil {
		return "", err
	}
	f, err := s.fetched()
	if err != nil {
		return "", err
	}
	for k := range f.questions {
		if !slices.Contains(all, k.id) {
			all = append(all, k.id)
		}
	}
	sort.Strings(all)
	return ids.Resolve(given, all)
}

// ConflictError is an answer that lost: the remote has another one, which
// won.
type ConflictError struct {
	Remote string
	Winner *Record
}

func (e *ConflictError) Error() string {
	who := e.Winner.Answerer
	if who == "" {
		who = e.Winner.AnsweredBy
	}
	return fmt.Sprintf("question %s was already answered on %s by %s: %s (at %s); your answer was not recorded there",
		e.Winner.ID, e.Remote, textsafe.Visible(who), textsafe.Visible(e.Winner.Option), e.Winner.AnsweredAt.UTC().Format(time.RFC3339))
}

// NotPushedError is an answer recorded here that its remote could not be
// told of.
type NotPushedError struct {
	Remote string
	Err    error
}

func (e *NotPushedError) Error() string {
	return fmt.Sprintf("the answer is recorded here, not on %s: %v", e.Remote, e.Err)
}
func (e *NotPushedError) Unwrap() error { return e.Err }

// Answer answers question id, kept here or fetched. One kept here and
// never pushed is answered as Store.Answer does. One with a remote is
// answered there first, by a push that only creates the answer: the first
// answer wins, and a later one gets a *ConflictError (the winner recorded
// here, for a question asked here). A fetched question's answer is not
// recorded when the push fails; one asked here is, with a
// *NotPushedError.
func (s *Shared) Answer(ctx context.Context, id, option, justification, by string) (*Record, error) {
	q, prev, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	if prev != nil && q.Remote != "" && (prev.AnsweredBy == ByRemote || prev.Remote != "" && !s.asked(id)) {
		// Answered in another clone: told as a push that lost is.
		return nil, &ConflictError{Remote: q.Remote, Winner: prev}
	}
	if prev != nil {
		return prev, ErrAnswered
	}
	if q.Remote == "" {
		return s.Store.Answer(id, option, justification, by)
	}
	if s.repo == nil {
		return nil, errNoRepo
	}
	r, err := q.answer(option, justification, by, s.Store.Now())
	if err != nil {
		return nil, err
	}
	r.Answerer = s.repo.Ident()
	return s.answerShared(ctx, q, r, s.asked(id))
}

// asked reports whether question id was asked here (is in the Store).
func (s *Shared) asked(id string) bool {
	_, _, err := s.Store.Get(id)
	return err == nil
}

// answerShared pushes r, the answer to q, to q's remote, then records it:
// here, when q was asked here (local), and in the fetched answers.
func (s *Shared) answerShared(ctx context.Context, q *Question, r *Record, local bool) (*Record, error) {
	data, err := blob(r)
	if err != nil {
		return nil, err
	}
	sha, err := s.repo.WriteBlob(data)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, remoteOpTimeout)
	defer cancel()
	err = timedOut(pctx, s.repo.PushCreate(pctx, q.Remote, sha, refAnswers+q.ID))
	switch {
	case err == nil:
		// What the remote now holds, as a fetch would bring it; a failure
		// here only delays that until the next fetch.
		_ = s.repo.UpdateRefs("maestro: answer "+q.ID, git.RefUpdate{Name: refRemotes + q.Remote + "/answers/" + q.ID, New: sha})
		if local {
			return s.Store.save(r)
		}
		return r, nil
	case errors.Is(err, git.ErrRejected), errors.Is(err, git.ErrRemoteRejected):
		// Whether a race was lost, only what the remote holds says: a
		// refusal with no answer there (a hook, permissions) is a push
		// that failed.
		w, ferr := s.remoteAnswer(ctx, q)
		if (ferr != nil || w == nil) && errors.Is(err, git.ErrRemoteRejected) && local {
			saved, serr := s.Store.save(r)
			if serr != nil {
				return saved, serr
			}
			return saved, &NotPushedError{Remote: q.Remote, Err: err}
		}
		if ferr != nil || w == nil {
			return nil, &RemoteError{Remote: q.Remote, Err: err}
		}
		if local {
			_, _ = s.Store.save(w)
		}
		w.AnsweredBy = ByRemote
		return nil, &ConflictError{Remote: q.Remote, Winner: w}
	case errors.Is(ctx.Err(), context.Canceled):
		// Interrupted: nothing is recorded. A deadline, though, is a
		// remote that did not answer in time: as any failed push.
		return nil, ctx.Err()
	case local:
		saved, serr := s.Store.save(r)
		if serr != nil {
			return saved, serr
		}
		return saved, &NotPushedError{Remote: q.Remote, Err: err}
	}
	return nil, &RemoteError{Remote: q.Remote, Err: fmt.Errorf("the answer was not recorded: %w", err)}
}

// remoteAnswer fetches the answer to q from its remote, if it has one,
// and returns it checked against q (answered_by "remote"), or nil.
func (s *Shared) remoteAnswer(ctx context.Context, q *Question) (*Record, error) {
	ctx, cancel := context.WithTimeout(ctx, remoteOpTimeout)
	defer cancel()
	ref := refRemotes + q.Remote + "/answers/" + q.ID
	if err := s.repo.FetchRefs(ctx, q.Remote, []string{"+" + refAnswers + q.ID + ":" + ref}); err != nil {
		return nil, err
	}
	// Its size first: a blob is read whole, and the remote may have
	// pushed any.
	refs, err := s.repo.RefsMatching(ref)
	if err != nil || len(refs) != 1 || refs[0].Name != ref || refs[0].Type != "blob" || refs[0].Size > MaxRemoteRecord || !git.IsObjectID(refs[0].Object) {
		return nil, err
	}
	objs, err := s.repo.Objects([]string{refs[0].Object})
	if err != nil || len(objs) != 1 || objs[0].Type != "blob" {
		return nil, err
	}
	a, err := ParseRemoteAnswer(q.ID, objs[0].Content)
	if err != nil {
		return nil, nil
	}
	return checkAnswer(q, a), nil
}

// Wait waits for the answer to question id, asked here, as Store.Wait
// does; for one with a remote it looks there too: at once, then on the
// Poll schedule, pushing the question first if it is not there yet (a
// push that failed when it was asked). The answer found there is recorded
// here (answered_by "remote"). At the timeout the default is recorded and
// pushed as the answer, so that other clones see the question closed;
// unless an answer won on the remote meanwhile, which is then the answer.
// warn is told, once each, what goes wrong with the remote. It returns
// ctx's error when ctx ends first.
func (s *Shared) Wait(ctx context.Context, id string, timeout time.Duration, warn func(string)) (*Record, error) {
	q, r, err := s.Store.Get(id)
	if err != nil || r != nil {
		return r, err
	}
	if q.Remote == "" || s.repo == nil {
		r, err := s.Store.Wait(id, timeout, s.LocalPoll, ctx.Done())
		if errors.Is(err, ErrTimeout) && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return r, err
	}
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	warned := map[string]bool{}
	say := func(msg string) {
		if warn != nil && !warned[msg] {
			warned[msg] = true
			warn(msg)
		}
	}
	// Looking at the remote stops at the wait's own timeout: a remote that
	// hangs must not hold the wait past it.
	lookCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		lookCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	pushed := false
	delay := s.Poll.First
	next := time.Now()
	local := time.NewTicker(max(s.LocalPoll, time.Millisecond))
	defer local.Stop()
	for {
		if _, r, err := s.Store.Get(id); err != nil || r != nil {
			return r, err
		}
		if !time.Now().Before(next) {
			w, err := s.look(lookCtx, q, &pushed)
			switch {
			case ctx.Err() != nil:
				return nil, ctx.Err()
			case errors.Is(err, errBadAnswer):
				say(fmt.Sprintf("the answer on %s does not answer this question: ignored; still waiting", q.Remote))
			case err != nil:
				var re *RemoteError
				if errors.As(err, &re) {
					err = re.Err
				}
				say(fmt.Sprintf("cannot reach %s: %v; still waiting", q.Remote, err))
			case w != nil:
				saved, err := s.Store.save(w)
				if errors.Is(err, ErrAnswered) {
					return saved, nil
				}
				return saved, err
			}
			next = time.Now().Add(jitter(delay))
			delay = min(2*delay, max(s.Poll.Max, s.Poll.First))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-local.C:
		case <-deadline:
			if _, r, err := s.Store.Get(id); err != nil || r != nil {
				return r, err
			}
			if q.Default == "" {
				return nil, ErrTimeout
			}
			r, err := q.answer(q.Default, "", ByTimeout, s.Store.Now())
			if err != nil {
				return nil, err
			}
			pctx, cancel := context.WithTimeout(ctx, finalPushTimeout)
			r, err = s.answerShared(pctx, q, r, true)
			cancel()
			var conflict *ConflictError
			var notPushed *NotPushedError
			switch {
			case errors.As(err, &conflict):
				// Answered on the remote at the last moment: that answer
				// won, and is recorded here.
				_, r, err := s.Store.Get(id)
				return r, err
			case errors.As(err, &notPushed):
				say(notPushed.Error())
				return r, nil
			case errors.Is(err, ErrAnswered):
				return r, nil
			}
			return r, err
		}
	}
}

// look asks q's remote for q's answer (one ls-remote), fetching it when
// there is one; it pushes q first when the remote does not have it.
func (s *Shared) look(ctx context.Context, q *Question, pushed *bool) (*Record, error) {
	lctx, cancel := context.WithTimeout(ctx, remoteOpTimeout)
	defer cancel()
	have, err := s.repo.LsRemote(lctx, q.Remote, refQuestions+q.ID, refAnswers+q.ID)
	if err != nil {
		return nil, timedOut(lctx, err)
	}
	if _, ok := have[refAnswers+q.ID]; ok {
		r, err := s.remoteAnswer(ctx, q)
		if err == nil && r == nil {
			err = errBadAnswer
		}
		return r, err
	}
	if _, ok := have[refQuestions+q.ID]; ok {
		*pushed = true
	}
	if !*pushed {
		if err := s.PushQuestion(ctx, q); err != nil {
			return nil, err
		}
		*pushed = true
	}
	return nil, nil
}

// timedOut says what a git process stopped at ctx's deadline was: a
// remote that did not answer in time ("exit status -1" says nothing).
func timedOut(ctx context.Context, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errors.New("the remote did not answer in time")
	}
	return err
}

// errBadAnswer is an answer on the remote that is not one: not valid, or
// not one of the question's options.
var errBadAnswer = errors.New("not an answer to the question")

// jitter spreads d over [d/2, d], so that many clones waiting on one
// remote do not all knock at once.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}
