package catalog

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
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
}

// Failure is what the classifier looks at.
type Failure struct {
	ExitCode int
	TimedOut bool
	// Output holds the text kept of the attempt, each block made of whole
	// lines, the most telling block first (stderr before stdout).
	Output [][]byte
}

// maxLineLen bounds the matched line kept in a classification.
const maxLineLen = 300

type rule struct {
	Rule
	doc      *document
	index    int
	compiled bool
	any      *regexp.Regexp   // every pattern at once, to test a line in one pass
	each     []*regexp.Regexp // to tell which pattern matched
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
	alts := make([]string, len(r.Patterns))
	for j, p := range r.Patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return &patternError{
				path: []any{"rules", r.index, "patterns", j},
				msg:  "bad regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: "),
				hint: []string{"patterns use Go's RE2 syntax (https://pkg.go.dev/regexp/syntax); start one with (?i) to ignore case", `in a TOML basic string a backslash is doubled ("\\d"); a literal string ('\d') keeps it as written`},
			}
		}
		r.each = append(r.each, re)
		alts[j] = "(?:" + p + ")"
	}
	r.any = regexp.MustCompile(strings.Join(alts, "|"))
	r.compiled = true
	return nil
}

// Classify finds the first rule that matches the failure. A timed-out
// attempt is of the timeout type; a failure no rule matches is unknown.
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
	for _, r := range c.rules {
		if len(r.ExitCodes) > 0 && !slices.Contains(r.ExitCodes, f.ExitCode) {
			continue
		}
		if len(r.Patterns) == 0 {
			return c.result(r.FailureType, f.ExitCode, "", ""), nil
		}
		for _, line := range lines {
			if !r.any.Match(line) {
				continue
			}
			pattern := ""
			for j, re := range r.each {
				if re.Match(line) {
					pattern = r.Patterns[j]
					break
				}
			}
			return c.result(r.FailureType, f.ExitCode, pattern, clip(string(line))), nil
		}
	}
	return c.result(Unknown, f.ExitCode, "", ""), nil
}

func (c *Config) result(name string, code int, pattern, line string) Classification {
	t := c.types[name]
	approaches := t.Approaches
	if approaches == nil {
		approaches = []Approach{}
	}
	return Classification{FailureType: name, Transient: t.Transient, Retryable: t.Retryable, Pattern: pattern, Line: line, ExitCode: code, Approaches: approaches}
}

// cleanLine drops what a terminal would not show as text: carriage returns
// (a pty turns \n into \r\n, progress bars redraw with \r) and ANSI escape
// sequences (colours), so patterns match what the user reads.
func cleanLine(line []byte) []byte {
	if i := bytes.LastIndexByte(line, '\r'); i >= 0 {
		// A progress bar redraws the line after \r; what shows is the last part.
		if rest := bytes.TrimRight(line[i+1:], " "); len(rest) > 0 {
			line = line[i+1:]
		} else {
			line = bytes.TrimRight(line, "\r")
			if j := bytes.LastIndexByte(line, '\r'); j >= 0 {
				line = line[j+1:]
			}
		}
	}
	if bytes.IndexByte(line, 0x1b) < 0 {
		return bytes.TrimSpace(line)
	}
	out := make([]byte, 0, len(line))
	for i := 0; i < len(line); i++ {
		if line[i] != 0x1b {
			out = append(out, line[i])
			continue
		}
		// ESC [ parameters final-byte (CSI), ESC ] ... BEL/ST (OSC), or ESC x.
		if i+1 < len(line) && line[i+1] == '[' {
			j := i + 2
			for j < len(line) && (line[j] < 0x40 || line[j] > 0x7e) {
				j++
			}
			i = j
		} else if i+1 < len(line) && line[i+1] == ']' {
			j := i + 2
			for j < len(line) && line[j] != 0x07 && !(line[j] == 0x1b && j+1 < len(line) && line[j+1] == '\\') {
				j++
			}
			if j < len(line) && line[j] == 0x1b {
				j++
			}
			i = j
		} else {
			i++
		}
	}
	return bytes.TrimSpace(out)
}

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
	if c.Line == "" {
		return c.FailureType
	}
	line := c.Line
	if utf8.RuneCountInString(line) > 100 {
		r := []rune(line)
		line = string(r[:99]) + "…"
	}
	return fmt.Sprintf("%s: %q", c.FailureType, line)
}
