package catalog

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Classification says what kind of failure an attempt was and whether
// another try can help.
type Classification struct {
	FailureType string `json:"failure_type"`
	Transient   bool   `json:"transient"`
	Retryable   bool   `json:"retryable"`
	Pattern     string `json:"pattern"`   // the pattern that matched, "" for an exit-code rule
	Line        string `json:"line"`      // the output line that matched
	ExitCode    int    `json:"exit_code"` // 124 for a timed-out attempt, 128+N for a signal
	// Approaches are the failure type's alternatives to retrying.
	Approaches []Approach `json:"approaches"`
	// Incomplete, when set, says why matching stopped before every rule
	// was tried: the result is the best found by then.
	Incomplete string `json:"incomplete,omitempty"`
}

// Why a classification is incomplete.
const (
	IncompleteBudget      = "time budget ran out"
	IncompleteInterrupted = "interrupted"
)

// Failure is what the classifier looks at.
type Failure struct {
	ExitCode int
	TimedOut bool
	// Output holds the text kept of the attempt, each block made of whole
	// lines, the most telling block first (stderr before stdout).
	Output [][]byte
	// Stop, when closed, ends the classification as its budget running out
	// does: maestro was interrupted.
	Stop <-chan struct{}
}

// maxLineLen bounds the matched line kept in a classification.
const maxLineLen = 300

// Bounds on what classifying may cost. Go's regular expressions run in
// time linear in the input times the compiled program's size, so bounding
// both bounds each match; the time budget bounds the whole, whatever a
// configuration holds.
const (
	// MaxPatternSize bounds one pattern's compiled program, in
	// instructions. The embedded catalog's largest has under 100; counted
	// repetitions multiply (([a-z]{0,100}){9} is 900 copies of [a-z]).
	MaxPatternSize = 1000
	// MaxPatternsSize bounds the programs of all the patterns of the files
	// read, together: their compiling, and their memory.
	MaxPatternsSize = 200_000
	// ClassifyBudget bounds the time one classification spends matching
	// the patterns of configuration files. The embedded catalog's patterns
	// are not counted: their cost is known, and the budget must not cut
	// short the classification maestro ships on a loaded machine.
	ClassifyBudget = time.Second
	// maxMatchLen is how much of a line patterns see: it bounds the time of
	// one match, between two looks at the budget. Error messages start
	// lines; a longer line is minified code or data.
	maxMatchLen = 8 << 10
)

type rule struct {
	Rule
	doc      *document
	index    int
	compiled bool
	size     int              // the instructions of the patterns' programs
	groups   []patternGroup   // patterns tested together, one pass per line each
	each     []*regexp.Regexp // to tell which pattern matched
}

// patternGroup is patterns[from:to] as one alternation, no larger than
// one pattern may be, so that one match stays as bounded.
type patternGroup struct {
	re       *regexp.Regexp
	from, to int
}

// check compiles the rule's patterns, reporting a bad one at its line.
func (r *rule) check() error {
	if pe := r.compile(); pe != nil {
		return r.doc.errorAt(pe.path, pe.msg, pe.hint...)
	}
	return nil
}

func (r *rule) compile() *patternError {
	if r.compiled || len(r.Patterns) == 0 {
		r.compiled = true
		return nil
	}
	sizes := make([]int, len(r.Patterns))
	for j, p := range r.Patterns {
		at := []any{"rules", r.index, "patterns", j}
		size, err := programSize(p)
		var re *regexp.Regexp
		if err == nil {
			re, err = regexp.Compile(p)
		}
		if err != nil {
			return &patternError{
				path: at,
				msg:  "bad regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: "),
				hint: []string{"patterns use Go's RE2 syntax (https://pkg.go.dev/regexp/syntax); start one with (?i) to ignore case", `in a TOML basic string a backslash is doubled ("\\d"); a literal string ('\d') keeps it as written`},
			}
		}
		if size > MaxPatternSize {
			return &patternError{
				path: at,
				msg:  fmt.Sprintf("pattern too costly to match: it compiles to %d instructions, more than the %d allowed", size, MaxPatternSize),
				hint: []string{"counted repetitions multiply: ([a-z]{0,100}){9} is 900 copies of [a-z]; use + or *, or smaller counts"},
			}
		}
		sizes[j] = size
		r.size += size
		r.each = append(r.each, re)
	}
	for from := 0; from < len(r.Patterns); {
		to, size := from+1, sizes[from]
		for to < len(r.Patterns) && size+sizes[to] <= MaxPatternSize {
			size += sizes[to]
			to++
		}
		alts := make([]string, 0, to-from)
		for _, p := range r.Patterns[from:to] {
			alts = append(alts, "(?:"+p+")")
		}
		r.groups = append(r.groups, patternGroup{re: regexp.MustCompile(strings.Join(alts, "|")), from: from, to: to})
		from = to
	}
	r.compiled = true
	return nil
}

