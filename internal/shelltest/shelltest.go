// Package shelltest checks the shell text maestro ships or writes
// (install.sh, the git hook shim, the command lines agents run, the
// completion scripts) with shellcheck, and runs it under dash, the
// strictest POSIX shell at hand: the text must work with macOS's bash 3.2
// and the BSDs' sh as well as with Linux's.
package shelltest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Need returns the path of program, or skips the test without it: unless
// MAESTRO_REQUIRE_SHELLS=1 (set by .ci/run when it installed shellcheck
// and dash), where a missing one is a failure, not a silent skip.
func Need(t testing.TB, program string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err == nil {
		return p
	}
	msg := program + " is not on PATH (Debian: apt-get install shellcheck dash)"
	if os.Getenv("MAESTRO_REQUIRE_SHELLS") == "1" {
		t.Fatal(msg + "; MAESTRO_REQUIRE_SHELLS=1 forbids skipping")
	}
	t.Skip(msg)
	return ""
}

// Check runs shellcheck on script as a script for shell ("sh" or "bash"),
// and fails the test with what it finds, but for the codes in exclude
// (e.g. SC2016, "$ in single quotes", for a path quoted on purpose). No
// shellcheckrc is read.
func Check(t testing.TB, shell, script string, exclude ...string) {
	t.Helper()
	args := []string{"--norc", "-s", shell}
	if len(exclude) > 0 {
		args = append(args, "-e", strings.Join(exclude, ","))
	}
	cmd := exec.Command(Need(t, "shellcheck"), append(args, "-")...)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("shellcheck -s %s: %v\n%s\nthe script:\n%s", shell, err, out, script)
	}
}
