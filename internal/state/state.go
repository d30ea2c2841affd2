// Package state keeps maestro's local state, what is not a checkpoint:
// session logs, questions and their answers. It lives in
// $(git rev-parse --git-common-dir)/maestro/ inside a repository and in
// $XDG_STATE_HOME/maestro/ outside one. Logs are append-only, one JSON
// record a line, each appended whole under an exclusive lock so that
// concurrent writers never tear one another's records; other files are
// written atomically (a temporary file renamed into place) or created
// exclusively.
package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	if getenv == nil {
		getenv = os.Getenv
	}
	if common, ok := git.FindCommonDir(dir); ok {
		return filepath.Join(common, "maestro"), nil
	}
	base := getenv("XDG_STATE_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("no state directory: not in a git repository, and neither $XDG_STATE_HOME nor $HOME is set")
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "maestro"), nil
}

// Append adds one record to the log file path, creating it and its folders
// as needed. The record is one line, written with one write under an
// exclusive lock on the file.
func Append(path string, record any) error {
	line, err := json.Marshal(record)
	if err != nil {
		return err
	}
	if bytes.IndexByte(line, '\n') >= 0 {
		return errors.New("state: a record must fit on one line")
	}
	line = append(line, '\n')
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lock(f); err != nil {
		return err
	}
	_, err = f.Write(line)
	return err
}

// Read decodes every record of the log file path with decode; a missing
// file has none. A line that is not JSON (the file was edited by hand, a
// disk failed) is reported, not skipped silently.
func Read(path string, decode func(line []byte) error) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := decode(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
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
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	if perm == 0 {
		if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
			perm = info.Mode().Perm()
		}
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
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
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
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
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
			return ErrExists
		}
		return err
	}
	return nil
}

// Lock takes an exclusive lock on the file path (created if needed) and
// returns its release.
func Lock(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
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
