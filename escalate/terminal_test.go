package escalate_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
)

// pipeTTY is a terminal whose keyboard is an OS pipe: reads honour the
// deadline as /dev/tty's do, and what is typed before AskTerminal reads
// arrives in one read, as it would from a pseudo-terminal in raw mode.
type pipeTTY struct {
	keys   *os.File // AskTerminal reads here
	typing *os.File // the test types here
	screen bytes.Buffer
}

func (p *pipeTTY) Read(b []byte) (int, error)        { return p.keys.Read(b) }
func (p *pipeTTY) Write(b []byte) (int, error)       { return p.screen.Write(b) }
func (p *pipeTTY) SetReadDeadline(t time.Time) error { return p.keys.SetReadDeadline(t) }

// newTTY has typed, in one write, before the question is put. With hangUp
// the person then closes the terminal.
func newTTY(t *testing.T, typed string, hangUp bool) *pipeTTY {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	if typed != "" {
		if _, err := w.WriteString(typed); err != nil {
			t.Fatal(err)
		}
	}
	if hangUp {
		w.Close()
	}
	return &pipeTTY{keys: r, typing: w}
}

// patient is a deadline no correct run reaches: a test that expects an
// answer gets ErrTimeout, not a hang, if AskTerminal wants more input.
func patient() time.Time { return time.Now().Add(time.Minute) }

func validQuestion(t *testing.T, q *escalate.Question) *escalate.Question {
	t.Helper()
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	return q
}

func TestAskTerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		typed      string
		noDefault  bool
		justify    bool
		want       string
		wantWhy    string
		wantScreen []string // in this order
		required   int      // times the screen says a justification is required
	}{
		{name: "number", typed: "2\n", want: "fix the test"},
		{name: "text", typed: "fix the code\n", want: "fix the code"},
		{name: "text in another case with spaces", typed: "  QUARANTINE the test and go on \n", want: "quarantine the test and go on"},
		{name: "carriage return", typed: "1\r\n", want: "fix the code"},
		{name: "empty line gives the default", typed: "\n", want: "stop here"},
		{name: "blank line gives the default", typed: " \t \n", want: "stop here"},
		{name: "invalid then valid", typed: "9\nmaybe\n3\n", want: "quarantine the test and go on",
			wantScreen: []string{`"9" is not an option: answer 1 to 4, or an option's text`, `"maybe" is not an option`}},
		{name: "empty line without default asks again", typed: "\n\n4\n", noDefault: true, want: "stop here",
			wantScreen: []string{"there is no default: answer with a number or an option", "there is no default"}},
		{name: "justification", typed: "2\n  the expectation is outdated \n", justify: true, want: "fix the test", wantWhy: "the expectation is outdated",
			wantScreen: []string{"Why? (a justification is required): "}},
		// Bug: an empty justification repeated "Why?" with no explanation.
		{name: "empty justification asks again", typed: "2\n\n   \nbecause\n", justify: true, want: "fix the test", wantWhy: "because",
			wantScreen: []string{"Why?", "  a justification is required: say in a few words why fix the test (Ctrl-C cancels)\n",
				"Why?", "  a justification is required", "Why?"}, required: 2},
		{name: "default with justification", typed: "\nnothing else is safe\n", justify: true, want: "stop here", wantWhy: "nothing else is safe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := testFailureQuestion()
			if tt.noDefault {
				q.Default = ""
			}
			q.RequireJustification = tt.justify
			validQuestion(t, q)
			tty := newTTY(t, tt.typed, false)
			option, why, err := escalate.AskTerminal(tty, q, patient())
			screen := tty.screen.String()
			if err != nil {
				t.Fatalf("AskTerminal = %v\nscreen:\n%s", err, screen)
			}
			if option != tt.want || why != tt.wantWhy {
				t.Errorf("AskTerminal = %q, %q; want %q, %q\nscreen:\n%s", option, why, tt.want, tt.wantWhy, screen)
			}
			rest := screen
			for _, w := range tt.wantScreen {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("the screen lacks %q (in order)\nscreen:\n%s", w, screen)
					break
				}
				rest = rest[i+len(w):]
			}
			if n := strings.Count(screen, "a justification is required:"); n != tt.required {
				t.Errorf("the screen says %d times that a justification is required, want %d\nscreen:\n%s", n, tt.required, screen)
			}
			if !tt.justify && strings.Contains(screen, "Why?") {
				t.Errorf("asked for a justification the question does not require\nscreen:\n%s", screen)
			}
		})
	}
}

func TestAskTerminalMenu(t *testing.T) {
	t.Parallel()
	q := validQuestion(t, testFailureQuestion())
	tty := newTTY(t, "1\n", false)
	if _, _, err := escalate.AskTerminal(tty, q, patient()); err != nil {
		t.Fatal(err)
	}
	screen := tty.screen.String()
	for _, want := range []string{
		"maestro asks: " + q.Issue + "\n",
		"  1) fix the code\n",
		"  2) fix the test\n",
		"  3) quarantine the test and go on\n",
		"  4) stop here (default)\n",
		"Your answer, 1 to 4 (Enter for stop here, answer within ",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the screen lacks %q\nscreen:\n%s", want, screen)
		}
	}
	if strings.Count(screen, "(default)") != 1 {
		t.Errorf("the menu marks %d defaults, want 1\nscreen:\n%s", strings.Count(screen, "(default)"), screen)
	}

	// Without a deadline nor a default, the prompt promises neither.
	q.Default = ""
	tty = newTTY(t, "1\n", false)
	if _, _, err := escalate.AskTerminal(tty, q, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if screen := tty.screen.String(); !strings.Contains(screen, "Your answer, 1 to 4: ") || strings.Contains(screen, "(default)") {
		t.Errorf("prompt without default nor deadline:\n%s", screen)
	}
}

