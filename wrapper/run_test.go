package wrapper_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/proctest"
	"github.com/maestro-recovery/maestro/wrapper"
)

var defaultCatalog *catalog.Config

func init() {
	data, err := os.ReadFile("../recovery.toml")
	if err != nil {
		panic(err)
	}
	defaultCatalog, err = catalog.LoadDefault(data)
	if err != nil {
		panic(err)
	}
}

// harness runs the wrapper with real processes and a fake clock for the
// waits between attempts: the delays asked for are recorded, not slept.
type harness struct {
	t        *testing.T
	dir      string
	stdout   *os.File
	stderr   *os.File
	progress bytes.Buffer
	delays   []time.Duration
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir()}
	var err error
	if h.stdout, err = os.Create(filepath.Join(h.dir, "stdout")); err != nil {
		t.Fatal(err)
	}
	if h.stderr, err = os.Create(filepath.Join(h.dir, "stderr")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.stdout.Close(); h.stderr.Close() })
	return h
}

func (h *harness) run(r catalog.Retry, args ...string) (*wrapper.Report, error) {
	h.t.Helper()
	return wrapper.Run(wrapper.Options{
		Args:     args,
		Retry:    r,
		Config:   defaultCatalog,
		Stdin:    nil,
		Stdout:   h.stdout,
		Stderr:   h.stderr,
		Progress: &h.progress,
		After: func(d time.Duration) <-chan time.Time {
			h.delays = append(h.delays, d)
			c := make(chan time.Time, 1)
			c <- time.Now()
			return c
		},
	})
}

func (h *harness) read(name string) string {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.dir, name))
	if err != nil {
		h.t.Fatal(err)
	}
	return string(data)
}

// script is a shell command that counts its runs in the file "count" of the
// harness's directory; $n holds this run's number.
func (h *harness) script(body string) []string {
	return []string{"sh", "-c", `n=$(cat "$0/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$0/count"; ` + body, h.dir}
}

func TestRetryUntilSuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rep, err := h.run(policy(5, time.Second, time.Minute, 2, false), h.script(`echo "run $n"; [ $n -ge 3 ] || { echo "connection reset by peer" >&2; exit 7; }`)...)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Success || rep.Outcome != wrapper.OutcomeFlaky || rep.AttemptsMade != 3 || rep.ExitCode != 0 || rep.StopReason != wrapper.StopSucceeded {
		t.Errorf("report = %+v", rep)
	}
	if got, want := h.delays, []time.Duration{time.Second, 2 * time.Second}; !equalDurations(got, want) {
		t.Errorf("delays %v, want %v", got, want)
	}
	if got := h.read("stdout"); got != "run 1\nrun 2\nrun 3\n" {
		t.Errorf("stdout = %q: output of every attempt streams through", got)
	}
	a := rep.Attempts
	if a[0].ExitCode != 7 || a[0].Classification == nil || a[0].Classification.FailureType != "transient" || *a[0].DelayBeforeNextSeconds != 1 {
		t.Errorf("attempt 1 = %+v", a[0])
	}
	if a[2].Classification != nil || a[2].DelayBeforeNextSeconds != nil || a[2].ExitCode != 0 {
		t.Errorf("attempt 3 = %+v", a[2])
	}
	progress := h.progress.String()
	for _, want := range []string{
		`maestro: attempt 1/5 failed (exit 7, transient: "connection reset by peer"); retrying in 1s`,
		`maestro: attempt 2/5 failed (exit 7, transient: "connection reset by peer"); retrying in 2s`,
		`maestro: passed on attempt 3/5 after 2 failed (flaky)`,
	} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress lacks %q:\n%s", want, progress)
		}
	}
	if strings.Count(progress, "\n") != 3 {
		t.Errorf("want one line per failed attempt and one closing line:\n%s", progress)
	}
}

func TestFirstAttemptSucceedsQuietly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rep, err := h.run(catalog.DefaultRetry, "true")
	if err != nil || !rep.Success || rep.Outcome != wrapper.OutcomePassed || rep.AttemptsMade != 1 || rep.FinalError != nil {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	if h.progress.Len() != 0 {
		t.Errorf("a clean run printed %q", h.progress.String())
	}
}

func TestPermanentFailureStopsAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rep, err := h.run(policy(5, time.Second, time.Minute, 2, true), h.script(`printf '  File "app.py", line 1\n    def (\nSyntaxError: invalid syntax\n' >&2; exit 1`)...)
	if err != nil {
		t.Fatal(err)
	}
	if rep.AttemptsMade != 1 || rep.ExitCode != 1 || rep.StopReason != wrapper.StopNotRetryable || len(h.delays) != 0 {
		t.Fatalf("report %+v, delays %v", rep, h.delays)
	}
	c := rep.Classification
	if c.FailureType != "implementation_failure" || c.Retryable || c.Line != "SyntaxError: invalid syntax" {
		t.Errorf("classification %+v", c)
	}
	if !strings.Contains(h.progress.String(), "not retrying: implementation_failure is not worth retrying") {
		t.Errorf("progress: %s", h.progress.String())
	}
	if *rep.FinalError != "exit status 1" {
		t.Errorf("final_error %q", *rep.FinalError)
	}
}

func TestRetryOn(t *testing.T) {
	t.Parallel()
	transientOnly := policy(4, time.Millisecond, time.Second, 2, false)
	transientOnly.RetryOn, _ = catalog.ParseRetryOn("transient")
	codes := policy(4, time.Millisecond, time.Second, 2, false)
	codes.RetryOn, _ = catalog.ParseRetryOn("3,75")
	tests := []struct {
		name     string
		r        catalog.Retry
		body     string
		attempts int
		stop     string
	}{
		{"any retries an unknown failure", policy(4, time.Millisecond, time.Second, 2, false), "echo something broke; exit 1", 4, wrapper.StopExhausted},
		{"any retries a failing test", policy(4, time.Millisecond, time.Second, 2, false), "echo '--- FAIL: TestX (0.00s)'; exit 1", 4, wrapper.StopExhausted},
		{"transient skips an unknown failure", transientOnly, "echo something broke; exit 1", 1, wrapper.StopRetryOn},
		{"transient skips a failing test", transientOnly, "echo '--- FAIL: TestX (0.00s)'; exit 1", 1, wrapper.StopRetryOn},
		{"transient retries a refused connection", transientOnly, "echo 'dial tcp 127.0.0.1:5432: connect: connection refused' >&2; exit 1", 4, wrapper.StopExhausted},
		{"transient retries EX_TEMPFAIL", transientOnly, "exit 75", 4, wrapper.StopExhausted},
		{"codes retry a listed code", codes, "exit 3", 4, wrapper.StopExhausted},
		{"codes skip another code", codes, "echo 'connection refused'; exit 4", 1, wrapper.StopRetryOn},
		{"codes never retry a permanent type", codes, "echo 'SyntaxError: bad' >&2; exit 3", 1, wrapper.StopNotRetryable},
		{"127 is never retried", policy(4, time.Millisecond, time.Second, 2, false), "nonexistent-command-xyz", 1, wrapper.StopNotRetryable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			rep, err := h.run(tt.r, h.script(tt.body)...)
			if err != nil {
				t.Fatal(err)
			}
			if rep.AttemptsMade != tt.attempts || rep.StopReason != tt.stop {
				t.Errorf("%d attempts, stop %s; want %d, %s\n%s", rep.AttemptsMade, rep.StopReason, tt.attempts, tt.stop, h.progress.String())
			}
			if got := strings.TrimSpace(h.read("count")); got != itoa(tt.attempts) {
				t.Errorf("the command ran %s times", got)
			}
		})
	}
}

func TestExitCodeOfLastAttempt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rep, _ := h.run(policy(3, time.Millisecond, time.Second, 2, false), h.script(`exit $((40 + n))`)...)
	if rep.ExitCode != 43 || rep.Success || rep.Outcome != wrapper.OutcomeFailed || *rep.FinalError != "exit status 43" {
		t.Errorf("report %+v", rep)
	}
	if !strings.Contains(h.progress.String(), "maestro: failed after 3 attempts (exit 43, unknown)") {
		t.Errorf("closing line missing:\n%s", h.progress.String())
	}
}

