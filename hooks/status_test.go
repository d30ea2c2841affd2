package hooks_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/maestro-recovery/maestro/hooks"
)

func states(t *testing.T, dir string) map[string]hooks.HookStatus {
	t.Helper()
	m := map[string]hooks.HookStatus{}
	for _, st := range hooks.Status(dir) {
		m[st.Name] = st
	}
	if len(m) != len(hooks.Names) {
		t.Fatalf("Status gave %d hooks, want one per name (%v)", len(m), hooks.Names)
	}
	return m
}

// Status reads what Install wrote as maestro's current hook, and tells
// apart what is not: missing, someone else's, an older maestro's, a kept
// hook that cannot run. For maestro doctor (issue 8, point 9).
func TestStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, st := range states(t, dir) {
		if st.State != hooks.Missing || st.Chained != "" {
			t.Errorf("%s in an empty folder: %+v", name, st)
		}
	}

	foreign := []byte("#!/bin/sh\necho theirs\n")
	if err := os.WriteFile(filepath.Join(dir, "post-commit"), foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	if st := states(t, dir)["post-commit"]; st.State != hooks.Foreign || !st.Executable {
		t.Errorf("a foreign hook: %+v", st)
	}
	program := "/usr/local/bin/maestro"
	if _, err := hooks.Install(dir, program); err != nil {
		t.Fatal(err)
	}
	for name, st := range states(t, dir) {
		if st.State != hooks.Current || st.Version != hooks.Version || st.Program != program || !st.Executable {
			t.Errorf("%s after install: %+v", name, st)
		}
	}
	pc := states(t, dir)["post-commit"]
	if pc.Chained != pc.Path+hooks.ChainedSuffix || !pc.ChainedExecutable {
		t.Errorf("the kept hook: %+v", pc)
	}
	if err := os.Chmod(pc.Chained, 0o644); err != nil {
		t.Fatal(err)
	}
	if st := states(t, dir)["post-commit"]; st.ChainedExecutable {
		t.Errorf("a kept hook without x: %+v", st)
	}

	v1 := "#!/bin/sh\n# maestro-hook v1: installed by 'git maestro install'\nmaestro hook post-rewrite \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "post-rewrite"), []byte(v1), 0o755); err != nil {
		t.Fatal(err)
	}
	if st := states(t, dir)["post-rewrite"]; st.State != hooks.Older || st.Version != 1 {
		t.Errorf("a v1 hook: %+v", st)
	}
}

// A named pipe planted as a hook is reported, not opened: opening it for
// reading would wait for a writer for ever.
func TestStatusNamedPipe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "post-commit"), 0o755); err != nil {
		t.Skip("no named pipes here:", err)
	}
	if st := states(t, dir)["post-commit"]; st.State != hooks.Foreign || st.Executable {
		t.Errorf("a named pipe: %+v", st)
	}
}
