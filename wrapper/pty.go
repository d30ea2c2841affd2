package wrapper

import (
	"fmt"
	"strconv"
)

// The helpers of the per-system pty_*.go files that need no system calls
// live here, without a build tag, so that they are tested everywhere.

// cString is the text of a C string in b: up to its first NUL.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// ptsPath is the path of pseudo-terminal n on Linux and FreeBSD.
func ptsPath(n int) string { return "/dev/pts/" + strconv.Itoa(n) }

func ptyError(what string, err error) error {
	return fmt.Errorf("pseudo-terminal: %s: %w", what, err)
}
