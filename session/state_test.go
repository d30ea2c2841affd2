package session_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/recovery"
	"github.com/maestro-recovery/maestro/session"
)

// Issue 7, point 5: a huge approach text made a 17 MB record, which broke
// the log's reader for good. What is written per record is bounded (just
// over a MiB shows it, faster): the entry is kept with its texts clipped,
// and says so.
func TestAppendClipsHugeEntry(t *testing.T) {
	t.Parallel()
	log := session.Open(t.TempDir(), "s1")
	huge := strings.Repeat("ü", state.MaxRecord/2+1) // just over MaxRecord bytes
	details := map[string]any{"failure_type": "test_failure", "approaches": []catalog.Approach{{Name: "isolate", Description: huge}}}
	run := &session.Run{Command: []string{"go", "test"}, Outcome: "failed", AttemptsMade: 1,
		Recovery: []recovery.Result{{StrategyUsed: recovery.AlternativeApproach, Success: true, Message: "1 approach", Details: details}}}
	if err := log.Append(session.Entry{Type: session.KindRun, Run: run}); err != nil {
		t.Fatal(err)
	}
	if err := log.Append(session.Entry{Type: session.KindRun, Run: &session.Run{Outcome: "passed"}}); err != nil {
		t.Fatal(err)
	}
	es, err := log.Entries()
	if err != nil || len(es) != 2 {
		t.Fatalf("Entries = %d entries, %v; want 2", len(es), err)
	}
	if !es[0].Truncated || es[1].Truncated {
		t.Errorf("truncated = %v, %v; want true, false", es[0].Truncated, es[1].Truncated)
	}
	approach := es[0].Run.Recovery[0].Details.(map[string]any)["approaches"].([]any)[0].(map[string]any)
	desc := approach["description"].(string)
	if !strings.HasSuffix(desc, "…") || len(desc) > 4<<10+len("…") || !utf8.ValidString(desc) || !strings.HasPrefix(huge, strings.TrimSuffix(desc, "…")) {
		t.Errorf("the clipped description is %d bytes, %.20q…%q", len(desc), desc, desc[max(len(desc)-10, 0):])
	}
	if approach["name"] != "isolate" || es[0].Run.Recovery[0].Message != "1 approach" || es[0].Run.Command[1] != "test" {
		t.Errorf("short texts changed: %v", es[0].Run)
	}
	if info, err := os.Stat(filepath.Join(log.Dir, "log.jsonl")); err != nil || info.Size() > 2*state.MaxRecord {
		t.Errorf("log.jsonl: %v, %v", info.Size(), err)
	}
}

// An entry too big even with its texts clipped (here a failure type's
// name, which is not clipped: it is a key) is refused, and the log keeps
// what it had.
func TestAppendRefusesWhatClippingCannotShrink(t *testing.T) {
	t.Parallel()
	log := session.Open(t.TempDir(), "s1")
	run := &session.Run{Failures: map[string]int{strings.Repeat("k", state.MaxRecord): 1}}
	var tooBig *state.TooBigError
	if err := log.Append(session.Entry{Type: session.KindRun, Run: run}); !errors.As(err, &tooBig) {
		t.Errorf("Append = %v, want a TooBigError", err)
	}
	if es, err := log.Entries(); err != nil || len(es) != 0 {
		t.Errorf("Entries = %d, %v; want none", len(es), err)
	}
}

// Issue 7, point 5: a full disk left a torn last line and `maestro log`
// failed for good. The entries before it are read, and the next entry
// repairs the log.
func TestEntriesAfterATornTail(t *testing.T) {
	t.Parallel()
	log := session.Open(t.TempDir(), "s1")
	if err := log.Append(session.Entry{Type: session.KindStart, Description: "one"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(log.Dir, "log.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2026-11-30T10:00:00Z","session_id":"s1","type":"ru`)
	f.Close()
	if es, err := log.Entries(); err != nil || len(es) != 1 {
		t.Fatalf("Entries = %d, %v; want the one whole entry", len(es), err)
	}
	if err := log.Append(session.Entry{Type: session.KindStart, Description: "two"}); err != nil {
		t.Fatal(err)
	}
	es, err := log.Entries()
	if err != nil || len(es) != 2 || es[1].Description != "two" {
		t.Fatalf("Entries after the next Append = %+v, %v", es, err)
	}
}

// Issue 7, point 12: a symlinked log.jsonl was appended to. The log, and a
// session.json, that are links are refused, and their targets untouched.
func TestLogRefusesLinks(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	stateDir := filepath.Join(repo, ".git", "maestro")
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	log := session.Open(stateDir, "s1")
	if err := os.MkdirAll(log.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"log.jsonl", "session.json"} {
		if err := os.Symlink(target, filepath.Join(log.Dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	wantLink := func(what string, err error, name string) {
		t.Helper()
		var link *state.LinkError
		if !errors.As(err, &link) || link.Path != filepath.Join(log.Dir, name) {
			t.Errorf("%s = %v, want the link %s refused", what, err, name)
		}
	}
	wantLink("Append", log.Append(session.Entry{Type: session.KindStart}), "log.jsonl")
	_, err := log.Entries()
	wantLink("Entries", err, "log.jsonl")
	_, err = session.List(stateDir)
	wantLink("List", err, "session.json")
	_, err = session.Start(stateDir, "s1", "again", t0)
	wantLink("Start", err, "session.json")
	if data, _ := os.ReadFile(target); string(data) != "precious\n" {
		t.Errorf("the link's target is now %q", data)
	}
}
