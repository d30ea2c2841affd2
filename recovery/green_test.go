package recovery_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/recovery"
)

// Issue 11, point 5: --on-failure rollback goes to the last green of the
// same command when there is one, else to the --checkpoint one, else to the
// session's newest, and says which; a checkpoint of the very state that
// failed is no recovery.
func TestChainRollbackToGreen(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	store, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	pytest := []string{"pytest", "-q"}
	Write(t, dir, "calc.py", "def add(a, b):\n    return a + b\n")
	green, err := store.RecordGreen(checkpoint.GreenOptions{SessionID: "earlier", Command: pytest, TestRunner: "pytest"})
	if err != nil {
		t.Fatal(err)
	}
	atGreen := Take(t, dir, nil)
	// Another branch's newer green of the same command is not main's.
	Git(t, dir, "checkout", "-qb", "feature")
	Write(t, dir, "calc.py", "def add(a, b):\n    return b + a\n")
	if _, err := store.RecordGreen(checkpoint.GreenOptions{SessionID: "earlier", Command: pytest}); err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "checkout", "-qf", "main")

	// The agent edits, then maestro run --checkpoint snapshots the edit,
	// and the tests fail on it.
	Write(t, dir, "calc.py", "def add(a, b):\n    return a - b\n")
	before, err := store.Create(checkpoint.CreateOptions{SessionID: "s1", Type: "pre_risky_operation", Description: "before: pytest -q"})
	if err != nil {
		t.Fatal(err)
	}
	failed := Take(t, dir, nil)

	in := failedRun(t, defaultConfig(t))
	in.Store = func() (*checkpoint.Store, error) { return store, nil }
	in.Checkpoint = before.CheckpointID
	chain := func(command ...string) (recovery.Result, string) {
		t.Helper()
		var progress strings.Builder
		in.Progress, in.Command = &progress, command
		rs := recovery.Chain(recovery.Policy{Rollback: true}, in)
		return rs[len(rs)-1], progress.String()
	}

	// No green of go test: the --checkpoint one, which is the state that
	// failed: nothing moves, nothing is recorded.
	r, progress := chain("go", "test", "./...")
	want := "no green checkpoint of this command, and checkpoint " + before.CheckpointID + " is the state that failed: nothing to roll back to"
	if r.StrategyUsed != recovery.RollbackToCheckpoint || r.Success || r.Recovered() || r.Message != want || r.Details != nil {
		t.Errorf("Chain without a green, at the --checkpoint state = %+v\nwant message %q", r, want)
	}
	if progress != "maestro: no rollback: "+want+"\n" {
		t.Errorf("progress = %q", progress)
	}
	Compare(t, "after a rollback to the state that failed", Take(t, dir, nil), failed)
	if cat, err := store.Load(); err != nil || len(cat.Events) != 0 {
		t.Errorf("events after it: %v, %v", cat.Events, err)
	}

	// The green of pytest -q on main.
	r, progress = chain(pytest...)
	want = "rolled back to the last green of `pytest -q`, " + green.CheckpointID
	if !r.Success || !r.Recovered() || r.Message != want {
		t.Fatalf("Chain = %+v\nwant message %q", r, want)
	}
	if res, ok := r.Details.(*checkpoint.Result); !ok || res.Checkpoint.CheckpointID != green.CheckpointID {
		t.Errorf("details = %#v", r.Details)
	}
	if want := "maestro: " + want + ": restored 1 file, removed 0; take it back with: git maestro undo --session-id s1\n"; progress != want {
		t.Errorf("progress = %q\nwant %q", progress, want)
	}
	Compare(t, "after the rollback to the green", Take(t, dir, nil), atGreen)

	// Failing again on the green state itself (a flaky test, the
	// environment): the green is the state that failed.
	r, progress = chain(pytest...)
	want = "checkpoint " + green.CheckpointID + " is the state that failed: nothing to roll back to"
	if r.Success || r.Message != want || progress != "maestro: no rollback: "+want+"\n" {
		t.Errorf("Chain at the green state = %+v, progress %q", r, progress)
	}

	// No green of the command, a tree broken further than the --checkpoint
	// one: back to it, saying so.
	Write(t, dir, "calc.py", "def add(a, b):\n    return a * b\n")
	Write(t, dir, "junk.txt", "junk\n")
	r, progress = chain("make", "check")
	want = "no green checkpoint of this command: rolled back to the checkpoint made before the first attempt, " + before.CheckpointID
	if !r.Success || r.Message != want || !strings.HasPrefix(progress, "maestro: "+want+": restored 1 file, removed 1;") {
		t.Errorf("Chain to the --checkpoint one = %+v, progress %q", r, progress)
	}
	Compare(t, "after the rollback to the --checkpoint one", Take(t, dir, nil), failed)

	// Without --checkpoint: the session's newest.
	in.Checkpoint = ""
	Write(t, dir, "calc.py", "broken\n")
	r, _ = chain("make", "check")
	want = "no green checkpoint of this command: rolled back to the session's newest checkpoint, " + before.CheckpointID
	if !r.Success || r.Message != want {
		t.Errorf("Chain to the session's newest = %+v", r)
	}

	// Without a command (the MCP server's runs): as before green checkpoints.
	Write(t, dir, "calc.py", "broken again\n")
	if r, _ = chain(); !r.Success || r.Message != "rolled back to "+before.CheckpointID {
		t.Errorf("Chain without a command = %+v", r)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "calc.py")); err != nil || string(data) != "def add(a, b):\n    return a - b\n" {
		t.Errorf("calc.py = %q, %v", data, err)
	}
}

