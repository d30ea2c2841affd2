package a

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFlaky fails on its first run only: it leaves a marker file in
// $MARK_DIR (the test that runs the suite sets it).
func TestFlaky(t *testing.T) {
	mark := filepath.Join(os.Getenv("MARK_DIR"), "flaky")
	if _, err := os.Stat(mark); err != nil {
		os.WriteFile(mark, nil, 0o644)
		t.Fatal("fails on the first run only")
	}
}

func TestDeterministic(t *testing.T) { t.Error("fails every run") }

func TestOK(t *testing.T) {}

func TestTable(t *testing.T) {
	for _, name := range []string{"a b[1]+(x)", "ü/ß", "plain", "-dash", `back\slash|pipe`, "^$.*", "{2}?", "\x01 z", "dup", "dup"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if name != "plain" {
				t.Error("fails:", name)
			}
		})
	}
}

// TestParentOnly fails itself; its subtest passes.
func TestParentOnly(t *testing.T) {
	t.Run("ok", func(t *testing.T) {})
	t.Error("the parent fails")
}

func TestSkipped(t *testing.T) { t.Skip("skipped") }
