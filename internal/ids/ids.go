// Package ids makes maestro's ids: checkpoints, events, questions,
// sessions. They sort by creation time and stay unique when many processes
// make them at once.
package ids

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// New returns prefix, the time to the nanosecond (UTC, fixed width, so ids
// sort as text), then 32 random bits.
func New(prefix string, now time.Time) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return prefix + now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

// Problem says why s cannot be an id maestro puts in a ref name, a file
// name or a git command line (a session, a checkpoint, a question, a
// remote's name), "" when it can: not empty, at most max bytes, letters,
// digits, '.', '_' and '-' only, not starting with '.' or '-' (an option),
// without "..", not ending with ".lock" or '.'. One rule, so that a name
// recovery.toml accepts is one the commands take.
func Problem(s string, max int) string {
	switch {
	case s == "":
		return "it is empty"
	case len(s) > max:
		return fmt.Sprintf("%d bytes long, at most %d allowed", len(s), max)
	case s[0] == '.' || s[0] == '-':
		return "must not start with '.' or '-'"
	case strings.Contains(s, ".."):
		return `must not contain ".."`
	case strings.HasSuffix(s, ".lock"):
		return `must not end with ".lock"`
	case strings.HasSuffix(s, "."):
		return "must not end with '.'"
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Sprintf("%q is not allowed: use letters, digits, '.', '_' and '-'", c)
		}
	}
	return ""
}
