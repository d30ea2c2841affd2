package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Event is the JSON document a notifier reads on its stdin
// (docs/notify.md). Exactly one of Run, Question and Rollback is set, the
// one its event names.
type Event struct {
	Event      string    `json:"event"`
	Time       time.Time `json:"time"`
	Repository string    `json:"repository"` // the working tree's top level; "" outside one
	SessionID  string    `json:"session_id"`
	// Message says it all in one line of plain text, for a notifier that
	// shows nothing else (notify-send, ntfy).
	Message  string    `json:"message"`
	Run      *Run      `json:"run,omitempty"`
	Question *Question `json:"question,omitempty"`
	Rollback *Rollback `json:"rollback,omitempty"`
}

// Run is a run_failed event's run: the essentials of the retry result.
type Run struct {
	Command      []string `json:"command"`
	ExitCode     int      `json:"exit_code"`
	AttemptsMade int      `json:"attempts_made"`
	// FailureType and Line are the last failed attempt's classification:
	// its type and the output line that matched ("" for an exit code).
	FailureType string `json:"failure_type"`
	Line        string `json:"line"`
	// FailedTests are the first MaxTests failing tests of a recognised
	// test command; FailedTestsCount counts them all.
	FailedTests      []string `json:"failed_tests"`
	FailedTestsCount int      `json:"failed_tests_count"`
	// Recovery is what followed the retries (--on-failure), in order.
	Recovery []Step `json:"recovery"`
}

// Step is one strategy the recovery chain used.
type Step struct {
	StrategyUsed string `json:"strategy_used"`
	Success      bool   `json:"success"`
	Message      string `json:"message"`
}

// Question is a question_asked event's question.
type Question struct {
	ID                   string   `json:"id"`
	Issue                string   `json:"issue"`
	Options              []string `json:"options"`
	Default              string   `json:"default"`
	RequireJustification bool     `json:"require_justification"`
	// Deadline is when the default is taken, absent when the question
	// waits as long as it takes.
	Deadline       *time.Time `json:"deadline,omitempty"`
	TimeoutSeconds float64    `json:"timeout_seconds,omitempty"`
	// Answer is the command that answers it, in the repository.
	Answer string `json:"answer"`
	// Remote is the git remote the question was pushed to, absent for a
	// local question.
	Remote string `json:"remote,omitempty"`
}

// Rollback is a rollback event's rollback.
type Rollback struct {
	CheckpointID string `json:"checkpoint_id"`
	// CheckpointSession is the session of the checkpoint, which may differ
	// from the event's (a green checkpoint of another session).
	CheckpointSession string `json:"checkpoint_session"`
	EventID           string `json:"event_id"`
	Branch            string `json:"branch"`
	FilesChanged      int    `json:"files_changed"`
	// Undo is the command that takes the rollback back.
	Undo string `json:"undo"`
}

// Bounds on the payload, which stays well under a pipe's buffer whatever
// a question or a command's output held.
const (
	MaxTests   = 20
	maxText    = 2 << 10
	maxItems   = 50
	maxMessage = 400
	maxIssue   = 140 // of the message
)

// bound cuts what came from outside (output lines, question text, test
// names) to its bounds; JSON escapes the control characters.
func (e *Event) bound() {
	if r := e.Run; r != nil {
		r.Command = boundList(r.Command)
		r.Line = cut(r.Line, maxText)
		if r.FailedTestsCount < len(r.FailedTests) {
			r.FailedTestsCount = len(r.FailedTests)
		}
		if len(r.FailedTests) > MaxTests {
			r.FailedTests = r.FailedTests[:MaxTests]
		}
		r.FailedTests = boundList(r.FailedTests)
		if r.FailedTests == nil {
			r.FailedTests = []string{}
		}
		if len(r.Recovery) > maxItems {
			r.Recovery = r.Recovery[:maxItems]
		}
		for i := range r.Recovery {
			r.Recovery[i].Message = cut(r.Recovery[i].Message, maxText)
		}
		if r.Recovery == nil {
			r.Recovery = []Step{}
		}
	}
	if q := e.Question; q != nil {
		q.Issue = cut(q.Issue, maxText)
		q.Options = boundList(q.Options)
		q.Default = cut(q.Default, maxText)
	}
}

func boundList(l []string) []string {
	if len(l) > maxItems {
		l = l[:maxItems]
	}
	for i := range l {
		l[i] = cut(l[i], maxText)
	}
	return l
}

func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && s[max]&0xc0 == 0x80 {
		max--
	}
	return s[:max]
}

// message is the event's one line; oneLine makes it plain afterwards.
func (e *Event) message() string {
	in := ""
	if b := base(e.Repository); b != "" {
		in = " in " + b
	}
	switch {
	case e.Run != nil:
		r := e.Run
		s := fmt.Sprintf("maestro: %s failed%s after %d attempt%s (exit %d", textsafe.ShellJoin(r.Command), in, r.AttemptsMade, plural(r.AttemptsMade), r.ExitCode)
		if r.FailureType != "" {
			s += ", " + r.FailureType
		}
		s += ")"
		if r.FailedTestsCount > 0 {
			s += fmt.Sprintf(": %d failing test%s", r.FailedTestsCount, plural(r.FailedTestsCount))
		}
		return s
	case e.Question != nil:
		q := e.Question
		opts := strings.Join(q.Options, " / ")
		if q.Default != "" {
			opts += ", default " + q.Default
		}
		// The issue is cut first, so that the answer command stays.
		return fmt.Sprintf("maestro: question %s%s: %s [%s]; answer: %s", q.ID, in, oneLine(q.Issue, maxIssue), oneLine(opts, maxIssue), q.Answer)
	case e.Rollback != nil:
		r := e.Rollback
		return fmt.Sprintf("maestro: rolled back%s to %s (%d file%s changed); undo: %s", in, r.CheckpointID, r.FilesChanged, plural(r.FilesChanged), r.Undo)
	}
	return "maestro: " + e.Event + in
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
