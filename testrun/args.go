package testrun

import "strings"

// optSpec describes a runner's options well enough to tell an option's
// value from a positional argument: the options that take a value as the
// next word (--package NAME), as NAME=VALUE (--package=NAME), or, for a
// one-letter option, glued on (-pNAME).
type optSpec struct {
	values []string
}

// takesNext says whether the option arg, as written, takes the next word
// as its value.
func (s optSpec) takesNext(arg string) bool {
	if strings.Contains(arg, "=") {
		return false
	}
	return contains(s.values, arg)
}

// argKind is what an argument is to a runner.
type argKind int

const (
	argOption     argKind = iota // an option, with its value if glued or after =
	argValue                     // the separate value of the option before it
	argPositional                // a positional argument: a filter, a path
)

// classify tells each argument's kind, up to a "--" (not included), and
// returns where it stopped: len(args), or the index of "--".
func (s optSpec) classify(args []string) ([]argKind, int) {
	kinds := make([]argKind, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return kinds, i
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			kinds = append(kinds, argPositional)
			continue
		}
		kinds = append(kinds, argOption)
		if s.takesNext(a) && i+1 < len(args) {
			kinds = append(kinds, argValue)
			i++
		}
	}
	return kinds, len(args)
}

// dropOptions returns args without the options named in drop (with their
// values) and, when positional is true, without positional arguments;
// args holds no "--" (classify stops there).
func (s optSpec) dropOptions(args []string, drop []string, positional bool) []string {
	kinds, _ := s.classify(args)
	out := make([]string, 0, len(args))
	for i := 0; i < len(kinds); i++ {
		a := args[i]
		switch kinds[i] {
		case argPositional:
			if positional {
				continue
			}
		case argOption:
			if optionNamed(a, drop) {
				if i+1 < len(kinds) && kinds[i+1] == argValue {
					i++
				}
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// optionNamed says whether arg is one of names: --name, --name=VALUE, or a
// one-letter -n with its value glued on (-n3) when -n takes a value.
func optionNamed(arg string, names []string) bool {
	for _, n := range names {
		if arg == n || strings.HasPrefix(arg, n+"=") {
			return true
		}
		if len(n) == 2 && n[0] == '-' && n[1] != '-' && len(arg) > 2 && strings.HasPrefix(arg, n) && arg[1] != '-' {
			return true
		}
	}
	return false
}

// hasOption says whether args, up to a "--", hold one of names.
func (s optSpec) hasOption(args []string, names ...string) bool {
	kinds, _ := s.classify(args)
	for i, k := range kinds {
		if k == argOption && optionNamed(args[i], names) {
			return true
		}
	}
	return false
}

// splitDashes splits args at the first "--": before it, after it, and
// whether there was one.
func splitDashes(args []string) (before, after []string, ok bool) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:], true
		}
	}
	return args, nil, false
}

// cut bounds a piece of a runner's output that a result keeps.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "..."
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
