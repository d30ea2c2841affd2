package testrun

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/maestro-recovery/maestro/internal/lazy"
)

// pytest names a test by its node id, path::Class::test[param], the path
// relative to the directory pytest runs in; the rerun runs in the same
// directory, so the id as printed selects the test again. A parametrised
// test's id holds the param ids as written (spaces, " - ", brackets, any
// text) except that pytest escapes non-ASCII characters (\u7121); the
// escaped form selects the test too.
//
// The failed tests are read from the short test summary that pytest prints
// at the end of a run by default (-rfE): "FAILED id - message" for a
// failure, "ERROR id - message" for an error in a fixture's setup or
// teardown, "ERROR path" for a file that could not be collected. With -v
// each test also has a line "id STATUS [ 10%]" (with pytest-xdist "[gw0]
// [ 10%] STATUS id"), read the same way. A rerun adds -rfEpxX, so the
// summary also names the watched tests that passed ("PASSED id") or
// xfailed/xpassed; a watched test it names neither way did not run.
//
// Checked against pytest 7.2.1 (Debian bookworm), see
// testdata/pytest/README.md.

type pytestRunner struct{}

// pytestValueOpts are pytest's options, and those of common plugins, that
// take the next word as their value (pytest 7.2; --cov and --debug take it
// only when it does not start with '-', as argparse does for an optional
// value, which is how they are read here too).
var pytestValueOpts = []string{
	"-k", "-m", "-p", "-c", "-o", "-r", "-W", "-n",
	"--rootdir", "--basetemp", "--tb", "--deselect", "--ignore", "--ignore-glob",
	"--confcutdir", "--junitxml", "--junit-xml", "--junit-prefix", "--import-mode",
	"--maxfail", "--durations", "--durations-min", "--capture", "--show-capture",
	"--log-level", "--log-format", "--log-date-format", "--log-cli-level",
	"--log-cli-format", "--log-cli-date-format", "--log-file", "--log-file-level",
	"--log-file-format", "--log-file-date-format", "--log-auto-indent",
	"--pastebin", "--pdbcls", "--doctest-glob", "--doctest-report", "--color",
	"--code-highlight", "--assert", "--override-ini", "--config-file",
	"--verbosity", "--debug", "--lfnf", "--last-failed-no-failures", "--cache-show",
	"--rsyncdir", "--rsyncignore", "--cov", "--cov-report", "--cov-config",
	"--cov-fail-under", "--cov-context", "--numprocesses", "--maxprocesses",
	"--dist", "--tx", "--max-worker-restart", "--timeout", "--timeout-method",
	"--timeout_method", "--reruns", "--reruns-delay", "--only-rerun",
	"--rerun-except", "--randomly-seed", "--html", "--css", "--hypothesis-seed",
	"--hypothesis-profile", "--hypothesis-verbosity", "--ds", "--dc",
	"--json-report-file", "--alluredir", "--asyncio-mode", "--benchmark-json",
	"--benchmark-save", "--benchmark-compare", "--benchmark-sort",
	"--benchmark-columns", "--benchmark-group-by", "--benchmark-min-rounds",
	"--benchmark-max-time", "--benchmark-storage", "--base-url", "--env",
	"--mypy-ini-file", "--flake8-ignore", "--splinter-webdriver", "--driver",
	"--report-log", "--count", "--repeat-scope", "--random-order-seed",
	"--random-order-bucket", "--django-settings", "--ignore-flaky",
}

// pytestShortValue are the one-letter options that take a value, glued on
// (-kexpr) or as the next word.
const pytestShortValue = "kmpcorWn"

// Options a rerun drops: they select tests by what failed before (--lf),
// stop at the first failure (-x), or order tests (--ff, --sw).
var pytestDrop = []string{
	"-x", "--exitfirst", "--maxfail", "--lf", "--last-failed", "--ff",
	"--failed-first", "--sw", "--stepwise", "--sw-skip", "--stepwise-skip",
	"--lfnf", "--last-failed-no-failures", "-r", "--no-summary",
}

