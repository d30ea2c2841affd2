package mcp_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/mcp"
)

// The tools send the events a command would: a rollback made (not a dry
// run), a run that failed, a question put to a person.
func TestToolsNotify(t *testing.T) {
	dir := repo(t)
	events := filepath.Join(t.TempDir(), "events")
	cfg := filepath.Join(t.TempDir(), "recovery.toml")
	toml := "[retry]\nbase_delay = \"10ms\"\n[notify]\ncommand = [\"sh\", \"-c\", 'cat >> \"$0\"', " + jsonString(events) + "]\n"
	if err := os.WriteFile(cfg, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, mcp.Options{ConfigFlag: cfg}, nil, nil)
	gittest.Write(t, dir, "app.py", "good\n")
	mustOK(t, call(t, cs, "checkpoint", map[string]any{"description": "good"}))
	gittest.Write(t, dir, "app.py", "bad\n")
	mustOK(t, call(t, cs, "rollback", map[string]any{"dry_run": true}))
	mustOK(t, call(t, cs, "rollback", nil))
	mustOK(t, call(t, cs, "run", map[string]any{"command": []string{"sh", "-c", "exit 4"}, "max_attempts": 1}))
	mustOK(t, call(t, cs, "ask_human", map[string]any{"question": "Go on?", "options": []string{"yes", "no"}, "timeout_seconds": 1}))

	var got []string
	data, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var e struct {
			Event string `json:"event"`
			Run   *struct {
				ExitCode int `json:"exit_code"`
			} `json:"run"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got = append(got, e.Event)
		if e.Run != nil && e.Run.ExitCode != 4 {
			t.Errorf("run_failed with exit code %d, want 4", e.Run.ExitCode)
		}
	}
	if want := []string{"rollback", "run_failed", "question_asked"}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
