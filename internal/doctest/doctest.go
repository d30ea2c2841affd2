// Package doctest reads the shell examples out of maestro's Markdown
// documentation so that the tests can run them, and checks the links
// between its pages: an example or a link that stops working fails CI.
//
// The conventions (docs/development.md says them to writers):
//
//   - A fenced block whose language is console, sh, bash or shell is run;
//     the word skip after the language leaves it out.
//   - In a console block, a line starting with "$ " is a command and lines
//     starting with "> " continue it; the lines up to the next command are
//     its expected output, stdout and stderr merged. A line that is
//     exactly "..." matches any number of lines, "[...]" inside a line any
//     text. A command ending in the comment "# exits N" must exit N, every
//     other one 0.
//   - An sh block is run as it is and must exit 0; its output is not
//     checked.
package doctest

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Block is one fenced code block of a page.
type Block struct {
	Line int    // of the opening fence, 1-based
	Lang string // the info string's first word: console, sh, toml, ...
	Skip bool   // the info string says skip
	Text string // the content, the fence's indentation taken off
}

// Run says whether the tests run the block.
func (b Block) Run() bool {
	return !b.Skip && (b.Console() || b.Script())
}

// Console is a block of commands and their output.
func (b Block) Console() bool { return b.Lang == "console" }

// Script is a block run as it is.
func (b Block) Script() bool {
	switch b.Lang {
	case "sh", "bash", "shell":
		return true
	}
	return false
}

// Blocks returns the fenced code blocks of a Markdown page, in order. An
// unclosed fence is an error: everything after it would silently stop
// being a page.
func Blocks(src []byte) ([]Block, error) {
	var blocks []Block
	var cur *Block
	var fence string // the opening fence's characters: ``` or ~~~~, ...
	var indent int
	var body []string
	for i, line := range lines(src) {
		if cur == nil {
			f, ind, info, ok := openingFence(line)
			if !ok {
				continue
			}
			fields := strings.Fields(info)
			cur = &Block{Line: i + 1}
			for i, w := range fields {
				if i == 0 {
					cur.Lang = w
				}
				cur.Skip = cur.Skip || (i > 0 && w == "skip")
			}
			fence, indent, body = f, ind, nil
			continue
		}
		if closingFence(line, fence) {
			cur.Text = strings.Join(body, "\n")
			if len(body) > 0 {
				cur.Text += "\n"
			}
			blocks = append(blocks, *cur)
			cur = nil
			continue
		}
		// CommonMark: up to the fence's own indentation is taken off
		// each line.
		n := 0
		for n < indent && n < len(line) && line[n] == ' ' {
			n++
		}
		body = append(body, line[n:])
	}
	if cur != nil {
		return blocks, fmt.Errorf("line %d: the code block opened here is never closed", cur.Line)
	}
	return blocks, nil
}

// Lines splits a page into its lines, without their newlines.
func Lines(src []byte) []string { return lines(src) }

func lines(src []byte) []string {
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// openingFence recognises ``` or ~~~ (or longer), indented by at most
// three spaces, and returns the fence, its indentation and the info string.
func openingFence(line string) (fence string, indent int, info string, ok bool) {
	for indent < len(line) && indent < 4 && line[indent] == ' ' {
		indent++
	}
	if indent > 3 {
		return "", 0, "", false
	}
	rest := line[indent:]
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(rest) && rest[n] == c {
			n++
		}
		if n < 3 {
			continue
		}
		info = strings.TrimSpace(rest[n:])
		if c == '`' && strings.Contains(info, "`") {
			return "", 0, "", false // inline code, not a fence
		}
		return rest[:n], indent, info, true
	}
	return "", 0, "", false
}

func closingFence(line, fence string) bool {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return false
	}
	t = strings.TrimRight(t, " \t")
	return len(t) >= len(fence) && strings.Trim(t, fence[:1]) == ""
}

// Step is one command of a console block and what it must do.
type Step struct {
	Line    int      // of the command's "$ " line
	Command string   // continuation lines joined with newlines
	Want    []string // the expected output lines
	Exit    int      // the exit code it must end with
}

var exitsComment = regexp.MustCompile(`\s#\s*exits\s+([0-9]+)\s*$`)

