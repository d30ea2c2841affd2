package escalate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
)

// A question as recovery.toml's test_failure prompt puts it.
func testFailureQuestion() *escalate.Question {
	return &escalate.Question{
		SessionID: "s1",
		Issue:     "Tests fail, and retrying did not help. What should the agent do?",
		Options:   []string{"fix the code", "fix the test", "quarantine the test and go on", "stop here"},
		Default:   "stop here",
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		q           escalate.Question
		wantErr     string // a part of the message; "" for none
		wantDefault string
	}{
		{name: "valid", q: escalate.Question{Issue: "go on?", Options: []string{"yes", "no"}, Default: "no"}, wantDefault: "no"},
		{name: "no default", q: escalate.Question{Issue: "go on?", Options: []string{"yes", "no"}}},
		{name: "default in another case", q: escalate.Question{Issue: "go on?", Options: []string{"yes", "No"}, Default: " no "}, wantDefault: "No"},
		{name: "default by number", q: escalate.Question{Issue: "go on?", Options: []string{"yes", "no"}, Default: "2"}, wantDefault: "no"},
		{name: "empty issue", q: escalate.Question{Issue: "", Options: []string{"yes", "no"}}, wantErr: "the question is empty"},
		{name: "blank issue", q: escalate.Question{Issue: " \t\n", Options: []string{"yes", "no"}}, wantErr: "the question is empty"},
		{name: "no options", q: escalate.Question{Issue: "go on?"}, wantErr: "at least two options"},
		{name: "one option", q: escalate.Question{Issue: "go on?", Options: []string{"yes"}}, wantErr: "at least two options"},
		{name: "duplicate options", q: escalate.Question{Issue: "go on?", Options: []string{"yes", "no", "yes"}}, wantErr: `option "yes" is repeated`},
		{name: "duplicate options in another case", q: escalate.Question{Issue: "go on?", Options: []string{"Yes", "yes"}}, wantErr: `option "yes" is repeated`},
		{name: "duplicate options but for spaces", q: escalate.Question{Issue: "go on?", Options: []string{"yes", " yes "}}, wantErr: "repeated"},
		{name: "empty option", q: escalate.Question{Issue: "go on?", Options: []string{"yes", ""}}, wantErr: `option 2 is empty`},
		{name: "blank option", q: escalate.Question{Issue: "go on?", Options: []string{"yes", "  "}}, wantErr: "option 2 is empty"},
		{name: "an option that reads as another's number", q: escalate.Question{Issue: "which?", Options: []string{"3", "2", "1"}}, wantErr: `option "3" reads as a number other than its own (1)`},
		{name: "default not an option", q: escalate.Question{Issue: "go on?", Options: []string{"yes", "no"}, Default: "maybe"}, wantErr: `the default "maybe" is not one of the options`},
		{name: "default number out of range", q: escalate.Question{Issue: "go on?", Options: []string{"yes", "no"}, Default: "3"}, wantErr: `the default "3" is not one of the options`},
		{name: "default number zero", q: escalate.Question{Issue: "go on?", Options: []string{"yes", "no"}, Default: "0"}, wantErr: "not one of the options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			err := q.Validate()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			// The default is stored as the option's own text, so that the menu
			// marks it and the record names it as the person saw it.
			if got, want := q.Default, tt.wantDefault; got != want {
				t.Errorf("Default after Validate = %q, want %q", got, want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	q := &escalate.Question{Issue: "?", Options: []string{"fix the code", "Fix The Test", " stop here ", "ß"}}
	tests := []struct {
		in, want string
	}{
		{"1", "fix the code"},
		{"2", "Fix The Test"},
		{"4", "ß"},
		{" 3 ", " stop here "},
		{"3\n", " stop here "},
		{"fix the code", "fix the code"},
		{"FIX THE CODE", "fix the code"},
		{"fix the test", "Fix The Test"},
		{"  stop here\t", " stop here "},
		{"stop here", " stop here "},
		// Numbers are taken only in their plain form: what the menu shows.
		{"0", ""},
		{"5", ""},
		{"-1", ""},
		{"01", ""},
		{"+1", ""},
		{"1.0", ""},
		{"1 2", ""},
		{"99999999999999999999999", ""},
		// No prefixes: "fix" would be two options at once.
		{"fix", ""},
		{"stop", ""},
		{"fix the", ""},
		{"", ""},
		{"   ", ""},
		{"fix  the code", ""},
	}
	for _, tt := range tests {
		if got := q.Match(tt.in); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMatchWithoutOptions(t *testing.T) {
	t.Parallel()
	q := &escalate.Question{}
	for _, in := range []string{"", "1", "0", "a"} {
		if got := q.Match(in); got != "" {
			t.Errorf("Match(%q) without options = %q, want \"\"", in, got)
		}
	}
}

// Bug: Validate tells options apart with strings.ToLower, Match with
// strings.EqualFold. Options that fold together without lowering to the
// same string ("s" and "ſ", "σ" and "ς") pass Validate, and then the second
// can never be chosen by its text: Match returns the first.
func TestEveryValidOptionCanBeChosenByItsText(t *testing.T) {
	for _, options := range [][]string{{"s", "ſ"}, {"σ", "ς"}, {"k", "\u212a"}} {
		q := &escalate.Question{Issue: "?", Options: options}
		if err := q.Validate(); err != nil {
			continue // refused as duplicates: fine too
		}
		for _, o := range options {
			if got := q.Match(o); got != o {
				t.Errorf("Options %q: Match(%q) = %q, want %q", options, o, got, o)
			}
		}
	}
}

func TestAnsweredAndUnanswered(t *testing.T) {
	t.Parallel()
	q := testFailureQuestion()
	q.ID = "q-1"
	q.RequireJustification = true
	q.AskedAt = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := time.Date(2024, 5, 1, 14, 30, 0, 0, time.FixedZone("CEST", 2*3600))

	u := q.Unanswered()
	if u.ID != q.ID || u.SessionID != q.SessionID || u.Issue != q.Issue || !reflect.DeepEqual(u.Options, q.Options) ||
		u.Default != q.Default || !u.AskedAt.Equal(q.AskedAt) {
		t.Errorf("Unanswered() = %+v, does not carry the question %+v", u, q)
	}
	if u.Option != "" || u.AnsweredBy != "" || u.AnsweredAt != nil {
		t.Errorf("Unanswered() = %+v, has an answer", u)
	}

	r := q.Answered("fix the test", "the assertion is outdated", escalate.ByHuman, at)
	if r.Option != "fix the test" || r.Justification != "the assertion is outdated" || r.AnsweredBy != escalate.ByHuman {
		t.Errorf("Answered() = %+v", r)
	}
	if r.AnsweredAt == nil || !r.AnsweredAt.Equal(at) || r.AnsweredAt.Location() != time.UTC {
		t.Errorf("AnsweredAt = %v, want %v in UTC", r.AnsweredAt, at)
	}

	// DESIGN.md fixes the field names of a human input; an unanswered one
	// says so with a null answered_at rather than a zero time.
	data, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "issue", "options", "default", "option", "justification", "answered_by", "asked_at", "answered_at"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("the record has no %q: %s", k, data)
		}
	}
	if fields["answered_at"] != nil {
		t.Errorf("answered_at of an unanswered question = %v, want null", fields["answered_at"])
	}
}

// sequence gives question ids that sort in the order they are made, as
// ids.New's do, so that "oldest first" is checkable.
func sequence() func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("q-%04d", n.Add(1)) }
}

var fixedNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*escalate.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s := escalate.NewStore(dir)
	s.Now = func() time.Time { return fixedNow }
	return s, dir
}

func deferQuestion(t *testing.T, s *escalate.Store, q *escalate.Question, newID func() string) string {
	t.Helper()
	id, existing, err := s.Defer(q, newID)
	if err != nil {
		t.Fatal(err)
	}
	if existing {
		t.Fatalf("Defer(%q) found an open question %s", q.Issue, id)
	}
	return id
}

func TestDeferDeduplicatesOpenQuestions(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	newID := sequence()

	first := deferQuestion(t, s, testFailureQuestion(), newID)
	// An agent looping on the same failure asks again with a fresh question.
	again, existing, err := s.Defer(testFailureQuestion(), newID)
	if err != nil {
		t.Fatal(err)
	}
	if again != first || !existing {
		t.Errorf("Defer of the same question = %s, %v; want %s, true", again, existing, first)
	}
	spaced := testFailureQuestion()
	spaced.Issue = "  " + spaced.Issue + "\n"
	if id, existing, err := s.Defer(spaced, newID); err != nil || id != first || !existing {
		t.Errorf("Defer of the same issue with surrounding spaces = %s, %v, %v; want %s, true", id, existing, err, first)
	}

	// Anything else that tells the questions apart makes a new one.
	otherSession := testFailureQuestion()
	otherSession.SessionID = "s2"
	otherOptions := testFailureQuestion()
	otherOptions.Options = otherOptions.Options[1:]
	otherDefault := testFailureQuestion()
	otherDefault.Default = "fix the code"
	otherIssue := testFailureQuestion()
	otherIssue.Issue += "!"
	seen := map[string]string{first: "the first"}
	for what, q := range map[string]*escalate.Question{"session": otherSession, "options": otherOptions, "default": otherDefault, "issue": otherIssue} {
		id := deferQuestion(t, s, q, newID)
		if prev, ok := seen[id]; ok {
			t.Errorf("a question with another %s got the id of %s: %s", what, prev, id)
		}
		seen[id] = what
	}

	// Once answered, the same question is a new one.
	if _, err := s.Answer(first, "1", "", escalate.ByAsync); err != nil {
		t.Fatal(err)
	}
	next, existing, err := s.Defer(testFailureQuestion(), newID)
	if err != nil {
		t.Fatal(err)
	}
	if next == first || existing {
		t.Errorf("Defer after the answer = %s, %v; want a new id, false", next, existing)
	}
}

func TestDeferredQuestionIsStoredWhole(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	q := testFailureQuestion()
	q.RequireJustification = true
	q.Prompt = "test_failure"
	q.AskedAt = fixedNow
	id := deferQuestion(t, s, q, func() string { return "q-x" })
	if id != "q-x" || q.ID != "q-x" {
		t.Errorf("Defer = %s, Question.ID = %s; want q-x for both", id, q.ID)
	}
	got, r, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if r != nil {
		t.Errorf("a new question has an answer: %+v", r)
	}
	if !reflect.DeepEqual(got, q) {
		t.Errorf("Get = %+v, want %+v", got, q)
	}
}

func TestOpenListsOnlyUnansweredOldestFirst(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	if open, err := s.Open(); err != nil || len(open) != 0 {
		t.Fatalf("Open of an empty store = %v, %v", open, err)
	}
	newID := sequence()
	var ids []string
	for _, issue := range []string{"first?", "second?", "third?"} {
		q := testFailureQuestion()
		q.Issue = issue
		ids = append(ids, deferQuestion(t, s, q, newID))
	}
	if _, err := s.Answer(ids[1], "stop here", "", escalate.ByAsync); err != nil {
		t.Fatal(err)
	}
	open, err := s.Open()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range open {
		got = append(got, q.ID+" "+q.Issue)
	}
	want := []string{ids[0] + " first?", ids[2] + " third?"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Open = %q, want %q", got, want)
	}
}

func TestAnswer(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	q := testFailureQuestion()
	q.AskedAt = fixedNow.Add(-time.Hour)
	id := deferQuestion(t, s, q, sequence())

	for _, bad := range []string{"", "0", "5", "fix", "maybe"} {
		_, err := s.Answer(id, bad, "", escalate.ByAsync)
		if err == nil || !strings.Contains(err.Error(), "is not one of the options: 1) fix the code, 2) fix the test") {
			t.Errorf("Answer(%q) = %v, want an error listing the options", bad, err)
		}
	}
	if _, r, _ := s.Get(id); r != nil {
		t.Fatalf("a refused answer was recorded: %+v", r)
	}

	r, err := s.Answer(id, " 2 ", "  the expectation is outdated \n", escalate.ByAsync)
	if err != nil {
		t.Fatal(err)
	}
	want := &escalate.Record{ID: id, SessionID: "s1", Issue: q.Issue, Options: q.Options, Default: q.Default,
		Option: "fix the test", Justification: "the expectation is outdated", AnsweredBy: escalate.ByAsync,
		AskedAt: q.AskedAt, AnsweredAt: &fixedNow}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Answer = %+v\nwant %+v", r, want)
	}
	_, stored, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, want) {
		t.Errorf("Get after Answer = %+v\nwant %+v", stored, want)
	}
}

