package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/wrapper"
)

// These tests run maestro-run on real test runners (go test; pytest when
// the machine has it) and check, from a log the tests themselves write,
// exactly which tests each attempt ran.

// ranLog reads the log the suites' tests append to: "ATTEMPT NAME" lines.
// It returns, per attempt, the sorted names.
func ranLog(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no test ran: %v", err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		n, name, _ := strings.Cut(line, " ")
		out[n] = append(out[n], name)
	}
	for _, names := range out {
		sort.Strings(names)
	}
	return out
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func testNames(list *[]wrapper.TestOutcome) []string {
	if list == nil {
		return nil
	}
	names := []string{}
	for _, o := range *list {
		names = append(names, o.Name())
	}
	sort.Strings(names)
	return names
}

const pytestConftest = `import os, pytest

@pytest.fixture(autouse=True)
def _log(request):
    with open(os.environ["RAN_LOG"], "a") as f:
        f.write(os.environ.get("MAESTRO_ATTEMPT", "?") + " " + request.node.nodeid + "\n")
`

const pytestSuite = `import os, pytest

def test_flaky():
    mark = os.path.join(os.environ["MARK_DIR"], "flaky")
    if not os.path.exists(mark):
        open(mark, "w").close()
        assert False, "fails on the first run only"

def test_always():
    assert 1 == 2

def test_ok():
    pass

@pytest.mark.parametrize("x", ["a b", "c - d", "[x]", "\u7121"])
def test_param(x):
    assert x != "c - d"

class TestC:
    def test_m(self):
        pass
`

func pytestEnv(t *testing.T) (dir string, env []string) {
	t.Helper()
	if _, err := exec.LookPath("pytest"); err != nil {
		t.Skip("pytest is not on PATH (Debian: python3-pytest)")
	}
	dir = t.TempDir()
	writeFiles(t, dir, map[string]string{"conftest.py": pytestConftest, "test_suite.py": pytestSuite})
	env = append(os.Environ(), "RAN_LOG="+filepath.Join(dir, "ran.log"), "MARK_DIR="+dir,
		"PYTHONDONTWRITEBYTECODE=1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1")
	return dir, env
}

// pytestPython is the interpreter pytest runs on (its #! line): the
// python3 first on PATH may be another, without pytest.
func pytestPython(t *testing.T) string {
	t.Helper()
	path, _ := exec.LookPath("pytest")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	if interp, ok := strings.CutPrefix(first, "#!"); ok && !strings.Contains(interp, " ") {
		return strings.TrimSpace(interp)
	}
	return "python3"
}

// The whole suite runs once; then only the two failed tests; then only
// the one that still fails. The flaky one is named flaky, the other
// failing, and maestro exits with pytest's code.
func TestRerunOnlyFailedPytest(t *testing.T) {
	t.Parallel()
	dir, env := pytestEnv(t)
	cmd := maestroRun(t, "--report", "r.json", "--", "pytest", "-q", "-p", "no:cacheprovider", ".")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d (%v), want 1\n%s", code, err, out)
	}
	all := []string{"test_suite.py::TestC::test_m", "test_suite.py::test_always", "test_suite.py::test_flaky", "test_suite.py::test_ok",
		"test_suite.py::test_param[[x]]", "test_suite.py::test_param[\\u7121]", "test_suite.py::test_param[a b]", "test_suite.py::test_param[c - d]"}
	want := map[string][]string{
		"1": all,
		"2": {"test_suite.py::test_always", "test_suite.py::test_flaky", "test_suite.py::test_param[c - d]"},
		"3": {"test_suite.py::test_always", "test_suite.py::test_param[c - d]"},
	}
	if got := ranLog(t, filepath.Join(dir, "ran.log")); !reflect.DeepEqual(got, want) {
		t.Errorf("tests run per attempt:\n%q\nwant\n%q\n%s", got, want, out)
	}
	rep := readReport(t, filepath.Join(dir, "r.json"))
	if rep.TestRunner != "pytest" || rep.Outcome != "failed" || rep.AttemptsMade != 3 {
		t.Errorf("report: runner %q, outcome %q, %d attempts", rep.TestRunner, rep.Outcome, rep.AttemptsMade)
	}
	if got := testNames(rep.FlakyTests); !reflect.DeepEqual(got, []string{"test_suite.py::test_flaky"}) {
		t.Errorf("flaky_tests %q", got)
	}
	if got := testNames(rep.FailedTests); !reflect.DeepEqual(got, want["3"]) {
		t.Errorf("failed_tests %q", got)
	}
	if !strings.Contains(string(out), "maestro: attempt 1/3 failed") || !strings.Contains(string(out), "rerunning only the 3 failed tests") {
		t.Errorf("progress lines:\n%s", out)
	}
}

