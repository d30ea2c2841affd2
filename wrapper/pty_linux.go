package wrapper

import "golang.org/x/sys/unix"

// openPTYMaster opens a pseudo-terminal master and unlocks its slave,
// whose path it returns.
func openPTYMaster() (fd int, slave string, err error) {
	fd, err = unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", ptyError("open /dev/ptmx", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0)
	}
	if err != nil {
		unix.Close(fd)
		return -1, "", ptyError("unlock /dev/ptmx", err)
	}
	return fd, ptsPath(n), nil
}
