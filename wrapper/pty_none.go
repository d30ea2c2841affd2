//go:build netbsd || openbsd || dragonfly

package wrapper

import "errors"

// openPTYMaster fails on these systems, which maestro is not tested on:
// the command gets pipes, as it does when maestro's output is no terminal.
// IsTerminal and the window size still answer truthfully.
func openPTYMaster() (fd int, slave string, err error) {
	return -1, "", errors.New("pseudo-terminals for commands are supported on Linux, macOS and FreeBSD only")
}
