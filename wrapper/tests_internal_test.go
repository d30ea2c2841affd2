package wrapper

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/testrun"
)

// lines is a parser that keeps the lines it is given.
type lines struct{ got []string }

func (l *lines) Line(stream int, line []byte) {
	l.got = append(l.got, string(rune('0'+stream))+":"+string(line))
}
func (l *lines) Result() testrun.Result { return testrun.Result{} }

// The tap gives the parser the same lines however the pipe cuts the
// output, cuts a line past MaxLine, and passes a last line without its
// newline.
func TestLineTap(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", testrun.MaxLine+100)
	out := "first\n\x1b[31msecond\x1b[0m\r\n\n" + long + "\nafter long\nno newline"
	want := []string{"1:first", "1:second", "1:", "1:" + long[:testrun.MaxLine], "1:after long", "1:no newline"}
	for seed := range uint64(20) {
		p := &lines{}
		c := newCapture()
		c.tap = &lineTap{feed: &testFeed{parser: p}, stream: 1}
		if err := c.pump(&chunky{data: []byte(out), rnd: rand.New(rand.NewPCG(seed, 1))}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		c.tap.flush()
		if strings.Join(p.got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("seed %d: lines\n%q\nwant\n%q", seed, p.got, want)
		}
	}
}

func test(id string) testrun.Test { return testrun.Test{ID: id, Runner: testrun.Pytest, File: "t.py"} }

func ids(list []*TestOutcome) string {
	var s []string
	for _, t := range list {
		s = append(s, t.ID)
	}
	return strings.Join(s, ",")
}

// A flaky test passes on the narrowed rerun, a deterministic one fails on
// every attempt; the rerun after that runs only what still fails.
func TestTestStateNarrows(t *testing.T) {
	t.Parallel()
	s := &testState{}
	a, b := test("a"), test("b")
	s.update(1, nil, testrun.Result{Failed: []testrun.Test{a, b}, FailedCount: 2}, false)
	if got := ids(s.failing); got != "a,b" {
		t.Fatalf("failing after attempt 1: %s", got)
	}
	notRun := s.update(2, []testrun.Test{a, b}, testrun.Result{Failed: []testrun.Test{b}, FailedCount: 1}, false)
	if len(notRun) != 0 || ids(s.failing) != "b" || ids(s.flaky) != "a" {
		t.Fatalf("after attempt 2: failing %s, flaky %s, not run %v", ids(s.failing), ids(s.flaky), notRun)
	}
	if f := s.flaky[0]; f.Attempts != 2 || f.Failures != 1 || f.PassedOn != 2 {
		t.Errorf("flaky a: %+v", *f)
	}
	s.update(3, []testrun.Test{b}, testrun.Result{Failed: []testrun.Test{b}, FailedCount: 1}, false)
	if f := s.failing[0]; f.Attempts != 3 || f.Failures != 3 || f.PassedOn != 0 {
		t.Errorf("failing b: %+v", *f)
	}
}

// What an attempt cannot vouch for is not a pass: a broken run, a test it
// says it did not run, a whole run that stopped at the first failure.
func TestTestStateDoesNotGuessPasses(t *testing.T) {
	t.Parallel()
	a, b := test("a"), test("b")
	for _, c := range []struct {
		name   string
		watch  []testrun.Test
		res    testrun.Result
		exitOK bool
	}{
		{"broken narrowed", []testrun.Test{a}, testrun.Result{Broken: "a crash"}, false},
		{"not run, exit 0", []testrun.Test{a}, testrun.Result{NotRun: []testrun.Test{a}}, true},
		{"whole, stopped at b", nil, testrun.Result{Failed: []testrun.Test{b}, FailedCount: 1, Stopped: "-x"}, false},
		{"narrowed, stopped at b", []testrun.Test{a, b}, testrun.Result{Failed: []testrun.Test{b}, FailedCount: 1, Stopped: "-failfast"}, false},
		{"whole, more failures than kept", nil, testrun.Result{Failed: []testrun.Test{b}, FailedCount: 5000}, false},
	} {
		s := &testState{}
		s.update(1, nil, testrun.Result{Failed: []testrun.Test{a}, FailedCount: 1}, false)
		s.update(2, c.watch, c.res, c.exitOK)
		if len(s.flaky) != 0 || find(s.failing, a.Key()) < 0 {
			t.Errorf("%s: a counted as passed (failing %s, flaky %s)", c.name, ids(s.failing), ids(s.flaky))
		}
	}
}

func TestTestStateNext(t *testing.T) {
	t.Parallel()
	policy := catalog.DefaultRetry
	policy.RerunMaxFailures = 2
	testFailure := catalog.Classification{FailureType: catalog.TestFailure}
	cmd := testrun.Detect([]string{"pytest", "-q", "tests"})
	if cmd == nil {
		t.Fatal("pytest not recognised")
	}
	many := []testrun.Test{test("a"), test("b"), test("c")}
	for _, c := range []struct {
		name    string
		policy  func(*catalog.Retry)
		class   catalog.Classification
		res     testrun.Result
		notRun  []testrun.Test
		wantWhy string // "" and narrowed, or a part of the reason
	}{
		{name: "rerun all", policy: func(p *catalog.Retry) { p.Rerun = catalog.RerunAll }, class: testFailure, res: testrun.Result{Failed: many[:1], FailedCount: 1}, wantWhy: "-"},
		{name: "transient", class: catalog.Classification{FailureType: "transient"}, res: testrun.Result{Failed: many[:1], FailedCount: 1}, wantWhy: "-"},
		{name: "broken", class: testFailure, res: testrun.Result{Broken: "a collection error in t.py"}, wantWhy: "a collection error in t.py"},
		{name: "stopped", class: testFailure, res: testrun.Result{Failed: many[:1], FailedCount: 1, Stopped: "pytest stopped at the first failure (-x)"}, wantWhy: "(-x)"},
		{name: "no ids", class: testFailure, res: testrun.Result{}, wantWhy: "no failed test could be read"},
		{name: "too many", class: testFailure, res: testrun.Result{Failed: many, FailedCount: 3}, wantWhy: "3 tests failed, more than --rerun-max-failures (2)"},
		{name: "not run", class: testFailure, res: testrun.Result{Failed: many[:1], FailedCount: 1}, notRun: many[1:2], wantWhy: "the rerun did not run b"},
	} {
		s := &testState{cmd: cmd}
		s.update(1, nil, c.res, false)
		p := policy
		if c.policy != nil {
			c.policy(&p)
		}
		cmds, _, why := s.next(p, c.class, c.res, c.notRun)
		switch {
		case cmds != nil:
			t.Errorf("%s: narrowed to %q", c.name, cmds)
		case c.wantWhy == "-" && why != "":
			t.Errorf("%s: why %q, want none", c.name, why)
		case c.wantWhy != "-" && !strings.Contains(why, c.wantWhy):
			t.Errorf("%s: why %q, want %q", c.name, why, c.wantWhy)
		}
	}
}
