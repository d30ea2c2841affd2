package checkpoint_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

func recordGreen(t *testing.T, s *checkpoint.Store, session string, argv ...string) *checkpoint.Record {
	t.Helper()
	rec, err := s.RecordGreen(checkpoint.GreenOptions{SessionID: session, Command: argv, TestRunner: "pytest"})
	if err != nil {
		t.Fatalf("RecordGreen %q: %v", argv, err)
	}
	return rec
}

func unchanged(t *testing.T, s *checkpoint.Store, what string, argv ...string) {
	t.Helper()
	if rec, err := s.RecordGreen(checkpoint.GreenOptions{SessionID: "s1", Command: argv}); !errors.Is(err, checkpoint.ErrUnchanged) {
		t.Fatalf("%s: RecordGreen = %+v, %v; want ErrUnchanged", what, rec, err)
	}
}

// A green checkpoint is a safe_state one tagged green, of the command, made
// only when HEAD or the working tree changed since the previous green of the
// same command on the branch.
func TestRecordGreen(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	pytest := []string{"pytest", "-q", "tests/test x.py", "-k", "it's"}

	g1 := recordGreen(t, s, "s1", pytest...)
	head := strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
	if g1.CommitSHA != head || g1.Snapshot || g1.CheckpointType != "safe_state" || g1.Source != "run" ||
		!reflect.DeepEqual(g1.Tags, []string{"green"}) || g1.Branch != "refs/heads/main" {
		t.Errorf("green of a clean tree = %+v, want HEAD, safe_state, source run, tagged green, on main", g1)
	}
	if want := `green: pytest -q 'tests/test x.py' -k 'it'\''s'`; g1.Description != want {
		t.Errorf("description = %q, want %q", g1.Description, want)
	}
	if got := g1.StateSnapshot; !reflect.DeepEqual(got["command"], pytest) || got["test_runner"] != "pytest" || len(got) != 2 {
		t.Errorf("state_snapshot = %#v", got)
	}

	// Nothing changed: no new green. Another command has its own.
	unchanged(t, s, "same tree and HEAD", pytest...)
	g2, err := s.RecordGreen(checkpoint.GreenOptions{SessionID: "s2", Command: []string{"go", "test", "./..."}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := g2.StateSnapshot["test_runner"]; ok {
		t.Errorf("state_snapshot without a test runner = %#v, want no test_runner", g2.StateSnapshot)
	}
	// The same command from another session is the same command.
	if _, err := s.RecordGreen(checkpoint.GreenOptions{SessionID: "s2", Command: pytest}); !errors.Is(err, checkpoint.ErrUnchanged) {
		t.Errorf("the same command in another session: %v, want ErrUnchanged", err)
	}

	// A dirty tree: a snapshot; the same dirty tree again: none.
	Write(t, dir, "calc.py", "def add(a, b):\n    return a + b\n")
	g3 := recordGreen(t, s, "s1", pytest...)
	if !g3.Snapshot || g3.HeadSHA != head {
		t.Errorf("green of a dirty tree = %+v, want a snapshot on HEAD", g3)
	}
	unchanged(t, s, "same dirty tree", pytest...)

	// The same tree committed: HEAD moved, so a new green, of HEAD, which
	// a rollback can return to without moving the branch back.
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-qm", "add calc")
	g4 := recordGreen(t, s, "s1", pytest...)
	if g4.Snapshot || g4.CommitSHA != strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD")) {
		t.Errorf("green after a commit of the same tree = %+v, want HEAD", g4)
	}
	unchanged(t, s, "after the commit", pytest...)
	// The previous green is found past the first records read.
	for i := 0; i < 20; i++ {
		if _, err := s.Create(checkpoint.CreateOptions{SessionID: "s1", Type: "manual"}); err != nil {
			t.Fatal(err)
		}
	}
	unchanged(t, s, "20 checkpoints later", pytest...)

	// Read back, the command is the same argv.
	cat, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	var greens []string
	for i := range cat.Records {
		r := &cat.Records[i]
		if checkpoint.IsGreen(r) {
			greens = append(greens, strings.Join(checkpoint.GreenCommand(r), "|"))
		}
	}
	if got, want := strings.Join(greens, " ; "), "pytest|-q|tests/test x.py|-k|it's ; pytest|-q|tests/test x.py|-k|it's ; go|test|./... ; pytest|-q|tests/test x.py|-k|it's"; got != want {
		t.Errorf("greens read back: %s\nwant %s", got, want)
	}

	// On another branch the previous green of main does not count.
	Git(t, dir, "checkout", "-qb", "feature")
	g5 := recordGreen(t, s, "s1", pytest...)
	if g5.Branch != "refs/heads/feature" {
		t.Errorf("green on feature = %+v", g5)
	}
	unchanged(t, s, "on feature", pytest...)

	if _, err := s.RecordGreen(checkpoint.GreenOptions{SessionID: "s1"}); err == nil {
		t.Error("RecordGreen without a command: no error")
	}
	if _, err := s.RecordGreen(checkpoint.GreenOptions{SessionID: "../x", Command: pytest}); err == nil {
		t.Error("RecordGreen with a bad session id: no error")
	}
}

// The rollback to the last green: the newest green of the current branch,
// of any session, of the command asked for; recorded in the rollback's own
// session and counted for the green checkpoint's; undo takes it back.
func TestRollbackGreen(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "s1", Green: true}); !errors.Is(err, checkpoint.ErrNoGreen) ||
		err.Error() != "no green checkpoint in this repository" || !strings.Contains(strings.Join(err.(*checkpoint.Error).Hints(), "\n"), "a passing `maestro-run -- <test command>` records one") {
		t.Fatalf("rollback --green without any: %v", err)
	}

	// main: a green of pytest, then of go test.
	Write(t, dir, "a.txt", "pytest passed here\n")
	gPy := recordGreen(t, s, "agent", "pytest", "-q")
	Write(t, dir, "a.txt", "go test passed here\n")
	gGo := recordGreen(t, s, "agent", "go", "test", "./...")
	// feature: a newer green of pytest.
	Git(t, dir, "checkout", "-qb", "feature")
	Write(t, dir, "a.txt", "pytest passed on feature\n")
	gFeature := recordGreen(t, s, "agent", "pytest", "-q")
	Git(t, dir, "checkout", "-q", "-f", "main")

	Write(t, dir, "a.txt", "broken\n")
	Write(t, dir, "junk.txt", "junk\n")
	broken := Take(t, dir, nil)

	// Dry run: the newest green of main, whatever its command.
	res, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "me", Green: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checkpoint.CheckpointID != gGo.CheckpointID || !reflect.DeepEqual(res.Restored, []string{"a.txt"}) || !reflect.DeepEqual(res.Removed, []string{"junk.txt"}) {
		t.Errorf("dry run = %s, restored %v, removed %v; want %s", res.Checkpoint.CheckpointID, res.Restored, res.Removed, gGo.CheckpointID)
	}
	Compare(t, "after the dry run", Take(t, dir, nil), broken)

	// --command: the green of that command on main, not feature's newer one.
	for _, cmd := range []string{"pytest -q", "  pytest -q "} {
		res, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "me", Green: true, Command: cmd, DryRun: true})
		if err != nil || res.Checkpoint.CheckpointID != gPy.CheckpointID {
			t.Errorf("--command %q: %v, %+v; want %s", cmd, err, res, gPy.CheckpointID)
		}
	}
	_, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "me", Green: true, Command: "pytest"})
	if !errors.Is(err, checkpoint.ErrNoGreen) || err.Error() != "no green checkpoint of `pytest` in this repository" ||
		!strings.Contains(strings.Join(err.(*checkpoint.Error).Hints(), "\n"), "the green checkpoints here are of: `go test ./...`, `pytest -q`") {
		t.Errorf("--command pytest: %v %v", err, hintsOf(err))
	}

	// The rollback itself, recorded in session me, counted for agent's.
	res, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "me", Green: true, Command: "pytest -q"})
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "a.txt")); err != nil || string(data) != "pytest passed here\n" {
		t.Errorf("a.txt after the rollback = %q, %v", data, err)
	}
	cat, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	ev := cat.Events[len(cat.Events)-1]
	if ev.SessionID != "me" || ev.CheckpointID != gPy.CheckpointID || ev.CheckpointSession != "agent" {
		t.Errorf("event = %+v, want a rollback of session me to agent's %s", ev, gPy.CheckpointID)
	}
	for _, r := range cat.Records {
		if want := r.CheckpointID == gPy.CheckpointID; (r.RollbackCount == 1) != want {
			t.Errorf("%s (%s): rollback_count %d", r.CheckpointID, r.Description, r.RollbackCount)
		}
	}
	if _, err := s.UndoWith(checkpoint.UndoOptions{SessionID: "me", Only: "me"}); err != nil {
		t.Fatal(err)
	}
	Compare(t, "after undo", Take(t, dir, nil), broken)

	// On feature, feature's; with --force on main, the newest of all; at a
	// detached HEAD, the newest of any branch.
	res, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "me", Green: true, Command: "go test ./...", DryRun: true})
	if err != nil || res.Checkpoint.CheckpointID != gGo.CheckpointID {
		t.Errorf("--command 'go test ./...': %v %+v, want %s", err, res, gGo.CheckpointID)
	}
	res, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "me", Green: true, Force: true, DryRun: true})
	if err != nil || res.Checkpoint.CheckpointID != gFeature.CheckpointID {
		t.Errorf("--force: %v %+v, want %s", err, res, gFeature.CheckpointID)
	}
	Git(t, dir, "checkout", "-q", "-f", "--detach", "HEAD")
	res, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "me", Green: true, DryRun: true})
	if err != nil || res.Checkpoint.CheckpointID != gFeature.CheckpointID {
		t.Errorf("detached: %v %+v, want %s", err, res, gFeature.CheckpointID)
	}
	Git(t, dir, "checkout", "-q", "-b", "empty")
	_, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "me", Green: true, Command: "go test ./..."})
	if !errors.Is(err, checkpoint.ErrNoGreen) || err.Error() != "no green checkpoint of `go test ./...` on branch empty" ||
		!strings.Contains(hintsOf(err), "the newest is "+gGo.CheckpointID+", made on branch main: switch to it first, or take it here with --force") {
		t.Errorf("on a branch without a green: %v %s", err, hintsOf(err))
	}

	// Usage errors.
	var input *checkpoint.InputError
	for _, o := range []checkpoint.RollbackOptions{
		{SessionID: "me", Green: true, CheckpointID: gPy.CheckpointID},
		{SessionID: "me", Green: true, Type: "safe_state"},
		{SessionID: "me", Command: "pytest -q"},
		{SessionID: "me", Argv: []string{"pytest"}},
	} {
		if _, err := s.Rollback(o); !errors.As(err, &input) {
			t.Errorf("Rollback(%+v) = %v, want an InputError", o, err)
		}
	}
}

