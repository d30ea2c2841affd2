// Package session keeps what happens in a session of work in its log: the
// runs of maestro run, the questions asked and their answers. A log is
// append-only, one JSON entry a line, in the local state directory:
// sessions/<id>/log.jsonl. maestro session show sums it up, with the
// checkpoints and rollbacks git holds for the session.
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
}

// Log is one session's log.
type Log struct {
	Dir string // the session's folder
	ID  string
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
	err := state.Append(l.path(), e)
	var tooBig *state.TooBigError
	for _, limit := range clipLimits {
		if !errors.As(err, &tooBig) {
			break
		}
		err = state.Append(l.path(), e.clipped(limit))
	}
	return err
}

// clipLimits are the sizes texts are clipped to, in turn, until the entry
// fits.
var clipLimits = []int{4 << 10, 256}

// Entries reads the log, oldest first.
func (l *Log) Entries() ([]Entry, error) {
	var es []Entry
	err := state.Read(l.path(), func(line []byte) error {
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		es = append(es, e)
		return nil
	})
	return es, err
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
	SessionID          string         `json:"session_id"`
	Description        string         `json:"description"`
	StartedAt          *time.Time     `json:"started_at"`
	Runs               int            `json:"runs"`
	Attempts           int            `json:"attempts"`
	Retries            int            `json:"retries"`
	FlakyPasses        int            `json:"flaky_passes"`
	FailedRuns         int            `json:"failed_runs"`
	FailuresByType     map[string]int `json:"failures_by_type"` // failed attempts
	Checkpoints        int            `json:"checkpoints"`
	Rollbacks          int            `json:"rollbacks"`
	Undos              int            `json:"undos"`
	QuestionsAsked     int            `json:"questions_asked"`
	QuestionsAnswered  int            `json:"questions_answered"`
	ErrorRecoveryCount int            `json:"error_recovery_count"`
}

// Summarize sums the log's entries up. The checkpoint counts are the
// caller's to fill, from git.
func Summarize(id string, entries []Entry) Stats {
	s := Stats{SessionID: id, FailuresByType: map[string]int{}}
	asked := map[string]bool{}
	answered := map[string]bool{}
	for _, e := range entries {
		switch e.Type {
		case KindStart:
			t := e.Time
			s.StartedAt, s.Description = &t, e.Description
		case KindRun:
			if e.Run == nil {
				continue
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
			for _, res := range r.Recovery {
				if res.Recovered() {
					s.ErrorRecoveryCount++
				}
			}
		case KindQuestion:
			if e.Human != nil {
				asked[e.Human.ID] = true
			}
		case KindAnswer:
			if e.Human != nil {
				asked[e.Human.ID] = true
				answered[e.Human.ID] = true
			}
		}
	}
	s.QuestionsAsked, s.QuestionsAnswered = len(asked), len(answered)
	return s
}
