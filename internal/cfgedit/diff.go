package cfgedit

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// context is how many unchanged lines a hunk shows around a change, as
// diff -u does.
const context = 3

// maxEdits bounds the diff's work on two files with little in common
// (~/.claude.json can be megabytes): past it the change is shown as the
// whole middle of the file replaced, which is still correct.
const maxEdits = 4000

// Diff returns the change from old to new as a unified diff of the file
// name, or "" when there is none. A nil old is a file being created, a nil
// new one being removed. Control characters other than tabs are shown
// visibly, so the diff is safe to print on a terminal, and the line breaks
// of a CRLF file are shown as plain ones.
func Diff(name string, old, new []byte) string {
	if bytes.Equal(old, new) && (old == nil) == (new == nil) {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	var out strings.Builder
	from, to := "a/"+name, "b/"+name
	if old == nil {
		from = "/dev/null"
	}
	if new == nil {
		to = "/dev/null"
	}
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", textsafe.Visible(from), textsafe.Visible(to))

	ops := diffLines(a, b)
	for i := 0; i < len(ops); {
		if ops[i].kind == opEqual {
			i++
			continue
		}
		// A hunk: from context lines before this change to context lines
		// after the last change that is no further than 2*context away.
		start := max(i-context, 0)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != opEqual {
				end = j + 1
			} else if j-end >= 2*context {
				break
			}
		}
		end = min(end+context, len(ops))
		writeHunk(&out, ops[start:end], a, b)
		i = end
	}
	return out.String()
}

type opKind uint8

const (
	opEqual opKind = iota
	opDelete
	opInsert
)

// op is one line of the edit script: a[ai] kept as b[bi], a[ai] deleted,
// or b[bi] inserted. ai and bi also say where the line would be in the
// other file, for hunk headers.
type op struct {
	kind   opKind
	ai, bi int
}

func writeHunk(out *strings.Builder, ops []op, a, b []string) {
	aStart, bStart := ops[0].ai, ops[0].bi
	aLen, bLen := 0, 0
	for _, o := range ops {
		if o.kind != opInsert {
			aLen++
		}
		if o.kind != opDelete {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, o := range ops {
		switch o.kind {
		case opEqual:
			writeLine(out, ' ', a[o.ai])
		case opDelete:
			writeLine(out, '-', a[o.ai])
		case opInsert:
			writeLine(out, '+', b[o.bi])
		}
	}
}

// hunkRange writes a hunk's start and length as diff -u does: the length
// left out when it is 1, the start the line before when it is 0.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func writeLine(out *strings.Builder, prefix byte, line string) {
	out.WriteByte(prefix)
	text, full := strings.CutSuffix(line, "\n")
	// A CRLF file's line breaks are not worth a \r on every line; tabs
	// are layout, kept so the diff still applies with patch(1).
	text = strings.TrimSuffix(text, "\r")
	for i, part := range strings.Split(text, "\t") {
		if i > 0 {
			out.WriteByte('\t')
		}
		out.WriteString(textsafe.Visible(part))
	}
	out.WriteByte('\n')
	if !full {
		out.WriteString("\\ No newline at end of file\n")
	}
}

// splitLines cuts s after each line break, keeping the breaks, so a
// missing final one is a difference.
func splitLines(s []byte) []string {
	var lines []string
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, string(s))
			break
		}
		lines = append(lines, string(s[:i+1]))
		s = s[i+1:]
	}
	return lines
}

// diffLines returns an edit script from a to b: the common head and tail
// kept, the middle by Myers' O(ND) algorithm, which is quick when the
// files differ little, as an edit of a settings file does.
func diffLines(a, b []string) []op {
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var ops []op
	for i := 0; i < head; i++ {
		ops = append(ops, op{opEqual, i, i})
	}
	ops = append(ops, myers(a[head:len(a)-tail], b[head:len(b)-tail], head, head)...)
	for i := 0; i < tail; i++ {
		ops = append(ops, op{opEqual, len(a) - tail + i, len(b) - tail + i})
	}
	return ops
}

func myers(a, b []string, aOff, bOff int) []op {
	n, m := len(a), len(b)
	replaceAll := func() []op {
		ops := make([]op, 0, n+m)
		for i := range n {
			ops = append(ops, op{opDelete, aOff + i, bOff})
		}
		for j := range m {
			ops = append(ops, op{opInsert, aOff + n, bOff + j})
		}
		return ops
	}
	if n == 0 || m == 0 {
		return replaceAll()
	}
	limit := min(n+m, maxEdits)
	off := limit + 1
	v := make([]int, 2*limit+3)
	// trace[d] holds v[k] for k in [-d, d] as it was before step d.
	var trace [][]int
	for d := 0; d <= limit; d++ {
		trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, n, m, aOff, bOff)
			}
		}
	}
	return replaceAll()
}

func backtrack(trace [][]int, x, y, aOff, bOff int) []op {
	var rev []op
	for d := len(trace) - 1; d > 0; d-- {
		v := trace[d]
		at := func(k int) int { return v[k+d] }
		k := x - y
		prevK := k - 1
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, op{opEqual, aOff + x, bOff + y})
		}
		if x == prevX {
			y--
			rev = append(rev, op{opInsert, aOff + x, bOff + y})
		} else {
			x--
			rev = append(rev, op{opDelete, aOff + x, bOff + y})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, op{opEqual, aOff + x, bOff + y})
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}
