package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/gittest"
	sessionlog "github.com/maestro-recovery/maestro/session"
)

func embeddedCatalog(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../recovery.toml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// run sends one event of a Claude Code session working in dir.
func sendEvent(t *testing.T, dir, agentName, event string, fields map[string]any) (HookResult, map[string]any) {
	t.Helper()
	p := map[string]any{"session_id": "8c35adc1-19fa-41d2-8238-13269b9b3ca0", "cwd": dir, "hook_event_name": event}
	for k, v := range fields {
		p[k] = v
	}
	data, _ := json.Marshal(p)
	res := Handle(HookOptions{Agent: agentName, Event: event, Payload: data, Default: embeddedCatalog(t)})
	var out map[string]any
	if len(res.Stdout) > 0 {
		if err := json.Unmarshal(res.Stdout, &out); err != nil {
			t.Fatalf("%s: stdout is not JSON: %q", event, res.Stdout)
		}
	}
	return res, out
}

func bashTool(command string) map[string]any {
	return map[string]any{"tool_name": "Bash", "tool_input": map[string]any{"command": command}}
}

func bashFailure(command, errText string) map[string]any {
	f := bashTool(command)
	f["error"] = errText
	return f
}

func contextOf(t *testing.T, out map[string]any) string {
	t.Helper()
	spec, _ := out["hookSpecificOutput"].(map[string]any)
	s, _ := spec["additionalContext"].(string)
	return s
}

const testSID = "claude-code-8c35adc1-7c0c23bc"

func sessionEntries(t *testing.T, dir string) []sessionlog.Entry {
	t.Helper()
	es, err := sessionlog.Open(filepath.Join(dir, ".git", "maestro"), testSID).Entries()
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func sessionRecords(t *testing.T, dir string) []checkpoint.Record {
	t.Helper()
	s, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat.Filter(testSID, "")
}

// The context block's exact text, for the three failures the issue names:
// a pytest failure, a go build error, a transient network error (with the
// maestro-run command to retry it), as Claude Code's PostToolUseFailure
// gets it.
func TestFailureContextText(t *testing.T) {
	dir := gittest.Init(t)
	for _, tc := range []struct{ name, command, errText, want string }{
		{"pytest", "pytest -q tests/test_calc.py",
			"Exit code 1\nF.                                                                       [100%]\n=================================== FAILURES ===================================\n___________________________________ test_add ___________________________________\n\n    def test_add():\n>       assert add(1, 2) == 4\nE       assert 3 == 4\n\ntests/test_calc.py:4: AssertionError\n=========================== short test summary info ============================\nFAILED tests/test_calc.py::test_add - assert 3 == 4\n1 failed, 1 passed in 0.03s",
			"maestro: `pytest -q tests/test_calc.py` failed (exit 1): test_failure\n" +
				"matched line: FAILED tests/test_calc.py::test_add - assert 3 == 4\n" +
				"retry: only if it is flaky; otherwise change something first\n" +
				"approach 1: fix_the_code_under_test: Run the one failing test (pytest path::test -x, go test -run TestName ./pkg, npx jest -t name); read expected against actual; change the code; run that test, then the whole suite.\n" +
				"approach 2: update_the_test: Change the expected value or the fixture; say in the commit message which behaviour changed and why."},
		{"go build", "go build ./...",
			"Exit code 1\n# example.com/app/client\nclient/http.go:42:9: undefined: http.NewRequestWithContex",
			"maestro: `go build ./...` failed (exit 1): implementation_failure\n" +
				"matched line: client/http.go:42:9: undefined: http.NewRequestWithContex\n" +
				"retry: will not help; change something first\n" +
				"approach 1: fix_the_first_reported_error: Open the file and line the classification's line names (file.go:12:5, File \"x.py\", line 3, ports.py:2: NotImplementedError); fix it; build or import again before running the tests.\n" +
				"approach 2: roll_back_and_redo_in_smaller_steps: git maestro rollback (or --type safe_state); then re-apply the change in small steps, building after each one."},
		{"transient", "npm install",
			"Exit code 1\nnpm error code ECONNRESET\nnpm error network aborted\nnpm error network This is a problem related to network connectivity.",
			"maestro: `npm install` failed (exit 1): transient\n" +
				"matched line: npm error code ECONNRESET\n" +
				"retry: can help; run it as: maestro-run -- npm install\n" +
				"approach 1: retry_with_a_longer_backoff: maestro-run --retry-on transient --max-attempts 6 --base-delay 5s --max-delay 2m -- COMMAND\n" +
				"approach 2: use_a_mirror_or_a_cache: Point the tool elsewhere: GOPROXY=..., npm --registry ..., pip --index-url ..., or vendor the dependency (go mod vendor, a wheel cache)."},
	} {
		res, out := sendEvent(t, dir, "claude-code", "PostToolUseFailure", bashFailure(tc.command, tc.errText))
		if res.Warning != "" {
			t.Errorf("%s: warning %q", tc.name, res.Warning)
		}
		if got := contextOf(t, out); got != tc.want {
			t.Errorf("%s: context block:\n%s\nwant:\n%s", tc.name, got, tc.want)
		}
		if got := out["hookSpecificOutput"].(map[string]any)["hookEventName"]; got != "PostToolUseFailure" {
			t.Errorf("%s: hookEventName %v", tc.name, got)
		}
	}
}

// A session, event by event, as Claude Code sends it: what each does to
// refs/maestro and to the session's log.
func TestSessionEffects(t *testing.T) {
	dir := gittest.Init(t)
	envFile := filepath.Join(t.TempDir(), "claude-env")
	t.Setenv("CLAUDE_ENV_FILE", envFile)
	sendEvent(t, dir, "claude-code", "SessionStart", map[string]any{"source": "startup"})
	if data, _ := os.ReadFile(envFile); string(data) != "export MAESTRO_SESSION_ID="+testSID+"\n" {
		t.Errorf("CLAUDE_ENV_FILE holds %q", data)
	}
	res, out := sendEvent(t, dir, "claude-code", "UserPromptSubmit", map[string]any{"prompt": "Add a factorial function\nwith its tests"})
	if res.Stdout != nil || res.Warning != "" {
		t.Errorf("prompt: stdout %q, warning %q", res.Stdout, res.Warning)
	}
	// A command that is not risky: nothing made, nothing said.
	res, _ = sendEvent(t, dir, "claude-code", "PreToolUse", bashTool("go test ./..."))
	if res.Stdout != nil || res.Warning != "" || len(sessionRecords(t, dir)) != 0 {
		t.Errorf("plain command: stdout %q, warning %q, %d checkpoints", res.Stdout, res.Warning, len(sessionRecords(t, dir)))
	}
	gittest.Write(t, dir, "fact.py", "def fact(n): return 1\n")
	res, _ = sendEvent(t, dir, "claude-code", "PreToolUse", bashTool("git reset --hard HEAD"))
	if res.Stdout != nil || res.Warning != "" {
		t.Errorf("risky command, not blocking: stdout %q, warning %q", res.Stdout, res.Warning)
	}
	recs := sessionRecords(t, dir)
	if len(recs) != 1 || recs[0].CheckpointType != "pre_risky_operation" || recs[0].Description != "before: git reset --hard HEAD" || !recs[0].Snapshot || recs[0].Source != "claude-code" {
		t.Fatalf("risky command: checkpoints %+v", recs)
	}
	risky := recs[0].CheckpointID
	// Three failures of one type in a row: the third names the checkpoint
	// made before the first, and the rollback command.
	for i := 1; i <= 3; i++ {
		_, out = sendEvent(t, dir, "claude-code", "PostToolUseFailure", bashFailure("pytest -q", "Exit code 1\nFAILED tests/test_fact.py::test_fact - assert 1 == 6"))
	}
	ctx := contextOf(t, out)
	want := "roll back: the last checkpoint before these failures is " + risky + " (before: git reset --hard HEAD): maestro rollback --session-id " + testSID + " --checkpoint-id " + risky + " (maestro undo --session-id " + testSID + " takes it back)"
	if !strings.HasSuffix(ctx, want) || !strings.Contains(ctx, "test_failure, 3 test_failure failures in a row") {
		t.Errorf("third failure's context:\n%s\nwant it to end with:\n%s", ctx, want)
	}
	// A success ends the run of failures: the next failure is the first.
	res, _ = sendEvent(t, dir, "claude-code", "PostToolUse", map[string]any{"tool_name": "Bash", "tool_input": map[string]any{"command": "pytest -q"},
		"tool_response": map[string]any{"stdout": "1 passed", "stderr": "", "interrupted": false, "isImage": false}})
	if res.Stdout != nil || res.Warning != "" {
		t.Errorf("success: stdout %q, warning %q", res.Stdout, res.Warning)
	}
	_, out = sendEvent(t, dir, "claude-code", "PostToolUseFailure", bashFailure("pytest -q", "Exit code 1\nFAILED tests/test_fact.py::test_fact - assert 1 == 6"))
	if ctx := contextOf(t, out); strings.Contains(ctx, "in a row") || strings.Contains(ctx, "roll back") {
		t.Errorf("failure after a success:\n%s", ctx)
	}
	// The end of the turn: a checkpoint described by the prompt; a second
	// end with nothing changed makes none.
	gittest.Write(t, dir, "fact.py", "def fact(n): return 1 if n < 2 else n * fact(n - 1)\n")
	for i := 0; i < 2; i++ {
		if res, _ := sendEvent(t, dir, "claude-code", "Stop", map[string]any{"stop_hook_active": false}); res.Stdout != nil || res.Warning != "" {
			t.Errorf("stop: stdout %q, warning %q", res.Stdout, res.Warning)
		}
	}
	recs = sessionRecords(t, dir)
	if len(recs) != 2 || recs[0].CheckpointType != "task_group_complete" || recs[0].Description != "Add a factorial function …" {
		t.Fatalf("after the turn: checkpoints %+v", recs)
	}
	gittest.Fsck(t, dir)
	var kinds []string
	for _, e := range sessionEntries(t, dir) {
		kinds = append(kinds, e.Type)
	}
	if got, want := strings.Join(kinds, " "), "session_start agent_session agent_prompt agent_risky agent_failure agent_failure agent_failure agent_failure agent_turn agent_turn"; got != want {
		t.Errorf("log:\n got %s\nwant %s", got, want)
	}
	st := sessionlog.Summarize(testSID, sessionEntries(t, dir))
	if a := st.Agent; a == nil || a.Turns != 2 || a.RiskyCheckpoints != 1 || a.ToolFailures != 4 || a.FailuresByType["test_failure"] != 4 {
		t.Errorf("stats: %+v", st.Agent)
	}
}

// block_risky = true: the command is refused the agent's way, naming the
// checkpoint made first.
func TestBlockRisky(t *testing.T) {
	dir := gittest.Init(t)
	gittest.Write(t, dir, "recovery.toml", "[agent]\nblock_risky = true\n")
	t.Setenv("MAESTRO_TRUST_REPO_CONFIG", "1")
	for _, tc := range []struct{ agentName, event string }{
		{"claude-code", "PreToolUse"},
		{"codex", "PreToolUse"},
		{"gemini", "BeforeTool"},
		{"cursor", "beforeShellExecution"},
	} {
		fields := bashTool("rm -rf build")
		if tc.agentName == "gemini" {
			fields["tool_name"] = "run_shell_command"
		}
		if tc.agentName == "cursor" {
			fields = map[string]any{"command": "rm -rf build", "conversation_id": "8c35adc1-19fa-41d2-8238-13269b9b3ca0"}
		}
		res, out := sendEvent(t, dir, tc.agentName, tc.event, fields)
		if res.Warning != "" {
			t.Errorf("%s: warning %q", tc.agentName, res.Warning)
		}
		var reason string
		switch tc.agentName {
		case "claude-code", "codex":
			spec, _ := out["hookSpecificOutput"].(map[string]any)
			if spec["permissionDecision"] != "deny" || spec["hookEventName"] != "PreToolUse" {
				t.Errorf("%s: %s", tc.agentName, res.Stdout)
			}
			reason, _ = spec["permissionDecisionReason"].(string)
		case "gemini":
			if out["decision"] != "deny" {
				t.Errorf("%s: %s", tc.agentName, res.Stdout)
			}
			reason, _ = out["reason"].(string)
		case "cursor":
			if out["permission"] != "deny" || out["user_message"] != out["agent_message"] {
				t.Errorf("%s: %s", tc.agentName, res.Stdout)
			}
			reason, _ = out["agent_message"].(string)
		}
		if !strings.Contains(reason, "maestro blocked `rm -rf build`") || !strings.Contains(reason, "The work as it is now is checkpoint cp-") {
			t.Errorf("%s: reason %q", tc.agentName, reason)
		}
	}
}

// Outside a repository nothing can be checkpointed: the hook still answers
// the agent, says one line at most, and logs to the user's state.
func TestOutsideRepository(t *testing.T) {
	dir := gittest.OutsideRepo(t)
	res, _ := sendEvent(t, dir, "claude-code", "UserPromptSubmit", map[string]any{"prompt": "hi"})
	if res.Warning != "" || res.Stdout != nil {
		t.Errorf("prompt: %q %q", res.Stdout, res.Warning)
	}
	res, _ = sendEvent(t, dir, "claude-code", "PreToolUse", bashTool("rm -rf build"))
	if res.Stdout != nil || res.Warning != "no checkpoint before the risky command: not in a git repository" {
		t.Errorf("risky: %q %q", res.Stdout, res.Warning)
	}
	_, out := sendEvent(t, dir, "claude-code", "PostToolUseFailure", bashFailure("npm ci", "Exit code 1\nnpm error code ETIMEDOUT"))
	if !strings.Contains(contextOf(t, out), "retry: can help; run it as: maestro-run -- npm ci") {
		t.Errorf("failure: %v", out)
	}
	if res, _ := sendEvent(t, dir, "claude-code", "Stop", nil); res.Stdout != nil || res.Warning != "" {
		t.Errorf("stop: %q %q", res.Stdout, res.Warning)
	}
}

// Whatever comes in, the agent gets the answer that lets it go on, and at
// most one line.
func TestNeverBreaksTheAgent(t *testing.T) {
	out := gittest.OutsideRepo(t)
	for _, tc := range []struct{ agentName, event, payload, stdout, warning string }{
		{"claude-code", "PreToolUse", "", "", "no event on stdin"},
		{"claude-code", "PreToolUse", "{not json", "", "the event on stdin is not a JSON object: invalid character 'n' looking for beginning of object key string (at byte 2)"},
		{"cursor", "beforeShellExecution", "", `{"permission":"allow"}`, "no event on stdin"},
		{"cursor", "beforeSubmitPrompt", "[]", `{"continue":true}`, "the event on stdin is not a JSON object: a JSON array, not an object"},
		{"gemini", "BeforeTool", "null", "{}", "the event on stdin is not a JSON object: null"},
		{"codex", "Stop", `{"cwd": "OUT"}`, "{}", ""},
		{"claude-code", "Notification", `{"message": "x"}`, "", ""},
		{"claude-code", "NoSuchEvent", `{}`, "", `unknown claude-code event "NoSuchEvent": nothing done`},
		{"vim", "PreToolUse", `{}`, "", `unknown agent "vim": use one of claude-code, codex, gemini, cursor`},
	} {
		res := Handle(HookOptions{Agent: tc.agentName, Event: tc.event, Payload: []byte(strings.ReplaceAll(tc.payload, "OUT", out)), Default: embeddedCatalog(t)})
		if got := strings.TrimSpace(string(res.Stdout)); got != tc.stdout || res.Warning != tc.warning {
			t.Errorf("%s %s %q: stdout %q, warning %q; want %q, %q", tc.agentName, tc.event, tc.payload, got, res.Warning, tc.stdout, tc.warning)
		}
		if strings.Contains(res.Warning, "\n") {
			t.Errorf("%s %s: warning of more than a line: %q", tc.agentName, tc.event, res.Warning)
		}
	}
}

func TestRetryCommand(t *testing.T) {
	t.Parallel()
	for cmd, want := range map[string]string{
		"npm install":                 "maestro-run -- npm install",
		"  go  test ./... ":           "maestro-run -- go test ./...",
		"pip install -r req.txt && x": "maestro-run -- sh -c 'pip install -r req.txt && x'",
		"echo 'it'":                   `maestro-run -- sh -c 'echo '\''it'\'''`,
		"curl $URL":                   "maestro-run -- sh -c 'curl $URL'",
	} {
		if got := RetryCommand(cmd); got != want {
			t.Errorf("RetryCommand(%q) = %s, want %s", cmd, got, want)
		}
	}
}

// The end of a turn on a clean tree (it skips git status, LikelyDirty) is
// still a checkpoint of HEAD, not a snapshot.
func TestStopCleanTree(t *testing.T) {
	dir := gittest.Init(t)
	if res, _ := sendEvent(t, dir, "claude-code", "Stop", nil); res.Warning != "" {
		t.Fatal(res.Warning)
	}
	recs := sessionRecords(t, dir)
	head := strings.TrimSpace(gittest.Git(t, dir, "rev-parse", "HEAD"))
	if len(recs) != 1 || recs[0].Snapshot || recs[0].CommitSHA != head {
		t.Errorf("checkpoints of a clean tree: %+v (HEAD %s)", recs, head)
	}
	// The previous checkpoint is HEAD itself: a turn that changed nothing
	// makes none (git status alone says so), and a turn that changed a file,
	// tracked or not, makes a snapshot.
	sendEvent(t, dir, "claude-code", "Stop", nil)
	if recs := sessionRecords(t, dir); len(recs) != 1 {
		t.Errorf("an unchanged turn made a checkpoint: %d of them", len(recs))
	}
	gittest.Write(t, dir, "new.txt", "a file of the turn\n")
	sendEvent(t, dir, "claude-code", "Stop", nil)
	if recs := sessionRecords(t, dir); len(recs) != 2 || !recs[0].Snapshot && !recs[1].Snapshot {
		t.Errorf("a changed turn: want a second checkpoint, a snapshot: %+v", recs)
	}
}
