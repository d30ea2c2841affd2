package escalate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// ErrNoTerminal says no person can be asked here: there is no controlling
// terminal, or $CI says the run is unattended.
var ErrNoTerminal = errors.New("no terminal to ask on")

// ErrInputClosed says the person closed the input at the prompt (Ctrl-D
// at the start of a line): there was a terminal, and nobody answered.
var ErrInputClosed = errors.New("the input was closed at the prompt (Ctrl-D)")

// Unattended reports whether $CI marks the run as unattended.
func Unattended(getenv func(string) string) bool {
	v := strings.ToLower(strings.TrimSpace(getenv("CI")))
	return v != "" && v != "0" && v != "false" && v != "no"
}

// OpenTerminal opens the controlling terminal, which a pipeline's stdin
// and stdout are not. It fails at once when there is none: maestro never
// waits on a terminal nobody watches.
func OpenTerminal(getenv func(string) string) (*os.File, error) {
	if Unattended(getenv) {
		return nil, ErrNoTerminal
	}
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, ErrNoTerminal
	}
	return f, nil
}

// Terminal is where a person answers: the controlling terminal, or a test's
// pseudo-terminal.
type Terminal interface {
	io.ReadWriter
	SetReadDeadline(time.Time) error
}

// AskTerminal puts q on the terminal as a numbered menu and reads the
// answer: an option's number or its text, the default for an empty line.
// It asks again after an invalid answer, then for a justification when q
// requires one, saying why it asks again after an empty one. A zero
// deadline waits for ever; at the deadline it returns ErrTimeout. Ctrl-D
// (the end of input) gives ErrInputClosed, a terminal that went away
// ErrNoTerminal: the caller decides as if nobody could be asked.
//
// The question's text comes from whoever asked (an agent, a configuration
// file): its control characters are shown, never obeyed, and an option
// stays on one line.
func AskTerminal(t Terminal, q *Question, deadline time.Time) (option, justification string, err error) {
	var menu strings.Builder
	fmt.Fprintf(&menu, "\nmaestro asks: %s\n", textsafe.VisibleLines(q.Issue))
	for i, o := range q.Options {
		mark := ""
		if o == q.Default {
			mark = " (default)"
		}
		fmt.Fprintf(&menu, "  %d) %s%s\n", i+1, textsafe.Visible(o), mark)
	}
	if _, err := io.WriteString(t, menu.String()); err != nil {
		return "", "", err
	}
	t.SetReadDeadline(deadline)
	r := &lineReader{r: t}
	for option == "" {
		fmt.Fprint(t, prompt(q, deadline))
		line, err := r.line()
		if err != nil {
			return "", "", readError(t, err)
		}
		switch {
		case strings.TrimSpace(line) == "" && q.Default != "":
			option = q.Default
		case strings.TrimSpace(line) == "":
			fmt.Fprintln(t, "  there is no default: answer with a number or an option")
		default:
			if option = q.Match(line); option == "" {
				fmt.Fprintf(t, "  %q is not an option: answer 1 to %d, or an option's text\n", strings.TrimSpace(line), len(q.Options))
			}
		}
	}
	for q.RequireJustification && justification == "" {
		fmt.Fprint(t, "Why? (a justification is required): ")
		line, err := r.line()
		if err != nil {
			return "", "", readError(t, err)
		}
		if justification = strings.TrimSpace(line); justification == "" {
			fmt.Fprintln(t, "  a justification is required: say in a few words why "+textsafe.Visible(option)+" (Ctrl-C cancels)")
		}
	}
	return option, justification, nil
}

func prompt(q *Question, deadline time.Time) string {
	var hints []string
	if q.Default != "" {
		hints = append(hints, "Enter for "+textsafe.Visible(q.Default))
	}
	if !deadline.IsZero() {
		hints = append(hints, "answer within "+time.Until(deadline).Round(time.Second).String())
	}
	p := fmt.Sprintf("Your answer, 1 to %d", len(q.Options))
	if len(hints) > 0 {
		p += " (" + strings.Join(hints, ", ") + ")"
	}
	return p + ": "
}

func readError(t Terminal, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		fmt.Fprintln(t, "\n  no answer in time")
		return ErrTimeout
	}
	if errors.Is(err, io.EOF) {
		fmt.Fprintln(t)
		return ErrInputClosed
	}
	if errors.Is(err, syscall.EIO) {
		// A process in the background of its terminal reads EIO: nobody
		// can answer from here.
		return ErrNoTerminal
	}
	return err
}

// lineReader reads lines without reading past them: what follows a line
// on the terminal is the next answer's.
type lineReader struct {
	r    io.Reader
	rest []byte
}

func (l *lineReader) line() (string, error) {
	// One byte at a time: a person types slowly, and reading no further
	// than the newline leaves what was typed ahead (the next question's
	// answer) on the terminal.
	var buf [1]byte
	for {
		if i := bytes.IndexByte(l.rest, '\n'); i >= 0 {
			line := string(bytes.TrimRight(l.rest[:i], "\r"))
			l.rest = l.rest[i+1:]
			return line, nil
		}
		n, err := l.r.Read(buf[:])
		l.rest = append(l.rest, buf[:n]...)
		if err != nil {
			if n > 0 {
				continue
			}
			if errors.Is(err, io.EOF) && len(bytes.TrimSpace(l.rest)) > 0 {
				// Ctrl-D after an answer without Enter: the answer stands.
				line := string(bytes.TrimRight(l.rest, "\r"))
				l.rest = nil
				return line, nil
			}
			return "", err
		}
	}
}
