package wrapper

import "golang.org/x/sys/unix"

// openPTYMaster opens a pseudo-terminal master with posix_openpt, a system
// call on FreeBSD, and returns its slave's path. grantpt and unlockpt have
// nothing to do there: the slave is ready.
func openPTYMaster() (fd int, slave string, err error) {
	r, _, errno := unix.Syscall(unix.SYS_POSIX_OPENPT, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0, 0)
	if errno != 0 {
		return -1, "", ptyError("posix_openpt", errno)
	}
	fd = int(r)
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		return -1, "", ptyError("ptsname", err)
	}
	return fd, ptsPath(n), nil
}
