package testrun

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/maestro-recovery/maestro/internal/lazy"
)

// goRunner reads go test's output, plain, -v or -json, and reruns failed
// tests with -run, one go test per package.
type goRunner struct{}

// goCommandLine is the package the go command names when the user gave it
// .go files instead of packages.
const goCommandLine = "command-line-arguments"

// goMaxPattern bounds a rerun's -run pattern: Linux refuses a single
// argument longer than 128 KiB (MAX_ARG_STRLEN).
const goMaxPattern = 100 << 10

// goMaxAncestors bounds the parents of failed tests a parser remembers to
// tell an innermost failure from its parents.
const goMaxAncestors = 4 * MaxKept

// goValueFlags are the go test and build flags that take their value as the
// next argument (go help testflag, go help build; Go 1.26). A flag missing
// here would make go test's parsing and ours disagree on what a package
// argument is.
var goValueFlags = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"run": true, "skip": true, "bench": true, "benchtime": true, "count": true,
		"covermode": true, "coverpkg": true, "coverprofile": true, "cpu": true,
		"parallel": true, "timeout": true, "p": true, "tags": true, "ldflags": true,
		"gcflags": true, "asmflags": true, "gccgoflags": true, "mod": true,
		"modfile": true, "o": true, "exec": true, "vet": true, "shuffle": true,
		"fuzz": true, "fuzztime": true, "fuzzminimizetime": true, "fuzzcachedir": true,
		"fuzzworker": true, "list": true, "blockprofile": true,
		"blockprofilerate": true, "cpuprofile": true, "memprofile": true,
		"memprofilerate": true, "mutexprofile": true, "mutexprofilefraction": true,
		"outputdir": true, "trace": true, "overlay": true, "pkgdir": true,
		"toolexec": true, "C": true, "installsuffix": true, "buildmode": true,
		"compiler": true, "pgo": true, "debug-actiongraph": true,
		"debug-runtime-trace": true, "debug-trace": true,
	}
}}

// goBoolFlags are the go test and build flags that take no separate value.
var goBoolFlags = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"v": true, "short": true, "failfast": true, "json": true, "benchmem": true,
		"cover": true, "fullpath": true, "artifacts": true, "a": true, "n": true,
		"race": true, "msan": true, "asan": true, "work": true, "x": true,
		"buildvcs": true, "linkshared": true, "modcacherw": true, "trimpath": true,
		"c": true, "i": true,
	}
}}

// goArgs is what go test makes of the user's own arguments, read the way
// cmd/go/internal/test/testflag.go reads them: package arguments are the
// first run of non-flag arguments; after a flag go test does not know,
// later words are flag values or the test binary's; "--", -args and a word
// after the package list that cannot be a flag's value pass the rest to
// the test binary.
type goArgs struct {
	own      []string
	pkgs     []int        // indices of the package arguments
	drop     map[int]bool // -run with its value: the rerun sets its own
	verbose  []int        // -v: a rerun without -json sets its own
	leadC    int          // how many leading words are -C dir, which must stay first
	binary   int          // index from which the rest goes to the test binary
	json     bool
	failfast bool
	fileMode bool
	why      string // why no narrowed rerun
}

