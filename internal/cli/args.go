package cli

import (
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// Flags go anywhere, as with git: `maestro answer ID no --justification
// WHY`. urfave/cli (the flag package underneath) stops at the first
// argument, so the arguments are put in its order before it parses them:
// the command's flags first, then "--", then its arguments. What is a flag
// and which flags take a value is read from the command tree itself, so a
// flag added tomorrow is placed right without anyone telling this file.

// ownArgs reports whether everything after cmd's first argument is not
// maestro's: the command that maestro run (or race) runs keeps its flags,
// and the hook takes its arguments as git gives them.
func ownArgs(cmd *ucli.Command) bool {
	return cmd.SkipFlagParsing || cmd.Name == "run" || cmd.Name == "race"
}

// interspersed returns args (without the program name) with each command's
// flags moved before its arguments.
func interspersed(cmds []*ucli.Command, args []string) []string {
	i := 0
	var cmd *ucli.Command
	// Walk down the commands (session show, config trust): flags before a
	// subcommand's name stay where they are, for the command they follow.
	for i < len(args) {
		a := args[i]
		if a == "--" {
			return args
		}
		if isFlag(a) {
			i += flagWords(cmd, a)
			continue
		}
		sub := findCommand(cmds, a)
		if sub == nil {
			break
		}
		cmd, cmds = sub, sub.Subcommands
		i++
		if ownArgs(cmd) {
			return args
		}
		if len(cmd.Subcommands) == 0 {
			break
		}
	}
	// A group (session, config) given something else than one of its
	// commands reports that word itself: nothing to move.
	if cmd == nil || i >= len(args) || len(cmd.Subcommands) > 0 {
		return args
	}
	var flags, rest []string
	moved := false
	for j := i; j < len(args); j++ {
		a := args[j]
		if a == "--" {
			rest = append(rest, args[j+1:]...)
			break
		}
		if !isFlag(a) {
			rest = append(rest, a)
			continue
		}
		moved = moved || len(rest) > 0
		flags = append(flags, a)
		if flagWords(cmd, a) == 2 {
			if j+1 == len(args) {
				// A value flag with no value: left last, with nothing
				// after it to be taken for its value, so that the flag
				// package says it needs one.
				return append(args[:i:i], flags...)
			}
			j++
			flags = append(flags, args[j])
		}
	}
	out := append(args[:i:i], flags...)
	if help := helpFlag(); help != nil && slices.ContainsFunc(flags, func(a string) bool { return findFlag([]ucli.Flag{help}, flagName(a)) != nil }) {
		// Help with arguments is help on a subcommand to urfave/cli; here
		// it is help on the command the arguments go with.
		return out
	}
	if !moved {
		return args
	}
	return append(append(out, "--"), rest...)
}

// isFlag reports whether a is a flag to the flag package ("-" alone is an
// argument: stdin).
func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

// flagWords is how many words flag a takes up for cmd: 2 for a flag that
// takes a value given in the next word, else 1 (bool flags, --flag=value,
// flags cmd does not have, which the flag package reports).
func flagWords(cmd *ucli.Command, a string) int {
	name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	if strings.Contains(name, "=") {
		return 1
	}
	if f := findFlag(commandFlags(cmd), name); f != nil && takesValue(f) {
		return 2
	}
	return 1
}

// commandFlags are cmd's flags and the help flag urfave/cli adds when it
// runs it; nil is the top level.
func commandFlags(cmd *ucli.Command) []ucli.Flag {
	var fs []ucli.Flag
	if cmd != nil {
		fs = cmd.Flags
	}
	if help := helpFlag(); help != nil && (cmd == nil || !cmd.HideHelp) {
		fs = append(fs[:len(fs):len(fs)], help)
	}
	return fs
}

func findFlag(fs []ucli.Flag, name string) ucli.Flag {
	for _, f := range fs {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func takesValue(f ucli.Flag) bool {
	v, ok := f.(interface{ TakesValue() bool })
	return ok && v.TakesValue()
}

func findCommand(cmds []*ucli.Command, name string) *ucli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
