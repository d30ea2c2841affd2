package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/maestro-recovery/maestro/internal/gittest"
)

// Eight processes at once in one repository, running maestro run, asking
// questions to be answered later and answering them: every record reaches
// the session's log whole. Every record is longer than a pipe's atomic
// write (4 KiB), so only the lock keeps them apart.
func TestConcurrentLogWriters(t *testing.T) {
	t.Parallel()
	repo := gittest.Init(t)
	session := "s-concurrent"
	env := append(askEnv(t), "MAESTRO_SESSION_ID="+session, "CI=true")
	maestro, err := exec.LookPath("maestro")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) ([]byte, error) {
		cmd := exec.Command(maestro, args...)
		cmd.Dir, cmd.Env = repo, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			err = fmt.Errorf("maestro %s: %w: %s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return out, err
	}

	const (
		runners, askers, answerers = 3, 3, 2
		each                       = 8
	)
	long := strings.Repeat("x", 6000)
	var (
		wg       sync.WaitGroup
		asking   sync.WaitGroup
		answered atomic.Int64
		errs     = make(chan error, 1000)
	)
	for r := range runners {
		wg.Go(func() {
			for i := range each {
				// Exit 3 after two attempts: a failure, classified, suggested.
				_, err := run("run", "--max-attempts", "2", "--base-delay", "1ms", "--retry-on", "3",
					"--", "sh", "-c", "exit 3", fmt.Sprintf("runner-%d-%d", r, i), long)
				if err == nil {
					errs <- fmt.Errorf("runner %d: the command failed, maestro did not say so", r)
				} else if ee, ok := asExit(err); !ok || ee != 3 {
					errs <- err
				}
			}
		})
	}
	for a := range askers {
		asking.Add(1)
		wg.Go(func() {
			defer asking.Done()
			for i := range each {
				_, err := run("ask", "--issue", fmt.Sprintf("question %d-%d %s", a, i, long), "--option", "yes", "--option", "no", "--no-tty", "defer")
				if ee, ok := asExit(err); !ok || ee != 3 {
					errs <- fmt.Errorf("ask: %v", err)
				}
			}
		})
	}
	asked := make(chan struct{})
	go func() { asking.Wait(); close(asked) }()
	for range answerers {
		wg.Go(func() {
			for {
				done := false
				select {
				case <-asked:
					done = true
				default:
				}
				out, err := run("questions", "--json")
				if err != nil {
					errs <- err
					return
				}
				var open []struct{ ID string }
				if err := json.Unmarshal(out, &open); err != nil {
					errs <- err
					return
				}
				for _, q := range open {
					// The other answerer may be first: that is its answer.
					if _, err := run("answer", q.ID, "yes"); err == nil {
						answered.Add(1)
					} else if !strings.Contains(err.Error(), "is answered already") {
						errs <- err
					}
				}
				if done && len(open) == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Every line is one whole record.
	data, err := os.ReadFile(filepath.Join(repo, ".git", "maestro", "sessions", session, "log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	runs := map[string]bool{}
	for n, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var e struct {
			Type string
			Run  *struct{ Command []string }
		}
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("line %d is torn: %v\n%.200s", n+1, err, line)
		}
		counts[e.Type]++
		if e.Run != nil {
			if len(e.Run.Command) != 5 || e.Run.Command[4] != long {
				t.Errorf("line %d: a run's command came back as %.100q", n+1, e.Run.Command)
			}
			runs[e.Run.Command[3]] = true
		}
	}
	if want := runners * each; counts["run"] != want || len(runs) != want {
		t.Errorf("%d run records (%d distinct), want %d", counts["run"], len(runs), want)
	}
	if want := askers * each; counts["question"] != want || counts["answer"] != want || answered.Load() != int64(want) {
		t.Errorf("%d questions, %d answers logged, %d answered; want %d of each", counts["question"], counts["answer"], answered.Load(), want)
	}
}

// asExit returns the exit code an error of exec carries.
func asExit(err error) (int, bool) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0, false
	}
	return ee.ExitCode(), true
}
