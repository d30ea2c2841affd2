// Package escalate puts structured questions to a person: on the terminal
// (a numbered menu read from the controlling terminal, so it works inside
// pipelines), or later, from another terminal, for a question recorded in
// the local state. It never hangs an unattended run: without a terminal, a
// policy decides at once, and a timeout gives the default.
package escalate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/ids"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/notify"
)

// Who answered.
const (
	ByHuman   = "human"
	ByDefault = "default" // no person could answer: the policy took the default
	ByTimeout = "timeout" // nobody answered in time: the default
	ByAsync   = "async"   // answered later, with maestro answer
	ByRemote  = "remote"  // answered in another clone, through the git remote
)

// Question is what is asked.
type Question struct {
	ID                   string    `json:"id"`
	SessionID            string    `json:"session_id"`
	Issue                string    `json:"issue"`
	Options              []string  `json:"options"`
	Default              string    `json:"default"`
	RequireJustification bool      `json:"require_justification"`
	Prompt               string    `json:"prompt,omitempty"`
	AskedAt              time.Time `json:"asked_at"`
	// Remote is the git remote the question travels through: the one it
	// was pushed to, or fetched from; "" for a question kept here.
	Remote string `json:"remote,omitempty"`
}

// Record is a question with its answer: DESIGN.md's human input.
type Record struct {
	ID            string     `json:"id"`
	SessionID     string     `json:"session_id"`
	Issue         string     `json:"issue"`
	Options       []string   `json:"options"`
	Default       string     `json:"default"`
	Option        string     `json:"option"`
	Justification string     `json:"justification"`
	AnsweredBy    string     `json:"answered_by"`
	AskedAt       time.Time  `json:"asked_at"`
	AnsweredAt    *time.Time `json:"answered_at"`
	Remote        string     `json:"remote,omitempty"` // as the question's
	// Answerer is who answered through a remote, as git names them ("Name
	// <email>"): remote answers come from other people's clones.
	Answerer string `json:"answerer,omitempty"`
}

// Answered makes the record of q answered with option.
func (q *Question) Answered(option, justification, by string, at time.Time) *Record {
	at = at.UTC()
	return &Record{ID: q.ID, SessionID: q.SessionID, Issue: q.Issue, Options: q.Options, Default: q.Default,
		Option: option, Justification: justification, AnsweredBy: by, AskedAt: q.AskedAt, AnsweredAt: &at, Remote: q.Remote}
}

// Unanswered is the record of q while it waits.
func (q *Question) Unanswered() *Record {
	return &Record{ID: q.ID, SessionID: q.SessionID, Issue: q.Issue, Options: q.Options, Default: q.Default, AskedAt: q.AskedAt, Remote: q.Remote}
}

// Validate checks that a question can be asked.
func (q *Question) Validate() error {
	if strings.TrimSpace(q.Issue) == "" {
		return errors.New("the question is empty: give it with --issue")
	}
	if len(q.Options) < 2 {
		return errors.New("a question needs at least two options: give them with --option (repeat it)")
	}
	// Options must be told apart as Match tells them: by text in any case
	// (Unicode case folding, so "s" and "ſ" are one), and by number.
	for i, o := range q.Options {
		t := strings.TrimSpace(o)
		if t == "" {
			return fmt.Errorf("option %d is empty", i+1)
		}
		for _, p := range q.Options[:i] {
			if strings.EqualFold(strings.TrimSpace(p), t) {
				return fmt.Errorf("option %q is repeated (options are matched in any case)", o)
			}
		}
		if n, ok := number(t); ok && n != i+1 {
			return fmt.Errorf("option %q reads as a number other than its own (%d): an answer of %q would mean option %d", o, i+1, t, n)
		}
	}
	if q.Default != "" && q.Match(q.Default) == "" {
		return fmt.Errorf("the default %q is not one of the options", q.Default)
	}
	q.Default = q.Match(q.Default)
	return nil
}

