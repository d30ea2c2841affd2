package session

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// Agent and an Entry holding one are written by hand (encode.go): the
// bytes must be those reflection gives.
func TestAgentEncodingMatchesTags(t *testing.T) {
	type plainAgent Agent
	type plainEntry struct {
		Time      time.Time   `json:"time"`
		SessionID string      `json:"session_id"`
		Type      string      `json:"type"`
		Agent     *plainAgent `json:"agent,omitempty"`
		Truncated bool        `json:"truncated,omitempty"`
	}
	at := time.Date(2026, 11, 27, 20, 3, 22, 663000000, time.UTC)
	code := 1
	for name, a := range map[string]Agent{
		"empty":   {},
		"prompt":  {Agent: "claude-code", AgentSessionID: "8c35 \"adc1\" \u2028 \x01 \xff", Event: "UserPromptSubmit"},
		"risky":   {Agent: "codex", AgentSessionID: "s", Event: "PreToolUse", Command: "git reset --hard", CheckpointID: "cp-1", Pattern: `\bgit\s+reset`, Blocked: true},
		"failure": {Agent: "gemini", Event: "AfterTool", Command: "pytest", FailureType: "test_failure", Line: "FAILED x", ExitCode: &code, InARow: 3},
		"turn":    {Agent: "cursor", Event: "stop", Skipped: "no change"},
	} {
		e := Entry{Time: at, SessionID: "s-1", Type: KindAgentFailure, Agent: &a, Truncated: name == "turn"}
		// What Log.Append writes: the encoder itself, not json.Marshal,
		// which would compact and check its bytes first.
		got, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(plainEntry{Time: at, SessionID: "s-1", Type: KindAgentFailure, Agent: (*plainAgent)(&a), Truncated: e.Truncated})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

func TestSummarizeAgent(t *testing.T) {
	code := 1
	es := []Entry{
		{Type: KindAgentSession, Agent: &Agent{Agent: "claude-code"}},
		{Type: KindAgentPrompt, Agent: &Agent{}},
		{Type: KindAgentRisky, Agent: &Agent{CheckpointID: "cp-1"}},
		{Type: KindAgentRisky, Agent: &Agent{CheckpointID: "cp-2", Blocked: true}},
		{Type: KindAgentFailure, Agent: &Agent{FailureType: "test_failure", ExitCode: &code}},
		{Type: KindAgentFailure, Agent: &Agent{FailureType: "test_failure"}},
		{Type: KindAgentFailure, Agent: &Agent{FailureType: "transient"}},
		{Type: KindAgentTurn, Agent: &Agent{CheckpointID: "cp-3"}},
		{Type: KindAgentTurn, Agent: &Agent{Skipped: "no change"}},
	}
	s := Summarize("s", es)
	a := s.Agent
	if a == nil || a.Turns != 2 || a.RiskyCheckpoints != 2 || a.Blocked != 1 || a.ToolFailures != 3 || a.FailuresByType["test_failure"] != 2 || a.FailuresByType["transient"] != 1 {
		t.Errorf("Summarize: %+v", a)
	}
	if s := Summarize("s", es[:0]); s.Agent != nil {
		t.Errorf("a session without agent entries has agent stats: %+v", s.Agent)
	}
}
