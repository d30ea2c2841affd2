package session

// Entry kinds written by the coding agents' hooks (maestro agent hook).
const (
	KindAgentSession = "agent_session" // the agent's session began, or resumed
	KindAgentPrompt  = "agent_prompt"  // a prompt: its first line describes the turn
	KindAgentRisky   = "agent_risky"   // a risky command: checkpoint made first, maybe blocked
	KindAgentFailure = "agent_failure" // a shell command that failed, classified
	KindAgentTurn    = "agent_turn"    // the end of a turn: its checkpoint, or why none
)

// Agent is what the log keeps of an agent hook's event.
type Agent struct {
	Agent          string `json:"agent"`            // claude-code, codex, gemini, cursor
	AgentSessionID string `json:"agent_session_id"` // the agent's own id
	Event          string `json:"event"`            // the event's name, as the agent spells it
	Command        string `json:"command,omitempty"`
	CheckpointID   string `json:"checkpoint_id,omitempty"`
	// Pattern is the risky_commands pattern a command matched.
	Pattern string `json:"pattern,omitempty"`
	Blocked bool   `json:"blocked,omitempty"`
	// A failure's classification.
	FailureType string `json:"failure_type,omitempty"`
	Line        string `json:"line,omitempty"`
	ExitCode    *int   `json:"exit_code,omitempty"`
	InARow      int    `json:"in_a_row,omitempty"` // failures of this type in a row, this one included
	// Skipped says why an end of turn made no checkpoint.
	Skipped string `json:"skipped,omitempty"`
}

// AgentStats sum up what an agent's hooks did in a session.
type AgentStats struct {
	Turns            int            `json:"turns"`
	RiskyCheckpoints int            `json:"risky_checkpoints"`
	Blocked          int            `json:"blocked"`
	ToolFailures     int            `json:"tool_failures"`
	FailuresByType   map[string]int `json:"tool_failures_by_type"`
}

func (s *Stats) addAgent(e Entry) {
	if e.Agent == nil {
		return
	}
	if s.Agent == nil {
		s.Agent = &AgentStats{FailuresByType: map[string]int{}}
	}
	a := s.Agent
	switch e.Type {
	case KindAgentTurn:
		a.Turns++
	case KindAgentRisky:
		if e.Agent.CheckpointID != "" {
			a.RiskyCheckpoints++
		}
		if e.Agent.Blocked {
			a.Blocked++
		}
	case KindAgentFailure:
		a.ToolFailures++
		a.FailuresByType[e.Agent.FailureType]++
	}
}

func (a *Agent) clipped(limit int) *Agent {
	c := *a
	c.Command, c.Line = clip(c.Command, limit), clip(c.Line, limit)
	c.AgentSessionID = clip(c.AgentSessionID, limit)
	return &c
}

// MarshalJSON writes a as its struct tags say, by hand for the reason
// Entry is (encode.go): the agents' hooks log on every prompt.
func (a Agent) MarshalJSON() ([]byte, error) {
	var w objectWriter
	w.String("agent", a.Agent)
	w.String("agent_session_id", a.AgentSessionID)
	w.String("event", a.Event)
	for _, f := range []struct{ name, value string }{{"command", a.Command}, {"checkpoint_id", a.CheckpointID}, {"pattern", a.Pattern}} {
		if f.value != "" {
			w.String(f.name, f.value)
		}
	}
	if a.Blocked {
		w.Bool("blocked", true)
	}
	if a.FailureType != "" {
		w.String("failure_type", a.FailureType)
	}
	if a.Line != "" {
		w.String("line", a.Line)
	}
	if a.ExitCode != nil {
		w.Int("exit_code", *a.ExitCode)
	}
	if a.InARow != 0 {
		w.Int("in_a_row", a.InARow)
	}
	if a.Skipped != "" {
		w.String("skipped", a.Skipped)
	}
	return w.close()
}
