package session

import (
	"github.com/maestro-recovery/maestro/recovery"
	"github.com/maestro-recovery/maestro/wrapper"
)

// RunOf is what the log keeps of a run, from its report and what followed
// it: maestro run and the MCP server's run tool log the same.
func RunOf(rep *wrapper.Report, results []recovery.Result) *Run {
	run := &Run{Command: rep.Command, ExitCode: rep.ExitCode, Outcome: rep.Outcome, AttemptsMade: rep.AttemptsMade,
		Failures: map[string]int{}, TotalTimeSeconds: rep.TotalTimeSeconds, Recovery: results}
	for _, a := range rep.Attempts {
		if a.Classification != nil {
			run.Failures[a.Classification.FailureType]++
		}
	}
	return run
}
