package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// maestro runs the binary in dir and returns its stdout.
func maestro(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("maestro", args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("maestro %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func listJSON(t *testing.T, dir string, args ...string) []checkpoint.Record {
	t.Helper()
	var recs []checkpoint.Record
	out := maestro(t, dir, append([]string{"list", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatalf("maestro list --json: %v\n%s", err, out)
	}
	return recs
}

// refNames lists the refs under prefix, without the prefix.
func refNames(t *testing.T, dir, prefix string) []string {
	t.Helper()
	out := Git(t, dir, "for-each-ref", "--format=%(refname)", prefix)
	var names []string
	for _, l := range strings.Fields(out) {
		names = append(names, strings.TrimPrefix(l, prefix))
	}
	sort.Strings(names)
	return names
}

// Eight processes making fifty checkpoints each at once in one session end
// with 400 checkpoints and 400 records (160 under the race detector), and
// a repository git fsck finds sound.
func TestConcurrentCheckpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("400 checkpoints")
	}
	t.Parallel()
	dir := Init(t)
	Write(t, dir, "wip.txt", "a dirty tree: every checkpoint is a snapshot\n")
	// Under the race detector every maestro is several times slower, and
	// what this test looks for is between processes, not inside one: fewer
	// checkpoints each keep CI's test command within its time.
	workers, each := 8, 50
	if raceEnabled {
		each = 20
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One shell per worker: eight processes, each making its checkpoints in turn.
			script := fmt.Sprintf(`for i in $(seq %d); do maestro checkpoint --session-id busy -d "worker %d #$i" >/dev/null || exit 1; done`, each, w)
			cmd := exec.Command("sh", "-c", script)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("worker %d: %v\n%s", w, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	recs := listJSON(t, dir, "--session-id", "busy")
	if len(recs) != workers*each {
		t.Errorf("%d checkpoints listed, want %d", len(recs), workers*each)
	}
	ids := map[string]bool{}
	for i, r := range recs {
		ids[r.CheckpointID] = true
		if i > 0 && r.CheckpointID >= recs[i-1].CheckpointID {
			t.Errorf("not newest first at %d: %s after %s", i, r.CheckpointID, recs[i-1].CheckpointID)
		}
		if !r.Snapshot || r.Description == "" {
			t.Errorf("record %+v", r)
		}
	}
	if len(ids) != workers*each {
		t.Errorf("%d distinct ids", len(ids))
	}
	cps, rs := refNames(t, dir, "refs/maestro/checkpoints/busy/"), refNames(t, dir, "refs/maestro/records/busy/")
	if len(cps) != workers*each || strings.Join(cps, " ") != strings.Join(rs, " ") {
		t.Errorf("%d checkpoint refs, %d record refs, not the same names", len(cps), len(rs))
	}
	Git(t, dir, "fsck", "--no-dangling", "--no-progress")
}

// groupDone waits for every process of group pgid to end: maestro's git
// children outlive a maestro that is killed, and finish their work.
func groupDone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		busy := false
		dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, p := range dirs {
			data, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			s := string(data)
			i := strings.LastIndexByte(s, ')')
			f := strings.Fields(s[i+2:])
			if len(f) > 2 && f[0] != "Z" && f[2] == strconv.Itoa(pgid) {
				busy = true
				break
			}
		}
		if !busy {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("process group %d still running", pgid)
}

// kill -9 at random moments of checkpoint and rollback, in a loop: the
// repository stays sound, list works, no half-written record appears, and
// undo still recovers the state from before a killed rollback.
func TestKilledAtRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("a loop of killed processes")
	}
	t.Parallel()
	dir := Init(t)
	Write(t, dir, ".gitignore", "*.log\n")
	for i := 0; i < 40; i++ {
		Write(t, dir, fmt.Sprintf("src/file%02d.txt", i), fmt.Sprintf("version 1 of %d\n", i))
	}
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "v1")
	cp := strings.TrimSpace(maestro(t, dir, "checkpoint", "-d", "v1"))
	for i := 0; i < 40; i++ {
		Write(t, dir, fmt.Sprintf("src/file%02d.txt", i), fmt.Sprintf("version 2 of %d\n", i))
	}
	Git(t, dir, "commit", "-q", "-am", "v2")
	Write(t, dir, "src/file00.txt", "unstaged change\n")
	Write(t, dir, "untracked.txt", "untracked\n")
	Write(t, dir, "debug.log", "ignored\n")
	want := Take(t, dir, nil)

	// How long an uninterrupted rollback takes sets the window the kills
	// fall in, so that they land in every part of it.
	start := time.Now()
	maestro(t, dir, "rollback", "--checkpoint-id", cp)
	window := time.Since(start) * 3 / 2
	maestro(t, dir, "undo")
	Compare(t, "after a rollback and its undo", Take(t, dir, nil), want)

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	rollbacks, undone := 0, 0
	rounds := 30
	if raceEnabled {
		rounds = 14 // as in TestConcurrentCheckpoints: each maestro is slower
	}
	for round := 0; round < rounds; round++ {
		args := []string{"checkpoint", "-d", fmt.Sprintf("round %d", round)}
		if round%2 == 1 {
			args = []string{"rollback", "--checkpoint-id", cp}
			rollbacks++
		}
		eventsBefore := len(refNames(t, dir, "refs/maestro/events/"))
		cmd := exec.Command("maestro", args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(window))))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		groupDone(t, cmd.Process.Pid)

		Git(t, dir, "fsck", "--no-dangling", "--no-progress")
		recs := listJSON(t, dir, "--all-sessions")
		for _, r := range recs {
			if r.CheckpointID == "" || r.CommitSHA == "" || r.Timestamp.IsZero() {
				t.Fatalf("round %d: a half-written record: %+v", round, r)
			}
		}
		if a, b := refNames(t, dir, "refs/maestro/checkpoints/"), refNames(t, dir, "refs/maestro/records/"); strings.Join(a, " ") != strings.Join(b, " ") {
			t.Fatalf("round %d: checkpoints without records, or records without checkpoints:\n%v\n%v", round, a, b)
		}
		if a, b := refNames(t, dir, "refs/maestro/events/"), refNames(t, dir, "refs/maestro/states/"); strings.Join(a, " ") != strings.Join(b, " ") {
			t.Fatalf("round %d: events without states:\n%v\n%v", round, a, b)
		}
		// A rollback that got as far as recording its event may have moved
		// the branch and some files: undo returns to the state before it.
		if len(refNames(t, dir, "refs/maestro/events/")) > eventsBefore {
			maestro(t, dir, "undo")
			undone++
		}
		Compare(t, fmt.Sprintf("round %d (%s)", round, args[0]), Take(t, dir, nil), want)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d rollbacks killed at random, %d of them after recording their event", rollbacks, undone)
}
