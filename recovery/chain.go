package recovery

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/ids"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/notify"
	"github.com/maestro-recovery/maestro/outcome"
)

// Policy says which strategies follow a failure that retrying did not fix.
type Policy struct {
	Suggest  bool // print the failure type's alternative approaches
	Rollback bool // roll back to a checkpoint
	Ask      bool // ask a person the failure type's escalation prompt
}

// ParsePolicy reads --on-failure: "none", or a comma-separated list of
// suggest, rollback and ask.
func ParsePolicy(s string) (Policy, error) {
	var p Policy
	if strings.TrimSpace(s) == "none" {
		return p, nil
	}
	for _, f := range strings.Split(s, ",") {
		switch strings.TrimSpace(f) {
		case "none":
			return p, errors.New("none is alone or not at all: it cannot be combined with suggest, rollback or ask")
		case "suggest":
			p.Suggest = true
		case "rollback":
			p.Rollback = true
		case "ask":
			p.Ask = true
		default:
			return p, fmt.Errorf("%q is not none, suggest, rollback or ask (combine them with commas: suggest,rollback)", strings.TrimSpace(f))
		}
	}
	return p, nil
}

// Input is what the chain knows of the run.
type Input struct {
	Outcome        string                  // passed, flaky or failed
	AttemptsMade   int                     //
	Interrupted    bool                    // a person stopped it: nothing follows
	Classification *catalog.Classification // the last failed attempt's
	Config         *catalog.Config
	SessionID      string
	// Checkpoint is the one maestro run --checkpoint made, "" for the
	// session's newest.
	Checkpoint string
	// Command is the command that was run (its argv): a rollback goes to
	// the newest green checkpoint of it on the current branch when there
	// is one, before Checkpoint. nil for none.
	Command []string
	// FailedTests names the tests that failed (a recognised test command),
	// for the line before the approaches.
	FailedTests []string
	// Store opens the repository; an error when there is none.
	Store func() (*checkpoint.Store, error)
	// Ask puts a question to a person, giving the default after timeout
	// (0: none); nil when nobody can answer. It gives q an id when it puts
	// it, and returns escalate.ErrNoTerminal or escalate.ErrInputClosed
	// when nobody could be asked after all.
	Ask func(q *escalate.Question, timeout time.Duration) (*escalate.Record, error)
	// Answered keeps the answer nobody gave (the prompt's default), with
	// the question when asked is false. Defer records q to be answered
	// later and returns its id. Either may be nil.
	Answered func(q *escalate.Question, r *escalate.Record, asked bool)
	Defer    func(q *escalate.Question, asked bool) (string, error)
	// StateDir is the state directory whose approach outcomes order the
	// approaches suggested, best first; "" keeps the catalog's order.
	StateDir string
	// ExitCode is the run's, for the run_failed event.
	ExitCode int
	// Notifier is told of a run that failed, once the chain is over.
	Notifier *notify.Notifier
	// Progress receives maestro's lines; nil for none.
	Progress io.Writer
	Now      func() time.Time
}

// say prints one line of maestro's. Its arguments come from a
// configuration (approaches), git (errors, file names) or a person (an
// answer): control characters in them are shown, never obeyed.
func (in *Input) say(format string, args ...any) {
	if in.Progress != nil {
		fmt.Fprintf(in.Progress, "maestro: %s\n", textsafe.Visible(fmt.Sprintf(format, args...)))
	}
}

// Chain follows DESIGN.md's flow once retrying is over: the retry's own
// result, then, for a failed run, the approaches, the rollback and the
// question the policy asks for, in that order. It returns a result for
// each strategy used, successful or not. A failed run that nobody
// interrupted is then sent to in.Notifier as run_failed.
func Chain(p Policy, in Input) []Result {
	out := chain(p, in)
	if in.Outcome == "failed" && !in.Interrupted && in.Notifier.Wants(notify.RunFailed) {
		notifyFailed(in, out)
	}
	return out
}

