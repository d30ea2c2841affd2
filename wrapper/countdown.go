package wrapper

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// waitToRetry says that attempt n failed and waits delay before the next
// one; it reports true when a signal came first. head is the line up to
// the delay: "attempt 1/3 failed (exit 1); retrying in ".
//
// On a terminal a person watches (Options.Live), the line counts down in
// place once a second, then is written once more as it is in a pipe, so
// the scrollback reads the same either way. Anywhere else it is written
// once, as it always was.
func (r *runner) waitToRetry(head string, delay time.Duration) bool {
	if r.opts.Progress == nil || !r.opts.Live {
		r.progress("%s%s", head, roundDelay(delay))
		return r.sleep(delay)
	}
	w := r.opts.Progress
	now := r.opts.Now
	if now == nil {
		now = time.Now
	}
	end := now().Add(delay)
	r.redraw(w, head, roundDelay(delay))
	defer fmt.Fprintf(w, "\r\x1b[K%s%s%s\n", "maestro: ", head, roundDelay(delay))
	for {
		left := end.Sub(now())
		if left <= 0 {
			return false
		}
		// Wake when the whole seconds shown change: "4s" until 3s are left.
		step := left - (ceilSeconds(left)-1)*time.Second
		if step <= 0 || step > left {
			step = left
		}
		if r.sleep(step) {
			return true
		}
		if left = end.Sub(now()); left > 0 {
			r.redraw(w, head, countdownText(left))
		}
	}
}

// redraw writes the countdown line over the one before it. It must fit on
// one row: a line the terminal wraps cannot be taken back with \r.
func (r *runner) redraw(w io.Writer, head, left string) {
	width := 80
	if f, ok := w.(*os.File); ok {
		if cols := termWidth(f); cols > 0 {
			width = cols
		}
	}
	tail := "; retrying in " + left
	// head ends with "; retrying in ": the tail says it again with the time.
	body := "maestro: " + strings.TrimSuffix(head, "; retrying in ")
	if room := width - 1 - columns(tail); columns(body) > room {
		body = cut(body, room-columns("…")) + "…"
	}
	fmt.Fprintf(w, "\r\x1b[K%s%s", r.paintVerdict(body), tail)
}

// paintVerdict colours the verdict word of a countdown line as the line
// that stays colours it.
func (r *runner) paintVerdict(line string) string {
	if !r.opts.Color {
		return line
	}
	return strings.Replace(line, " failed", " "+r.paint(yellow, "failed"), 1)
}

func ceilSeconds(d time.Duration) time.Duration {
	return (d + time.Second - 1) / time.Second
}

// countdownText is the time left in whole seconds, rounded up so that it
// never says 0s while waiting; under a second, as roundDelay says it.
func countdownText(left time.Duration) string {
	if left < time.Second {
		return roundDelay(left)
	}
	return (ceilSeconds(left) * time.Second).String()
}

// columns is how many columns s takes on a terminal, counting every rune
// past the Latin scripts as two: a wide character (無) takes two, and
// counting too many only shortens the line.
func columns(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x1100 {
			n++
		}
	}
	return n
}

// cut returns the longest start of s that takes at most n columns.
func cut(s string, n int) string {
	c := 0
	for i, r := range s {
		w := 1
		if r >= 0x1100 {
			w = 2
		}
		if c+w > n {
			return s[:i]
		}
		c += w
	}
	return s
}

// sleep waits d; it reports true when a signal that interrupts came first.
func (r *runner) sleep(d time.Duration) bool {
	var c <-chan time.Time
	if r.opts.After != nil {
		c = r.opts.After(d)
	} else {
		t := time.NewTimer(d)
		defer t.Stop()
		c = t.C
	}
	for {
		select {
		case <-c:
			return false
		case sig := <-r.signals.c:
			if sig == syscall.SIGWINCH {
				continue // the next redraw takes the new width
			}
			r.interrupted = sig
			return true
		}
	}
}
