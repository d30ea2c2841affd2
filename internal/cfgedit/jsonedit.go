package cfgedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// JSONDoc is a parsed JSON settings file that edits keep byte for byte
// outside what they add or remove. A path names object members from the
// top level down: ["hooks", "PreToolUse"] is the "PreToolUse" member of
// the top-level "hooks" object.
type JSONDoc struct {
	src   []byte
	jsonc bool
	root  *node
	nl    string // the file's line break
	unit  string // one level of the file's indentation
	colon string // what the file puts between a key and its value
	comma string // what follows a comma between items on one line
}

// ParseJSON parses a plain JSON file. An empty file (only whitespace) is an
// empty document that the first Set or Append turns into an object.
func ParseJSON(src []byte) (*JSONDoc, error) { return parseDoc(src, false) }

// ParseJSONC parses a JSON file that may hold // and /* */ comments and
// trailing commas, as Gemini CLI's and VS Code's settings do.
func ParseJSONC(src []byte) (*JSONDoc, error) { return parseDoc(src, true) }

func parseDoc(src []byte, jsonc bool) (*JSONDoc, error) {
	root, err := parseJSON(src, jsonc)
	if err != nil {
		return nil, err
	}
	d := &JSONDoc{src: src, jsonc: jsonc, root: root, nl: "\n", unit: "  ", colon: ": ", comma: " "}
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		d.nl = "\r\n"
	}
	if root != nil {
		d.learnStyle(root)
	}
	return d, nil
}

// learnStyle takes the indentation unit from the first container written
// over several lines, and the spacing after colons and commas from the
// first that show them, so that what maestro adds looks like the rest of
// the file.
func (d *JSONDoc) learnStyle(root *node) {
	foundUnit, foundColon, foundComma := false, false, false
	var walk func(n *node)
	walk = func(n *node) {
		if foundUnit && foundColon && foundComma {
			return
		}
		if !foundComma && len(n.items) >= 2 && n.items[0].comma >= 0 && !d.startsLine(n.items[1].start()) {
			if ws := string(d.src[n.items[0].comma+1 : n.items[1].start()]); strings.Trim(ws, " \t") == "" {
				d.comma, foundComma = ws, true
			}
		}
		if len(n.items) > 0 {
			first := &n.items[0]
			if !foundUnit && d.startsLine(first.start()) {
				outer, inner := d.lineIndent(n.start), d.lineIndent(first.start())
				if len(inner) > len(outer) && strings.HasPrefix(inner, outer) {
					d.unit, foundUnit = inner[len(outer):], true
				}
			}
			if !foundColon && n.kind == kObject {
				sep := string(d.src[first.keyEnd:first.val.start])
				if strings.Trim(sep, " \t") == ":" {
					d.colon, foundColon = sep, true
				}
			}
		}
		for i := range n.items {
			walk(n.items[i].val)
		}
	}
	walk(root)
}

// Bytes returns the document as it is now.
func (d *JSONDoc) Bytes() []byte { return slices.Clone(d.src) }

// Get returns the value at path as JSON that encoding/json reads: the
// file's own text, with comments and trailing commas taken out in a JSONC
// file. ok is false when there is no such member.
func (d *JSONDoc) Get(path ...string) (raw []byte, ok bool) {
	n := d.lookup(path)
	if n == nil {
		return nil, false
	}
	return d.clean(n.start, n.end), true
}

// lookup returns the value at path, or nil.
func (d *JSONDoc) lookup(path []string) *node {
	n := d.root
	for _, k := range path {
		if n == nil || n.kind != kObject {
			return nil
		}
		n = member(n, k)
	}
	return n
}

// member returns the value of key in object n, the last one when a key is
// repeated (as JavaScript and encoding/json read it), or nil.
func member(n *node, key string) *node {
	for i := len(n.items) - 1; i >= 0; i-- {
		if n.items[i].key == key {
			return n.items[i].val
		}
	}
	return nil
}

