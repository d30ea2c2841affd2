package ids_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/ids"
)

var questions = []string{
	"q-20261202T101500.000000001Z-a3f01c9e",
	"q-20261202T101500.000000002Z-7b2d44e0",
	"q-20261203T090000.000000000Z-a3f9ee10",
}

func TestResolve(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ given, want string }{
		{questions[1], questions[1]},                   // the id
		{"q-20261203", questions[2]},                   // the start of the id
		{"20261203T09", questions[2]},                  // without its kind
		{"7b2d", questions[1]},                         // the start of its random suffix
		{"7b2d44e0", questions[1]},                     // the suffix
		{"q-20261202T101500.000000001Z", questions[0]}, // up to the suffix
	} {
		got, err := ids.Resolve(tt.given, questions)
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.given, got, err, tt.want)
		}
	}
}

func TestResolveAmbiguous(t *testing.T) {
	t.Parallel()
	for given, want := range map[string][]string{
		"a3f":         nil, // too short to stand for anything: unknown
		"a3f0":        {questions[0]},
		"q-20261202":  {questions[0], questions[1]},
		"2026120":     questions,
		"a3f9":        {questions[2]},
		"q-2026-1202": nil,
	} {
		got, err := ids.Resolve(given, questions)
		var amb *ids.AmbiguousError
		var unknown *ids.UnknownError
		switch {
		case len(want) == 1:
			if err != nil || got != want[0] {
				t.Errorf("Resolve(%q) = %q, %v; want %q", given, got, err, want[0])
			}
		case len(want) > 1:
			if !errors.As(err, &amb) || !reflect.DeepEqual(amb.Candidates, want) {
				t.Errorf("Resolve(%q) = %q, %v; want ambiguous among %v", given, got, err, want)
			}
		default:
			if !errors.As(err, &unknown) {
				t.Errorf("Resolve(%q) = %q, %v; want unknown", given, got, err)
			}
		}
	}
}

// An unknown id names the nearest: a typo in the suffix, in the time.
func TestResolveNearest(t *testing.T) {
	t.Parallel()
	for given, want := range map[string]string{
		"7b2e44e0":                              questions[1],
		"q-20261203T090000.000000000Z-a3f9ee11": questions[2],
		"q-20261202T101500.000000002Z-7b2d44e9": questions[1],
	} {
		_, err := ids.Resolve(given, questions)
		var unknown *ids.UnknownError
		if !errors.As(err, &unknown) || len(unknown.Nearest) == 0 || unknown.Nearest[0] != want {
			t.Errorf("Resolve(%q) = %v; want unknown, nearest %s", given, err, want)
		}
	}
	if _, err := ids.Resolve("q-x", nil); err == nil {
		t.Error("Resolve among no ids found one")
	}
}

// Whatever comes in, Resolve answers only with an id it was given, at a
// bounded cost.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"", "a3f0", "../../etc/passwd", "q-2026\x00", strings.Repeat("z", 10000), questions[0] + "/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, given string) {
		got, err := ids.Resolve(given, questions)
		if err == nil && got != questions[0] && got != questions[1] && got != questions[2] {
			t.Errorf("Resolve(%q) = %q, not one of the ids", given, got)
		}
	})
}
