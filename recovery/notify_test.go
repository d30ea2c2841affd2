package recovery_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/maestro-recovery/maestro/notify"
	"github.com/maestro-recovery/maestro/recovery"
)

// run_failed goes out once the chain is over, with what it did, and only
// for a failed run that nobody interrupted.
func TestChainNotifiesFailedRun(t *testing.T) {
	t.Parallel()
	c := defaultConfig(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "events")
	n := notify.New(notify.Config{Command: []string{"sh", "-c", `cat >> "$0"; echo >> "$0"`, out}})
	in := failedRun(t, c)
	in.Notifier, in.ExitCode, in.FailedTests = n, 1, []string{"TestA", "TestB"}
	recovery.Chain(recovery.Policy{Suggest: true}, in)
	passed := in
	passed.Outcome = "flaky"
	recovery.Chain(recovery.Policy{Suggest: true}, passed)
	stopped := in
	stopped.Interrupted = true
	recovery.Chain(recovery.Policy{Suggest: true}, stopped)

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var events []notify.Event
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var e notify.Event
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		events = append(events, e)
	}
	if len(events) != 1 {
		t.Fatalf("%d events, want the failed run's alone: %+v", len(events), events)
	}
	e := events[0]
	r := e.Run
	if e.Event != notify.RunFailed || e.SessionID != in.SessionID || r == nil || r.ExitCode != 1 || r.AttemptsMade != in.AttemptsMade ||
		r.FailureType != in.Classification.FailureType || r.Line != in.Classification.Line || r.FailedTestsCount != 2 || len(r.Recovery) != 2 ||
		r.Recovery[1].StrategyUsed != recovery.AlternativeApproach || !e.Time.Equal(now) {
		t.Errorf("event = %+v, run = %+v", e, r)
	}
}
