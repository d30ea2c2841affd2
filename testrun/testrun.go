// Package testrun knows test runners: it recognises one on a command line
// (go test, pytest, cargo test, cargo nextest, jest, vitest, also behind
// wrappers such as uv run or npx), reads the tests that failed from its
// output as the output streams past, and builds the command that runs only
// those tests again, with the user's other arguments kept.
//
// Everything it reads is the output of a program maestro did not write:
// lines are bounded, the tests kept are bounded, and a name becomes an
// argument of the rerun only quoted for the runner's own pattern syntax,
// never as an option.
//
// The package is linked into every maestro, whose start-up must not pay for
// a test runner's tables and patterns: they are lazy values, built on first
// use.
package testrun

import "strings"

// Runners, as reports name them.
const (
	Go      = "go"
	Pytest  = "pytest"
	Cargo   = "cargo"
	Nextest = "nextest"
	Jest    = "jest"
	Vitest  = "vitest"
)

// Limits on what a parser keeps, whatever the output holds.
const (
	// MaxLine is the longest line a parser sees; a longer one is cut.
	MaxLine = 16 << 10
	// MaxKept is how many failed tests a result names; past it they are
	// only counted (a run with so many failures reruns whole anyway).
	MaxKept = 1000
	// maxID bounds one test's id: a longer one cannot be rerun alone.
	maxID = 4 << 10
)

// Test is one test as its runner names it.
type Test struct {
	// ID is the runner's name for the test: TestX/sub for go (within its
	// package), the node id tests/test_x.py::test_a[1] for pytest, the
	// path tests::foo for cargo and nextest, the full name "suite › test"
	// for jest, "suite > test" for vitest.
	ID     string `json:"id"`
	Runner string `json:"runner"`
	// Package is the go package's import path, or the cargo/nextest test
	// binary; File the test file (pytest, jest, vitest). Each is "" where
	// the runner does not say.
	Package string `json:"package,omitempty"`
	File    string `json:"file,omitempty"`
}

// Key identifies a test across attempts and runs.
func (t Test) Key() string {
	return t.Runner + "\x00" + t.Package + "\x00" + t.File + "\x00" + t.ID
}

// Name is the test as a person reads it: the id, with its package or
// file when the id alone does not say it.
func (t Test) Name() string {
	switch {
	case t.Runner == Go && t.Package != "":
		return t.Package + "." + t.ID
	case (t.Runner == Jest || t.Runner == Vitest) && t.File != "":
		return t.File + " > " + t.ID
	}
	return t.ID
}

// Result is what a parser read of one attempt's output.
type Result struct {
	// Failed are the tests that failed, in the order the output named
	// them, each once: for nested tests the innermost that failed (the
	// subtest, not its parent). At most MaxKept.
	Failed []Test
	// FailedCount counts every failed test, also those past MaxKept.
	FailedCount int
	// Passed are the watched tests (Parser's argument) seen passing.
	Passed []Test
	// NotRun are the watched tests the output shows did not run (no such
	// test), or that it would have shown running and did not.
	NotRun []Test
	// Broken says why the failed tests cannot stand for the failure: a
	// build or collection error, a panic or crash that stopped the run, a
	// test runner's own timeout; "" when the ids can be trusted.
	Broken string
	// Stopped says why the run did not run every test (it stops at the
	// first failure): a narrowed rerun that passes would then not say the
	// suite passes; "" when it ran them all.
	Stopped string
}

// Parser reads one attempt's output, a line at a time, as it streams. The
// caller serialises the calls.
type Parser interface {
	// Line takes one line, without its line ending or terminal escape
	// sequences, at most MaxLine bytes, from stdout (1) or stderr (2).
	// Both streams go to the same parser; a terminal merges them.
	Line(stream int, line []byte)
	// Result is what was read; called once the attempt has ended.
	Result() Result
}

// Command is a recognised test command.
type Command struct {
	Runner string
	// Args is the whole command line; Args[At] is the runner's program
	// (go, pytest, python, cargo, jest, vitest), what comes before it a
	// wrapper (uv run, poetry run, npx, env, ...). Args[From:] are the
	// runner's own arguments: after "go test", "python -m pytest",
	// "cargo test", "cargo nextest run", "jest", "vitest run".
	Args []string
	At   int
	From int

	impl runner
}

// runner is what each test runner implements.
type runner interface {
	// parser reads an attempt's output; watch are the tests it reruns,
	// whose passes the result reports.
	parser(c *Command, watch []Test) Parser
	// rerun builds the commands that run only tests, in order (more than
	// one when the runner cannot select tests of several packages in one
	// run), or says why it cannot.
	rerun(c *Command, tests []Test) ([][]string, string)
}

// Parser returns a parser for one attempt of c. watch are the tests the
// attempt reruns (nil for a whole run).
func (c *Command) Parser(watch []Test) Parser { return c.impl.parser(c, watch) }

// Rerun returns the commands that run only tests, with the user's other
// arguments kept, or why the whole command must run instead.
func (c *Command) Rerun(tests []Test) (cmds [][]string, why string) {
	if len(tests) == 0 {
		return nil, "no failed test was named"
	}
	for _, t := range tests {
		if len(t.ID) > maxID {
			return nil, "a failed test's name is too long to select it"
		}
	}
	return c.impl.rerun(c, tests)
}

// String is the command as a person reads it.
func (c *Command) String() string { return strings.Join(c.Args, " ") }

// Own returns a copy of the runner's own arguments, Args[From:].
func (c *Command) Own() []string { return append([]string(nil), c.Args[c.From:]...) }

// With returns the command line with the runner's own arguments replaced:
// the wrapper and the runner's program stay as the user gave them.
func (c *Command) With(own []string) []string {
	out := make([]string, 0, c.From+len(own))
	out = append(out, c.Args[:c.From]...)
	return append(out, own...)
}
