package session_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/session"
	"github.com/maestro-recovery/maestro/testrun"
	"github.com/maestro-recovery/maestro/wrapper"
)

func pytestTest(id string) testrun.Test {
	file, _, _ := strings.Cut(id, "::")
	return testrun.Test{ID: id, Runner: testrun.Pytest, File: file}
}

// testReport is the report of a pytest run: flaky tests passed on
// attempt 2, failed ones still failing after 3.
func testReport(cmd []string, flaky, failed []string) *wrapper.Report {
	rep := &wrapper.Report{Command: cmd, Outcome: wrapper.OutcomePassed, AttemptsMade: 1, TestRunner: testrun.Pytest}
	fl, fa := []wrapper.TestOutcome{}, []wrapper.TestOutcome{}
	for _, id := range flaky {
		fl = append(fl, wrapper.TestOutcome{Test: pytestTest(id), Attempts: 2, Failures: 1, PassedOn: 2})
		rep.Outcome, rep.AttemptsMade = wrapper.OutcomeFlaky, 2
	}
	for _, id := range failed {
		fa = append(fa, wrapper.TestOutcome{Test: pytestTest(id), Attempts: 3, Failures: 3})
		rep.Outcome, rep.AttemptsMade, rep.ExitCode = wrapper.OutcomeFailed, 3, 1
	}
	rep.FlakyTests, rep.FailedTests = &fl, &fa
	return rep
}

func logRun(t *testing.T, dir, id string, at time.Time, rep *wrapper.Report) {
	t.Helper()
	if err := session.Open(dir, id).Append(session.Entry{Time: at, Type: session.KindRun, Run: session.RunOf(rep, nil)}); err != nil {
		t.Fatal(err)
	}
}

func TestRunOfTests(t *testing.T) {
	t.Parallel()
	var many []string
	for i := range session.MaxTests + 50 {
		many = append(many, fmt.Sprintf("t.py::test_%03d", i))
	}
	rep := testReport([]string{"pytest", "-q"}, []string{"t.py::test_a"}, many)
	run := session.RunOf(rep, nil)
	if run.TestRunner != "pytest" || len(run.FailedTests) != session.MaxTests || run.FailedTestsCount != session.MaxTests+50 ||
		len(run.FlakyTests) != 1 || run.FlakyTestsCount != 1 {
		t.Errorf("RunOf = runner %q, %d failed (count %d), %d flaky (count %d); want pytest, %d (%d), 1 (1)",
			run.TestRunner, len(run.FailedTests), run.FailedTestsCount, len(run.FlakyTests), run.FlakyTestsCount, session.MaxTests, session.MaxTests+50)
	}
	if got, want := run.FlakyTests[0], (*rep.FlakyTests)[0]; got != want {
		t.Errorf("flaky test = %+v, want %+v", got, want)
	}
	// The entry's lists are its own: the report is the caller's.
	(*rep.FailedTests)[0].ID = "changed"
	if run.FailedTests[0].ID != "t.py::test_000" {
		t.Error("RunOf shares the report's list")
	}

	// Read back as written.
	dir := t.TempDir()
	if err := session.Open(dir, "s").Append(session.Entry{Type: session.KindRun, Run: run}); err != nil {
		t.Fatal(err)
	}
	es, err := session.Open(dir, "s").Entries()
	if err != nil || len(es) != 1 {
		t.Fatalf("Entries = %v, %v", es, err)
	}
	if got := es[0].Run; !reflect.DeepEqual(got.FlakyTests, run.FlakyTests) || !reflect.DeepEqual(got.FailedTests, run.FailedTests) || got.FailedTestsCount != run.FailedTestsCount {
		t.Errorf("read back %+v, want %+v", got, run)
	}

	// A command that is no test command logs none of the fields.
	plain := session.RunOf(&wrapper.Report{Command: []string{"true"}, Outcome: "passed", AttemptsMade: 1}, nil)
	data, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"test_runner", "failed_tests", "flaky_tests"} {
		if bytes.Contains(data, []byte(k)) {
			t.Errorf("the run of true logs %s: %s", k, data)
		}
	}
	// A test command that passed names its runner, and no test.
	passed := session.RunOf(testReport([]string{"pytest"}, nil, nil), nil)
	if data, _ := json.Marshal(passed); !bytes.Contains(data, []byte(`"test_runner":"pytest"`)) || bytes.Contains(data, []byte("_tests")) {
		t.Errorf("a passing pytest run logs %s", data)
	}
}

