package mcp

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/maestro-recovery/maestro/checkpoint"
)

// Main is the maestro-mcp program, which maestro mcp runs in its place:
// the server is a binary of its own so that maestro, which every command,
// git hook and agent hook starts, does not link and initialise the MCP SDK
// and what it pulls in (net/http, crypto/tls, a JSON schema library): that
// doubled maestro's size and made each of its starts about half as slow
// again. defaults is the built-in recovery.toml.
func Main(args []string, defaults []byte) int {
	fs := flag.NewFlagSet("maestro mcp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sessionID := fs.String("session-id", "", "")
	config := fs.String("config", "", "")
	version := fs.String("maestro-version", "", "") // told by maestro mcp
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
		fmt.Fprintf(os.Stderr, "maestro: error: mcp: %v\nmaestro: hint: see 'maestro mcp --help'\n", err)
		return 2
	}
	if *sessionID != "" {
		if err := checkpoint.ValidateID("session id", *sessionID); err != nil {
			fmt.Fprintf(os.Stderr, "maestro: error: mcp: %v\n", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	err := Serve(ctx, Options{Default: defaults, ConfigFlag: *config, SessionID: *sessionID, Version: *version, Log: os.Stderr},
		os.Stdin, nopWriteCloser{os.Stdout})
	if err == nil || ctx.Err() != nil || errors.Is(err, io.EOF) {
		return 0
	}
	fmt.Fprintf(os.Stderr, "maestro: error: mcp: %v\n", err)
	return 1
}

// nopWriteCloser keeps the SDK from closing stdout: the drain answers the
// calls still in progress after the client closed stdin.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
