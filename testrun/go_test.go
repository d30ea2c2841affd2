package testrun

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const goSuite = "example.com/suite"

// gt is a test of the suite in testdata/go/suite.
func goT(pkg, id string) Test {
	if pkg != goCommandLine && pkg != "" {
		pkg = goSuite + "/" + pkg
	}
	return Test{ID: id, Runner: Go, Package: pkg}
}

func goCommand(t *testing.T, args ...string) *Command {
	t.Helper()
	c := Detect(args)
	if c == nil || c.Runner != Go {
		t.Fatalf("Detect(%q) = %v, want go", args, c)
	}
	return c
}

// The tests of a in the order go test printed their failures in
// verbose.txt (its parallel subtests end in any order).
var goFailedA = []Test{
	goT("a", "TestFlaky"), goT("a", "TestDeterministic"),
	goT("a", "TestTable/a_b[1]+(x)"), goT("a", "TestTable/dup#01"), goT("a", "TestTable/dup"),
	goT("a", `TestTable/\x01_z`), goT("a", "TestTable/{2}?"), goT("a", "TestTable/^$.*"),
	goT("a", `TestTable/back\slash|pipe`), goT("a", "TestTable/-dash"), goT("a", "TestTable/ü/ß"),
	goT("a", "TestParentOnly"),
}

func TestGoParserFixtures(t *testing.T) {
	failedB := goT("b", "TestDeep/x/y")
	failedP := goT("p", "TestPanic/sub")
	all := append(append(append([]Test(nil), goFailedA...), failedB), failedP)
	for _, tc := range []struct {
		fixture string
		args    []string
		watch   []Test
		failed  []Test // in any order
		broken  string // a part of Broken
		stopped bool
		passed  []Test
		notRun  []Test
	}{
		{fixture: "plain.txt", args: []string{"./a", "./b", "./d", "./p", "./tm", "./nt", "./s"}, failed: all,
			broken: "go test could not set up example.com/suite/s"},
		{fixture: "json.txt", args: []string{"-json", "./a", "./b", "./d", "./p", "./tm", "./nt", "./s"}, failed: all,
			broken: "go test could not set up example.com/suite/s"},
		{fixture: "verbose.txt", args: []string{"-v", "./a", "./b"}, failed: append(append([]Test(nil), goFailedA...), failedB)},
		{fixture: "rerun_a.txt", args: []string{"-v", "./a"}, watch: goFailedA,
			failed: goFailedA[1:], passed: goFailedA[:1]},
		{fixture: "rerun_b.txt", args: []string{"-v", "./b"}, watch: []Test{failedB}, failed: []Test{failedB}},
		{fixture: "rerun_json.txt", args: []string{"-json", "./a"}, watch: []Test{goT("a", "TestFlaky"), goT("a", "TestDeep/x/y")},
			passed: []Test{goT("a", "TestFlaky")}, notRun: []Test{goT("a", "TestDeep/x/y")}},
		{fixture: "notests.txt", args: []string{"-v", "./b"}, watch: []Test{goT("b", "TestMissing")}, notRun: []Test{goT("b", "TestMissing")}},
		{fixture: "failfast.txt", args: []string{"-failfast", "./a", "./b"}, failed: []Test{goT("a", "TestDeterministic"), failedB}, stopped: true},
		{fixture: "filemode.txt", args: []string{"b/b_test.go"}, failed: []Test{goT(goCommandLine, "TestDeep/x/y")}},
		{fixture: "panic_v.txt", args: []string{"-v", "./p"}, failed: []Test{failedP}, broken: "TestPanic/sub panicked in example.com/suite/p"},
		{fixture: "timeout.txt", args: []string{"-timeout", "1s", "./slow"},
			broken: "the tests of example.com/suite/slow timed out after 1s (in TestSlow)"},
		{fixture: "timeout_json.txt", args: []string{"-json", "-timeout", "1s", "./slow"},
			broken: "the tests of example.com/suite/slow timed out after 1s (in TestSlow)"},
		{fixture: "fatal.txt", args: []string{"./fatal"}, broken: "the tests of example.com/suite/fatal crashed (fatal error: stack overflow)"},
		{fixture: "killed.txt", args: []string{"-v", "./kill"}, broken: "the tests of example.com/suite/kill crashed (signal: killed, in TestKilled)"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "go", tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			c := goCommand(t, append([]string{"go", "test"}, tc.args...)...)
			p := c.Parser(tc.watch)
			feedText(p, 1, data)
			r := p.Result()
			checkBounds(t, c, r, tc.watch)
			if got, want := testNames(r.Failed), testNames(tc.failed); !sameStrings(got, want) {
				t.Errorf("failed:\n got %q\nwant %q", got, want)
			}
			if r.FailedCount != len(tc.failed) {
				t.Errorf("failed count %d, want %d", r.FailedCount, len(tc.failed))
			}
			if (tc.broken == "") != (r.Broken == "") || !strings.Contains(r.Broken, tc.broken) {
				t.Errorf("broken %q, want %q", r.Broken, tc.broken)
			}
			if (r.Stopped != "") != tc.stopped {
				t.Errorf("stopped %q, want %v", r.Stopped, tc.stopped)
			}
			if got, want := testNames(r.Passed), testNames(tc.passed); !sameStrings(got, want) {
				t.Errorf("passed %q, want %q", got, want)
			}
			if got, want := testNames(r.NotRun), testNames(tc.notRun); !sameStrings(got, want) {
				t.Errorf("not run %q, want %q", got, want)
			}
		})
	}
}

