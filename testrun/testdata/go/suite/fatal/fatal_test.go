package fatal

import (
	"runtime/debug"
	"testing"
)

func recurse(n int) int { return recurse(n+1) + 1 }

func TestStackOverflow(t *testing.T) {
	debug.SetMaxStack(1 << 20)
	recurse(0)
}
