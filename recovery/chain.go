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
	"github.com/maestro-recovery/maestro/internal/textsafe"
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
	// Store opens the repository; an error when there is none.
	Store func() (*checkpoint.Store, error)
	// Ask puts a question to a person, giving the default after timeout
	// (0: none); nil when nobody can answer.
	Ask func(q *escalate.Question, timeout time.Duration) (*escalate.Record, error)
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
// each strategy used, successful or not.
func Chain(p Policy, in Input) []Result {
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
}

func suggest(in Input, c *catalog.Classification, result resultFunc) Result {
	d := ApproachesDetails{FailureType: c.FailureType, Approaches: c.Approaches}
	if len(c.Approaches) == 0 {
		return result(AlternativeApproach, false, d, "no alternative approach for %s", c.FailureType)
	}
	in.say("%s: %d alternative approach%s:", c.FailureType, len(c.Approaches), plural(len(c.Approaches), "es"))
	for i, a := range c.Approaches {
		in.say("  %d. %s: %s", i+1, a.Name, a.Description)
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
	res, err := s.Rollback(checkpoint.RollbackOptions{SessionID: in.SessionID, CheckpointID: in.Checkpoint})
	if err != nil {
		in.say("no rollback: %v", err)
		return result(RollbackToCheckpoint, false, nil, "no rollback: %v", err)
	}
	in.say("rolled back to %s: restored %d file%s, removed %d; take it back with: git maestro undo --session-id %s",
		res.Checkpoint.Name(), len(res.Restored), plural(len(res.Restored), "s"), len(res.Removed), in.SessionID)
	return result(RollbackToCheckpoint, true, res, "rolled back to %s", res.Checkpoint.Name())
}

func ask(in Input, c *catalog.Classification, result resultFunc) Result {
	if in.Ask == nil {
		in.say("not asking: nobody can answer here (no terminal, or $CI is set)")
		return result(HumanInputRequest, false, nil, "nobody can answer: no terminal, or $CI is set")
	}
	ft, _, err := in.Config.Type(c.FailureType)
	if err != nil {
		return result(HumanInputRequest, false, nil, "%v", err)
	}
	prompts, err := in.Config.Prompts()
	if err != nil {
		return result(HumanInputRequest, false, nil, "%v", err)
	}
	p, ok := prompts[ft.Prompt]
	if !ok {
		return result(HumanInputRequest, false, nil, "failure type %s has no escalation prompt", c.FailureType)
	}
	issue := fmt.Sprintf("%s (exit %d, %s)", p.Issue, c.ExitCode, c.Describe())
	q := &escalate.Question{SessionID: in.SessionID, Issue: issue, Options: p.Options, Default: p.Default,
		RequireJustification: p.RequireJustification, Prompt: p.Name}
	r, err := in.Ask(q, p.Timeout)
	if errors.Is(err, escalate.ErrTimeout) {
		return result(HumanInputRequest, false, nil, "no answer in time, and the prompt %s has no default", p.Name)
	}
	if err != nil {
		return result(HumanInputRequest, false, nil, "%v", err)
	}
	in.say("answered (%s): %s", r.AnsweredBy, r.Option)
	return result(HumanInputRequest, true, r, "answered by %s: %s", r.AnsweredBy, r.Option)
}

func plural(n int, suffix string) string {
	if n == 1 {
		return ""
	}
	return suffix
}
