package cli

import ucli "github.com/urfave/cli/v2"

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
			fs[i] = stringFlag{f, f.Names()}
		case *ucli.BoolFlag:
			fs[i] = boolFlag{f, f.Names()}
		}
	}
	return fs
}
