// Package jsonenc writes JSON values by hand, byte for byte as
// encoding/json.Marshal writes them. It is for the records maestro writes
// at every start of a short-lived process (a git hook's checkpoint, a
// maestro-run's log entry): encoding/json builds its encoder for a type by
// reflection the first time the process meets the type, which costs more
// than the rest of writing the record. The tests check every function
// against json.Marshal.
package jsonenc

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// String appends s as encoding/json writes a string: HTML characters and
// U+2028, U+2029 escaped, invalid UTF-8 as U+FFFD.
func String(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}

// Strings appends ss as an array of strings; nil is null, as json writes
// a nil slice.
func Strings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = String(b, s)
	}
	return append(b, ']')
}

// Int appends n.
func Int(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }

// Float appends f as json writes a float64 (the shortest form that reads
// back the same, in exponent form below 1e-6 and from 1e21), and reports
// false for what json refuses: NaN and the infinities.
func Float(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// json writes e-9, not e-09.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// Counts appends m as an object of counts, its keys in order as json sorts
// them; nil is null.
func Counts(b []byte, m map[string]int) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(String(b, k), ':')
		b = Int(b, m[k])
	}
	return append(b, '}')
}

// Object writes a JSON object field by field, in the order written, as
// encoding/json writes a struct's: the names are the caller's constants,
// written as they are. Its zero value is an empty object.
type Object struct{ b []byte }

func (o *Object) name(name string) {
	if len(o.b) == 0 {
		o.b = append(make([]byte, 0, 256), '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.b = append(append(append(o.b, '"'), name...), '"', ':')
}

// Raw writes a field whose value is already JSON.
func (o *Object) Raw(name string, value []byte) {
	o.name(name)
	o.b = append(o.b, value...)
}

// String writes a string field.
func (o *Object) String(name, value string) {
	o.name(name)
	o.b = String(o.b, value)
}

// Int writes a number field.
func (o *Object) Int(name string, value int) {
	o.name(name)
	o.b = Int(o.b, value)
}

// Bool writes a true or false field.
func (o *Object) Bool(name string, value bool) {
	o.name(name)
	o.b = strconv.AppendBool(o.b, value)
}

// Bytes returns the object, closed.
func (o *Object) Bytes() []byte {
	if len(o.b) == 0 {
		return []byte("{}")
	}
	return append(o.b, '}')
}
