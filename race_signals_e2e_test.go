package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/internal/gittest"
)

// Issue 13, point 2: Ctrl-C during maestro race reaches every fork's
// process group, grandchildren included (sh's background sleep ignores
// SIGINT: KILL after kill_after ends it), and none is left when maestro
// ends, by the signal, as maestro run ends.
func TestRaceInterrupted(t *testing.T) {
	t.Parallel()
	repo := gittest.Init(t)
	gittest.Write(t, repo, "t.sh", "sleep 60 &\necho $$ > pgid.tmp && mv pgid.tmp pgid\nwait\n")
	gittest.Write(t, repo, ".gitignore", "pgid*\n")
	gittest.Git(t, repo, "add", "-A")
	gittest.Git(t, repo, "commit", "-q", "-m", "script")
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	cfg := filepath.Join(home, "fast.toml")
	if err := os.WriteFile(cfg, []byte("[retry]\nmax_attempts = 1\nkill_after = '300ms'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	maestro := func(args ...string) *exec.Cmd {
		cmd := exec.Command("maestro", args...)
		cmd.Dir, cmd.Env = repo, env
		return cmd
	}
	for _, args := range [][]string{{"checkpoint"}, {"fork", "--name", "f1"}, {"fork", "--name", "f2"}} {
		if out, err := maestro(args...).CombinedOutput(); err != nil {
			t.Fatalf("maestro %s: %v\n%s", args[0], err, out)
		}
	}
	forks := filepath.Join(filepath.Dir(repo), filepath.Base(repo)+".maestro-forks")
	stderr, err := os.Create(filepath.Join(home, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	race := maestro("race", "--config", cfg, "sh", "t.sh")
	race.Stderr = stderr
	if err := race.Start(); err != nil {
		t.Fatal(err)
	}
	var pgids []int
	for _, f := range []string{"f1", "f2"} {
		pgid, err := strconv.Atoi(waitFile(t, filepath.Join(forks, f, "pgid")))
		if err != nil {
			t.Fatal(err)
		}
		pgids = append(pgids, pgid)
		t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	}
	race.Process.Signal(syscall.SIGINT)
	ended := make(chan error, 1)
	go func() { ended <- race.Wait() }()
	var werr error
	select {
	case werr = <-ended:
	case <-time.After(30 * time.Second):
		race.Process.Kill()
		t.Fatal("maestro race was still running 30s after SIGINT")
	}
	msg, _ := os.ReadFile(stderr.Name())
	if sig, code := endedBy(werr); sig != syscall.SIGINT || code != 130 {
		t.Errorf("maestro race ended by %v with %d, want SIGINT and 130\n%s", sig, code, msg)
	}
	for _, pgid := range pgids {
		if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process group %d outlived maestro race (kill: %v)", pgid, err)
		}
	}
	if !strings.Contains(string(msg), "no fork passed; interrupted by SIGINT") {
		t.Errorf("stderr does not say the race was interrupted:\n%s", msg)
	}
}
