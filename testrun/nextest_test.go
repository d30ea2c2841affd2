package testrun

import (
	"os"
	"path/filepath"
	"testing"
)

func nx(bin, id string) Test { return Test{ID: id, Runner: Nextest, Package: bin} }

// The fixtures follow nextest's documentation: testdata/nextest/README.md.
func TestNextestParserFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		watch   []Test
		failed  []Test
		count   int
		passed  []Test
		notRun  []Test
		broken  string
		stopped bool
	}{
		{fixture: "fail-fast", failed: []Test{nx("demo", "tests::broken")}, count: 1, stopped: true},
		{fixture: "no-fail-fast", failed: []Test{nx("demo", "tests::broken"), nx("demo::crash", "crashes"), nx("demo::it", "slow"), nx("demo::bin/demo-cli", "tests::cli_fails")}, count: 4},
		{
			fixture: "rerun", watch: []Test{nx("demo", "tests::flaky"), nx("demo", "tests::broken"), nx("demo::it", "gone")},
			failed: []Test{nx("demo", "tests::broken")}, count: 1, passed: []Test{nx("demo", "tests::flaky")}, notRun: []Test{nx("demo::it", "gone")},
		},
		{fixture: "build-error", broken: "could not compile `demo` (lib test)"},
	}
	for _, tc := range cases {
		c := Detect([]string{"cargo", "nextest", "run"})
		p := c.Parser(tc.watch)
		feedFixture(t, p, "nextest", tc.fixture, true)
		r := p.Result()
		if got, want := testNames(r.Failed), testNames(tc.failed); !sameStrings(got, want) {
			t.Errorf("%s: failed %q, want %q", tc.fixture, got, want)
		}
		if r.FailedCount != tc.count {
			t.Errorf("%s: FailedCount %d, want %d", tc.fixture, r.FailedCount, tc.count)
		}
		if got, want := testNames(r.Passed), testNames(tc.passed); !sameStrings(got, want) {
			t.Errorf("%s: passed %q, want %q", tc.fixture, got, want)
		}
		if got, want := testNames(r.NotRun), testNames(tc.notRun); !sameStrings(got, want) {
			t.Errorf("%s: not run %q, want %q", tc.fixture, got, want)
		}
		if r.Broken != tc.broken {
			t.Errorf("%s: Broken %q, want %q", tc.fixture, r.Broken, tc.broken)
		}
		if (r.Stopped != "") != tc.stopped {
			t.Errorf("%s: Stopped %q, want stopped %v", tc.fixture, r.Stopped, tc.stopped)
		}
	}
}

func TestNextestRerun(t *testing.T) {
	checkReruns(t, []rerunCase{
		{"cargo nextest run", []Test{nx("demo", "tests::broken"), nx("demo::bin/demo-cli", "tests::cli_fails")},
			"cargo nextest run --no-fail-fast --status-level pass -E (binary_id(=demo) & test(=tests::broken)) | (binary_id(=demo::bin\\/demo-cli) & test(=tests::cli_fails))"},
		{"cargo nextest run -p demo --retries 2 -E test(slow) broken --status-level none --max-fail 3 -- --ignored filter", []Test{nx("demo", "tests::broken")},
			"cargo nextest run -p demo --retries 2 --no-fail-fast --status-level pass -E (binary_id(=demo) & test(=tests::broken)) -- --ignored"},
		{"cargo nextest run", []Test{{ID: "tests::x", Runner: Nextest}}, "cargo nextest run --no-fail-fast --status-level pass -E test(=tests::x)"},
		{"cargo nextest run", []Test{nx("demo", "-E")}, "refused: not a Rust test path"},
		{"cargo nextest run", []Test{nx("demo", "a) | all() | test(b")}, "refused: not a Rust test path"},
		{"cargo nextest run --stress-count 10", []Test{nx("demo", "x")}, "refused: stress"},
	})
	if got, want := filtersetString(`a,b)c/d\e`), `a\,b\)c\/d\\e`; got != want {
		t.Errorf("filtersetString: %s, want %s", got, want)
	}
}

// FuzzNextestParser: whatever the output, the parser never panics and
// keeps its bounds.
func FuzzNextestParser(f *testing.F) {
	for _, name := range []string{"fail-fast", "no-fail-fast", "rerun"} {
		if data, err := os.ReadFile(filepath.Join("testdata", "nextest", name+".stderr")); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Detect([]string{"cargo", "nextest", "run"})
		watch := []Test{nx("demo", "tests::flaky"), nx("demo", "tests::broken")}
		p := c.Parser(watch)
		feedText(p, 2, data)
		checkBounds(t, c, p.Result(), watch)
	})
}
