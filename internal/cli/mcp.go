package cli

import (
	"fmt"
	"os"
	"syscall"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/wrapper"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) mcpCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "mcp",
		Usage:     "serve maestro's tools to a coding agent over the Model Context Protocol, on stdin and stdout",
		UsageText: "maestro mcp [--session-id ID] [--config FILE]",
		Description: `An MCP server on stdio, for an agent to start (maestro agent install
registers it): checkpoint, list_checkpoints, diff_checkpoint, rollback, undo,
classify, approaches, run, ask_human and session_stats, working in the folder
it was started in. Stdout is the protocol's; maestro's own lines go to stderr.
It ends when the client closes stdin.`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "session-id", Usage: "the session of a call that names none, by its `ID` (default: $MAESTRO_SESSION_ID, else the current session, else \"default\", chosen at each call)"},
			configFlag,
		},
		OnUsageError: commandUsageError("mcp"),
		Action:       e.mcp,
	}
}

func (e *env) mcp(c *ucli.Context) error {
	if err := noArgs(c, "mcp"); err != nil {
		return err
	}
	if id := c.String("session-id"); c.IsSet("session-id") {
		if err := checkpoint.ValidateID("session id", id); err != nil {
			return usageError(ExitUsage, "mcp", err)
		}
	}
	server, err := companion("maestro-mcp")
	if err != nil {
		err = fmt.Errorf("mcp: the server: %w", err)
		return &Error{Code: ExitFailed, Err: err, Hint: []string{
			"install.sh installs maestro-mcp next to maestro; with go install: go install github.com/maestro-recovery/maestro/cmd/maestro-mcp@latest",
		}}
	}
	if wrapper.IsTerminal(os.Stdin) {
		fmt.Fprintln(os.Stderr, "maestro: maestro mcp speaks the Model Context Protocol on stdin and stdout, for an agent to start")
		fmt.Fprintln(os.Stderr, "maestro: hint: 'maestro agent install' registers it; Ctrl-D ends it")
	}
	v, _ := version(false)
	args := []string{"maestro-mcp", "--maestro-version", v}
	if c.IsSet("session-id") {
		args = append(args, "--session-id", c.String("session-id"))
	}
	if c.IsSet("config") {
		args = append(args, "--config", c.String("config"))
	}
	// The server takes this process's place: the agent's stdin and stdout
	// and signals go straight to it.
	err = syscall.Exec(server, args, os.Environ())
	return &Error{Code: ExitFailed, Err: fmt.Errorf("mcp: start %s: %w", server, err)}
}
