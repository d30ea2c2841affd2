package wrapper

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
)

// closed reports whether c is closed, without waiting.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Issue 15: CatchInterrupt catches SIGINT at once and the other signals
// only when asked: by Run as its first command starts on Linux (Pdeathsig
// ends the command with maestro), before it starts elsewhere. The command
// here waits on a FIFO, so the test sees it running and lets it go.
func TestLateSignalsCaughtAsTheCommandStarts(t *testing.T) {
	t.Parallel()
	s := CatchInterrupt()
	defer s.Stop() // Run leaves a caller's signals to the caller
	// Nothing asked for the others yet: the catching waits.
	if closed(s.ready) {
		t.Fatal("every signal was caught before anything asked for them")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "go-on")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	type result struct {
		rep *Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := Run(Options{Args: []string{"sh", "-c", "echo > started; read line < go-on"}, Dir: dir,
			Retry: catalog.DefaultRetry, Stdout: devnull, Stderr: devnull, Signals: s})
		done <- result{rep, err}
	}()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command never started")
		}
		time.Sleep(2 * time.Millisecond)
	}
	// The command runs: the others are caught, or being caught.
	ready := make(chan struct{})
	go func() { s.wait(); close(ready) }()
	guard(t, ready, "catching the other signals once the command started")
	if err := os.WriteFile(fifo, []byte("go on\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var res result
	finished := make(chan struct{})
	go func() { res = <-done; close(finished) }()
	guard(t, finished, "the run")
	if res.err != nil || !res.rep.Success {
		t.Fatalf("run: %v, %+v", res.err, res.rep)
	}
}

// CatchAll takes the second step at once, without a run; stop ends the
// catching whichever step it is at, so nothing waits forever.
func TestCatchAllAndStop(t *testing.T) {
	t.Parallel()
	s := CatchInterrupt()
	s.CatchAll()
	if s.late {
		t.Error("CatchAll left the run free to start before the signals are caught")
	}
	guard(t, s.ready, "CatchAll")
	s.Stop()

	s = CatchInterrupt()
	s.Stop()
	guard(t, s.ready, "stop before the second step")
	s.CatchAll() // too late to matter, and must not block
	var none *Signals
	none.CatchAll()
	none.Stop()
}

// Issue 15, review: with only SIGINT caught before the command started, a
// SIGQUIT then was left to Go, which dumped maestro's goroutines and exited
// 2. It is caught in the first step. Not parallel: the signal goes to the
// whole test process, and no other test may be catching signals meanwhile.
func TestQuitCaughtInTheFirstStep(t *testing.T) {
	s := CatchInterrupt()
	defer s.Stop()
	guard(t, s.first, "the first step")
	if err := syscall.Kill(os.Getpid(), syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		for sig := range s.c {
			if sig == syscall.SIGQUIT {
				close(got)
				return
			}
		}
	}()
	guard(t, got, "SIGQUIT on the channel")
}

// On Linux the first command starts without waiting for the second step
// (here one that never ends): Run waits for it only where no Pdeathsig
// would end the command with maestro.
func TestRunDoesNotWaitForTheSecondStep(t *testing.T) {
	t.Parallel()
	if !pdeathsig {
		t.Skip("Run waits for every signal before the command here")
	}
	s := &Signals{c: make(chan os.Signal, 8), first: make(chan struct{}), ready: make(chan struct{}), rest: make(chan bool, 1), late: true}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	done := make(chan struct{})
	var rep *Report
	go func() {
		defer close(done)
		rep, err = Run(Options{Args: []string{"true"}, Retry: catalog.DefaultRetry, Stdout: devnull, Stderr: devnull, Signals: s})
	}()
	guard(t, done, "a run whose second step never ends")
	if err != nil || !rep.Success {
		t.Fatalf("run: %v, %+v", err, rep)
	}
	select {
	case yes := <-s.rest:
		if !yes {
			t.Error("Run told the second step to stop, not to go on")
		}
	default:
		t.Error("Run never asked for the second step")
	}
}
