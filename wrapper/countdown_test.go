package wrapper_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/wrapper"
)

// liveRun runs args with a live countdown on progress and a fake clock:
// every wait advances it at once, and is recorded.
func (h *harness) liveRun(live bool, delay time.Duration, args ...string) string {
	h.t.Helper()
	clock := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	_, err := wrapper.Run(wrapper.Options{
		Args:     args,
		Retry:    policy(2, delay, time.Minute, 2, false),
		Config:   defaultCatalog,
		Stdout:   h.stdout,
		Stderr:   h.stderr,
		Progress: &h.progress,
		Live:     live,
		Now:      func() time.Time { return clock },
		After: func(d time.Duration) <-chan time.Time {
			h.delays = append(h.delays, d)
			clock = clock.Add(d)
			c := make(chan time.Time, 1)
			c <- clock
			return c
		},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return h.progress.String()
}

// Waiting visibly: on a terminal, the wait before a retry counts down on
// one line, in place, once a second, then leaves the line a pipe would
// have had.
func TestCountdown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	out := h.liveRun(true, 2500*time.Millisecond, h.script(`[ $n -ge 2 ] || exit 7`)...)
	line := `maestro: attempt 1/2 failed (exit 7); retrying in `
	want := "\r\x1b[K" + line + "2.5s" +
		"\r\x1b[K" + line + "2s" +
		"\r\x1b[K" + line + "1s" +
		"\r\x1b[K" + line + "2.5s\n" +
		"maestro: passed on attempt 2/2 after 1 failed (flaky); "
	if !strings.HasPrefix(out, want) {
		t.Errorf("progress\n%q\nwant it to start\n%q", out, want)
	}
	// The waits add up to the delay, in steps that end on whole seconds left.
	if got, want := h.delays, []time.Duration{500 * time.Millisecond, time.Second, time.Second}; !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
}

// In a pipe, a log, --quiet or TERM=dumb (Live false), the line is written
// once, as it always was: no carriage return, no escape sequence.
func TestNoCountdownWhenNotLive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	out := h.liveRun(false, 2500*time.Millisecond, h.script(`[ $n -ge 2 ] || { echo "connection reset by peer" >&2; exit 7; }`)...)
	if want := "maestro: attempt 1/2 failed (exit 7, transient: \"connection reset by peer\"); retrying in 2.5s\nmaestro: passed"; !strings.HasPrefix(out, want) {
		t.Errorf("progress %q, want it to start %q", out, want)
	}
	if strings.ContainsAny(out, "\r\x1b") {
		t.Errorf("progress has a carriage return or an escape: %q", out)
	}
}

// A countdown line longer than the terminal is wide would wrap, and \r
// could not take it back: each frame is cut to fit (80 columns when the
// width is unknown), wide characters counted as two; the line that stays
// is whole. A test id pytest escaped (\u7121) is shown as it was printed,
// once, and a wide character as itself.
func TestCountdownFitsOneRow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	long := `FAILED t.py::test_x[\u7121] t.py::test_y[無] - ConnectionResetError: connection reset by peer ` + strings.Repeat("x", 60)
	out := h.liveRun(true, 3*time.Second, h.script(`[ $n -ge 2 ] || { echo '`+long+`' >&2; exit 7; }`)...)
	frames := strings.Split(out, "\r\x1b[K")[1:]
	if len(frames) != 4 {
		t.Fatalf("%d frames, want 4 (3s, 2s, 1s, the line that stays): %q", len(frames), out)
	}
	for _, f := range frames[:3] {
		cols := 0
		for _, r := range f {
			cols++
			if r >= 0x1100 {
				cols++
			}
		}
		if cols > 79 || !strings.Contains(f, "…\"); retrying in ") && !strings.Contains(f, "…; retrying in ") {
			t.Errorf("frame of %d columns, not cut to fit 79: %q", cols, f)
		}
		if !utf8.ValidString(f) {
			t.Errorf("frame cut in the middle of a character: %q", f)
		}
	}
	last, _, _ := strings.Cut(frames[3], "\n")
	if !strings.Contains(last, `test_x[\u7121] t.py::test_y[無]`) || !strings.HasSuffix(last, "; retrying in 3s") {
		t.Errorf("the line that stays is not the whole line: %q", last)
	}
}