func readGoArgs(own []string) goArgs {
	g := goArgs{own: own, drop: map[int]bool{}, binary: len(own)}
	var pkgDone, inPkgs, afterUnknownBool bool
	for i := 0; i < len(own); i++ {
		a := own[i]
		if a == "--" || a == "-args" || a == "--args" {
			g.binary = i
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if pkgDone && !inPkgs {
				if afterUnknownBool {
					continue // a value of a flag go test does not know
				}
				g.binary = i
				break
			}
			inPkgs, pkgDone = true, true
			g.pkgs = append(g.pkgs, i)
			if strings.HasSuffix(a, ".go") {
				g.fileMode = true
			}
			continue
		}
		inPkgs = false
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "---") || name == "" {
			g.why = "go test's arguments hold " + goQuoteArg(a) + ", which maestro cannot read"
			return g
		}
		name = strings.TrimPrefix(name, "test.")
		switch {
		case goValueFlags.Get()[name]:
			start := i
			if !hasValue {
				if i+1 >= len(own) {
					g.why = "go test's " + goQuoteArg(a) + " has no value"
					return g
				}
				i++
			}
			switch name {
			case "run":
				g.drop[start], g.drop[i] = true, true
			case "bench", "fuzz", "list":
				g.why = "-" + name + " is given: a rerun of the failed tests alone would not run it"
				return g
			case "C":
				if start == 0 {
					g.leadC = i + 1
				}
			}
		case goBoolFlags.Get()[name]:
			off := hasValue && (value == "false" || value == "0" || value == "f" || value == "F" || value == "FALSE" || value == "False")
			switch name {
			case "v":
				g.verbose = append(g.verbose, i)
			case "json":
				g.json = !off
			case "failfast":
				g.failfast = !off
			case "c":
				if !off {
					g.why = "-c is given: go test builds the test binary without running it"
					return g
				}
			}
		default:
			pkgDone = true
			afterUnknownBool = afterUnknownBool || !hasValue
		}
	}
	for _, a := range own[g.binary:] {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "test.run" || name == "test.list" || name == "test.bench" || name == "test.fuzz") {
			g.why = "the arguments for the test binary choose its tests (" + goQuoteArg(a) + ")"
			return g
		}
	}
	return g
}

// goQuoteArg shows an argument in a message, bounded.
func goQuoteArg(a string) string {
	if len(a) > 40 {
		a = a[:40] + "..."
	}
	return `"` + goClean(a) + `"`
}

// goRunPattern is a -run pattern that selects exactly tests: each name
// split at "/" into the levels go test matches one by one, each level
// quoted and anchored, the tests joined by the "|" go test splits -run at
// (outside brackets and parentheses) into alternatives of whole paths.
func goRunPattern(tests []Test) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, t := range tests {
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		for i, level := range strings.Split(t.ID, "/") {
			if i > 0 {
				b.WriteByte('/')
			}
			b.WriteString("^" + regexp.QuoteMeta(level) + "$")
		}
	}
	return b.String()
}

func (goRunner) rerun(c *Command, tests []Test) ([][]string, string) {
	g := readGoArgs(c.Own())
	if g.why != "" {
		return nil, g.why
	}
	var order []string
	byPkg := map[string][]Test{}
	for _, t := range tests {
		if _, ok := byPkg[t.Package]; !ok {
			order = append(order, t.Package)
		}
		byPkg[t.Package] = append(byPkg[t.Package], t)
	}
	isPkg := map[int]bool{}
	for _, i := range g.pkgs {
		isPkg[i] = true
	}
	if !g.json {
		for _, i := range g.verbose {
			g.drop[i] = true
		}
	}
	var cmds [][]string
	for _, pkg := range order {
		// The package comes from the output: an import path never starts
		// with "-", and the word must not become a go flag.
		if strings.HasPrefix(pkg, "-") || strings.ContainsAny(pkg, " \t\n") {
			return nil, "a failed test's package, as the output names it, is not an import path"
		}
		pattern := goRunPattern(byPkg[pkg])
		if len(pattern) > goMaxPattern {
			return nil, "the failed tests' names are too long for one -run pattern"
		}
		// The user's packages stay when they are .go files (the package
		// is then command-line-arguments) or when the output did not
		// name the package: -run then selects in each of them.
		// GOPATH mode names a folder outside GOPATH "_/abs/path", which
		// go test does not take back as an argument.
		keepPkgs := g.fileMode || pkg == "" || pkg == goCommandLine || strings.HasPrefix(pkg, "_/")
		own := append([]string(nil), g.own[:g.leadC]...)
		own = append(own, "-run="+pattern)
		if !g.json {
			own = append(own, "-v") // so that passes show
		}
		if !keepPkgs {
			own = append(own, pkg)
		}
		for i := g.leadC; i < len(g.own); i++ {
			if i < g.binary && (g.drop[i] || (isPkg[i] && !keepPkgs)) {
				continue
			}
			own = append(own, g.own[i])
		}
		cmds = append(cmds, c.With(own))
	}
	return cmds, ""
}

func (goRunner) parser(c *Command, watch []Test) Parser {
	g := readGoArgs(c.Own())
	p := &goParser{
		json:      g.json,
		failfast:  g.failfast,
		watch:     map[string]int{},
		watchIDs:  map[string]bool{},
		index:     map[string]int{},
		ancestors: map[string]bool{},
		seen:      map[int]bool{},
		isPassed:  map[int]bool{},
		watched:   watch,
	}
	for i, t := range watch {
		p.watch[goKey(t.Package, t.ID)] = i
		p.watchIDs[t.ID] = true
	}
	return p
}

