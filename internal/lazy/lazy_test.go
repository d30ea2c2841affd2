package lazy_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/maestro-recovery/maestro/internal/lazy"
)

func TestValueGetComputesOnce(t *testing.T) {
	t.Parallel()
	calls := 0
	v := &lazy.Value[[]string]{New: func() []string {
		calls++
		return []string{"a"}
	}}
	if calls != 0 {
		t.Fatalf("New called %d times before Get", calls)
	}
	first := v.Get()
	for range 3 {
		if got := v.Get(); &got[0] != &first[0] {
			t.Errorf("Get returned another value: %p, want %p", &got[0], &first[0])
		}
	}
	if got, want := calls, 1; got != want {
		t.Errorf("New called %d times, want %d", got, want)
	}
}

func TestValueConcurrentGet(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	v := &lazy.Value[*int]{New: func() *int {
		calls.Add(1)
		return new(int)
	}}
	got := getAll(v.Get)
	for i, p := range got {
		if p != got[0] {
			t.Fatalf("goroutine %d got %p, goroutine 0 got %p", i, p, got[0])
		}
	}
	if got, want := calls.Load(), int32(1); got != want {
		t.Errorf("New called %d times, want %d", got, want)
	}
}

func TestRegexpConcurrentGet(t *testing.T) {
	t.Parallel()
	r := &lazy.Regexp{Expr: `^(\d+) passed$`}
	got := getAll(r.Get)
	for i, re := range got {
		if re != got[0] {
			t.Fatalf("goroutine %d got %p, goroutine 0 got %p", i, re, got[0])
		}
	}
	if m := got[0].FindStringSubmatch("12 passed"); len(m) != 2 || m[1] != "12" {
		t.Errorf("FindStringSubmatch = %q, want [12 passed 12]", m)
	}
}

// getAll calls get from many goroutines at once and returns what each got.
func getAll[T any](get func() T) []T {
	got := make([]T, 32)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range got {
		done.Go(func() {
			start.Wait()
			got[i] = get()
		})
	}
	start.Done()
	done.Wait()
	return got
}

// A bad expression is found where regexp.MustCompile would find it, with
// its message, but only when first used: declaring it costs nothing.
func TestRegexpBadPanicsOnGet(t *testing.T) {
	t.Parallel()
	r := &lazy.Regexp{Expr: `(unclosed`}
	want := recovered(func() { regexp.MustCompile(r.Expr) })
	if want == nil {
		t.Fatal("regexp.MustCompile did not panic")
	}
	if got := recovered(func() { r.Get() }); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("first Get panicked with %v, want %v", got, want)
	}
	// As with sync.OnceValue, later calls panic the same way rather than
	// return a nil *regexp.Regexp.
	if got := recovered(func() { r.Get() }); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("second Get panicked with %v, want %v", got, want)
	}
}

func TestValuePanicIsRepeated(t *testing.T) {
	t.Parallel()
	calls := 0
	v := &lazy.Value[int]{New: func() int {
		calls++
		panic("no value")
	}}
	for i := range 2 {
		if got := recovered(func() { v.Get() }); got != "no value" {
			t.Errorf("Get %d panicked with %v, want %q", i+1, got, "no value")
		}
	}
	if got, want := calls, 1; got != want {
		t.Errorf("New called %d times, want %d", got, want)
	}
}

func recovered(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// The test runners' parsers get their patterns once per line of output.
func TestGetDoesNotAllocate(t *testing.T) {
	r := &lazy.Regexp{Expr: `x`}
	v := &lazy.Value[map[string]bool]{New: func() map[string]bool { return map[string]bool{"x": true} }}
	r.Get()
	v.Get()
	if n := testing.AllocsPerRun(100, func() { r.Get(); v.Get() }); n != 0 {
		t.Errorf("Get allocates %v times per call after the first, want 0", n)
	}
}

// The point of the package: package-level values declared as composite
// literals must be laid out by the compiler, with no initialisation code
// run at start-up (sync.OnceValue in their place makes package main's
// init allocate). GODEBUG=inittrace=1 prints a line for each package whose
// initialisation does anything.
func TestStaticLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool:", err)
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "static")
	if out, err := exec.Command(goTool, "build", "-o", bin, "./testdata/static").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	if !strings.Contains(string(out), "true true z") {
		t.Errorf("the lazy values did not work: output\n%s", out)
	}
	for line := range strings.Lines(string(out)) {
		if strings.HasPrefix(line, "init main ") && !strings.Contains(line, " 0 bytes, 0 allocs") {
			t.Errorf("package main initialises its lazy values at start-up:\n%s", line)
		}
	}
}
