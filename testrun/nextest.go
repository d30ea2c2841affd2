package testrun

import (
	"bytes"
	"strconv"
	"strings"
)

// cargo nextest run prints on stderr a status line per test, "        PASS
// [   0.004s] (1/5) demo::it tests::foo": the status, the time, in newer
// versions a counter, the binary id (demo for the crate's unit tests,
// demo::it for tests/it.rs, demo::bin/name for a binary) and the test's
// path. A test's Package is its binary id. Each test runs in its own
// process, so a test that crashes (SIGSEGV) or times out (TIMEOUT) is one
// failed test, the others' results stand. The run ends with "Summary [
// 0.144s] 4/5 tests run: 3 passed, 1 failed, 1 skipped": "4/5" when it was
// cancelled at the first failure, nextest's default. The shapes are those
// of nextest's own documentation and snapshots: testdata/nextest/README.md.

type nextestRunner struct{}

// nextestOpts are cargo nextest run's options that take a value.
var nextestOpts = optSpec{values: []string{
	"-p", "--package", "--exclude", "--test", "--bench", "--bin", "--example",
	"-F", "--features", "--target", "--target-dir", "--manifest-path",
	"--cargo-profile", "--cargo-message-format", "-P", "--profile", "-j", "--test-threads",
	"--build-jobs", "--retries", "--max-fail", "--color", "--message-format",
	"--message-format-version", "--status-level", "--final-status-level",
	"--failure-output", "--success-output", "--run-ignored", "--partition",
	"-E", "--filterset", "--filter-expr", "--config", "--tool-config-file",
	"--user-config-file", "--archive-file", "--archive-format", "--workspace-remap",
	"--extract-to", "--binaries-metadata", "--cargo-metadata", "--target-dir-remap",
	"--stress-count", "--stress-duration", "--show-progress", "-Z",
}}

func (nextestRunner) parser(c *Command, watch []Test) Parser {
	return &nextestParser{watch: watch, state: map[string]int{}, failures: distinct{}}
}

type nextestParser struct {
	watch []Test
	// state: the index in tests of each test seen, past MaxKept only counted
	tests    []nextestSeen
	state    map[string]int
	failures distinct // failed past MaxKept
	count    int      // failed, by the status lines, past MaxKept too
	summary  int      // failed, by the summary line
	// summarized: the summary line was read; its count is the final word
	// (a retry that passed made a failure none)
	summarized bool
	broken     string
	stopped    string
}

type nextestSeen struct {
	bin, id string
	failed  bool
}

// nextestFailures are the statuses of a failed test. With --retries a
// test's last status line says how it ended: TRY 2 FAIL, then TRY 3 PASS
// or FLAKY 3/3 when a retry passed.
var nextestFailures = []string{"FAIL", "FAIL + LEAK", "LEAK-FAIL", "TIMEOUT", "ABORT", "XFAIL"}

func (p *nextestParser) Line(stream int, b []byte) {
	if len(b) > MaxLine {
		b = b[:MaxLine]
	}
	line := strings.TrimSpace(string(bytes.TrimRight(b, " \t")))
	switch {
	case strings.HasPrefix(line, "Summary ["):
		p.summaryLine(line)
		return
	case strings.HasPrefix(line, "Cancelling due to test failure"),
		strings.HasPrefix(line, "warning: ") && strings.Contains(line, "tests were not run due to test failure"):
		p.stopped = "nextest stopped at the first failure (fail-fast)"
		return
	case strings.HasPrefix(line, "error: could not compile "):
		what, _, _ := strings.Cut(strings.TrimPrefix(line, "error: "), " due to ")
		p.broken = cut(what, 200)
		return
	case strings.HasPrefix(line, "error[E") && p.broken == "":
		p.broken = "a build failed"
		return
	}
	open := strings.Index(line, " [")
	if open <= 0 || !strings.Contains(line[open:], "s] ") {
		return
	}
	status := line[:open]
	rest := line[open+2:]
	_, rest, ok := strings.Cut(rest, "] ")
	if !ok {
		return
	}
	// An optional counter, (  1/100) or [2] or [3/3].
	for strings.HasPrefix(rest, "(") || strings.HasPrefix(rest, "[") {
		end := strings.IndexAny(rest, ")]")
		if end < 0 {
			return
		}
		rest = strings.TrimLeft(rest[end+1:], " ")
	}
	bin, id, ok := strings.Cut(rest, " ")
	if !ok || bin == "" || id == "" {
		return
	}
	switch {
	case status == "PASS" || status == "LEAK" || status == "SLOW" || status == "TIMEOUT-PASS" ||
		strings.HasPrefix(status, "TRY ") && strings.HasSuffix(status, " PASS") || strings.HasPrefix(status, "FLAKY"):
		p.see(bin, id, false)
	case contains(nextestFailures, status) || strings.HasPrefix(status, "SIG") || strings.HasPrefix(status, "TRY "):
		// TRY 2 FAIL, TRY 2 TMT: the try's failure, the last unless a
		// later try of the same test passes.
		p.see(bin, id, true)
	}
}

