package wrapper

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/testrun"
)

// lineTap cuts one output stream into lines for the test runner's parser,
// as the output passes: no second read of it, and no more memory than one
// line of at most testrun.MaxLine bytes.
type lineTap struct {
	feed   *testFeed
	stream int
	buf    []byte
	over   bool // the line passed MaxLine: the rest of it is dropped
}

func (t *lineTap) reset() {
	if t != nil {
		t.buf, t.over = t.buf[:0], false
	}
}

func (t *lineTap) write(p []byte) {
	for len(p) > 0 {
		part, rest, nl := bytes.Cut(p, []byte{'\n'})
		if !t.over {
			if room := testrun.MaxLine - len(t.buf); len(part) > room {
				part, t.over = part[:room], true
			}
			t.buf = append(t.buf, part...)
		}
		if !nl {
			return
		}
		t.emit()
		p = rest
	}
}

// flush passes on a last line that had no newline.
func (t *lineTap) flush() {
	if t != nil && (len(t.buf) > 0 || t.over) {
		t.emit()
	}
}

func (t *lineTap) emit() {
	t.feed.line(t.stream, textsafe.Plain(t.buf))
	t.reset()
}

// testFeed serialises the two streams' lines into one parser.
type testFeed struct {
	mu     sync.Mutex
	parser testrun.Parser
}

func (f *testFeed) line(stream int, line []byte) {
	f.mu.Lock()
	f.parser.Line(stream, line)
	f.mu.Unlock()
}

// testState follows a test command's tests across attempts.
type testState struct {
	cmd     *testrun.Command
	failing []*TestOutcome // failed, not passed since, in the order seen
	flaky   []*TestOutcome // failed, then passed
	// truncated: the last attempt failed more tests than a result keeps.
	truncated bool
	count     int // failed tests in the last attempt, kept or not
}

func find(list []*TestOutcome, key string) int {
	for i, t := range list {
		if t.Key() == key {
			return i
		}
	}
	return -1
}

// update takes an attempt's result in: which of the failing tests passed
// (flaky) and which failed again, and the new failures. watch are the
// tests a narrowed attempt reran (nil for the whole command); exitOK says
// the attempt's commands all exited 0. It returns the watched tests the
// attempt shows it did not run.
func (s *testState) update(n int, watch []testrun.Test, res testrun.Result, exitOK bool) (notRun []testrun.Test) {
	keys := func(list []testrun.Test) map[string]bool {
		m := make(map[string]bool, len(list))
		for _, t := range list {
			m[t.Key()] = true
		}
		return m
	}
	failed, passed, missing, watched := keys(res.Failed), keys(res.Passed), keys(res.NotRun), keys(watch)
	narrowed := watch != nil
	truncated := res.FailedCount > len(res.Failed)
	var still []*TestOutcome
	for _, t := range s.failing {
		k := t.Key()
		ran := !narrowed && (res.Stopped == "" || exitOK || failed[k]) || narrowed && watched[k]
		switch {
		case !ran:
			still = append(still, t)
		case failed[k]:
			t.Attempts++
			t.Failures++
			still = append(still, t)
		case passed[k] || res.Broken == "" && (res.Stopped == "" || exitOK) && !missing[k] && !truncated:
			// A test the attempt ran, that did not fail, passed: the
			// runner names every failure, nothing broke the run, and it
			// did not stop at a failure before the test's turn.
			t.Attempts++
			t.PassedOn = n
			s.flaky = append(s.flaky, t)
		case missing[k]:
			notRun = append(notRun, t.Test)
			still = append(still, t)
		default:
			// The run broke before it could say: still failing.
			still = append(still, t)
		}
	}
	for _, t := range res.Failed {
		k := t.Key()
		if find(still, k) >= 0 {
			continue
		}
		if i := find(s.flaky, k); i >= 0 {
			// It passed once and failed again: failing after all.
			o := s.flaky[i]
			s.flaky = append(s.flaky[:i], s.flaky[i+1:]...)
			o.Attempts++
			o.Failures++
			o.PassedOn = 0
			still = append(still, o)
			continue
		}
		still = append(still, &TestOutcome{Test: t, Attempts: 1, Failures: 1})
	}
	s.failing = still
	s.truncated = truncated
	s.count = max(res.FailedCount, len(res.Failed))
	return notRun
}

// failingTests are the tests to rerun.
func (s *testState) failingTests() []testrun.Test {
	out := make([]testrun.Test, len(s.failing))
	for i, t := range s.failing {
		out[i] = t.Test
	}
	return out
}

// next says what the attempt after a failed one runs: the commands that
// rerun only the failing tests, or nil and why the whole command runs.
// why is "" when rerunning only the failed tests was not asked for.
func (s *testState) next(policy catalog.Retry, class catalog.Classification, res testrun.Result, notRun []testrun.Test) (cmds [][]string, watch []testrun.Test, why string) {
	switch {
	case policy.Rerun != catalog.RerunFailed || class.FailureType != catalog.TestFailure:
		return nil, nil, ""
	case res.Broken != "":
		return nil, nil, res.Broken
	case res.Stopped != "":
		return nil, nil, res.Stopped
	case len(notRun) > 0:
		return nil, nil, "the rerun did not run " + testNames(notRun, 3)
	case len(s.failing) == 0:
		return nil, nil, "no failed test could be read from its output"
	case s.truncated || len(s.failing) > policy.RerunMaxFailures:
		n := max(s.count, len(s.failing))
		return nil, nil, fmt.Sprintf("%d tests failed, more than --rerun-max-failures (%d)", n, policy.RerunMaxFailures)
	}
	watch = s.failingTests()
	cmds, why = s.cmd.Rerun(watch)
	if why != "" {
		return nil, nil, why
	}
	return cmds, watch, ""
}

// report fills the report's test fields.
func (s *testState) report(rep *Report) {
	list := func(ts []*TestOutcome) *[]TestOutcome {
		out := make([]TestOutcome, 0, min(len(ts), testrun.MaxKept))
		for _, t := range ts[:min(len(ts), testrun.MaxKept)] {
			out = append(out, *t)
		}
		return &out
	}
	rep.TestRunner = s.cmd.Runner
	rep.FailedTests, rep.FlakyTests = list(s.failing), list(s.flaky)
}

// maxAttemptNames bounds the names an attempt of the report lists.
const maxAttemptNames = 100

func attemptNames(ts []testrun.Test) []string {
	out := make([]string, 0, min(len(ts), maxAttemptNames))
	for _, t := range ts[:min(len(ts), maxAttemptNames)] {
		out = append(out, t.Name())
	}
	return out
}

// testNames names the first few tests for a progress line, visibly: a
// test's name comes from the command's output.
func testNames(ts []testrun.Test, few int) string {
	var b strings.Builder
	for i, t := range ts {
		if i == few {
			b.WriteString(" and " + strconv.Itoa(len(ts)-few) + " more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(textsafe.Visible(t.Name()))
	}
	return b.String()
}

func outcomeTests(ts []*TestOutcome) []testrun.Test {
	out := make([]testrun.Test, len(ts))
	for i, t := range ts {
		out[i] = t.Test
	}
	return out
}

// rerunText is the progress line's end for a rerun of only the failed
// tests: "rerunning only the failed test t.py::test_a".
func rerunText(watch []testrun.Test) string {
	if len(watch) == 1 {
		return "rerunning only the failed test " + testNames(watch, 1)
	}
	return fmt.Sprintf("rerunning only the %d failed tests: %s", len(watch), testNames(watch, 3))
}
