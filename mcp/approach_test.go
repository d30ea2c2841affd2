package mcp_test

import (
	"os"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/mcp"
)

// The run tool's approach (issue 13, point 4): marked as tried by a
// failing run, settled by the next run of the same command, and the
// approaches tool puts it first; an unknown name is refused with the list.
func TestRunApproach(t *testing.T) {
	repo(t)
	cs := connect(t, mcp.Options{ConfigFlag: fastConfig(t)}, nil, nil)
	r := call(t, cs, "run", map[string]any{"command": []string{"true"}, "approach": "roll_back_and_redo"})
	if !r.IsError || !strings.Contains(r.Text, `unknown approach "roll_back_and_redo"; the known ones: `) {
		t.Fatalf("unknown approach: %s", r.Text)
	}
	build := []string{"sh", "-c", "test -f fixed || { echo 'error[E0308]: mismatched types'; exit 1; }"}
	mustOK(t, call(t, cs, "run", map[string]any{"command": build, "approach": "roll_back_and_redo_in_smaller_steps"}))
	if err := os.WriteFile("fixed", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mustOK(t, call(t, cs, "run", map[string]any{"command": build}))
	r = mustOK(t, call(t, cs, "approaches", map[string]any{"failure_type": "implementation_failure"}))
	a, _ := r.Data["approaches"].([]any)
	if len(a) < 2 {
		t.Fatalf("approaches: %s", r.Text)
	}
	first := a[0].(map[string]any)
	if first["name"] != "roll_back_and_redo_in_smaller_steps" || first["tries"] != 1.0 || first["successes"] != 1.0 {
		t.Errorf("first approach: %v", first)
	}
}