// Match returns the option s names: its number (1 for the first) or its
// text, in any case; "" when none.
func (q *Question) Match(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if n, ok := number(s); ok {
		if n >= 1 && n <= len(q.Options) {
			return q.Options[n-1]
		}
		return ""
	}
	for _, o := range q.Options {
		if strings.EqualFold(strings.TrimSpace(o), s) {
			return o
		}
	}
	return ""
}

// number reads s as an option's number: plain decimal digits, as typed.
func number(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && strconv.Itoa(n) == s
}

// key identifies a question for deduplication: the same session asking the
// same thing with the same options.
func (q *Question) key() string {
	h := sha256.New()
	json.NewEncoder(h).Encode([]any{q.SessionID, strings.TrimSpace(q.Issue), q.Options, q.Default})
	return hex.EncodeToString(h.Sum(nil))
}

// Store keeps the questions asked for later, and their answers, in the
// local state: questions/<id>.json, written once, and
// questions/<id>.answer.json, created exclusively so that of two people
// answering at once, the first one wins.
type Store struct {
	dir string
	// Now is the clock.
	Now func() time.Time
	// Notifier is told of each new question Defer records; nil tells
	// nobody.
	Notifier *notify.Notifier
}

// NewStore keeps questions under the state directory stateDir.
func NewStore(stateDir string) *Store {
	return &Store{dir: filepath.Join(stateDir, "questions"), Now: time.Now}
}

type storedQuestion struct {
	Question
	Key string `json:"key"`
}

// ErrNoQuestion is an id the store does not have.
var ErrNoQuestion = errors.New("no such question")

// Defer records q to be answered later and returns its id. When the same
// question of the same session is still open, it returns that one's id and
// true: a looping agent does not pile up duplicates.
func (s *Store) Defer(q *Question, newID func() string) (string, bool, error) {
	id, existing, err := s.deferQuestion(q, newID)
	if err == nil && !existing {
		// Told once the lock is released: a notifier may take its time.
		NotifyAsked(s.Notifier, q, time.Time{}, "")
	}
	return id, existing, err
}

func (s *Store) deferQuestion(q *Question, newID func() string) (string, bool, error) {
	unlock, err := state.Lock(filepath.Join(s.dir, ".lock"))
	if err != nil {
		return "", false, err
	}
	defer unlock()
	key := q.key()
	open, err := s.open()
	if err != nil {
		return "", false, err
	}
	for _, o := range open {
		if o.Key == key {
			return o.ID, true, nil
		}
	}
	q.ID = newID()
	data, err := json.Marshal(storedQuestion{Question: *q, Key: key})
	if err != nil {
		return "", false, err
	}
	return q.ID, false, state.CreateExclusive(filepath.Join(s.dir, q.ID+".json"), data)
}

// Open lists the questions that wait for an answer, oldest first.
func (s *Store) Open() ([]Question, error) {
	open, err := s.open()
	qs := make([]Question, len(open))
	for i, o := range open {
		qs[i] = o.Question
	}
	return qs, err
}

func (s *Store) open() ([]storedQuestion, error) {
	entries, err := state.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	answered := map[string]bool{}
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".answer.json"); ok {
			answered[id] = true
		}
	}
	var qs []storedQuestion
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasSuffix(id, ".answer") || strings.HasPrefix(id, ".") || answered[id] {
			continue
		}
		q, err := s.read(id)
		if err != nil {
			return nil, err
		}
		qs = append(qs, *q)
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].ID < qs[j].ID })
	return qs, nil
}

