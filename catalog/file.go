package catalog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxFileSize bounds a configuration file: 1 MiB, forty times the embedded
// one. A larger file is a mistake or an attack, and reading it would only
// cost memory.
const MaxFileSize = 1 << 20

// readFile reads a configuration file without ever waiting on it: a named
// pipe, a device (/dev/zero, /dev/stdin) or a file larger than MaxFileSize
// is refused, whatever a symbolic link made it look like. The error is
// fs.ErrNotExist for a missing file, else an *Error naming the file.
func readFile(path string) ([]byte, error) {
	// O_NONBLOCK: opening a named pipe for reading would otherwise wait for
	// a writer. On a regular file it changes nothing.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fs.ErrNotExist
		}
		return nil, &Error{File: path, Msg: readError(err)}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, &Error{File: path, Msg: readError(err)}
	}
	if !info.Mode().IsRegular() {
		return nil, &Error{File: path, Msg: kindOf(info.Mode()) + ", not a regular file",
			Hint: []string{"a configuration file must be a regular file (or a symbolic link to one)"}}
	}
	if info.Size() > MaxFileSize {
		return nil, tooBig(path, fmt.Sprintf("%d bytes", info.Size()))
	}
	// Through a limit, so a file that grows while it is read cannot exceed it.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: path, Msg: readError(err)}
	}
	if len(data) > MaxFileSize {
		return nil, tooBig(path, fmt.Sprintf("more than %d bytes", MaxFileSize))
	}
	return data, nil
}

func tooBig(path, size string) *Error {
	return &Error{File: path, Msg: fmt.Sprintf("too large: %s, and a configuration file may hold at most 1 MiB (%d bytes)", size, MaxFileSize),
		Hint: []string{"a recovery.toml is a few kilobytes: check that this is the file you meant"}}
}

// kindOf names what a file that is not a regular file is.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}
