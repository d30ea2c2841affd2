//go:build unix && !linux

package wrapper

import (
	"os"
	"syscall"
)

// sysProcAttr starts the command in a session of its own, as on Linux (see
// term_linux.go). There is no Pdeathsig outside Linux: if maestro is killed
// with SIGKILL, the command outlives it. Any other end of maestro still
// ends the command's process group first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// pdeathsig says the command dies with maestro: not here, so every signal
// is caught before a command starts.
const pdeathsig = false

// outputPipe is os.Pipe: there is no pipe2 on macOS to make it cheaper.
func outputPipe() (r, w *os.File, err error) { return os.Pipe() }

// growPipe is nothing: a pipe's buffer cannot be sized outside Linux; macOS
// and FreeBSD grow a busy pipe's to 64 KiB by themselves.
func growPipe(f *os.File) {}

// becomeSubreaper is nothing: macOS has no subreaper, and FreeBSD's
// procctl(PROC_REAP_ACQUIRE) has no constant in golang.org/x/sys. The
// command's orphans go to init (launchd), which reaps them, so a zombie
// cannot pass for a live process of the group there; reapOrphans still
// collects the children maestro does have.
func becomeSubreaper() {}
