//go:build unix && !linux

package wrapper

import (
	"errors"
	"os"
	"syscall"
)

// IsTerminal reports whether f is a terminal. Outside Linux maestro does not
// give the command a pseudo-terminal, so it answers false.
func IsTerminal(f *os.File) bool { return false }

func termWidth(f *os.File) int { return 0 }

func openPTY() (master, slave *os.File, err error) {
	return nil, nil, errors.New("pseudo-terminals are supported on Linux only")
}

func copySize(from, to *os.File) error { return nil }

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

func growPipe(f *os.File) {}

func becomeSubreaper() {}

func reapOrphans(int) {}