// Set makes the member at path hold raw, which must be valid JSON:
// replacing its value when it is there, adding it after its last sibling
// otherwise, with the objects on the way created as needed.
func (d *JSONDoc) Set(path []string, raw []byte) error {
	parent, rest, err := d.target("set", path, raw)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return d.replace(parent, path[len(path)-1], raw)
	}
	return d.insert(parent, rest, raw)
}

// Append adds raw, which must be valid JSON, as the last element of the
// array at path, creating the array and the objects on the way when they
// are missing. Use Get first to know whether it did: only what an
// insertion created should be taken out by RemoveIfEmpty.
func (d *JSONDoc) Append(path []string, raw []byte) error {
	parent, rest, err := d.target("append to", path, raw)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		arr := d.lookup(path)
		if arr.kind != kArray {
			return fmt.Errorf("append to %s: it is not an array", pathString(path))
		}
		return d.insert(arr, nil, raw)
	}
	return d.insert(parent, rest, slices.Concat([]byte("["), raw, []byte("]")))
}

// target checks an edit's path and value, and walks the path.
func (d *JSONDoc) target(op string, path []string, raw []byte) (*node, []string, error) {
	if len(path) == 0 {
		return nil, nil, fmt.Errorf("%s: an empty path names the whole document", op)
	}
	if !json.Valid(raw) {
		return nil, nil, fmt.Errorf("%s %s: the value is not valid JSON", op, pathString(path))
	}
	return d.walk(path)
}

// walk follows path as far as it exists: it returns the last object found
// and the keys still missing below it.
func (d *JSONDoc) walk(path []string) (*node, []string, error) {
	if d.root == nil {
		return nil, path, nil
	}
	if d.root.kind != kObject {
		return nil, nil, errors.New("the document is not a JSON object")
	}
	n := d.root
	for i, k := range path {
		v := member(n, k)
		if v == nil {
			return n, path[i:], nil
		}
		if i == len(path)-1 {
			return n, nil, nil
		}
		if v.kind != kObject {
			return nil, nil, fmt.Errorf("%s is not an object", pathString(path[:i+1]))
		}
		n = v
	}
	return n, nil, nil
}

// Remove takes the member at path out, with the comma and the line break
// its insertion added. Removing a member that is not there does nothing.
func (d *JSONDoc) Remove(path []string) error {
	if len(path) == 0 {
		return errors.New("remove: an empty path names the whole document")
	}
	for {
		parent := d.lookup(path[:len(path)-1])
		if parent == nil || parent.kind != kObject {
			return nil
		}
		i := slices.IndexFunc(parent.items, func(it item) bool { return it.key == path[len(path)-1] })
		if i < 0 {
			return nil
		}
		if err := d.removeItem(parent, i); err != nil {
			return err
		}
	}
}

// RemoveElements takes out every element of the array at path for which
// match, given the element as Get would return it, says true. It returns
// how many it removed: none when there is no array at path.
func (d *JSONDoc) RemoveElements(path []string, match func(raw []byte) bool) (int, error) {
	arr := d.lookup(path)
	if arr == nil || arr.kind != kArray {
		return 0, nil
	}
	n := 0
	// From the last element back: an insertion added its element after
	// the others, so its removal is exact when later ones went first.
	for i := len(arr.items) - 1; i >= 0; i-- {
		el := arr.items[i].val
		if !match(d.clean(el.start, el.end)) {
			continue
		}
		if err := d.removeItem(arr, i); err != nil {
			return n, err
		}
		n++
		arr = d.lookup(path)
	}
	return n, nil
}

