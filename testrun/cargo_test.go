package testrun

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func lib(id string) Test { return Test{ID: id, Runner: Cargo, Package: "src/lib.rs"} }
func it(id string) Test  { return Test{ID: id, Runner: Cargo, Package: "tests/it.rs"} }

// The fixtures are real output of cargo 1.95, testdata/cargo/README.md.
func TestCargoParserFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		args    string
		watch   []Test
		failed  []Test
		count   int
		passed  []Test
		notRun  []Test
		broken  string // a part of Broken; "" for none
		stopped bool
	}{
		{fixture: "fail-fast", args: "cargo test", failed: []Test{lib("tests::broken"), lib("tests::flaky"), lib("tests::nested::deep_fails")}, count: 3, stopped: true},
		// cargo -q names no binary.
		{fixture: "quiet", args: "cargo test -q", failed: []Test{{ID: "tests::broken", Runner: Cargo}, {ID: "tests::flaky", Runner: Cargo}, {ID: "tests::nested::deep_fails", Runner: Cargo}}, count: 3, stopped: true},
		{fixture: "no-fail-fast", args: "cargo test --no-fail-fast", failed: []Test{lib("tests::broken"), lib("tests::nested::deep_fails"), it("integration_fails")}, count: 3},
		{fixture: "crash", args: "cargo test --no-fail-fast --test crash --test it", failed: []Test{it("integration_fails")}, count: 1, broken: "the test binary tests/crash.rs crashed (SIGABRT)"},
		{fixture: "nocapture", args: "cargo test --lib -- --nocapture --test-threads 4", failed: []Test{lib("tests::broken"), lib("tests::nested::deep_fails")}, count: 2, stopped: true},
		{fixture: "build-error", args: "cargo test", broken: "could not compile `demo` (lib)"},
		{
			fixture: "rerun", args: "cargo test --no-fail-fast -- --exact tests::flaky tests::nested::deep_fails integration_ok tests::gone",
			watch:  []Test{lib("tests::flaky"), lib("tests::nested::deep_fails"), it("integration_ok"), lib("tests::gone")},
			failed: []Test{lib("tests::nested::deep_fails")}, count: 1,
			passed: []Test{lib("tests::flaky"), it("integration_ok")},
			notRun: []Test{lib("tests::gone")},
		},
		{fixture: "doctest", args: "cargo test --doc", failed: []Test{{ID: "src/lib.rs - add (line 3)", Runner: Cargo, Package: "Doc-tests demo"}}, count: 1},
	}
	for _, tc := range cases {
		for _, stdoutFirst := range []bool{true, false} {
			c := Detect(strings.Fields(tc.args))
			p := c.Parser(tc.watch)
			feedFixture(t, p, "cargo", tc.fixture, stdoutFirst)
			r := p.Result()
			name := tc.fixture
			if !stdoutFirst {
				name += " (stderr first)"
			}
			if got, want := testNames(r.Failed), testNames(tc.failed); !sameStrings(got, want) {
				t.Errorf("%s: failed %q, want %q", name, got, want)
			}
			if r.FailedCount != tc.count {
				t.Errorf("%s: FailedCount %d, want %d", name, r.FailedCount, tc.count)
			}
			if got, want := testNames(r.Passed), testNames(tc.passed); !sameStrings(got, want) {
				t.Errorf("%s: passed %q, want %q", name, got, want)
			}
			if got, want := testNames(r.NotRun), testNames(tc.notRun); !sameStrings(got, want) {
				t.Errorf("%s: not run %q, want %q", name, got, want)
			}
			if tc.broken == "" && r.Broken != "" || !strings.Contains(r.Broken, tc.broken) {
				t.Errorf("%s: Broken %q, want %q", name, r.Broken, tc.broken)
			}
			if (r.Stopped != "") != tc.stopped {
				t.Errorf("%s: Stopped %q, want stopped %v", name, r.Stopped, tc.stopped)
			}
		}
	}
}

// With --nocapture a test's own output can cut libtest's line: the list of
// failures still names the test.
func TestCargoParserNoCapture(t *testing.T) {
	p := Detect([]string{"cargo", "test", "--", "--nocapture"}).Parser(nil)
	feedText(p, 1, []byte("running 2 tests\ntest tests::noisy ... printed by the test\nFAILED\ntest tests::quiet ... ok\n\nfailures:\n\n---- tests::noisy stdout ----\n\nfailures:\n    tests::noisy\n\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n"))
	r := p.Result()
	if got, want := testNames(r.Failed), []string{"|tests::noisy"}; !sameStrings(got, want) || r.FailedCount != 1 {
		t.Errorf("failed %q (%d), want %q", got, r.FailedCount, want)
	}
}

