// Package mcp is maestro's Model Context Protocol server (maestro mcp): the
// tools a coding agent's model calls to make checkpoints, roll back and
// undo, classify a failure, read the alternative approaches, run a command
// with maestro's retry policy, ask a person, and sum a session up.
//
// It is a face, as the command line is: every tool calls the feature
// packages (checkpoint, catalog, wrapper, escalate, session, recovery) and
// only turns their results into tool results. What a tool returns is one
// JSON document, in the result's text and as its structured content; a
// failure is a tool result marked as an error with maestro's message and
// hint, never a crashed server.
package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// MaxMessage bounds one JSON-RPC message from the client: the largest
// argument a tool takes (classify's output) is 1 MiB.
const MaxMessage = 4 << 20

// Options configure the server.
type Options struct {
	// Default is the embedded recovery.toml.
	Default []byte
	// ConfigFlag is maestro mcp --config: a file read before the others.
	ConfigFlag string
	// SessionID is maestro mcp --session-id, the session of a call that
	// names none; "" leaves it to $MAESTRO_SESSION_ID, the current session,
	// then default, chosen at each call as the command line chooses.
	SessionID string
	// Version is maestro's, told to the client.
	Version string
	// Log receives what the server has to say to whoever runs it; stderr
	// unless set. Never stdout: that is the protocol's.
	Log io.Writer
	// Poll is how often ask_human looks for an answer given with maestro
	// answer; 200ms unless set.
	Poll time.Duration
}

// instructions tell the model what the server is for.
const instructions = `maestro makes this coding session recoverable. Use it to:
- checkpoint before a risky change (a git ref; the working tree is not touched), list_checkpoints, diff_checkpoint to see what changed since;
- rollback to a checkpoint when a change went wrong (call it with dry_run first), and undo to take a rollback back: nothing is ever lost;
- classify a failed command's output to learn whether retrying can help, and approaches for what to try instead;
- run a command with retries and backoff, only when another try can help;
- ask_human when a decision is the user's, not yours;
- session_stats to sum the session up.
Tools work in the repository the server was started in.`

// New returns the server with every tool.
func New(o Options) *sdk.Server {
	if o.Log == nil {
		o.Log = os.Stderr
	}
	if o.Poll <= 0 {
		o.Poll = 200 * time.Millisecond
	}
	if o.Version == "" {
		o.Version = "devel"
	}
	s := sdk.NewServer(&sdk.Implementation{Name: "maestro", Title: "maestro", Version: o.Version},
		&sdk.ServerOptions{Instructions: instructions})
	t := &tools{o: o, runs: make(chan struct{}, maxRuns)}
	t.add(s)
	s.AddReceivingMiddleware(guard(o.Log))
	return s
}

// guard keeps the server up whatever a client sends: a call without
// arguments, or with null, has none ({}), which the SDK's own checks take
// (null with a schema's defaults once crashed them); and a panic anywhere
// in handling a request is that request's error.
func guard(log io.Writer) sdk.Middleware {
	return func(next sdk.MethodHandler) sdk.MethodHandler {
		return func(ctx context.Context, method string, req sdk.Request) (res sdk.Result, err error) {
			defer func() {
				if r := recover(); r != nil {
					fmt.Fprintf(log, "maestro: error: mcp: %s failed: %v\n", method, r)
					res, err = nil, fmt.Errorf("maestro mcp: %s failed: %v", method, r)
				}
			}()
			if p, ok := req.GetParams().(*sdk.CallToolParamsRaw); ok {
				if a := bytes.TrimSpace(p.Arguments); len(a) == 0 || string(a) == "null" {
					p.Arguments = json.RawMessage("{}")
				}
			}
			res, err = next(ctx, method, req)
			if r, ok := res.(*sdk.CallToolResult); ok && r != nil && r.IsError {
				// The SDK's own refusals quote the argument refused,
				// whatever its size.
				for _, c := range r.Content {
					if t, ok := c.(*sdk.TextContent); ok {
						t.Text = cut(t.Text, maxText)
					}
				}
			}
			return res, err
		}
	}
}

// Serve runs the server on in and out (maestro mcp: stdin and stdout)
// until the client closes in, once every call it made is answered, or
// until ctx ends.
func Serve(ctx context.Context, o Options, in io.ReadCloser, out io.WriteCloser) error {
	d := newDrain(in, out, ctx.Done())
	return New(o).Run(ctx, &sdk.IOTransport{Reader: d, Writer: d, MaxLineLength: MaxMessage})
}