func (p *nextestParser) see(bin, id string, failed bool) {
	if len(id) > maxID || len(bin) > maxID {
		if failed {
			p.count++
		}
		return
	}
	key := bin + "\x00" + id
	if i, ok := p.state[key]; ok {
		// A retry of a test kept: its last status is how it ended.
		if failed && !p.tests[i].failed {
			p.count++
		} else if !failed && p.tests[i].failed {
			p.count--
		}
		p.tests[i].failed = failed
		return
	}
	if len(p.tests) < MaxKept {
		p.state[key] = len(p.tests)
		p.tests = append(p.tests, nextestSeen{bin: bin, id: id, failed: failed})
		if failed {
			p.count++
		}
		return
	}
	// Past MaxKept a failure is only counted, once; the summary line
	// counts those a retry made pass.
	if failed && p.failures.first(key) {
		p.count++
	}
}

// summaryLine reads "Summary [ 15.750s] 8/10 tests run: 5 passed (1 slow),
// 2 failed, 1 exec failed, 1 timed out, 2 skipped".
func (p *nextestParser) summaryLine(line string) {
	_, rest, _ := strings.Cut(line, "] ")
	run, counts, ok := strings.Cut(rest, " tests run: ")
	if !ok {
		run, counts, ok = strings.Cut(rest, " test run: ")
	}
	if !ok {
		return
	}
	if done, total, ok := strings.Cut(run, "/"); ok && done != total {
		if strings.Contains(counts, "interrupt") || strings.Contains(counts, "signal") {
			p.stopped = "nextest was interrupted"
		} else {
			p.stopped = "nextest stopped at the first failure (fail-fast)"
		}
	}
	p.summary, p.summarized = 0, true
	for _, part := range strings.Split(counts, ", ") {
		n, what, _ := strings.Cut(part, " ")
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 || v >= 1<<30 {
			continue
		}
		if strings.HasPrefix(what, "failed") || strings.HasPrefix(what, "exec failed") || strings.HasPrefix(what, "timed out") {
			p.summary += v
		}
	}
}

func (p *nextestParser) Result() Result {
	r := Result{FailedCount: p.count, Broken: p.broken, Stopped: p.stopped}
	if p.summarized {
		r.FailedCount = p.summary
	}
	var passed []Test
	for _, s := range p.tests {
		t := Test{ID: s.id, Runner: Nextest, Package: s.bin}
		if s.failed {
			r.Failed = append(r.Failed, sameAsWatched(t, p.watch))
			r.FailedCount = max(r.FailedCount, len(r.Failed))
		} else {
			passed = append(passed, t)
		}
	}
	for _, w := range p.watch {
		switch {
		case seenAs(w, r.Failed):
		case seenAs(w, passed):
			r.Passed = append(r.Passed, w)
		default:
			r.NotRun = append(r.NotRun, w)
		}
	}
	return r
}

// rerun: cargo nextest run [the user's options] --no-fail-fast
// --status-level pass -E 'FILTER', FILTER selecting each test by its exact
// name within its binary: (binary_id(=demo) & test(=tests::foo)) | ...
// The user's test filters and filtersets go (they could exclude the
// tests); --status-level pass so that every pass shows.
func (nextestRunner) rerun(c *Command, tests []Test) ([][]string, string) {
	before, after, _ := splitDashes(c.Own())
	if nextestOpts.hasOption(before, "--stress-count", "--stress-duration") {
		return nil, "the command runs a stress test"
	}
	if _, why := rustTestNames(tests); why != "" {
		return nil, why
	}
	var terms []string
	seen := map[string]bool{}
	for _, t := range tests {
		term := "test(=" + filtersetString(t.ID) + ")"
		if t.Package != "" {
			term = "(binary_id(=" + filtersetString(t.Package) + ") & " + term + ")"
		}
		if !seen[term] {
			seen[term] = true
			terms = append(terms, term)
		}
	}
	own := nextestOpts.dropOptions(before, []string{"-E", "--filterset", "--filter-expr", "--status-level", "--max-fail", "--no-fail-fast", "--fail-fast", "-x"}, true)
	own = append(own, "--no-fail-fast", "--status-level", "pass", "-E", strings.Join(terms, " | "))
	// After --, nextest takes libtest's options; its filters go.
	if rest := libtestOpts.dropOptions(after, []string{"--exact"}, true); len(rest) > 0 {
		own = append(own, "--")
		own = append(own, rest...)
	}
	return [][]string{c.With(own)}, ""
}

// filtersetString escapes s for a filterset name matcher, which reads up to
// an unescaped ")" or ","; "/" opens a regex, "\" an escape.
func filtersetString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '/', ')', ',':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