func TestCargoRerun(t *testing.T) {
	broken, nested := lib("tests::broken"), lib("tests::nested::deep_fails")
	checkReruns(t, []rerunCase{
		{"cargo test", []Test{broken, nested}, "cargo test --no-fail-fast -- --exact tests::broken tests::nested::deep_fails"},
		{"cargo test broken", []Test{broken}, "cargo test --no-fail-fast -- --exact tests::broken"},
		{"cargo test -p demo -q --features x,y -j 4 some_filter -- --nocapture --test-threads 2 other --format terse --exact", []Test{broken},
			"cargo test -p demo --features x,y -j 4 --no-fail-fast -- --nocapture --test-threads 2 --exact tests::broken"},
		{"cargo +nightly test --no-fail-fast --target-dir t --test it -- --skip slow", []Test{it("integration_fails")},
			"cargo +nightly test --no-fail-fast --target-dir t --test it -- --skip slow --exact integration_fails"},
		{"uv run env X=1 cargo test -pdemo -Zflag --color=always -- -q --format=json", []Test{broken, lib("tests::broken"), it("tests::broken")},
			"uv run env X=1 cargo test -pdemo -Zflag --color=always --no-fail-fast -- --exact tests::broken"},
		{"cargo test", []Test{lib("tests::größe"), lib("r#type::x")}, "cargo test --no-fail-fast -- --exact tests::größe r#type::x"},
		{"cargo test", []Test{lib("--exact")}, "refused: not a Rust test path"},
		{"cargo test", []Test{lib("-tests::x")}, "refused: not a Rust test path"},
		{"cargo test", []Test{lib("tests::x y")}, "refused: not a Rust test path"},
		{"cargo test", []Test{lib("tests::")}, "refused: not a Rust test path"},
		{"cargo test", []Test{lib("tests::1x")}, "refused: not a Rust test path"},
		{"cargo test", []Test{{ID: "src/lib.rs - add (line 3)", Runner: Cargo, Package: "Doc-tests demo"}}, "refused: doc-test"},
		{"cargo test -- --list", []Test{broken}, "refused: --list"},
	})
}

// cargoPath finds cargo: on PATH, else where rustup puts it.
func cargoPath(t *testing.T) string {
	if p, err := exec.LookPath("cargo"); err == nil {
		return p
	}
	home, _ := os.UserHomeDir()
	p := filepath.Join(home, ".cargo", "bin", "cargo")
	if _, err := os.Stat(p); err != nil {
		t.Skip("cargo is not installed (not on PATH, nor in ~/.cargo/bin)")
	}
	return p
}

