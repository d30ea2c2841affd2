package session

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/testrun"
)

// FlakyOptions say whose runs Flaky reads.
type FlakyOptions struct {
	// Since keeps the runs logged after it; zero keeps all.
	Since time.Time
	// Session reads that session's log alone; "" reads every session's.
	Session string
}

// FlakyTest is a test that failed and then passed on a rerun, in one run
// or more, summed up over the sessions' logs.
type FlakyTest struct {
	ID      string `json:"id"`
	Runner  string `json:"runner"`
	Package string `json:"package"`
	File    string `json:"file"`
	// FlakyCount counts the runs it was flaky in; FailedCount those it
	// failed in for good (a test flaky once may be broken since).
	FlakyCount  int `json:"flaky_count"`
	FailedCount int `json:"failed_count"`
	// LastSeen is the newest run it was flaky in, Command that run's
	// command line.
	LastSeen time.Time `json:"last_seen"`
	Command  []string  `json:"command"`
	// Sessions it was flaky in, the newest first.
	Sessions []string `json:"sessions"`

	seen  map[string]time.Time // sessions, by their newest flaky run
	entry int                  // the last entry counted
}

// Test is the test itself.
func (f *FlakyTest) Test() testrun.Test {
	return testrun.Test{ID: f.ID, Runner: f.Runner, Package: f.Package, File: f.File}
}

// FlakyResult is what Flaky found.
type FlakyResult struct {
	// Tests, the most recently flaky first.
	Tests []*FlakyTest
	// Skipped counts the lines of the logs that were not entries maestro
	// wrote (edited by hand, a foreign program, a failing disk), or too
	// long to be: they are left out, not fatal.
	Skipped int
	// Capped says there were more distinct tests than Flaky keeps
	// (maxFlakyKept flaky, maxFailedKept failed): the counts are those of
	// the first ones met.
	Capped bool
}

// Bounds on what Flaky reads and keeps, whatever the state holds.
const (
	// maxLogRead is how much of a log file is read: its end, the newest
	// entries. A log rotates at MaxLogSize; one much bigger was not
	// written by maestro alone.
	maxLogRead = 4 * MaxLogSize
	// maxFlakyKept and maxFailedKept bound the distinct tests counted.
	maxFlakyKept  = 10000
	maxFailedKept = 100000
)

// flakyEntry is the part of an entry Flaky reads: decoding only it skips
// the rest of the line (recovery results, questions) at JSON scanning
// speed.
type flakyEntry struct {
	Time time.Time `json:"time"`
	Type string    `json:"type"`
	Run  *struct {
		Command     []string       `json:"command"`
		FailedTests []testrun.Test `json:"failed_tests"`
		FlakyTests  []testrun.Test `json:"flaky_tests"`
	} `json:"run"`
}

// Flaky reads the run entries of the sessions' logs under stateDir, one
// pass over each file, and sums up the tests that failed and then passed
// (their flaky_tests), with how many runs each failed in for good
// (failed_tests). Lines that are not maestro's entries are skipped and
// counted; a line longer than a record is skipped unread.
func Flaky(stateDir string, o FlakyOptions) (*FlakyResult, error) {
	ids := []string{o.Session}
	if o.Session == "" {
		entries, err := state.ReadDir(filepath.Join(stateDir, "sessions"))
		if errors.Is(err, fs.ErrNotExist) {
			return &FlakyResult{}, nil
		}
		if err != nil {
			return nil, err
		}
		ids = ids[:0]
		for _, e := range entries {
			// A link is not a folder here: the state follows none.
			if e.IsDir() {
				ids = append(ids, e.Name())
			}
		}
	} else if _, err := state.ReadDir(filepath.Join(stateDir, "sessions", o.Session)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	a := &flakyAdder{since: o.Since, flaky: map[string]*FlakyTest{}, failed: map[string]failedCount{}, res: &FlakyResult{}}
	for _, id := range ids {
		l := Open(stateDir, id)
		for _, p := range []string{l.oldPath(), l.path()} {
			if err := a.readLog(id, p); err != nil {
				return nil, err
			}
		}
	}
	return a.result(), nil
}

// failedCount counts the runs a test failed in; entry is the last.
type failedCount struct{ runs, entry int }

type flakyAdder struct {
	since  time.Time
	flaky  map[string]*FlakyTest
	failed map[string]failedCount // by the test's key
	entry  int                    // entries counted so far
	res    *FlakyResult
	r      *bufio.Reader // one for every file
	long   []byte
}

// readLog reads the log file path of session id, if there is one.
func (a *flakyAdder) readLog(id, path string) error {
	// O_NONBLOCK: a FIFO planted there must not hang the command.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.Is(err, syscall.ELOOP):
		return &state.LinkError{Path: path}
	case err != nil:
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	if a.r == nil {
		a.r = bufio.NewReaderSize(f, 64<<10)
	}
	r := a.r
	r.Reset(f)
	if info.Size() > maxLogRead {
		if _, err := f.Seek(info.Size()-maxLogRead, io.SeekStart); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		r.Reset(f)
		// The line cut in two is not an entry.
		if _, _, err := a.readLine(r); err != nil {
			return a.eof(path, err)
		}
	}
	for {
		line, skip, err := a.readLine(r)
		switch {
		case skip:
			a.res.Skipped++
		case err == io.EOF && !json.Valid(line):
			// A last line without its newline, not JSON: an entry its
			// writer has not finished, as state.Read judges it.
		default:
			a.add(id, line)
		}
		if err != nil {
			return a.eof(path, err)
		}
	}
}

func (a *flakyAdder) eof(path string, err error) error {
	if err == io.EOF {
		return nil
	}
	return fmt.Errorf("%s: %w", path, err)
}

// readLine returns the next line, without its line ending. A line
// longer than a record is read through without being held, and skipped.
func (a *flakyAdder) readLine(r *bufio.Reader) (line []byte, skip bool, err error) {
	line, err = r.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return bytes.TrimRight(line, "\r\n"), false, err
	}
	a.long = append(a.long[:0], line...)
	for errors.Is(err, bufio.ErrBufferFull) {
		line, err = r.ReadSlice('\n')
		if !skip && len(a.long)+len(line) <= state.MaxRecord {
			a.long = append(a.long, line...)
		} else {
			skip = true
		}
	}
	return bytes.TrimRight(a.long, "\r\n"), skip, err
}