// pytestFlags are long options known to take no value: the word after one
// is a positional argument even when it is not an existing path
// (--pyargs mypkg).
var pytestFlags = []string{
	"--pyargs", "--strict-markers", "--strict", "--strict-config", "--runxfail",
	"--nf", "--new-first", "--cache-clear", "--disable-warnings",
	"--disable-pytest-warnings", "--showlocals", "--full-trace", "--setup-only",
	"--setup-show", "--doctest-modules", "--doctest-continue-on-failure",
	"--doctest-ignore-import-errors", "--continue-on-collection-errors",
	"--noconftest", "--keep-duplicates", "--collect-in-virtualenv",
	"--trace-config", "--no-header", "--no-summary", "--verbose", "--quiet",
	"--exitfirst", "--lf", "--last-failed", "--ff", "--failed-first", "--sw",
	"--stepwise", "--sw-skip", "--stepwise-skip", "--no-cov", "--cov-append",
	"--cov-branch", "--no-cov-on-fail", "--forked", "--boxed", "--instafail",
	"--reuse-db", "--create-db", "--nomigrations", "--no-migrations",
	"--benchmark-skip", "--benchmark-only", "--benchmark-disable",
	"--hypothesis-show-statistics", "--runslow", "--run-slow",
}

// Options that make a narrowed rerun meaningless: the command does not run
// the tests (it lists them, or its fixtures), or it is interactive.
var pytestWhole = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"--co":                "the command only collects the tests (--co)",
		"--collect-only":      "the command only collects the tests (--collect-only)",
		"--setup-plan":        "the command only shows the set-up plan (--setup-plan)",
		"--fixtures":          "the command only lists the fixtures (--fixtures)",
		"--funcargs":          "the command only lists the fixtures (--funcargs)",
		"--fixtures-per-test": "the command only lists the fixtures (--fixtures-per-test)",
		"--markers":           "the command only lists the markers (--markers)",
		"--cache-show":        "the command only shows pytest's cache (--cache-show)",
		"--pdb":               "the command debugs failures interactively (--pdb)",
		"--trace":             "the command debugs tests interactively (--trace)",
		"--looponfail":        "the command reruns failures itself (--looponfail)",
		"-f":                  "the command reruns failures itself (-f)",
		"--help":              "the command shows pytest's help",
		"-h":                  "the command shows pytest's help",
		"--version":           "the command shows pytest's version",
		"-V":                  "the command shows pytest's version",
	}
}}

// pytestArg is one argument of a pytest command line, as pytest reads it.
type pytestArg struct {
	word  string
	name  string // the option's name (-k, --tb), "" for a positional
	value string // the option's value, glued on or the next word
	next  bool   // the value is the next word
	flags string // the one-letter flags of a cluster before -k, -p, ...: "xv" of -xvkexpr
	pos   bool   // a positional argument: a path or node id
}

// pytestArgs reads a pytest command line: options (short ones may be
// clustered, -xvs, -vrfE), their values, positional arguments. It says why
// when an argument may be the value of an unknown option or a test path,
// and a rerun could not tell which to drop.
func pytestArgs(args []string) ([]pytestArg, string) {
	var out []pytestArg
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for _, p := range args[i+1:] {
				out = append(out, pytestArg{word: p, pos: true})
			}
			return out, ""
		case !strings.HasPrefix(a, "-") || a == "-":
			out = append(out, pytestArg{word: a, pos: true})
		case strings.HasPrefix(a, "--"):
			name, val, eq := strings.Cut(a, "=")
			arg := pytestArg{word: a, name: name, value: val}
			if !eq && contains(pytestValueOpts, name) && i+1 < len(args) {
				optional := name == "--cov" || name == "--debug" || name == "--cache-show"
				if !optional || !strings.HasPrefix(args[i+1], "-") {
					arg.value, arg.next = args[i+1], true
					i++
				}
			} else if !eq && !contains(pytestValueOpts, name) && !contains(pytestFlags, name) && pytestWhole.Get()[name] == "" && i+1 < len(args) && ambiguous(args[i+1]) {
				return nil, fmt.Sprintf("cannot tell whether %s is a test path or the value of %s", strconv.QuoteToGraphic(cut(args[i+1], 80)), strconv.QuoteToGraphic(cut(name, 80)))
			}
			out = append(out, arg)
		default:
			// A cluster of one-letter flags, the last of which may take a
			// value: -xvs, -vkexpr, -vk expr.
			arg := pytestArg{word: a}
			for j := 1; j < len(a); j++ {
				ch := a[j]
				if strings.IndexByte(pytestShortValue, ch) >= 0 {
					arg.name = "-" + a[j:j+1]
					if j+1 < len(a) {
						arg.value = a[j+1:]
					} else if i+1 < len(args) {
						arg.value, arg.next = args[i+1], true
						i++
					}
					break
				}
				arg.flags += a[j : j+1]
			}
			if arg.name == "" && len(arg.flags) == 1 && i+1 < len(args) && pytestWhole.Get()["-"+arg.flags] == "" && !strings.ContainsAny(arg.flags, "xvqslhVf") && ambiguous(args[i+1]) {
				return nil, fmt.Sprintf("cannot tell whether %s is a test path or the value of %s", strconv.QuoteToGraphic(cut(args[i+1], 80)), strconv.QuoteToGraphic(a))
			}
			out = append(out, arg)
		}
	}
	return out, ""
}

