package catalog

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// costly is the pattern of issue 7: twenty rules of it made classifying
// one attempt take 19 s.
const costly = `(?i)([a-z0-9]{0,100}){9}ZZZ`

// big is as costly a pattern as is allowed: it never matches the output
// below, so every line is tried.
const big = `(?i)([a-z0-9]{0,49}){9}ZZZ`

func loadText(t *testing.T, text string) (*Config, error) {
	t.Helper()
	def, err := os.ReadFile("../recovery.toml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parse(Source{Origin: OriginFlag, Path: "rules.toml"}, []byte(text))
	if err != nil {
		return nil, err
	}
	defDoc, err := parse(Source{Origin: OriginDefault}, def)
	if err != nil {
		t.Fatal(err)
	}
	c := newConfig()
	return c, c.merge([]*document{doc, defDoc})
}

func rulesText(n int, pattern string) string {
	var b strings.Builder
	for range n {
		fmt.Fprintf(&b, "[[rules]]\nfailure_type = \"transient\"\npatterns = ['%s']\n", pattern)
	}
	return b.String()
}

// Issue 7, point 2b: a pattern whose program is too large is refused at
// load, with the file, line and rule named.
func TestCostlyPatternRefused(t *testing.T) {
	t.Parallel()
	if n, _ := programSize(big); n > MaxPatternSize || n < MaxPatternSize*9/10 {
		t.Fatalf("%s compiles to %d instructions: no longer just under the limit", big, n)
	}
	text := rulesText(2, "connection reset") + rulesText(1, costly)
	_, err := loadText(t, text)
	want := "load config rules.toml:9: rules[2].patterns[0]: pattern too costly to match: it compiles to 1823 instructions, more than the 1000 allowed"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	// Each allowed, but too many together.
	n := MaxPatternsSize/MaxPatternSize*10/9 + 10
	_, err = loadText(t, rulesText(n, big))
	if err == nil || !strings.Contains(err.Error(), "too many patterns") || !strings.Contains(err.Error(), "rules.toml:") {
		t.Fatalf("%d rules of %s: err = %v", n, big, err)
	}
}

// The embedded catalog's patterns are far from the limit, so that a user's
// are too.
func TestDefaultPatternsWellUnderTheLimit(t *testing.T) {
	t.Parallel()
	c, err := loadText(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.prepare(); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.rules {
		for _, p := range r.Patterns {
			if n, _ := programSize(p); n > MaxPatternSize/5 {
				t.Errorf("%s: %d instructions", p, n)
			}
		}
	}
}

// Issue 7, point 2b: 200 rules as costly as allowed, on 128 KiB of output,
// are tried until the time budget runs out, not for minutes. The clock is
// the test's: each look at it takes 100 ms.
func TestClassifyBudget(t *testing.T) {
	t.Parallel()
	c, err := loadText(t, rulesText(200, big)+"[[rules]]\nfailure_type = \"transient\"\nexit_codes = [75]\n")
	if err != nil {
		t.Fatal(err)
	}
	looks := 0
	start := time.Now()
	const step = 100 * time.Millisecond
	c.now = func() time.Time {
		looks++
		return start.Add(time.Duration(looks) * step)
	}
	line := strings.Repeat("abcdefghij0123456789", 4) + "\n"
	out := []byte(strings.Repeat(line, 128<<10/len(line)))
	cl, err := c.Classify(Failure{ExitCode: 75, Output: [][]byte{out}})
	if err != nil {
		t.Fatal(err)
	}
	// Past the budget, a rule of exit codes alone still applies.
	if cl.FailureType != "transient" || cl.Incomplete != IncompleteBudget {
		t.Errorf("classified %s (incomplete: %q), want transient, the budget run out", cl.FailureType, cl.Incomplete)
	}
	if max := int(ClassifyBudget/step) + 2; looks > max {
		t.Errorf("looked at the clock %d times, want at most %d: matching went on past the budget", looks, max)
	}
	if !strings.Contains(cl.Describe(), "classifying stopped early: time budget ran out") {
		t.Errorf("Describe() = %q", cl.Describe())
	}
	// The embedded catalog's rules are still tried.
	looks = 0
	notFound := []byte("bash: frobnicate: command not found\n")
	cl, err = c.Classify(Failure{ExitCode: 1, Output: [][]byte{notFound, out}})
	if err != nil || cl.FailureType != "command_not_found" || cl.Incomplete != IncompleteBudget {
		t.Errorf("past the budget: classified %s (incomplete: %q), %v; want command_not_found by the embedded catalog", cl.FailureType, cl.Incomplete, err)
	}

	// Within the budget, the same rules match.
	c.now = func() time.Time { return start }
	cl, err = c.Classify(Failure{ExitCode: 1, Output: [][]byte{[]byte("ok\nabcZZZ\n")}})
	if err != nil || cl.FailureType != "transient" || cl.Line != "abcZZZ" || cl.Incomplete != "" {
		t.Errorf("classified %+v, %v", cl, err)
	}

	// Stop, closed, ends it at once: maestro was interrupted.
	stop := make(chan struct{})
	close(stop)
	cl, err = c.Classify(Failure{ExitCode: 1, Output: [][]byte{[]byte("abcZZZ\n")}, Stop: stop})
	if err != nil || cl.FailureType != Unknown || cl.Incomplete != IncompleteInterrupted {
		t.Errorf("stopped: classified %+v, %v", cl, err)
	}
}
