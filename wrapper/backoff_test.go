package wrapper_test

import (
	"math"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/wrapper"
)

func policy(attempts int, base, maxDelay time.Duration, exp float64, jitter bool) catalog.Retry {
	r := catalog.DefaultRetry
	r.MaxAttempts, r.BaseDelay, r.MaxDelay, r.ExponentialBase, r.Jitter = attempts, base, maxDelay, exp, jitter
	return r
}

func TestNominalDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    catalog.Retry
		n    int
		want time.Duration
	}{
		{policy(5, time.Second, time.Minute, 2, false), 1, time.Second},
		{policy(5, time.Second, time.Minute, 2, false), 2, 2 * time.Second},
		{policy(5, time.Second, time.Minute, 2, false), 4, 8 * time.Second},
		{policy(5, time.Second, time.Minute, 2, false), 6, 32 * time.Second},
		{policy(5, time.Second, time.Minute, 2, false), 7, time.Minute}, // 64s capped
		{policy(5, time.Second, time.Minute, 2, false), 10000, time.Minute},
		{policy(5, 500*time.Millisecond, 10*time.Second, 1.5, false), 3, 1125 * time.Millisecond},
		{policy(5, 100*time.Millisecond, time.Hour, 3, false), 4, 2700 * time.Millisecond},
		{policy(5, time.Second, time.Minute, 1, false), 50, time.Second}, // base 1: constant
		// Far past the point where base^(n-1) overflows float64 and time.Duration.
		{policy(5, time.Second, 1000*time.Hour, 10, false), 400, 1000 * time.Hour},
		{policy(5, time.Second, time.Minute, 2, false), 0, 0},
	}
	for _, tt := range tests {
		if got := wrapper.NominalDelay(tt.r, tt.n); got != tt.want {
			t.Errorf("NominalDelay(base %v, ×%g, cap %v, n=%d) = %v, want %v", tt.r.BaseDelay, tt.r.ExponentialBase, tt.r.MaxDelay, tt.n, got, tt.want)
		}
	}
}

// The go-retry Backoff yields max_attempts−1 delays, the nominal ones
// without jitter, then stops.
func TestBackoffSequence(t *testing.T) {
	t.Parallel()
	r := policy(6, time.Second, 10*time.Second, 2, false)
	b := wrapper.NewBackoff(r, nil)
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second}
	for i, w := range want {
		d, stop := b.Next()
		if stop || d != w {
			t.Fatalf("delay %d = %v, stop %v; want %v", i+1, d, stop, w)
		}
	}
	if _, stop := b.Next(); !stop {
		t.Fatal("backoff did not stop after max_attempts-1 retries")
	}
	one := wrapper.NewBackoff(policy(1, time.Second, time.Second, 2, false), nil)
	if _, stop := one.Next(); !stop {
		t.Fatal("max_attempts 1 allows a retry")
	}
}

// Jitter stays within [50%, 150%] of the nominal delay, never above
// max_delay and never below zero, at the extremes of the random source.
func TestJitterBounds(t *testing.T) {
	t.Parallel()
	r := policy(10, time.Second, 6*time.Second, 2, true)
	for _, u := range []float64{0, 0.5, math.Nextafter(1, 0)} {
		b := wrapper.NewBackoff(r, func() float64 { return u })
		for n := 1; n < r.MaxAttempts; n++ {
			d, stop := b.Next()
			if stop {
				t.Fatalf("stopped at retry %d", n)
			}
			nominal := wrapper.NominalDelay(r, n)
			lo, hi := wrapper.JitterRange(r, n)
			if d < lo || d > hi || d < 0 || d > r.MaxDelay {
				t.Errorf("u=%v retry %d: %v outside [%v, %v] (nominal %v, cap %v)", u, n, d, lo, hi, nominal, r.MaxDelay)
			}
			if lo != time.Duration(float64(nominal)*wrapper.JitterMin) {
				t.Errorf("retry %d: low bound %v, want half of %v", n, lo, nominal)
			}
		}
	}
}