// ambiguous: a word after an option pytest may not know, that is not an
// existing path nor looks like a test's: it may be that option's value.
func ambiguous(w string) bool {
	if strings.HasPrefix(w, "-") {
		return false
	}
	path, _, _ := strings.Cut(w, "::")
	if strings.HasSuffix(path, ".py") || strings.Contains(w, "::") {
		return false
	}
	_, err := os.Stat(path)
	return err != nil
}

func (pytestRunner) rerun(c *Command, tests []Test) ([][]string, string) {
	args, why := pytestArgs(c.Own())
	if why != "" {
		return nil, why
	}
	var own []string
	report := ""
	for _, a := range args {
		if a.pos {
			continue
		}
		if a.name == "" || !strings.HasPrefix(a.name, "--") {
			for _, f := range a.flags {
				if w := pytestWhole.Get()["-"+string(f)]; w != "" {
					return nil, w
				}
			}
		} else if w := pytestWhole.Get()[a.name]; w != "" {
			return nil, w
		}
		if a.name == "-r" {
			report = a.value // pytest keeps the last -r
		}
		word := a.word
		if !strings.HasPrefix(word, "--") {
			// Drop -x from a cluster (-xvs), and -r, which the rerun sets.
			flags := strings.ReplaceAll(a.flags, "x", "")
			word = ""
			switch {
			case a.name == "-r":
				if flags != "" {
					word = "-" + flags
				}
			case a.name != "" && a.next:
				word = "-" + flags + a.name[1:]
			case a.name != "":
				word = "-" + flags + a.name[1:] + a.value
			case flags != "":
				word = "-" + flags
			}
			if word != "" {
				own = append(own, word)
			}
			if a.next && a.name != "-r" {
				own = append(own, a.value)
			}
			continue
		}
		if optionNamed(a.name, pytestDrop) {
			continue
		}
		own = append(own, word)
		if a.next {
			own = append(own, a.value)
		}
	}
	// The summary names each watched test that passed (p) or xfailed,
	// xpassed (xX), besides failures and errors (fE): a watched test it
	// does not name did not run.
	own = append(own, "-r"+report+"fEpxX", "--")
	seen := map[string]bool{}
	for _, t := range tests {
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		// After "--" pytest takes no option, and an optional value (--cov)
		// takes no id; "./" keeps an id that starts with '-' from looking
		// like an option all the same. pytest prints the id without it.
		if strings.HasPrefix(t.ID, "-") {
			own = append(own, "./"+t.ID)
		} else {
			own = append(own, t.ID)
		}
	}
	return [][]string{c.With(own)}, ""
}

func (pytestRunner) parser(c *Command, watch []Test) Parser {
	p := &pytestParser{watch: map[string]Test{}, seen: map[string]bool{}, passed: map[string]bool{}, notRun: map[string]bool{}, heads: map[string]bool{}}
	for _, w := range watch {
		if _, ok := p.watch[w.ID]; !ok {
			p.watch[w.ID] = w
			p.order = append(p.order, w.ID)
		}
	}
	p.watching = len(watch) > 0
	// A rerun drops -x: only a whole run stops at the first failure.
	if args, why := pytestArgs(c.Own()); why == "" && !p.watching {
		for _, a := range args {
			switch {
			case a.name == "--exitfirst" || strings.Contains(a.flags, "x") && !strings.HasPrefix(a.word, "--"):
				p.failFast = "pytest stopped at the first failure (-x)"
			case a.name == "--maxfail":
				p.failFast = "pytest stopped after --maxfail failures"
			}
		}
	}
	return p
}

