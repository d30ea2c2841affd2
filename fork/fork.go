// Package fork keeps maestro's forks: linked worktrees, each made at a
// checkpoint's exact state, where an alternative can be tried apart from
// the main working tree. A fork's record lives in the repository's state
// directory (forks/NAME.json), next to the result of the last command a
// race ran in it (forks/NAME.run.json).
package fork

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/state"
)

// Fork is the record of one fork.
type Fork struct {
	Name         string `json:"name"`
	Path         string `json:"path"`
	CheckpointID string `json:"checkpoint_id"`
	// CheckpointSession is the checkpoint's own session: a fork may be
	// made at another session's checkpoint (--green, an id found in
	// another session), and adopt looks the checkpoint up there.
	CheckpointSession string    `json:"checkpoint_session,omitempty"`
	SessionID         string    `json:"session_id"`
	CommitSHA         string    `json:"commit_sha"`
	BaseStateCommit   string    `json:"base_state_commit"`
	CreatedAt         time.Time `json:"created_at"`
	Approach          string    `json:"approach"`
	// LastRun is read from NAME.run.json, never stored in NAME.json.
	LastRun *Run `json:"last_run,omitempty"`
	// Unreadable says why NAME.json could not be read (cut short by a
	// crash, edited by hand): such a fork is listed, with only its name,
	// so that one bad file costs that fork, not every fork command, and
	// 'maestro fork --remove --force NAME' can take its record away.
	Unreadable string `json:"unreadable,omitempty"`
}

// Run is the result of the last command a race ran in a fork.
type Run struct {
	Command         []string  `json:"command"`
	ExitCode        int       `json:"exit_code"`
	Outcome         string    `json:"outcome"`
	FailureType     string    `json:"failure_type,omitempty"`
	Line            string    `json:"line,omitempty"`
	DurationSeconds float64   `json:"duration_seconds"`
	FinishedAt      time.Time `json:"finished_at"`
}

// ErrNoFork says a fork of that name has no record.
var ErrNoFork = errors.New("no such fork")

// maxRecord bounds a record read back: the files sit in the state
// directory, but anything could have written there.
const maxRecord = 1 << 20

// Dir is the folder of fork records inside the state directory.
func Dir(stateDir string) string { return filepath.Join(stateDir, "forks") }

func recordPath(stateDir, name string) string { return filepath.Join(Dir(stateDir), name+".json") }
func runPath(stateDir, name string) string    { return filepath.Join(Dir(stateDir), name+".run.json") }

// ValidateName checks a fork name: it becomes a file name and a folder
// name, so it follows the rules of a checkpoint id.
func ValidateName(name string) error {
	if err := checkpoint.ValidateID("fork name", name); err != nil {
		return err
	}
	if strings.HasSuffix(name, ".run") {
		return checkpoint.InputErrorf("invalid fork name %q: must not end with \".run\"", name)
	}
	return nil
}

// List returns every fork's record, sorted by name, each with its last run.
func List(stateDir string) ([]Fork, error) {
	entries, err := state.ReadDir(Dir(stateDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read forks: %w", err)
	}
	var forks []Fork
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasSuffix(name, ".run") || ValidateName(name) != nil {
			continue
		}
		f, err := read(stateDir, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the folder was listed
		}
		if err != nil {
			f = &Fork{Name: name, Unreadable: err.Error()}
		}
		forks = append(forks, *f)
	}
	sort.Slice(forks, func(i, j int) bool { return forks[i].Name < forks[j].Name })
	return forks, nil
}

// Get returns the record of the fork name. A missing one is ErrNoFork,
// wrapped with the names that exist.
func Get(stateDir, name string) (*Fork, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	f, err := read(stateDir, name)
	if errors.Is(err, fs.ErrNotExist) {
		forks, _ := List(stateDir)
		var names []string
		for _, f := range forks {
			names = append(names, f.Name)
		}
		known := "there are no forks"
		if len(names) > 0 {
			known = "forks: " + strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("%w %q (%s)", ErrNoFork, name, known)
	}
	if err != nil {
		return &Fork{Name: name, Unreadable: err.Error()}, nil
	}
	return f, nil
}

// UnreadableError is the error of a command that needs a fork whose
// record could not be read.
func (f *Fork) UnreadableError() error {
	return &checkpoint.Error{Msg: fmt.Sprintf("fork %s: its record %s is unreadable: %s", f.Name, f.Name+".json", f.Unreadable),
		Hint: []string{"'maestro fork --remove --force " + f.Name + "' forgets it (its folder, if any, stays: remove it with git worktree remove)"}}
}

func read(stateDir, name string) (*Fork, error) {
	data, err := state.ReadFileLimit(recordPath(stateDir, name), maxRecord)
	if err != nil {
		return nil, err
	}
	var f Fork
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("read fork %s: %w", name, err)
	}
	if f.Name != name {
		return nil, fmt.Errorf("read fork %s: the record names %q", name, f.Name)
	}
	f.LastRun = nil
	if data, err := state.ReadFileLimit(runPath(stateDir, name), maxRecord); err == nil {
		var r Run
		if json.Unmarshal(data, &r) == nil {
			f.LastRun = &r
		}
	}
	return &f, nil
}

// WriteRun records r as the last run of the fork name.
func WriteRun(stateDir, name string, r *Run) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return state.WriteAtomic(runPath(stateDir, name), append(data, '\n'))
}

func marshal(f *Fork) ([]byte, error) {
	data, err := json.MarshalIndent(f, "", "  ")
	return append(data, '\n'), err
}
