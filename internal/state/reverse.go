package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// backChunk is how much ReadBackward reads at a time.
const backChunk = 64 << 10

// openLog opens a log of maestro's state to read it, following no link and
// refusing anything but a regular file (a FIFO would block). A missing log
// is (nil, nil).
func openLog(path string) (*os.File, int64, error) {
	f, size, err := openRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	return f, size, err
}

// ReadBackward reads the log at path from its end, so that a page showing
// its newest records need not read the megabytes before them: each gets
// its records newest first, until it returns false. Like Read, it skips
// blank lines and a torn last record, and a missing log holds none. A
// record longer than MaxRecord, which Append never writes, is an error
// rather than a reason to hold the whole file in memory.
func ReadBackward(path string, each func(line []byte) (more bool, err error)) error {
	f, pos, err := openLog(path)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	var carry []byte // the start of a line whose end was read already
	tail := true     // the bytes after the last newline: maybe torn
	give := func(line []byte) (bool, error) {
		if len(line) > MaxRecord {
			return false, fmt.Errorf("%s: a record of more than %d bytes", path, MaxRecord)
		}
		line = bytes.TrimRight(line, "\r")
		torn := tail && !json.Valid(line)
		tail = false
		if len(bytes.TrimSpace(line)) == 0 || torn {
			return true, nil
		}
		return each(line)
	}
	for pos > 0 {
		n := min(int64(backChunk), pos)
		pos -= n
		data := make([]byte, n, int(n)+len(carry))
		if _, err := f.ReadAt(data, pos); err != nil && err != io.EOF {
			return fmt.Errorf("%s: %w", path, err)
		}
		data = append(data, carry...)
		for {
			i := bytes.LastIndexByte(data, '\n')
			if i < 0 {
				break
			}
			more, err := give(data[i+1:])
			if err != nil || !more {
				return err
			}
			data = data[:i]
		}
		if len(data) > MaxRecord {
			return fmt.Errorf("%s: a record of more than %d bytes", path, MaxRecord)
		}
		carry = data
	}
	_, err = give(carry)
	return err
}

// CountRecords is about how many records the log at path holds: its lines
// counted, none decoded (a torn last record counts).
func CountRecords(path string) (int, error) {
	f, _, err := openLog(path)
	if f == nil || err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, backChunk)
	n, last := 0, byte('\n')
	for {
		k, err := f.Read(buf)
		if k > 0 {
			n += bytes.Count(buf[:k], []byte{'\n'})
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", path, err)
		}
	}
	if last != '\n' {
		n++
	}
	return n, nil
}
