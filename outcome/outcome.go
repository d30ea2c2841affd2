// Package outcome learns which of the catalog's approaches work in this
// repository. An approach is marked as tried (maestro-run --approach, the
// MCP tools, maestro approaches --tried); the next run of the same command
// in the same session settles the open tries as worked or failed, and a
// race settles a fork named after an approach at once. The log is
// <state dir>/approaches.jsonl; Rank orders a failure type's approaches by
// how often they worked here.
package outcome

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/nearest"
	"github.com/maestro-recovery/maestro/internal/state"
)

// File is the log's name in the state directory.
const File = "approaches.jsonl"

// Events of a record.
const (
	Tried  = "tried"
	Worked = "worked"
	Failed = "failed"
)

// Sources: what marked or settled an approach.
const (
	SourceRun  = "run"
	SourceMCP  = "mcp"
	SourceFork = "fork"
	SourceCLI  = "cli"
)

// Bounds on what a record may hold, so that a hand-edited or hostile log
// costs bounded memory and time: longer records are skipped.
const (
	maxRecord  = 64 << 10
	maxName    = 256
	maxArgs    = 4096
	maxRecords = 1 << 20
)

// Entry is one record of the log.
type Entry struct {
	Time        time.Time `json:"time"`
	SessionID   string    `json:"session_id"`
	Approach    string    `json:"approach"`
	FailureType string    `json:"failure_type"`
	Command     []string  `json:"command"`
	Event       string    `json:"event"`
	Source      string    `json:"source"`
}

// Path is the log's path in the state directory stateDir.
func Path(stateDir string) string { return filepath.Join(stateDir, File) }

// now is the clock; tests replace it.
var now = time.Now

// MarkTried records that approach is being tried against failureType ("" if
// unknown) in session, for command: the next Settle of the same command in
// the same session records whether it worked.
func MarkTried(stateDir, session, approach, failureType string, command []string, source string) error {
	return add(stateDir, Entry{SessionID: session, Approach: approach, FailureType: failureType, Command: command, Event: Tried, Source: source})
}

// Record records at once that approach worked or failed: a race knows the
// outcome of each fork as it ends.
func Record(stateDir, session, approach, failureType string, command []string, success bool, source string) error {
	return add(stateDir, Entry{SessionID: session, Approach: approach, FailureType: failureType, Command: command, Event: event(success), Source: source})
}

func event(success bool) string {
	if success {
		return Worked
	}
	return Failed
}

func add(stateDir string, e Entry) error {
	if e.Approach == "" {
		return errors.New("record an approach: no approach named")
	}
	if e.SessionID == "" {
		return errors.New("record an approach: no session")
	}
	e.Time = now().UTC()
	if e.Command == nil {
		e.Command = []string{}
	}
	// What Read would skip is not written: a try that could never be
	// settled is refused while someone can still see why.
	if line, err := json.Marshal(e); err != nil {
		return err
	} else if _, ok := parse(line); !ok {
		return fmt.Errorf("record approach %q: more than a record holds (names of %d bytes, %d words of command, %d bytes in all)", e.Approach, maxName, maxArgs, maxRecord)
	}
	if err := state.Append(Path(stateDir), e); err != nil {
		return fmt.Errorf("record approach %q: %w", e.Approach, err)
	}
	return nil
}

// Settle records the outcome of the run of command that just ended in
// session against every approach tried for it and not yet settled; a run
// with no open tries records nothing. It reads the whole log under a lock,
// so that two runs ending at once do not settle the same try twice.
func Settle(stateDir, session string, command []string, success bool) error {
	if session == "" {
		return nil
	}
	path := Path(stateDir)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		// Nothing was ever tried here: every run passes this way, and
		// must not leave a lock file behind.
		return nil
	}
	unlock, err := state.Lock(path + ".lock")
	if err != nil {
		return fmt.Errorf("settle approaches: %w", err)
	}
	defer unlock()
	all, err := Read(stateDir)
	if err != nil {
		return fmt.Errorf("settle approaches: %w", err)
	}
	for _, t := range open(all, session, command) {
		t.Event, t.Source = event(success), SourceRun
		if err := add(stateDir, t); err != nil {
			return err
		}
	}
	return nil
}