func (s *Store) read(id string) (*storedQuestion, error) {
	data, err := state.ReadFile(filepath.Join(s.dir, id+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoQuestion
	}
	if err != nil {
		return nil, err
	}
	var q storedQuestion
	if err := json.Unmarshal(data, &q); err != nil {
		return nil, fmt.Errorf("question %s: %w", id, err)
	}
	if q.ID != id {
		// Not a question: an answer file (ID.answer), or a stray file.
		return nil, ErrNoQuestion
	}
	return &q, nil
}

// IDs lists the ids of every question recorded, answered or not, sorted.
func (s *Store) IDs() ([]string, error) {
	entries, err := state.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if ok && !strings.HasSuffix(id, ".answer") && state.SafeName(id) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Resolve finds the question given names: its id, or, as ids.Resolve
// says, the start of its id or of its random suffix. An *ids.AmbiguousError
// lists the candidates; an *ids.UnknownError, the nearest ids. given is
// compared with the ids the store lists, never used in a path.
func (s *Store) Resolve(given string) (string, error) {
	all, err := s.IDs()
	if err != nil {
		return "", err
	}
	return ids.Resolve(given, all)
}

// Get returns the question id and its answer, nil while it has none.
func (s *Store) Get(id string) (*Question, *Record, error) {
	if !state.SafeName(id) {
		return nil, nil, ErrNoQuestion
	}
	q, err := s.read(id)
	if err != nil {
		return nil, nil, err
	}
	data, err := state.ReadFile(filepath.Join(s.dir, id+".answer.json"))
	if errors.Is(err, os.ErrNotExist) {
		return &q.Question, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, nil, fmt.Errorf("answer to %s: %w", id, err)
	}
	return &q.Question, &r, nil
}

// ErrAnswered says the question has an answer already.
var ErrAnswered = errors.New("already answered")

// AnswerError is an answer the question does not take: not one of its
// options, or without the justification it requires. The one who answers
// can fix it; any other error of Answer is the store's.
type AnswerError struct{ msg string }

func (e *AnswerError) Error() string { return e.msg }

// Answer records the answer to question id; option is matched as on the
// terminal (its number or its text).
func (s *Store) Answer(id, option, justification, by string) (*Record, error) {
	q, prev, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		return prev, ErrAnswered
	}
	r, err := q.answer(option, justification, by, s.Now())
	if err != nil {
		return nil, err
	}
	return s.save(r)
}

// answer makes the record of q answered with option, as Answer checks it.
func (q *Question) answer(option, justification, by string, at time.Time) (*Record, error) {
	chosen := q.Match(option)
	if chosen == "" {
		return nil, &AnswerError{fmt.Sprintf("%q is not one of the options: %s", option, strings.Join(numbered(q.Options), ", "))}
	}
	if q.RequireJustification && strings.TrimSpace(justification) == "" && by != ByTimeout {
		return nil, &AnswerError{"this question requires a justification: give it with --justification"}
	}
	return q.Answered(chosen, strings.TrimSpace(justification), by, at), nil
}

// save records r, the answer to question r.ID, unless it has one: the
// first answer wins.
func (s *Store) save(r *Record) (*Record, error) {
	id := r.ID
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if err := state.CreateExclusive(filepath.Join(s.dir, id+".answer.json"), data); err != nil {
		if errors.Is(err, state.ErrExists) {
			_, prev, _ := s.Get(id)
			return prev, ErrAnswered
		}
		return nil, err
	}
	return r, nil
}

// ErrTimeout says nobody answered in time.
var ErrTimeout = errors.New("no answer in time")

// Wait waits for the answer to question id, checking every poll, until
// timeout (0: for ever). On a timeout it records the default as the answer
// when there is one (answered_by "timeout"), else returns ErrTimeout.
func (s *Store) Wait(id string, timeout, poll time.Duration, stop <-chan struct{}) (*Record, error) {
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		q, r, err := s.Get(id)
		if err != nil || r != nil {
			return r, err
		}
		select {
		case <-tick.C:
		case <-stop:
			return nil, ErrTimeout
		case <-deadline:
			if q.Default == "" {
				return nil, ErrTimeout
			}
			r, err := s.Answer(id, q.Default, "", ByTimeout)
			if errors.Is(err, ErrAnswered) {
				return r, nil // answered at the last moment
			}
			return r, err
		}
	}
}

func numbered(options []string) []string {
	out := make([]string, len(options))
	for i, o := range options {
		out[i] = fmt.Sprintf("%d) %s", i+1, o)
	}
	return out
}