// RemoveIfEmpty removes the member at path when its value is an object or
// an array with nothing in it, not even a comment. It is for the
// containers an insertion created, once their last entry is gone: the
// caller knows which they were (Get before Set or Append), since an empty
// container of the user's looks the same.
func (d *JSONDoc) RemoveIfEmpty(path []string) (bool, error) {
	n := d.lookup(path)
	if n == nil || (n.kind != kObject && n.kind != kArray) || len(n.items) > 0 {
		return false, nil
	}
	if d.hasComment(n.start+1, n.end-1) {
		return false, nil
	}
	return true, d.Remove(path)
}

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// apply makes the edits (which must not overlap) and parses the result,
// which must parse: an edit that breaks the document is a bug here.
func (d *JSONDoc) apply(edits ...edit) error {
	slices.SortFunc(edits, func(a, b edit) int { return b.start - a.start })
	out := slices.Clone(d.src)
	for _, e := range edits {
		out = slices.Concat(out[:e.start], []byte(e.text), out[e.end:])
	}
	root, err := parseJSON(out, d.jsonc)
	if err != nil {
		return fmt.Errorf("cfgedit: the edit made the file invalid (%v); the file is left as it was", err)
	}
	d.src, d.root = out, root
	return nil
}

// replace writes raw in place of the value of the (last) member key of
// object parent: over several lines, indented like the member's line, when
// the member starts its line; on one line otherwise.
func (d *JSONDoc) replace(parent *node, key string, raw []byte) error {
	for i := len(parent.items) - 1; i >= 0; i-- {
		it := &parent.items[i]
		if it.key != key {
			continue
		}
		text := d.renderInline(raw)
		if d.startsLine(it.start()) {
			text = d.render(raw, d.lineIndent(it.start()))
		}
		return d.apply(edit{it.val.start, it.val.end, text})
	}
	return nil
}

// insert adds to container c a new last item: the member keys[0] holding
// raw nested in objects for keys[1:], or the element raw when keys is
// empty (c is an array). With c nil the document is empty and becomes an
// object.
func (d *JSONDoc) insert(c *node, keys []string, raw []byte) error {
	value := raw
	for i := len(keys) - 1; i >= 1; i-- {
		value = slices.Concat([]byte("{"), encodeKey(keys[i]), []byte(":"), value, []byte("}"))
	}
	text := func(indent string, multiline bool) string {
		v := d.renderInline(value)
		if multiline {
			v = d.render(value, indent)
		}
		if len(keys) == 0 {
			return v
		}
		return string(encodeKey(keys[0])) + d.colon + v
	}

	if c == nil {
		obj := "{" + d.nl + d.unit + text(d.unit, true) + d.nl + "}" + d.nl
		bom := ""
		if bytes.HasPrefix(d.src, []byte(utf8BOM)) {
			bom = utf8BOM
		}
		if len(bytes.Trim(d.src[len(bom):], " \t\r\n")) == 0 {
			return d.apply(edit{0, len(d.src), bom + obj})
		}
		// Only comments: the object goes after them.
		if !bytes.HasSuffix(d.src, []byte("\n")) {
			obj = d.nl + obj
		}
		return d.apply(edit{len(d.src), len(d.src), obj})
	}

	if len(c.items) == 0 {
		open, close := c.start+1, c.end-1
		outer := d.lineIndent(c.start)
		indent := outer + d.unit
		last := d.lastCommentEnd(open, close)
		if last < 0 {
			// Nothing but whitespace inside: `{}` opens up.
			return d.apply(edit{open, close, d.nl + indent + text(indent, true) + d.nl + outer})
		}
		if bytes.Contains(d.src[last:close], []byte("\n")) {
			return d.apply(edit{last, last, d.nl + indent + text(indent, true)})
		}
		// The closing bracket is on the comment's line: so is the item.
		return d.apply(edit{last, last, d.comma + text("", false)})
	}

	l := &c.items[len(c.items)-1]
	if d.startsLine(l.start()) {
		indent := d.lineIndent(l.start())
		t := text(indent, true)
		if l.comma >= 0 {
			// The file ends its items with a comma: so does the new one.
			at := d.lineEnd(l.comma + 1)
			return d.apply(edit{at, at, d.nl + indent + t + ","})
		}
		at := d.lineEnd(l.val.end)
		if at == l.val.end {
			return d.apply(edit{at, at, "," + d.nl + indent + t})
		}
		// A comment follows the last item on its line: the comma goes
		// before it, the new item on the next line.
		return d.apply(edit{l.val.end, l.val.end, ","}, edit{at, at, d.nl + indent + t})
	}
	sep := d.comma
	if len(c.items) >= 2 {
		if p := c.items[len(c.items)-2]; p.comma >= 0 {
			if ws := string(d.src[p.comma+1 : l.start()]); strings.Trim(ws, " \t") == "" {
				sep = ws
			}
		}
	}
	if l.comma >= 0 {
		return d.apply(edit{l.comma + 1, l.comma + 1, sep + text("", false) + ","})
	}
	return d.apply(edit{l.val.end, l.val.end, "," + sep + text("", false)})
}

