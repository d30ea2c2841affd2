package cfgedit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// maxDepth bounds nesting, so a hostile file of a million '[' is refused
// instead of recursing that deep.
const maxDepth = 1000

// utf8BOM is the byte order mark some Windows editors start a file with.
const utf8BOM = "\xEF\xBB\xBF"

type kind uint8

const (
	kObject kind = iota
	kArray
	kString
	kNumber
	kLiteral // true, false, null
)

// node is one JSON value and where its bytes are: src[start:end].
type node struct {
	kind       kind
	start, end int
	items      []item // members of an object, elements of an array
}

// item is an object member or an array element. For an element, keyStart
// and keyEnd equal val.start.
type item struct {
	key              string // decoded, members only
	keyStart, keyEnd int
	val              *node
	comma            int // offset of the comma after the item, -1 when none
}

func (it *item) start() int { return it.keyStart }

type parser struct {
	src   []byte
	pos   int
	jsonc bool
	depth int
}

func parseJSON(src []byte, jsonc bool) (*node, error) {
	p := &parser{src: src, jsonc: jsonc}
	if bytes.HasPrefix(src, []byte(utf8BOM)) {
		p.pos = len(utf8BOM)
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos == len(src) {
		return nil, nil // an empty document: edits start a new object
	}
	root, err := p.value()
	if err != nil {
		return nil, err
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos < len(src) {
		return nil, p.errorf(p.pos, "unexpected %s after the end of the document", p.found())
	}
	return root, nil
}

func (p *parser) errorf(off int, format string, args ...any) error {
	line, col := position(p.src, off)
	return &SyntaxError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// found describes what is at p.pos, for an error message.
func (p *parser) found() string {
	if p.pos >= len(p.src) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.src[p.pos:])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte 0x%02x", p.src[p.pos])
	}
	return strconv.QuoteRune(r)
}

// skip moves past whitespace and, in JSONC, comments.
func (p *parser) skip() error {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		case c == '/' && p.pos+1 < len(p.src) && (p.src[p.pos+1] == '/' || p.src[p.pos+1] == '*'):
			if !p.jsonc {
				return p.errorf(p.pos, "comments are not allowed in this JSON file")
			}
			end := commentEnd(p.src, p.pos)
			if end < 0 {
				return p.errorf(p.pos, "unterminated /* comment")
			}
			p.pos = end
		default:
			return nil
		}
	}
	return nil
}

// commentEnd returns the offset just past the comment at src[at:], which
// starts with // or /*: a line comment ends before its line break. It is -1
// for an unterminated block comment.
func commentEnd(src []byte, at int) int {
	if src[at+1] == '/' {
		i := at + 2
		for i < len(src) && src[i] != '\n' && !(src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n') {
			i++
		}
		return i
	}
	for i := at + 2; i+1 < len(src); i++ {
		if src[i] == '*' && src[i+1] == '/' {
			return i + 2
		}
	}
	return -1
}

func (p *parser) value() (*node, error) {
	if p.pos >= len(p.src) {
		return nil, p.errorf(p.pos, "expected a value, found end of file")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.container(kObject)
	case c == '[':
		return p.container(kArray)
	case c == '"':
		start := p.pos
		if err := p.str(); err != nil {
			return nil, err
		}
		return &node{kind: kString, start: start, end: p.pos}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if len(p.src)-p.pos >= len(lit) && string(p.src[p.pos:p.pos+len(lit)]) == lit {
				start := p.pos
				p.pos += len(lit)
				return &node{kind: kLiteral, start: start, end: p.pos}, nil
			}
		}
	}
	return nil, p.errorf(p.pos, "expected a value, found %s", p.found())
}

