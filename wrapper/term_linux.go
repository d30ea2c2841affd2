//go:build linux

package wrapper

import (
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	return control(f, func(fd int) error {
		_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	}) == nil
}

// termWidth is the number of columns of terminal f, 0 when unknown.
func termWidth(f *os.File) int {
	var cols int
	_ = control(f, func(fd int) error {
		ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		if err == nil {
			cols = int(ws.Col)
		}
		return err
	})
	return cols
}

// openPTY opens a pseudo-terminal pair. golang.org/x/sys is used rather than
// github.com/creack/pty because creack's Open goes through File.Fd, which
// leaves the master blocking; maestro needs read deadlines on it to stop
// reading when a grandchild keeps the terminal open after the command ends.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	var n int
	err = control(master, func(fd int) error {
		var err error
		if n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN); err != nil {
			return err
		}
		return unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0)
	})
	if err == nil {
		slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	}
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

// copySize gives terminal to the window size of terminal from.
func copySize(from, to *os.File) error {
	var ws *unix.Winsize
	err := control(from, func(fd int) error {
		var err error
		ws, err = unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		return err
	})
	if err != nil {
		return err
	}
	return control(to, func(fd int) error { return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws) })
}

// sysProcAttr starts the command in a session of its own, without a
// controlling terminal: its whole process group can be signalled, and a
// read of /dev/tty fails rather than waits. Pdeathsig ends the command if
// maestro itself is killed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
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

// reapOrphans collects the zombies of orphaned descendants. It is called
// only once the command itself has been waited for, so it cannot take the
// command's exit status from os/exec. which is -1 for any child, -PGID
// for those of that process group.
func reapOrphans(which int) {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(which, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
