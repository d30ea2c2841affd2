package nearest_test

import (
	"testing"

	"github.com/maestro-recovery/maestro/internal/nearest"
)

func TestName(t *testing.T) {
	t.Parallel()
	cmds := []string{"rollback", "run", "session", "show", "config"}
	for _, tc := range []struct{ in, want string }{
		{"rollbak", "rollback"},
		{"conf", "config"}, // cut short
		{"strat", ""},
		{"frobnicate", ""},
		{"shwo", "show"},
	} {
		if got := nearest.Name(tc.in, cmds); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got, want := nearest.Name("strat", []string{"start", "show", "list"}), "start"; got != want {
		t.Errorf("Name(strat) = %q, want %q", got, want)
	}
	if got, want := nearest.Name("max-atempts", []string{"max-attempts", "max-delay"}), "max-attempts"; got != want {
		t.Errorf("Name(max-atempts) = %q, want %q", got, want)
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	if got, want := nearest.Distance("kitten", "sitting"), 3; got != want {
		t.Errorf("Distance = %d, want %d", got, want)
	}
}
