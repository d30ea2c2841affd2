package hooks_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/maestro-recovery/maestro/hooks"
)

// Issue 8, point 10: the hook is maestro itself, run by the kernel from a
// "#!" line, unless a hook is kept beside it (which must still run when
// maestro is gone) or the path cannot be a "#!" line; either form names
// the program it runs, which install and doctor read back.
func TestHookForms(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("d", 130) + "/maestro"
	for _, c := range []struct {
		program string
		chained bool
		shebang bool
	}{
		{"/usr/local/bin/maestro", false, true},
		{"/usr/local/bin/maestro", true, false},
		{"/home/a user/bin/maestro", false, false},
		{"/home/it's/bin/maestro", true, false},
		{long, false, false},
	} {
		text := hooks.Hook("post-commit", c.program, c.chained)
		if got := strings.HasPrefix(text, "#!"+c.program+" hook\n"); got != c.shebang {
			t.Errorf("Hook(%q, chained %v) is a #! line to maestro: %v, want %v:\n%s", c.program, c.chained, got, c.shebang, text)
		}
		path := filepath.Join(t.TempDir(), "post-commit")
		if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
		v, program := hooks.InstalledVersion(path)
		if v != hooks.Version || (program != c.program && !strings.Contains(c.program, "'")) {
			t.Errorf("InstalledVersion of Hook(%q, chained %v) = %d, %q", c.program, c.chained, v, program)
		}
	}
}

// Installing over a hook of an earlier maestro, or of this one running
// maestro from elsewhere, replaces it and keeps the hook it chains;
// installing again changes nothing; uninstalling puts back the chained
// hook byte for byte.
func TestInstallUpdates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "post-commit")
	v1 := "#!/bin/sh\n# maestro-hook v1: installed by 'git maestro install'\nmaestro hook post-commit \"$@\" </dev/null\n"
	theirs := "#!/bin/sh\necho theirs\n"
	write(t, path, v1)
	write(t, path+hooks.ChainedSuffix, theirs)
	for _, program := range []string{"/old/maestro", "/new/maestro"} {
		done, err := hooks.Install(dir, program)
		if err != nil || !strings.HasPrefix(done[0], "post-commit: updated ") {
			t.Fatalf("Install(%s) = %q, %v", program, done, err)
		}
		if v, got := hooks.InstalledVersion(path); v != hooks.Version || got != program {
			t.Errorf("after Install(%s): version %d, program %q", program, v, got)
		}
	}
	if done, err := hooks.Install(dir, "/new/maestro"); err != nil || done[0] != "post-commit: already installed" {
		t.Errorf("Install again = %q, %v", done, err)
	}
	if _, err := hooks.Uninstall(dir); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != theirs {
		t.Errorf("after Uninstall: %q, %v; want the kept hook back", data, err)
	}
}

// A named pipe where a hook goes is not read (the read would wait for
// ever): it is someone else's.
func TestInstallNamedPipe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "post-commit")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	if hooks.Installed(path) {
		t.Error("a named pipe is maestro's hook")
	}
	done, err := hooks.Install(dir, "/usr/bin/maestro")
	if err != nil || !strings.HasPrefix(done[0], "post-commit: kept the hook that was there") {
		t.Errorf("Install = %q, %v", done, err)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}
