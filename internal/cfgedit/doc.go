// Package cfgedit edits other programs' settings files (the coding agents'
// JSON settings and Codex's TOML config) without reformatting them, so
// that `maestro agent install` can merge its entries into a file the user
// keeps by hand and `uninstall` can take exactly those entries out again.
//
// The promise is byte-level: everything maestro did not add stays as it
// was (key order, indentation, comments, line endings, a missing final
// newline, a byte order mark), what it adds is written in the file's own
// style (its indentation unit, or two spaces when nothing shows one; on
// one line in a container written on one line), and removing an entry
// removes exactly the bytes its insertion added, so install then
// uninstall gives back the same file. FuzzJSONRoundTrip and
// TestRoundTripGenerated check that. Two layouts cannot come back, as
// their edited forms are those of another file: an empty file, and an
// empty container with only whitespace inside ({ }, {\n}), both come back
// as {}.
//
// JSON documents are parsed into byte offsets (ParseJSON for plain JSON,
// ParseJSONC for settings files that allow // and /* */ comments and
// trailing commas, as Gemini CLI's and VS Code's do) and edited by
// splicing, each edit checked by parsing its result: Get, Set, Append,
// Remove, RemoveElements, RemoveIfEmpty. TOML files get whole tables
// appended and removed (TOMLHasTable, TOMLAppendTable, TOMLRemoveTable).
// Diff shows an edit as a unified diff for --dry-run. A file that does not
// parse is refused with a *SyntaxError naming its line and column.
package cfgedit

import "fmt"

// SyntaxError is a settings file that does not parse: where, and what was
// expected there. Line and Col count from 1; Col counts characters, as
// editors do.
type SyntaxError struct {
	File string // empty unless the caller sets it
	Line int
	Col  int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// position returns the line and character column of offset off in src.
func position(src []byte, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	col = 1
	for _, c := range src[start:off] {
		// Count the first byte of each UTF-8 sequence only.
		if c&0xC0 != 0x80 {
			col++
		}
	}
	return line, col
}