// Steps splits a console block (starting at line first of its page) into
// its commands.
func Steps(b Block) ([]Step, error) {
	var steps []Step
	inCommand := false
	for i, line := range lines([]byte(b.Text)) {
		n := b.Line + 1 + i
		switch {
		case strings.HasPrefix(line, "$ ") || line == "$":
			steps = append(steps, Step{Line: n, Command: strings.TrimPrefix(strings.TrimPrefix(line, "$"), " ")})
			inCommand = true
		case inCommand && (strings.HasPrefix(line, "> ") || line == ">"):
			s := &steps[len(steps)-1]
			s.Command += "\n" + strings.TrimPrefix(strings.TrimPrefix(line, ">"), " ")
		case len(steps) == 0:
			if strings.TrimSpace(line) == "" {
				continue
			}
			return nil, fmt.Errorf("line %d: output before the first command (a console block starts with \"$ \")", n)
		default:
			inCommand = false
			s := &steps[len(steps)-1]
			s.Want = append(s.Want, line)
		}
	}
	for i := range steps {
		s := &steps[i]
		last := s.Command[strings.LastIndex(s.Command, "\n")+1:]
		if m := exitsComment.FindStringSubmatch(last); m != nil {
			code, err := strconv.Atoi(m[1])
			if err != nil || code > 255 {
				return nil, fmt.Errorf("line %d: exit code %q out of range", s.Line, m[1])
			}
			s.Exit = code
		}
		for len(s.Want) > 0 && strings.TrimSpace(s.Want[len(s.Want)-1]) == "" {
			s.Want = s.Want[:len(s.Want)-1]
		}
		if strings.TrimSpace(s.Command) == "" {
			return nil, fmt.Errorf("line %d: empty command", s.Line)
		}
	}
	return steps, nil
}

// Match compares a command's output with the expected lines, and returns
// "" when they agree, else a description of the first difference.
func Match(want []string, got string) string {
	gotLines := lines([]byte(got))
	for i := range gotLines {
		gotLines[i] = strings.TrimRight(gotLines[i], " \t")
	}
	for len(gotLines) > 0 && gotLines[len(gotLines)-1] == "" {
		gotLines = gotLines[:len(gotLines)-1]
	}
	w := make([]string, len(want))
	for i, l := range want {
		w[i] = strings.TrimRight(l, " \t")
	}
	if matchLines(w, gotLines) {
		return ""
	}
	return diff(w, gotLines)
}

// matchLines is a glob match over lines: "..." is the star. Memoised, so
// that many "..." lines cannot make it exponential.
func matchLines(want, got []string) bool {
	type key struct{ i, j int }
	memo := map[key]bool{}
	var m func(i, j int) bool
	m = func(i, j int) bool {
		if r, ok := memo[key{i, j}]; ok {
			return r
		}
		var r bool
		switch {
		case i == len(want):
			r = j == len(got)
		case want[i] == "...":
			r = m(i+1, j) || (j < len(got) && m(i, j+1))
		default:
			r = j < len(got) && MatchLine(want[i], got[j]) && m(i+1, j+1)
		}
		memo[key{i, j}] = r
		return r
	}
	return m(0, 0)
}

// MatchLine says whether a line of output matches an expected line, in
// which "[...]" stands for any text.
func MatchLine(want, got string) bool {
	parts := strings.Split(want, "[...]")
	if len(parts) == 1 {
		return want == got
	}
	if !strings.HasPrefix(got, parts[0]) {
		return false
	}
	got = got[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(got, p)
		if i < 0 {
			return false
		}
		got = got[i+len(p):]
	}
	return strings.HasSuffix(got, last)
}

// diff shows both sides in full: an example's output is short, and seeing
// all of it is the quickest way to mend the page.
func diff(want, got []string) string {
	var b bytes.Buffer
	b.WriteString("want:\n")
	for _, l := range want {
		fmt.Fprintf(&b, "\t%s\n", l)
	}
	b.WriteString("got:\n")
	for _, l := range got {
		fmt.Fprintf(&b, "\t%s\n", l)
	}
	return b.String()
}

// Script is the bash program that runs a page's runnable blocks in order,
// in one shell, so that cd and variables carry over as they would for a
// reader typing them. Command i writes its merged output to out/i and its
// exit code to out/i.rc; a command that exits the shell leaves no .rc,
// which the caller reports.
type Script struct {
	Program string
	Units   []Unit
}

// Unit is a command of a console block or a whole sh block.
type Unit struct {
	Block   Block
	Step    *Step // nil for an sh block
	Line    int
	Command string
}

// Build makes the Script for a page's blocks, writing outputs under dir.
func Build(blocks []Block, dir string) (Script, error) {
	var s Script
	for _, b := range blocks {
		if !b.Run() {
			continue
		}
		if b.Script() {
			s.Units = append(s.Units, Unit{Block: b, Line: b.Line, Command: b.Text})
			continue
		}
		steps, err := Steps(b)
		if err != nil {
			return Script{}, err
		}
		for i := range steps {
			s.Units = append(s.Units, Unit{Block: b, Step: &steps[i], Line: steps[i].Line, Command: steps[i].Command})
		}
	}
	var p bytes.Buffer
	w := bufio.NewWriter(&p)
	for i, u := range s.Units {
		out := strconv.Quote(fmt.Sprintf("%s/%d", dir, i))
		// Braces, not a subshell: cd and assignments must outlive the
		// command. stdin is closed: an example waiting for input is a
		// bug in the example, and must not hang the tests.
		fmt.Fprintf(w, "{\n%s\n} >%s 2>&1 </dev/null\necho $? >%s.rc\n", strings.TrimRight(u.Command, "\n"), out, out)
	}
	w.Flush()
	s.Program = p.String()
	return s, nil
}