func TestAttemptEnvironment(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.run(policy(3, time.Millisecond, time.Second, 2, false), h.script(`echo "$MAESTRO_ATTEMPT/$MAESTRO_MAX_ATTEMPTS"; exit 1`)...)
	if got := h.read("stdout"); got != "1/3\n2/3\n3/3\n" {
		t.Errorf("stdout = %q", got)
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noexec := filepath.Join(dir, "script.sh")
	os.WriteFile(noexec, []byte("#!/bin/sh\necho hi\n"), 0o644)
	badInterp := filepath.Join(dir, "bad.sh")
	os.WriteFile(badInterp, []byte("#!/nonexistent/interpreter\n"), 0o755)
	tests := []struct {
		cmd  string
		code int
	}{
		{"nonexistent-command-xyz", 127},
		{filepath.Join(dir, "missing"), 127},
		{badInterp, 127},
		{noexec, 126},
		{dir, 126},
	}
	for _, tt := range tests {
		h := newHarness(t)
		rep, err := h.run(policy(3, time.Millisecond, time.Second, 2, false), tt.cmd)
		var se *wrapper.StartError
		if !errors.As(err, &se) || se.Code != tt.code {
			t.Errorf("%s: err %v, want a StartError with code %d", tt.cmd, err, tt.code)
			continue
		}
		if rep.ExitCode != tt.code || rep.AttemptsMade != 1 || rep.StopReason != wrapper.StopStartFailed || rep.FinalError == nil {
			t.Errorf("%s: report %+v", tt.cmd, rep)
		}
		if len(se.Hints()) == 0 {
			t.Errorf("%s: no hint", tt.cmd)
		}
	}
}

func TestTotalTimeoutStopsBeforeTheNextWait(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := policy(5, time.Hour, time.Hour, 2, false)
	r.TotalTimeout = 30 * time.Minute
	rep, _ := h.run(r, "false")
	if rep.AttemptsMade != 1 || rep.StopReason != wrapper.StopTotalTimeout || len(h.delays) != 0 || rep.ExitCode != 1 {
		t.Errorf("report %+v, delays %v", rep, h.delays)
	}
}

// A command that ignores TERM is killed after the grace period, and so is
// what it started: nothing of the attempt outlives it.
func TestAttemptTimeoutKillsTheGroup(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := policy(2, time.Millisecond, time.Second, 2, false)
	r.AttemptTimeout, r.KillAfter = 200*time.Millisecond, 300*time.Millisecond
	pids := filepath.Join(h.dir, "pids")
	start := time.Now()
	rep, err := h.run(r, "sh", "-c", `trap "" TERM; sleep 60 & echo $! >> "$0"; sleep 60`, pids)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode != 124 || rep.AttemptsMade != 2 || !rep.Attempts[0].TimedOut || rep.Classification.FailureType != catalog.Timeout {
		t.Errorf("report %+v", rep)
	}
	// Two attempts of timeout + grace, far below the sleeps' minute.
	if elapsed > 20*time.Second {
		t.Errorf("took %v", elapsed)
	}
	for _, line := range strings.Fields(h.read("pids")) {
		if pid, _ := strconv.Atoi(line); !proctest.Gone(pid) {
			t.Errorf("grandchild %s outlived its attempt", line)
		}
	}
	if !strings.Contains(h.progress.String(), "attempt 1/2 failed (timed out); retrying") {
		t.Errorf("progress:\n%s", h.progress.String())
	}
}

// The classifier sees the end of a long output: the summary a tool prints
// last, after megabytes of log.
func TestClassifiesTheTailOfALongOutput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rep, _ := h.run(policy(1, time.Millisecond, time.Second, 2, false), "sh", "-c", `yes 'log line' | head -c 4999995; echo 'curl: (7) Failed to connect to db port 5432 after 0 ms: Couldn'"'"'t connect to server'; exit 7`)
	if c := rep.Classification; c == nil || c.FailureType != "transient" || !strings.HasPrefix(c.Line, "curl: (7)") {
		t.Errorf("classification %+v", c)
	}
	if st, _ := h.stdout.Stat(); st.Size() != 4999995+int64(len("curl: (7) Failed to connect to db port 5432 after 0 ms: Couldn't connect to server\n")) {
		t.Errorf("stdout has %d bytes", st.Size())
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int) string { return strconv.Itoa(n) }

// The report says how long each attempt ran (the benchmark caught it
// reporting 0 for every attempt).
func TestAttemptDuration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rep, _ := h.run(policy(2, time.Millisecond, time.Second, 2, false), "sh", "-c", "sleep 0.2; exit 1")
	for _, a := range rep.Attempts {
		if a.DurationSeconds < 0.2 || a.DurationSeconds > 10 {
			t.Errorf("attempt %d: duration_seconds %v for a 0.2 s attempt", a.Number, a.DurationSeconds)
		}
	}
}
