// Package textsafe makes text maestro did not write safe to show: commit
// messages, trailers, fetched records, question text, command output and
// configuration descriptions may hold terminal escape sequences (a title
// change, a clipboard write through OSC 52, a cursor move that hides a
// line) or bytes that are not UTF-8. Human output goes through Visible,
// which renders every control character as a visible escape, the way git
// quotes unusual paths; JSON output goes through Path where a value must
// survive byte for byte.
package textsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Visible returns s with every control character rendered visibly: C0
// controls and DEL as \t, \n, \r, \e or \xNN; C1 controls, the line and
// paragraph separators and the Unicode format characters that reorder or
// hide text (bidirectional overrides, zero-width marks, tag characters) as
// \uNNNN or \UNNNNNNNN; bytes that are not UTF-8 as \xNN. Printable text,
// backslashes included, is kept as it is.
func Visible(s string) string { return visible(s, false) }

// VisibleLines is Visible keeping line feeds, for text shown over several
// lines (a commit message, a question's text).
func VisibleLines(s string) string { return visible(s, true) }

func visible(s string, keepNewlines bool) string {
	if isPlain(s, keepNewlines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == 0x1b:
			b.WriteString(`\e`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case hidden(r):
			// \uNNNN, or \UNNNNNNNN past the Basic Multilingual Plane, as Go
			// and Python write them.
			prefix, width := `\u`, 4
			if r > 0xffff {
				prefix, width = `\U`, 8
			}
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(prefix + strings.Repeat("0", width-len(h)) + h)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII and well-formed UTF-8 without
// anything hidden, which is nearly all text.
func isPlain(s string, keepNewlines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c == '\n' && keepNewlines {
			continue
		}
		if c < 0x80 {
			return false
		}
		// Non-ASCII: check the runes from here on.
		for _, r := range s[i:] {
			if r == utf8.RuneError || r < 0x20 && !(r == '\n' && keepNewlines) || r == 0x7f || hidden(r) {
				return false
			}
		}
		return utf8.ValidString(s[i:])
	}
	return true
}

// hidden reports the runes a terminal does not show as themselves: C1
// controls, the line and paragraph separators, and every format character
// (Unicode's Cf): those that reorder text (the "Trojan Source" bidi
// overrides), take no width (U+200B), or spell invisible text (the tag
// characters U+E0020 to U+E007F, which can hide instructions to an agent).
// Hidden reports whether Visible escapes the rune r (not a control
// character below 0x80): output in another syntax (TOML, say) escapes it
// in its own way.
func Hidden(r rune) bool { return hidden(r) }

func hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f, r == 0x2028, r == 0x2029:
		return true
	case r < 0xad:
		return false // the fast answer for Latin-1 text
	}
	return unicode.Is(unicode.Cf, r)
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
