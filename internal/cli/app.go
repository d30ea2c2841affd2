// Package cli is maestro's command line: one file per command, their flags,
// help and output. It turns what the feature packages return into output
// and into errors that carry an exit code; main does the exiting.
package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

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
		// round trips; for maestro-run's start-up that happens while the
		// flags and the configuration are read.
		e.signals = wrapper.CatchSignals()
	}
	app := &ucli.App{
		Name:        "maestro",
		Usage:       "make long automated coding sessions recoverable",
		UsageText:   "maestro COMMAND [flags] [arguments]\nmaestro-run [flags] -- COMMAND [ARGS...]\ngit maestro COMMAND [flags] [arguments]",
		Description: "maestro retries a failing command with backoff, only when another try can help.\nRun 'maestro COMMAND --help' for a command's flags.",
		HideVersion: true,
		Writer:      os.Stdout,
		ErrWriter:   os.Stderr,
		Commands: slices.Concat([]*ucli.Command{e.runCommand()},
			e.catalogCommands(),
			e.checkpointCommands(),
			e.askCommands(),
			e.sessionCommands(),
			e.hookCommands(),
			[]*ucli.Command{e.configCommand(), versionCommand()}),
		// urfave/cli would print its own messages and exit; maestro keeps one
		// voice and lets main choose the exit code.
		ExitErrHandler: func(*ucli.Context, error) {},
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return usageError(ExitUsage, "", flagError(err))
		},
		Action: func(c *ucli.Context) error {
			if !c.Args().Present() {
				return ucli.ShowAppHelp(c)
			}
			name := c.Args().First()
			hint := []string{"see 'maestro --help' for the commands"}
			if s := closest(name, c.App.VisibleCommands()); s != "" {
				hint = append([]string{fmt.Sprintf("did you mean 'maestro %s'?", s)}, hint...)
			}
			return &Error{Code: ExitUsage, Err: fmt.Errorf("unknown command %q", name), Hint: hint}
		},
	}
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

func closest(name string, cmds []*ucli.Command) string {
	names := make([]string, 0, len(cmds))
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.HasPrefix(n, name) || strings.HasPrefix(name, n) {
			return n
		}
	}
	return ""
}
