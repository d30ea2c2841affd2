package testrun

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func jt(file, id string) Test { return Test{ID: id, Runner: Jest, File: file} }
func vt(file, id string) Test { return Test{ID: id, Runner: Vitest, File: file} }

// jsCase is the suite of testdata/{jest,vitest}/suite, as a runner names it.
func jsTests(runner string) (mk func(file, id string) Test, sep string) {
	if runner == Jest {
		return jt, " › "
	}
	return vt, " > "
}

// jsCase is a fixture and what a parser must read of it.
type jsCase struct {
	fixture, args string
	watch         []Test
	failed        []Test
	passed        []Test
	notRun        []Test
	broken        string
	stopped       bool
}

// The fixtures are real output of jest 30.5.2 and vitest 3.2.7:
// testdata/jest/README.md, testdata/vitest/README.md.
func TestJSParserFixtures(t *testing.T) {
	for _, runner := range []string{Jest, Vitest} {
		mk, sep := jsTests(runner)
		flaky, nested, top := mk("math.test.js", "math"+sep+"flaky (once)"), mk("math.test.js", "math"+sep+"nested [deep] *"+sep+"fails $1.50 + (x)?"), mk("math.test.js", "top level fails")
		args := map[string]string{Jest: "npx jest", Vitest: "npx vitest run"}[runner]
		cases := []jsCase{
			{fixture: "all", args: args, failed: []Test{flaky, nested, top}, broken: "a test file failed to run: broken.test.js"},
			{fixture: "verbose", args: args + " math.test.js", failed: []Test{flaky, nested, top}},
			{fixture: "bail", args: args + " --bail 1", failed: []Test{nested, top}, stopped: true},
			{
				fixture: "rerun", args: args, watch: []Test{flaky, nested, mk("other.test.js", "adds"), mk("math.test.js", "gone")},
				failed: []Test{nested}, passed: []Test{flaky, mk("other.test.js", "adds")}, notRun: []Test{mk("math.test.js", "gone")},
			},
		}
		// A beforeAll that throws, and a test that logs "    ✓ fake".
		hook := jsCase{
			fixture: "hook", args: args, watch: []Test{mk("hook.test.js", "logs"), mk("hook.test.js", "fake")},
			passed: []Test{mk("hook.test.js", "logs")}, notRun: []Test{mk("hook.test.js", "fake")},
		}
		if runner == Jest {
			// On a terminal: " FAIL  ./math.test.js", fast tests without a time.
			cases = append(cases, jsCase{fixture: "color", args: args, watch: []Test{flaky, nested}, failed: []Test{nested, top}, passed: []Test{flaky}})
			hook.failed = []Test{jt("hook.test.js", "hooked › one"), jt("hook.test.js", "hooked › two")}
		} else {
			hook.broken = "a describe block failed to run: hook.test.js > hooked"
			cases[2].failed = []Test{nested} // vitest --bail 1 stops in the file
		}
		cases = append(cases, hook)
		for _, tc := range cases {
			for _, stdoutFirst := range []bool{true, false} {
				name := runner + " " + tc.fixture
				p := Detect(strings.Fields(tc.args)).Parser(tc.watch)
				feedFixture(t, p, runner, tc.fixture, stdoutFirst)
				r := p.Result()
				if got, want := testNames(r.Failed), testNames(tc.failed); !sameStrings(got, want) {
					t.Errorf("%s: failed %q, want %q", name, got, want)
				}
				if r.FailedCount != len(tc.failed) {
					t.Errorf("%s: FailedCount %d, want %d", name, r.FailedCount, len(tc.failed))
				}
				if got, want := testNames(r.Passed), testNames(tc.passed); !sameStrings(got, want) {
					t.Errorf("%s: passed %q, want %q", name, got, want)
				}
				if got, want := testNames(r.NotRun), testNames(tc.notRun); !sameStrings(got, want) {
					t.Errorf("%s: not run %q, want %q", name, got, want)
				}
				if r.Broken != tc.broken {
					t.Errorf("%s: Broken %q, want %q", name, r.Broken, tc.broken)
				}
				if (r.Stopped != "") != tc.stopped {
					t.Errorf("%s: Stopped %q, want stopped %v", name, r.Stopped, tc.stopped)
				}
			}
		}
	}
}

