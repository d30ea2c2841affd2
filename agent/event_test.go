package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPayloads parses every documented payload (testdata/payloads, with
// the pages they come from in its README) and checks what maestro reads
// from each: a fixture and the parser cannot disagree unnoticed.
func TestPayloads(t *testing.T) {
	t.Parallel()
	want := map[string]Event{
		"claude-code/SessionStart":       {Kind: KindSessionStart, SessionID: "abc123", Cwd: "/Users/...", ExitCode: -1},
		"claude-code/UserPromptSubmit":   {Kind: KindPrompt, SessionID: "abc123", Cwd: "/Users/...", Prompt: "Write a function to calculate the factorial of a number", ExitCode: -1},
		"claude-code/PreToolUse":         {Kind: KindPreTool, SessionID: "abc123", Cwd: "/home/user/my-project", Tool: "Bash", Command: "npm test", ExitCode: -1},
		"claude-code/PostToolUse":        {Kind: KindPostTool, SessionID: "abc123", Cwd: "/Users/...", Tool: "Write", ExitCode: -1},
		"claude-code/PostToolUseFailure": {Kind: KindPostTool, SessionID: "abc123", Cwd: "/Users/...", Tool: "Bash", Command: "npm test", Failed: true, ExitCode: 1},
		"claude-code/Stop":               {Kind: KindStop, SessionID: "abc123", Cwd: "/Users/...", ExitCode: -1},
		"codex/SessionStart":             {Kind: KindSessionStart, SessionID: "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", ExitCode: -1},
		"codex/UserPromptSubmit":         {Kind: KindPrompt, SessionID: "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", Prompt: "Upgrade the HTTP client and fix what breaks", ExitCode: -1},
		"codex/PreToolUse":               {Kind: KindPreTool, SessionID: "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", Tool: "Bash", Command: "go build ./...", ExitCode: -1},
		"codex/PostToolUse":              {Kind: KindPostTool, SessionID: "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", Tool: "Bash", Command: "go build ./...", Failed: true, ExitCode: 1},
		"codex/Stop":                     {Kind: KindStop, SessionID: "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", ExitCode: -1},
		"gemini/SessionStart":            {Kind: KindSessionStart, SessionID: "e5f0a1c2-3b4d-4e6f-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", ExitCode: -1},
		"gemini/BeforeAgent":             {Kind: KindPrompt, SessionID: "e5f0a1c2-3b4d-4e6f-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", Prompt: "Make the failing test in tests/test_calc.py pass", ExitCode: -1},
		"gemini/BeforeTool":              {Kind: KindPreTool, SessionID: "e5f0a1c2-3b4d-4e6f-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", Tool: "run_shell_command", Command: "pytest -q", ExitCode: -1},
		"gemini/AfterTool":               {Kind: KindPostTool, SessionID: "e5f0a1c2-3b4d-4e6f-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", Tool: "run_shell_command", Command: "pytest -q", Failed: true, ExitCode: 1},
		"gemini/AfterAgent":              {Kind: KindStop, SessionID: "e5f0a1c2-3b4d-4e6f-8a9b-0c1d2e3f4a5b", Cwd: "/home/user/my-project", Prompt: "Make the failing test in tests/test_calc.py pass", ExitCode: -1},
		"cursor/sessionStart":            {Kind: KindSessionStart, SessionID: "conv-123", Cwd: "/path/to/project", ExitCode: -1},
		"cursor/beforeSubmitPrompt":      {Kind: KindPrompt, SessionID: "conv-123", Cwd: "/path/to/project", Prompt: "Fix the bug in main.ts", ExitCode: -1},
		"cursor/beforeShellExecution":    {Kind: KindPreTool, SessionID: "conv-123", Cwd: "/path/to/project", Tool: "Shell", Command: "npm install express", ExitCode: -1},
		"cursor/afterShellExecution":     {Kind: KindPostTool, SessionID: "conv-123", Cwd: "/path/to/project", Tool: "Shell", Command: "npm install express", ExitCode: -1},
		"cursor/stop":                    {Kind: KindStop, SessionID: "conv-123", Cwd: "/path/to/project", ExitCode: -1},
	}
	files, _ := filepath.Glob("testdata/payloads/*/*.json")
	if len(files) != len(want) {
		t.Errorf("%d payload files, %d expected", len(files), len(want))
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(f), "testdata/payloads/"), ".json")
		agentName, event, _ := strings.Cut(name, "/")
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := doc["hook_event_name"]; got != event {
			t.Errorf("%s: hook_event_name %v, the file is named for %s", f, got, event)
		}
		if Find(agentName) == nil || !Known(agentName, event) {
			t.Errorf("%s: maestro does not know %s %s", f, agentName, event)
		}
		if a := Find(agentName); a != nil && !containsString(a.Events(), event) {
			t.Errorf("%s: agent install does not register %s for %s", f, event, agentName)
		}
		ev, err := Parse(agentName, event, data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no expectation", f)
			continue
		}
		w.Agent, w.Name = agentName, event
		ev.Output = nil
		if got := ev; !equalEvent(got, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", f, got, w)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func equalEvent(a, b Event) bool {
	a.Output, b.Output = nil, nil
	aj, _ := json.Marshal(a)
	bj, _ := json.Marshal(b)
	return string(aj) == string(bj)
}

// Every agent's registered events are ones the parser knows: an event
// installed but unknown here would cost the agent a process for nothing.
func TestInstalledEventsAreKnown(t *testing.T) {
	t.Parallel()
	for _, a := range Agents {
		for _, ev := range a.Events() {
			if !Known(a.Name, ev) || kinds.Get()[a.Name][ev] == "" {
				t.Errorf("%s %s is installed but the hook does nothing on it", a.Name, ev)
			}
		}
	}
}

// Payloads an agent may send that maestro did not plan for: never an
// error but for one that is not a JSON object.
func TestParseLenient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		agent, event, payload string
		ok                    bool
		check                 func(Event) bool
	}{
		{"claude-code", "PreToolUse", ``, false, nil},
		{"claude-code", "PreToolUse", `   `, false, nil},
		{"claude-code", "PreToolUse", `{"tool_name":`, false, nil},
		{"claude-code", "PreToolUse", `[1,2]`, false, nil},
		{"claude-code", "PreToolUse", `null`, false, nil},
		{"claude-code", "PreToolUse", `{"session_id": 12, "tool_name": "Bash", "tool_input": "rm -rf /", "extra": {"a": [1]}}`, true,
			func(e Event) bool { return e.SessionID == "" && e.Command == "" }},
		{"codex", "PreToolUse", `{"tool_name": "Bash", "tool_input": {"command": ["bash", "-lc", "git reset --hard"]}}`, true,
			func(e Event) bool { return e.Command == "bash -lc 'git reset --hard'" }},
		{"codex", "PostToolUse", `{"tool_name": "Bash", "tool_input": {"command": "make"}, "tool_response": {"exit_code": 2, "stderr": "make: *** [all] Error 2"}}`, true,
			func(e Event) bool { return e.Failed && e.ExitCode == 2 && len(e.Output) == 1 }},
		{"claude-code", "PostToolUse", `{"tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_response": {"stdout": "a\n", "stderr": "", "interrupted": false, "isImage": false}}`, true,
			func(e Event) bool { return !e.Failed && e.Command == "ls" }},
		{"claude-code", "PostToolUseFailure", `{"tool_name": "Bash", "tool_input": {"command": "sleep 100"}, "error": "Interrupted by user", "is_interrupt": true}`, true,
			func(e Event) bool { return e.Failed && e.Interrupted }},
		{"gemini", "AfterTool", `{"tool_name": "run_shell_command", "tool_input": {"command": "true"}, "tool_response": {"llmContent": "Command: true\nOutput: (empty)\nError: (none)\nExit Code: 0"}}`, true,
			func(e Event) bool { return !e.Failed && e.ExitCode == 0 }},
		{"gemini", "AfterTool", `{"tool_name": "run_shell_command", "tool_input": {"command": "x"}, "tool_response": {"llmContent": [{"text": "Exit Code: 127"}], "error": {"message": "x: not found", "type": "shell"}}}`, true,
			func(e Event) bool { return e.Failed && e.ExitCode == 127 && string(e.Output[0]) == "x: not found" }},
		{"cursor", "afterShellExecution", `{"conversation_id": "c", "command": "make", "output": "boom", "exit_code": 2}`, true,
			func(e Event) bool { return e.Failed && e.ExitCode == 2 }},
		{"cursor", "beforeShellExecution", `{"conversation_id": "c", "workspace_roots": ["/w"], "command": "ls"}`, true,
			func(e Event) bool { return e.Cwd == "/w" && e.SessionID == "c" }},
	} {
		ev, err := Parse(tc.agent, tc.event, []byte(tc.payload))
		if (err == nil) != tc.ok {
			t.Errorf("%s %s %q: error %v", tc.agent, tc.event, tc.payload, err)
			continue
		}
		if tc.check != nil && !tc.check(ev) {
			t.Errorf("%s %s %q: %+v", tc.agent, tc.event, tc.payload, ev)
		}
	}
}