// The failures of plain output come in the order go test prints them, the
// subtests in place of their parents.
func TestGoParserOrder(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "go", "verbose.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p := goCommand(t, "go", "test", "-v", "./a", "./b").Parser(nil)
	feedText(p, 1, data)
	want := append(append([]Test(nil), goFailedA...), goT("b", "TestDeep/x/y"))
	if got := p.Result().Failed; !reflect.DeepEqual(got, want) {
		t.Errorf("failed:\n got %q\nwant %q", got, want)
	}
}

// A "--- FAIL:" line in a package that passed is a test's own output, and
// a package that failed with no failed test failed outside any test.
func TestGoParserEdges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		out    string
		failed []string
		count  int
		broken string
	}{
		{"fail line in a passing package", []string{"./..."}, "--- FAIL: TestPrinted (0.00s)\nok  \tex/a\t0.01s\n", nil, 0, ""},
		{"testmain", []string{"./..."}, "PASS\nFAIL\tex/tm\t0.01s\n", nil, 0, "ex/tm failed outside any test"},
		{"no summary", []string{"./..."}, "--- FAIL: TestCut (0.00s)\n", []string{"|TestCut"}, 1, ""},
		{"count=2", []string{"-count=2"}, "--- FAIL: TestX (0.00s)\n--- FAIL: TestX (0.00s)\nFAIL\tex/a\t0.01s\n", []string{"ex/a|TestX"}, 1, ""},
		{"parent after child (json)", []string{"-json"},
			`{"Action":"fail","Package":"ex/a","Test":"T/x/y"}` + "\n" + `{"Action":"fail","Package":"ex/a","Test":"T/x"}` + "\n" +
				`{"Action":"fail","Package":"ex/a","Test":"T"}` + "\n" + `{"Action":"fail","Package":"ex/a","Test":"T/z"}` + "\n" +
				`{"Action":"fail","Package":"ex/a"}` + "\n",
			[]string{"ex/a|T/x/y", "ex/a|T/z"}, 2, ""},
		{"json testmain", []string{"-json"}, `{"Action":"pass","Package":"ex/a","Test":"T"}` + "\n" + `{"Action":"fail","Package":"ex/a"}` + "\n", nil, 0, "ex/a failed outside any test"},
		// go test -json interleaves the events of packages run in parallel:
		// a's summary after b's events is a's, and b failed in a test (the
		// flaky TestGoReal that found it).
		{"json interleaved packages", []string{"-json"},
			`{"Action":"fail","Package":"ex/a","Test":"TA"}` + "\n" + `{"Action":"output","Package":"ex/a","Output":"FAIL\n"}` + "\n" +
				`{"Action":"fail","Package":"ex/b","Test":"TB"}` + "\n" + `{"Action":"output","Package":"ex/b","Output":"FAIL\n"}` + "\n" +
				`{"Action":"fail","Package":"ex/a"}` + "\n" + `{"Action":"fail","Package":"ex/b"}` + "\n",
			[]string{"ex/a|TA", "ex/b|TB"}, 2, ""},
		{"json interleaved crash without summary", []string{"-json"},
			`{"Action":"output","Package":"ex/a","Output":"panic: boom\n"}` + "\n" +
				`{"Action":"fail","Package":"ex/b","Test":"TB"}` + "\n" + `{"Action":"fail","Package":"ex/b"}` + "\n",
			[]string{"ex/b|TB"}, 1, "a panic stopped the tests of ex/a"},
		{"json cut line", []string{"-json"}, `{"Action":"fail","Package":"ex/a","Te`, nil, 0, ""},
		{"a name too long to select", []string{"./..."}, "--- FAIL: T/" + strings.Repeat("x", maxID) + " (0.00s)\n--- FAIL: T2 (0.00s)\nFAIL\tex/a\t0.1s\n", []string{"ex/a|T2"}, 2, ""},
		{"control characters", []string{"./..."}, "panic: \x1b]0;x\x07\n--- FAIL: T\x01 (0.00s)\nFAIL\tex/\x02\t0.1s\n", []string{"ex/\x02|T\x01"}, 1, "a panic stopped the tests of ex/?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := goCommand(t, append([]string{"go", "test"}, tc.args...)...)
			p := c.Parser(nil)
			feedText(p, 1, []byte(tc.out))
			r := p.Result()
			if got := testNames(r.Failed); !sameStrings(got, tc.failed) {
				t.Errorf("failed %q, want %q", got, tc.failed)
			}
			if r.FailedCount != tc.count {
				t.Errorf("failed count %d, want %d", r.FailedCount, tc.count)
			}
			if (tc.broken == "") != (r.Broken == "") || !strings.Contains(r.Broken, tc.broken) {
				t.Errorf("broken %q, want %q", r.Broken, tc.broken)
			}
		})
	}
}