type pytestParser struct {
	watch    map[string]Test
	order    []string
	watching bool
	failFast string // the command's -x or --maxfail

	failed []Test
	seen   map[string]bool // failed ids kept
	count  int             // failed and errored tests the summary line counts
	unkept int             // failed tests not kept: too many, or too long an id
	passed map[string]bool // watched ids seen passing
	notRun map[string]bool // watched ids pytest found no test for
	heads  map[string]bool // section headings of parametrised tests' tracebacks

	started, header          bool
	ended                    bool // the summary line or the short summary
	broken, collection       string
	crash, internal, stopped string
	timeout                  bool
}

var (
	// === 7 failed, 5 passed, 2 errors in 0.05s ===, 1 failed in 0.03s
	// (-q), no tests ran in 0.01s, ... in 75.12s (0:01:15).
	pytestSummary = lazy.Regexp{Expr: `^(?:=+ )?((?:\d+ [a-z]+(?:, )?)+|no tests ran) in [0-9.]+s(?: \([0-9:]+\))?(?: =+)?$`}
	// tests/test_a.py .F.  [ 50%], ..F [100%] (-q), or the console style count
	pytestProgress = lazy.Regexp{Expr: `^(?:\S.*? )?[.FEsxXR]+ *\[ *\d+(?:%|/\d+)\]$`}
	// "id STATUS [ 10%]" (-v); the percentage is missing past the edge of a
	// line that -s output took.
	pytestVerbose = lazy.Regexp{Expr: `^(\S+::.*?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS|RERUN)(?: \(.*\))? *(?:\[ *\d+(?:%|/\d+)\])?$`}
	// [gw0] [ 10%] STATUS id (pytest-xdist -v)
	pytestXdist = lazy.Regexp{Expr: `^\[gw\d+\] \[ *\d+(?:%|/\d+)\] (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS|RERUN) (.+)$`}
	pytestStop  = lazy.Regexp{Expr: `^stopping after (\d+) failures?$`}
)

func (p *pytestParser) Line(stream int, b []byte) {
	if len(b) > MaxLine {
		b = b[:MaxLine]
	}
	line := strings.TrimRight(string(b), " \t\r")
	if line == "" {
		return
	}
	switch {
	case strings.HasPrefix(line, "INTERNALERROR>"):
		p.internal = "pytest had an internal error (INTERNALERROR)"
	case strings.HasPrefix(line, "Fatal Python error: "):
		p.crash = "pytest crashed (" + cut(strings.TrimPrefix(line, "Fatal Python error: "), 80) + ")"
	case strings.HasPrefix(line, "ERROR: "):
		p.usage(strings.TrimPrefix(line, "ERROR: "))
	case strings.HasPrefix(line, "FAILED "):
		p.fail(line[len("FAILED "):], true)
	case strings.HasPrefix(line, "ERROR "):
		rest := line[len("ERROR "):]
		if !strings.Contains(pytestIDPart(rest), "::") {
			// A file that could not be collected: ERROR tests/test_b.py.
			if p.collection == "" {
				p.collection = "a test file could not be collected (" + cut(pytestIDPart(rest), 200) + ")"
			}
			return
		}
		p.fail(rest, true)
	case strings.HasPrefix(line, "PASSED ") || strings.HasPrefix(line, "XFAIL ") || strings.HasPrefix(line, "XPASS "):
		_, rest, _ := strings.Cut(line, " ")
		p.pass(rest)
	case strings.Contains(line, " in ") && pytestSummary.Get().MatchString(line):
		p.ended = true
		p.count = 0
		for _, part := range strings.Split(strings.Trim(line, "= "), ", ") {
			n, word, _ := strings.Cut(part, " ")
			word, _, _ = strings.Cut(word, " ")
			if word == "failed" || word == "error" || word == "errors" {
				if v, err := strconv.Atoi(n); err == nil && v < 1<<30 {
					p.count += v
				}
			}
		}
	case strings.Contains(line, " short test summary info "):
		p.ended = true // -qq prints no summary line
	case strings.Contains(line, " test session starts "):
		p.header = true
	case strings.HasPrefix(line, "collected ") || strings.HasPrefix(line, "collecting ..."):
		p.started = true
	case strings.HasPrefix(line, "_") && strings.Contains(line, "_ ERROR collecting "):
		if p.collection == "" {
			what := strings.Trim(line[strings.Index(line, "_ ERROR collecting ")+len("_ ERROR collecting "):], "_ ")
			p.collection = "a test file could not be collected (" + cut(what, 200) + ")"
		}
	case strings.HasPrefix(line, "_") && strings.HasSuffix(line, "_"):
		p.head(line)
	case strings.HasPrefix(line, "!!") && strings.HasSuffix(line, "!!"):
		p.interrupted(strings.Trim(line, "! "))
	case strings.HasPrefix(line, "+") && strings.Trim(line, "+ ") == "Timeout":
		p.timeout = true
	default:
		// Cheap tests first: most lines are tracebacks and test output.
		if strings.HasPrefix(line, "[gw") {
			if m := pytestXdist.Get().FindStringSubmatch(line); m != nil {
				p.started = true
				p.status(m[1], m[2])
			}
		} else if strings.Contains(line, "::") {
			if m := pytestVerbose.Get().FindStringSubmatch(line); m != nil {
				p.started = true
				p.status(m[2], m[1])
			}
		} else if strings.HasSuffix(line, "]") && pytestProgress.Get().MatchString(line) || strings.Trim(line, ".FEsxXR") == "" {
			// A line of progress, or the start of one a crash cut short.
			p.started = true
		}
	}
}