func goKey(pkg, id string) string { return pkg + "\x00" + id }

// goParser reads go test's output. Plain and -v output name a test's
// package only in the summary line after the package's output (go test
// prints each package's output as one block), so results wait in pending
// until it comes; -json events name it on every line.
type goParser struct {
	json, failfast bool

	watched  []Test
	watch    map[string]int  // watched tests by package and id
	watchIDs map[string]bool // their ids alone, to keep only those passes pending
	seen     map[int]bool    // watched tests seen passing or failing
	passed   []Test
	isPassed map[int]bool

	failed    []Test
	dropped   []bool         // failed[i] turned out to be a parent of a failed test
	index     map[string]int // failed tests by package and id
	ancestors map[string]bool
	count     int

	pending        []goPending // results of the current block, package not yet known
	pendingDropped int
	block          goBlock
	// -json: the blocks of the other packages still running. go test runs
	// packages in parallel and, with -json, interleaves their events line
	// by line, so a package's block is set aside, not ended, when another
	// package's event comes.
	others map[string]*goBlock

	broken string
}

type goPending struct {
	name string
	pass bool
}

// goBlock is what one package's output showed so far.
type goBlock struct {
	pkg       string // -json only: the package of the events
	fails     int
	lastFail  string // the innermost failed test so far
	crash     string // "panicked", "timed out", "crashed": the binary died
	crashTest string // the test that panicked or was running at the timeout
	detail    string
	running   bool   // the next line names a running test (after a timeout)
	lastRun   string // -v: the test last started
	setup     bool   // -json: go test printed "[setup failed]"
}

func (p *goParser) Line(stream int, line []byte) {
	if p.json && len(line) > 0 && line[0] == '{' {
		p.event(line)
		return
	}
	p.text(string(line))
}

// goEvent is a line of go test -json (cmd/test2json), with the build
// events of Go 1.24 and later.
type goEvent struct {
	Action      string
	Package     string
	Test        string
	Output      string
	FailedBuild string
	ImportPath  string
}

func (p *goParser) event(line []byte) {
	var e goEvent
	if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
		return // a line cut at MaxLine, or not go test's
	}
	if e.Package != "" && e.Package != p.block.pkg {
		p.switchBlock(e.Package)
	}
	switch e.Action {
	case "run":
		p.block.lastRun = e.Test
	case "output":
		out := strings.TrimSuffix(e.Output, "\n")
		if strings.HasPrefix(out, "FAIL\t") && strings.HasSuffix(out, " [setup failed]") {
			p.block.setup = true
			return
		}
		if goSkipJSON(out) {
			return // the results come as actions
		}
		p.text(out)
	case "fail", "pass", "skip":
		if e.Test != "" {
			p.result(e.Package, e.Test, e.Action)
			return
		}
		if e.Package == "" {
			return
		}
		kind := e.Action
		if kind == "skip" { // [no test files]
			kind = "pass"
		}
		if e.FailedBuild != "" {
			kind = "build failed"
			if p.block.setup {
				kind = "setup failed"
			}
		}
		p.summary(e.Package, kind)
	}
}