func TestGoParserBounds(t *testing.T) {
	p := goCommand(t, "go", "test", "./...").Parser(nil)
	n := MaxKept + 50
	for i := 0; i < n; i++ {
		p.Line(1, []byte("--- FAIL: TestMany/"+strconv.Itoa(i)+" (0.00s)"))
	}
	p.Line(1, []byte("FAIL\tex/a\t0.1s"))
	r := p.Result()
	if len(r.Failed) != MaxKept || r.FailedCount != n {
		t.Errorf("kept %d, counted %d; want %d, %d", len(r.Failed), r.FailedCount, MaxKept, n)
	}
}

func TestGoRerun(t *testing.T) {
	a, b := goT("a", "TestFlaky"), goT("b", "TestDeep/x/y")
	odd := goT("a", "TestTable/a_b[1]+(x)")
	for _, tc := range []struct {
		name  string
		args  []string
		tests []Test
		want  [][]string
		why   string
	}{
		{"per package in order", []string{"go", "test", "./..."}, []Test{a, b, odd},
			[][]string{
				{"go", "test", `-run=^TestFlaky$|^TestTable$/^a_b\[1\]\+\(x\)$`, "-v", goSuite + "/a"},
				{"go", "test", "-run=^TestDeep$/^x$/^y$", "-v", goSuite + "/b"},
			}, ""},
		{"flags kept, -run and -v replaced, -C first", []string{"env", "X=1", "go", "test", "-C", "dir", "-count=1", "-run", "Old", "-v", "./a", "./b", "-timeout", "30s", "-test.run=Older", "-args", "-v", "x"}, []Test{a},
			[][]string{{"env", "X=1", "go", "test", "-C", "dir", "-run=^TestFlaky$", "-v", goSuite + "/a", "-count=1", "-timeout", "30s", "-args", "-v", "x"}}, ""},
		{"json", []string{"go", "test", "-json", "-v", "."}, []Test{a},
			[][]string{{"go", "test", "-run=^TestFlaky$", goSuite + "/a", "-json", "-v"}}, ""},
		{"file mode keeps the files", []string{"go", "test", "-v", "b/b_test.go", "b/b.go"}, []Test{goT(goCommandLine, "TestDeep/x/y")},
			[][]string{{"go", "test", "-run=^TestDeep$/^x$/^y$", "-v", "b/b_test.go", "b/b.go"}}, ""},
		{"package unknown keeps the packages", []string{"go", "test", "./..."}, []Test{{ID: "TestX", Runner: Go}},
			[][]string{{"go", "test", "-run=^TestX$", "-v", "./..."}}, ""},
		{"a flag go test does not know ends the packages", []string{"go", "test", "-update", "golden", "./x"}, []Test{a},
			[][]string{{"go", "test", "-run=^TestFlaky$", "-v", goSuite + "/a", "-update", "golden", "./x"}}, ""},
		{"words after the packages go to the test binary", []string{"go", "test", "./a", "-count", "1", "extra", "-run", "X"}, []Test{a},
			[][]string{{"go", "test", "-run=^TestFlaky$", "-v", goSuite + "/a", "-count", "1", "extra", "-run", "X"}}, ""},
		{"a name that looks like an option", []string{"go", "test"}, []Test{goT("a", "-x/--y")},
			[][]string{{"go", "test", "-run=^-x$/^--y$", "-v", goSuite + "/a"}}, ""},
		{"a package from the output that looks like an option", []string{"go", "test", "./..."}, []Test{{ID: "TestX", Runner: Go, Package: "-toolexec=/tmp/evil"}}, nil, "is not an import path"},
		{"bench", []string{"go", "test", "-bench", ".", "./..."}, []Test{a}, nil, "-bench is given"},
		{"fuzz", []string{"go", "test", "-test.fuzz=FuzzX", "."}, []Test{a}, nil, "-fuzz is given"},
		{"list", []string{"go", "test", "--list=.", "."}, []Test{a}, nil, "-list is given"},
		{"compile only", []string{"go", "test", "-c", "."}, []Test{a}, nil, "-c is given"},
		{"binary's own -test.run", []string{"go", "test", ".", "-args", "-test.run=X"}, []Test{a}, nil, "choose its tests"},
		{"value missing", []string{"go", "test", "-run"}, []Test{a}, nil, "has no value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := goCommand(t, tc.args...)
			got, why := c.Rerun(tc.tests)
			if !reflect.DeepEqual(got, tc.want) || !strings.Contains(why, tc.why) || (why == "") != (tc.why == "") {
				t.Errorf("Rerun = %q, %q\nwant %q, %q", got, why, tc.want, tc.why)
			}
		})
	}
}