// A command's output past MaxOutput keeps its head and its tail.
func TestBound(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("progress line\n", 20000) + "npm error code ECONNRESET\n"
	b := bound(long)
	if len(b) > MaxOutput+8 || !strings.HasSuffix(string(b), "npm error code ECONNRESET\n") || !strings.HasPrefix(string(b), "progress line\n") {
		t.Errorf("bound: %d bytes, tail %q", len(b), b[len(b)-40:])
	}
}

func TestSessionID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ agent, id, prefix string }{
		{"claude-code", "8c35adc1-19fa-41d2-8238-13269b9b3ca0", "claude-code-8c35adc1-"},
		{"cursor", "conv-123", "cursor-conv123-"},
		{"codex", "", "codex-"},
		{"gemini", "../../../etc/passwd\x00\n", "gemini-etcpassw-"},
		{"claude-code", strings.Repeat("é", 500), "claude-code-"},
	} {
		got := SessionID(tc.agent, tc.id)
		if !strings.HasPrefix(got, tc.prefix) || len(got) > 64 {
			t.Errorf("SessionID(%q, %q) = %q, want it to start with %q", tc.agent, tc.id, got, tc.prefix)
		}
		if err := validID(got); err != nil {
			t.Errorf("SessionID(%q, %q) = %q: %v", tc.agent, tc.id, got, err)
		}
		if again := SessionID(tc.agent, tc.id); again != got {
			t.Errorf("SessionID is not stable: %q then %q", got, again)
		}
	}
	if SessionID("claude-code", "abc-1") == SessionID("claude-code", "abc1") {
		t.Error("two agent sessions that clean up alike share a maestro session")
	}
}

func FuzzSessionID(f *testing.F) {
	for _, s := range []string{"abc123", "8c35adc1-19fa-41d2-8238-13269b9b3ca0", "conv-123", "", "..", "-x", "a.lock"} {
		f.Add("claude-code", s)
	}
	f.Fuzz(func(t *testing.T, agentName, id string) {
		if err := validID(SessionID(agentName, id)); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/payloads/*/*.json")
	for _, p := range files {
		data, _ := os.ReadFile(p)
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(p), "testdata/payloads/"), ".json")
		agentName, event, _ := strings.Cut(name, "/")
		f.Add(agentName, event, data)
	}
	f.Fuzz(func(t *testing.T, agentName, event string, data []byte) {
		ev, _ := Parse(agentName, event, data)
		Render(ev, Decision{Block: true, Reason: "r", Context: "c"})
	})
}

func validID(s string) error {
	return checkpointValidateID(s)
}
