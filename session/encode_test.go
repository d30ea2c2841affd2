package session

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/recovery"
	"github.com/maestro-recovery/maestro/testrun"
	"github.com/maestro-recovery/maestro/wrapper"
)

// The hand-written encoders give the bytes reflection gives from the
// struct tags, for every shape an entry takes: a field added to Entry or
// Run without its line in encode.go fails here.
func TestEncodingMatchesTags(t *testing.T) {
	// The same fields and tags, without the MarshalJSON methods.
	type plainRun Run
	type plainEntry struct {
		Time        time.Time        `json:"time"`
		SessionID   string           `json:"session_id"`
		Type        string           `json:"type"`
		Description string           `json:"description,omitempty"`
		Run         *plainRun        `json:"run,omitempty"`
		Human       *escalate.Record `json:"human,omitempty"`
		Truncated   bool             `json:"truncated,omitempty"`
	}
	at := time.Date(2026, 11, 27, 20, 3, 22, 663000000, time.UTC)
	answered := at.Add(time.Minute)
	for name, e := range map[string]Entry{
		"start":    {Time: at, SessionID: "s-1", Type: KindStart, Description: "refactor <the> \"parser\" \u2028 \x01 \xff"},
		"passed":   {Time: at, SessionID: "default", Type: KindRun, Run: &Run{Command: []string{"go", "test", "./..."}, Outcome: "passed", AttemptsMade: 1, Failures: map[string]int{}, TotalTimeSeconds: 0.001234, Recovery: []recovery.Result{}}},
		"nil maps": {Time: at, SessionID: "default", Type: KindRun, Run: &Run{}},
		"failed": {Time: at.In(time.FixedZone("x", 3600)), SessionID: "s-2", Type: KindRun, Run: &Run{Command: []string{"sh", "-c", "exit 3"}, ExitCode: 3, Outcome: "failed", AttemptsMade: 3,
			Failures: map[string]int{"test_failure": 2, "transient": 1}, TotalTimeSeconds: 1e21,
			Recovery: []recovery.Result{{StrategyUsed: recovery.AlternativeApproach, Success: true, Message: "m", Details: map[string]any{"a": 1}, RecoveredAt: at}}}},
		"tests": {Time: at, SessionID: "s-5", Type: KindRun, Run: &Run{Command: []string{"pytest"}, ExitCode: 1, Outcome: "failed", AttemptsMade: 2, TestRunner: "pytest",
			FailedTests:      []wrapper.TestOutcome{{Test: testrun.Test{ID: "t.py::test_b[\x1b]", Runner: "pytest", File: "t.py"}, Attempts: 2, Failures: 2}},
			FailedTestsCount: 3,
			FlakyTests:       []wrapper.TestOutcome{{Test: testrun.Test{ID: "TestA/sub", Runner: "go", Package: "example.com/x"}, Attempts: 2, Failures: 1, PassedOn: 2}},
			FlakyTestsCount:  1}},
		"truncated": {Time: at, SessionID: "s-4", Type: KindStart, Description: "x…", Truncated: true},
		"question":  {Time: at, SessionID: "s-3", Type: KindAnswer, Human: &escalate.Record{ID: "q-1", Issue: "go?", Options: []string{"yes", "no"}, Option: "yes", AnsweredBy: "human", AskedAt: at, AnsweredAt: &answered}},
	} {
		// What Log.Append writes: the encoder itself, not json.Marshal,
		// which would compact and check its bytes first.
		got, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		p := plainEntry{Time: e.Time, SessionID: e.SessionID, Type: e.Type, Description: e.Description, Run: (*plainRun)(e.Run), Human: e.Human, Truncated: e.Truncated}
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		var back Entry
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