func chain(p Policy, in Input) []Result {
	now := in.Now
	if now == nil {
		now = time.Now
	}
	result := func(strategy string, ok bool, details any, format string, args ...any) Result {
		return Result{StrategyUsed: strategy, Success: ok, Message: fmt.Sprintf(format, args...), Details: details, RecoveredAt: now().UTC()}
	}
	var out []Result
	switch {
	case in.Outcome == "flaky":
		out = append(out, result(RetryWithBackoff, true, nil, "passed on attempt %d, after %d failed", in.AttemptsMade, in.AttemptsMade-1))
		return out
	case in.Outcome != "failed" || in.Interrupted:
		return out
	case in.AttemptsMade > 1:
		out = append(out, result(RetryWithBackoff, false, nil, "failed %d attempts", in.AttemptsMade))
	}
	c := in.Classification
	if c == nil {
		return out
	}
	if p.Suggest {
		out = append(out, suggest(in, c, result))
	}
	if p.Rollback {
		out = append(out, rollback(in, result))
	}
	if p.Ask {
		out = append(out, ask(in, c, result))
	}
	return out
}

type resultFunc func(strategy string, ok bool, details any, format string, args ...any) Result

// ApproachesDetails is the details of an alternative_approach result.
type ApproachesDetails struct {
	FailureType string             `json:"failure_type"`
	Approaches  []catalog.Approach `json:"approaches"`
	// FailedTests are the tests that failed, absent when none were read.
	FailedTests []string `json:"failed_tests,omitempty"`
}

// shownTests is how many failing tests the line before the approaches
// names; it counts the others.
const shownTests = 5

func suggest(in Input, c *catalog.Classification, result resultFunc) Result {
	ranked := outcome.Rank(c.FailureType, c.Approaches, nil)
	if in.StateDir != "" && len(c.Approaches) > 0 {
		// Outcomes that cannot be read leave the catalog's order: the
		// suggestions matter more than their order.
		if counts, err := outcome.Counts(in.StateDir); err == nil {
			ranked = outcome.Rank(c.FailureType, c.Approaches, counts)
		}
	}
	d := ApproachesDetails{FailureType: c.FailureType, Approaches: outcome.Approaches(ranked), FailedTests: in.FailedTests}
	if len(c.Approaches) == 0 {
		return result(AlternativeApproach, false, d, "no alternative approach for %s", c.FailureType)
	}
	if n := len(in.FailedTests); n > 0 {
		names := in.FailedTests[:min(n, shownTests)]
		more := ""
		if n > shownTests {
			more = fmt.Sprintf(" and %d more", n-shownTests)
		}
		in.say("%d failing test%s: %s%s", n, plural(n, "s"), strings.Join(names, ", "), more)
	}
	in.say("%s: %d alternative approach%s:", c.FailureType, len(c.Approaches), plural(len(c.Approaches), "es"))
	for i, a := range ranked {
		worked := ""
		if h := a.Summary(); h != "" {
			worked = " (" + h + ")"
		}
		in.say("  %d. %s%s: %s", i+1, a.Name, worked, a.Description)
		in.say("     how: %s", a.ImplementationPattern)
	}
	return result(AlternativeApproach, true, d, "%d alternative approach%s for %s", len(c.Approaches), plural(len(c.Approaches), "es"), c.FailureType)
}

func rollback(in Input, result resultFunc) Result {
	s, err := in.Store()
	if err != nil {
		in.say("no rollback: %v", err)
		return result(RollbackToCheckpoint, false, nil, "no rollback: %v", err)
	}
	// The last green state of the command comes first: the state before
	// the run is often what failed, for agents edit first and test after.
	o := checkpoint.RollbackOptions{SessionID: in.SessionID, SameState: true}
	var res *checkpoint.Result
	why, which := "", ""
	if len(in.Command) > 0 {
		o.Green, o.Argv = true, in.Command
		res, err = s.Rollback(o)
		which = "the last green of `" + checkpoint.CommandLine(in.Command) + "`, "
		if errors.Is(err, checkpoint.ErrNoGreen) {
			why, res, err = "no green checkpoint of this command: ", nil, nil
		}
		o.Green, o.Argv = false, nil
	}
	if res == nil && err == nil {
		o.CheckpointID = in.Checkpoint
		res, err = s.Rollback(o)
		switch {
		case why == "":
			which = "" // no command: as before green checkpoints
		case in.Checkpoint != "":
			which = "the checkpoint made before the first attempt, "
		default:
			which = "the session's newest checkpoint, "
		}
	}
	if err != nil {
		and := ""
		if why != "" {
			and = "no green checkpoint of this command, and "
		}
		var same *checkpoint.SameStateError
		if errors.As(err, &same) {
			// Returning there changes nothing: not a recovery.
			in.say("no rollback: %scheckpoint %s is the state that failed: nothing to roll back to", and, same.Checkpoint.Name())
			return result(RollbackToCheckpoint, false, nil, "%scheckpoint %s is the state that failed: nothing to roll back to", and, same.Checkpoint.Name())
		}
		in.say("no rollback: %s%v", and, err)
		return result(RollbackToCheckpoint, false, nil, "no rollback: %s%v", and, err)
	}
	in.say("%srolled back to %s%s: restored %d file%s, removed %d; take it back with: git maestro undo --session-id %s",
		why, which, res.Checkpoint.Name(), len(res.Restored), plural(len(res.Restored), "s"), len(res.Removed), in.SessionID)
	return result(RollbackToCheckpoint, true, res, "%srolled back to %s%s", why, which, res.Checkpoint.Name())
}

