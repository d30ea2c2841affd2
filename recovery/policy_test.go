package recovery_test

import (
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/recovery"
)

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    recovery.Policy
		wantErr string // the whole message; "" for none
	}{
		{in: "none", want: recovery.Policy{}},
		{in: "  none ", want: recovery.Policy{}},
		{in: "suggest", want: recovery.Policy{Suggest: true}},
		{in: "rollback", want: recovery.Policy{Rollback: true}},
		{in: "ask", want: recovery.Policy{Ask: true}},
		{in: "suggest,rollback", want: recovery.Policy{Suggest: true, Rollback: true}},
		{in: "ask,suggest", want: recovery.Policy{Suggest: true, Ask: true}},
		{in: "suggest,rollback,ask", want: recovery.Policy{Suggest: true, Rollback: true, Ask: true}},
		{in: " suggest , rollback ,ask ", want: recovery.Policy{Suggest: true, Rollback: true, Ask: true}},
		{in: "ask,ask", want: recovery.Policy{Ask: true}},
		{in: "suggest,suggest,rollback", want: recovery.Policy{Suggest: true, Rollback: true}},
		{in: "retry", wantErr: `"retry" is not none, suggest, rollback or ask (combine them with commas: suggest,rollback)`},
		{in: "suggest,retry", wantErr: `"retry" is not none, suggest, rollback or ask (combine them with commas: suggest,rollback)`},
		{in: "suggest;rollback", wantErr: `"suggest;rollback" is not none`},
		{in: "suggest rollback", wantErr: `"suggest rollback" is not none`},
		{in: "", wantErr: `"" is not none`},
		{in: "suggest,", wantErr: `"" is not none`},
		{in: ",ask", wantErr: `"" is not none`},
		// none means no strategy: with another one it says two things.
		{in: "none,suggest", wantErr: "none is alone or not at all"},
		{in: "ask, none", wantErr: "none is alone or not at all"},
	}
	for _, tt := range tests {
		got, err := recovery.ParsePolicy(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("ParsePolicy(%q) = %+v, %v; want an error starting %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePolicy(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}
