package recovery_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/recovery"
)

func TestRecovered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		strategy string
		success  bool
		want     bool
	}{
		{recovery.RetryWithBackoff, true, true},
		{recovery.RetryWithBackoff, false, false},
		{recovery.RollbackToCheckpoint, true, true},
		{recovery.RollbackToCheckpoint, false, false},
		{recovery.HumanInputRequest, true, true},
		{recovery.HumanInputRequest, false, false},
		// Advice is not a recovery, however useful.
		{recovery.AlternativeApproach, true, false},
		{recovery.AlternativeApproach, false, false},
	}
	for _, tt := range tests {
		r := recovery.Result{StrategyUsed: tt.strategy, Success: tt.success}
		if got := r.Recovered(); got != tt.want {
			t.Errorf("Result{%s, success %v}.Recovered() = %v, want %v", tt.strategy, tt.success, got, tt.want)
		}
	}
}

// DESIGN.md fixes the strategy names and the recovery result's fields.
func TestResultJSON(t *testing.T) {
	t.Parallel()
	for got, want := range map[string]string{
		recovery.RetryWithBackoff:     "retry_with_backoff",
		recovery.AlternativeApproach:  "alternative_approach",
		recovery.RollbackToCheckpoint: "rollback_to_checkpoint",
		recovery.HumanInputRequest:    "human_input_request",
	} {
		if got != want {
			t.Errorf("strategy %q, DESIGN.md says %q", got, want)
		}
	}
	r := recovery.Result{StrategyUsed: recovery.RollbackToCheckpoint, Success: true, Message: "rolled back",
		Details: map[string]any{"k": "v"}, RecoveredAt: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"details", "message", "recovered_at", "strategy_used", "success"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("fields %q, want %q", keys, want)
	}
	if got := fields["recovered_at"]; got != "2024-05-01T12:00:00Z" {
		t.Errorf("recovered_at = %v, want RFC 3339 in UTC", got)
	}
}
