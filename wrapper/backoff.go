package wrapper

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/sethvargo/go-retry"
)

// Jitter bounds, as fractions of the nominal delay. The result is also capped
// at max_delay, so a jittered delay is never above it.
const (
	JitterMin = 0.5
	JitterMax = 1.5
)

// NominalDelay is the delay before retry n (n = 1 for the first retry)
// without jitter: min(max_delay, base_delay × exponential_base^(n−1)).
func NominalDelay(r catalog.Retry, n int) time.Duration {
	if n < 1 {
		return 0
	}
	// Computed in floating point and capped before converting, so a large n
	// cannot overflow time.Duration.
	d := float64(r.BaseDelay) * math.Pow(r.ExponentialBase, float64(n-1))
	if math.IsInf(d, 0) || math.IsNaN(d) || d >= float64(r.MaxDelay) {
		return r.MaxDelay
	}
	return time.Duration(d)
}

// JitterRange is the interval a jittered delay is drawn from.
func JitterRange(r catalog.Retry, n int) (lo, hi time.Duration) {
	d := NominalDelay(r, n)
	return scaled(d, JitterMin, r.MaxDelay), scaled(d, JitterMax, r.MaxDelay)
}

// scaled is d×f, at most limit. The product is capped in floating point:
// near the largest time.Duration, 1.5×d converted back would overflow to a
// negative delay (issue 7, point 14a).
func scaled(d time.Duration, f float64, limit time.Duration) time.Duration {
	if v := float64(d) * f; v < float64(limit) {
		return time.Duration(v)
	}
	return limit
}

// NewBackoff returns the delays between attempts as a go-retry Backoff: it
// stops after max_attempts−1 retries. rnd returns a number in [0, 1); nil
// uses math/rand/v2. go-retry's NewExponential only doubles, so the
// exponential part is our own BackoffFunc; the cap and the retry limit are
// go-retry's.
func NewBackoff(r catalog.Retry, rnd func() float64) retry.Backoff {
	if rnd == nil {
		rnd = rand.Float64
	}
	n := 0
	var b retry.Backoff = retry.BackoffFunc(func() (time.Duration, bool) {
		n++
		return NominalDelay(r, n), false
	})
	if r.Jitter {
		next := b
		b = retry.BackoffFunc(func() (time.Duration, bool) {
			d, stop := next.Next()
			if stop {
				return 0, true
			}
			f := JitterMin + (JitterMax-JitterMin)*rnd()
			return scaled(d, f, r.MaxDelay), false
		})
	}
	b = retry.WithCappedDuration(r.MaxDelay, b)
	return retry.WithMaxRetries(uint64(max(r.MaxAttempts-1, 0)), b)
}

// Step is one retry of a schedule.
type Step struct {
	Retry   int           // 1 for the first retry
	Attempt int           // the attempt it starts: Retry+1
	Delay   time.Duration // nominal delay before it
	Min     time.Duration // with jitter, the bounds of the delay
	Max     time.Duration
	// Elapsed is the nominal time waited since the first attempt began,
	// attempts not counted. It stops at MaxElapsed, which therefore means
	// "at least that much".
	Elapsed time.Duration
}

// MaxElapsed is the largest Step.Elapsed: 10000 retries of up to 2562047h
// each add up to more than a time.Duration holds.
const MaxElapsed = time.Duration(math.MaxInt64)

// Schedule lists the retries these settings allow, without running anything.
func Schedule(r catalog.Retry) []Step {
	var steps []Step
	var total time.Duration
	for n := 1; n < r.MaxAttempts; n++ {
		d := NominalDelay(r, n)
		lo, hi := d, d
		if r.Jitter {
			lo, hi = JitterRange(r, n)
		}
		total = min(total, MaxElapsed-d) + d
		steps = append(steps, Step{Retry: n, Attempt: n + 1, Delay: d, Min: lo, Max: hi, Elapsed: total})
	}
	return steps
}
