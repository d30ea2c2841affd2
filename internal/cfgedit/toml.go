package cfgedit

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// TOML files get whole tables of maestro's own (Codex's
// [mcp_servers.maestro]): appended at the end of the file, after one blank
// line, and removed with exactly that blank line, so that the user's
// tables, comments and layout are never rewritten.

// TOMLHasTable reports whether src defines the table name (a dotted key,
// as "mcp_servers.maestro"), by a [header] of its own or otherwise (dotted
// keys, an inline table). A file that does not parse is a *SyntaxError.
func TOMLHasTable(src []byte, name string) (bool, error) {
	keys, err := tomlKey(name)
	if err != nil {
		return false, err
	}
	doc, err := decodeTOML(src)
	if err != nil {
		return false, err
	}
	var v any = doc
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return false, nil
		}
		if v, ok = m[k]; !ok {
			return false, nil
		}
	}
	_, ok := v.(map[string]any)
	return ok, nil
}

// TOMLAppendTable returns src with the table [name] holding body (its
// key = value lines, and sub-tables of its own if any) added at the end,
// after one blank line, with the file's line breaks. body should not end
// with a comment line: TOMLRemoveTable leaves comments that end a table,
// as they usually speak of what follows. It refuses a file
// that does not parse, a table that is already there, and a result that
// would not parse (a key of the user's in the way).
func TOMLAppendTable(src []byte, name string, body []byte) ([]byte, error) {
	has, err := TOMLHasTable(src, name)
	if err != nil {
		return nil, err
	}
	if has {
		return nil, fmt.Errorf("the table [%s] is already there", name)
	}
	nl := "\n"
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		nl = "\r\n"
	}
	lines := []string{"[" + name + "]"}
	text := strings.TrimRight(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
	if text != "" {
		lines = append(lines, strings.Split(text, "\n")...)
	}
	table := strings.Join(lines, nl)
	var out []byte
	switch {
	case len(src) == 0:
		out = []byte(table + nl)
	case src[len(src)-1] == '\n':
		out = slices.Concat(src, []byte(nl+table+nl))
	default:
		// The file has no final line break: neither has it once the table
		// is in, and TOMLRemoveTable, finding none, takes out the one
		// added here before the blank line.
		out = slices.Concat(src, []byte(nl+nl+table))
	}
	if _, err := decodeTOML(out); err != nil {
		return nil, fmt.Errorf("adding the table [%s] would make the file invalid: %w", name, err)
	}
	return out, nil
}

// TOMLRemoveTable returns src without the table [name]: its header, its
// lines up to the next table that is not one of its sub-tables, its
// sub-tables, and the blank line before it. Comments and blank lines just
// above the next table stay with that table. A file without the table
// comes back unchanged; one that defines it otherwise than by a header of
// its own is refused, as its keys are mixed with the user's.
func TOMLRemoveTable(src []byte, name string) ([]byte, error) {
	keys, err := tomlKey(name)
	if err != nil {
		return nil, err
	}
	if _, err := decodeTOML(src); err != nil {
		return nil, err
	}
	out := src
	for {
		heads, err := tomlHeaders(out)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(heads, func(h tomlHeader) bool { return hasPrefix(h.keys, keys) })
		if i < 0 {
			break
		}
		out = removeRegion(out, heads, i, keys)
	}
	has, err := TOMLHasTable(out, name)
	if err != nil {
		return nil, fmt.Errorf("removing the table [%s] would make the file invalid: %w", name, err)
	}
	if has {
		return nil, fmt.Errorf("the table [%s] is set by dotted keys or an inline table of a parent table: take it out by hand", name)
	}
	return out, nil
}