// Issue 11, point 3: the approaches after a test failure name the failing
// tests, the first five then a count, with control characters visible.
func TestChainSuggestNamesFailedTests(t *testing.T) {
	t.Parallel()
	c := defaultConfig(t)
	in := failedRun(t, c)
	var progress strings.Builder
	in.Progress = &progress
	in.FailedTests = []string{"tests/test_a.py::test_one", "tests/test_a.py::test_two[1-2]", "TestParse/empty input", "t\x1b[31mred", "ü", "sixth", "seventh"}
	rs := recovery.Chain(recovery.Policy{Suggest: true}, in)
	lines := strings.Split(progress.String(), "\n")
	want := `maestro: 7 failing tests: tests/test_a.py::test_one, tests/test_a.py::test_two[1-2], TestParse/empty input, t\e[31mred, ü and 2 more`
	if lines[0] != want {
		t.Errorf("first line = %q\nwant %q", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], "maestro: test_failure: ") {
		t.Errorf("the approaches do not follow: %q", lines[1])
	}
	data, err := json.Marshal(rs[len(rs)-1].Details)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		FailedTests []string `json:"failed_tests"`
	}
	if err := json.Unmarshal(data, &d); err != nil || len(d.FailedTests) != 7 || d.FailedTests[3] != "t\x1b[31mred" {
		t.Errorf("details JSON failed_tests = %q, %v\n%s", d.FailedTests, err, data)
	}

	// One test: singular; none: no line, no field.
	progress.Reset()
	in.FailedTests = []string{"TestParse"}
	recovery.Chain(recovery.Policy{Suggest: true}, in)
	if first, _, _ := strings.Cut(progress.String(), "\n"); first != "maestro: 1 failing test: TestParse" {
		t.Errorf("first line = %q", first)
	}
	progress.Reset()
	in.FailedTests = nil
	rs = recovery.Chain(recovery.Policy{Suggest: true}, in)
	if !strings.HasPrefix(progress.String(), "maestro: test_failure: ") {
		t.Errorf("a line of failing tests without any:\n%s", progress.String())
	}
	if data, _ := json.Marshal(rs[len(rs)-1].Details); strings.Contains(string(data), "failed_tests") {
		t.Errorf("details without failed tests: %s", data)
	}
}

// With neither a green checkpoint nor another, the line says both.
func TestChainRollbackNothingAtAll(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	store, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	in := failedRun(t, defaultConfig(t))
	in.Store = func() (*checkpoint.Store, error) { return store, nil }
	in.Command = []string{"pytest"}
	var progress strings.Builder
	in.Progress = &progress
	r := recovery.Chain(recovery.Policy{Rollback: true}, in)[1]
	want := `no rollback: no green checkpoint of this command, and no checkpoint in session "s1"`
	if r.Success || r.Message != want || progress.String() != "maestro: "+want+"\n" {
		t.Errorf("Chain = %+v, progress %q; want %q", r, progress.String(), want)
	}
}
