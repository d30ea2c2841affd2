// Package recovery ties maestro's four strategies together after a failed
// run (maestro run --on-failure): retry with backoff has run; then the
// alternative approaches of the failure's type, a rollback to a
// checkpoint, a question to a person, as the caller's policy asks.
package recovery

import "time"

// Strategies, as DESIGN.md names them.
const (
	RetryWithBackoff     = "retry_with_backoff"
	AlternativeApproach  = "alternative_approach"
	RollbackToCheckpoint = "rollback_to_checkpoint"
	HumanInputRequest    = "human_input_request"
)

// Result is DESIGN.md's recovery result: what one strategy did.
type Result struct {
	StrategyUsed string    `json:"strategy_used"`
	Success      bool      `json:"success"`
	Message      string    `json:"message"`
	Details      any       `json:"details"`
	RecoveredAt  time.Time `json:"recovered_at"`
}

// Recovered reports whether the result counts as a recovery from an error:
// a retry that passed, a rollback made, an answer obtained. Suggesting
// approaches is advice, not a recovery.
func (r Result) Recovered() bool {
	return r.Success && r.StrategyUsed != AlternativeApproach
}
