package textsafe

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Path is a file name in JSON output, kept byte for byte. A name that is
// valid UTF-8 is an ordinary JSON string. A byte that is not part of valid
// UTF-8 (0x80 to 0xff) is written as the lone surrogate escape \udc80 to
// \udcff, Python's "surrogateescape" convention: no valid UTF-8 name can
// hold one, so the form is unambiguous, and
// json.loads(s).encode("utf-8", "surrogateescape") in Python, or Path's
// UnmarshalJSON in Go, gives the bytes back. encoding/json would turn such
// a byte into U+FFFD, losing the name.
type Path string

// Paths converts a list of names; nil stays nil, so a missing list is
// still null in JSON.
func Paths(names []string) []Path {
	if names == nil {
		return nil
	}
	out := make([]Path, len(names))
	for i, n := range names {
		out[i] = Path(n)
	}
	return out
}

// Names converts back; nil stays nil.
func Names(paths []Path) []string {
	if paths == nil {
		return nil
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = string(p)
	}
	return out
}

// MarshalJSON writes the name as described on Path.
func (p Path) MarshalJSON() ([]byte, error) {
	s := string(p)
	if utf8.ValidString(s) {
		return json.Marshal(s)
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteString(`\udc`)
			b.WriteString(hex2(s[i]))
			i++
			continue
		}
		q, _ := json.Marshal(s[i : i+size])
		b.Write(q[1 : len(q)-1])
		i += size
	}
	b.WriteByte('"')
	return []byte(b.String()), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (p *Path) UnmarshalJSON(data []byte) error {
	s := string(data)
	if s == "null" {
		return nil // as encoding/json leaves a string alone
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return errors.New("textsafe.Path: not a JSON string")
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return errors.New("textsafe.Path: bad escape")
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return errors.New("textsafe.Path: bad \\u escape")
			}
			i += 6
			switch {
			case r >= 0xdc80 && r <= 0xdcff:
				b.WriteByte(byte(r - 0xdc00))
			case utf16.IsSurrogate(r):
				r2, ok := hex4(s, i+2)
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' && ok {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						b.WriteRune(dec)
						i += 6
						continue
					}
				}
				b.WriteRune(utf8.RuneError)
			default:
				b.WriteRune(r)
			}
			continue
		default:
			return errors.New("textsafe.Path: bad escape")
		}
		i += 2
	}
	*p = Path(b.String())
	return nil
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s[i:i+4], 16, 32)
	return rune(n), err == nil
}