func TestAnswerRequiresJustification(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	q := testFailureQuestion()
	q.RequireJustification = true
	id := deferQuestion(t, s, q, sequence())
	for _, j := range []string{"", "  \t"} {
		if _, err := s.Answer(id, "fix the code", j, escalate.ByAsync); err == nil || !strings.Contains(err.Error(), "requires a justification") {
			t.Errorf("Answer with justification %q = %v, want it refused", j, err)
		}
	}
	if _, r, _ := s.Get(id); r != nil {
		t.Fatalf("a refused answer was recorded: %+v", r)
	}
	// Nobody is there to justify the default a timeout gives.
	r, err := s.Answer(id, "stop here", "", escalate.ByTimeout)
	if err != nil || r.Option != "stop here" || r.AnsweredBy != escalate.ByTimeout {
		t.Errorf("Answer by timeout = %+v, %v", r, err)
	}
}

func TestAnswerTwiceKeepsTheFirst(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	id := deferQuestion(t, s, testFailureQuestion(), sequence())
	first, err := s.Answer(id, "fix the code", "first", escalate.ByAsync)
	if err != nil {
		t.Fatal(err)
	}
	prev, err := s.Answer(id, "stop here", "second", escalate.ByHuman)
	if !errors.Is(err, escalate.ErrAnswered) {
		t.Fatalf("second Answer = %v, want ErrAnswered", err)
	}
	// The second person is told what the first one answered.
	if !reflect.DeepEqual(prev, first) {
		t.Errorf("second Answer returned %+v, want the first answer %+v", prev, first)
	}
	// Even an answer that is not an option is told it came too late.
	if _, err := s.Answer(id, "nonsense", "", escalate.ByAsync); !errors.Is(err, escalate.ErrAnswered) {
		t.Errorf("late invalid Answer = %v, want ErrAnswered", err)
	}
	_, stored, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, first) {
		t.Errorf("stored answer = %+v, want the first %+v", stored, first)
	}
}

