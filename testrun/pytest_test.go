package testrun

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func py(id string) Test {
	file, _, _ := strings.Cut(id, "::")
	return Test{ID: id, Runner: Pytest, File: file}
}

func pys(ids ...string) []Test {
	var out []Test
	for _, id := range ids {
		out = append(out, py(id))
	}
	return out
}

// The failures of a whole run of testdata/pytest/suite, as pytest names
// them (its short summary's order).
var pytestSuiteFailed = []string{
	"-dash_test.py::test_dash",
	"test_main.py::test_flaky",
	"test_main.py::test_bad",
	"test_main.py::test_param[x - y]",
	"test_main.py::test_param[[z]]",
	`test_main.py::test_param[\u7121]`,
	"test_main.py::test_param[ok] - [no]",
	"test_main.py::TestC::test_m[2]",
	"test_main.py::TestC::TestInner::test_deep",
	"test_main.py::test_skippable",
	"test_main.py::test_setup_err",
	"test_main.py::test_teardown_err",
}

func without(list []string, drop ...string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

// The fixtures are real output of pytest 7.2.1, testdata/pytest/README.md.
func TestPytestParserFixtures(t *testing.T) {
	stillFailing := without(pytestSuiteFailed, "test_main.py::test_flaky")
	cases := []struct {
		fixture string
		args    string
		watch   []string
		failed  []string
		count   int
		passed  []string
		notRun  []string
		broken  string // a part of Broken; "" for none
		stopped string // a part of Stopped; "" for none
	}{
		{fixture: "whole", args: "pytest -p no:cacheprovider", failed: pytestSuiteFailed, count: 12},
		// -v names each test as it runs: in that order.
		{fixture: "verbose", args: "pytest -p no:cacheprovider -v", failed: append(without(pytestSuiteFailed, "test_main.py::test_skippable"), "test_main.py::test_skippable"), count: 12},
		{fixture: "quiet", args: "pytest -p no:cacheprovider -q", failed: pytestSuiteFailed, count: 12},
		{fixture: "quiet2", args: "pytest -p no:cacheprovider -qq", failed: pytestSuiteFailed, count: 12},
		{
			fixture: "rerun", args: "pytest -p no:cacheprovider",
			watch: pytestSuiteFailed, failed: stillFailing, count: 11,
			passed: []string{"test_main.py::test_flaky"},
		},
		{
			fixture: "rerun-skipped", args: "pytest -p no:cacheprovider",
			watch:  []string{"test_main.py::test_ok", "test_main.py::test_skippable"},
			passed: []string{"test_main.py::test_ok"}, notRun: []string{"test_main.py::test_skippable"},
		},
		{
			// pytest runs nothing when one id is not found.
			fixture: "rerun-not-found", args: "pytest -p no:cacheprovider",
			watch:  []string{"test_main.py::test_ok", "test_main.py::test_gone", "test_main.py::test_param[gone]"},
			notRun: []string{"test_main.py::test_ok", "test_main.py::test_gone", "test_main.py::test_param[gone]"},
		},
		{
			fixture: "rerun-no-file", args: "pytest -p no:cacheprovider",
			watch:  []string{"test_main.py::test_ok", "gone_test.py::test_x"},
			notRun: []string{"test_main.py::test_ok", "gone_test.py::test_x"},
		},
		{fixture: "exitfirst", args: "pytest -p no:cacheprovider -x", failed: pytestSuiteFailed[:1], count: 1, stopped: "first failure (-x)"},
		{fixture: "maxfail", args: "pytest -p no:cacheprovider --maxfail=2", failed: pytestSuiteFailed[:2], count: 2, stopped: "after 2 failures (--maxfail)"},
		// A failure the user's -x did not stop at is read from the output.
		{fixture: "whole", args: "pytest -p no:cacheprovider", failed: pytestSuiteFailed, count: 12},
		{fixture: "collection-error", args: "pytest -p no:cacheprovider", count: 1, broken: "a test file could not be collected (test_broken.py)"},
		{fixture: "crash", args: "pytest -p no:cacheprovider test_crash.py", broken: "pytest crashed (Segmentation fault)"},
		{fixture: "crash-quiet", args: "pytest -p no:cacheprovider -q -p no:faulthandler test_crash.py", broken: "pytest ended before its summary"},
		{fixture: "internal-error", args: "pytest -p no:cacheprovider", broken: "internal error"},
	}
	for _, tc := range cases {
		for _, stdoutFirst := range []bool{true, false} {
			c := Detect(strings.Fields(tc.args))
			p := c.Parser(pys(tc.watch...))
			feedFixture(t, p, "pytest", tc.fixture, stdoutFirst)
			r := p.Result()
			name := tc.fixture
			if !stdoutFirst {
				name += " (stderr first)"
			}
			if got, want := ids(r.Failed), tc.failed; !slices.Equal(got, want) {
				t.Errorf("%s: failed %q, want %q", name, got, want)
			}
			for _, f := range r.Failed {
				if f != py(f.ID) {
					t.Errorf("%s: failed %+v, want %+v", name, f, py(f.ID))
				}
			}
			if r.FailedCount != tc.count {
				t.Errorf("%s: FailedCount %d, want %d", name, r.FailedCount, tc.count)
			}
			if got := ids(r.Passed); !slices.Equal(got, tc.passed) {
				t.Errorf("%s: passed %q, want %q", name, got, tc.passed)
			}
			if got := ids(r.NotRun); !slices.Equal(got, tc.notRun) {
				t.Errorf("%s: not run %q, want %q", name, got, tc.notRun)
			}
			if tc.broken == "" && r.Broken != "" || !strings.Contains(r.Broken, tc.broken) {
				t.Errorf("%s: Broken %q, want %q", name, r.Broken, tc.broken)
			}
			if tc.stopped == "" && r.Stopped != "" || !strings.Contains(r.Stopped, tc.stopped) {
				t.Errorf("%s: Stopped %q, want %q", name, r.Stopped, tc.stopped)
			}
		}
	}
}

func ids(tests []Test) []string {
	var out []string
	for _, t := range tests {
		out = append(out, t.ID)
	}
	return out
}

// The rerun fixture was captured with the command Rerun builds for the
// failures of the whole run.
func TestPytestRerunFixtureCommand(t *testing.T) {
	c := Detect([]string{"pytest", "-p", "no:cacheprovider"})
	cmds, why := c.Rerun(pys(pytestSuiteFailed...))
	if why != "" {
		t.Fatal(why)
	}
	want := append([]string{"pytest", "-p", "no:cacheprovider", "-rfEpxX", "--", "./" + pytestSuiteFailed[0]}, pytestSuiteFailed[1:]...)
	if len(cmds) != 1 || !slices.Equal(cmds[0], want) {
		t.Fatalf("Rerun: %q, want %q", cmds, want)
	}
	script, err := os.ReadFile(filepath.Join("testdata", "pytest", "capture.sh"))
	if err != nil {
		t.Fatal(err)
	}
	line := "\ncap rerun " + strings.Join(cmds[0][:5], " ")
	for _, a := range cmds[0][5:] {
		line += " '" + a + "'"
	}
	if !strings.Contains(string(script), line+"\n") {
		t.Errorf("capture.sh does not capture the rerun Rerun builds:%s", line)
	}
}

func TestPytestRerunArgs(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "exists"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	tests := pys("t.py::test_a", "-d.py::test_b[x - y]")
	cases := []struct {
		args string // split on '|'
		want string // the rerun, split on '|'; "" when it falls back
		why  string // a part of the reason it falls back
	}{
		{args: "pytest", want: "pytest|-rfEpxX|--|t.py::test_a|./-d.py::test_b[x - y]"},
		// Positional selectors go; options stay, with their values.
		{
			args: "pytest|-q|tests/|-k|a or b|--tb=short|-p|no:randomly|-m|not slow|tests/t.py::test_x|--deselect|t.py::test_c|-W|ignore::DeprecationWarning|-n|4|--cov|src|-o|x=1",
			want: "pytest|-q|-k|a or b|--tb=short|-p|no:randomly|-m|not slow|--deselect|t.py::test_c|-W|ignore::DeprecationWarning|-n|4|--cov|src|-o|x=1|-rfEpxX|--|t.py::test_a|./-d.py::test_b[x - y]",
		},
		// -x, --maxfail, --lf, --ff, --sw go; -r is merged.
		{
			args: "pytest|-x|--maxfail|3|--maxfail=2|--lf|--ff|--sw|--exitfirst|-rs|-vx|-xkfoo|-kfoo|-pno:x|--no-summary|--",
			want: "pytest|-v|-kfoo|-kfoo|-pno:x|-rsfEpxX|--|t.py::test_a|./-d.py::test_b[x - y]",
		},
		{args: "pytest|-vrfE|x.py", want: "pytest|-v|-rfEfEpxX|--|t.py::test_a|./-d.py::test_b[x - y]"},
		// An optional value (--cov) is not taken when an option follows.
		{args: "pytest|--cov|-q|t.py", want: "pytest|--cov|-q|-rfEpxX|--|t.py::test_a|./-d.py::test_b[x - y]"},
		// After --, every word is a test selector, even one like an option.
		{args: "pytest|-q|--|-x|t.py", want: "pytest|-q|-rfEpxX|--|t.py::test_a|./-d.py::test_b[x - y]"},
		{args: "python3|-X|dev|-m|pytest|-q|t.py", want: "python3|-X|dev|-m|pytest|-q|-rfEpxX|--|t.py::test_a|./-d.py::test_b[x - y]"},
		{args: "uv|run|--with|pytest-x|pytest|--pyargs|mypkg", want: "uv|run|--with|pytest-x|pytest|--pyargs|-rfEpxX|--|t.py::test_a|./-d.py::test_b[x - y]"},
		// An unknown option before an existing path, or a test file.
		{args: "pytest|--my-flag|exists|--other|t.py", want: "pytest|--my-flag|--other|-rfEpxX|--|t.py::test_a|./-d.py::test_b[x - y]"},
		{args: "pytest|--my-opt|value", why: `cannot tell whether "value" is a test path or the value of "--my-opt"`},
		{args: "pytest|-E|staging", why: `cannot tell whether "staging" is a test path or the value of "-E"`},
		{args: "pytest|--co", why: "--co"},
		{args: "pytest|--collect-only", why: "--collect-only"},
		{args: "pytest|--pdb", why: "--pdb"},
		{args: "pytest|--trace", why: "--trace"},
		{args: "pytest|-f", why: "-f"},
		{args: "pytest|-vf", why: "-f"},
		{args: "pytest|--looponfail", why: "--looponfail"},
		{args: "pytest|--fixtures", why: "--fixtures"},
		{args: "pytest|--setup-plan", why: "--setup-plan"},
	}
	for _, tc := range cases {
		c := Detect(strings.Split(tc.args, "|"))
		if c == nil {
			t.Fatalf("%q: not detected", tc.args)
		}
		cmds, why := c.Rerun(tests)
		switch {
		case tc.want == "":
			if cmds != nil || !strings.Contains(why, tc.why) {
				t.Errorf("%q: %q, %q; want to fall back because %q", tc.args, cmds, why, tc.why)
			}
		case why != "" || len(cmds) != 1:
			t.Errorf("%q: %q, %q", tc.args, cmds, why)
		case strings.Join(cmds[0], "|") != tc.want:
			t.Errorf("%q:\n got %q\nwant %q", tc.args, strings.Join(cmds[0], "|"), tc.want)
		}
	}
}

// ranLog reads and empties the log the suite's conftest.py writes: the
// node ids of the tests that ran, sorted.
func ranLog(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	os.Remove(path)
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

func sorted(list []string) []string {
	out := slices.Clone(list)
	sort.Strings(out)
	return out
}

// The suite of testdata/pytest on the real pytest: which tests each rerun
// runs, and what the parser reads of it.
func TestPytestReal(t *testing.T) {
	pytest, err := exec.LookPath("pytest")
	if err != nil {
		t.Skip("pytest is not on PATH (Debian: apt-get install python3-pytest)")
	}
	// python -m pytest with the interpreter pytest runs on: the python3
	// on PATH may be another one (pyenv's), without pytest.
	python := ""
	if data, err := os.ReadFile(pytest); err == nil {
		if first, _, _ := strings.Cut(string(data), "\n"); strings.HasPrefix(first, "#!/") && !strings.Contains(first, " ") {
			python = first[2:]
		}
	}
	isolate(t)
	tmp := t.TempDir()
	ranPath, mark := filepath.Join(tmp, "ran"), filepath.Join(tmp, "flaky-mark")
	env := []string{
		"PYTHONDONTWRITEBYTECODE=1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1", "PYTEST_ADDOPTS=",
		"COLUMNS=80", "RAN_LOG=" + ranPath, "FLAKY_MARK=" + mark,
	}
	suite := func(extra ...string) string {
		dir := t.TempDir()
		copyTree(t, filepath.Join("testdata", "pytest", "suite"), dir)
		copies := map[string]string{"dash.py.in": "-dash_test.py"}
		for _, e := range extra {
			copies[e+".py.in"] = "test_" + e + ".py"
		}
		for from, to := range copies {
			if err := os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)); err != nil {
				t.Fatal(err)
			}
		}
		ins, _ := filepath.Glob(filepath.Join(dir, "*.in"))
		for _, f := range ins {
			os.Remove(f)
		}
		os.Remove(mark)
		return dir
	}
	run := func(dir string, args []string, watch []Test, extra ...string) (Result, int) {
		c := Detect(args)
		if c == nil {
			t.Fatalf("%q: not detected", args)
		}
		p := c.Parser(watch)
		code, _ := runParsed(t, dir, append(env, extra...), args, p)
		r := p.Result()
		checkBounds(t, c, r, watch)
		return r, code
	}

	dir := suite()
	args := []string{pytest, "-p", "no:cacheprovider"}
	r, code := run(dir, args, nil)
	if code != 1 || !slices.Equal(ids(r.Failed), pytestSuiteFailed) || r.Broken != "" || r.Stopped != "" {
		t.Fatalf("pytest: exit %d, %+v; want 1, failed %q", code, r, pytestSuiteFailed)
	}
	if got := ranLog(t, ranPath); len(got) != 16 {
		t.Fatalf("the whole run ran %d tests, want 16: %q", len(got), got)
	}

	// The rerun runs exactly the failed tests: the flaky one passes.
	watch := r.Failed
	cmds, why := Detect(args).Rerun(watch)
	if why != "" {
		t.Fatal(why)
	}
	r, code = run(dir, cmds[0], watch)
	if got, want := ranLog(t, ranPath), sorted(pytestSuiteFailed); !slices.Equal(got, want) {
		t.Errorf("the rerun %q ran\n%q, want\n%q", cmds[0], got, want)
	}
	still := without(pytestSuiteFailed, "test_main.py::test_flaky")
	if code != 1 || !slices.Equal(sorted(ids(r.Failed)), sorted(still)) || !slices.Equal(ids(r.Passed), []string{"test_main.py::test_flaky"}) || len(r.NotRun) != 0 || r.Broken != "" {
		t.Errorf("the rerun: exit %d, %+v", code, r)
	}

	// A test that is gone: pytest runs nothing, and says which.
	watch = pys("test_main.py::test_bad", "test_main.py::test_gone")
	cmds, _ = Detect(args).Rerun(watch)
	r, code = run(dir, cmds[0], watch)
	if got := ranLog(t, ranPath); code != 4 || len(got) != 0 || !slices.Equal(ids(r.NotRun), ids(watch)) || r.Broken != "" {
		t.Errorf("a rerun of a test that is gone: exit %d, ran %q, %+v", code, got, r)
	}

	// A skipped test did not run.
	watch = pys("test_main.py::test_ok", "test_main.py::test_skippable")
	cmds, _ = Detect(args).Rerun(watch)
	r, code = run(dir, cmds[0], watch, "SKIP_BAD=1")
	if code != 0 || !slices.Equal(ids(r.Passed), []string{"test_main.py::test_ok"}) || !slices.Equal(ids(r.NotRun), []string{"test_main.py::test_skippable"}) {
		t.Errorf("a rerun with a skipped test: exit %d, %+v", code, r)
	}
	ranLog(t, ranPath)

	// python -m pytest -v, with a selection and -k kept: the rerun runs the
	// two tests asked for; the failures are read from the -v lines and the
	// summary.
	if python == "" {
		t.Fatalf("no interpreter in %s's first line", pytest)
	}
	args = []string{python, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_main.py", "-k", "param or TestC"}
	watch = pys(`test_main.py::test_param[\u7121]`, "test_main.py::test_param[ok] - [no]")
	cmds, _ = Detect(args).Rerun(watch)
	r, code = run(dir, cmds[0], watch)
	if got := ranLog(t, ranPath); !slices.Equal(got, sorted(ids(watch))) || code != 1 || !slices.Equal(ids(r.Failed), ids(watch)) {
		t.Errorf("the rerun %q: exit %d, ran %q, %+v", cmds[0], code, got, r)
	}

	// A collection error, a crash: the whole command reruns.
	dir = suite("broken")
	r, code = run(dir, []string{pytest, "-p", "no:cacheprovider"}, nil)
	if code != 2 || !strings.Contains(r.Broken, "test_broken.py") {
		t.Errorf("a collection error: exit %d, %+v", code, r)
	}
	dir = suite("crash")
	r, _ = run(dir, []string{pytest, "-p", "no:cacheprovider", "test_crash.py"}, nil)
	if !strings.Contains(r.Broken, "crashed") {
		t.Errorf("a crash: %+v", r)
	}
}

// FuzzPytestParser: whatever the output, the parser never panics, keeps
// its bounds, and a rerun never puts a test id where pytest would read
// an option.
func FuzzPytestParser(f *testing.F) {
	for _, name := range []string{"whole", "verbose", "rerun", "rerun-not-found", "collection-error", "crash", "internal-error"} {
		for _, ext := range []string{".stdout", ".stderr"} {
			if data, err := os.ReadFile(filepath.Join("testdata", "pytest", name+ext)); err == nil {
				f.Add(data, false)
			}
		}
	}
	f.Add([]byte("FAILED -x::t[ - ] - m\nERROR a::b[[ - \nPASSED t.py::test_a x\n[gw0] [ 10%] FAILED --help::x\nERROR: not found: /x/t.py::test_a\n1 failed in 0.1s"), true)
	f.Fuzz(func(t *testing.T, data []byte, watched bool) {
		c := Detect([]string{"pytest", "-q"})
		var watch []Test
		if watched {
			watch = pys("t.py::test_a", "t.py::test_b[1]")
		}
		p := c.Parser(watch)
		feedText(p, 1, data)
		feedText(p, 2, data)
		r := p.Result()
		checkBounds(t, c, r, watch)
		if len(r.Failed) == 0 {
			return
		}
		cmds, why := c.Rerun(r.Failed)
		if why != "" {
			return
		}
		own := cmds[0][c.From:]
		dashes := slices.Index(own, "--")
		if dashes < 0 || len(own)-dashes-1 > len(r.Failed) {
			t.Fatalf("rerun %q of %q", cmds[0], ids(r.Failed))
		}
	})
}

// Shapes the fixtures do not hold. pytest-xdist -v, as pytest's own
// testing/test_terminal.py (test_xdist_verbose) matches it: the id on a
// line of its own when the test starts, then "[gw0] [ 50%] STATUS id".
func TestPytestParserLines(t *testing.T) {
	long := "t.py::test_x[" + strings.Repeat("a", maxID) + "]"
	cases := []struct {
		name   string
		lines  string
		watch  []string
		failed []string
		count  int
		passed []string
		notRun []string
		broken string
		stop   string
	}{
		{
			name:   "xdist -v",
			lines:  "t.py::test_a \nt.py::test_b[1] \n[gw0] [ 50%] PASSED t.py::test_a \n[gw1] [100%] FAILED t.py::test_b[1] \n==== 1 failed, 1 passed in 0.5s ====",
			watch:  []string{"t.py::test_a", "t.py::test_b[1]"},
			failed: []string{"t.py::test_b[1]"}, count: 1, passed: []string{"t.py::test_a"},
		},
		{
			name:   "pytest.exit",
			lines:  "t.py .F\n!!!!!!!!!!!!! _pytest.outcomes.Exit: enough !!!!!!!!!!!!!\n=== short test summary info ===\nFAILED t.py::test_b - x\n==== 1 failed, 1 passed in 0.5s ====",
			failed: []string{"t.py::test_b"}, count: 1, stop: "pytest stopped early (_pytest.outcomes.Exit: enough)",
		},
		{
			name:   "pytest-timeout, thread method",
			lines:  "=== test session starts ===\ncollected 2 items\n\nt.py .\n+++++++++++++++++++ Timeout +++++++++++++++++++\n~~~ Stack of MainThread ~~~",
			broken: "pytest-timeout",
		},
		{
			// -qq prints no summary line: the short summary ends the run.
			name:   "-qq",
			lines:  ".F                                   [100%]\n=== short test summary info ===\nPASSED t.py::test_a\nFAILED t.py::test_b",
			watch:  []string{"t.py::test_a", "t.py::test_b", "t.py::test_c"},
			failed: []string{"t.py::test_b"}, count: 1, passed: []string{"t.py::test_a"}, notRun: []string{"t.py::test_c"},
		},
		{
			// Too long an id to rerun alone: counted, not named.
			name:   "long id",
			lines:  "FAILED " + long + " - x\nFAILED t.py::test_b\n==== 2 failed in 0.5s ====",
			failed: []string{"t.py::test_b"}, count: 2,
		},
		{
			// An XPASS line puts the reason after a space; the watched id
			// says where the id ends.
			name:   "xpass",
			lines:  "XPASS t.py::test_a[a b] the reason\nXFAIL t.py::test_c - reason\n==== 1 xpassed, 1 xfailed in 0.5s ====",
			watch:  []string{"t.py::test_a[a b]", "t.py::test_c"},
			passed: []string{"t.py::test_a[a b]", "t.py::test_c"},
		},
		{
			name:   "usage error",
			lines:  "ERROR: usage: pytest [options] [file_or_dir] [file_or_dir] [...]\npytest: error: unrecognized arguments: --bogus",
			broken: "pytest refused its arguments",
		},
		{
			name:  "a test id that is not a node id",
			lines: "FAILED -- - x\n==== 1 failed in 0.5s ====",
			count: 1,
		},
	}
	for _, tc := range cases {
		p := Detect([]string{"pytest"}).Parser(pys(tc.watch...))
		feedText(p, 1, []byte(tc.lines))
		r := p.Result()
		if !slices.Equal(ids(r.Failed), tc.failed) || r.FailedCount != tc.count || !slices.Equal(ids(r.Passed), tc.passed) || !slices.Equal(ids(r.NotRun), tc.notRun) {
			t.Errorf("%s: failed %q (count %d), passed %q, not run %q; want %q (%d), %q, %q", tc.name, ids(r.Failed), r.FailedCount, ids(r.Passed), ids(r.NotRun), tc.failed, tc.count, tc.passed, tc.notRun)
		}
		if tc.broken == "" && r.Broken != "" || !strings.Contains(r.Broken, tc.broken) {
			t.Errorf("%s: Broken %q, want %q", tc.name, r.Broken, tc.broken)
		}
		if tc.stop == "" && r.Stopped != "" || !strings.Contains(r.Stopped, tc.stop) {
			t.Errorf("%s: Stopped %q, want %q", tc.name, r.Stopped, tc.stop)
		}
	}
}
