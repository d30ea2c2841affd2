// Package state keeps maestro's local state, what is not a checkpoint:
// session logs, questions and their answers. It lives in
// $(git rev-parse --git-common-dir)/maestro/ inside a repository and in
// $XDG_STATE_HOME/maestro/ outside one. Logs are append-only, one JSON
// record a line, each appended whole under an exclusive lock so that
// concurrent writers never tear one another's records; other files are
// written atomically (a temporary file renamed into place) or created
// exclusively. A log outlives a writer killed half way through a record,
// and no symbolic link inside the state is ever followed (links.go).
package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/maestro-recovery/maestro/internal/git"
)

// Dir returns the state directory for work in dir, without a git process:
// the repository's common git directory is found by reading .git as git
// does.
func Dir(dir string, getenv func(string) string) (string, error) {
	common, _ := git.FindCommonDir(dir)
	return DirAt(git.Location{CommonDir: common}, getenv)
}

// DirAt is Dir of a directory whose place git.Locate has found already.
func DirAt(loc git.Location, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if loc.CommonDir != "" {
		return filepath.Join(loc.CommonDir, "maestro"), nil
	}
	d := UserDir(getenv)
	if d == "" {
		return "", errors.New("no state directory: not in a git repository, and neither $XDG_STATE_HOME nor $HOME is set")
	}
	return d, nil
}

// DirOrEmpty is Dir of the current directory, or "" when there is none:
// for what only reads or adds to the state when it can (approach outcomes,
// their ranking) and never fails a command for it.
func DirOrEmpty() string {
	dir, err := Dir(".", nil)
	if err != nil {
		return ""
	}
	return dir
}

// UserDir is the user's state directory, $XDG_STATE_HOME/maestro (or
// ~/.local/state/maestro): the state of work outside a repository, and the
// trust given to repositories' files. "" when neither variable is set.
func UserDir(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	base := getenv("XDG_STATE_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "maestro")
}

// MaxRecord bounds one record of a log, its newline included: a reader
// holds a record whole in memory, and a writer killed in the middle of one
// leaves at most this much to cut off.
const MaxRecord = 1 << 20

// TooBigError is a record Append refuses: longer than MaxRecord.
type TooBigError struct{ Size int }

func (e *TooBigError) Error() string {
	return fmt.Sprintf("a record of %d bytes is more than the %d a log holds in one record", e.Size, MaxRecord)
}

// Append adds one record to the log file path, creating it and its folders
// as needed. The record is one line, written with one write under an
// exclusive lock on the file. What a writer that died in the middle of a
// record left at the end is cut off first, so each record starts a line.
func Append(path string, record any) error {
	line, err := json.Marshal(record)
	if err != nil {
		return err
	}
	return AppendLine(path, line)
}

// AppendLine is Append for a record already encoded as JSON, by a writer
// that does without encoding/json's reflection (session.Log: maestro-run
// logs every run). line must be one JSON value, without its newline.
func AppendLine(path string, line []byte) error {
	if bytes.IndexByte(line, '\n') >= 0 {
		return errors.New("state: a record must fit on one line")
	}
	line = append(line, '\n')
	if len(line) > MaxRecord {
		return &TooBigError{len(line)}
	}
	if _, err := prepare(path, true); err != nil {
		return err
	}
	f, err := openFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lock(f); err != nil {
		return err
	}
	end, err := repairTail(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := f.Write(line); err != nil {
		// A write cut short (the disk is full) must not leave a torn
		// record behind: cutting it off frees what it took.
		f.Truncate(end)
		return err
	}
	return nil
}

// repairTail makes the log end with a newline before a record is added,
// and returns its size then. Writers hold the lock while they write, so
// under it a last line without its newline is no write in progress but
// one that stopped (a writer killed, a full disk): torn, it is cut off;
// whole but for its newline, it gets one.
func repairTail(f *os.File) (int64, error) {
	info, err := f.Stat()
	if err != nil || info.Size() == 0 {
		return 0, err
	}
	size := info.Size()
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return 0, err
	}
	if last[0] == '\n' {
		return size, nil
	}
	start, err := lineStart(f, size)
	if err != nil {
		return 0, err
	}
	tail := make([]byte, size-start)
	if _, err := f.ReadAt(tail, start); err != nil {
		return 0, err
	}
	if json.Valid(tail) {
		_, err := f.Write([]byte{'\n'})
		return size + 1, err
	}
	return start, f.Truncate(start)
}

// lineStart returns the offset of the last line of the first size bytes of
// f: just after the last newline, 0 when there is none.
func lineStart(f *os.File, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for end := size; end > 0; {
		n := min(int64(len(buf)), end)
		if _, err := f.ReadAt(buf[:n], end-n); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return end - n + int64(i) + 1, nil
		}
		end -= n
	}
	return 0, nil
}