func TestConcurrentAnswersOneWins(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	id := deferQuestion(t, s, testFailureQuestion(), sequence())
	const n = 32
	type outcome struct {
		r   *escalate.Record
		err error
	}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			r, err := s.Answer(id, fmt.Sprint(i%4+1), fmt.Sprint("person ", i), escalate.ByAsync)
			out[i] = outcome{r, err}
		})
	}
	close(start)
	wg.Wait()

	_, stored, err := s.Get(id)
	if err != nil || stored == nil {
		t.Fatalf("Get after the race = %v, %v", stored, err)
	}
	winners := 0
	for i, o := range out {
		switch {
		case o.err == nil:
			winners++
			if !reflect.DeepEqual(o.r, stored) {
				t.Errorf("person %d won with %+v, but the store holds %+v", i, o.r, stored)
			}
		case errors.Is(o.err, escalate.ErrAnswered):
			if !reflect.DeepEqual(o.r, stored) {
				t.Errorf("person %d lost and was told %+v, but the store holds %+v", i, o.r, stored)
			}
		default:
			t.Errorf("person %d: %v", i, o.err)
		}
	}
	if winners != 1 {
		t.Errorf("%d answers won, want exactly 1", winners)
	}
}

func TestConcurrentDeferOneQuestion(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	newID := sequence()
	const n = 32
	ids := make([]string, n)
	existing := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			ids[i], existing[i], errs[i] = s.Defer(testFailureQuestion(), newID)
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Defer %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("Defer %d = %s, Defer 0 = %s: want one question", i, ids[i], ids[0])
		}
		if !existing[i] {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d Defers created the question, want 1", created)
	}
	if open, err := s.Open(); err != nil || len(open) != 1 {
		t.Errorf("Open = %d questions, %v; want 1", len(open), err)
	}
}