// removeRegion takes out the table of heads[i] and the sub-tables of keys
// that follow it.
func removeRegion(src []byte, heads []tomlHeader, i int, keys []string) []byte {
	start := heads[i].line
	end, contentEnd := len(src), heads[i].contentEnd
	for _, h := range heads[i+1:] {
		if !hasPrefix(h.keys, keys) {
			end = h.line
			break
		}
		contentEnd = h.contentEnd
	}
	// Keep the trailing comments and blank lines that sit above the next
	// table (or end the file with a comment): they are the user's.
	keep := end
	for keep > contentEnd {
		prev := lineStart(src, keep-1)
		if !isBlankOrComment(src[prev:keep]) {
			break
		}
		keep = prev
	}
	if keep < end && (end < len(src) || hasComment(src[keep:end])) {
		end = keep
	}
	// The blank line before the header is the one TOMLAppendTable added.
	if start > 0 {
		prev := lineStart(src, start-1)
		if len(bytes.TrimSpace(src[prev:start])) == 0 {
			start = prev
		}
	}
	if end == len(src) && start > 0 && !bytes.HasSuffix(src, []byte("\n")) {
		// No final line break: take the one that ended the line before.
		start--
		if start > 0 && src[start-1] == '\r' {
			start--
		}
	}
	return slices.Concat(src[:start], src[end:])
}

type tomlHeader struct {
	keys       []string
	line       int // where the header's line starts
	contentEnd int // where the line after the table's last expression starts
}

// tomlHeaders lists the [table] and [[array]] headers of src in order,
// with where each one's content ends. src must parse.
func tomlHeaders(src []byte) ([]tomlHeader, error) {
	var p unstable.Parser
	p.Reset(src)
	var heads []tomlHeader
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			var keys []string
			it := e.Key()
			first := -1
			for it.Next() {
				k := it.Node()
				if first < 0 {
					first = int(k.Raw.Offset)
				}
				keys = append(keys, string(k.Data))
			}
			if first < 0 {
				return nil, errors.New("a table header without a name")
			}
			line := lineStart(src, first)
			heads = append(heads, tomlHeader{keys: keys, line: line, contentEnd: nextLine(src, first)})
		case unstable.KeyValue:
			if len(heads) > 0 {
				heads[len(heads)-1].contentEnd = nextLine(src, int(e.Raw.Offset+e.Raw.Length))
			}
		}
	}
	if err := p.Error(); err != nil {
		return nil, err
	}
	return heads, nil
}

func hasPrefix(keys, prefix []string) bool {
	return len(keys) >= len(prefix) && slices.Equal(keys[:len(prefix)], prefix)
}

// lineStart returns where the line holding off starts.
func lineStart(src []byte, off int) int {
	return bytes.LastIndexByte(src[:off], '\n') + 1
}

// nextLine returns where the line after the one holding off starts.
func nextLine(src []byte, off int) int {
	if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(src)
}

func isBlankOrComment(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) == 0 || t[0] == '#'
}

func hasComment(lines []byte) bool {
	for _, l := range bytes.Split(lines, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] == '#' {
			return true
		}
	}
	return false
}

// tomlKey splits a dotted TOML key as TOML reads it (quoted parts may hold
// dots).
func tomlKey(name string) ([]string, error) {
	var p unstable.Parser
	p.Reset([]byte("[" + name + "]\n"))
	if !p.NextExpression() || p.Expression().Kind != unstable.Table {
		return nil, fmt.Errorf("%q is not a TOML table name", name)
	}
	var keys []string
	it := p.Expression().Key()
	for it.Next() {
		keys = append(keys, string(it.Node().Data))
	}
	if p.NextExpression() || p.Error() != nil {
		return nil, fmt.Errorf("%q is not a TOML table name", name)
	}
	return keys, nil
}

// decodeTOML parses src, a *SyntaxError when it does not.
func decodeTOML(src []byte) (map[string]any, error) {
	var doc map[string]any
	err := toml.Unmarshal(src, &doc)
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		return nil, &SyntaxError{Line: line, Col: col, Msg: strings.TrimPrefix(de.Error(), "toml: ")}
	}
	if err != nil {
		return nil, err
	}
	return doc, nil
}