// goSkipJSON: lines of a -json output event that the events also say.
func goSkipJSON(out string) bool {
	t := strings.TrimLeft(out, " \t")
	for _, prefix := range []string{"--- ", "=== ", "ok  \t", "FAIL\t", "?   \t"} {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}

func (p *goParser) text(line string) {
	if p.block.running {
		p.block.running = false
		if name, ok := strings.CutPrefix(line, "\t\t"); ok {
			name, _, _ = strings.Cut(name, " ")
			p.block.crashTest = name
		}
	}
	trimmed := strings.TrimLeft(line, " ")
	switch {
	case strings.HasPrefix(line, "=== RUN   "):
		p.block.lastRun = line[len("=== RUN   "):]
	case strings.HasPrefix(trimmed, "--- FAIL: "):
		p.result(p.block.pkg, goResultName(trimmed), "fail")
	case strings.HasPrefix(trimmed, "--- PASS: "):
		p.result(p.block.pkg, goResultName(trimmed), "pass")
	case strings.HasPrefix(line, "ok  \t"), strings.HasPrefix(line, "?   \t"):
		pkg, _, _ := strings.Cut(line[5:], "\t")
		pkg, _, _ = strings.Cut(pkg, " ")
		p.summary(pkg, "pass")
	case strings.HasPrefix(line, "FAIL\t"):
		rest := line[5:]
		pkg, _, _ := strings.Cut(rest, "\t")
		kind := "fail"
		if name, ok := strings.CutSuffix(pkg, " [build failed]"); ok {
			pkg, kind = name, "build failed"
		} else if name, ok := strings.CutSuffix(pkg, " [setup failed]"); ok {
			pkg, kind = name, "setup failed"
		}
		p.summary(pkg, kind)
	case p.block.crash != "":
		// The first crash of a block says it; the rest is its trace.
	case strings.HasPrefix(line, "panic: test timed out after "):
		p.block.crash, p.block.detail = "timed out", strings.TrimPrefix(line, "panic: test ")
	case strings.HasPrefix(line, "panic: "):
		p.block.crash, p.block.crashTest = "panicked", p.block.lastFail
	case strings.HasPrefix(line, "fatal error: "), strings.HasPrefix(line, "signal: "):
		// The runtime's fatal errors, and go test's word on a test
		// binary a signal killed.
		p.block.crash, p.block.detail, p.block.crashTest = "crashed", line, p.block.lastRun
	}
	if line == "\trunning tests:" && p.block.crash == "timed out" {
		p.block.running = true
	}
}

// goResultName is the test of a "--- FAIL: TestX/sub (0.00s)" line: go
// test writes spaces in test names as "_", so the name ends at the first
// space.
func goResultName(line string) string {
	rest := line[len("--- FAIL: "):]
	name, _, _ := strings.Cut(rest, " ")
	return name
}

// result records a test's end; pkg "" when the package is not known yet.
func (p *goParser) result(pkg, name, action string) {
	if name == "" {
		return
	}
	if len(name) > maxID {
		// Counted, not named: it cannot be selected, and a count above
		// the names makes the whole command run again.
		if action == "fail" {
			p.block.fails++
			if pkg == "" && !p.json {
				p.pendingDropped++
			} else {
				p.count++
			}
		}
		return
	}
	if action == "fail" {
		p.block.fails++
		if !strings.HasPrefix(p.block.lastFail, name+"/") {
			p.block.lastFail = name
		}
	}
	if pkg == "" && !p.json {
		if action == "pass" && !p.watchIDs[name] {
			return
		}
		if len(p.pending) >= MaxKept {
			if action == "fail" {
				p.pendingDropped++
			}
			return
		}
		p.pending = append(p.pending, goPending{name: name, pass: action == "pass"})
		return
	}
	p.record(pkg, name, action)
}

func (p *goParser) record(pkg, name, action string) {
	if action == "fail" || action == "pass" {
		if i, ok := p.watch[goKey(pkg, name)]; ok {
			p.mark(i, action == "pass")
		} else if i, ok := p.watch[goKey("", name)]; ok {
			p.mark(i, action == "pass")
		}
	}
	if action != "fail" {
		return
	}
	key := goKey(pkg, name)
	if p.ancestors[key] {
		return // a parent that failed with its subtest: the subtest is listed
	}
	if _, ok := p.index[key]; ok {
		return // -count=2 runs a test twice
	}
	p.count++
	if len(p.failed) < MaxKept {
		p.index[key] = len(p.failed)
		p.failed = append(p.failed, Test{ID: name, Runner: Go, Package: pkg})
		p.dropped = append(p.dropped, false)
	}
	for i := strings.LastIndexByte(name, '/'); i > 0; i = strings.LastIndexByte(name[:i], '/') {
		parent := goKey(pkg, name[:i])
		if p.ancestors[parent] {
			break // and its own parents too
		}
		if len(p.ancestors) < goMaxAncestors {
			p.ancestors[parent] = true
		}
		if j, ok := p.index[parent]; ok && !p.dropped[j] {
			p.dropped[j] = true
			p.count--
		}
	}
}

// mark records a watched test's end. With -count=2 a test may fail and
// pass in one run: it is then in both Failed and Passed.
func (p *goParser) mark(i int, pass bool) {
	p.seen[i] = true
	if pass && !p.isPassed[i] {
		p.isPassed[i] = true
		p.passed = append(p.passed, p.watched[i])
	}
}

// summary ends a package's block: pending results are its own.
func (p *goParser) summary(pkg, kind string) {
	b := p.block
	if kind != "pass" {
		for _, r := range p.pending {
			action := "fail"
			if r.pass {
				action = "pass"
			}
			p.record(pkg, r.name, action)
		}
		p.count += p.pendingDropped
	} else {
		// An "ok" package has no failed tests: a "--- FAIL:" line in it was
		// a test's own output. Passes still count.
		for _, r := range p.pending {
			if r.pass {
				p.record(pkg, r.name, "pass")
			}
		}
	}
	switch {
	case kind == "build failed":
		p.setBroken("a build failed in " + pkg)
	case kind == "setup failed":
		p.setBroken("go test could not set up " + pkg)
	case b.crash != "":
		p.setBroken(goCrash(b, pkg))
	case kind == "fail" && b.fails == 0:
		p.setBroken(pkg + " failed outside any test (in TestMain, init or an os.Exit)")
	}
	p.pending, p.pendingDropped = p.pending[:0], 0
	p.block = goBlock{pkg: b.pkg}
}

// switchBlock: -json events of another package come; the current block
// waits for its own events or summary.
func (p *goParser) switchBlock(pkg string) {
	if p.others == nil {
		p.others = map[string]*goBlock{}
	}
	if p.block.pkg != "" {
		b := p.block
		p.others[b.pkg] = &b
	}
	if b, ok := p.others[pkg]; ok {
		p.block = *b
		delete(p.others, pkg)
		return
	}
	p.block = goBlock{pkg: pkg}
}

func goCrash(b goBlock, pkg string) string {
	where := pkg
	if where == "" {
		where = "a test binary"
	}
	switch b.crash {
	case "timed out":
		s := "the tests of " + where + " timed out"
		if b.detail != "" {
			s = "the tests of " + where + " " + b.detail
		}
		if b.crashTest != "" {
			s += " (in " + b.crashTest + ")"
		}
		return s
	case "panicked":
		if b.crashTest != "" {
			return b.crashTest + " panicked in " + where
		}
		return "a panic stopped the tests of " + where
	}
	s := "the tests of " + where + " crashed (" + b.detail
	if b.crashTest != "" {
		s += ", in " + b.crashTest
	}
	return s + ")"
}

func (p *goParser) setBroken(why string) {
	if p.broken == "" {
		p.broken = goClean(why)
	}
}

// goClean keeps a reason one short printable line: it quotes names the
// output chose.
func goClean(s string) string {
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

func (p *goParser) Result() Result {
	// -json packages whose output ended without a summary (go test was
	// killed): a crash they showed is why.
	pkgs := make([]string, 0, len(p.others))
	for pkg := range p.others {
		pkgs = append(pkgs, pkg)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		if b := p.others[pkg]; b.crash != "" {
			p.setBroken(goCrash(*b, pkg))
		}
	}
	// Output that ended inside a block (go test killed, or its output cut):
	// its results are of a package the output never named.
	if len(p.pending) > 0 || p.pendingDropped > 0 || p.block.crash != "" {
		if p.block.crash != "" {
			p.setBroken(goCrash(p.block, p.block.pkg))
		}
		for _, r := range p.pending {
			action := "fail"
			if r.pass {
				action = "pass"
			}
			p.record(p.block.pkg, r.name, action)
		}
		p.count += p.pendingDropped
		p.pending, p.pendingDropped = nil, 0
		p.block = goBlock{pkg: p.block.pkg}
	}
	r := Result{FailedCount: p.count, Broken: p.broken}
	for i, t := range p.failed {
		if !p.dropped[i] {
			r.Failed = append(r.Failed, t)
		}
	}
	r.Passed = append(r.Passed, p.passed...)
	for i, t := range p.watched {
		if !p.seen[i] {
			r.NotRun = append(r.NotRun, t)
		}
	}
	if p.failfast && (p.count > 0 || p.broken != "") {
		r.Stopped = "go test stopped at the first failure (-failfast)"
	}
	return r
}
