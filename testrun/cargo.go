package testrun

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// cargo test runs one test binary after another (unit tests of each
// crate, each integration test file, then the doc-tests), each a libtest
// harness. cargo names each binary on stderr ("Running unittests
// src/lib.rs (target/debug/deps/demo-hash)", "Doc-tests demo"); the
// harness prints on stdout "running N tests", a line per test ("test
// tests::foo ... FAILED", or "tests::foo --- FAILED" with -q) and "test
// result: ...". A test's Package is the binary's source path as cargo names
// it (src/lib.rs, tests/it.rs, or "Doc-tests demo"): the same in every run,
// unlike the binary's hashed file name. In a workspace two crates' binaries
// may share it (src/lib.rs): the id and the path then name both.
//
// On a pipe the two streams reach the parser in no guaranteed order, so a
// test line is not paired with the last binary named: the k-th "running N
// tests" of stdout is the k-th binary of stderr, each binary starting its
// harness once. A binary with harness = false breaks the pairing; its
// tests are not libtest's anyway.

type cargoRunner struct{}

// cargoOpts are cargo test's options that take a value (cargo 1.95).
var cargoOpts = optSpec{values: []string{
	"-p", "--package", "--exclude", "--test", "--bench", "--bin", "--example",
	"-F", "--features", "-j", "--jobs", "--target", "--target-dir", "--artifact-dir",
	"--manifest-path", "--lockfile-path", "--profile", "--color", "--message-format",
	"--config", "-Z",
}}

// libtestOpts are libtest's options (after --) that take a value.
var libtestOpts = optSpec{values: []string{
	"--test-threads", "--skip", "--format", "--logfile", "--color", "-Z",
	"--shuffle-seed", "--report-time-format",
}}

func (cargoRunner) parser(c *Command, watch []Test) Parser {
	before, _, _ := splitDashes(c.Own())
	return &cargoParser{
		runner:     Cargo,
		watch:      watch,
		noFailFast: cargoOpts.hasOption(before, "--no-fail-fast"),
		block:      -1,
		seen:       distinct{},
	}
}

// maxBinaries bounds the binaries a parser remembers; past it, tests are
// reported without their binary.
const maxBinaries = 10000

type cargoKey struct {
	block int
	id    string
}

type cargoParser struct {
	runner     string
	watch      []Test
	noFailFast bool

	bins  []string // binaries as cargo names them, in order
	block int      // the current harness run on stdout, -1 before the first

	failed  []cargoKey
	seen    distinct
	count   int
	summary int        // failures the "test result:" lines count
	passed  []cargoKey // passes of watched ids, up to MaxKept

	broken, stopped string
	list            bool // in the list of failures ("failures:")
}