// programSize is the number of instructions of p's compiled program, as
// regexp.Compile makes it.
func programSize(p string) (int, error) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return 0, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0, err
	}
	return len(prog.Inst), nil
}

// Classify finds the first rule that matches the failure. A timed-out
// attempt is of the timeout type; a failure no rule matches is unknown.
// Matching stops when f.Stop is closed, and the files' patterns are
// skipped once they have spent ClassifyBudget: rules of exit codes alone
// still apply, the embedded catalog's too unless interrupted, and the
// result says it is incomplete.
func (c *Config) Classify(f Failure) (Classification, error) {
	if err := c.prepare(); err != nil {
		return Classification{}, err
	}
	if f.TimedOut {
		return c.result(Timeout, f.ExitCode, "", ""), nil
	}
	var lines [][]byte
	for _, block := range f.Output {
		for len(block) > 0 {
			var line []byte
			line, block, _ = bytes.Cut(block, []byte{'\n'})
			if line = cleanLine(line); len(line) > 0 {
				lines = append(lines, line)
			}
		}
	}
	now := c.now
	if now == nil {
		now = time.Now
	}
	deadline := now().Add(ClassifyBudget)
	incomplete := ""
	for _, r := range c.rules {
		budgeted := r.doc.src.Origin != OriginDefault
		over := func() bool {
			select {
			case <-f.Stop:
				incomplete = IncompleteInterrupted
				return true
			default:
			}
			if budgeted && now().After(deadline) {
				incomplete = IncompleteBudget
				return true
			}
			return false
		}
		if len(r.ExitCodes) > 0 && !slices.Contains(r.ExitCodes, f.ExitCode) {
			continue
		}
		if len(r.Patterns) == 0 {
			res := c.result(r.FailureType, f.ExitCode, "", "")
			res.Incomplete = incomplete
			return res, nil
		}
		// Past the budget, the embedded catalog's rules are still tried: a
		// file cannot take away the classification maestro ships.
		if incomplete == IncompleteInterrupted || incomplete != "" && budgeted {
			continue
		}
		if pattern, line, ok := r.match(lines, over); ok {
			res := c.result(r.FailureType, f.ExitCode, pattern, clip(string(line)))
			res.Incomplete = incomplete
			return res, nil
		}
	}
	res := c.result(Unknown, f.ExitCode, "", "")
	res.Incomplete = incomplete
	return res, nil
}

// match finds the first line one of the rule's patterns matches, looking at
// over before each match.
func (r *rule) match(lines [][]byte, over func() bool) (pattern string, line []byte, ok bool) {
	for _, line := range lines {
		seen := line[:min(len(line), maxMatchLen)]
		for _, g := range r.groups {
			if over() {
				return "", nil, false
			}
			if !g.re.Match(seen) {
				continue
			}
			for j := g.from; j < g.to; j++ {
				if r.each[j].Match(seen) {
					return r.Patterns[j], line, true
				}
			}
		}
	}
	return "", nil, false
}

func (c *Config) result(name string, code int, pattern, line string) Classification {
	t := c.types[name]
	approaches := t.Approaches
	if approaches == nil {
		approaches = []Approach{}
	}
	return Classification{FailureType: name, Transient: t.Transient, Retryable: t.Retryable, Pattern: pattern, Line: line, ExitCode: code, Approaches: approaches}
}

// cleanLine is a line as the user reads it, without the spaces around it.
func cleanLine(line []byte) []byte { return bytes.TrimSpace(textsafe.Plain(line)) }

func clip(s string) string {
	if len(s) <= maxLineLen {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	cut := maxLineLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "\uFFFD") + "…"
}

// Describe is the short form of a classification used in progress lines:
// `transient: "connection reset by peer"`.
func (c Classification) Describe() string {
	if c.Incomplete != "" {
		return c.FailureType + " (classifying stopped early: " + c.Incomplete + ")"
	}
	if c.Line == "" {
		return c.FailureType
	}
	line := c.Line
	if utf8.RuneCountInString(line) > 100 {
		r := []rune(line)
		line = string(r[:99]) + "…"
	}
	// Quoted by hand: %q would escape again the backslash of a line that
	// is already escaped (pytest writes test_x[無] as test_x[\u7121]).
	return c.FailureType + `: "` + textsafe.Visible(line) + `"`
}