// A rollback asked to refuse the state that failed changes nothing when
// the working tree is the checkpoint's already.
func TestRollbackSameState(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	Write(t, dir, "a.txt", "edited, then tested\n")
	cp, err := s.Create(checkpoint.CreateOptions{SessionID: "s1", Type: "pre_risky_operation"})
	if err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "add", "a.txt") // the index differs; the files do not
	before := Take(t, dir, nil)
	_, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "s1", SameState: true})
	var same *checkpoint.SameStateError
	if !errors.As(err, &same) || same.Checkpoint.CheckpointID != cp.CheckpointID {
		t.Fatalf("Rollback = %v, want a SameStateError of %s", err, cp.CheckpointID)
	}
	Compare(t, "after the refusal", Take(t, dir, nil), before)
	cat, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Events) != 0 {
		t.Errorf("events after the refusal: %+v", cat.Events)
	}
	// A file changed: a rollback like any other.
	Write(t, dir, "a.txt", "broken\n")
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "s1", SameState: true}); err != nil {
		t.Fatal(err)
	}
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"pytest", "-q"}, "pytest -q"},
		{[]string{"sh", "-c", "exit 0"}, "sh -c 'exit 0'"},
		{[]string{"go", "test", "-run", "^TestA$", "./..."}, "go test -run '^TestA$' ./..."},
		{[]string{"echo", ""}, "echo ''"},
		{[]string{"it's"}, `'it'\''s'`},
		{[]string{"a\x1b[31mb", "ü"}, "'a\x1b[31mb' 'ü'"},
	} {
		if got := checkpoint.CommandLine(c.argv); got != c.want {
			t.Errorf("CommandLine(%q) = %q, want %q", c.argv, got, c.want)
		}
		// The plain join of a trailing empty argument ends with a space,
		// which MatchCommand trims: only the quoted form names it.
		plain := strings.Join(c.argv, " ")
		if !checkpoint.MatchCommand(c.argv, c.want) || !strings.HasSuffix(plain, " ") && !checkpoint.MatchCommand(c.argv, plain) {
			t.Errorf("MatchCommand(%q) does not take %q or the plain join", c.argv, c.want)
		}
	}
	for _, c := range []struct {
		argv []string
		cmd  string
	}{
		{[]string{"pytest", "-q"}, "pytest"},
		{[]string{"pytest", "-q"}, "pytest  -q"},
		{[]string{"sh", "-c", "exit 0"}, `sh -c "exit 0"`},
		{nil, ""},
	} {
		if checkpoint.MatchCommand(c.argv, c.cmd) {
			t.Errorf("MatchCommand(%q, %q) = true", c.argv, c.cmd)
		}
	}
}

func hintsOf(err error) string {
	var e *checkpoint.Error
	if errors.As(err, &e) {
		return strings.Join(e.Hints(), "\n")
	}
	return ""
}