func (p *cargoParser) Line(stream int, b []byte) {
	if len(b) > MaxLine {
		b = b[:MaxLine]
	}
	line := string(bytes.TrimRight(b, " \t"))
	trimmed := strings.TrimLeft(line, " \t")
	if p.list && !strings.HasPrefix(line, "    ") {
		p.list = false
	}
	switch {
	case strings.HasPrefix(trimmed, "Running ") && strings.HasSuffix(trimmed, ")") && line != trimmed:
		// cargo's own status lines are indented, a test's "Running" is not.
		// Running unittests src/lib.rs (target/debug/deps/demo-8348ca7a80742723)
		name := strings.TrimPrefix(trimmed, "Running ")
		name = strings.TrimPrefix(name, "unittests ")
		if i := strings.LastIndex(name, " ("); i > 0 {
			name = name[:i]
		}
		p.binary(name)
	case strings.HasPrefix(trimmed, "Doc-tests ") && line != trimmed:
		p.binary(trimmed)
	case strings.HasPrefix(line, "running ") && (strings.HasSuffix(line, " tests") || strings.HasSuffix(line, " test")):
		p.block++
	case strings.HasPrefix(line, "test result: "):
		// test result: FAILED. 4 passed; 3 failed; 1 ignored; ...
		for _, part := range strings.Split(line, "; ") {
			if n, ok := strings.CutSuffix(part, " failed"); ok {
				if i := strings.LastIndexByte(n, ' '); i >= 0 {
					n = n[i+1:]
				}
				if v, err := strconv.Atoi(n); err == nil && v > 0 && v < 1<<30 {
					p.summary += v
				}
			}
		}
	case strings.HasPrefix(line, "test "):
		// test tests::foo ... ok, test tests::p - should panic ... FAILED
		name, status, ok := strings.Cut(line[len("test "):], " ... ")
		if !ok {
			return
		}
		name = strings.TrimSuffix(name, " - should panic")
		switch {
		case strings.HasPrefix(status, "FAILED"):
			p.fail(name)
		case strings.HasPrefix(status, "ok"):
			p.pass(name)
		}
	case line == "failures:":
		p.list = true
		return
	case p.list && strings.HasPrefix(line, "    ") && len(line) > 4 && line[4] != ' ':
		// The list after the failures' output names each failed test:
		// what --nocapture leaves of "test x ... FAILED" may not.
		p.fail(line[4:])
		return
	case strings.HasSuffix(line, " --- FAILED") && !strings.HasPrefix(line, " "):
		p.fail(strings.TrimSuffix(line, " --- FAILED")) // -q
	case strings.HasPrefix(trimmed, "error: could not compile "):
		// error: could not compile `demo` (lib test) due to 1 previous error
		if p.broken == "" || p.broken == "a build failed" {
			what, _, _ := strings.Cut(strings.TrimPrefix(trimmed, "error: "), " due to ")
			p.broken = cut(what, 200)
		}
	case strings.HasPrefix(trimmed, "error[E") && p.broken == "":
		p.broken = "a build failed"
	case strings.HasPrefix(trimmed, "process didn't exit successfully: "):
		p.crashed(trimmed)
	case strings.HasPrefix(trimmed, "error: test failed, to rerun pass ") || strings.HasPrefix(trimmed, "error: doctest failed, to rerun pass "):
		// Without --no-fail-fast cargo ends here; the doc-tests run last,
		// so stopping there skipped nothing.
		if !p.noFailFast && !strings.Contains(trimmed, "`--doc`") && p.stopped == "" {
			p.stopped = "cargo test stopped after the first failing test binary (no --no-fail-fast)"
		}
	}
}

func (p *cargoParser) binary(name string) {
	if len(p.bins) < maxBinaries {
		p.bins = append(p.bins, cut(name, 256))
	}
}

func (p *cargoParser) fail(name string) {
	if name == "" || len(name) > maxID {
		p.count++
		return
	}
	k := cargoKey{p.block, name}
	if !p.seen.first(strconv.Itoa(p.block) + "\x00" + name) {
		return
	}
	p.count++
	if len(p.failed) < MaxKept {
		p.failed = append(p.failed, k)
	}
}

func (p *cargoParser) pass(name string) {
	if len(p.passed) >= MaxKept {
		return
	}
	for _, w := range p.watch {
		if w.ID == name {
			p.passed = append(p.passed, cargoKey{p.block, name})
			return
		}
	}
}

// crashed reads cargo's "process didn't exit successfully: `path` (signal:
// 6, SIGABRT: process abort signal)": a harness that died took its
// remaining tests, and the one that killed it, with it. An exit status of
// 101 is libtest's own for failed tests (older cargo says so too).
func (p *cargoParser) crashed(line string) {
	if p.broken != "" {
		return
	}
	bin := "a test binary"
	if len(p.bins) > 0 {
		bin = "the test binary " + p.bins[len(p.bins)-1]
	}
	i := strings.LastIndex(line, "(")
	if i < 0 {
		return
	}
	what := strings.TrimSuffix(line[i+1:], ")")
	switch {
	case strings.HasPrefix(what, "signal: "):
		sig := strings.TrimPrefix(what, "signal: ")
		if _, name, ok := strings.Cut(sig, ", "); ok {
			sig, _, _ = strings.Cut(name, ":")
		}
		p.broken = bin + " crashed (" + cut(sig, 40) + ")"
	case strings.HasPrefix(what, "exit status: ") && what != "exit status: 101":
		p.broken = bin + " exited with " + cut(what, 40)
	}
}

