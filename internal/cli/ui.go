package cli

import (
	"fmt"
	"os"
	"syscall"

	ucli "github.com/urfave/cli/v2"
)

func (e *env) uiCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "ui",
		Usage:     "serve a local web page of the repository's sessions: timelines, checkpoints and their diffs, rollback and undo, questions to answer",
		UsageText: "maestro ui [--addr HOST:PORT] [--open] [--no-token] [--config FILE]",
		Description: `Serves the current repository's sessions until interrupted (Ctrl-C: exit 0).
It prints the page's URL, with a random token, alone on stdout, and a line
saying what it serves on stderr. The token is needed for every page (a cookie
after the first visit); a POST must also come from the page itself. By default
it listens on 127.0.0.1 with a free port; --addr on an address other than
loopback keeps the token required and warns. See docs/ui.md.`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "addr", Usage: "listen on `HOST:PORT` (port 0: a free one)", Value: "127.0.0.1:0"},
			&ucli.BoolFlag{Name: "open", Usage: "open the page in a browser (xdg-open, or open on macOS)"},
			&ucli.BoolFlag{Name: "no-token", Usage: "serve without the token (loopback addresses only)"},
			configFlag,
		},
		OnUsageError: commandUsageError("ui"),
		Action:       e.ui,
	}
}

func (e *env) ui(c *ucli.Context) error {
	if err := noArgs(c, "ui"); err != nil {
		return err
	}
	server, err := companion("maestro-ui")
	if err != nil {
		return &Error{Code: ExitFailed, Err: fmt.Errorf("ui: the server: %w", err), Hint: []string{
			"install.sh installs maestro-ui next to maestro; with go install: go install github.com/maestro-recovery/maestro/cmd/maestro-ui@latest",
		}}
	}
	args := []string{"maestro-ui", "--addr", c.String("addr")}
	if c.Bool("open") {
		args = append(args, "--open")
	}
	if c.Bool("no-token") {
		args = append(args, "--no-token")
	}
	if c.IsSet("config") {
		args = append(args, "--config", c.String("config"))
	}
	// The server takes this process's place: Ctrl-C goes straight to it.
	err = syscall.Exec(server, args, os.Environ())
	return &Error{Code: ExitFailed, Err: fmt.Errorf("ui: start %s: %w", server, err)}
}