// open lists the tries of command in session not yet settled, in the
// order they were marked, one per approach, failure type and command. A
// try marked without a command is settled by the session's next run of any
// command.
func open(all []Entry, session string, command []string) []Entry {
	type key struct{ approach, failureType, command string }
	var tries []Entry
	at := map[key]int{}
	for _, e := range all {
		if e.SessionID != session || len(e.Command) > 0 && !slices.Equal(e.Command, command) {
			continue
		}
		k := key{e.Approach, e.FailureType, strings.Join(e.Command, "\x00")}
		switch e.Event {
		case Tried:
			if _, ok := at[k]; !ok {
				at[k] = len(tries)
				tries = append(tries, e)
			}
		case Worked, Failed:
			if i, ok := at[k]; ok {
				tries[i].Event = ""
				delete(at, k)
			}
		}
	}
	var out []Entry
	for _, t := range tries {
		if t.Event == Tried {
			out = append(out, t)
		}
	}
	return out
}

// AfterRun is what the end of a run of command in session does to the
// log, for maestro run and the MCP run tool alike: the run settles the
// tries still open for the command (success for a run that passed,
// flakily or not), then approach, when the run names one, is marked as
// tried for the next run. failureType is the failure the run's
// classification found ("" for none): the try answers it when it lists the
// approach, else resolved stays. A run someone interrupted settles
// nothing: its outcome says nothing of the approach.
func AfterRun(stateDir, session string, command []string, success, interrupted bool, approach, resolved string, failed *catalog.Classification, source string) error {
	if !interrupted {
		if err := Settle(stateDir, session, command, success); err != nil {
			return err
		}
	}
	if approach == "" {
		return nil
	}
	ft := resolved
	if failed != nil && slices.ContainsFunc(failed.Approaches, func(a catalog.Approach) bool { return a.Name == approach }) {
		ft = failed.FailureType
	}
	return MarkTried(stateDir, session, approach, ft, command, source)
}

