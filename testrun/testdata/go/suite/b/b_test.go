package b

import "testing"

func TestDeep(t *testing.T) {
	t.Run("x", func(t *testing.T) {
		t.Run("y", func(t *testing.T) { t.Fatal("fails two levels down") })
		t.Run("z", func(t *testing.T) {})
	})
}

// TestFlaky has the name of a.TestFlaky and passes: a rerun of a's must
// not run it.
func TestFlaky(t *testing.T) {}
