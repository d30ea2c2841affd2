package testrun

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/maestro-recovery/maestro/internal/lazy"
)

// Jest and vitest name a test by its file and its full name: the titles of
// the describe blocks around it and its own. Jest shows the full name
// joined by " › " ("● math › nested › fails"), vitest by " > " ("FAIL
// math.test.js > math > nested > fails"); a Test keeps that form as its ID,
// and the file, relative to the project's root as the runner prints it, as
// its File. Both select tests by a regular expression on the full name
// joined by single spaces (-t, --testNamePattern), which a rerun anchors
// on both ends. A title holding the separator itself (" › ", " > ") cannot
// be told from two titles; the rerun's pattern then matches nothing, and
// the test shows as not run.

// jsCollector keeps what jest and vitest parsers share: the failed tests,
// the passes of watched ones, the counts.
type jsCollector struct {
	runner  string
	watch   []Test
	failed  []Test
	seen    distinct
	count   int
	summary int
	passed  []Test
	broken  string
	stopped string
}

func newJSCollector(runner string, watch []Test) jsCollector {
	return jsCollector{runner: runner, watch: watch, seen: distinct{}}
}

func (c *jsCollector) fail(file, id string) {
	if id == "" || len(id) > maxID || len(file) > maxID {
		c.count++
		return
	}
	t := Test{ID: id, Runner: c.runner, File: file}
	if !c.seen.first(t.Key()) {
		return
	}
	c.count++
	if len(c.failed) < MaxKept {
		c.failed = append(c.failed, t)
	}
}

func (c *jsCollector) pass(file, id string) {
	for _, w := range c.watch {
		if w.ID == id && (w.File == "" || w.File == file) && !seenAs(w, c.passed) {
			c.passed = append(c.passed, w)
		}
	}
}

func (c *jsCollector) result() Result {
	r := Result{FailedCount: max(c.count, c.summary), Broken: c.broken, Stopped: c.stopped}
	for _, t := range c.failed {
		r.Failed = append(r.Failed, sameAsWatched(t, c.watch))
	}
	for _, w := range c.watch {
		switch {
		case seenAs(w, r.Failed):
		case seenAs(w, c.passed):
			r.Passed = append(r.Passed, w)
		default:
			r.NotRun = append(r.NotRun, w)
		}
	}
	return r
}

// summaryCount reads the failed count of "Tests:       3 failed, 4 passed,
// 7 total" (jest) or "Tests  3 failed | 4 passed (7)" (vitest).
func summaryCount(rest string) int {
	fields := strings.Fields(rest)
	for i := 1; i < len(fields); i++ {
		if strings.HasPrefix(fields[i], "failed") {
			if v, err := strconv.Atoi(fields[i-1]); err == nil && v >= 0 && v < 1<<30 {
				return v
			}
		}
	}
	return 0
}

// jestTime and vitestTime are the durations after a test's title: "✓
// adds (26 ms)", "✓ math > adds 1ms".
var (
	jestTime   = lazy.Regexp{Expr: ` \([0-9]+(?:\.[0-9]+)? m?s\)$`}
	vitestTime = lazy.Regexp{Expr: ` [0-9]+(?:\.[0-9]+)?m?s$`}
)

// jestRunner reads jest's output (on stderr): "FAIL ./math.test.js", then a
// "● math › fails" block per failed test; with --verbose (the default when
// one file runs) the tree of "✓ adds (2 ms)" / "✕ fails (3 ms)" lines under
// the describe titles, indented by two spaces a level.
type jestRunner struct{}

