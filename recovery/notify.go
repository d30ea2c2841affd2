package recovery

import "github.com/maestro-recovery/maestro/notify"

// notifyFailed sends the run_failed event of a run and what its chain did.
func notifyFailed(in Input, results []Result) {
	r := &notify.Run{Command: append([]string(nil), in.Command...), ExitCode: in.ExitCode, AttemptsMade: in.AttemptsMade,
		FailedTests: append([]string(nil), in.FailedTests...), FailedTestsCount: len(in.FailedTests)}
	if c := in.Classification; c != nil {
		r.FailureType, r.Line = c.FailureType, c.Line
	}
	for _, res := range results {
		r.Recovery = append(r.Recovery, notify.Step{StrategyUsed: res.StrategyUsed, Success: res.Success, Message: res.Message})
	}
	e := &notify.Event{Event: notify.RunFailed, Time: now(in).UTC(), SessionID: in.SessionID, Run: r}
	in.Notifier.Send(e)
}