var (
	flakyKey  = []byte(`"flaky_tests"`)
	failedKey = []byte(`"failed_tests"`)
)

// add counts the entry line, if it is a run that named tests.
func (a *flakyAdder) add(session string, line []byte) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	// Most entries name no test: they are passed over without decoding,
	// only what is plainly no JSON object counted.
	if !bytes.Contains(line, flakyKey) && !bytes.Contains(line, failedKey) {
		if line[0] != '{' || line[len(line)-1] != '}' {
			a.res.Skipped++
		}
		return
	}
	var e flakyEntry
	if err := json.Unmarshal(line, &e); err != nil {
		a.res.Skipped++
		return
	}
	if e.Type != KindRun || e.Run == nil || !a.since.IsZero() && !e.Time.After(a.since) {
		return
	}
	// An entry maestro wrote names at most MaxTests of each, each once:
	// a run counts once for a test however often a foreign line names it.
	a.entry++
	for _, t := range e.Run.FailedTests[:min(len(e.Run.FailedTests), MaxTests)] {
		k := t.Key()
		c, ok := a.failed[k]
		switch {
		case ok && c.entry == a.entry:
		case ok || len(a.failed) < maxFailedKept:
			a.failed[k] = failedCount{runs: c.runs + 1, entry: a.entry}
		default:
			a.res.Capped = true
		}
	}
	for _, t := range e.Run.FlakyTests[:min(len(e.Run.FlakyTests), MaxTests)] {
		k := t.Key()
		f := a.flaky[k]
		if f == nil {
			if len(a.flaky) >= maxFlakyKept {
				a.res.Capped = true
				continue
			}
			f = &FlakyTest{ID: t.ID, Runner: t.Runner, Package: t.Package, File: t.File, seen: map[string]time.Time{}}
			a.flaky[k] = f
		}
		if f.entry == a.entry {
			continue
		}
		f.entry = a.entry
		f.FlakyCount++
		if f.Command == nil || !e.Time.Before(f.LastSeen) {
			f.LastSeen, f.Command = e.Time.UTC(), e.Run.Command
		}
		if last, ok := f.seen[session]; !ok || e.Time.After(last) {
			f.seen[session] = e.Time
		}
	}
}

func (a *flakyAdder) result() *FlakyResult {
	res := a.res
	for k, f := range a.flaky {
		f.FailedCount = a.failed[k].runs
		for s := range f.seen {
			f.Sessions = append(f.Sessions, s)
		}
		slices.SortFunc(f.Sessions, func(x, y string) int {
			if c := f.seen[y].Compare(f.seen[x]); c != 0 {
				return c
			}
			return strings.Compare(x, y)
		})
		if f.Command == nil {
			f.Command = []string{}
		}
		res.Tests = append(res.Tests, f)
	}
	sort.Slice(res.Tests, func(i, j int) bool {
		x, y := res.Tests[i], res.Tests[j]
		if !x.LastSeen.Equal(y.LastSeen) {
			return x.LastSeen.After(y.LastSeen)
		}
		return x.Test().Key() < y.Test().Key()
	})
	return res
}