// A suite whose only failure is flaky passes on the rerun of that test:
// exit 0, outcome flaky.
func TestRerunFlakyPytestPasses(t *testing.T) {
	t.Parallel()
	dir, env := pytestEnv(t)
	writeFiles(t, dir, map[string]string{"test_suite.py": strings.NewReplacer("assert 1 == 2", "pass", `assert x != "c - d"`, "pass").Replace(pytestSuite)})
	cmd := maestroRun(t, "--report", "r.json", "--", pytestPython(t), "-m", "pytest", "-q", "-p", "no:cacheprovider")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := ranLog(t, filepath.Join(dir, "ran.log"))["2"]; !reflect.DeepEqual(got, []string{"test_suite.py::test_flaky"}) {
		t.Errorf("attempt 2 ran %q", got)
	}
	rep := readReport(t, filepath.Join(dir, "r.json"))
	if rep.Outcome != "flaky" || rep.ExitCode != 0 || len(*rep.FailedTests) != 0 || len(*rep.FlakyTests) != 1 {
		t.Errorf("report: outcome %q, exit %d, failed %v, flaky %v", rep.Outcome, rep.ExitCode, *rep.FailedTests, *rep.FlakyTests)
	}
	if !strings.Contains(string(out), "(flaky: test_suite.py::test_flaky)") {
		t.Errorf("closing line does not name the flaky test:\n%s", out)
	}
}

// More failed tests than --rerun-max-failures: the whole suite runs again,
// and the progress line says why.
func TestRerunTooManyFailuresPytest(t *testing.T) {
	t.Parallel()
	dir, env := pytestEnv(t)
	cmd := maestroRun(t, "--report", "r.json", "--max-attempts", "2", "--base-delay", "1ms", "--rerun-max-failures", "2", "--on-failure", "none",
		"--", "pytest", "-q", "-p", "no:cacheprovider")
	cmd.Dir, cmd.Env = dir, env
	out, _ := cmd.CombinedOutput()
	ran := ranLog(t, filepath.Join(dir, "ran.log"))
	if len(ran["2"]) != len(ran["1"]) {
		t.Errorf("attempt 2 ran %d tests, attempt 1 %d: want the whole suite\n%s", len(ran["2"]), len(ran["1"]), out)
	}
	if !strings.Contains(string(out), "3 tests failed, more than --rerun-max-failures (2); retrying the whole command in") {
		t.Errorf("progress lines:\n%s", out)
	}
}

const goSuiteA = `package a

import (
	"os"
	"path/filepath"
	"testing"
)

func logRan(t *testing.T) {
	f, err := os.OpenFile(os.Getenv("RAN_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(os.Getenv("MAESTRO_ATTEMPT") + " a." + t.Name() + "\n")
}

func TestFlaky(t *testing.T) {
	logRan(t)
	mark := filepath.Join(os.Getenv("MARK_DIR"), "flaky")
	if _, err := os.Stat(mark); err != nil {
		os.WriteFile(mark, nil, 0o644)
		t.Fatal("fails on the first run only")
	}
}

func TestOK(t *testing.T) { logRan(t) }

func TestTable(t *testing.T) {
	logRan(t)
	for _, name := range []string{"a b[1]+(x)", "ü/ß", "plain"} {
		t.Run(name, func(t *testing.T) {
			logRan(t)
			if name != "plain" {
				t.Error("fails:", name)
			}
		})
	}
}

func TestPanicsOnce(t *testing.T) {
	logRan(t)
	if os.Getenv("PANIC") != "" && os.Getenv("MAESTRO_ATTEMPT") == "1" {
		panic("boom")
	}
}
`