// ranTests are the tests a libtest run names with a result.
func ranTests(out string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^test (\S+) \.\.\. (ok|FAILED)$`).FindAllStringSubmatch(out, -1) {
		names = append(names, m[1])
	}
	sort.Strings(names)
	return names
}

// A real crate (testdata/cargo/crate, std only), built once: a flaky test,
// deterministic failures in a module and an integration test, a crash.
func TestCargoReal(t *testing.T) {
	cargo := cargoPath(t)
	// The toolchain stays where it is; the rest goes to temporary folders.
	realHome, _ := os.UserHomeDir()
	toolchain := []string{
		"CARGO_HOME=" + envOr("CARGO_HOME", filepath.Join(realHome, ".cargo")),
		"RUSTUP_HOME=" + envOr("RUSTUP_HOME", filepath.Join(realHome, ".rustup")),
	}
	isolate(t)
	dir := t.TempDir()
	copyTree(t, filepath.Join("testdata", "cargo", "crate"), dir)
	marker := filepath.Join(t.TempDir(), "flaky-marker")
	env := append(toolchain, "CARGO_TARGET_DIR="+t.TempDir(), "RUST_BACKTRACE=0", "CARGO_TERM_COLOR=never")
	run := func(args []string, watch []Test, extra ...string) (Result, string, int) {
		c := Detect(args)
		p := c.Parser(watch)
		code, out := runParsed(t, dir, append(env, extra...), args, p)
		return p.Result(), out, code
	}

	// The default stops after the first failing binary (the flaky test
	// passes without $FLAKY_MARKER).
	r, _, code := run([]string{cargo, "test"}, nil)
	if code != 101 || r.Stopped == "" || r.Broken != "" {
		t.Fatalf("cargo test: exit %d, %+v; want 101, stopped", code, r)
	}
	if got, want := testNames(r.Failed), testNames([]Test{lib("tests::broken"), lib("tests::nested::deep_fails")}); !sameStrings(got, want) {
		t.Fatalf("cargo test: failed %q, want %q", got, want)
	}

	// The flaky test fails once, here.
	args := []string{cargo, "test", "--no-fail-fast"}
	flaky := "FLAKY_MARKER=" + marker
	r, _, _ = run(args, nil, flaky)
	want := []Test{lib("tests::broken"), lib("tests::flaky"), lib("tests::nested::deep_fails"), it("integration_fails")}
	if got := testNames(r.Failed); !sameStrings(got, testNames(want)) || r.Broken != "" || r.Stopped != "" {
		t.Fatalf("cargo test --no-fail-fast: %+v, want failed %q", r, testNames(want))
	}

	// The rerun runs exactly the failed tests: tests::flaky passes (it is
	// flaky), the others fail again, tests::gone never ran.
	watch := append(r.Failed, lib("tests::gone"))
	cmds, why := Detect(args).Rerun(watch)
	if why != "" {
		t.Fatal(why)
	}
	want = []Test{lib("tests::broken"), lib("tests::nested::deep_fails"), it("integration_fails")}
	r, out, code := run(cmds[0], watch, flaky)
	if got, want := ranTests(out), []string{"integration_fails", "tests::broken", "tests::flaky", "tests::nested::deep_fails"}; !sameStrings(got, want) {
		t.Errorf("the rerun ran %q, want %q", got, want)
	}
	if code != 101 || !sameStrings(testNames(r.Failed), testNames(want)) || !sameStrings(testNames(r.Passed), testNames([]Test{lib("tests::flaky")})) || !sameStrings(testNames(r.NotRun), testNames([]Test{lib("tests::gone")})) {
		t.Errorf("the rerun: exit %d, %+v", code, r)
	}

	// Once fixed, a rerun of a module's test and an integration test passes.
	watch = []Test{lib("tests::nested::deep_fails"), it("integration_fails")}
	cmds, _ = Detect([]string{cargo, "test", "--test", "it", "--lib", "--", "--test-threads", "1"}).Rerun(watch)
	r, out, code = run(cmds[0], watch, "DEEP_PASSES=1", "INTEGRATION_PASSES=1")
	if got, want := ranTests(out), []string{"integration_fails", "tests::nested::deep_fails"}; !sameStrings(got, want) {
		t.Errorf("the rerun %q ran %q, want %q", cmds[0], got, want)
	}
	if code != 0 || len(r.Failed) != 0 || len(r.Passed) != 2 || len(r.NotRun) != 0 {
		t.Errorf("the rerun of fixed tests: exit %d, %+v", code, r)
	}

	// A test that aborts takes its binary down: the whole command reruns.
	r, _, _ = run([]string{cargo, "test", "--no-fail-fast", "--test", "crash"}, nil, "CRASH=1")
	if !strings.Contains(r.Broken, "tests/crash.rs crashed (SIGABRT)") {
		t.Errorf("a crash: Broken %q", r.Broken)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// FuzzCargoParser: whatever the output, the parser never panics and keeps
// its bounds.
func FuzzCargoParser(f *testing.F) {
	for _, name := range []string{"fail-fast", "crash", "rerun", "build-error", "doctest"} {
		for _, ext := range []string{".stdout", ".stderr"} {
			if data, err := os.ReadFile(filepath.Join("testdata", "cargo", name+ext)); err == nil {
				f.Add(data, false)
			}
		}
	}
	f.Add([]byte("running 1 test\ntest -x ... FAILED\ntest result: FAILED. 0 passed; 99999999999 failed;"), true)
	f.Fuzz(func(t *testing.T, data []byte, watched bool) {
		for _, args := range []string{"cargo test"} {
			c := Detect(strings.Fields(args))
			var watch []Test
			if watched {
				watch = []Test{lib("tests::broken"), {ID: "demo tests::broken", Runner: Nextest}}
			}
			p := c.Parser(watch)
			feedText(p, 1, data)
			feedText(p, 2, data)
			checkBounds(t, c, p.Result(), watch)
		}
	})
}
