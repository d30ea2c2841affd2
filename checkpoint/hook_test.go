package checkpoint_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// testHookEnv makes the test binary play 'maestro hook post-commit' in the
// repositories of the tests below.
const testHookEnv = "MAESTRO_CHECKPOINT_TEST_HOOK"

// runTestHook is what 'maestro hook' does, with the test's settings.
func runTestHook() int {
	s, err := checkpoint.OpenHook(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "test hook:", err)
		return 0
	}
	o := checkpoint.HookOptions{SessionID: "default", Source: os.Getenv(testHookEnv), Head: s.Repo().HeadFromFiles()}
	o.Skip = o.Source == "post-commit" && s.InSequence()
	if _, err := s.CreateForCommits(o); err != nil {
		fmt.Fprintln(os.Stderr, "test hook:", err)
	}
	return 0
}

// installTestHook makes this test binary the post-commit hook of dir,
// run with env added to its environment.
func installTestHook(t *testing.T, dir string, env ...string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	hook := fmt.Sprintf("#!/bin/sh\n%s=post-commit %s exec '%s' </dev/null\n", testHookEnv, strings.Join(env, " "), exe)
	if err := os.WriteFile(filepath.Join(dir, ".git", "hooks", "post-commit"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := open(t, dir).ResetHookOffset(); err != nil {
		t.Fatal(err)
	}
}

// checkpointedCommits maps each commit checkpointed in session default to
// how many checkpoints it has.
func checkpointedCommits(t *testing.T, dir string) map[string]int {
	t.Helper()
	cat, err := open(t, dir).Load()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range cat.Filter("default", "") {
		got[r.CommitSHA]++
	}
	return got
}

// Issue 7, point 11: with 40 commits at once in one worktree, the hook
// checkpointed whatever HEAD was when it ran, not the commit it ran for
// (26 commits gave 26 checkpoints of 14 distinct commits): git releases
// the index lock before it runs post-commit, so HEAD may have moved on.
// Each commit made must have exactly one checkpoint, of itself.
func TestHookConcurrentCommitsEachCheckpointedOnce(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	installTestHook(t, dir)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Many fail on index.lock, as in the issue: only the commits
			// made count.
			cmd := exec.Command("git", "commit", "-q", "--allow-empty", "-m", fmt.Sprint("commit ", i))
			cmd.Dir = dir
			cmd.Run()
		}()
	}
	wg.Wait()
	root := strings.TrimSpace(Git(t, dir, "rev-list", "--max-parents=0", "HEAD"))
	made := strings.Fields(Git(t, dir, "rev-list", "HEAD", "^"+root))
	if len(made) < 2 {
		t.Logf("only %d commits were made: the race was not exercised", len(made))
	}
	got := checkpointedCommits(t, dir)
	for _, c := range made {
		if got[c] != 1 {
			t.Errorf("commit %s has %d checkpoints, want 1", c[:12], got[c])
		}
		delete(got, c)
	}
	for c, n := range got {
		t.Errorf("%d checkpoints of %s, which no commit of the test made", n, c)
	}
	t.Logf("%d of 40 commits made", len(made))
}

// Issue 7, point 11: the commits made before 'git maestro install' are not
// caught up by the first hook; a commit after it is checkpointed, and an
// amend too (as "commit (amend)").
func TestHookStartsAtInstall(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Git(t, dir, "commit", "-q", "--allow-empty", "-m", "before install")
	installTestHook(t, dir)
	Git(t, dir, "commit", "-q", "--allow-empty", "-m", "after install")
	after := strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
	Git(t, dir, "commit", "-q", "--allow-empty", "--amend", "-m", "amended")
	amended := strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
	got := checkpointedCommits(t, dir)
	if len(got) != 2 || got[after] != 1 || got[amended] != 1 {
		t.Errorf("checkpoints %v, want one each of %s (after install) and %s (amended)", got, after[:12], amended[:12])
	}
}

// Without HEAD's reflog (core.logAllRefUpdates=false) the hook falls back
// to the commit HEAD named when it started.
func TestHookWithoutReflog(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Git(t, dir, "config", "core.logAllRefUpdates", "false")
	os.RemoveAll(filepath.Join(dir, ".git", "logs"))
	installTestHook(t, dir)
	Git(t, dir, "commit", "-q", "--allow-empty", "-m", "no reflog")
	head := strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
	if got := checkpointedCommits(t, dir); len(got) != 1 || got[head] != 1 {
		t.Errorf("checkpoints %v, want one of %s", got, head[:12])
	}
}