// removeItem takes item i out of container c with exactly the bytes an
// insertion of it added: its line break and indentation, and the comma
// between it and its neighbour.
func (d *JSONDoc) removeItem(c *node, i int) error {
	x := &c.items[i]
	xs, xe := x.start(), x.val.end
	if x.comma >= 0 {
		xe = x.comma + 1
	}
	// Should joining lines put text after a line comment of the user's
	// ("a": 1, // note\n"b": 2}), only the item and its comma go.
	plain := []edit{{xs, xe, ""}}
	if x.comma < 0 && i > 0 {
		plain = append(plain, edit{c.items[i-1].comma, c.items[i-1].comma + 1, ""})
	}
	if len(c.items) == 1 {
		open, close := c.start+1, c.end-1
		if !d.hasComment(open, xs) && !d.hasComment(xe, close) {
			return d.apply(edit{open, close, ""})
		}
		if d.startsLine(xs) {
			return d.applyOr(plain, edit{d.lineBreakBefore(xs), xe, ""})
		}
		from := d.lastCommentEnd(open, xs)
		if from < 0 {
			from = open
		}
		return d.apply(edit{from, xe, ""})
	}
	if i == len(c.items)-1 {
		p := &c.items[i-1]
		if d.startsLine(xs) {
			if x.comma >= 0 {
				return d.applyOr(plain, edit{d.lineBreakBefore(xs), xe, ""})
			}
			return d.applyOr(plain, edit{p.comma, p.comma + 1, ""}, edit{d.lineBreakBefore(xs), xe, ""})
		}
		if x.comma >= 0 {
			return d.apply(edit{p.comma + 1, xe, ""})
		}
		return d.apply(edit{p.comma, xe, ""})
	}
	next := c.items[i+1].start()
	if d.startsLine(xs) && d.startsLine(next) {
		return d.applyOr(plain, edit{d.lineBreakBefore(xs), xe, ""})
	}
	return d.apply(edit{xs, next, ""})
}

// applyOr makes the edits, or the fallback edits when the first would not
// parse.
func (d *JSONDoc) applyOr(fallback []edit, edits ...edit) error {
	if err := d.apply(edits...); err != nil {
		return d.apply(fallback...)
	}
	return nil
}

// startsLine reports whether only spaces and tabs are between the line
// break before off and off.
func (d *JSONDoc) startsLine(off int) bool {
	i := off
	for i > 0 && (d.src[i-1] == ' ' || d.src[i-1] == '\t') {
		i--
	}
	return i > 0 && d.src[i-1] == '\n'
}

// lineBreakBefore returns where the line break before the line holding off
// starts (the \r of a \r\n).
func (d *JSONDoc) lineBreakBefore(off int) int {
	i := off
	for i > 0 && d.src[i-1] != '\n' {
		i--
	}
	i-- // the \n
	if i > 0 && d.src[i-1] == '\r' {
		i--
	}
	return i
}