func (p *cargoParser) pkg(block int) string {
	if block >= 0 && block < len(p.bins) {
		return p.bins[block]
	}
	return ""
}

func (p *cargoParser) Result() Result {
	r := Result{FailedCount: max(p.count, p.summary), Broken: p.broken, Stopped: p.stopped}
	for _, k := range p.failed {
		r.Failed = append(r.Failed, sameAsWatched(Test{ID: k.id, Runner: p.runner, Package: p.pkg(k.block)}, p.watch))
	}
	for _, w := range p.watch {
		if seenAs(w, r.Failed) {
			continue
		}
		passed := false
		for _, k := range p.passed {
			if k.id == w.ID && (w.Package == "" || w.Package == p.pkg(k.block)) {
				passed = true
				break
			}
		}
		if passed {
			r.Passed = append(r.Passed, w)
		} else {
			r.NotRun = append(r.NotRun, w)
		}
	}
	return r
}

// rerun: cargo test [the user's options] --no-fail-fast -- [the user's
// libtest options] --exact NAME...; libtest takes several filters, and
// --exact makes each match one test's whole path. Every binary runs with
// the filters (cargo cannot pick a binary per filter); a binary where none
// matches runs nothing. --no-fail-fast so a binary failing again does not
// hide the watched tests of the next; -q and --format go so that each
// test's line shows its pass.
func (cargoRunner) rerun(c *Command, tests []Test) ([][]string, string) {
	before, after, _ := splitDashes(c.Own())
	if libtestOpts.hasOption(after, "--list") {
		return nil, "the command lists the tests (--list)"
	}
	names, why := rustTestNames(tests)
	if why != "" {
		return nil, why
	}
	own := cargoOpts.dropOptions(before, []string{"-q", "--quiet"}, true)
	if !cargoOpts.hasOption(own, "--no-fail-fast") {
		own = append(own, "--no-fail-fast")
	}
	own = append(own, "--")
	own = append(own, libtestOpts.dropOptions(after, []string{"-q", "--quiet", "--format", "--exact"}, true)...)
	own = append(own, "--exact")
	own = append(own, names...)
	return [][]string{c.With(own)}, ""
}

// rustTestNames returns the distinct test paths of tests, or why one
// cannot be selected by name.
func rustTestNames(tests []Test) ([]string, string) {
	var names []string
	seen := map[string]bool{}
	for _, t := range tests {
		if strings.HasPrefix(t.Package, "Doc-tests ") {
			return nil, "a doc-test failed, and a doc-test cannot be selected by name"
		}
		if !isRustPath(t.ID) {
			return nil, fmt.Sprintf("a failed test's name (%s) is not a Rust test path", strconv.QuoteToGraphic(cut(t.ID, 80)))
		}
		if !seen[t.ID] {
			seen[t.ID] = true
			names = append(names, t.ID)
		}
	}
	return names, ""
}

// isRustPath: identifiers joined by "::", as #[test] functions are named
// (raw identifiers r#name included). It never starts with '-', so it is
// never taken for an option.
func isRustPath(s string) bool {
	if s == "" {
		return false
	}
	for _, seg := range strings.Split(s, "::") {
		seg = strings.TrimPrefix(seg, "r#")
		if seg == "" {
			return false
		}
		for i, r := range seg {
			switch {
			case r == '_' || unicode.IsLetter(r):
			case i > 0 && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)):
			default:
				return false
			}
		}
	}
	return true
}
