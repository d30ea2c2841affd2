package wrapper

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
)

// fakeSignals is a Signals the test sends to, without a real signal.
func fakeSignals() *Signals {
	s := &Signals{c: make(chan os.Signal, 8), ready: make(chan struct{})}
	close(s.ready)
	return s
}

// guard fails the test instead of hanging it when done is not closed in
// time: a regression must not hang CI.
func guard(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: still running after 60s", what)
	}
}

// Issue 7, point 3: SIGTERM did nothing while maestro read its
// configuration or made its checkpoint. Guard returns the signal at once,
// leaving the work behind; a SIGWINCH does not count.
func TestGuardReturnsOnSignal(t *testing.T) {
	t.Parallel()
	s := fakeSignals()
	block := make(chan struct{})
	defer close(block)
	got := make(chan syscall.Signal, 1)
	go func() { got <- s.Guard(func() { <-block }) }()
	s.c <- syscall.SIGWINCH
	s.c <- syscall.SIGTERM
	done := make(chan struct{})
	var sig syscall.Signal
	go func() { sig = <-got; close(done) }()
	guard(t, done, "Guard with a signal")
	if sig != syscall.SIGTERM {
		t.Errorf("Guard = %v, want SIGTERM", sig)
	}
	ran := false
	if sig := s.Guard(func() { ran = true }); sig != 0 || !ran {
		t.Errorf("Guard without a signal = %v, ran %v", sig, ran)
	}
	if sig := (*Signals)(nil).Guard(func() {}); sig != 0 {
		t.Errorf("nil Guard = %v", sig)
	}
}

// Issue 7, point 3: a signal during classification waited for it to end
// (17 s with costly patterns). It now stops the classification at once,
// and the run with it.
func TestSignalStopsClassification(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b strings.Builder
	for range 200 {
		// Allowed, costly, and matching nothing below: every line is tried.
		b.WriteString("[[rules]]\nfailure_type = \"transient\"\npatterns = ['(?i)([a-z0-9]{0,49}){9}ZZZ']\n")
	}
	path := filepath.Join(dir, "costly.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	def, err := os.ReadFile("../recovery.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := catalog.Load(catalog.Options{ConfigFlag: path, Dir: dir, Default: def, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{opts: Options{Config: cfg}, signals: fakeSignals()}
	r.signals.c <- syscall.SIGTERM
	line := strings.Repeat("abcdefghij0123456789", 4) + "\n"
	out := []byte(strings.Repeat(line, 128<<10/len(line)))
	done := make(chan struct{})
	var class catalog.Classification
	go func() {
		defer close(done)
		class, err = r.classify(catalog.Failure{ExitCode: 1, Output: [][]byte{out}})
	}()
	guard(t, done, "classify")
	if err != nil || class.Incomplete != catalog.IncompleteInterrupted {
		t.Errorf("classified %s (incomplete: %q), %v; want stopped by the signal", class.FailureType, class.Incomplete, err)
	}
	if r.interrupted != syscall.SIGTERM {
		t.Errorf("interrupted = %v, want SIGTERM", r.interrupted)
	}
}

// Issue 7, point 3: a signal received before Run (while the checkpoint was
// made) stops the run before its first attempt, with a report that says so.
func TestInterruptedBeforeRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	rep, err := Run(Options{Args: []string{"touch", marker}, Retry: catalog.DefaultRetry, Stdout: devnull, Stderr: devnull,
		Signals: fakeSignals(), Interrupted: syscall.SIGTERM})
	if ie, ok := err.(*Interrupted); !ok || ie.Signal != syscall.SIGTERM {
		t.Fatalf("err = %v, want interrupted by SIGTERM", err)
	}
	if rep.AttemptsMade != 0 || rep.StopReason != StopInterrupted || rep.ExitCode != 143 || rep.Interrupted != "SIGTERM" {
		t.Errorf("report %+v", rep)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the command ran")
	}
}

// Pending takes a signal that interrupts without waiting, passing over
// SIGWINCH; none is 0, for a nil Signals too.
func TestPending(t *testing.T) {
	t.Parallel()
	s := fakeSignals()
	if got := s.Pending(); got != 0 {
		t.Errorf("Pending() with nothing caught = %v", got)
	}
	s.c <- syscall.SIGWINCH
	s.c <- syscall.SIGTERM
	if got := s.Pending(); got != syscall.SIGTERM {
		t.Errorf("Pending() = %v, want SIGTERM", got)
	}
	if got := s.Pending(); got != 0 {
		t.Errorf("Pending() once taken = %v", got)
	}
	if got := (*Signals)(nil).Pending(); got != 0 {
		t.Errorf("nil Pending() = %v", got)
	}
}
