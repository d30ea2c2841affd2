// Package session keeps what happens in a session of work in its log: the
// runs of maestro run, the questions asked and their answers. A log is
// append-only, one JSON entry a line, in the local state directory:
// sessions/<id>/log.jsonl, rotated past MaxLogSize. maestro session show
// sums it up, with the checkpoints and rollbacks git holds for the session.
// The package also holds the rule that chooses the session a command works
// in (Choose: flag, environment, the current session, default) and the
// pruning of old sessions' logs (Prune).
package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/recovery"
	"github.com/maestro-recovery/maestro/wrapper"
)

// Entry kinds.
const (
	KindStart    = "session_start"
	KindRun      = "run"
	KindQuestion = "question"
	KindAnswer   = "answer"
)

// Entry is one line of a session's log.
type Entry struct {
	Time        time.Time        `json:"time"`
	SessionID   string           `json:"session_id"`
	Type        string           `json:"type"`
	Description string           `json:"description,omitempty"`
	Run         *Run             `json:"run,omitempty"`
	Human       *escalate.Record `json:"human,omitempty"`
	Agent       *Agent           `json:"agent,omitempty"` // an agent hook's event
	// Truncated says the entry's texts were clipped to fit in a record
	// (see Append).
	Truncated bool `json:"truncated,omitempty"`
}

// Run is what the log keeps of a maestro run.
type Run struct {
	Command          []string          `json:"command"`
	ExitCode         int               `json:"exit_code"`
	Outcome          string            `json:"outcome"`
	AttemptsMade     int               `json:"attempts_made"`
	Failures         map[string]int    `json:"failures"` // failed attempts by failure type
	TotalTimeSeconds float64           `json:"total_time_seconds"`
	Recovery         []recovery.Result `json:"recovery"`
	// FailureType and Line are the last failed attempt's classification:
	// its type and the output line that matched (clipped to MaxLine).
	FailureType string `json:"failure_type,omitempty"`
	Line        string `json:"line,omitempty"`

	// A run of a recognised test command (docs/test-runners.md) names its
	// runner, the tests still failing at its end and those that failed
	// and then passed (maestro flaky reads them): at most MaxTests of
	// each, the counts saying how many there were in all. Absent for any
	// other command.
	TestRunner       string                `json:"test_runner,omitempty"`
	FailedTests      []wrapper.TestOutcome `json:"failed_tests,omitempty"`
	FailedTestsCount int                   `json:"failed_tests_count,omitempty"`
	FlakyTests       []wrapper.TestOutcome `json:"flaky_tests,omitempty"`
	FlakyTestsCount  int                   `json:"flaky_tests_count,omitempty"`
}

// Log is one session's log.
type Log struct {
	Dir string // the session's folder
	ID  string
	// MaxSize is the size past which the log rotates; 0 is MaxLogSize.
	MaxSize int64
}

// Open returns the log of session id under the state directory.
func Open(stateDir, id string) *Log {
	return &Log{Dir: filepath.Join(stateDir, "sessions", id), ID: id}
}

func (l *Log) path() string { return filepath.Join(l.Dir, "log.jsonl") }

// Append adds an entry, stamping its time and session. An entry too big
// for a record (state.MaxRecord: a huge approach text, a question pasted
// whole) is kept clipped rather than lost: each of its texts cut to a few
// KiB, ending in "…", and Truncated set. One still too big is refused.
func (l *Log) Append(e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	e.SessionID = l.ID
	// Written by Entry's own encoder, not through json.Marshal, which
	// would find it by reflection and then check its bytes once more.
	appendEntry := func(e Entry) error {
		line, err := e.MarshalJSON()
		if err != nil {
			return err
		}
		return state.AppendLine(l.path(), line)
	}
	err := appendEntry(e)
	var tooBig *state.TooBigError
	for _, limit := range clipLimits {
		if !errors.As(err, &tooBig) {
			break
		}
		err = appendEntry(e.clipped(limit))
	}
	if err == nil {
		l.rotate()
	}
	return err
}

// MaxLogSize bounds a log file: past it, the log is renamed log.1.jsonl
// (replacing the one before) and a new one begins, so that a session
// that never ends (default, outside a repository, logs every maestro-run
// forever) keeps at most twice this much, its newest entries.
const MaxLogSize = 4 << 20

func (l *Log) oldPath() string { return filepath.Join(l.Dir, "log.1.jsonl") }

// rotate renames a log grown past MaxLogSize. It costs one lstat when
// there is nothing to do. Under the log's lock, a writer waiting for it
// with the old file open appends to log.1.jsonl, which is read too: no
// entry is lost. Rotating is housekeeping: its failure fails no append.
func (l *Log) rotate() {
	limit := l.MaxSize
	if limit <= 0 {
		limit = MaxLogSize
	}
	if info, err := os.Lstat(l.path()); err != nil || info.Size() <= limit {
		return
	}
	unlock, err := state.Lock(l.path())
	if err != nil {
		return
	}
	defer unlock()
	if info, err := os.Lstat(l.path()); err == nil && info.Mode().IsRegular() && info.Size() > limit {
		os.Rename(l.path(), l.oldPath())
	}
}

// clipLimits are the sizes texts are clipped to, in turn, until the entry
// fits.
var clipLimits = []int{4 << 10, 256}

