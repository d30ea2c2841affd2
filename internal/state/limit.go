package state

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// ReadFileLimit reads a file of maestro's state, following no link: more
// than max bytes (max >= 0) is an error, read no further, and anything but
// a regular file is refused without waiting on it (a FIFO put there would
// block a plain open, and with it a git hook).
func ReadFileLimit(path string, max int64) ([]byte, error) {
	if _, err := prepare(path, false); err != nil {
		return nil, err
	}
	f, err := openFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if max < 0 {
		return io.ReadAll(f)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: more than %d bytes", path, max)
	}
	return data, nil
}
