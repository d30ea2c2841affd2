package cli

import (
	"flag"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// urfave/cli derives a flag's names with a regular expression each time it
// asks for them, and after parsing it looks every flag of the command up by
// each name of every flag: quadratic in the flags. On maestro-run's 18 that
// was a quarter of a millisecond of every start. These wrappers compute the
// names once, and register them with the flag set themselves (urfave/cli's
// Apply asks the wrapped flag for its names: one expression per flag, 50µs
// of maestro-run's start); everything else is the wrapped flag's.

type stringFlag struct {
	*ucli.StringFlag
	names []string
}

func (f *stringFlag) Names() []string { return f.names }

// Apply is urfave/cli's StringFlag.Apply for a flag read from the command
// line only, which all of maestro's are; one that reads the environment or
// a file is left to it.
func (f *stringFlag) Apply(set *flag.FlagSet) error {
	if len(f.EnvVars) > 0 || f.FilePath != "" {
		return f.StringFlag.Apply(set)
	}
	dest := f.Destination
	if dest == nil {
		dest = new(string)
	}
	for _, name := range f.names {
		set.StringVar(dest, name, f.Value, f.Usage)
	}
	return nil
}

type boolFlag struct {
	*ucli.BoolFlag
	names []string
}

func (f *boolFlag) Names() []string { return f.names }

// Apply is urfave/cli's BoolFlag.Apply for a flag read from the command
// line only, and not counted (-v -v); any other is left to it.
func (f *boolFlag) Apply(set *flag.FlagSet) error {
	if len(f.EnvVars) > 0 || f.FilePath != "" || f.Count != nil {
		return f.BoolFlag.Apply(set)
	}
	dest := f.Destination
	if dest == nil {
		dest = new(bool)
	}
	for _, name := range f.names {
		set.BoolVar(dest, name, f.Value, f.Usage)
	}
	return nil
}

// fastFlags wraps the string and bool flags of fs, as pointers: urfave/cli
// compares flags with == (is --help there already?), which a struct
// holding a slice would make panic.
func fastFlags(fs ...ucli.Flag) []ucli.Flag {
	for i, f := range fs {
		switch f := f.(type) {
		case *ucli.StringFlag:
			fs[i] = &stringFlag{f, namesOf(f.Name, f.Aliases)}
		case *ucli.BoolFlag:
			fs[i] = &boolFlag{f, namesOf(f.Name, f.Aliases)}
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
