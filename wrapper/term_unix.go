//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package wrapper

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	return control(f, func(fd int) error {
		_, err := unix.IoctlGetTermios(fd, ioctlReadTermios)
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

// OpenPTY opens a pseudo-terminal pair, the master ready for read
// deadlines. golang.org/x/sys is used rather than github.com/creack/pty
// because creack's Open leaves the master blocking; maestro needs read
// deadlines on it to stop reading when a grandchild keeps the terminal open
// after the command ends. Where the system has no pseudo-terminal maestro
// can drive that way, it fails, and the command gets pipes.
func OpenPTY() (master, slave *os.File, err error) {
	fd, name, err := openPTYMaster()
	if err != nil {
		return nil, nil, err
	}
	if master, err = pollable(fd, "/dev/ptmx"); err != nil {
		return nil, nil, err
	}
	sfd, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		master.Close()
		return nil, nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	// The command's end stays blocking: os/exec hands it over as it is.
	return master, os.NewFile(uintptr(sfd), name), nil
}

// pollable makes fd a file served by Go's poller, so that read deadlines
// work on it, and closes fd when they would not: on darwin a descriptor the
// kernel's kqueue refuses is left blocking by os.NewFile, and a read of it
// could then outlast the command for ever.
func pollable(fd int, name string) (*os.File, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "set non-blocking", Path: name, Err: err}
	}
	f := os.NewFile(uintptr(fd), name)
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: no read deadlines: %w", name, err)
	}
	return f, nil
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