// lineIndent returns the spaces and tabs that start the line holding off.
func (d *JSONDoc) lineIndent(off int) string {
	i := off
	for i > 0 && d.src[i-1] != '\n' {
		i--
	}
	j := i
	for j < len(d.src) && (d.src[j] == ' ' || d.src[j] == '\t') {
		j++
	}
	return string(d.src[i:j])
}

// lineEnd returns where the line holding off ends, past spaces and
// comments that end on it, before its line break or whatever else comes.
func (d *JSONDoc) lineEnd(off int) int {
	i, end := off, off
	for i < len(d.src) {
		switch c := d.src[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '/' && i+1 < len(d.src) && (d.src[i+1] == '/' || d.src[i+1] == '*'):
			e := commentEnd(d.src, i)
			if e < 0 || bytes.ContainsAny(d.src[i:e], "\n") {
				return end
			}
			i, end = e, e
		default:
			return end
		}
	}
	return end
}

// lastCommentEnd returns the end of the last comment in src[from:to],
// which holds only whitespace and comments, or -1 when there is none.
func (d *JSONDoc) lastCommentEnd(from, to int) int {
	last := -1
	for i := from; i < to; {
		if d.src[i] == '/' && i+1 < to && (d.src[i+1] == '/' || d.src[i+1] == '*') {
			i = commentEnd(d.src, i)
			last = i
			continue
		}
		i++
	}
	return last
}

func (d *JSONDoc) hasComment(from, to int) bool { return d.lastCommentEnd(from, to) >= 0 }

// clean returns src[from:to] without comments and trailing commas.
func (d *JSONDoc) clean(from, to int) []byte {
	s := d.src[from:to]
	if !d.jsonc {
		return slices.Clone(s)
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			out = append(out, s[i:j]...)
			i = j
		case c == '/' && i+1 < len(s) && (s[i+1] == '/' || s[i+1] == '*'):
			i = commentEnd(s, i)
			if i < 0 {
				i = len(s)
			}
		case c == ',':
			j := i + 1
			for j < len(s) {
				if s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r' {
					j++
				} else if s[j] == '/' && j+1 < len(s) && (s[j+1] == '/' || s[j+1] == '*') {
					if j = commentEnd(s, j); j < 0 {
						j = len(s)
					}
				} else {
					break
				}
			}
			if j >= len(s) || s[j] != '}' && s[j] != ']' {
				out = append(out, c)
			}
			i++
		default:
			out = append(out, c)
			i++
		}
	}
	return out
}

// render writes raw over several lines, each level one unit deeper than
// indent, with the file's line breaks.
func (d *JSONDoc) render(raw []byte, indent string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, indent, d.unit); err != nil {
		return string(raw) // checked valid by the callers
	}
	s := b.String()
	if d.nl != "\n" {
		// A JSON string holds no raw line break, so every \n is layout.
		s = strings.ReplaceAll(s, "\n", d.nl)
	}
	return s
}

// renderInline writes raw on one line, spaced after colons and commas as
// the file is, for a container the file writes on one line.
func (d *JSONDoc) renderInline(raw []byte) string {
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return string(raw)
	}
	s := compact.Bytes()
	out := make([]byte, 0, len(s)+len(s)/8)
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		out = append(out, c)
		switch {
		case inString && c == '\\':
			i++
			out = append(out, s[i])
		case c == '"':
			inString = !inString
		case !inString && c == ':':
			out = append(out[:len(out)-1], d.colon...)
		case !inString && c == ',':
			out = append(out, d.comma...)
		}
	}
	return string(out)
}

// encodeKey writes key as a JSON string, leaving <, > and & as they are.
func encodeKey(key string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(key) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func pathString(path []string) string {
	quoted := make([]string, len(path))
	for i, k := range path {
		quoted[i] = string(encodeKey(k))
	}
	return strings.Join(quoted, ".")
}
