package hooks_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/hooks"
	"github.com/maestro-recovery/maestro/internal/shelltest"
)

// Issue 14: the hook shim is POSIX sh (shellcheck -s sh finds nothing)
// whatever maestro's path, and under dash it runs maestro with the hook's
// path and arguments or, maestro gone, the hook kept beside it, with the
// stdin git gave (post-rewrite's list), and never fails the commit.
func TestShimPOSIX(t *testing.T) {
	t.Parallel()
	for _, program := range []string{"/usr/local/bin/maestro", "/home/it's a $(dir)/`bin`/maestro", "/x/\"y\"\\z/maestro"} {
		// SC2016: the $ of a path is quoted on purpose.
		shelltest.Check(t, "sh", hooks.Hook("post-commit", program, true), "SC2016")
	}
	for _, program := range []string{"relative/maestro", "/" + strings.Repeat("d", 130) + "/maestro"} {
		shelltest.Check(t, "sh", hooks.Hook("post-commit", program, false))
	}
}

func TestShimUnderDash(t *testing.T) {
	t.Parallel()
	dash := shelltest.Need(t, "dash")
	dir := t.TempDir()
	// Each fake writes its arguments, one a line, and its stdin beside it.
	fake := "#!/bin/sh\nprintf '%s\\n' \"$@\" >\"$0.args\"\ncat >\"$0.stdin\"\n"
	program := filepath.Join(dir, "it's a $(x)", "maestro")
	hook := filepath.Join(dir, "hooks", "post-rewrite")
	for _, d := range []string{filepath.Dir(program), filepath.Dir(hook)} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, program, fake)
	write(t, hook, hooks.Hook("post-rewrite", program, true))
	chained := hook + hooks.ChainedSuffix
	write(t, chained, fake)

	run := func() string {
		t.Helper()
		cmd := exec.Command(dash, hook, "amend", "b c")
		cmd.Stdin = strings.NewReader("old new\n")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err := cmd.Output(); err != nil || len(out) > 0 {
			t.Fatalf("dash %s: %v, stdout %q, stderr %q", hook, err, out, stderr.String())
		}
		return stderr.String()
	}
	read := func(path string) string {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	if stderr := run(); stderr != "" {
		t.Errorf("stderr %q", stderr)
	}
	if got, want := read(program+".args"), "hook\n"+hook+"\namend\nb c\n"; got != want {
		t.Errorf("maestro ran with %q, want %q", got, want)
	}
	if got := read(program + ".stdin"); got != "old new\n" {
		t.Errorf("maestro read %q on stdin", got)
	}

	// maestro gone: the kept hook runs, with git's arguments and stdin.
	if err := os.Remove(program); err != nil {
		t.Fatal(err)
	}
	if stderr := run(); !strings.Contains(stderr, "maestro: warning: no checkpoint of this commit") {
		t.Errorf("no warning: stderr %q", stderr)
	}
	if got, want := read(chained+".args"), "amend\nb c\n"; got != want {
		t.Errorf("the kept hook ran with %q, want %q", got, want)
	}
	if got := read(chained + ".stdin"); got != "old new\n" {
		t.Errorf("the kept hook read %q on stdin", got)
	}

	// Nothing to run: the commit still succeeds.
	if err := os.Remove(chained); err != nil {
		t.Fatal(err)
	}
	run()
}