// interrupted reads the banner pytest prints when it ends the run early:
// "!!! stopping after 1 failures !!!" (-x, --maxfail), "!!! Interrupted: 1
// error during collection !!!", "!!! KeyboardInterrupt !!!", "!!!
// _pytest.outcomes.Exit: reason !!!" (pytest.exit).
func (p *pytestParser) interrupted(what string) {
	what = strings.TrimPrefix(what, "Interrupted: ")
	if p.stopped != "" {
		return
	}
	switch {
	case strings.HasSuffix(what, "during collection"):
		if p.collection == "" {
			p.collection = "tests could not be collected"
		}
	case pytestStop.Get().MatchString(what):
		n := pytestStop.Get().FindStringSubmatch(what)[1]
		if n == "1" {
			p.stopped = "pytest stopped at the first failure (-x)"
		} else {
			p.stopped = "pytest stopped after " + n + " failures (--maxfail)"
		}
	default:
		p.stopped = "pytest stopped early (" + cut(what, 100) + ")"
	}
}

// status takes a test's line of -v output.
func (p *pytestParser) status(status, id string) {
	switch status {
	case "FAILED", "ERROR":
		p.fail(id, false)
	case "PASSED", "XFAIL", "XPASS":
		p.pass(id)
	}
}

// usage reads pytest's "ERROR: ..." lines: a usage error, or a node id it
// found no test for.
func (p *pytestParser) usage(msg string) {
	var what string
	switch {
	case strings.HasPrefix(msg, "not found: "):
		what = strings.TrimPrefix(msg, "not found: ")
	case strings.HasPrefix(msg, "file or directory not found: "):
		what = strings.TrimPrefix(msg, "file or directory not found: ")
	default:
		if p.broken == "" {
			p.broken = "pytest refused its arguments (" + cut(msg, 200) + ")"
		}
		return
	}
	// pytest names the id with its path made absolute, or as given.
	what = strings.TrimPrefix(what, "./")
	for id := range p.watch {
		if what == id || strings.HasSuffix(what, "/"+id) {
			p.notRun[id] = true
			return
		}
	}
	if p.broken == "" {
		p.broken = "pytest found no test " + cut(what, 200)
	}
}

// pytestIDPart is the node id at the start of a summary line's rest: up to
// the first " - " that is not inside the param's brackets.
func pytestIDPart(rest string) string {
	sep := strings.Index(rest, "::")
	if sep < 0 {
		id, _, _ := strings.Cut(rest, " - ")
		return id
	}
	// The names after the path are Python identifiers: no space, no
	// bracket; the param id starts at the first '['.
	i := sep
	for i < len(rest) && rest[i] != '[' && rest[i] != ' ' {
		i++
	}
	if i == len(rest) || rest[i] == ' ' {
		return rest[:i]
	}
	depth := 0
	for j := i; j < len(rest); j++ {
		switch rest[j] {
		case '[':
			depth++
		case ']':
			depth--
			if depth <= 0 && (j+1 == len(rest) || strings.HasPrefix(rest[j+1:], " - ")) {
				return rest[:j+1]
			}
			if depth < 0 {
				depth = 0
			}
		}
	}
	// Brackets that do not balance ([ in a param id): the first "] - ".
	if k := strings.Index(rest[i:], "] - "); k >= 0 {
		return rest[:i+k+1]
	}
	return rest
}

