package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Exit codes of commands other than run (run passes on the command's own).
const (
	ExitFailed = 1 // the operation failed or was refused
	ExitUsage  = 2 // bad flags or arguments
)

// Exit codes of maestro run, as coreutils timeout and env use them.
const (
	ExitTimedOut      = 124 // the last attempt was stopped by the per-attempt timeout
	ExitRunFailed     = 125 // maestro itself failed: bad flag, bad configuration, cannot start
	ExitCannotExecute = 126 // the command was found but cannot be executed
	ExitNotFound      = 127 // the command was not found
)

// Error is a failure to report on stderr in maestro's voice, with the exit
// code it ends maestro with.
type Error struct {
	Code int
	Err  error
	Hint []string
}

func (e *Error) Error() string   { return e.Err.Error() }
func (e *Error) Unwrap() error   { return e.Err }
func (e *Error) Hints() []string { return e.Hint }

// ExitCode is the code maestro ends with.
func (e *Error) ExitCode() int { return e.Code }

// Status ends maestro with a code without printing anything: the command's
// own exit code, already visible to the user. Signal, when set, is the
// signal that interrupted maestro, which it ends itself with.
type Status struct {
	Code   int
	Signal syscall.Signal
}

func (s *Status) Error() string { return fmt.Sprintf("exit status %d", s.Code) }

// usageError is a bad flag or argument: exit 2, or 125 for run.
func usageError(code int, cmd string, err error) *Error {
	help := "maestro --help"
	if cmd != "" {
		help = "maestro " + cmd + " --help"
	}
	return &Error{Code: code, Err: err, Hint: []string{"see '" + help + "'"}}
}

// hinter is any error that knows what the user can do about it.
type hinter interface{ Hints() []string }

// PrintError writes err as maestro's one error line, then its hints.
// Errors quote what maestro did not write (git's stderr, an option of a
// question, a configuration's key): control characters in it are shown,
// never obeyed by the terminal.
func PrintError(w io.Writer, err error) { printProblem(w, "error: ", err) }

// printWarning is PrintError for a failure that does not end the command:
// a warning line saying what was not done, then the error's hints.
func printWarning(w io.Writer, what string, err error) {
	printProblem(w, "warning: "+what+": ", err)
}

func printProblem(w io.Writer, prefix string, err error) {
	msg := strings.TrimSpace(err.Error())
	// One line: the first line of a multi-line message, the rest as hints.
	first, rest, _ := strings.Cut(msg, "\n")
	fmt.Fprintf(w, "maestro: %s%s\n", prefix, textsafe.Visible(first))
	var hints []string
	for _, l := range strings.Split(rest, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			hints = append(hints, l)
		}
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if h, ok := e.(hinter); ok && len(h.Hints()) > 0 {
			hints = append(hints, h.Hints()...)
			break
		}
	}
	for _, h := range hints {
		fmt.Fprintf(w, "maestro: hint: %s\n", textsafe.Visible(h))
	}
}
