// Package cli is maestro's command line: one file per command, their flags,
// help and output. It turns what the feature packages return into output
// and into errors that carry an exit code; main does the exiting.
package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/maestro-recovery/maestro/internal/nearest"
	"github.com/maestro-recovery/maestro/wrapper"
	ucli "github.com/urfave/cli/v2"
)

// env is what the commands share.
type env struct {
	defaultCatalog []byte
	// signals, for maestro run, are being caught while the flags are parsed.
	signals *wrapper.Signals
}

// Run runs maestro with args (without the program name).
func Run(args []string, defaultCatalog []byte) error {
	e := &env{defaultCatalog: defaultCatalog}
	if len(args) > 0 && args[0] == "run" {
		// Catching signals costs the Go runtime a third of a millisecond of
		// round trips: SIGINT is caught now, in the background, the others
		// as the command starts, or once the flags ask for more
		// (wrapper.Signals, env.run).
		e.signals = wrapper.CatchInterrupt()
	}
	var app *ucli.App
	if len(args) > 0 {
		// A command named needs none of the others (its help and errors
		// never name them): building and setting them all up was a tenth
		// of a millisecond of every start, maestro-run's included.
		for _, g := range commandGroups {
			if slices.Contains(g.names, args[0]) {
				app = e.newApp(g.build(e))
				break
			}
		}
	}
	if app == nil {
		app = e.app()
	}
	if len(args) > 0 {
		// Only the command named can fail to parse: the others are left
		// as they are, which spares maestro-run's start the walk.
		if cmd := findCommand(app.Commands, args[0]); cmd != nil {
			suggestions([]*ucli.Command{cmd}, "")
		}
	}
	args = interspersed(app.Commands, args)
	err := app.Run(append([]string{"maestro"}, args...))
	var own *Error
	var status *Status
	if err != nil && !errors.As(err, &own) && !errors.As(err, &status) {
		// urfave/cli's own errors ("No help topic for 'x'") are usage errors.
		if topic, ok := strings.CutPrefix(err.Error(), "No help topic for "); ok {
			err = fmt.Errorf("unknown command %s", strings.ReplaceAll(topic, "'", `"`))
		}
		return usageError(ExitUsage, "", err)
	}
	return err
}

// app is the command tree: what runs, what --help, the man pages and the
// generated reference in docs/ show.
func (e *env) app() *ucli.App {
	var cmds []*ucli.Command
	for _, g := range commandGroups {
		cmds = append(cmds, g.build(e)...)
	}
	return e.newApp(cmds)
}

// commandGroup builds some of app's commands: those named names (and their
// aliases; TestCommandGroups checks they are all there).
type commandGroup struct {
	names []string
	build func(*env) []*ucli.Command
}

// commandGroups are app's commands in the order --help lists them. A table
// the compiler lays out, not built at each start: it is read by every
// command maestro runs.
var commandGroups = [...]commandGroup{
	{[]string{"run"}, func(e *env) []*ucli.Command { return []*ucli.Command{e.runCommand()} }},
	{[]string{"approaches", "classify"}, (*env).catalogCommands},
	{[]string{"checkpoint", "list", "show", "diff", "rollback", "undo", "events", "prune", "push", "fetch"}, (*env).checkpointCommands},
	{[]string{"fork", "forks"}, (*env).forkCommands},
	{[]string{"race"}, func(e *env) []*ucli.Command { return []*ucli.Command{e.raceCommand()} }},
	{[]string{"adopt"}, func(e *env) []*ucli.Command { return []*ucli.Command{e.adoptCommand()} }},
	{[]string{"ask", "questions", "answer"}, (*env).askCommands},
	{[]string{"session", "log"}, (*env).sessionCommands},
	{[]string{"flaky"}, func(e *env) []*ucli.Command { return []*ucli.Command{e.flakyCommand()} }},
	{[]string{"install", "uninstall"}, (*env).hookCommands},
	{[]string{"agent"}, (*env).agentCommands},
	{[]string{"mcp", "ui"}, func(e *env) []*ucli.Command { return []*ucli.Command{e.mcpCommand(), e.uiCommand()} }},
	{[]string{"config", "doctor"}, func(e *env) []*ucli.Command { return []*ucli.Command{e.configCommand(), e.doctorCommand()} }},
	{[]string{"version"}, func(*env) []*ucli.Command { return []*ucli.Command{versionCommand()} }},
	// No names: these walk the whole tree (completions, man pages), so
	// they are never built alone.
	{nil, func(*env) []*ucli.Command {
		return []*ucli.Command{completionCommand(), manCommand(), completeCommand()}
	}},
}

var wrapHelpFlag sync.Once

// helpFlag is urfave/cli's --help, wrapped once like maestro's own flags
// (flags.go) before anything reads it: urfave/cli adds it to the app and
// to every command, and args.go looks for it.
func helpFlag() ucli.Flag {
	wrapHelpFlag.Do(func() { ucli.HelpFlag = fastFlags(ucli.HelpFlag)[0] })
	return ucli.HelpFlag
}

