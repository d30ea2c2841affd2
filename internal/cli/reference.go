package cli

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// The reference tables in README.md and docs/ are generated from the same
// definitions as --help and the man pages, between markers such as
//
//	<!-- maestro:flags rollback -->
//	<!-- maestro:end -->
//
// go generate (internal/docgen) rewrites them; a test fails when a page's
// tables differ from what the definitions give. The kinds of marker:
//
//	flags CMD [SUB]    the flags of maestro CMD [SUB]
//	commands           every command and what it does
//	exit-codes run     maestro run's exit codes
//	exit-codes         every other command's

var (
	markerStart = regexp.MustCompile(`(?m)^<!-- maestro:([a-z-]+)((?: [a-z-]+)*) -->\n`)
	markerEnd   = "<!-- maestro:end -->\n"
	// usageDefault is a usage line's closing "(default X)", with one level
	// of parentheses allowed inside.
	usageDefault = regexp.MustCompile(`\s*\(default:? ((?:[^()]|\([^()]*\))*)\)$`)
)

// UpdateReference returns page with every generated table regenerated. An
// unknown marker, an unknown command or a marker without its end is an
// error naming the line.
func UpdateReference(page []byte) ([]byte, error) {
	app := (&env{}).app()
	var out bytes.Buffer
	rest := page
	for {
		loc := markerStart.FindSubmatchIndex(rest)
		if loc == nil {
			out.Write(rest)
			return out.Bytes(), nil
		}
		line := 1 + bytes.Count(page[:len(page)-len(rest)+loc[0]], []byte("\n"))
		kind := string(rest[loc[2]:loc[3]])
		args := strings.Fields(string(rest[loc[4]:loc[5]]))
		body, err := generated(app, kind, args)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out.Write(rest[:loc[1]])
		rest = rest[loc[1]:]
		end := bytes.Index(rest, []byte(markerEnd))
		if end < 0 || (end > 0 && rest[end-1] != '\n') {
			return nil, fmt.Errorf("line %d: no %q line closes this generated table", line, strings.TrimSpace(markerEnd))
		}
		if next := markerStart.FindIndex(rest[:end]); next != nil {
			return nil, fmt.Errorf("line %d: a generated table starts inside this one, before its %q", line, strings.TrimSpace(markerEnd))
		}
		out.WriteString(body)
		out.WriteString(markerEnd)
		rest = rest[end+len(markerEnd):]
	}
}

func generated(app *ucli.App, kind string, args []string) (string, error) {
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
		return commandTable(app), nil
	case "exit-codes":
		switch strings.Join(args, " ") {
		case "run":
			return exitTable(runExitCodes), nil
		case "":
			return exitTable(otherExitCodes), nil
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
	var b strings.Builder
	b.WriteString("| flag | default | what it does |\n|---|---|---|\n")
	n := 0
	for _, f := range flags {
		if v, ok := f.(ucli.VisibleFlag); ok && !v.IsVisible() {
			continue
		}
		d, ok := f.(ucli.DocGenerationFlag)
		if !ok {
			continue
		}
		usage := d.GetUsage()
		value := ""
		if d.TakesValue() {
			value = " VALUE"
			if m := placeholder.FindStringSubmatch(usage); m != nil {
				value = " " + m[1]
			}
		}
		usage = placeholder.ReplaceAllString(usage, "$1")
		def := d.GetDefaultText()
		if !d.TakesValue() && def == "false" {
			def = "" // a switch is off unless given: saying so is noise
		}
		// Defaults that come from the configuration are written in the
		// usage line, for --help: the table gives them their column.
		if m := usageDefault.FindStringSubmatchIndex(usage); m != nil && def == "" {
			def = usage[m[2]:m[3]]
			usage = usage[:m[0]]
		}
		var names []string
		for i, name := range f.Names() {
			if i == 0 {
				name += value
			}
			names = append(names, "`"+dashed(name)+"`")
		}
		if len(def) > 1 && def[0] == '"' && def[len(def)-1] == '"' {
			def = def[1 : len(def)-1] // urfave/cli quotes a string's default
		}
		if def != "" {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.Join(names, ", "), def, cell(usage))
		n++
	}
	if n == 0 {
		return fmt.Sprintf("maestro %s takes no flags.\n", command)
	}
	return b.String()
}

// commandTable lists every visible command and subcommand.
func commandTable(app *ucli.App) string {
	var b strings.Builder
	b.WriteString("| command | what it does |\n|---|---|\n")
	for _, cmd := range app.VisibleCommands() {
		if cmd.Name == "help" {
			continue
		}
		fmt.Fprintf(&b, "| `maestro %s` | %s |\n", cmd.Name, cell(cmd.Usage))
		for _, sub := range cmd.VisibleCommands() {
			if sub.Name != "help" {
				fmt.Fprintf(&b, "| `maestro %s %s` | %s |\n", cmd.Name, sub.Name, cell(sub.Usage))
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
