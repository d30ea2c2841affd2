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
	f, _, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
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

// openRegular opens path for reading, refusing a link (in the path or at
// its end) and anything but a regular file: a FIFO planted there would
// otherwise hang the reader. It returns the file and its size.
func openRegular(path string) (*os.File, int64, error) {
	if _, err := prepare(path, false); err != nil {
		return nil, 0, err
	}
	f, err := openFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("%s: not a regular file", path)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, info.Size(), nil
}
