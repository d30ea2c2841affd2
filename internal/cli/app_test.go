package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"testing"

	ucli "github.com/urfave/cli/v2"
)

// Run builds a command named on the command line alone, found by the names
// its group declares: a command missing from them would still run (with
// the whole tree), but a name declared for the wrong group would not.
func TestCommandGroups(t *testing.T) {
	t.Parallel()
	for _, g := range commandGroups {
		if g.names == nil {
			continue
		}
		var names []string
		for _, c := range g.build(&env{}) {
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
		case *stringFlag:
			if got, want := f.Names(), f.StringFlag.Names(); !slices.Equal(got, want) {
				t.Errorf("names %q, urfave/cli's %q", got, want)
			}
		case *boolFlag:
			if got, want := f.Names(), f.BoolFlag.Names(); !slices.Equal(got, want) {
				t.Errorf("names %q, urfave/cli's %q", got, want)
			}
		}
	}
	if got := namesOf("a, b", []string{"c"}); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf(`namesOf("a, b", c) = %q, want [a c]`, got)
	}
}

// The wrappers register their flags themselves (flags.go): the same
// command lines must give the same values, defaults and errors as urfave/cli's
// own Apply.
func TestFastFlagsParseAsUrfave(t *testing.T) {
	t.Parallel()
	type dests struct {
		s    string
		b, q bool
	}
	mk := func(d *dests) []ucli.Flag {
		return []ucli.Flag{
			&ucli.StringFlag{Name: "s", Aliases: []string{"x"}, Destination: &d.s, Value: "default"},
			&ucli.StringFlag{Name: "n"},
			&ucli.BoolFlag{Name: "b", Destination: &d.b},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Destination: &d.q},
			&ucli.BoolFlag{Name: "on", Value: true},
		}
	}
	for _, args := range [][]string{
		{}, {"--s", "v"}, {"-x=w"}, {"--s="}, {"--b"}, {"--b=false"}, {"-q"}, {"--quiet=true", "-x", "1"},
		{"--on=false"}, {"--n", "name"}, {"--b=maybe"}, {"--s"}, {"--unknown"}, {"--", "--b"}, {"cmd", "--b"},
	} {
		var dw, du dests
		wrapped, plain := fastFlags(mk(&dw)...), mk(&du)
		parse := func(flags []ucli.Flag) (*flag.FlagSet, string) {
			set := flag.NewFlagSet("t", flag.ContinueOnError)
			set.SetOutput(io.Discard)
			for _, f := range flags {
				if err := f.Apply(set); err != nil {
					t.Fatal(err)
				}
			}
			err := set.Parse(args)
			return set, fmt.Sprint(err)
		}
		setW, errW := parse(wrapped)
		setU, errU := parse(plain)
		if errW != errU || dw != du {
			t.Errorf("%q: wrapped gives %+v, %s; urfave/cli %+v, %s", args, dw, errW, du, errU)
		}
		setU.VisitAll(func(fu *flag.Flag) {
			fw := setW.Lookup(fu.Name)
			if fw == nil || fw.Value.String() != fu.Value.String() || fw.DefValue != fu.DefValue || fw.Usage != fu.Usage {
				t.Errorf("%q: flag %s differs: wrapped %+v, urfave/cli %+v", args, fu.Name, fw, fu)
			}
		})
		if !slices.Equal(setW.Args(), setU.Args()) {
			t.Errorf("%q: arguments %q, urfave/cli's %q", args, setW.Args(), setU.Args())
		}
	}
}
