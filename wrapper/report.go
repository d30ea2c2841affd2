package wrapper

import (
	"fmt"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/testrun"
)

// Outcomes of a run.
const (
	OutcomePassed = "passed" // the first attempt succeeded
	OutcomeFlaky  = "flaky"  // an attempt succeeded after failures
	OutcomeFailed = "failed"
)

// Why retrying stopped.
const (
	StopSucceeded    = "succeeded"
	StopNotRetryable = "not_retryable"      // the failure's type is not worth retrying
	StopRetryOn      = "retry_on"           // --retry-on excludes the failure
	StopExhausted    = "attempts_exhausted" // max_attempts reached
	StopTotalTimeout = "total_timeout"      // the next attempt would start after it
	StopInterrupted  = "interrupted"        // maestro received a signal
	StopOutputClosed = "output_closed"      // nobody reads the output any more
	StopStartFailed  = "start_failed"       // the command could not be started
	StopError        = "error"              // maestro could not classify the failure
)

// Report is the retry result written by --report.
type Report struct {
	Command          []string                `json:"command"`
	Success          bool                    `json:"success"`
	Outcome          string                  `json:"outcome"`
	ExitCode         int                     `json:"exit_code"`
	AttemptsMade     int                     `json:"attempts_made"`
	MaxAttempts      int                     `json:"max_attempts"`
	TotalTimeSeconds float64                 `json:"total_time_seconds"`
	FinalError       *string                 `json:"final_error"`
	Classification   *catalog.Classification `json:"classification"`
	StopReason       string                  `json:"stop_reason"`
	Interrupted      string                  `json:"interrupted_by,omitempty"`
	StartedAt        time.Time               `json:"started_at"`
	FinishedAt       time.Time               `json:"finished_at"`
	Attempts         []Attempt               `json:"attempts"`

	// A run of a recognised test command (docs/test-runners.md) says which
	// runner, what its retries reran, and which tests failed: nil
	// (absent) for any other command, [] when none did.
	TestRunner  string         `json:"test_runner,omitempty"`
	Rerun       string         `json:"rerun,omitempty"` // failed or all, as configured
	FailedTests *[]TestOutcome `json:"failed_tests,omitempty"`
	FlakyTests  *[]TestOutcome `json:"flaky_tests,omitempty"`
}

// TestOutcome is a test that failed in a run: still failing at its end
// (failed_tests), or passed on a later attempt (flaky_tests).
type TestOutcome struct {
	testrun.Test
	// Attempts ran the test, Failures of them failed; for a flaky test
	// PassedOn is the attempt it passed in.
	Attempts int `json:"attempts"`
	Failures int `json:"failures"`
	PassedOn int `json:"passed_on,omitempty"`
}

// Attempt is one run of the command.
type Attempt struct {
	Number          int                    `json:"number"`
	ExitCode        int                    `json:"exit_code"`
	Signal          *string                `json:"signal"` // the signal that ended it
	TimedOut        bool                   `json:"timed_out"`
	StartedAt       time.Time              `json:"started_at"`
	DurationSeconds float64                `json:"duration_seconds"`
	Classification  *AttemptClassification `json:"classification"`
	// DelayBeforeNextSeconds is null when no attempt followed.
	DelayBeforeNextSeconds *float64 `json:"delay_before_next_seconds"`

	// Of a test command: Commands are the command lines this attempt ran
	// when it reran only failed tests (RerunTests, by name); FailedTests
	// names the tests that failed in it; RerunWholeBecause says why the
	// next attempt runs the whole command rather than the failed tests.
	Commands          [][]string `json:"commands,omitempty"`
	RerunTests        []string   `json:"rerun_tests,omitempty"`
	FailedTests       []string   `json:"failed_tests,omitempty"`
	FailedTestsCount  int        `json:"failed_tests_count,omitempty"`
	RerunWholeBecause string     `json:"rerun_whole_because,omitempty"`
}

// AttemptClassification is an attempt's classification without the
// failure type's approaches: the report gives them once, in the run's
// classification, rather than again in every attempt.
type AttemptClassification struct {
	catalog.Classification
	// Approaches, always empty, hides the embedded field's.
	Approaches []catalog.Approach `json:"approaches,omitempty"`
}

func finalError(rep *Report) string {
	a := rep.Attempts[len(rep.Attempts)-1]
	switch {
	case a.TimedOut:
		return "timed out"
	case a.Signal != nil:
		return "killed by " + *a.Signal
	case rep.StopReason == StopStartFailed && a.ExitCode == 127:
		return "command not found"
	case rep.StopReason == StopStartFailed:
		return "cannot execute"
	}
	// rep's, not a's: a rerun that exited 0 without running its tests
	// leaves the run with the failure it had.
	return fmt.Sprintf("exit status %d", rep.ExitCode)
}

// FailedTestNames names the tests still failing at the end of the run, as
// a person reads them; nil for a command that is not a test command.
func (r *Report) FailedTestNames() []string {
	if r.FailedTests == nil {
		return nil
	}
	out := make([]string, len(*r.FailedTests))
	for i, t := range *r.FailedTests {
		out[i] = t.Name()
	}
	return out
}
