package cli

import "strconv"

// exitCode is one row of maestro's exit codes: the one list that the man
// pages and docs/reference.md are generated from.
type exitCode struct {
	Code    string // a number, or a rule such as 128+N
	Meaning string
}

// runExitCodes are maestro run's: the convention of coreutils timeout and
// env, so that a caller cannot mistake maestro's own failure for the
// command's. Functions rather than variables: the numbers become strings
// only for the man pages and the reference, not at every start.
func runExitCodes() []exitCode {
	return []exitCode{
		{"the command's own", "the last attempt exited with it; 0 when an attempt succeeded"},
		{strconv.Itoa(ExitTimedOut), "the last attempt was stopped by --timeout (or --total-timeout)"},
		{strconv.Itoa(ExitRunFailed), "maestro itself failed: a bad flag, a bad configuration file, --report in a missing folder"},
		{strconv.Itoa(ExitCannotExecute), "the command was found but cannot be executed (never retried)"},
		{strconv.Itoa(ExitNotFound), "the command was not found (never retried)"},
		{"128+N", "the command was killed by signal N, or maestro was interrupted by signal N (then maestro ends by that signal, and no attempt follows)"},
	}
}

// otherExitCodes are those of every other command.
func otherExitCodes() []exitCode {
	return []exitCode{
		{"0", "done; for maestro ask, answered (by a person, by the default, or by the default at the timeout)"},
		{strconv.Itoa(ExitFailed), "the operation failed or was refused: maestro doctor found a problem, a bad configuration file, a rollback that would lose work, no such checkpoint, session or question (the message names the nearest ids), not in a git repository (the message says why and what to do)"},
		{strconv.Itoa(ExitUsage), "usage error: a bad flag or argument, an invalid session or checkpoint id (one that cannot be a ref name), a question id abbreviated so that it names several (they are listed), an unknown failure type, an answer that is not one of the options"},
		{strconv.Itoa(ExitDeferred), "maestro ask: the question was deferred (--no-tty defer); its id is printed"},
		{strconv.Itoa(ExitAskTimedOut), "maestro ask: nobody answered in time, and the question has no default"},
		{strconv.Itoa(ExitNoHuman), "maestro ask: nobody can answer (no terminal, $CI set, or the input closed with Ctrl-D at the prompt) and the policy is to fail: no default, or --no-tty fail"},
	}
}