// container parses an object or an array at p.pos: the items that
// itemAt reads, separated by commas, a trailing one allowed in JSONC.
func (p *parser) container(k kind) (*node, error) {
	p.depth++
	if p.depth > maxDepth {
		return nil, p.errorf(p.pos, "nested more than %d levels deep", maxDepth)
	}
	closer, what, one := byte('}'), "an object member", "a member"
	if k == kArray {
		closer, what, one = ']', "an array element", "an element"
	}
	n := &node{kind: k, start: p.pos}
	p.pos++
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos < len(p.src) && p.src[p.pos] == closer {
			if len(n.items) > 0 && n.items[len(n.items)-1].comma >= 0 && !p.jsonc {
				return nil, p.errorf(n.items[len(n.items)-1].comma, `trailing comma: expected %s after ","`, one)
			}
			break
		}
		it, err := p.itemAt(k, len(n.items) == 0)
		if err != nil {
			return nil, err
		}
		if err := p.skip(); err != nil {
			return nil, err
		}
		hasComma := p.pos < len(p.src) && p.src[p.pos] == ','
		if hasComma {
			it.comma = p.pos
			p.pos++
		}
		n.items = append(n.items, it)
		if hasComma {
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == closer {
			break
		}
		return nil, p.errorf(p.pos, `expected "," or "%c" after %s, found %s`, closer, what, p.found())
	}
	p.pos++
	n.end = p.pos
	p.depth--
	return n, nil
}

// itemAt parses an object member (key, colon, value) or an array element.
func (p *parser) itemAt(k kind, first bool) (item, error) {
	if k == kArray {
		v, err := p.value()
		if err != nil {
			return item{}, err
		}
		return item{keyStart: v.start, keyEnd: v.start, val: v, comma: -1}, nil
	}
	if p.pos >= len(p.src) || p.src[p.pos] != '"' {
		if first {
			return item{}, p.errorf(p.pos, `expected a string key or "}", found %s`, p.found())
		}
		return item{}, p.errorf(p.pos, `expected a string key, found %s`, p.found())
	}
	it := item{keyStart: p.pos, comma: -1}
	if err := p.str(); err != nil {
		return item{}, err
	}
	it.keyEnd = p.pos
	it.key = decodeKey(p.src[it.keyStart:it.keyEnd])
	if err := p.skip(); err != nil {
		return item{}, err
	}
	if p.pos >= len(p.src) || p.src[p.pos] != ':' {
		return item{}, p.errorf(p.pos, `expected ":" after the key %s, found %s`, strconv.Quote(it.key), p.found())
	}
	p.pos++
	if err := p.skip(); err != nil {
		return item{}, err
	}
	v, err := p.value()
	if err != nil {
		return item{}, err
	}
	it.val = v
	return it, nil
}

// str moves past the string at p.pos, checking it as encoding/json does.
func (p *parser) str() error {
	start := p.pos
	p.pos++
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return nil
		case c == '\\':
			if p.pos+1 >= len(p.src) {
				return p.errorf(start, "unterminated string")
			}
			switch p.src[p.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos += 2
			case 'u':
				for i := 2; i < 6; i++ {
					if p.pos+i >= len(p.src) || !isHex(p.src[p.pos+i]) {
						return p.errorf(p.pos, `invalid escape: expected four hexadecimal digits after \u`)
					}
				}
				p.pos += 6
			default:
				return p.errorf(p.pos, "invalid escape %s in a string", strconv.Quote(string(p.src[p.pos:p.pos+2])))
			}
		case c < 0x20:
			if c == '\n' || c == '\r' {
				return p.errorf(start, "unterminated string: a line break inside a string must be written \\n")
			}
			return p.errorf(p.pos, "control character 0x%02x in a string: write it as \\u%04x", c, c)
		default:
			p.pos++
		}
	}
	return p.errorf(start, "unterminated string")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number moves past -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() (*node, error) {
	start := p.pos
	s := p.src
	i := p.pos
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && isDigit(s[i]):
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		p.pos = i
		return nil, p.errorf(start, "invalid number: expected a digit after %q", string(s[start:i]))
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return nil, p.errorf(start, "invalid number: expected a digit after the decimal point")
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return nil, p.errorf(start, "invalid number: expected a digit in the exponent")
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	p.pos = i
	return &node{kind: kNumber, start: start, end: i}, nil
}

// decodeKey returns the text of a JSON string that str has checked.
func decodeKey(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(inner)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(inner)
	}
	return s
}
