package wrapper

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// openPTYMaster opens a pseudo-terminal master and unlocks its slave,
// whose path it returns: what libc's posix_openpt, grantpt, unlockpt and
// ptsname do on macOS, whose libc golang.org/x/sys does not reach.
func openPTYMaster() (fd int, slave string, err error) {
	fd, err = unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", ptyError("open /dev/ptmx", err)
	}
	var name [128]byte // the size TIOCPTYGNAME writes
	err = unix.IoctlSetInt(fd, unix.TIOCPTYGRANT, 0)
	if err == nil {
		err = unix.IoctlSetInt(fd, unix.TIOCPTYUNLK, 0)
	}
	if err == nil {
		// x/sys has no pointer ioctl for darwin to call with a buffer.
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.TIOCPTYGNAME), uintptr(unsafe.Pointer(&name[0]))); errno != 0 {
			err = errno
		}
	}
	if err == nil && cString(name[:]) == "" {
		err = unix.ENOENT
	}
	if err != nil {
		unix.Close(fd)
		return -1, "", ptyError("unlock /dev/ptmx", err)
	}
	return fd, cString(name[:]), nil
}
