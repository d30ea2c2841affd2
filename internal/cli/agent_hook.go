package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/agent"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
	ucli "github.com/urfave/cli/v2"
)

// agentHookCommand is `maestro agent hook`, hidden: the agents run it, not
// people. agentCommands calls it: an init function registering it would run
// at every start of maestro.
func (e *env) agentHookCommand() *ucli.Command {
	return &ucli.Command{
		Name:            "hook",
		Usage:           "what coding agents run on their hook events (maestro agent install registers it)",
		UsageText:       "maestro agent hook AGENT EVENT < event.json",
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *ucli.Context) error {
			if code := AgentHook(c.Args().Slice(), e.defaultCatalog); code != 0 {
				return &Status{Code: code}
			}
			return nil
		},
	}
}

// AgentHook is `maestro agent hook AGENT EVENT`, the command the agents
// run on each hook event, with the event's JSON on stdin. main sends it
// here before and without the command line's parsing: it runs on every
// tool call. It answers the agent on stdout in the agent's own format, says
// at most one line on stderr, and always exits 0, which every agent reads
// as "go on" (a block is said in the JSON): a hook must never break the
// agent.
func AgentHook(args []string, defaultCatalog []byte) int {
	if len(args) != 2 {
		fmt.Fprintf(os.Stderr, "maestro: warning: agent hook: want AGENT EVENT, got %d argument%s: nothing done\n", len(args), plural(len(args)))
		return 0
	}
	payload, tooBig, err := readPayload(os.Stdin, payloadWait)
	res := agent.Handle(agent.HookOptions{Agent: args[0], Event: args[1], Payload: payload, Default: defaultCatalog})
	switch {
	case err != nil:
		res.Warning = "cannot read the event on stdin: " + err.Error()
	case tooBig:
		res.Warning = fmt.Sprintf("the event on stdin is over %d MiB: ignored", agent.MaxPayload>>20)
	}
	if len(res.Stdout) > 0 {
		os.Stdout.Write(res.Stdout)
	}
	if res.Warning != "" {
		// What went wrong may quote the agent's payload or git's stderr.
		w := textsafe.Visible(strings.TrimSpace(res.Warning))
		fmt.Fprintf(os.Stderr, "maestro: warning: agent hook %s %s: %s\n", textsafe.Visible(args[0]), textsafe.Visible(args[1]), w)
	}
	return 0
}

// payloadWait bounds the wait for the event's end: an agent writes it and
// closes stdin at once, and one that left the pipe open must not leave its
// hook waiting until its own hook timeout (a minute for Claude Code).
var payloadWait = 10 * time.Second

// readPayload reads the event, at most agent.MaxPayload bytes; a larger
// one is not used (tooBig), and nil is returned for it. A terminal is
// never read: a hook run by hand gets no event. Past wait without the end
// of stdin, it gives up (the reading goroutine ends with the process).
func readPayload(f *os.File, wait time.Duration) (data []byte, tooBig bool, err error) {
	if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
		return nil, false, nil
	}
	type read struct {
		data   []byte
		tooBig bool
		err    error
	}
	done := make(chan read, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(f, agent.MaxPayload+1))
		if err != nil {
			done <- read{err: err}
			return
		}
		if len(data) > agent.MaxPayload {
			// The rest is read and dropped, up to a bound, so that the
			// agent's write does not fail on a closed pipe.
			io.CopyN(io.Discard, f, 64<<20)
			done <- read{tooBig: true}
			return
		}
		done <- read{data: data}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.data, r.tooBig, r.err
	case <-timer.C:
		return nil, false, fmt.Errorf("stdin was not closed within %s", wait)
	}
}

// agentLogText is what maestro log shows of an agent hook's entry.
func agentLogText(it sessionlog.Item) string {
	v := textsafe.Visible
	a := it.Agent
	cmd := func() string {
		c := a.Command
		if i := strings.IndexAny(c, "\r\n"); i >= 0 {
			c = c[:i] + " …"
		}
		return v(c)
	}
	switch it.Type {
	case sessionlog.KindAgentSession:
		return fmt.Sprintf("%s session %s (%s)", v(a.Agent), v(a.AgentSessionID), v(a.Event))
	case sessionlog.KindAgentPrompt:
		return fmt.Sprintf("prompt: %s", v(it.Description))
	case sessionlog.KindAgentRisky:
		text := "risky command " + cmd() + ": "
		if a.CheckpointID != "" {
			text += "checkpoint " + v(a.CheckpointID)
		} else {
			text += "no checkpoint (" + v(a.Skipped) + ")"
		}
		if a.Blocked {
			text += ", blocked"
		}
		return text
	case sessionlog.KindAgentFailure:
		text := "failed: " + cmd() + ": " + v(a.FailureType)
		if a.ExitCode != nil {
			text += fmt.Sprintf(" (exit %d)", *a.ExitCode)
		}
		if a.InARow > 1 {
			text += fmt.Sprintf(", %d in a row", a.InARow)
		}
		if a.Line != "" {
			text += `: "` + v(a.Line) + `"`
		}
		return text
	case sessionlog.KindAgentTurn:
		if a.CheckpointID != "" {
			return fmt.Sprintf("end of turn %q: checkpoint %s", v(it.Description), v(a.CheckpointID))
		}
		return fmt.Sprintf("end of turn %q: no checkpoint (%s)", v(it.Description), v(a.Skipped))
	}
	return v(it.Type) + " " + v(a.Event)
}
