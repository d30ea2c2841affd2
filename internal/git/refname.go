package git

import (
	"errors"
	"fmt"
	"strings"
)

// IsObjectID reports whether s is a full object name: 40 (SHA-1) or 64
// (SHA-256) lowercase hexadecimal digits. An object name read from a
// record or an event is passed to git only when it is one, so that it can
// never be taken for an option or a revision expression.
func IsObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// IsRefName reports whether s is a full ref name (refs/...) that git's
// check-ref-format accepts, with one rule more: no component starts with
// '-', so that no part of it reads as an option.
func IsRefName(s string) bool {
	rest, ok := strings.CutPrefix(s, "refs/")
	if !ok || rest == "" || s == "@" || strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".") ||
		strings.Contains(s, "..") || strings.Contains(s, "//") || strings.Contains(s, "@{") {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return false
		case strings.IndexByte(" ~^:?*[\\", c) >= 0:
			return false
		}
	}
	for _, comp := range strings.Split(rest, "/") {
		if comp == "" || comp[0] == '.' || comp[0] == '-' || strings.HasSuffix(comp, ".lock") {
			return false
		}
	}
	return true
}

// IsBranchRef reports whether s is refs/heads/NAME and a valid ref name
// (IsRefName).
func IsBranchRef(s string) bool {
	return strings.HasPrefix(s, "refs/heads/") && len(s) > len("refs/heads/") && IsRefName(s)
}

// ErrBadName says a value was not passed to git because git could read it
// as something else than what it is meant to be: an option, a revision
// expression, another ref.
var ErrBadName = errors.New("not passed to git")

func badName(what, s string) error {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return fmt.Errorf("%w: %q is not a valid %s", ErrBadName, s, what)
}