// Entries reads the log, oldest first: what rotation kept of it, then
// the log itself.
func (l *Log) Entries() ([]Entry, error) {
	var es []Entry
	for _, p := range []string{l.oldPath(), l.path()} {
		err := state.Read(p, func(line []byte) error {
			var e Entry
			if err := json.Unmarshal(line, &e); err != nil {
				return err
			}
			es = append(es, e)
			return nil
		})
		if err != nil {
			return es, err
		}
	}
	// A writer that had the log open when it was rotated put its entry
	// in log.1.jsonl: by time, it is where it belongs.
	sort.SliceStable(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
	return es, nil
}

// Info is a session as maestro session start made it.
type Info struct {
	ID          string    `json:"id"`
	Description string    `json:"description"`
	StartedAt   time.Time `json:"started_at"`
}

// Start records a new session.
func Start(stateDir, id, description string, now time.Time) (*Info, error) {
	info := &Info{ID: id, Description: description, StartedAt: now.UTC()}
	data, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	l := Open(stateDir, id)
	if err := state.CreateExclusive(filepath.Join(l.Dir, "session.json"), data); err != nil {
		return nil, err
	}
	return info, l.Append(Entry{Time: now, Type: KindStart, Description: description})
}

// List returns the sessions that have a folder in the state directory,
// with what session start recorded of them ("" for a session that was
// only named by $MAESTRO_SESSION_ID), by id.
func List(stateDir string) ([]Info, error) {
	entries, err := state.ReadDir(filepath.Join(stateDir, "sessions"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		info := Info{ID: e.Name()}
		data, err := state.ReadFile(filepath.Join(stateDir, "sessions", e.Name(), "session.json"))
		var link *state.LinkError
		if errors.As(err, &link) {
			return nil, err
		}
		if err == nil {
			if err := json.Unmarshal(data, &info); err != nil {
				return nil, fmt.Errorf("session %s: %w", e.Name(), err)
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Stats sum a session up.
type Stats struct {
	SessionID string `json:"session_id"`
	// ChosenBy is the rule that chose the session (ByFlag, ByEnv,
	// ByCurrent, ByDefault), or "argument" when it was named.
	ChosenBy    string     `json:"chosen_by,omitempty"`
	Description string     `json:"description"`
	StartedAt   *time.Time `json:"started_at"`
	Runs        int        `json:"runs"`
	Attempts    int        `json:"attempts"`
	Retries     int        `json:"retries"`
	FlakyPasses int        `json:"flaky_passes"`
	// FlakyTests counts the tests that failed and then passed, each once
	// (maestro flaky names them).
	FlakyTests         int            `json:"flaky_tests"`
	FailedRuns         int            `json:"failed_runs"`
	FailuresByType     map[string]int `json:"failures_by_type"` // failed attempts
	Checkpoints        int            `json:"checkpoints"`
	Rollbacks          int            `json:"rollbacks"`
	Undos              int            `json:"undos"`
	Redos              int            `json:"redos"`
	Fetches            int            `json:"fetches"`
	QuestionsAsked     int            `json:"questions_asked"`
	QuestionsAnswered  int            `json:"questions_answered"`
	ErrorRecoveryCount int            `json:"error_recovery_count"`
	// Agent is there when coding agents' hooks wrote to the session.
	Agent *AgentStats `json:"agent,omitempty"`
}

// Summarize sums the log's entries up. The checkpoint counts are the
// caller's to fill, from git.
func Summarize(id string, entries []Entry) Stats {
	sm := newSummer(id)
	for _, e := range entries {
		sm.add(e)
	}
	return sm.stats()
}

// summer sums entries up one at a time: Summarize, and Log.Summary which
// holds no more than one entry at a time.
type summer struct {
	s                      Stats
	asked, answered, flaky map[string]bool
}

func newSummer(id string) *summer {
	return &summer{s: Stats{SessionID: id, FailuresByType: map[string]int{}}, asked: map[string]bool{}, answered: map[string]bool{}, flaky: map[string]bool{}}
}

func (sm *summer) add(e Entry) {
	s := &sm.s
	s.addAgent(e)
	switch e.Type {
	case KindStart:
		t := e.Time
		s.StartedAt, s.Description = &t, e.Description
	case KindRun:
		if e.Run == nil {
			return
		}
		r := e.Run
		s.Runs++
		s.Attempts += r.AttemptsMade
		s.Retries += max(r.AttemptsMade-1, 0)
		switch r.Outcome {
		case "flaky":
			s.FlakyPasses++
		case "failed":
			s.FailedRuns++
		}
		for k, n := range r.Failures {
			s.FailuresByType[k] += n
		}
		for _, t := range r.FlakyTests {
			sm.flaky[t.Key()] = true
		}
		for _, res := range r.Recovery {
			if res.Recovered() {
				s.ErrorRecoveryCount++
			}
		}
	case KindQuestion:
		if e.Human != nil {
			sm.asked[e.Human.ID] = true
		}
	case KindAnswer:
		if e.Human != nil {
			sm.asked[e.Human.ID] = true
			sm.answered[e.Human.ID] = true
		}
	}
}

func (sm *summer) stats() Stats {
	s := sm.s
	s.QuestionsAsked, s.QuestionsAnswered = len(sm.asked), len(sm.answered)
	s.FlakyTests = len(sm.flaky)
	return s
}
