package git

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// LogEntry is one entry of a reflog: the ref moved from Old to New, and
// Message says why ("commit: SUBJECT", "checkout: moving from a to b").
type LogEntry struct {
	Old, New string
	Message  string
}

// headLog is HEAD's reflog, which git appends to under HEAD's lock: one
// line an entry, each written whole before the lock is released.
func (r *Repo) headLog() string { return filepath.Join(r.GitDir, "logs", "HEAD") }

// HeadLog reads the entries of HEAD's reflog from byte offset from to the
// end, without a git process, and returns the offset just past the last
// complete entry, from which the next read starts. A line not yet ended by
// its newline (being written now) is left for the next read. last, when
// not "", is the new object name of the entry that ends at from, as the
// previous read saw it. When from is not where that read stopped (negative
// for none; past the end, or in another entry, because the file was
// rewritten, as git reflog expire does) or lies more than max bytes before
// the end, only the last entry is read. The error wraps os.ErrNotExist
// when HEAD has no reflog (core.logAllRefUpdates=false, a reftable
// repository).
func (r *Repo) HeadLog(from int64, last string, max int64) ([]LogEntry, int64, error) {
	f, err := os.Open(r.headLog())
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	size := info.Size()
	if !startsEntry(f, from, size) || !endsWith(f, from, last) || size-from > max {
		if from, err = lastEntry(f, size); err != nil {
			return nil, 0, err
		}
	}
	data := make([]byte, size-from)
	if _, err := f.ReadAt(data, from); err != nil && err != io.EOF {
		return nil, 0, err
	}
	complete := bytes.LastIndexByte(data, '\n') + 1
	var entries []LogEntry
	for _, line := range strings.Split(string(data[:complete]), "\n") {
		if e, ok := parseLogLine(line); ok {
			entries = append(entries, e)
		}
	}
	return entries, from + int64(complete), nil
}

// endsWith reports whether the entry that ends at offset off moved HEAD to
// last ("": whatever it is).
func endsWith(f *os.File, off int64, last string) bool {
	if last == "" {
		return true
	}
	start, err := lastEntry(f, off)
	if err != nil || start >= off {
		return false
	}
	line := make([]byte, off-start)
	if _, err := f.ReadAt(line, start); err != nil {
		return false
	}
	e, ok := parseLogLine(strings.TrimSuffix(string(line), "\n"))
	return ok && e.New == last
}

// startsEntry reports whether offset off of the file is where an entry
// starts: 0, or just after a newline.
func startsEntry(f *os.File, off, size int64) bool {
	if off == 0 {
		return true
	}
	if off < 0 || off > size {
		return false
	}
	var b [1]byte
	_, err := f.ReadAt(b[:], off-1)
	return err == nil && b[0] == '\n'
}

// lastEntry finds the start of the last complete entry, reading the file
// backwards a block at a time (entries are short: two object names, an
// identity and a subject).
func lastEntry(f *os.File, size int64) (int64, error) {
	const block = 4096
	end := int64(-1) // the last complete entry's newline
	for pos := size; pos > 0; {
		n := min(int64(block), pos)
		pos -= n
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, pos); err != nil && err != io.EOF {
			return 0, err
		}
		for i := len(buf) - 1; i >= 0; i-- {
			if buf[i] != '\n' {
				continue
			}
			if end < 0 {
				end = pos + int64(i)
				continue
			}
			return pos + int64(i) + 1, nil
		}
		if size-pos > 1<<20 {
			return size, nil // no entry is this long: nothing to read
		}
	}
	if end < 0 {
		return size, nil // no complete entry yet
	}
	return 0, nil
}

// parseLogLine reads "OLD NEW NAME <EMAIL> TIME TZ\tMESSAGE".
func parseLogLine(line string) (LogEntry, bool) {
	head, msg, _ := strings.Cut(line, "\t")
	f := strings.Fields(head)
	if len(f) < 2 || !IsObjectID(f[0]) || !IsObjectID(f[1]) {
		return LogEntry{}, false
	}
	return LogEntry{Old: f[0], New: f[1], Message: msg}, true
}

// HeadFromFiles returns the commit HEAD names, read from the files of the
// git directory without a git process (HEAD, the branch's loose ref, or
// packed-refs), or "" when only git can tell (a reftable repository, a
// branch with no commit).
func (r *Repo) HeadFromFiles() string {
	data, err := os.ReadFile(filepath.Join(r.GitDir, "HEAD"))
	if err != nil {
		return ""
	}
	line := strings.TrimSpace(string(data))
	if IsObjectID(line) {
		return line
	}
	ref, ok := strings.CutPrefix(line, "ref: ")
	if !ok || !IsBranchRef(ref) {
		return ""
	}
	common := r.GitDir
	if c, err := os.ReadFile(filepath.Join(r.GitDir, "commondir")); err == nil {
		common = strings.TrimSpace(string(c))
		if !filepath.IsAbs(common) {
			common = filepath.Join(r.GitDir, common)
		}
	}
	if data, err := os.ReadFile(filepath.Join(common, filepath.FromSlash(ref))); err == nil {
		if sha := strings.TrimSpace(string(data)); IsObjectID(sha) {
			return sha
		}
		return ""
	}
	packed, err := os.ReadFile(filepath.Join(common, "packed-refs"))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(packed), "\n") {
		if sha, name, ok := strings.Cut(l, " "); ok && name == ref && IsObjectID(sha) {
			return sha
		}
	}
	return ""
}
