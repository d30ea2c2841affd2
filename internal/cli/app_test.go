package cli

import (
	"slices"
	"testing"
)

// Run builds a command named on the command line alone, found by the names
// its group declares: a command missing from them would still run (with
// the whole tree), but a name declared for the wrong group would not.
func TestCommandGroups(t *testing.T) {
	t.Parallel()
	for _, g := range (&env{}).commandGroups() {
		if g.names == nil {
			continue
		}
		var names []string
		for _, c := range g.build() {
			names = append(names, c.Names()...)
		}
		if !slices.Equal(g.names, names) {
			t.Errorf("a command group declares the names %q, its commands answer to %q", g.names, names)
		}
	}
}

func TestAppFlagNames(t *testing.T) {
	t.Parallel()
	// namesOf must agree with urfave/cli's FlagNames, which it skips.
	for _, f := range (&env{}).runCommand().Flags {
		switch f := f.(type) {
		case stringFlag:
			if got, want := f.Names(), f.StringFlag.Names(); !slices.Equal(got, want) {
				t.Errorf("names %q, urfave/cli's %q", got, want)
			}
		case boolFlag:
			if got, want := f.Names(), f.BoolFlag.Names(); !slices.Equal(got, want) {
				t.Errorf("names %q, urfave/cli's %q", got, want)
			}
		}
	}
	if got := namesOf("a, b", []string{"c"}); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf(`namesOf("a, b", c) = %q, want [a c]`, got)
	}
}
