package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// Issue 10, point 2: every documented payload (agent/testdata/payloads,
// with its source in the README there), piped into the real binary in a
// real repository: exit 0, at most one line on stderr (none for these),
// and stdout as the agent reads it. The events of one agent run in order,
// as one session: the end of the turn leaves a checkpoint.
func TestAgentHookPayloads(t *testing.T) {
	t.Parallel()
	order := map[string][]string{
		"claude-code": {"SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PostToolUseFailure", "Stop"},
		"codex":       {"SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop"},
		"gemini":      {"SessionStart", "BeforeAgent", "BeforeTool", "AfterTool", "AfterAgent"},
		"cursor":      {"sessionStart", "beforeSubmitPrompt", "beforeShellExecution", "afterShellExecution", "stop"},
	}
	files, _ := filepath.Glob("agent/testdata/payloads/*/*.json")
	if len(files) != 21 {
		t.Fatalf("%d payload files, 21 expected", len(files))
	}
	for agentName, events := range order {
		t.Run(agentName, func(t *testing.T) {
			t.Parallel()
			dir := Init(t)
			Write(t, dir, "work.txt", "a turn's change\n")
			for _, ev := range events {
				payload, err := os.ReadFile(filepath.Join("agent/testdata/payloads", agentName, ev+".json"))
				if err != nil {
					t.Fatal(err)
				}
				path, err := exec.LookPath("maestro")
				if err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(path, "agent", "hook", agentName, ev)
				cmd.Dir = dir
				cmd.Stdin = bytes.NewReader(payload)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("%s %s: %v\n%s", agentName, ev, err, stderr.String())
				}
				if stderr.Len() > 0 {
					t.Errorf("%s %s: stderr %q", agentName, ev, stderr.String())
				}
				out := strings.TrimSpace(stdout.String())
				switch {
				case agentName == "gemini" || agentName == "cursor" || agentName == "codex" && ev == "Stop":
					// These agents read JSON from every hook.
					var v map[string]any
					if err := json.Unmarshal([]byte(out), &v); err != nil {
						t.Errorf("%s %s: stdout %q is not a JSON object", agentName, ev, out)
					}
				case ev == "PostToolUseFailure" || agentName == "codex" && ev == "PostToolUse":
					if !strings.Contains(out, `"additionalContext":"maestro: `) {
						t.Errorf("%s %s: no context block: %q", agentName, ev, out)
					}
				default:
					if out != "" {
						t.Errorf("%s %s: stdout %q", agentName, ev, out)
					}
				}
				if agentName == "gemini" && ev == "AfterTool" && !strings.Contains(out, "FAILED tests/test_calc.py::test_add - assert 3 == 4") {
					t.Errorf("gemini AfterTool: %q", out)
				}
				if agentName == "cursor" && ev == "beforeShellExecution" && out != `{"permission":"allow"}` {
					t.Errorf("cursor beforeShellExecution: %q", out)
				}
			}
			recs := listJSON(t, dir, "--all-sessions")
			if len(recs) != 1 || recs[0].CheckpointType != "task_group_complete" || !strings.HasPrefix(recs[0].SessionID, agentName+"-") || !recs[0].Snapshot {
				t.Errorf("checkpoints after the session: %+v", recs)
			}
			Fsck(t, dir)
		})
	}
}