// With the real random source, jitter spreads the delays over the whole
// range: clients retrying at once do not stay in step.
func TestJitterSpread(t *testing.T) {
	t.Parallel()
	r := policy(2, time.Second, time.Hour, 2, true)
	const samples = 20000
	var sum float64
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	buckets := make([]int, 10)
	for i := 0; i < samples; i++ {
		d, _ := wrapper.NewBackoff(r, nil).Next()
		sum += d.Seconds()
		lo, hi = min(lo, d), max(hi, d)
		buckets[int((d.Seconds()-0.5)*10)]++
	}
	if lo < 500*time.Millisecond || hi > 1500*time.Millisecond {
		t.Errorf("range [%v, %v] outside [0.5s, 1.5s]", lo, hi)
	}
	if lo > 520*time.Millisecond || hi < 1480*time.Millisecond {
		t.Errorf("range [%v, %v] does not cover [0.5s, 1.5s]", lo, hi)
	}
	if mean := sum / samples; math.Abs(mean-1) > 0.02 {
		t.Errorf("mean %.3fs, want about 1s", mean)
	}
	// Uniform: each tenth of the range holds about 10% of the samples.
	for i, n := range buckets {
		if f := float64(n) / samples; f < 0.08 || f > 0.12 {
			t.Errorf("bucket %d holds %.1f%% of the delays", i, 100*f)
		}
	}
}

// Near the cap, jitter never pushes a delay above max_delay.
func TestJitterCapped(t *testing.T) {
	t.Parallel()
	r := policy(8, time.Second, 5*time.Second, 2, true)
	for i := 0; i < 2000; i++ {
		b := wrapper.NewBackoff(r, nil)
		for {
			d, stop := b.Next()
			if stop {
				break
			}
			if d > 5*time.Second {
				t.Fatalf("delay %v above max_delay 5s", d)
			}
		}
	}
}

func TestSchedule(t *testing.T) {
	t.Parallel()
	steps := wrapper.Schedule(policy(4, time.Second, 3*time.Second, 2, true))
	if len(steps) != 3 {
		t.Fatalf("%d steps, want 3", len(steps))
	}
	want := []struct{ delay, lo, hi, elapsed time.Duration }{
		{time.Second, 500 * time.Millisecond, 1500 * time.Millisecond, time.Second},
		{2 * time.Second, time.Second, 3 * time.Second, 3 * time.Second},
		{3 * time.Second, 1500 * time.Millisecond, 3 * time.Second, 6 * time.Second},
	}
	for i, s := range steps {
		w := want[i]
		if s.Retry != i+1 || s.Attempt != i+2 || s.Delay != w.delay || s.Min != w.lo || s.Max != w.hi || s.Elapsed != w.elapsed {
			t.Errorf("step %d = %+v, want %+v", i, s, w)
		}
	}
}

// Issue 7, point 14a: with delays near the largest time.Duration, the
// jittered upper bound (1.5×) and the total overflowed, and
// `run --explain --max-delay 2000000h` printed negative durations.
func TestScheduleHugeValues(t *testing.T) {
	t.Parallel()
	for _, maxDelay := range []time.Duration{1000000 * time.Hour, 2000000 * time.Hour, time.Duration(math.MaxInt64)} {
		for _, base := range []time.Duration{time.Hour, maxDelay} {
			r := policy(catalog.MaxAttemptsLimit, base, maxDelay, 10, true)
			steps := wrapper.Schedule(r)
			var last time.Duration
			for _, s := range steps {
				if s.Delay < 0 || s.Min < 0 || s.Max < 0 || s.Min > s.Delay || s.Max < s.Delay || s.Max > maxDelay {
					t.Fatalf("max_delay %v: step %+v out of [0, max_delay] or out of order", maxDelay, s)
				}
				if s.Elapsed < last {
					t.Fatalf("max_delay %v: elapsed went back from %v to %v at retry %d", maxDelay, last, s.Elapsed, s.Retry)
				}
				last = s.Elapsed
			}
			if last != wrapper.MaxElapsed {
				t.Errorf("max_delay %v: total %v, want it saturated at %v", maxDelay, last, wrapper.MaxElapsed)
			}
			for _, u := range []float64{0, math.Nextafter(1, 0)} {
				b := wrapper.NewBackoff(r, func() float64 { return u })
				for n := 1; n < 20; n++ {
					if d, _ := b.Next(); d < 0 || d > maxDelay {
						t.Fatalf("max_delay %v, u=%v: real delay %d = %v", maxDelay, u, n, d)
					}
				}
			}
		}
	}
}