// jestOpts are jest's options that take a value (jest 30).
var jestOpts = optSpec{values: []string{
	"-c", "--config", "-t", "--testNamePattern", "--testPathPattern", "--testPathPatterns",
	"--testPathIgnorePatterns", "--reporters", "-w", "--maxWorkers", "--outputFile",
	"--coverageDirectory", "--collectCoverageFrom", "--coverageProvider", "--coverageReporters",
	"--coveragePathIgnorePatterns", "--coverageThreshold", "--rootDir", "--roots", "--selectProjects",
	"--ignoreProjects", "--shard", "--seed", "--testTimeout", "--testEnvironment", "--testEnvironmentOptions",
	"--testRunner", "--testMatch", "--testRegex", "--changedSince", "--env", "--filter", "--globalSetup",
	"--globalTeardown", "--globals", "--maxConcurrency", "--moduleDirectories", "--moduleFileExtensions",
	"--moduleNameMapper", "--modulePaths", "--notifyMode", "--preset", "--resolver", "--setupFiles",
	"--setupFilesAfterEnv", "--snapshotSerializers", "--testFailureExitCode", "--testResultsProcessor",
	"--testSequencer", "--transform", "--transformIgnorePatterns", "--unmockedModulePathPatterns",
	"--watchPathIgnorePatterns", "--workerIdleMemoryLimit", "--cacheDirectory", "--randomize-seed",
}}

func (jestRunner) parser(c *Command, watch []Test) Parser {
	p := &jestParser{jsCollector: newJSCollector(Jest, watch)}
	if jestOpts.hasOption(c.Own(), "--bail", "-b") {
		p.bail = true
	}
	return p
}

type jestParser struct {
	jsCollector
	bail   bool
	file   string   // the file of the last FAIL/PASS line
	tree   bool     // in the verbose tree under that line
	titles []string // describe titles of the tree, by level
	failed bool     // a suite failed
}

func (p *jestParser) Line(stream int, b []byte) {
	if len(b) > MaxLine {
		b = b[:MaxLine]
	}
	line := string(bytes.TrimRight(b, " \t"))
	// In colour, " FAIL " is a label of its own: " FAIL  ./a.test.js".
	if head := strings.TrimPrefix(line, " "); strings.HasPrefix(head, "FAIL ") || strings.HasPrefix(head, "PASS ") {
		// PASS ./a.test.js (5.2 s): the time of a slow file.
		p.file = jestTime.Get().ReplaceAllString(strings.TrimPrefix(strings.TrimSpace(head[5:]), "./"), "")
		p.file = cut(p.file, 1024)
		p.tree, p.titles = true, p.titles[:0]
		if head[0] == 'F' {
			p.failed = true
		}
		return
	}
	switch {
	case line == "":
		p.tree = false
		return
	case strings.HasPrefix(line, "  ● "):
		p.tree = false
		name := line[len("  ● "):]
		if name == "Test suite failed to run" {
			if p.broken == "" {
				p.broken = "a test file failed to run: " + p.file
			}
			return
		}
		if p.file != "" {
			p.jsCollector.fail(p.file, name)
		}
		return
	case strings.HasPrefix(line, "Tests:"):
		p.summary = summaryCount(line[len("Tests:"):])
		return
	case strings.HasPrefix(line, "Test Suites:"):
		if p.bail && p.failed && p.stopped == "" {
			p.stopped = "jest stopped at the first failing test file (--bail)"
		}
		return
	}
	if !p.tree {
		return
	}
	// The verbose tree: "  math", "    ✓ adds (26 ms)", "      ✕ fails (33 ms)".
	trimmed := strings.TrimLeft(line, " ")
	level := (len(line) - len(trimmed) - 2) / 2
	if level < 0 || level > 256 {
		p.tree = false
		return
	}
	for _, mark := range []string{"✓ ", "✕ ", "○ ", "✎ "} {
		if title, ok := strings.CutPrefix(trimmed, mark); ok {
			if mark == "✓ " || mark == "✕ " {
				title = jestTime.Get().ReplaceAllString(title, "")
			}
			id := strings.Join(append(p.titles[:min(level, len(p.titles)):min(level, len(p.titles))], title), " › ")
			switch mark {
			case "✓ ":
				p.pass(p.file, id)
			case "✕ ":
				p.jsCollector.fail(p.file, id)
			}
			return
		}
	}
	if level < len(p.titles) {
		p.titles = p.titles[:level]
	}
	if level == len(p.titles) && len(p.titles) < 256 {
		p.titles = append(p.titles, cut(trimmed, 1024))
	}
}

func (p *jestParser) Result() Result { return p.result() }

