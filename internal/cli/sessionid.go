package cli

import (
	"errors"
	"os"
	"sync"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	sessionlog "github.com/maestro-recovery/maestro/session"
	ucli "github.com/urfave/cli/v2"
)

// sessionFlag is --session-id. Without it the session is
// $MAESTRO_SESSION_ID (when not empty), else the current session
// (maestro session start/switch), else "default": sessionlog.Choose.
func sessionFlag() *ucli.StringFlag {
	return &ucli.StringFlag{Name: "session-id", Usage: "the session, by its `ID` (default: $MAESTRO_SESSION_ID, else the current session, else \"default\")"}
}

// sessionChoice is the session a command works in and the rule that
// chose it. A current-session file maestro cannot use is an error.
func sessionChoice(c *ucli.Context) (sessionlog.Choice, error) {
	ch, err := sessionlog.Choose(c.String("session-id"), c.IsSet("session-id"), nil)
	if err != nil {
		return ch, &Error{Code: ExitFailed, Err: err, Hint: hintsOf(err)}
	}
	return ch, nil
}

func sessionID(c *ucli.Context) string {
	return sessionOr(c.String("session-id"), c.IsSet("session-id"))
}

// sessionOr is the session a command works in: flag when it was given,
// else $MAESTRO_SESSION_ID, else the current session, else "default".
// A current-session file maestro cannot use (hand-edited, planted) is
// warned about and the command goes on in default: it never becomes a ref
// or an argument.
func sessionOr(flag string, given bool) string {
	ch, err := sessionlog.Choose(flag, given, nil)
	return warnedChoice(ch, err)
}

// sessionAt is sessionOr with the state directory found by the caller
// ("" for none).
func sessionAt(stateDir, flag string, given bool) string {
	ch, err := sessionlog.ChooseAt(stateDir, flag, given, nil)
	return warnedChoice(ch, err)
}

// warnedChoice is the session chosen, after a warning when the current
// session could not be read.
func warnedChoice(ch sessionlog.Choice, err error) string {
	if err != nil {
		warnCurrentOnce.Do(func() { printWarning(os.Stderr, "working in session default", err) })
	}
	return ch.ID
}

var warnCurrentOnce sync.Once

func hintsOf(err error) []string {
	var h hinter
	if errors.As(err, &h) {
		return h.Hints()
	}
	return nil
}

// checkSession refuses a session this repository (or, outside one, the
// local state) knows nothing of, naming the nearest ids (sessionlog.Check).
// store may be nil: it is opened when in a repository. Commands that
// create (checkpoint, run, ask) do not call it: a new id is how a session
// begins.
func checkSession(cmd, id string, store *checkpoint.Store) error {
	if err := checkpoint.ValidateID("session id", id); err != nil {
		return usageError(ExitUsage, cmd, err)
	}
	if id == sessionlog.Default {
		return nil
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	if store == nil && !sessionlog.HasLog(dir, id) {
		s, err := checkpoint.Open(".")
		if err != nil && !errors.Is(err, git.ErrNotRepo) {
			return storeError(cmd, err)
		}
		store = s
	}
	err = sessionlog.Check(dir, id, store)
	var unknown *sessionlog.UnknownError
	switch {
	case errors.As(err, &unknown):
		return &Error{Code: ExitFailed, Err: err, Hint: unknown.Hints()}
	case err != nil:
		return storeError(cmd, err)
	}
	return nil
}
