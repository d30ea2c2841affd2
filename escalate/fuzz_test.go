package escalate_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/escalate"
)

// FuzzMatch feeds Match what a person might type, against options a
// recovery.toml or maestro ask --option might hold. Whatever comes in,
// Match must not panic and must name one of the options or none; a valid
// question's options must each be reachable by their number.
func FuzzMatch(f *testing.F) {
	// The default catalog's prompts, and the answers people type.
	for _, seed := range []struct{ a, b, c, in string }{
		{"fix the code", "fix the test", "stop here", "2"},
		{"fix the code", "fix the test", "stop here", "  Fix The Test\r"},
		{"retry later", "use a mirror or a cache", "stop here", ""},
		{"retry later", "use a mirror or a cache", "stop here", "4"},
		{"retry", "roll back to the last checkpoint", "stop here", "0"},
		{"pin compatible versions", "roll back the dependency change", "stop here", "-1"},
		{"yes", "no", "", "01"},
		{"yes", "no", "", "+2"},
		{"yes", "no", "", "99999999999999999999"},
		{"yes", "no", "", "y"},
		{"1", "2", "3", "1"},
		{"3", "2", "1", "1"},
		{"s", "ſ", "S", "ſ"},
		{"ß", "SS", "σ", "ς"},
		{" a ", "a", "\t", " a"},
		{"", "", "", "1"},
		{"x", "y", "z", "%d"},
		{"x", "y", "z", "\xff\xfe"},
	} {
		f.Add(seed.a, seed.b, seed.c, seed.in)
	}
	f.Fuzz(func(t *testing.T, a, b, c, in string) {
		for _, options := range [][]string{{a, b, c}, {a, b}, {a}, nil} {
			q := &escalate.Question{Issue: "?", Options: options}
			got := q.Match(in)
			if got != "" && !slices.Contains(options, got) {
				t.Fatalf("Options %q: Match(%q) = %q, not an option", options, in, got)
			}
			if got != "" && !strings.EqualFold(strings.TrimSpace(got), strings.TrimSpace(in)) {
				if n, err := strconv.Atoi(strings.TrimSpace(in)); err != nil || options[n-1] != got {
					t.Fatalf("Options %q: Match(%q) = %q, neither its text nor its number", options, in, got)
				}
			}

			q.Default = in
			if err := q.Validate(); err != nil {
				continue
			}
			if q.Default != "" && !slices.Contains(options, q.Default) {
				t.Fatalf("Options %q, default %q: after Validate the default is %q, not an option", options, in, q.Default)
			}
			for i, o := range options {
				if got := q.Match(strconv.Itoa(i + 1)); got != o {
					t.Fatalf("Options %q: Match(%d) = %q, want %q", options, i+1, got, o)
				}
			}
		}
	})
}
