package session

import (
	"github.com/maestro-recovery/maestro/recovery"
	"github.com/maestro-recovery/maestro/wrapper"
)

// MaxTests bounds the failed tests, and the flaky ones, a run's entry
// names: a suite that fails by the thousand would otherwise fill a record
// with names nobody reads one by one. The counts keep the rest.
const MaxTests = 100

// MaxLine bounds the matched output line a run's entry keeps: enough to
// read it, where a minified file's line could be megabytes.
const MaxLine = 1 << 10

// RunOf is what the log keeps of a run, from its report and what followed
// it: maestro run and the MCP server's run tool log the same.
func RunOf(rep *wrapper.Report, results []recovery.Result) *Run {
	run := &Run{Command: rep.Command, ExitCode: rep.ExitCode, Outcome: rep.Outcome, AttemptsMade: rep.AttemptsMade,
		Failures: map[string]int{}, TotalTimeSeconds: rep.TotalTimeSeconds, Recovery: results, TestRunner: rep.TestRunner}
	for _, a := range rep.Attempts {
		if a.Classification != nil {
			run.Failures[a.Classification.FailureType]++
		}
	}
	if c := rep.Classification; c != nil {
		run.FailureType, run.Line = c.FailureType, clip(c.Line, MaxLine)
	}
	run.FailedTests, run.FailedTestsCount = firstTests(rep.FailedTests)
	run.FlakyTests, run.FlakyTestsCount = firstTests(rep.FlakyTests)
	return run
}

// firstTests are the first MaxTests of ts, copied (the report is the
// caller's), and how many there are.
func firstTests(ts *[]wrapper.TestOutcome) ([]wrapper.TestOutcome, int) {
	if ts == nil || len(*ts) == 0 {
		return nil, 0
	}
	return append([]wrapper.TestOutcome(nil), (*ts)[:min(len(*ts), MaxTests)]...), len(*ts)
}
