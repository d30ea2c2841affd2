package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/state"
)

// The rules that choose a session, in order: the first that names one wins.
const (
	ByFlag    = "flag"    // --session-id
	ByEnv     = "env"     // $MAESTRO_SESSION_ID
	ByCurrent = "current" // maestro session start / switch
	ByDefault = "default" // none of them: the session named default
)

// Default is the session of work done outside any other.
const Default = "default"

// currentFile, in the state directory, names the current session: one id
// and a newline, written whole (temporary file and rename).
const currentFile = "current-session"

// maxCurrentFile bounds what is read of it: an id is at most
// checkpoint.MaxIDLen bytes.
const maxCurrentFile = 1 << 10

// Choice is the session a command works in, and the rule that chose it.
type Choice struct {
	ID       string
	ChosenBy string
}

// Choose applies the rule: flag when given, else $MAESTRO_SESSION_ID,
// else the current session of the state directory for the working
// directory, else default. It starts no process (the post-commit hook
// calls it): the state directory is found by reading .git as git does.
// A current-session file that cannot be read, or holds what is not a safe
// id, gives default and the error, for the caller to report.
func Choose(flag string, given bool, getenv func(string) string) (Choice, error) {
	return ChooseIn(".", flag, given, getenv)
}

// ChooseIn is Choose for work in the folder workDir.
func ChooseIn(workDir, flag string, given bool, getenv func(string) string) (Choice, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	dir := ""
	if !given && getenv("MAESTRO_SESSION_ID") == "" {
		// Only the current session needs the state directory; where there
		// is none, there is no current session either.
		if d, err := state.Dir(workDir, getenv); err == nil {
			dir = d
		}
	}
	return ChooseAt(dir, flag, given, getenv)
}

// ChooseAt is Choose for a caller that has found the state directory
// already ("" when there is none): maestro run finds it once, and logs the
// run where it chose the session.
func ChooseAt(stateDir, flag string, given bool, getenv func(string) string) (Choice, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if given {
		return Choice{flag, ByFlag}, nil
	}
	if s := getenv("MAESTRO_SESSION_ID"); s != "" {
		return Choice{s, ByEnv}, nil
	}
	if stateDir == "" {
		return Choice{Default, ByDefault}, nil
	}
	id, err := Current(stateDir)
	if err != nil {
		return Choice{Default, ByDefault}, err
	}
	if id != "" {
		return Choice{id, ByCurrent}, nil
	}
	return Choice{Default, ByDefault}, nil
}

// CurrentError is a current-session file maestro cannot use.
type CurrentError struct {
	Path string
	Err  error
}

func (e *CurrentError) Error() string {
	return fmt.Sprintf("the current session in %s: %v", e.Path, e.Err)
}

func (e *CurrentError) Unwrap() error { return e.Err }

// Hints says what to do about it.
func (e *CurrentError) Hints() []string {
	var link *state.LinkError
	if errors.As(e.Err, &link) {
		return link.Hints()
	}
	return []string{"'maestro session end' clears it; 'maestro session switch ID' names another"}
}

// Current returns the current session of the state directory, "" when
// there is none. The file is anyone's who can write in .git: it is read
// bounded, following no link, and its id must be one that is safe as a
// ref component, or it is an error.
func Current(stateDir string) (string, error) {
	path := filepath.Join(stateDir, currentFile)
	data, err := state.ReadFileLimit(path, maxCurrentFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", &CurrentError{path, err}
	}
	id := strings.TrimSuffix(string(data), "\n")
	if err := checkpoint.ValidateID("session id", id); err != nil {
		return "", &CurrentError{path, err}
	}
	return id, nil
}

// SetCurrent makes id the current session of the state directory.
func SetCurrent(stateDir, id string) error {
	if err := checkpoint.ValidateID("session id", id); err != nil {
		return err
	}
	return state.WriteAtomic(filepath.Join(stateDir, currentFile), []byte(id+"\n"))
}

// ClearCurrent ends the current session of the state directory and
// returns the id it held, "" when there was none. A file holding an
// unusable id is removed all the same (that is how one gets rid of it),
// and its error returned with it.
func ClearCurrent(stateDir string) (string, error) {
	path := filepath.Join(stateDir, currentFile)
	id, cerr := Current(stateDir)
	var link *state.LinkError
	if errors.As(cerr, &link) {
		return "", cerr
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return id, cerr
}
