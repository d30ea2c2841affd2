//go:build linux

package wrapper

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr starts the command in a session of its own, without a
// controlling terminal: its whole process group can be signalled, and a
// read of /dev/tty fails rather than waits. Pdeathsig ends the command if
// maestro itself is killed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
}

// pdeathsig says the command dies with maestro, whatever ends maestro: a
// run may then catch some signals only as its first command starts
// (Signals).
const pdeathsig = true

// growPipe enlarges a pipe's buffer to 256 KiB, so that the processes on
// either side of it run longer between wake-ups. It is quietly nothing for
// what is not a pipe, or when the user's pipe quota is spent. 256 KiB is as
// fast as 1 MiB here and four times kinder to that quota.
func growPipe(f *os.File) {
	_ = control(f, func(fd int) error {
		size, err := unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0)
		if err != nil || size >= 256<<10 {
			return err
		}
		_, err = unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, 256<<10)
		return err
	})
}

// becomeSubreaper makes the command's orphaned descendants maestro's
// children rather than init's, so that reapOrphans can collect them: in a
// container whose init never reaps, a zombie would otherwise look like a
// live process of the group until the grace period ends.
func becomeSubreaper() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}