func ask(in Input, c *catalog.Classification, result resultFunc) Result {
	// Each way of not asking says so on the progress lines: the person
	// who chose --on-failure ask must not have to open the report to
	// learn that nobody was asked.
	ft, _, err := in.Config.Type(c.FailureType)
	if err != nil {
		in.say("no question: %v", err)
		return result(HumanInputRequest, false, nil, "%v", err)
	}
	prompts, err := in.Config.Prompts()
	if err != nil {
		in.say("no question: %v", err)
		return result(HumanInputRequest, false, nil, "%v", err)
	}
	p, ok := prompts[ft.Prompt]
	if !ok {
		in.say("no question: failure type %s has no escalation prompt (its prompt key names none of [prompts])", c.FailureType)
		return result(HumanInputRequest, false, nil, "failure type %s has no escalation prompt", c.FailureType)
	}
	issue := fmt.Sprintf("%s (exit %d, %s)", p.Issue, c.ExitCode, c.Describe())
	q := &escalate.Question{SessionID: in.SessionID, Issue: issue, Options: p.Options, Default: p.Default,
		RequireJustification: p.RequireJustification, Prompt: p.Name}
	why := "$CI is set"
	if in.Ask != nil {
		why = "no terminal"
		r, err := in.Ask(q, p.Timeout)
		switch {
		case errors.Is(err, escalate.ErrTimeout):
			return result(HumanInputRequest, false, nil, "no answer in time, and the prompt %s has no default", p.Name)
		case errors.Is(err, escalate.ErrNoTerminal):
			// No terminal after all: nobody, as below.
		case errors.Is(err, escalate.ErrInputClosed):
			why = "the input was closed at the prompt"
		case err != nil:
			in.say("no answer: %v", err)
			return result(HumanInputRequest, false, nil, "%v", err)
		default:
			in.say("answered (%s): %s", r.AnsweredBy, r.Option)
			return result(HumanInputRequest, true, r, "answered by %s: %s", r.AnsweredBy, r.Option)
		}
	}
	return unasked(in, q, why, result)
}

// unasked is what becomes of a question nobody could be asked, as for
// maestro ask without a terminal: the prompt's default when it has one,
// else the question waits in the local state for maestro answer. An
// unattended run never waits, and says in one line what it did instead.
func unasked(in Input, q *escalate.Question, why string, result resultFunc) Result {
	asked := q.ID != ""
	if !asked {
		q.AskedAt = now(in).UTC()
		q.ID = ids.New("q-", q.AskedAt)
	}
	if q.Default != "" {
		r := q.Answered(q.Default, "", escalate.ByDefault, now(in))
		if in.Answered != nil {
			in.Answered(q, r, asked)
		}
		in.say("nobody could be asked (%s): took the prompt's default, %s", why, q.Default)
		// Not a success: nobody decided, and nothing was recovered.
		return result(HumanInputRequest, false, r, "nobody could be asked (%s): the prompt's default, %s", why, q.Default)
	}
	if in.Defer == nil {
		in.say("nobody could be asked (%s), and the prompt has no default", why)
		return result(HumanInputRequest, false, q.Unanswered(), "nobody could be asked (%s)", why)
	}
	id, err := in.Defer(q, asked)
	if err != nil {
		in.say("nobody could be asked (%s), and the question could not be kept for later: %v", why, err)
		return result(HumanInputRequest, false, q.Unanswered(), "nobody could be asked (%s): %v", why, err)
	}
	q.ID = id
	in.say("nobody could be asked (%s): question %s waits for an answer: maestro answer %s OPTION", why, id, id)
	return result(HumanInputRequest, false, q.Unanswered(), "question %s waits for an answer", id)
}

func now(in Input) time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

func plural(n int, suffix string) string {
	if n == 1 {
		return ""
	}
	return suffix
}