// rerun: jest [the user's options] --verbose PATTERN... --testNamePattern
// '^(?:NAME|NAME)$': each PATTERN a failed test's file as a regular
// expression anchored on the path's end, each NAME a full name, its regular
// expression characters escaped. --verbose makes each test's pass show.
func (jestRunner) rerun(c *Command, tests []Test) ([][]string, string) {
	own := c.Own()
	if why := jsRefusal(own, jestOpts, []string{"--watch", "--watchAll", "--listTests", "--findRelatedTests", "--onlyChanged", "-o", "--changedSince", "--lastCommit", "--onlyFailures", "-f"}); why != "" {
		return nil, why
	}
	files, pattern, why := jsSelection(tests, " › ")
	if why != "" {
		return nil, why
	}
	kept := jestOpts.dropOptions(own, []string{"-t", "--testNamePattern", "--testPathPattern", "--testPathPatterns", "--bail", "-b", "--verbose"}, true)
	kept = append(kept, "--verbose")
	for _, f := range files {
		kept = append(kept, "(?:^|/)"+regexp.QuoteMeta(f)+"$")
	}
	kept = append(kept, "--testNamePattern", pattern)
	return [][]string{c.With(kept)}, ""
}

// jsRefusal says why the user's arguments make a narrowed run meaningless.
func jsRefusal(own []string, spec optSpec, refused []string) string {
	if _, _, ok := splitDashes(own); ok {
		return "the command passes arguments after --"
	}
	for _, o := range refused {
		if spec.hasOption(own, o) {
			return "the command runs with " + o
		}
	}
	return ""
}

// jsSelection returns the files of tests, each once, and the name pattern
// that selects them, the titles of each full name (split at sep) joined by
// single spaces as jest and vitest match them.
func jsSelection(tests []Test, sep string) ([]string, string, string) {
	var files, names []string
	seenFile, seenName := map[string]bool{}, map[string]bool{}
	for _, t := range tests {
		if t.File == "" {
			return nil, "", "a failed test's file is not known"
		}
		if !seenFile[t.File] {
			seenFile[t.File] = true
			files = append(files, t.File)
		}
		name := regexp.QuoteMeta(strings.Join(strings.Split(t.ID, sep), " "))
		if !seenName[name] {
			seenName[name] = true
			names = append(names, name)
		}
	}
	return files, "^(?:" + strings.Join(names, "|") + ")$", ""
}

// vitestRunner reads vitest's output: "FAIL  math.test.js > math > fails"
// per failed test (stderr on a pipe), "FAIL  broken.test.js [
// broken.test.js ]" for a file that failed to load; the test lines "✓ math
// > adds 1ms" / "× math > fails 4ms" under a "❯ math.test.js (5 tests | 3
// failed)" header, or, with --reporter=verbose, "✓ math.test.js > math >
// adds 1ms" lines naming the file.
type vitestRunner struct{}

// vitestOpts are vitest's options that take a value (vitest 3).
var vitestOpts = optSpec{values: []string{
	"-t", "--testNamePattern", "-c", "--config", "-r", "--root", "--dir", "--reporter", "--outputFile",
	"--project", "--environment", "--pool", "--shard", "--testTimeout", "--hookTimeout", "--maxWorkers",
	"--minWorkers", "--exclude", "--mode", "--bail", "--retry", "--maxConcurrency", "--teardownTimeout",
	"--slowTestThreshold", "--silent", "--sequence.seed", "--coverage.provider", "--coverage.reporter",
	"--coverage.reportsDirectory", "--coverage.include", "--coverage.exclude", "--browser.name",
	"--browser.provider", "--api.port", "--api.host", "--inspect", "--inspect-brk", "--diff",
	"--workspace", "--configLoader", "--vmMemoryLimit", "--includeTaskLocation",
}}

func (vitestRunner) parser(c *Command, watch []Test) Parser {
	return &vitestParser{jsCollector: newJSCollector(Vitest, watch), bail: vitestOpts.hasOption(c.Own(), "--bail")}
}

type vitestParser struct {
	jsCollector
	bail   bool
	file   string // the file of the last "❯ file (N tests | M failed)" header
	suites bool   // in the "Failed Suites" section
	log    bool   // in a test's output, "stdout | math.test.js > logs"
}

