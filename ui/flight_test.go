package ui

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// A load asked for while the same one runs (a request during the
// warm-up) waits for it and gets its result: it is not done twice.
func TestFlightJoins(t *testing.T) {
	t.Parallel()
	var f flight
	var loads atomic.Int32
	release := make(chan struct{})
	load := func() (any, error) {
		loads.Add(1)
		<-release
		return "first", nil
	}
	const n = 4
	results := make([]any, n)
	var wg sync.WaitGroup
	wg.Go(func() { results[0], _ = f.do("k", load) })
	waiting := func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		if c := f.calls["k"]; c != nil {
			return c.waiters
		}
		return -1
	}
	for waiting() < 0 {
		runtime.Gosched()
	}
	for i := 1; i < n; i++ {
		wg.Go(func() { results[i], _ = f.do("k", load) })
	}
	for waiting() < n-1 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if got := loads.Load(); got != 1 {
		t.Errorf("%d loads, want 1", got)
	}
	for i, r := range results {
		if r != "first" {
			t.Errorf("result %d = %v, want the first load's", i, r)
		}
	}
	// Once it ended, the next asks anew.
	if v, _ := f.do("k", func() (any, error) { return "second", nil }); v != "second" {
		t.Errorf("after the load = %v", v)
	}
}