// Read decodes every record of the log file path with decode; a missing
// file has none. Records may be of any size. A last line without its
// newline that is not JSON is a record its writer did not finish (killed,
// or the disk was full): it is skipped, and the next Append cuts it off.
// Any other line that is not JSON (the file was edited by hand, a disk
// failed) is reported, not skipped silently.
func Read(path string, decode func(line []byte) error) error {
	_, err := prepare(path, false)
	var f *os.File
	if err == nil {
		f, err = openFile(path, os.O_RDONLY, 0)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var long []byte
	for n := 1; ; n++ {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: gathered, as big as it is.
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s: %w", path, err)
		}
		eof := err == io.EOF
		body := bytes.TrimRight(line, "\r\n")
		switch {
		case len(bytes.TrimSpace(body)) == 0:
		case eof && !json.Valid(body):
			// The torn tail, as Append's repairTail judges it.
		default:
			if err := decode(body); err != nil {
				return fmt.Errorf("%s:%d: %w", path, n, err)
			}
		}
		if eof {
			return nil
		}
	}
}

// WriteAtomic writes data to path through a temporary file renamed into
// place: a reader sees the old content or the new, never half. A file that
// was there keeps its mode; a new one gets 0644 less the umask, as a plain
// write would give it.
func WriteAtomic(path string, data []byte) error {
	return writeAtomic(path, data, 0)
}

// WriteAtomicMode is WriteAtomic giving the file the mode perm, as a hook
// needs 0755 whatever was there.
func WriteAtomicMode(path string, data []byte, perm os.FileMode) error {
	return writeAtomic(path, data, perm)
}

func writeAtomic(path string, data []byte, perm os.FileMode) error {
	inState, err := prepare(path, true)
	if err != nil {
		return err
	}
	// Outside maestro's state (a hook, a report the user named) the file
	// is the user's, links and all, as a plain write would take it.
	stat := os.Stat
	if inState {
		stat = os.Lstat
	}
	info, err := stat(path)
	if err == nil && info.Mode()&fs.ModeSymlink != 0 {
		return &LinkError{path}
	}
	tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	if perm == 0 && info != nil && info.Mode().IsRegular() {
		perm = info.Mode().Perm()
	}
	if perm != 0 {
		tmp.Chmod(perm)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// createTemp creates a new temporary file next to path. Unlike
// os.CreateTemp (always 0600), it asks for 0644 and lets the umask decide,
// since the file becomes path.
func createTemp(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	for range 100 {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("no temporary file next to %s", path)
}

// ErrExists says CreateExclusive found the file already there.
var ErrExists = errors.New("already exists")

// CreateExclusive writes data to path only if path does not exist yet, so
// that of two writers racing, exactly one wins. It writes a temporary file
// and links it into place, which is atomic and fails if path exists.
func CreateExclusive(path string, data []byte) error {
	if _, err := prepare(path, true); err != nil {
		return err
	}
	tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			if info, err := os.Lstat(path); err == nil && info.Mode()&fs.ModeSymlink != 0 {
				return &LinkError{path}
			}
			return ErrExists
		}
		return err
	}
	return nil
}

// Lock takes an exclusive lock on the file path (created if needed) and
// returns its release.
func Lock(path string) (func(), error) {
	if _, err := prepare(path, true); err != nil {
		return nil, err
	}
	f, err := openFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

func lock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// SafeName reports whether s can be a file name in the state directory.
func SafeName(s string) bool {
	return s != "" && !strings.ContainsAny(s, "/\x00") && s != "." && s != ".."
}
