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

// outputPipe is a pipe for the command's output: maestro's end read
// through the runtime's poller, the command's end an ordinary blocking
// descriptor. os.Pipe would make both ends non-blocking and poll both,
// and exec would make the command's blocking again: ten system calls a
// pipe instead of five, at each attempt.
func outputPipe() (r, w *os.File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	if err := unix.SetNonblock(p[0], true); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, nil, os.NewSyscallError("fcntl", err)
	}
	return os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1"), nil
}

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
