package cli

import (
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// urfave/cli derives a flag's names with a regular expression each time it
// asks for them, and after parsing it looks every flag of the command up by
// each name of every flag: quadratic in the flags. On maestro-run's 18 that
// was a quarter of a millisecond of every start. These wrappers compute the
// names once; everything else is the wrapped flag's.

type stringFlag struct {
	*ucli.StringFlag
	names []string
}

func (f stringFlag) Names() []string { return f.names }

type boolFlag struct {
	*ucli.BoolFlag
	names []string
}

func (f boolFlag) Names() []string { return f.names }

// fastFlags wraps the string and bool flags of fs.
func fastFlags(fs ...ucli.Flag) []ucli.Flag {
	for i, f := range fs {
		switch f := f.(type) {
		case *ucli.StringFlag:
			fs[i] = stringFlag{f, namesOf(f.Name, f.Aliases)}
		case *ucli.BoolFlag:
			fs[i] = boolFlag{f, namesOf(f.Name, f.Aliases)}
		}
	}
	return fs
}

// namesOf is ucli.FlagNames without its regular expression (which cuts
// a name at its first comma or space, v1's syntax) when no name has one:
// the expression cost every start of maestro-run 50µs.
func namesOf(name string, aliases []string) []string {
	names := append([]string{name}, aliases...)
	for _, n := range names {
		if strings.ContainsAny(n, ", ") {
			return ucli.FlagNames(name, aliases)
		}
	}
	return names
}