func TestJSRerun(t *testing.T) {
	checkReruns(t, []rerunCase{
		{"npx jest", []Test{jt("math.test.js", "math › nested [deep] * › fails $1.50 + (x)?"), jt("src/other.test.js", "adds")},
			`npx jest --verbose (?:^|/)math\.test\.js$ (?:^|/)src/other\.test\.js$ --testNamePattern ^(?:math nested \[deep\] \* fails \$1\.50 \+ \(x\)\?|adds)$`},
		{"jest --ci -c jest.config.js math -t adds --bail --testPathPatterns x -w 2", []Test{jt("math.test.js", "-adds")},
			`jest --ci -c jest.config.js -w 2 --verbose (?:^|/)math\.test\.js$ --testNamePattern ^(?:-adds)$`},
		{"jest --watch", []Test{jt("a.test.js", "x")}, "refused: --watch"},
		{"jest --findRelatedTests src/a.js", []Test{jt("a.test.js", "x")}, "refused: --findRelatedTests"},
		{"jest", []Test{{ID: "x", Runner: Jest}}, "refused: file is not known"},
		{"npx vitest run", []Test{vt("math.test.js", "math > nested [deep] * > fails $1.50 + (x)?"), vt("other.test.js", "adds"), vt("other.test.js", "adds")},
			`npx vitest run --reporter=verbose math.test.js other.test.js -t ^(?:math nested \[deep\] \* fails \$1\.50 \+ \(x\)\?|adds)$`},
		{"vitest run math --bail 1 -t adds --reporter junit --outputFile r.xml --coverage.provider v8", []Test{vt("math.test.js", "ünï ✓")},
			`vitest run --reporter junit --outputFile r.xml --coverage.provider v8 --reporter=verbose math.test.js -t ^(?:ünï ✓)$`},
		{"vitest run", []Test{vt("-x.test.js", "a")}, "refused: starts with -"},
		{"vitest run --changed", []Test{vt("a.test.js", "a")}, "refused: --changed"},
	})
}

// jsRan lists the tests a verbose jest or vitest run shows passing or
// failing, as "file|title".
func jsRan(runner, out string) []string {
	var names []string
	if runner == Jest {
		for _, m := range regexp.MustCompile(`(?m)^\s+[✓✕] (.+?) \(\d+ ms\)$`).FindAllStringSubmatch(out, -1) {
			names = append(names, m[1])
		}
	} else {
		for _, m := range regexp.MustCompile(`(?m)^ [✓×] (.+?)(?: \d+ms)?$`).FindAllStringSubmatch(out, -1) {
			names = append(names, m[1])
		}
	}
	sort.Strings(names)
	return names
}