// tree lists every file under root with its content, to show that a
// refused id touched nothing.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		m[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUnsafeOrUnknownIDs(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	stateDir := filepath.Join(root, "state")
	s := escalate.NewStore(stateDir)
	id := deferQuestion(t, s, testFailureQuestion(), sequence())

	// Valid questions lie just outside the store, where "../x" and
	// "../../x" lead from questions/.
	valid, err := os.ReadFile(filepath.Join(stateDir, "questions", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(stateDir, "x.json"), filepath.Join(root, "x.json")} {
		if err := os.WriteFile(p, valid, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := tree(t, root)

	for _, bad := range []string{"", ".", "..", "../x", "../../x", "questions/../x", "/x", "a/b", "x\x00", "q-nope"} {
		if q, r, err := s.Get(bad); !errors.Is(err, escalate.ErrNoQuestion) || q != nil || r != nil {
			t.Errorf("Get(%q) = %v, %v, %v; want ErrNoQuestion", bad, q, r, err)
		}
		if r, err := s.Answer(bad, "1", "why", escalate.ByAsync); !errors.Is(err, escalate.ErrNoQuestion) || r != nil {
			t.Errorf("Answer(%q) = %v, %v; want ErrNoQuestion", bad, r, err)
		}
		if r, err := s.Wait(bad, time.Minute, time.Millisecond, nil); !errors.Is(err, escalate.ErrNoQuestion) || r != nil {
			t.Errorf("Wait(%q) = %v, %v; want ErrNoQuestion", bad, r, err)
		}
	}
	if after := tree(t, root); !reflect.DeepEqual(after, before) {
		t.Errorf("refused ids changed the files:\nbefore %q\nafter  %q", before, after)
	}
}

// Bug: an answer file is read as a question. Once q-0001 is answered,
// questions/q-0001.answer.json exists, and Get("q-0001.answer") decodes it
// as a question (of id q-0001, with no answer) instead of ErrNoQuestion;
// Answer("q-0001.answer", ...) then records a second answer to q-0001.
func TestAnswerFileIsNotAQuestion(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	id := deferQuestion(t, s, testFailureQuestion(), sequence())
	if _, err := s.Answer(id, "fix the code", "", escalate.ByAsync); err != nil {
		t.Fatal(err)
	}
	if q, r, err := s.Get(id + ".answer"); !errors.Is(err, escalate.ErrNoQuestion) {
		t.Errorf("Get(%q) = %+v, %+v, %v; want ErrNoQuestion", id+".answer", q, r, err)
	}
	if r, err := s.Answer(id+".answer", "stop here", "", escalate.ByAsync); err == nil {
		t.Errorf("Answer(%q) = %+v: a second answer to %s", id+".answer", r, id)
	}
}

// hangGuard runs f and fails the test if it has not returned long after
// any correct run would have: it catches a hang, it measures nothing.
func hangGuard(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return", what)
	}
}

func TestWaitReturnsTheAnswer(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	q := testFailureQuestion()
	q.Default = "" // a timeout would be an error, not a silent default
	id := deferQuestion(t, s, q, sequence())

	answered := make(chan error, 1)
	go func() {
		// Let Wait find no answer first; correctness does not depend on it.
		time.Sleep(20 * time.Millisecond)
		_, err := s.Answer(id, "fix the test", "because", escalate.ByAsync)
		answered <- err
	}()
	var r *escalate.Record
	var err error
	hangGuard(t, "Wait", func() { r, err = s.Wait(id, 30*time.Second, time.Millisecond, nil) })
	if err != nil {
		t.Fatalf("Wait = %v", err)
	}
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	if r.Option != "fix the test" || r.Justification != "because" || r.AnsweredBy != escalate.ByAsync {
		t.Errorf("Wait = %+v, want the async answer", r)
	}

	// An answered question needs no waiting at all, whatever the poll.
	hangGuard(t, "Wait on an answered question", func() { r, err = s.Wait(id, 0, time.Hour, nil) })
	if err != nil || r.Option != "fix the test" {
		t.Errorf("Wait on an answered question = %+v, %v", r, err)
	}
}

func TestWaitTimeoutGivesTheDefault(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	q := testFailureQuestion()
	// A timeout answers for nobody, so it needs no justification.
	q.RequireJustification = true
	id := deferQuestion(t, s, q, sequence())
	var r *escalate.Record
	var err error
	hangGuard(t, "Wait", func() { r, err = s.Wait(id, 10*time.Millisecond, time.Millisecond, nil) })
	if err != nil {
		t.Fatalf("Wait = %v", err)
	}
	if r.Option != "stop here" || r.AnsweredBy != escalate.ByTimeout || r.Justification != "" {
		t.Errorf("Wait after the timeout = %+v, want the default answered by timeout", r)
	}
	_, stored, err := s.Get(id)
	if err != nil || !reflect.DeepEqual(stored, r) {
		t.Errorf("stored answer = %+v, %v; want %+v", stored, err, r)
	}
	if open, _ := s.Open(); len(open) != 0 {
		t.Errorf("the question is still open after the timeout: %+v", open)
	}
}

func TestWaitTimeoutWithoutDefault(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	q := testFailureQuestion()
	q.Default = ""
	id := deferQuestion(t, s, q, sequence())
	var err error
	hangGuard(t, "Wait", func() { _, err = s.Wait(id, 10*time.Millisecond, time.Millisecond, nil) })
	if !errors.Is(err, escalate.ErrTimeout) {
		t.Errorf("Wait = %v, want ErrTimeout", err)
	}
	// The question stays open for someone to answer later.
	if _, r, err := s.Get(id); r != nil || err != nil {
		t.Errorf("Get after the timeout = %+v, %v; want no answer", r, err)
	}
}

func TestWaitStops(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	id := deferQuestion(t, s, testFailureQuestion(), sequence())
	stop := make(chan struct{})
	close(stop)
	var err error
	// No timeout and an hour's poll: only stop can end it.
	hangGuard(t, "Wait with stop closed", func() { _, err = s.Wait(id, 0, time.Hour, stop) })
	if !errors.Is(err, escalate.ErrTimeout) {
		t.Errorf("Wait = %v, want ErrTimeout", err)
	}
	// Being stopped is not a timeout: the default is not recorded.
	if _, r, err := s.Get(id); r != nil || err != nil {
		t.Errorf("Get after the stop = %+v, %v; want no answer", r, err)
	}
}

func TestStoreFilesAreJSON(t *testing.T) {
	t.Parallel()
	s, dir := newStore(t)
	id := deferQuestion(t, s, testFailureQuestion(), sequence())
	if _, err := s.Answer(id, "1", "", escalate.ByAsync); err != nil {
		t.Fatal(err)
	}
	// Other tools (maestro log, a person with jq) read these files.
	for _, name := range []string{id + ".json", id + ".answer.json"} {
		data, err := os.ReadFile(filepath.Join(dir, "questions", name))
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(data) || bytes.Count(data, []byte("\n")) > 1 {
			t.Errorf("%s is not one JSON document: %q", name, data)
		}
	}
}

// Questions by any unique part of their id (issue 8): answered ones too;
// an answer file, the lock or a stray file is no question; a hostile id
// is only compared, and matches nothing outside the store.
func TestResolve(t *testing.T) {
	t.Parallel()
	s, dir := newStore(t)
	ids := []string{"q-20261202T101500.000000001Z-a3f01c9e", "q-20261202T101500.000000002Z-7b2d44e0"}
	next := 0
	newID := func() string { next++; return ids[next-1] }
	deferQuestion(t, s, testFailureQuestion(), newID)
	q := testFailureQuestion()
	q.Issue = "another"
	deferQuestion(t, s, q, newID)
	if _, err := s.Answer(ids[0], "1", "", escalate.ByAsync); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "questions", "q-20261202T101500.000000003Z-a3f0dead.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "x.json"), nil, 0o644)
	for given, want := range map[string]string{"a3f0": ids[0], "7b2d44e0": ids[1], ids[0]: ids[0], "20261202T101500.000000002": ids[1]} {
		if got, err := s.Resolve(given); err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", given, got, err, want)
		}
	}
	for _, bad := range []string{"q-2026", "../x", "x", "q-20261202T101500.000000001Z-a3f01c9e.answer", ".lock"} {
		if got, err := s.Resolve(bad); err == nil {
			t.Errorf("Resolve(%q) = %q, want an error", bad, got)
		}
	}
}
