package tm

import (
	"os"
	"testing"
)

// TestMain fails the package after every test passed.
func TestMain(m *testing.M) {
	m.Run()
	os.Exit(3)
}

func TestPasses(t *testing.T) {}
