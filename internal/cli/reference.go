package cli

import (
	"fmt"
	"strings"

	"github.com/maestro-recovery/maestro/internal/lazy"
	ucli "github.com/urfave/cli/v2"
)

// The reference tables in README.md and docs/ are generated from the same
// definitions as --help and the man pages, between markers such as
//
//	<!-- maestro:flags rollback -->
//	<!-- maestro:end -->
//
// go generate (internal/docgen, with internal/doctest.Regenerate) rewrites
// them; a test fails when a page's tables differ from what the definitions
// give. The kinds of marker:
//
//	flags CMD [SUB]    the flags of maestro CMD [SUB]
//	commands           every command and what it does
//	exit-codes run     maestro run's exit codes
//	exit-codes         every other command's

// usageDefault is a usage line's closing "(default X)", with one level of
// parentheses allowed inside. Compiled on first use (only the man pages and
// the reference need it), not at every start of maestro.
var usageDefault = lazy.Regexp{Expr: `\s*\(default:? ((?:[^()]|\([^()]*\))*)\)$`}

// ReferenceTable is the Markdown of one generated table: kind and args are
// the marker's words. links maps a command's path ("session start") to
// where its flags are explained, for the commands table.
func ReferenceTable(kind string, args []string, links map[string]string) (string, error) {
	return generated((&env{}).app(), kind, args, links)
}

func generated(app *ucli.App, kind string, args []string, links map[string]string) (string, error) {
	switch kind {
	case "flags":
		cmd, err := lookupCommand(app, args)
		if err != nil {
			return "", err
		}
		return flagTable(cmd.Flags, strings.Join(args, " ")), nil
	case "commands":
		if len(args) > 0 {
			return "", fmt.Errorf("maestro:commands takes no arguments, got %q", args)
		}
		return commandTable(app, links), nil
	case "exit-codes":
		switch strings.Join(args, " ") {
		case "run":
			return exitTable(runExitCodes()), nil
		case "":
			return exitTable(otherExitCodes()), nil
		}
		return "", fmt.Errorf("maestro:exit-codes takes nothing or \"run\", got %q", args)
	}
	return "", fmt.Errorf("unknown generated table %q: use flags, commands or exit-codes", kind)
}

func lookupCommand(app *ucli.App, path []string) (*ucli.Command, error) {
	if len(path) == 0 {
		return nil, fmt.Errorf("maestro:flags needs a command, such as \"flags run\"")
	}
	cmds := app.Commands
	var cmd *ucli.Command
	for i, name := range path {
		cmd = findCommand(cmds, name)
		if cmd == nil || cmd.Hidden {
			return nil, fmt.Errorf("no command \"maestro %s\"", strings.Join(path[:i+1], " "))
		}
		cmds = cmd.Subcommands
	}
	return cmd, nil
}

// flagTable is a command's visible flags: names and value, default, and
// the usage line that --help shows.
func flagTable(flags []ucli.Flag, command string) string {
	docs := flagDocs(flags)
	if len(docs) == 0 {
		return fmt.Sprintf("maestro %s takes no flags.\n", command)
	}
	var b strings.Builder
	b.WriteString("| flag | default | what it does |\n|---|---|---|\n")
	for _, d := range docs {
		names := make([]string, len(d.Names))
		for i, n := range d.Names {
			if i == 0 && d.Value != "" {
				n += " " + d.Value
			}
			names[i] = "`" + n + "`"
		}
		def := d.Default
		if def != "" {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.Join(names, ", "), def, cell(d.Usage))
	}
	return b.String()
}

// commandTable lists every visible command and subcommand, each linked to
// where it is explained when links knows.
func commandTable(app *ucli.App, links map[string]string) string {
	var b strings.Builder
	b.WriteString("| command | what it does |\n|---|---|\n")
	row := func(path, usage string) {
		name := "`maestro " + path + "`"
		if l, ok := links[path]; ok {
			name = "[" + name + "](" + l + ")"
		}
		fmt.Fprintf(&b, "| %s | %s |\n", name, cell(usage))
	}
	for _, cmd := range app.VisibleCommands() {
		if cmd.Name == "help" {
			continue
		}
		row(cmd.Name, cmd.Usage)
		for _, sub := range cmd.VisibleCommands() {
			if sub.Name != "help" {
				row(cmd.Name+" "+sub.Name, sub.Usage)
			}
		}
	}
	return b.String()
}

func exitTable(codes []exitCode) string {
	var b strings.Builder
	b.WriteString("| code | meaning |\n|---|---|\n")
	for _, c := range codes {
		fmt.Fprintf(&b, "| %s | %s |\n", c.Code, cell(c.Meaning))
	}
	return b.String()
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

// CommandPaths are the paths of every visible command that has flags or
// subcommands of its own ("run", "session start"), for the test that each
// has its flag table somewhere in the documentation.
func CommandPaths() []string {
	var paths []string
	var walk func(prefix string, cmds []*ucli.Command)
	walk = func(prefix string, cmds []*ucli.Command) {
		for _, cmd := range cmds {
			if cmd.Hidden || cmd.Name == "help" {
				continue
			}
			path := strings.TrimSpace(prefix + " " + cmd.Name)
			if len(cmd.Subcommands) > 0 && cmd.Action == nil {
				walk(path, cmd.Subcommands)
				continue
			}
			paths = append(paths, path)
			walk(path, cmd.Subcommands)
		}
	}
	walk("", (&env{}).app().Commands)
	return paths
}