// A run naming many tests with long ids is kept, clipped, rather than lost.
func TestRunWithHugeTestIDsIsClipped(t *testing.T) {
	t.Parallel()
	var ids []string
	for i := range session.MaxTests {
		ids = append(ids, fmt.Sprintf("t.py::test_%d[%s]", i, strings.Repeat("x", 16<<10)))
	}
	dir := t.TempDir()
	logRun(t, dir, "s", t0, testReport([]string{"pytest"}, ids, nil))
	es, err := session.Open(dir, "s").Entries()
	if err != nil || len(es) != 1 {
		t.Fatalf("Entries = %d, %v", len(es), err)
	}
	if r := es[0].Run; !es[0].Truncated || len(r.FlakyTests) != session.MaxTests || len(r.FlakyTests[0].ID) > 5<<10 {
		t.Errorf("truncated %v, %d flaky tests, first id %d bytes; want clipped", es[0].Truncated, len(r.FlakyTests), len(r.FlakyTests[0].ID))
	}
}

func TestFlakyAcrossSessions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pytest := []string{"pytest", "-q"}
	logRun(t, dir, "a", t0, testReport(pytest, []string{"t.py::test_a"}, nil))
	logRun(t, dir, "a", t0.Add(time.Minute), testReport(pytest, nil, []string{"t.py::test_a", "t.py::test_b"}))
	logRun(t, dir, "b", t0.Add(2*time.Minute), testReport([]string{"pytest", "t.py"}, []string{"t.py::test_a", "t.py::test_c"}, []string{"t.py::test_b"}))
	logRun(t, dir, "c", t0.Add(3*time.Minute), testReport(pytest, []string{"t.py::test_d"}, nil))
	// Runs naming no test, and other entries, count for nothing.
	if err := session.Open(dir, "c").Append(session.Entry{Time: t0.Add(4 * time.Minute), Type: session.KindRun, Run: &session.Run{Command: []string{"true"}, Outcome: "passed"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := session.Start(dir, "d", "nothing flaky here", t0); err != nil {
		t.Fatal(err)
	}

	res, err := session.Flaky(dir, session.FlakyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID          string
		Flaky, Fail int
		Last        time.Time
		Command     string
		Sessions    string
	}
	var got []row
	for _, f := range res.Tests {
		got = append(got, row{f.ID, f.FlakyCount, f.FailedCount, f.LastSeen, strings.Join(f.Command, " "), strings.Join(f.Sessions, ",")})
		if f.Runner != "pytest" || f.File != "t.py" || f.Package != "" {
			t.Errorf("%s: runner %q, file %q, package %q", f.ID, f.Runner, f.File, f.Package)
		}
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute).UTC() }
	want := []row{
		{"t.py::test_d", 1, 0, at(3), "pytest -q", "c"},
		// Newest first; ties by id.
		{"t.py::test_a", 2, 1, at(2), "pytest t.py", "b,a"},
		{"t.py::test_c", 1, 0, at(2), "pytest t.py", "b"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Flaky =\n%+v\nwant\n%+v", got, want)
	}
	if res.Skipped != 0 || res.Capped {
		t.Errorf("skipped %d, capped %v", res.Skipped, res.Capped)
	}

	// --since: runs logged after the time only.
	res, err = session.Flaky(dir, session.FlakyOptions{Since: at(2)})
	if err != nil || len(res.Tests) != 1 || res.Tests[0].ID != "t.py::test_d" {
		t.Errorf("Flaky since minute 2 = %+v, %v; want test_d alone", res, err)
	}
	res, err = session.Flaky(dir, session.FlakyOptions{Since: at(1)})
	if err != nil || len(res.Tests) != 3 || res.Tests[1].FlakyCount != 1 || res.Tests[1].FailedCount != 0 {
		t.Errorf("Flaky since minute 1 = %+v, %v; want test_a once flaky, never failed", res, err)
	}
	// One session.
	res, err = session.Flaky(dir, session.FlakyOptions{Session: "a"})
	if err != nil || len(res.Tests) != 1 || res.Tests[0].FlakyCount != 1 || res.Tests[0].FailedCount != 1 || res.Tests[0].Command[1] != "-q" {
		t.Errorf("Flaky of session a = %+v, %v", res, err)
	}
	for _, o := range []session.FlakyOptions{{Session: "nosuch"}, {Session: "d"}, {Since: at(5)}} {
		if res, err := session.Flaky(dir, o); err != nil || len(res.Tests) != 0 {
			t.Errorf("Flaky(%+v) = %+v, %v; want none", o, res, err)
		}
	}
	// No state at all.
	if res, err := session.Flaky(filepath.Join(dir, "none"), session.FlakyOptions{}); err != nil || len(res.Tests) != 0 {
		t.Errorf("Flaky of no state = %+v, %v", res, err)
	}
}

// The tests of the same id under different runners or packages are
// different tests.
func TestFlakyKeysByRunnerAndPackage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i, pkg := range []string{"example.com/a", "example.com/b", "example.com/a"} {
		rep := &wrapper.Report{Command: []string{"go", "test", "./..."}, Outcome: "flaky", TestRunner: testrun.Go,
			FlakyTests: &[]wrapper.TestOutcome{{Test: testrun.Test{ID: "TestX", Runner: testrun.Go, Package: pkg}, Attempts: 2, Failures: 1, PassedOn: 2}}}
		logRun(t, dir, "s", t0.Add(time.Duration(i)*time.Second), rep)
	}
	res, err := session.Flaky(dir, session.FlakyOptions{})
	if err != nil || len(res.Tests) != 2 {
		t.Fatalf("Flaky = %+v, %v; want 2 tests", res, err)
	}
	if res.Tests[0].Package != "example.com/a" || res.Tests[0].FlakyCount != 2 || res.Tests[1].Package != "example.com/b" {
		t.Errorf("Flaky = %+v, %+v", *res.Tests[0], *res.Tests[1])
	}
}

// What a log holds came from disk: lines of other programs, hand edits,
// a line longer than any record, a torn last line, entries of the right
// shape with too many tests. Flaky reads past them and counts them; it
// refuses a link or a FIFO where a log should be, without waiting.
func TestFlakyHostileLogs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logRun(t, dir, "s", t0, testReport([]string{"pytest"}, []string{"t.py::test_a"}, nil))
	var many []string
	for i := range session.MaxTests * 3 {
		many = append(many, fmt.Sprintf(`{"id":"t.py::m%d","runner":"pytest"}`, i))
	}
	lines := []string{
		"not json at all",
		`{"type":"run","run":"a string","flaky_tests":1}`,
		`{"type":"run","run":{"flaky_tests":[{"id":7}]}}`,
		`["flaky_tests"]`,
		`{"time":"2024-05-01T12:05:00Z","type":"question","run":{"flaky_tests":[{"id":"t.py::q","runner":"pytest"}]}}`,
		`{"time":"2024-05-01T12:06:00Z","type":"run","run":{"command":["x"],"flaky_tests":[` + strings.Join(many, ",") + `]}}`,
		`{"time":"2024-05-01T12:07:00Z","type":"run","run":{"command":["pytest"],"flaky_tests":[{"id":"` + strings.Repeat("x", state.MaxRecord) + `"}]}}`,
		"",
		`{"time":"2024-05-01T12:08:00Z","type":"run","run":{"command":["py\u001b[31m"],"flaky_tests":[{"id":"t.py::test_a","runner":"pytest","file":"t.py"},{"id":"t.py::test_a","runner":"pytest","file":"t.py"}]}}`,
	}
	f, err := os.OpenFile(filepath.Join(dir, "sessions", "s", "log.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(f, strings.Join(lines, "\n")+"\n"+`{"time":"2024-05-01T12:09:00Z","type":"run","run":{"flaky_tes`)
	f.Close()

	res, err := session.Flaky(dir, session.FlakyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Not JSON, a string run, a wrong id type, an array, and the line
	// past a record.
	if res.Skipped != 5 {
		t.Errorf("skipped %d lines, want 5", res.Skipped)
	}
	if len(res.Tests) != session.MaxTests+1 {
		t.Fatalf("%d tests, want %d: the first %d of the crowded entry and test_a", len(res.Tests), session.MaxTests+1, session.MaxTests)
	}
	a := res.Tests[0]
	if a.ID != "t.py::test_a" || a.FlakyCount != 2 || a.Command[0] != "py\x1b[31m" {
		t.Errorf("newest = %+v, want test_a twice flaky, its last command", *a)
	}

	// A link where a log should be is refused; so is a FIFO, at once.
	for name, plant := range map[string]func(p string) error{
		"link": func(p string) error { return os.Symlink(filepath.Join(dir, "elsewhere"), p) },
		"fifo": func(p string) error { return syscall.Mkfifo(p, 0o644) },
	} {
		d := t.TempDir()
		logRun(t, d, "s", t0, testReport([]string{"pytest"}, []string{"t.py::test_a"}, nil))
		if err := plant(filepath.Join(d, "sessions", "s", "log.1.jsonl")); err != nil {
			t.Fatal(err)
		}
		_, err := session.Flaky(d, session.FlakyOptions{})
		var link *state.LinkError
		if err == nil || name == "link" && !errors.As(err, &link) {
			t.Errorf("Flaky with a %s for a log = %v, want an error", name, err)
		}
	}
	// A link for a session's folder is no session.
	d := t.TempDir()
	logRun(t, d, "s", t0, testReport([]string{"pytest"}, []string{"t.py::test_a"}, nil))
	if err := os.Symlink(filepath.Join(d, "sessions", "s"), filepath.Join(d, "sessions", "t")); err != nil {
		t.Fatal(err)
	}
	if res, err := session.Flaky(d, session.FlakyOptions{}); err != nil || len(res.Tests) != 1 || len(res.Tests[0].Sessions) != 1 {
		t.Errorf("Flaky with a linked session = %+v, %v; want s alone", res, err)
	}
}

// A log much bigger than rotation allows is read from its end: the newest
// entries, in bounded time.
func TestFlakyReadsTheEndOfAHugeLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logRun(t, dir, "s", t0, testReport([]string{"pytest"}, []string{"t.py::old"}, nil))
	p := filepath.Join(dir, "sessions", "s", "log.jsonl")
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	filler := `{"time":"2024-05-01T12:00:01Z","type":"run","run":{"command":["true"],"outcome":"passed"}}` + "\n"
	chunk := strings.Repeat(filler, (1<<20)/len(filler))
	for range 17 {
		if _, err := f.WriteString(chunk); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	logRun(t, dir, "s", t0.Add(time.Hour), testReport([]string{"pytest"}, []string{"t.py::new"}, nil))
	res, err := session.Flaky(dir, session.FlakyOptions{})
	if err != nil || len(res.Tests) != 1 || res.Tests[0].ID != "t.py::new" || res.Skipped != 0 {
		t.Errorf("Flaky of a 17 MiB log = %+v, %v; want t.py::new alone", res, err)
	}
}

func TestSummarizeCountsFlakyTests(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logRun(t, dir, "s", t0, testReport([]string{"pytest"}, []string{"t.py::a", "t.py::b"}, nil))
	logRun(t, dir, "s", t0.Add(time.Second), testReport([]string{"pytest"}, []string{"t.py::a"}, []string{"t.py::c"}))
	es, err := session.Open(dir, "s").Entries()
	if err != nil {
		t.Fatal(err)
	}
	if got := session.Summarize("s", es).FlakyTests; got != 2 {
		t.Errorf("flaky tests = %d, want 2", got)
	}
}

// BenchmarkFlaky reads 200 sessions of 500 runs each, one in ten naming
// tests.
func BenchmarkFlaky(b *testing.B) {
	dir := b.TempDir()
	for s := range 200 {
		var buf bytes.Buffer
		for i := range 500 {
			rep := &wrapper.Report{Command: []string{"pytest", "-q"}, Outcome: "passed", AttemptsMade: 1}
			if i%10 == 0 {
				rep = testReport([]string{"pytest", "-q"}, []string{fmt.Sprintf("t.py::test_%d", i%7)}, []string{"t.py::test_x"})
			}
			data, err := json.Marshal(session.Entry{Time: t0.Add(time.Duration(s*500+i) * time.Second), SessionID: "x", Type: session.KindRun, Run: session.RunOf(rep, nil)})
			if err != nil {
				b.Fatal(err)
			}
			buf.Write(append(data, '\n'))
		}
		d := filepath.Join(dir, "sessions", fmt.Sprintf("s-%d", s))
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "log.jsonl"), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		res, err := session.Flaky(dir, session.FlakyOptions{})
		if err != nil || len(res.Tests) != 7 {
			b.Fatalf("Flaky = %d tests, %v", len(res.Tests), err)
		}
	}
}

// FuzzFlakyLog: whatever a log holds, Flaky reads it without failing or
// panicking, and keeps its bounds.
func FuzzFlakyLog(f *testing.F) {
	entry, err := json.Marshal(session.Entry{Time: t0, SessionID: "s", Type: session.KindRun,
		Run: session.RunOf(testReport([]string{"pytest"}, []string{"t.py::test_a"}, []string{"t.py::test_b"}), nil)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(entry)
	f.Add(append(append(entry, '\n'), entry[:len(entry)/2]...))
	f.Add([]byte(`{"type":"run","run":{"flaky_tests":[{"id":"x"},{"id":1}]}}` + "\n\n\r\n" + `{"flaky_tests"`))
	f.Add([]byte("\x00\xff\n{}\n[]\nnull\n\"flaky_tests\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		d := filepath.Join(dir, "sessions", "s")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "log.jsonl"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := session.Flaky(dir, session.FlakyOptions{})
		if err != nil {
			t.Fatalf("Flaky: %v", err)
		}
		if len(res.Tests) > session.MaxTests*(bytes.Count(data, []byte("\n"))+1) {
			t.Errorf("%d tests from %d lines", len(res.Tests), bytes.Count(data, []byte("\n"))+1)
		}
		for _, ft := range res.Tests {
			if ft.FlakyCount < 1 || len(ft.Sessions) != 1 || ft.Sessions[0] != "s" || ft.Command == nil {
				t.Errorf("test %+v", *ft)
			}
		}
	})
}