const goSuiteB = `package b

import (
	"os"
	"testing"
)

func TestOther(t *testing.T) {
	f, _ := os.OpenFile(os.Getenv("RAN_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	f.WriteString(os.Getenv("MAESTRO_ATTEMPT") + " b." + t.Name() + "\n")
	f.Close()
	t.Error("fails every run")
}

// TestFlaky shares a's failing test's name and passes: a rerun of a's
// must not run it.
func TestFlaky(t *testing.T) {
	f, _ := os.OpenFile(os.Getenv("RAN_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	f.WriteString(os.Getenv("MAESTRO_ATTEMPT") + " b." + t.Name() + "\n")
	f.Close()
}
`

func goSuite(t *testing.T) (dir string, env []string) {
	t.Helper()
	if goCache == "" {
		t.Skip("go is not on PATH")
	}
	dir = t.TempDir()
	writeFiles(t, dir, map[string]string{"go.mod": "module example.com/s\n\ngo 1.21\n", "a/a_test.go": goSuiteA, "b/b_test.go": goSuiteB})
	env = append(os.Environ(), "RAN_LOG="+filepath.Join(dir, "ran.log"), "MARK_DIR="+dir, "GOCACHE="+goCache,
		"GOFLAGS=-count=1", "GOTOOLCHAIN=local", "GOWORK=off", "GOPATH="+filepath.Join(dir, ".gopath"))
	return dir, env
}

// go test reruns each package's failed tests in a go test of its own,
// subtests with spaces, brackets and unicode selected exactly, and the
// test of the same name in another package left alone.
func TestRerunOnlyFailedGo(t *testing.T) {
	t.Parallel()
	dir, env := goSuite(t)
	cmd := maestroRun(t, "--report", "r.json", "--", "go", "test", "./...")
	cmd.Dir, cmd.Env = dir, env
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	want := map[string][]string{
		"1": {"a.TestFlaky", "a.TestOK", "a.TestPanicsOnce", "a.TestTable", "a.TestTable/a_b[1]+(x)", "a.TestTable/plain", "a.TestTable/ü/ß", "b.TestFlaky", "b.TestOther"},
		"2": {"a.TestFlaky", "a.TestTable", "a.TestTable/a_b[1]+(x)", "a.TestTable/ü/ß", "b.TestOther"},
		"3": {"a.TestTable", "a.TestTable/a_b[1]+(x)", "a.TestTable/ü/ß", "b.TestOther"},
	}
	if got := ranLog(t, filepath.Join(dir, "ran.log")); !reflect.DeepEqual(got, want) {
		t.Errorf("tests run per attempt:\n%q\nwant\n%q\n%s", got, want, out)
	}
	rep := readReport(t, filepath.Join(dir, "r.json"))
	if got := testNames(rep.FlakyTests); !reflect.DeepEqual(got, []string{"example.com/s/a.TestFlaky"}) {
		t.Errorf("flaky_tests %q", got)
	}
	if got := testNames(rep.FailedTests); !reflect.DeepEqual(got, []string{"example.com/s/a.TestTable/a_b[1]+(x)", "example.com/s/a.TestTable/ü/ß", "example.com/s/b.TestOther"}) {
		t.Errorf("failed_tests %q", got)
	}
	if n := len(rep.Attempts[1].Commands); n != 2 {
		t.Errorf("attempt 2 ran %d commands, want one per package: %q", n, rep.Attempts[1].Commands)
	}
}

// A panic stops the package's test binary: the tests after it never ran,
// so the next attempt runs the whole command, and says why.
func TestRerunAfterPanicGo(t *testing.T) {
	t.Parallel()
	dir, env := goSuite(t)
	writeFiles(t, dir, map[string]string{"b/b_test.go": "package b\n"})
	cmd := maestroRun(t, "--report", "r.json", "--base-delay", "1ms", "--", "go", "test", "./a")
	cmd.Dir, cmd.Env = dir, append(env, "PANIC=1")
	out, _ := cmd.CombinedOutput()
	rep := readReport(t, filepath.Join(dir, "r.json"))
	if why := rep.Attempts[0].RerunWholeBecause; !strings.Contains(why, "panic") {
		t.Errorf("attempt 1: rerun_whole_because %q, want a panic\n%s", why, out)
	}
	if rep.Attempts[1].Commands != nil {
		t.Errorf("attempt 2 narrowed after a panic: %q", rep.Attempts[1].Commands)
	}
	if !strings.Contains(string(out), "retrying the whole command in") {
		t.Errorf("progress lines:\n%s", out)
	}
}