// vitestHeader: a file's line, " ❯ math.test.js (5 tests | 3 failed) 11ms".
var vitestHeader = lazy.Regexp{Expr: `^[✓❯×↓] (.+?) \([0-9]+ tests?(?: \| [^)]*)?\)(?: [0-9.]+m?s)?$`}

func (p *vitestParser) Line(stream int, b []byte) {
	if len(b) > MaxLine {
		b = b[:MaxLine]
	}
	line := string(bytes.TrimRight(b, " \t"))
	trimmed := strings.TrimLeft(line, " ")
	indent := len(line) - len(trimmed)
	if p.log {
		p.log = line != ""
		return
	}
	switch {
	case strings.HasPrefix(line, "stdout | ") || strings.HasPrefix(line, "stderr | "):
		p.log = true
		return
	case strings.HasPrefix(line, "⎯") && strings.Contains(line, " Failed Suites "):
		p.suites = true
		return
	case strings.HasPrefix(line, "⎯") && strings.Contains(line, " Failed Tests "):
		p.suites = false
		return
	case strings.HasPrefix(trimmed, "FAIL  "):
		rest := trimmed[len("FAIL  "):]
		if p.suites {
			// A file that did not load, "FAIL  broken.test.js [
			// broken.test.js ]", or a describe block whose hook
			// failed, "FAIL  hook.test.js > hooked": its tests did
			// not run.
			switch file, _, isFile := strings.Cut(rest, " [ "); {
			case p.broken != "":
			case isFile:
				p.broken = "a test file failed to run: " + cut(file, 1024)
			default:
				p.broken = "a describe block failed to run: " + cut(rest, 1024)
			}
			return
		}
		if file, what, ok := strings.Cut(rest, " > "); ok {
			p.jsCollector.fail(file, what)
		}
		return
	case strings.HasPrefix(trimmed, "Tests  "):
		p.summary = summaryCount(trimmed[len("Tests  "):])
		return
	case strings.HasPrefix(trimmed, "Test Files  "):
		return
	case indent <= 1:
		if m := vitestHeader.Get().FindStringSubmatch(trimmed); m != nil {
			p.file = cut(m[1], 1024)
			return
		}
	}
	for _, mark := range []string{"✓ ", "× "} {
		rest, ok := strings.CutPrefix(trimmed, mark)
		if !ok {
			continue
		}
		rest = vitestTime.Get().ReplaceAllString(rest, "")
		file := p.file
		if indent <= 1 { // the verbose reporter names the file
			f, id, ok := strings.Cut(rest, " > ")
			if !ok {
				return
			}
			file, rest = f, id
		}
		if file == "" {
			return
		}
		if mark == "✓ " {
			p.pass(file, rest)
		} else {
			p.jsCollector.fail(file, rest)
		}
	}
}

func (p *vitestParser) Result() Result {
	r := p.result()
	if p.bail && r.FailedCount > 0 && r.Stopped == "" {
		r.Stopped = "vitest stopped at the first failures (--bail)"
	}
	return r
}

// rerun: vitest run [the user's options] --reporter=verbose FILE... -t
// '^(?:NAME|NAME)$'. vitest's file filters match any path holding them,
// so a file may bring others along; the name pattern keeps to the tests.
func (vitestRunner) rerun(c *Command, tests []Test) ([][]string, string) {
	own := c.Own()
	if why := jsRefusal(own, vitestOpts, []string{"--watch", "-w", "--changed", "--related", "--standalone"}); why != "" {
		return nil, why
	}
	files, pattern, why := jsSelection(tests, " > ")
	if why != "" {
		return nil, why
	}
	for _, f := range files {
		if strings.HasPrefix(f, "-") {
			return nil, "a failed test's file name starts with -"
		}
	}
	kept := vitestOpts.dropOptions(own, []string{"-t", "--testNamePattern", "--bail"}, true)
	if !contains(kept, "--reporter=verbose") {
		kept = append(kept, "--reporter=verbose")
	}
	kept = append(kept, files...)
	kept = append(kept, "-t", pattern)
	return [][]string{c.With(kept)}, ""
}