// Issue 8, point 10: the hook writes its record and its refs itself, with
// no git process (here git is not even on its PATH); two worktrees
// committing at once get one checkpoint of each commit, and git finds the
// repository sound.
func TestHookWithoutGitConcurrentWorktrees(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	wt := filepath.Join(t.TempDir(), "wt")
	Git(t, dir, "worktree", "add", "-q", "-b", "feature", wt)
	installTestHook(t, dir, "PATH=/nonexistent")
	if err := open(t, wt).ResetHookOffset(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, d := range []string{dir, wt} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 8 {
				cmd := exec.Command("git", "commit", "-q", "--allow-empty", "-m", fmt.Sprint("commit ", i, " in ", d))
				cmd.Dir = d
				if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
					t.Errorf("git commit in %s: %v\n%s", d, err, out)
				}
			}
		}()
	}
	wg.Wait()
	root := strings.TrimSpace(Git(t, dir, "rev-list", "--max-parents=0", "HEAD"))
	made := strings.Fields(Git(t, dir, "rev-list", "main", "feature", "^"+root))
	if len(made) != 16 {
		t.Fatalf("%d commits made, want 16", len(made))
	}
	got := checkpointedCommits(t, dir)
	for _, c := range made {
		if got[c] != 1 {
			t.Errorf("commit %s has %d checkpoints, want 1", c[:12], got[c])
		}
	}
	if len(got) != len(made) {
		t.Errorf("checkpoints of %d commits, want %d", len(got), len(made))
	}
	refs := strings.Count(Git(t, dir, "for-each-ref", "refs/maestro/"), "\n")
	if refs != 32 {
		t.Errorf("%d refs under refs/maestro, want 32 (a checkpoint and a record of each commit)", refs)
	}
	Fsck(t, dir)
}

// Where refs under refs/maestro need a reflog (core.logAllRefUpdates =
// always), git writes them, and their reflogs with them.
func TestHookLeavesToGitWhatNeedsIt(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Git(t, dir, "config", "core.logAllRefUpdates", "always")
	installTestHook(t, dir)
	Git(t, dir, "commit", "-q", "--allow-empty", "-m", "with reflogs")
	head := strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
	if got := checkpointedCommits(t, dir); len(got) != 1 || got[head] != 1 {
		t.Errorf("checkpoints %v, want one of %s", got, head[:12])
	}
	logs, _ := filepath.Glob(filepath.Join(dir, ".git", "logs", "refs", "maestro", "*", "default", "cp-*"))
	if len(logs) != 2 {
		t.Errorf("reflogs %v, want the checkpoint's and the record's", logs)
	}
}

// The hook rewrites its offset in place (issue 8, point 10): an offset
// that a torn write or a hand left wrong is checked against the reflog,
// not trusted, and one that is a link is neither followed nor written
// through. Each commit still gets one checkpoint, of itself.
func TestHookOffsetNotTrusted(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	installTestHook(t, dir)
	offset := filepath.Join(dir, ".git", "maestro", "hook-reflog-offset")
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, []byte("not maestro's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var made []string
	for i, plant := range []func(){
		func() { os.WriteFile(offset, []byte("12 "+strings.Repeat("ab", 20)+"\n"), 0o644) },
		func() { os.WriteFile(offset, []byte("999999 \n"), 0o644) },
		func() { os.WriteFile(offset, []byte("\x00\x00garbage"), 0o644) },
		func() { os.Remove(offset); os.Symlink(outside, offset) },
	} {
		Git(t, dir, "commit", "-q", "--allow-empty", "-m", fmt.Sprint("before ", i))
		made = append(made, strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD")))
		plant()
		Git(t, dir, "commit", "-q", "--allow-empty", "-m", fmt.Sprint("after ", i))
		made = append(made, strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD")))
	}
	got := checkpointedCommits(t, dir)
	for _, c := range made {
		if got[c] != 1 {
			t.Errorf("commit %s has %d checkpoints, want 1", c[:12], got[c])
		}
	}
	if len(got) != len(made) {
		t.Errorf("checkpoints of %d commits, want %d", len(got), len(made))
	}
	if data, _ := os.ReadFile(outside); string(data) != "not maestro's\n" {
		t.Errorf("the file the offset linked to was written: %q", data)
	}
}