// newApp is the command tree made of cmds.
func (e *env) newApp(cmds []*ucli.Command) *ucli.App {
	helpFlag()
	return &ucli.App{
		Name:        "maestro",
		Usage:       "make long automated coding sessions recoverable",
		UsageText:   "maestro COMMAND [flags] [arguments]\nmaestro-run [flags] -- COMMAND [ARGS...]\ngit maestro COMMAND [flags] [arguments]",
		Description: "maestro retries a failing command with backoff, only when another try can help.\nRun 'maestro COMMAND --help' for a command's flags.",
		HideVersion: true,
		// Left zero, urfave/cli fills Compiled by finding and stat-ing its
		// own executable at every start; nothing maestro prints shows it.
		Compiled:  time.Unix(0, 0).UTC(),
		Writer:    os.Stdout,
		ErrWriter: os.Stderr,
		Commands:  cmds,
		// urfave/cli would print its own messages and exit; maestro keeps one
		// voice and lets main choose the exit code.
		ExitErrHandler: func(*ucli.Context, error) {},
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return withFlagHint(err, usageError(ExitUsage, "", flagError(err)), commandFlags(nil))
		},
		Action: func(c *ucli.Context) error {
			if !c.Args().Present() {
				return ucli.ShowAppHelp(c)
			}
			name := c.Args().First()
			hint := []string{"see 'maestro --help' for the commands"}
			if s := nearest.Name(name, commandNames(c.App.VisibleCommands())); s != "" {
				hint = append([]string{fmt.Sprintf("did you mean 'maestro %s'?", s)}, hint...)
			}
			return &Error{Code: ExitUsage, Err: fmt.Errorf("unknown command %q", name), Hint: hint}
		},
	}
}

// flagError rewrites the flag package's messages, which name flags with one
// dash, the way the help shows them.
func flagError(err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return fmt.Errorf("unknown flag --%s", strings.TrimLeft(rest, "-"))
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Errorf("flag --%s needs a value", strings.TrimLeft(rest, "-"))
	}
	return errors.New(msg)
}

func commandNames(cmds []*ucli.Command) []string {
	names := make([]string, 0, len(cmds))
	for _, c := range cmds {
		if !c.Hidden {
			names = append(names, c.Names()...)
		}
	}
	return names
}

// flagNames are fs's names as the help shows them (--max-attempts, -q).
func flagNames(fs []ucli.Flag) []string {
	var names []string
	for _, f := range fs {
		if v, ok := f.(ucli.VisibleFlag); ok && !v.IsVisible() {
			continue
		}
		for _, n := range f.Names() {
			names = append(names, dashed(n))
		}
	}
	return names
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// withFlagHint adds to out, the usage error made of the flag package's
// err, the flag of fs that an unknown flag was likely meant to be.
func withFlagHint(err, out error, fs []ucli.Flag) error {
	flag, unknown := strings.CutPrefix(err.Error(), "flag provided but not defined: ")
	var own *Error
	if !unknown || !errors.As(out, &own) {
		return out
	}
	if s := nearest.Name("--"+strings.TrimLeft(flag, "-"), flagNames(fs)); s != "" {
		own.Hint = append([]string{fmt.Sprintf("did you mean %s?", s)}, own.Hint...)
	}
	return out
}

// suggestions gives every command under cmds, path its parent's ("session
// "), a "did you mean" for an unknown flag, and every group (session,
// config) one for an unknown subcommand. Each keeps its own exit code.
func suggestions(cmds []*ucli.Command, path string) {
	for _, cmd := range cmds {
		if cmd.SkipFlagParsing {
			continue
		}
		name := path + cmd.Name
		onUsage := cmd.OnUsageError
		cmd.OnUsageError = func(c *ucli.Context, err error, sub bool) error {
			if onUsage != nil {
				return withFlagHint(err, onUsage(c, err, sub), commandFlags(cmd))
			}
			return withFlagHint(err, usageError(ExitUsage, name, flagError(err)), commandFlags(cmd))
		}
		if len(cmd.Subcommands) == 0 {
			continue
		}
		action := cmd.Action
		cmd.Action = func(c *ucli.Context) error {
			word := c.Args().First()
			if c.Args().Present() && findCommand(cmd.Subcommands, word) == nil {
				s := nearest.Name(word, commandNames(cmd.Subcommands))
				if action == nil || s != "" {
					hint := []string{fmt.Sprintf("see 'maestro %s --help' for its commands", name)}
					if s != "" {
						hint = append([]string{fmt.Sprintf("did you mean 'maestro %s %s'?", name, s)}, hint...)
					}
					return &Error{Code: ExitUsage, Err: fmt.Errorf("unknown command %q", name+" "+word), Hint: hint}
				}
			}
			if action == nil {
				return ucli.ShowSubcommandHelp(c)
			}
			return action(c)
		}
		suggestions(cmd.Subcommands, name+" ")
	}
}
