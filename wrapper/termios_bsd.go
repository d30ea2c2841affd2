//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package wrapper

import "golang.org/x/sys/unix"

// ioctlReadTermios reads a terminal's attributes: the call that tells a
// terminal from anything else.
const ioctlReadTermios = unix.TIOCGETA