// goEnv runs go test in its own module, HOME and GOPATH, with one build
// cache shared by the tests and runs so that a package compiles once.
func goEnv(t *testing.T) (dir string, env []string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	home := t.TempDir()
	dir = filepath.Join(home, "suite")
	copyTree(t, filepath.Join("testdata", "go", "suite"), dir)
	if testing.Short() {
		t.Skip("runs go test: not in -short mode")
	}
	// A build cache of its own would compile the standard library again
	// (a minute or two on 2 cores): take go's own, the one go test and go
	// vet filled just before with the packages a test binary needs. A
	// cache is no home: what is written there is keyed by content.
	cache := goBuildCache(t)
	env = []string{"HOME=" + home, "GOPATH=" + filepath.Join(home, "gopath"), "GOCACHE=" + cache,
		"GOFLAGS=-count=1", "GOTOOLCHAIN=local", "GOWORK=off", "MARK_DIR=" + home, "LC_ALL=C",
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache")}
	return dir, env
}

// goRan lists the tests go test started: "=== RUN" lines of -v, run
// events of -json.
func goRan(out string) []string {
	var ran []string
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(line, "=== RUN   "); ok {
			ran = append(ran, name)
		} else if strings.Contains(line, `"Action":"run"`) {
			_, rest, _ := strings.Cut(line, `"Test":"`)
			name, _, _ := strings.Cut(rest, `"`)
			ran = append(ran, strings.ReplaceAll(name, `\\`, `\`))
		}
	}
	sort.Strings(ran)
	return ran
}

// goAttempt runs an attempt as the wrapper does, its commands in order
// with one parser: a whole run (watch nil) or a rerun. When ran is not nil
// it checks which tests the attempt started.
func goAttempt(t *testing.T, dir string, env []string, c *Command, cmds [][]string, watch []Test, ran []string) Result {
	t.Helper()
	p := c.Parser(watch)
	var out string
	for _, args := range cmds {
		_, o := runParsed(t, dir, env, args, p)
		out += o
	}
	if ran != nil {
		sort.Strings(ran)
		if got := goRan(out); !sameStrings(got, ran) {
			t.Errorf("%q ran\n %q\nwant %q", cmds, got, ran)
		}
	}
	r := p.Result()
	checkBounds(t, c, r, watch)
	return r
}

// TestGoReal runs real go test: a whole run, then the reruns Rerun builds,
// checking exactly which tests each started and what the parser read. The
// reruns show that this go test splits -run at its top-level "|" into
// alternatives of whole paths (^TestA$/^x$|^TestB$/^y$ runs those two).
func TestGoReal(t *testing.T) {
	ranA := []string{"TestFlaky", "TestDeterministic", "TestTable", "TestTable/a_b[1]+(x)", "TestTable/ü/ß",
		"TestTable/-dash", `TestTable/back\slash|pipe`, "TestTable/^$.*", "TestTable/{2}?", `TestTable/\x01_z`, "TestTable/dup", "TestTable/dup#01",
		"TestParentOnly", "TestParentOnly/ok"}
	ranB := []string{"TestDeep", "TestDeep/x", "TestDeep/x/y"}
	for _, mode := range []string{"plain", "json"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dir, env := goEnv(t)
			args := []string{"go", "test", "./a", "./b"}
			if mode == "json" {
				args = []string{"go", "test", "-json", "./a", "./b"}
			}
			c := goCommand(t, args...)
			r := goAttempt(t, dir, env, c, [][]string{args}, nil, nil)
			want := append(append([]Test(nil), goFailedA...), goT("b", "TestDeep/x/y"))
			if got := testNames(r.Failed); !sameStrings(got, testNames(want)) || r.Broken != "" || r.Stopped != "" {
				t.Fatalf("first run: failed %q, broken %q, stopped %q; want %q", got, r.Broken, r.Stopped, testNames(want))
			}
			cmds, why := c.Rerun(r.Failed)
			if len(cmds) != 2 {
				t.Fatalf("Rerun = %q, %q; want a command per package", cmds, why)
			}
			rr := goAttempt(t, dir, env, c, cmds, r.Failed, append(append([]string(nil), ranA...), ranB...))
			if got := testNames(rr.Passed); !sameStrings(got, []string{goSuite + "/a|TestFlaky"}) {
				t.Errorf("passed on the rerun: %q, want the flaky test", got)
			}
			if got, want := testNames(rr.Failed), testNames(want[1:]); !sameStrings(got, want) || rr.Broken != "" || len(rr.NotRun) != 0 {
				t.Errorf("the rerun: failed %q, broken %q, not run %q; want failed %q", got, rr.Broken, testNames(rr.NotRun), want)
			}
		})
	}
	t.Run("file mode", func(t *testing.T) {
		t.Parallel()
		dir, env := goEnv(t)
		args := []string{"go", "test", "b/b_test.go"}
		c := goCommand(t, args...)
		r := goAttempt(t, dir, env, c, [][]string{args}, nil, nil)
		cmds, why := c.Rerun(r.Failed)
		if len(cmds) != 1 || why != "" {
			t.Fatalf("Rerun = %q, %q", cmds, why)
		}
		rr := goAttempt(t, dir, env, c, cmds, r.Failed, ranB)
		if got := testNames(rr.Failed); !sameStrings(got, []string{goCommandLine + "|TestDeep/x/y"}) || len(rr.NotRun) != 0 {
			t.Errorf("rerun failed %q, not run %q", got, testNames(rr.NotRun))
		}
	})
	t.Run("not run", func(t *testing.T) {
		t.Parallel()
		dir, env := goEnv(t)
		c := goCommand(t, "go", "test", "./b")
		missing := []Test{goT("b", "TestMissing"), goT("b", "TestDeep/x/nope")}
		cmds, _ := c.Rerun(missing)
		rr := goAttempt(t, dir, env, c, cmds, missing, []string{"TestDeep", "TestDeep/x"})
		if got := testNames(rr.NotRun); !sameStrings(got, testNames(missing)) || len(rr.Passed) != 0 {
			t.Errorf("not run %q, passed %q; want both not run", got, testNames(rr.Passed))
		}
	})
	for _, tc := range []struct {
		name          string
		args          []string
		broken        string
		stopped       bool
		failed        []string
		failedUnknown bool
	}{
		{name: "panic", args: []string{"./p"}, broken: "TestPanic/sub panicked in " + goSuite + "/p", failed: []string{goSuite + "/p|TestPanic/sub"}},
		{name: "build error", args: []string{"./d"}, broken: "a build failed in " + goSuite + "/d"},
		{name: "testmain", args: []string{"./tm"}, broken: goSuite + "/tm failed outside any test"},
		{name: "failfast", args: []string{"-failfast", "./a"}, stopped: true, failed: []string{goSuite + "/a|TestFlaky"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, env := goEnv(t)
			args := append([]string{"go", "test"}, tc.args...)
			r := goAttempt(t, dir, env, goCommand(t, args...), [][]string{args}, nil, nil)
			if !strings.Contains(r.Broken, tc.broken) || (r.Broken == "") != (tc.broken == "") || (r.Stopped != "") != tc.stopped {
				t.Errorf("broken %q, stopped %q; want %q, %v", r.Broken, r.Stopped, tc.broken, tc.stopped)
			}
			if got := testNames(r.Failed); !sameStrings(got, tc.failed) {
				t.Errorf("failed %q, want %q", got, tc.failed)
			}
		})
	}
}

func FuzzGoParser(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "go", "*.txt"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > 4<<10 {
			data = data[:4<<10]
		}
		f.Add(data, false)
		f.Add(data, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, json bool) {
		args := []string{"go", "test", "-failfast", "./..."}
		if json {
			args = []string{"go", "test", "-json", "./..."}
		}
		c := Detect(args)
		watch := []Test{goT("a", "TestFlaky"), goT("", "TestX/y"), goT("a", "-run")}
		p := c.Parser(watch)
		feedText(p, 1, data)
		feedText(p, 2, data)
		r := p.Result()
		checkBounds(t, c, r, watch)
		if strings.ContainsAny(r.Broken, "\n\r\x00") || len(r.Broken) > 300 {
			t.Fatalf("broken %q is not one short line", r.Broken)
		}
	})
}

var goCacheOnce = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "env", "GOCACHE").Output()
	return strings.TrimSpace(string(out)), err
})

func goBuildCache(t *testing.T) string {
	t.Helper()
	cache, err := goCacheOnce()
	if err != nil || cache == "" || cache == "off" {
		t.Skipf("go has no build cache (go env GOCACHE: %q, %v)", cache, err)
	}
	return cache
}
