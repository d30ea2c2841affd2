package agent

import (
	"os"
	"testing"

	"github.com/maestro-recovery/maestro/internal/gittest"
)

// TestMain gives the package's tests (and the git they run) a fixed
// identity and a home of their own.
func TestMain(m *testing.M) {
	done := gittest.Isolate()
	code := m.Run()
	done()
	os.Exit(code)
}
