package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Issue 15: maestro's own packages compute nothing before main. Every
// command, git hook and agent hook starts this binary, and Go initialises
// each linked package first: a package-level map literal, compiled regular
// expression or sync.OnceValue of maestro's costs every start. They are
// internal/lazy values instead. GODEBUG=inittrace=1 names each package
// whose initialisation runs code, with what it allocates.
func TestNoInitWork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds maestro")
	}
	t.Parallel()
	// Under -race the scripts' plain build serves (the detector's runtime
	// would add its own initialisation); otherwise one is made.
	bin := filepath.Join(plainBin, "maestro")
	if plainBin == "" {
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		bin = filepath.Join(t.TempDir(), "maestro")
		if out, err := exec.Command(gobin, "build", "-buildvcs=false", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("maestro version: %v\n%s", err, out)
	}
	seen := 0
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(line, "init ") {
			continue
		}
		seen++
		// init PKG @T ms, C ms clock, B bytes, A allocs
		if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], "github.com/maestro-recovery/maestro") && !strings.HasSuffix(line, " 0 bytes, 0 allocs") {
			t.Errorf("maestro's package %s allocates before main: %s (make it an internal/lazy value)", f[1], line)
		}
	}
	if seen == 0 {
		t.Fatalf("no inittrace line from maestro version:\n%s", out)
	}
}