// idPart is the node id at the start of a summary line's rest. A param id
// may hold "] - " itself: the id is then the one whose name a section of
// the tracebacks was headed with ("___ test_p[a] - [b] ___").
func (p *pytestParser) idPart(rest string) string {
	if sep := strings.Index(rest, "::"); sep >= 0 && len(p.heads) > 0 {
		for j := sep; j < len(rest); j++ {
			if rest[j] == ']' && (j+1 == len(rest) || strings.HasPrefix(rest[j+1:], " - ")) {
				if p.heads[strings.ReplaceAll(rest[sep+2:j+1], "::", ".")] {
					return rest[:j+1]
				}
			}
		}
	}
	return pytestIDPart(rest)
}

// head takes a section heading of the tracebacks: "___ TestC.test_m[2]
// ___", "___ ERROR at setup of test_x[1] ___".
func (p *pytestParser) head(line string) {
	t := strings.TrimLeft(line, "_")
	t = strings.TrimRight(t, "_")
	if len(t) < 3 || t[0] != ' ' || t[len(t)-1] != ' ' || len(p.heads) >= MaxKept {
		return
	}
	t = t[1 : len(t)-1]
	t = strings.TrimPrefix(t, "ERROR at setup of ")
	t = strings.TrimPrefix(t, "ERROR at teardown of ")
	if len(t) <= maxID && strings.HasSuffix(t, "]") {
		p.heads[t] = true
	}
}

// watched finds the watched test whose id rest starts with, followed by
// the end or a space: an XPASS line puts its reason after a space.
func (p *pytestParser) watched(rest string) (string, bool) {
	if _, ok := p.watch[rest]; ok {
		return rest, true
	}
	best := ""
	for id := range p.watch {
		if len(id) > len(best) && strings.HasPrefix(rest, id) && rest[len(id)] == ' ' {
			best = id
		}
	}
	return best, best != ""
}

func (p *pytestParser) pass(rest string) {
	if id, ok := p.watched(rest); ok {
		p.passed[id] = true
	}
}

func (p *pytestParser) fail(rest string, summary bool) {
	id := ""
	if w, ok := p.watched(rest); ok && (!summary || len(w) == len(rest) || strings.HasPrefix(rest[len(w):], " - ")) {
		id = w
	} else if summary {
		id = p.idPart(rest)
	} else {
		id = strings.TrimSpace(rest)
	}
	if id == "" || p.seen[id] {
		return
	}
	if len(p.failed) >= MaxKept || len(id) > maxID || !strings.Contains(id, "::") {
		// Counted, not named: the whole command reruns. A node id names
		// its file, then the test: path::test.
		p.unkept++
		return
	}
	p.seen[id] = true
	file, _, _ := strings.Cut(id, "::")
	p.failed = append(p.failed, Test{ID: id, Runner: Pytest, File: file})
}

func (p *pytestParser) Result() Result {
	r := Result{Failed: p.failed, FailedCount: max(len(p.failed)+p.unkept, p.count)}
	switch {
	case p.internal != "":
		r.Broken = p.internal
	case p.collection != "":
		r.Broken = p.collection
	case p.crash != "":
		r.Broken = p.crash
	case p.broken != "":
		r.Broken = p.broken
	case !p.ended && p.timeout:
		r.Broken = "pytest-timeout ended pytest before its summary"
	case !p.ended && (p.header || p.started):
		// Also a -qq run that passed (it prints no summary then): the
		// result of a passing run does not count.
		r.Broken = "pytest ended before its summary (a crash, or killed)"
	}
	switch {
	case p.stopped != "":
		r.Stopped = p.stopped
	case p.failFast != "" && len(p.failed) > 0:
		r.Stopped = p.failFast
	}
	for _, id := range p.order {
		w := p.watch[id]
		switch {
		case p.seen[id]:
		case p.passed[id]:
			r.Passed = append(r.Passed, w)
		case p.notRun[id] || p.ended:
			// The rerun's -rfEpxX summary names every test that ran,
			// but a skipped one: skipped, deselected or not found.
			r.NotRun = append(r.NotRun, w)
		}
	}
	return r
}
