package catalog_test

import (
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/catalog"
)

func defaultConfig(t testing.TB) *catalog.Config {
	t.Helper()
	c, err := catalog.LoadDefault(defaultTOML(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClassifyRules(t *testing.T) {
	t.Parallel()
	c := defaultConfig(t)
	tests := []struct {
		name     string
		code     int
		timedOut bool
		output   []string
		want     string
		line     string // the line reported, "" to skip the check
	}{
		{"not found", 127, false, []string{"sh: 1: frobnicate: not found\n"}, "command_not_found", ""},
		{"not executable", 126, false, []string{"sh: 1: ./x.sh: Permission denied\n"}, "not_executable", ""},
		{"EX_TEMPFAIL", 75, false, nil, "transient", ""},
		{"timed out attempt", 124, true, []string{"SyntaxError: invalid syntax\n"}, "timeout", ""},
		{"nothing matches", 1, false, []string{"something went wrong\n"}, "unknown", ""},
		{"no output", 3, false, nil, "unknown", ""},
		{"syntax error", 1, false, []string{"  File \"x.py\", line 1\n    def (\n        ^\nSyntaxError: invalid syntax\n"}, "implementation_failure", "SyntaxError: invalid syntax"},
		// A network failure wins over what it caused: here a test module that
		// connects at import time, which pytest reports as a collection error.
		{"network beats collection error", 2, false, []string{"____ ERROR collecting test_db.py ____\ntest_db.py:3: in <module>\n    conn = connect()\nE   ConnectionRefusedError: [Errno 111] Connection refused\n!!!! Interrupted: 1 error during collection !!!!\n"}, "transient", "E   ConnectionRefusedError: [Errno 111] Connection refused"},
		// A program dying of a bug is an implementation failure, but the same
		// error inside a test run is that test failing.
		{"runtime error", 1, false, []string{"Traceback (most recent call last):\n  File \"app.py\", line 2\nNameError: name 'itemz' is not defined\n"}, "implementation_failure", ""},
		{"runtime error in a test", 1, false, []string{"ERROR: test_x (t.T)\nTraceback (most recent call last):\nNameError: name 'itemz' is not defined\n\nFAILED (errors=1)\n"}, "test_failure", ""},
		// A transient failure wins over the test failure it caused.
		{"network beats test failure", 1, false, []string{"--- FAIL: TestFetch (0.00s)\n    fetch_test.go:12: dial tcp 127.0.0.1:1: connect: connection refused\nFAIL\n"}, "transient", "fetch_test.go:12: dial tcp 127.0.0.1:1: connect: connection refused"},
		{"go test failure", 1, false, []string{"--- FAIL: TestAdd (0.00s)\n    add_test.go:9: got 3, want 4\nFAIL\nFAIL\texample.com/add\t0.002s\n"}, "test_failure", "--- FAIL: TestAdd (0.00s)"},
		// Bug: the rule was '^\s+\d+ failing$', which no line could match:
		// lines are matched with their leading spaces trimmed.
		{"mocha summary", 2, false, []string{"  1 passing (6ms)\n  2 failing\n"}, "test_failure", "2 failing"},
		// Colours and a pty's carriage returns do not hide a line.
		{"ansi and CR", 1, false, []string{"\x1b[31mSyntaxError\x1b[0m: invalid syntax\r\n"}, "implementation_failure", "SyntaxError: invalid syntax"},
		{"progress bar redraw", 1, false, []string{"downloading 10%\rdownloading 50%\rerror: Connection timed out\n"}, "transient", "error: Connection timed out"},
		{"HTTP 503", 22, false, []string{"curl: (22) The requested URL returned error: 503\n"}, "transient", ""},
		{"database locked", 1, false, []string{"sqlite3.OperationalError: database is locked\n"}, "transient", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out [][]byte
			for _, o := range tt.output {
				out = append(out, []byte(o))
			}
			got, err := c.Classify(catalog.Failure{ExitCode: tt.code, TimedOut: tt.timedOut, Output: out})
			if err != nil {
				t.Fatal(err)
			}
			if got.FailureType != tt.want {
				t.Errorf("classified %+v, want %s", got, tt.want)
			}
			if tt.line != "" && got.Line != tt.line {
				t.Errorf("line = %q, want %q", got.Line, tt.line)
			}
			if got.ExitCode != tt.code {
				t.Errorf("exit_code = %d, want %d", got.ExitCode, tt.code)
			}
			if got.Line != "" && got.Pattern == "" {
				t.Errorf("a line matched but no pattern is named: %+v", got)
			}
		})
	}
}

// Rules are tried in order and a user's come first, so a user can reclassify
// what the default gets wrong.
func TestUserRulesComeFirst(t *testing.T) {
	t.Parallel()
	c, err := load(t, "[failure_types.flaky_fixture]\ndescription = \"our fixture server is slow to start\"\ntransient = true\n\n[[rules]]\nfailure_type = \"flaky_fixture\"\nexit_codes = [1]\npatterns = ['(?i)fixture server not ready']\n")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Classify(catalog.Failure{ExitCode: 1, Output: [][]byte{[]byte("SyntaxError: no\nFixture server NOT READY\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if got.FailureType != "flaky_fixture" || !got.Transient || got.Pattern != "(?i)fixture server not ready" {
		t.Errorf("got %+v", got)
	}
	// The exit code is part of the rule: exit 2 falls through to the default.
	got, _ = c.Classify(catalog.Failure{ExitCode: 2, Output: [][]byte{[]byte("SyntaxError: no\nFixture server NOT READY\n")}})
	if got.FailureType != "implementation_failure" {
		t.Errorf("exit 2: got %+v", got)
	}
}

func TestClassifyClipsLongLines(t *testing.T) {
	t.Parallel()
	c := defaultConfig(t)
	long := "connection reset by peer " + strings.Repeat("é", 1000)
	got, _ := c.Classify(catalog.Failure{ExitCode: 1, Output: [][]byte{[]byte(long + "\n")}})
	if got.FailureType != "transient" || len(got.Line) > 320 || !strings.HasSuffix(got.Line, "…") {
		t.Errorf("got %q (%d bytes)", got.Line, len(got.Line))
	}
	if d := got.Describe(); len([]rune(d)) > 130 {
		t.Errorf("Describe() too long: %q", d)
	}
}