// Read returns the log's records, oldest first. Records that are not well
// formed or are too big (the log was edited by hand, or written by
// something else) are skipped: a hostile line costs one record, not the
// log.
func Read(stateDir string) ([]Entry, error) {
	var out []Entry
	err := state.Read(Path(stateDir), func(line []byte) error {
		if e, ok := parse(line); ok && len(out) < maxRecords {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

func parse(line []byte) (Entry, bool) {
	var e Entry
	if len(line) > maxRecord || json.Unmarshal(line, &e) != nil {
		return Entry{}, false
	}
	if !okName(e.Approach) || (e.FailureType != "" && !okName(e.FailureType)) || len(e.Command) > maxArgs {
		return Entry{}, false
	}
	switch e.Event {
	case Tried, Worked, Failed:
		return e, true
	}
	return Entry{}, false
}

func okName(s string) bool {
	return s != "" && len(s) <= maxName && utf8.ValidString(s)
}

// Count is what the log knows of one approach against one failure type:
// how many tries were settled, and how many of them worked. FailureType is
// "" for tries marked without knowing which failure they answered.
type Count struct {
	Approach    string `json:"approach"`
	FailureType string `json:"failure_type"`
	Tries       int    `json:"tries"`
	Successes   int    `json:"successes"`
}

// Counts tallies the log's settled tries, sorted by approach then failure
// type. Open tries are not counted: nothing is known of them yet.
func Counts(stateDir string) ([]Count, error) {
	all, err := Read(stateDir)
	if err != nil {
		return nil, err
	}
	return tally(all), nil
}

func tally(all []Entry) []Count {
	type key struct{ approach, failureType string }
	m := map[key]*Count{}
	for _, e := range all {
		if e.Event != Worked && e.Event != Failed {
			continue
		}
		k := key{e.Approach, e.FailureType}
		c := m[k]
		if c == nil {
			c = &Count{Approach: e.Approach, FailureType: e.FailureType}
			m[k] = c
		}
		c.Tries++
		if e.Event == Worked {
			c.Successes++
		}
	}
	out := make([]Count, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Count) int {
		if c := strings.Compare(a.Approach, b.Approach); c != 0 {
			return c
		}
		return strings.Compare(a.FailureType, b.FailureType)
	})
	return out
}

// Ranked is an approach with what is known of it here.
type Ranked struct {
	catalog.Approach
	Tries     int     `json:"tries"`
	Successes int     `json:"successes"`
	Rate      float64 `json:"rate"`
}

// Rate is the smoothed rate at which an approach worked: (successes+1) /
// (tries+2), one half when nothing is known, so that one lucky try does not
// outrank an approach that worked 9 times in 10.
func Rate(tries, successes int) float64 {
	return float64(successes+1) / float64(tries+2)
}

// Rank orders the approaches of failureType by Rate, highest first, the
// catalog's order breaking ties (and so standing when nothing is known).
// Tries recorded without a failure type count for every type that lists
// the approach.
func Rank(failureType string, approaches []catalog.Approach, counts []Count) []Ranked {
	out := make([]Ranked, len(approaches))
	for i, a := range approaches {
		r := Ranked{Approach: a}
		for _, c := range counts {
			if c.Approach == a.Name && (c.FailureType == failureType || c.FailureType == "") {
				r.Tries += c.Tries
				r.Successes += c.Successes
			}
		}
		r.Rate = Rate(r.Tries, r.Successes)
		out[i] = r
	}
	slices.SortStableFunc(out, func(a, b Ranked) int {
		switch {
		case a.Rate > b.Rate:
			return -1
		case a.Rate < b.Rate:
			return 1
		}
		return 0
	})
	return out
}

// Approaches returns the approaches in the ranked order.
func Approaches(rs []Ranked) []catalog.Approach {
	out := make([]catalog.Approach, len(rs))
	for i, r := range rs {
		out[i] = r.Approach
	}
	return out
}

// Summary is how a ranked approach's history reads: "worked 7 of 9 times
// here", or "" when it was never tried here.
func (r Ranked) Summary() string {
	if r.Tries == 0 {
		return ""
	}
	times := "times"
	if r.Tries == 1 {
		times = "time"
	}
	return fmt.Sprintf("worked %d of %d %s here", r.Successes, r.Tries, times)
}

// UnknownError is an approach name no failure type of the catalog lists.
type UnknownError struct {
	Name  string
	Known []string
}

func (e *UnknownError) Error() string {
	known := "the catalog has none"
	if len(e.Known) > 0 {
		known = "the known ones: " + strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("unknown approach %q; %s", e.Name, known)
}

// Hints suggests the nearest known name.
func (e *UnknownError) Hints() []string {
	if s := nearest.Name(e.Name, e.Known); s != "" {
		return []string{fmt.Sprintf("did you mean %q?", s)}
	}
	return nil
}

// Resolve checks that name is an approach of the catalog's types and
// returns the failure type a try of it answers: failureType when given (it
// must list the approach), else the one type that lists it, else "" when
// several do.
func Resolve(types []catalog.FailureType, name, failureType string) (string, error) {
	var known, listing []string
	for _, t := range types {
		for _, a := range t.Approaches {
			if !slices.Contains(known, a.Name) {
				known = append(known, a.Name)
			}
			if a.Name == name {
				listing = append(listing, t.Name)
			}
		}
	}
	if len(listing) == 0 {
		slices.Sort(known)
		return "", &UnknownError{Name: name, Known: known}
	}
	if failureType != "" {
		if !slices.Contains(listing, failureType) {
			return "", fmt.Errorf("approach %q is not one of failure type %q's; the types that list it: %s", name, failureType, strings.Join(listing, ", "))
		}
		return failureType, nil
	}
	if len(listing) == 1 {
		return listing[0], nil
	}
	return "", nil
}
