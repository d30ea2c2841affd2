package main

import (
	"regexp"
	"strings"
	"testing"
)

// Waiting visibly (issue 8): on a terminal, the wait between attempts
// counts down on one line, in place; in a pipe, with --quiet or TERM=dumb
// the progress lines stay as they were.

// flakyOnce fails its first attempt (exit 7, no output) and passes the
// second, after delay.
func flakyOnce(delay string, flags ...string) []string {
	return append(append([]string{"--max-attempts", "2", "--base-delay", delay, "--no-jitter"}, flags...),
		"--", "sh", "-c", `[ "$MAESTRO_ATTEMPT" = 2 ] || exit 7`)
}

var colour = regexp.MustCompile("\x1b\\[[0-9;]*m")

// scrollback is what stays on the screen of a terminal that received out:
// each line as its last redraw (\r and erase-line) left it, colours removed.
func scrollback(out string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if i := strings.LastIndex(l, "\r\x1b[K"); i >= 0 {
			l = l[i+len("\r\x1b[K"):]
		}
		lines = append(lines, colour.ReplaceAllString(l, ""))
	}
	return lines
}

func TestCountdownOnTerminal(t *testing.T) {
	t.Parallel()
	out, code := inTerminal(t, []string{"TERM=xterm"}, flakyOnce("1.5s")...)
	if code != 0 {
		t.Fatalf("exit %d:\n%q", code, out)
	}
	line := "maestro: attempt 1/2 \x1b[33mfailed\x1b[0m (exit 7); retrying in "
	want := "\r\x1b[K" + line + "1.5s" + "\r\x1b[K" + line + "1s" + "\r\x1b[K" + line + "1.5s\r\n"
	if !strings.Contains(out, want) {
		t.Errorf("the terminal received\n%q\nwant in it\n%q", out, want)
	}
	// What stays reads as the pipe's lines do.
	got := scrollback(out)
	if len(got) != 2 || got[0] != "maestro: attempt 1/2 failed (exit 7); retrying in 1.5s" ||
		!strings.HasPrefix(got[1], "maestro: passed on attempt 2/2 after 1 failed (flaky); ") {
		t.Errorf("scrollback %q", got)
	}
}

func TestNoCountdown(t *testing.T) {
	t.Parallel()
	// In a pipe: the line as it always was, once.
	cmd := maestroRun(t, flakyOnce("10ms")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stderr.String(), "maestro: attempt 1/2 failed (exit 7); retrying in 10ms\nmaestro: passed on attempt 2/2") {
		t.Errorf("in a pipe: %q", stderr.String())
	}
	// On a terminal with TERM=dumb: plain lines, no redraw; with --quiet: nothing.
	out, _ := inTerminal(t, []string{"TERM=dumb"}, flakyOnce("10ms")...)
	if !strings.Contains(out, "maestro: attempt 1/2 failed (exit 7); retrying in 10ms\r\n") || strings.Contains(out, "\x1b") {
		t.Errorf("TERM=dumb: %q", out)
	}
	out, _ = inTerminal(t, []string{"TERM=xterm"}, flakyOnce("10ms", "--quiet")...)
	if strings.Contains(out, "maestro") || strings.Contains(out, "\x1b[K") {
		t.Errorf("--quiet: %q", out)
	}
}
