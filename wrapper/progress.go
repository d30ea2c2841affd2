package wrapper

import (
	"fmt"
	"strconv"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
)

// ANSI colours for the verdict word of a progress line.
const (
	red    = "31"
	green  = "32"
	yellow = "33"
)

func (r *runner) progress(format string, args ...any) {
	if r.opts.Progress == nil {
		return
	}
	fmt.Fprintf(r.opts.Progress, "maestro: "+format+"\n", args...)
}

func (r *runner) paint(color, s string) string {
	if !r.opts.Color {
		return s
	}
	return "\x1b[" + color + "m" + s + "\x1b[0m"
}

func (r *runner) attemptLabel(n int) string {
	return "attempt " + strconv.Itoa(n) + "/" + strconv.Itoa(r.opts.Retry.MaxAttempts)
}

// describeFailure is the parenthesis of a failed attempt's line:
// (exit 1, transient: "connection reset by peer").
func describeFailure(res attemptResult, c catalog.Classification) string {
	var what string
	switch {
	case res.timedOut:
		what = "timed out"
	case res.signal != 0:
		what = "killed by " + SignalName(res.signal)
	default:
		what = "exit " + strconv.Itoa(res.exitCode)
	}
	if c.FailureType == catalog.Timeout || c.FailureType == catalog.Unknown && c.Line == "" && c.Incomplete == "" {
		return "(" + what + ")"
	}
	return "(" + what + ", " + c.Describe() + ")"
}

// roundDelay prints a delay to a tenth of a second, or to the millisecond
// when it is shorter than that.
func roundDelay(d time.Duration) string {
	if d < 100*time.Millisecond {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func (r *runner) elapsed(rep *Report) string {
	return roundDelay(rep.FinishedAt.Sub(rep.StartedAt)) + " in all"
}

// closingLine sums up a run that had a failed attempt. A run whose first
// attempt succeeds says nothing: the wrapper stays out of the way.
func (r *runner) closingLine(rep *Report) {
	switch {
	case rep.Outcome == OutcomeFlaky:
		flaky := "flaky"
		if r.tests != nil && len(r.tests.flaky) > 0 {
			flaky += ": " + testNames(outcomeTests(r.tests.flaky), 3)
		}
		r.progress("%s on attempt %d/%d after %d failed (%s); %s", r.paint(green, "passed"), rep.AttemptsMade,
			rep.MaxAttempts, rep.AttemptsMade-1, flaky, r.elapsed(rep))
	case rep.Outcome == OutcomeFailed && rep.StopReason != StopStartFailed:
		what := "exit " + strconv.Itoa(rep.ExitCode)
		if rep.Classification != nil {
			what += ", " + rep.Classification.FailureType
		}
		if r.tests != nil && len(r.tests.failing) > 0 {
			what += "; still failing: " + testNames(outcomeTests(r.tests.failing), 3)
		}
		if r.tests != nil && len(r.tests.flaky) > 0 {
			what += "; flaky: " + testNames(outcomeTests(r.tests.flaky), 3)
		}
		r.progress("%s after %d attempt%s (%s); %s", r.paint(red, "failed"), rep.AttemptsMade, plural(rep.AttemptsMade), what, r.elapsed(rep))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