// Real runs, when MAESTRO_TEST_JS_DIR names a folder where jest and
// vitest@3 were installed (npm install jest vitest@3): the suite of
// testdata/<runner>/suite, a flaky test, a deterministic failure in nested
// describe blocks, names with regular expression characters and unicode.
func TestJSReal(t *testing.T) {
	dir := os.Getenv("MAESTRO_TEST_JS_DIR")
	if dir == "" {
		t.Skip("MAESTRO_TEST_JS_DIR is not set (a folder with jest and vitest installed by npm)")
	}
	for _, runner := range []string{Jest, Vitest} {
		t.Run(runner, func(t *testing.T) {
			bin := filepath.Join(dir, "node_modules", ".bin", runner)
			if _, err := os.Stat(bin); err != nil {
				t.Skipf("%s is not installed in %s", runner, dir)
			}
			isolate(t)
			suite := t.TempDir()
			copyTree(t, filepath.Join("testdata", runner, "suite"), suite)
			os.Remove(filepath.Join(suite, "broken.test.js"))
			env := []string{"FLAKY_MARKER=" + filepath.Join(t.TempDir(), "marker"), "CI=true", "NO_COLOR=1"}
			args := []string{bin, "--ci"}
			if runner == Vitest {
				args = []string{bin, "run", "--globals"}
			}
			mk, sep := jsTests(runner)
			flaky, nested, top := mk("math.test.js", "math"+sep+"flaky (once)"), mk("math.test.js", "math"+sep+"nested [deep] *"+sep+"fails $1.50 + (x)?"), mk("math.test.js", "top level fails")

			c := Detect(args)
			p := c.Parser(nil)
			runParsed(t, suite, env, args, p)
			r := p.Result()
			if got, want := testNames(r.Failed), testNames([]Test{flaky, nested, top}); !sameStrings(got, want) || r.Broken != "" || r.Stopped != "" {
				t.Fatalf("the whole run: %+v, want failed %q", r, want)
			}

			watch := append(r.Failed, mk("other.test.js", "adds"), mk("math.test.js", "gone"))
			cmds, why := c.Rerun(watch)
			if why != "" {
				t.Fatal(why)
			}
			p = c.Parser(watch)
			code, out := runParsed(t, suite, env, cmds[0], p)
			r = p.Result()
			want := []string{"math.test.js > math > flaky (once)", "math.test.js > math > nested [deep] * > fails $1.50 + (x)?", "math.test.js > top level fails", "other.test.js > adds"}
			if runner == Jest {
				want = []string{"adds", "fails $1.50 + (x)?", "flaky (once)", "top level fails"}
			}
			if got := jsRan(runner, out); !sameStrings(got, want) {
				t.Errorf("the rerun %q ran %q, want %q", cmds[0], got, want)
			}
			if code == 0 || !sameStrings(testNames(r.Failed), testNames([]Test{nested, top})) ||
				!sameStrings(testNames(r.Passed), testNames([]Test{flaky, mk("other.test.js", "adds")})) ||
				!sameStrings(testNames(r.NotRun), testNames([]Test{mk("math.test.js", "gone")})) {
				t.Errorf("the rerun: exit %d, %+v", code, r)
			}

			// Fixed, the rerun of what still failed passes.
			watch = r.Failed
			cmds, _ = c.Rerun(watch)
			p = c.Parser(watch)
			code, _ = runParsed(t, suite, append(env, "FIXED=1"), cmds[0], p)
			if r := p.Result(); code != 0 || len(r.Failed) != 0 || len(r.Passed) != 2 || len(r.NotRun) != 0 {
				t.Errorf("the rerun of fixed tests: exit %d, %+v", code, r)
			}
		})
	}
}

// FuzzJestParser: whatever the output, the parser never panics and keeps
// its bounds.
func FuzzJestParser(f *testing.F) { fuzzJS(f, Jest, "npx jest") }

// FuzzVitestParser: the same for vitest.
func FuzzVitestParser(f *testing.F) { fuzzJS(f, Vitest, "npx vitest run") }

func fuzzJS(f *testing.F, runner, args string) {
	for _, name := range []string{"all", "verbose", "rerun"} {
		for _, ext := range []string{".stdout", ".stderr"} {
			if data, err := os.ReadFile(filepath.Join("testdata", runner, name+ext)); err == nil && len(data) > 0 {
				f.Add(data, true)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, watched bool) {
		c := Detect(strings.Fields(args))
		var watch []Test
		if watched {
			mk, sep := jsTests(runner)
			watch = []Test{mk("math.test.js", "math"+sep+"flaky (once)"), mk("other.test.js", "adds")}
		}
		p := c.Parser(watch)
		feedText(p, 2, data)
		checkBounds(t, c, p.Result(), watch)
	})
}
