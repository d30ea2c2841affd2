package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/wrapper"
)

// Issue 7, point 3: SIGTERM did nothing until the command started: here
// maestro-run --checkpoint waits on a git that sleeps a minute. maestro ends
// by the signal at once, without waiting for git (which writes "done" only
// after its sleep), and its report says it was interrupted before the first
// attempt.
func TestSignalWhileMakingTheCheckpoint(t *testing.T) {
	t.Parallel()
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	repo := gittest.Init(t)
	marks, bin := t.TempDir(), t.TempDir()
	script := "#!/bin/sh\n" +
		"sleep 60 &\n" +
		"echo $! > " + filepath.Join(marks, "sleep") + "\n" +
		"echo $$ > " + filepath.Join(marks, "git") + "\n" +
		"wait\n" +
		"echo done > " + filepath.Join(marks, "done") + "\n" +
		"exec " + realGit + ` "$@"` + "\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	path, err := exec.LookPath("maestro-run")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cmd := exec.Command(path, "--checkpoint", "--report", filepath.Join(home, "report.json"), "--", "touch", filepath.Join(marks, "ran"))
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+home,
		"XDG_STATE_HOME="+filepath.Join(home, "state"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	// A file, not a buffer: the abandoned git may hold it open for a minute.
	stderr, err := os.Create(filepath.Join(home, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, name := range []string{"sleep", "git"} {
			if data, err := os.ReadFile(filepath.Join(marks, name)); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
	})
	waitFile(t, filepath.Join(marks, "git"))
	cmd.Process.Signal(syscall.SIGTERM)
	ended := make(chan error, 1)
	go func() { ended <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-ended:
	case <-time.After(50 * time.Second):
		cmd.Process.Kill()
		t.Fatal("maestro was still running 50s after SIGTERM: it waited for git")
	}
	msg, _ := os.ReadFile(stderr.Name())
	if sig, code := endedBy(werr); sig != syscall.SIGTERM || code != 143 {
		t.Errorf("maestro ended by %v with %d, want SIGTERM and 143\n%s", sig, code, msg)
	}
	if _, err := os.Stat(filepath.Join(marks, "done")); err == nil {
		t.Error("maestro ended after git's sleep, not at the signal")
	}
	if _, err := os.Stat(filepath.Join(marks, "ran")); err == nil {
		t.Error("the command ran")
	}
	r := readReport(t, filepath.Join(home, "report.json"))
	if r.AttemptsMade != 0 || r.ExitCode != 143 || r.StopReason != wrapper.StopInterrupted || r.Interrupted != "SIGTERM" {
		t.Errorf("report %+v", r)
	}
	if !strings.Contains(string(msg), "maestro: interrupted by SIGTERM before the first attempt") {
		t.Errorf("stderr:\n%s", msg)
	}
}