// Bug: Ctrl-D at the prompt said "no terminal, or $CI is set" though a
// terminal was there: closing the input is its own error, ErrInputClosed.
func TestAskTerminalHangUp(t *testing.T) {
	t.Parallel()
	for name, typed := range map[string]string{
		"before any answer":            "",
		"after an invalid answer":      "9\n",
		"in the middle of a line":      "fix the",
		"before the justification":     "2\n",
		"after an empty justification": "2\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			q := testFailureQuestion()
			q.RequireJustification = true
			tty := newTTY(t, typed, true)
			option, why, err := escalate.AskTerminal(tty, validQuestion(t, q), patient())
			if !errors.Is(err, escalate.ErrInputClosed) {
				t.Errorf("AskTerminal = %q, %q, %v; want ErrInputClosed", option, why, err)
			}
			// An answer without its required justification is no answer.
			if option != "" || why != "" {
				t.Errorf("AskTerminal gave %q, %q with the error", option, why)
			}
		})
	}
}

func TestAskTerminalDeadline(t *testing.T) {
	t.Parallel()
	for name, typed := range map[string]string{
		"nothing typed":                    "",
		"only invalid answers":             "9\nmaybe\n",
		"no justification after an answer": "2\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			q := testFailureQuestion()
			q.RequireJustification = true
			tty := newTTY(t, typed, false)
			var option, why string
			var err error
			hangGuard(t, "AskTerminal", func() {
				option, why, err = escalate.AskTerminal(tty, validQuestion(t, q), time.Now().Add(50*time.Millisecond))
			})
			if !errors.Is(err, escalate.ErrTimeout) || option != "" || why != "" {
				t.Errorf("AskTerminal = %q, %q, %v; want ErrTimeout", option, why, err)
			}
			// The person sees why the question went away.
			if screen := tty.screen.String(); !strings.HasSuffix(screen, "\n  no answer in time\n") {
				t.Errorf("the screen does not end with the timeout:\n%s", screen)
			}
		})
	}
}

// Answers typed ahead arrive in one read from a pipe or a raw-mode
// pseudo-terminal: the justification must not be lost with the rest of
// the buffer once the option's line is taken from it.
func TestAskTerminalTwoLinesInOneRead(t *testing.T) {
	t.Parallel()
	q := testFailureQuestion()
	q.RequireJustification = true
	tty := newTTY(t, "2\nbecause\n", false)
	option, why, err := escalate.AskTerminal(tty, validQuestion(t, q), patient())
	if err != nil || option != "fix the test" || why != "because" {
		t.Errorf("AskTerminal = %q, %q, %v; want %q, %q", option, why, err, "fix the test", "because")
	}
}

// Bug: lineReader's comment promises it "reads lines without reading past
// them: what follows a line on the terminal is the next answer's", but it
// reads up to 256 bytes at a time into a buffer that dies with the
// AskTerminal call, so an answer typed ahead for the next question on the
// same terminal is swallowed.
func TestAskTerminalKeepsTheNextQuestionsAnswer(t *testing.T) {
	t.Parallel()
	tty := newTTY(t, "1\n2\n", false)
	q := validQuestion(t, testFailureQuestion())
	if option, _, err := escalate.AskTerminal(tty, q, patient()); err != nil || option != "fix the code" {
		t.Fatalf("first AskTerminal = %q, %v", option, err)
	}
	var option string
	var err error
	hangGuard(t, "second AskTerminal", func() {
		option, _, err = escalate.AskTerminal(tty, q, time.Now().Add(time.Second))
	})
	if err != nil || option != "fix the test" {
		t.Errorf("second AskTerminal = %q, %v; want %q", option, err, "fix the test")
	}
}

func TestUnattended(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ci   string
		want bool
	}{
		{"", false},
		{"0", false},
		{"false", false},
		{"FALSE", false},
		{"no", false},
		{"No", false},
		{" false ", false},
		{" ", false},
		{"true", true},
		{"TRUE", true},
		{"1", true},
		{"yes", true},
		{"github-actions", true},
	}
	for _, tt := range tests {
		getenv := func(k string) string {
			if k == "CI" {
				return tt.ci
			}
			return ""
		}
		if got := escalate.Unattended(getenv); got != tt.want {
			t.Errorf("Unattended with CI=%q = %v, want %v", tt.ci, got, tt.want)
		}
	}
}

// An unattended run never opens the terminal, even when there is one.
func TestOpenTerminalUnattended(t *testing.T) {
	t.Parallel()
	f, err := escalate.OpenTerminal(func(k string) string {
		if k == "CI" {
			return "true"
		}
		return ""
	})
	if f != nil {
		f.Close()
	}
	if !errors.Is(err, escalate.ErrNoTerminal) || f != nil {
		t.Errorf("OpenTerminal with CI=true = %v, %v; want ErrNoTerminal", f, err)
	}
}
