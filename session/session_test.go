package session_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/recovery"
	"github.com/maestro-recovery/maestro/session"
)

var t0 = time.Date(2024, 5, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600))

func TestStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	info, err := session.Start(dir, "feature-x", "add the parser", t0)
	if err != nil {
		t.Fatal(err)
	}
	want := &session.Info{ID: "feature-x", Description: "add the parser", StartedAt: t0.UTC()}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("Start = %+v, want %+v", info, want)
	}
	es, err := session.Open(dir, "feature-x").Entries()
	if err != nil {
		t.Fatal(err)
	}
	wantEntries := []session.Entry{{Time: t0.UTC(), SessionID: "feature-x", Type: session.KindStart, Description: "add the parser"}}
	if !reflect.DeepEqual(es, wantEntries) {
		t.Errorf("log after Start = %+v, want %+v", es, wantEntries)
	}

	// Starting a session twice would give it two beginnings.
	if _, err := session.Start(dir, "feature-x", "again", t0.Add(time.Hour)); !errors.Is(err, state.ErrExists) {
		t.Errorf("second Start = %v, want state.ErrExists", err)
	}
	list, err := session.List(dir)
	if err != nil || len(list) != 1 || list[0].Description != "add the parser" {
		t.Errorf("List after a second Start = %+v, %v; want the first description", list, err)
	}
	if es, _ := session.Open(dir, "feature-x").Entries(); len(es) != 1 {
		t.Errorf("the second Start logged: %+v", es)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if list, err := session.List(dir); err != nil || len(list) != 0 {
		t.Fatalf("List of a new state directory = %+v, %v", list, err)
	}
	for _, id := range []string{"zeta", "alpha"} {
		if _, err := session.Start(dir, id, "work on "+id, t0); err != nil {
			t.Fatal(err)
		}
	}
	// A session named only by $MAESTRO_SESSION_ID has a log and no start.
	if err := session.Open(dir, "mid").Append(session.Entry{Type: session.KindRun, Run: &session.Run{Outcome: "passed", AttemptsMade: 1}}); err != nil {
		t.Fatal(err)
	}
	// Only folders are sessions.
	if err := os.WriteFile(filepath.Join(dir, "sessions", "stray.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := session.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []session.Info{
		{ID: "alpha", Description: "work on alpha", StartedAt: t0.UTC()},
		{ID: "mid"},
		{ID: "zeta", Description: "work on zeta", StartedAt: t0.UTC()},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("List = %+v\nwant %+v", list, want)
	}

	// A damaged session file is reported, not taken for an unstarted session.
	if err := os.WriteFile(filepath.Join(dir, "sessions", "mid", "session.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := session.List(dir); err == nil || !strings.Contains(err.Error(), "session mid") {
		t.Errorf("List with a damaged session.json = %v, want an error naming the session", err)
	}
}

func TestAppendAndEntries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := session.Open(dir, "s1")
	if log.Dir != filepath.Join(dir, "sessions", "s1") || log.ID != "s1" {
		t.Errorf("Open = %+v", log)
	}
	if es, err := log.Entries(); err != nil || len(es) != 0 {
		t.Fatalf("Entries of a log never written = %+v, %v", es, err)
	}

	run := &session.Run{Command: []string{"go", "test", "./..."}, ExitCode: 1, Outcome: "failed", AttemptsMade: 2,
		Failures: map[string]int{"test_failure": 2}, TotalTimeSeconds: 1.5,
		Recovery: []recovery.Result{{StrategyUsed: recovery.RetryWithBackoff, Message: "failed 2 attempts", RecoveredAt: t0.UTC()}}}
	q := &escalate.Question{ID: "q-1", SessionID: "s1", Issue: "go on?", Options: []string{"yes", "no"}, Default: "no", AskedAt: t0.UTC()}
	answer := q.Answered("yes", "it is safe", escalate.ByHuman, t0.Add(time.Minute))
	before := time.Now()
	appended := []session.Entry{
		// The log stamps the session, whatever the entry says.
		{Time: t0, SessionID: "someone-else", Type: session.KindRun, Run: run},
		{Time: t0.Add(time.Second), Type: session.KindQuestion, Human: q.Unanswered()},
		{Time: t0.Add(time.Minute), Type: session.KindAnswer, Human: answer},
		// No time: now.
		{Type: session.KindRun, Run: &session.Run{Outcome: "passed", AttemptsMade: 1}},
	}
	for _, e := range appended {
		if err := log.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	es, err := log.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != len(appended) {
		t.Fatalf("Entries = %d entries, want %d", len(es), len(appended))
	}
	for i, e := range es {
		if e.SessionID != "s1" || e.Time.Location() != time.UTC {
			t.Errorf("entry %d: session %q, time %v; want s1, in UTC", i, e.SessionID, e.Time)
		}
		if i < 3 && !e.Time.Equal(appended[i].Time) {
			t.Errorf("entry %d: time %v, want %v", i, e.Time, appended[i].Time)
		}
	}
	if es[3].Time.Before(before.Add(-time.Second)) {
		t.Errorf("an entry without time got %v, want about now", es[3].Time)
	}
	if !reflect.DeepEqual(es[2].Human, answer) {
		t.Errorf("answer read back = %+v, want %+v", es[2].Human, answer)
	}
	if got := es[0].Run; !reflect.DeepEqual(got.Command, run.Command) || got.Outcome != "failed" || got.AttemptsMade != 2 ||
		!reflect.DeepEqual(got.Failures, run.Failures) || len(got.Recovery) != 1 || got.Recovery[0].StrategyUsed != recovery.RetryWithBackoff {
		t.Errorf("run read back = %+v, want %+v", got, run)
	}

	// The file is the documented one: one JSON entry a line.
	data, err := os.ReadFile(filepath.Join(dir, "sessions", "s1", "log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != len(appended) {
		t.Errorf("log.jsonl has %d lines, want %d", n, len(appended))
	}
}

func TestEntriesReportsDamage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := session.Open(dir, "s1")
	if err := log.Append(session.Entry{Type: session.KindStart}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(log.Dir, "log.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n{half an entry\n")
	f.Close()
	_, err = log.Entries()
	if err == nil || !strings.Contains(err.Error(), "log.jsonl:3") {
		t.Errorf("Entries of a damaged log = %v, want the file and line", err)
	}
}

// Runs in several terminals log to one session at once; none may tear
// another's line.
func TestConcurrentAppends(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			// Each writer opens the log itself, as separate processes would.
			log := session.Open(dir, "shared")
			for i := range each {
				cmd := []string{"worker", fmt.Sprint(w), strings.Repeat("x", 4096), fmt.Sprint(i)}
				if err := log.Append(session.Entry{Type: session.KindRun, Run: &session.Run{Command: cmd, Outcome: "passed", AttemptsMade: 1}}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	es, err := session.Open(dir, "shared").Entries()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Run.Command[1]+"/"+e.Run.Command[3]] = true
	}
	if len(es) != writers*each || len(seen) != writers*each {
		t.Errorf("%d entries, %d distinct; want %d", len(es), len(seen), writers*each)
	}
	if s := session.Summarize("shared", es); s.Runs != writers*each || s.Attempts != writers*each {
		t.Errorf("Summarize = %d runs, %d attempts; want %d", s.Runs, s.Attempts, writers*each)
	}
}

func result(strategy string, ok bool) recovery.Result {
	return recovery.Result{StrategyUsed: strategy, Success: ok, Message: strategy, RecoveredAt: t0.UTC()}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := session.Start(dir, "s1", "fix the parser", t0); err != nil {
		t.Fatal(err)
	}
	log := session.Open(dir, "s1")
	q1 := &escalate.Question{ID: "q-1", SessionID: "s1", Issue: "go on?", Options: []string{"yes", "no"}, Default: "no"}
	q2 := &escalate.Question{ID: "q-2", SessionID: "s1", Issue: "which?", Options: []string{"a", "b"}}
	q3 := &escalate.Question{ID: "q-3", SessionID: "s1", Issue: "later?", Options: []string{"a", "b"}, Default: "a"}
	entries := []session.Entry{
		// Passed at once.
		{Type: session.KindRun, Run: &session.Run{Outcome: "passed", AttemptsMade: 1, Failures: map[string]int{}}},
		// Flaky: two failures, then a pass.
		{Type: session.KindRun, Run: &session.Run{Outcome: "flaky", AttemptsMade: 3, Failures: map[string]int{"transient": 2},
			Recovery: []recovery.Result{result(recovery.RetryWithBackoff, true)}}},
		// Failed for good; the approaches were printed, a rollback made, a
		// person asked and answered.
		{Type: session.KindRun, Run: &session.Run{Outcome: "failed", ExitCode: 1, AttemptsMade: 3, Failures: map[string]int{"test_failure": 2, "transient": 1},
			Recovery: []recovery.Result{
				result(recovery.RetryWithBackoff, false),
				result(recovery.AlternativeApproach, true),
				result(recovery.RollbackToCheckpoint, true),
				result(recovery.HumanInputRequest, true),
			}}},
		// Failed once, nothing worked.
		{Type: session.KindRun, Run: &session.Run{Outcome: "failed", ExitCode: 2, AttemptsMade: 1, Failures: map[string]int{"implementation_failure": 1},
			Recovery: []recovery.Result{
				result(recovery.AlternativeApproach, false),
				result(recovery.RollbackToCheckpoint, false),
				result(recovery.HumanInputRequest, false),
			}}},
		// A run entry that lost its run (a hand edit) counts for nothing.
		{Type: session.KindRun},
		// q-1 asked and answered on the terminal.
		{Type: session.KindQuestion, Human: q1.Unanswered()},
		{Type: session.KindAnswer, Human: q1.Answered("yes", "", escalate.ByHuman, t0)},
		// q-2 asked, never answered.
		{Type: session.KindQuestion, Human: q2.Unanswered()},
		// q-3 only answered here: maestro ask --wait logged its timeout.
		{Type: session.KindAnswer, Human: q3.Answered("a", "", escalate.ByTimeout, t0)},
		// Logged twice, counted once.
		{Type: session.KindQuestion, Human: q1.Unanswered()},
		{Type: session.KindAnswer, Human: q1.Answered("yes", "", escalate.ByHuman, t0)},
		// Entries without their record, and of kinds this version does not
		// know, are skipped.
		{Type: session.KindQuestion},
		{Type: session.KindAnswer},
		{Type: "checkpoint", Description: "from a newer maestro"},
	}
	for _, e := range entries {
		if err := log.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	// Read back from the file, as maestro session show does.
	es, err := log.Entries()
	if err != nil {
		t.Fatal(err)
	}
	started := t0.UTC()
	want := session.Stats{
		SessionID:   "s1",
		Description: "fix the parser",
		StartedAt:   &started,
		Runs:        4,
		Attempts:    8,
		Retries:     4,
		FlakyPasses: 1,
		FailedRuns:  2,
		FailuresByType: map[string]int{
			"transient": 3, "test_failure": 2, "implementation_failure": 1,
		},
		QuestionsAsked:    3,
		QuestionsAnswered: 2,
		// The flaky pass, the rollback and the answer; not the advice.
		ErrorRecoveryCount: 3,
		// Checkpoints, Rollbacks and Undos stay 0: git holds them, and
		// filling them is the caller's job.
	}
	if got := session.Summarize("s1", es); !reflect.DeepEqual(got, want) {
		t.Errorf("Summarize =\n%+v\nwant\n%+v", got, want)
	}
}

func TestSummarizeEmpty(t *testing.T) {
	t.Parallel()
	got := session.Summarize("never-started", nil)
	want := session.Stats{SessionID: "never-started", FailuresByType: map[string]int{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Summarize of no entries = %+v, want %+v", got, want)
	}
	// An empty map, not null, for the JSON that scripts read.
	if got.FailuresByType == nil {
		t.Error("failures_by_type is nil")
	}
}
