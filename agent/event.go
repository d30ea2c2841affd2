package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/maestro-recovery/maestro/internal/lazy"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// What an agent's hook event means to maestro.
const (
	KindSessionStart = "session_start" // a session began or resumed
	KindPrompt       = "prompt"        // the user submitted a prompt
	KindPreTool      = "pre_tool"      // a tool is about to run
	KindPostTool     = "post_tool"     // a tool ran (or failed)
	KindStop         = "stop"          // the agent's turn ended
)

// Event is one hook event of any agent, as maestro needs it. The fields an
// event does not carry are zero.
type Event struct {
	Agent string // claude-code, codex, gemini, cursor
	Name  string // the event's name as the agent spells it (PreToolUse, beforeShellExecution...)
	// Kind is one of the Kind constants, or "" for an event maestro does
	// nothing on (Notification, SessionEnd...).
	Kind      string
	SessionID string // the agent's session (Cursor: the conversation)
	Cwd       string
	Prompt    string
	Tool      string
	// Command is the shell command of a shell tool; "" for other tools.
	Command string
	// Failed is true when the tool call failed: a command's non-zero exit.
	Failed bool
	// ExitCode is the command's exit code when the agent says it, else -1.
	ExitCode int
	// Output is what the command printed, the most telling block first
	// (its error stream, or the agent's error text), each at most
	// MaxOutput bytes: its first and last lines.
	Output [][]byte
	// Interrupted is a call the user stopped: nothing to classify.
	Interrupted bool
}

// MaxPayload bounds the event read from the agent: a larger one (a tool's
// output of many MiB) is refused, not half read.
const MaxPayload = 4 << 20

// MaxOutput bounds each block of a command's output kept for classifying:
// its head and its tail, where tools print the error and its summary.
const MaxOutput = 64 << 10

// kinds maps each agent's events to what they mean. Events not listed are
// known to do nothing here (Notification, SessionEnd, PreCompact...): the
// hook says nothing about them. The pages each format comes from are in
// testdata/payloads/README.md, with a payload of each event.
//
// Built on first use, as is shellTools: a map literal is built at every
// start of maestro, for each command and git hook, not only for the agent
// hooks that read it.
var kinds = lazy.Value[map[string]map[string]string]{New: func() map[string]map[string]string {
	return map[string]map[string]string{
		// https://code.claude.com/docs/en/hooks
		"claude-code": {
			"SessionStart": KindSessionStart, "UserPromptSubmit": KindPrompt,
			"PreToolUse": KindPreTool, "PostToolUse": KindPostTool, "PostToolUseFailure": KindPostTool,
			"Stop":       KindStop,
			"SessionEnd": "", "Notification": "", "PreCompact": "", "SubagentStart": "", "SubagentStop": "", "PermissionRequest": "",
		},
		// https://developers.openai.com/codex/hooks
		"codex": {
			"SessionStart": KindSessionStart, "UserPromptSubmit": KindPrompt,
			"PreToolUse": KindPreTool, "PostToolUse": KindPostTool, "Stop": KindStop,
			"PermissionRequest": "", "PreCompact": "", "PostCompact": "", "SubagentStart": "", "SubagentStop": "",
		},
		// https://geminicli.com/docs/hooks/reference
		"gemini": {
			"SessionStart": KindSessionStart, "BeforeAgent": KindPrompt,
			"BeforeTool": KindPreTool, "AfterTool": KindPostTool, "AfterAgent": KindStop,
			"SessionEnd": "", "Notification": "", "PreCompress": "", "BeforeModel": "", "AfterModel": "", "BeforeToolSelection": "",
		},
		// https://cursor.com/docs/agent/hooks
		"cursor": {
			"sessionStart": KindSessionStart, "beforeSubmitPrompt": KindPrompt,
			"beforeShellExecution": KindPreTool, "afterShellExecution": KindPostTool, "stop": KindStop,
			"sessionEnd": "", "beforeMCPExecution": "", "afterMCPExecution": "", "beforeReadFile": "", "afterFileEdit": "",
			"afterAgentResponse": "", "afterAgentThought": "",
		},
	}
}}

// shellTools are the names agents give their shell tool.
var shellTools = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"Bash":              true, // Claude Code, Codex
		"run_shell_command": true, // Gemini CLI
		"shell":             true, // Codex's older name
		"Shell":             true, // Cursor's preToolUse
		"local_shell":       true,
		"exec_command":      true,
	}
}}

// Known reports whether maestro knows the agent's event, and so whether it
// is worth a line on stderr when it does not.
func Known(agentName, event string) bool {
	_, ok := kinds.Get()[agentName][event]
	return ok
}

// Parse reads one event of agentName called event from its JSON payload.
// Fields it does not know, or of a type it does not expect, are ignored:
// agents add fields from one version to the next. Only a payload that is
// not a JSON object is an error.
func Parse(agentName, event string, payload []byte) (Event, error) {
	ev := Event{Agent: agentName, Name: event, Kind: kinds.Get()[agentName][event], ExitCode: -1}
	if len(bytes.TrimSpace(payload)) == 0 {
		return ev, errors.New("no event on stdin")
	}
	var f fields
	if err := json.Unmarshal(payload, &f); err != nil || f == nil {
		return ev, fmt.Errorf("the event on stdin is not a JSON object: %v", jsonError(err))
	}
	ev.SessionID = f.str("session_id")
	ev.Cwd = f.str("cwd")
	if agentName == "cursor" {
		ev.SessionID = f.str("conversation_id")
		if roots := f.strs("workspace_roots"); ev.Cwd == "" && len(roots) > 0 {
			ev.Cwd = roots[0]
		}
	}
	ev.Prompt = f.str("prompt")
	ev.Tool = f.str("tool_name")
	if ev.Kind != KindPreTool && ev.Kind != KindPostTool {
		return ev, nil
	}
	if agentName == "cursor" {
		// Cursor's shell events are the shell tool's own, with the command
		// at the top level.
		ev.Tool, ev.Command = "Shell", f.str("command")
	} else if shellTools.Get()[ev.Tool] {
		ev.Command = f.sub("tool_input").command()
	}
	if ev.Kind == KindPostTool && ev.Command != "" {
		parseResult(&ev, f)
	}
	return ev, nil
}

// parseResult reads whether a shell command failed, its exit code and its
// output, as each agent reports them.
func parseResult(ev *Event, f fields) {
	switch {
	case ev.Agent == "claude-code" && ev.Name == "PostToolUseFailure":
		// The tool's error text, e.g. "Command exited with non-zero status
		// code 1", or "Exit code 1" followed by the command's output.
		msg := f.str("error")
		ev.Failed, ev.Interrupted = true, f.bool("is_interrupt")
		ev.ExitCode = exitCodeIn(msg)
		ev.Output = [][]byte{bound(msg)}
	case ev.Agent == "gemini":
		// tool_response: llmContent (the text the model sees: "Output:
		// ...", "Exit Code: 1"), returnDisplay, and error when it failed.
		r := f.sub("tool_response")
		text := r.text("llmContent")
		errText := r.sub("error").str("message")
		if errText == "" {
			errText = r.str("error")
		}
		ev.ExitCode = exitCodeIn(text)
		ev.Failed = errText != "" || ev.ExitCode > 0
		ev.Output = blocks(errText, text)
	case ev.Agent == "cursor":
		// afterShellExecution has the output; an exit code only when the
		// agent sends one.
		ev.ExitCode = f.intOr(-1, "exit_code", "exitCode")
		ev.Failed = ev.ExitCode > 0
		ev.Output = blocks(f.str("output"))
	default:
		// Claude Code's PostToolUse (a call that succeeded: stdout,
		// stderr, interrupted) and Codex's (an object with the exit code
		// and output, or the output text).
		r := f.sub("tool_response")
		if r == nil {
			text := f.str("tool_response")
			ev.ExitCode = exitCodeIn(text)
			ev.Output = blocks(text)
		} else {
			ev.ExitCode = r.intOr(-1, "exit_code", "exitCode", "returnCode", "code")
			ev.Interrupted = r.bool("interrupted")
			out := r.text("output")
			if out == "" {
				out = r.text("aggregated_output")
			}
			ev.Output = blocks(r.text("stderr"), r.text("stdout"), out)
		}
		ev.Failed = ev.ExitCode > 0
	}
}

// exitCodes are how agents write an exit code into text: Claude Code's
// "Command exited with non-zero status code 1" and "Exit code 1", Gemini's
// "Exit Code: 1", Codex's "Exit code: 1" and "Process exited with code 1".
//
// Compiled on first use: every hook event starts maestro, and most never
// need it.
var exitCodes = lazy.Regexp{Expr: `(?im)(?:^exit code:?|status code|process exited with code)\s*(\d{1,3})\b`}

func exitCodeIn(text string) int {
	if len(text) > MaxOutput {
		text = text[:MaxOutput]
	}
	m := exitCodes.Get().FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// bound keeps the first and last lines of a long output.
func bound(s string) []byte {
	if len(s) <= MaxOutput {
		return []byte(s)
	}
	head, tail := s[:MaxOutput/4], s[len(s)-MaxOutput*3/4:]
	if i := strings.LastIndexByte(head, '\n'); i > 0 {
		head = head[:i+1]
	}
	if i := strings.IndexByte(tail, '\n'); i >= 0 {
		tail = tail[i+1:]
	}
	return []byte(head + "…\n" + tail)
}

func blocks(texts ...string) [][]byte {
	var out [][]byte
	for _, t := range texts {
		if strings.TrimSpace(t) != "" {
			out = append(out, bound(t))
		}
	}
	return out
}

// fields is a JSON object read leniently: a field of an unexpected type
// reads as missing.
type fields map[string]json.RawMessage

func (f fields) str(key string) string {
	var s string
	if f == nil || json.Unmarshal(f[key], &s) != nil {
		return ""
	}
	return s
}

func (f fields) strs(key string) []string {
	var s []string
	if f == nil || json.Unmarshal(f[key], &s) != nil {
		return nil
	}
	return s
}

func (f fields) bool(key string) bool {
	var b bool
	return f != nil && json.Unmarshal(f[key], &b) == nil && b
}

func (f fields) intOr(def int, keys ...string) int {
	for _, k := range keys {
		var n json.Number
		if f == nil || json.Unmarshal(f[k], &n) != nil {
			continue
		}
		if i, err := strconv.Atoi(string(n)); err == nil {
			return i
		}
	}
	return def
}

func (f fields) sub(key string) fields {
	var s fields
	if f == nil || json.Unmarshal(f[key], &s) != nil {
		return nil
	}
	return s
}

// text reads a field that holds text: a string, or a list of strings or
// of parts with a "text" (how models' content is often sent).
func (f fields) text(key string) string {
	if s := f.str(key); s != "" {
		return s
	}
	var parts []json.RawMessage
	if f == nil || json.Unmarshal(f[key], &parts) != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range parts {
		var s string
		if json.Unmarshal(p, &s) != nil {
			var part fields
			if json.Unmarshal(p, &part) != nil {
				continue
			}
			s = part.str("text")
		}
		if s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// command is a shell tool's command: a string, or (Codex) a list of
// arguments, joined as a shell would read them.
func (f fields) command() string {
	if s := f.str("command"); s != "" {
		return s
	}
	args := f.strs("command")
	for i, a := range args {
		args[i] = textsafe.ShellQuote(a)
	}
	return strings.Join(args, " ")
}

func jsonError(err error) string {
	if err == nil {
		return "null"
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "a JSON " + te.Value + ", not an object"
	}
	return err.Error()
}

// Decision is what the hook tells the agent.
type Decision struct {
	// Block refuses the tool call, giving Reason to the model.
	Block  bool
	Reason string
	// Context is text for the model, added the agent's way.
	Context string
}

// Render is the hook's answer to the agent, on stdout: the agent's own
// way of blocking a tool call or of adding context for the model, or what
// the agent needs to hear to go on. It is nil when the agent needs
// nothing. The exit code is always 0: every agent reads it as "go on", and
// blocking is said in the JSON.
func Render(ev Event, d Decision) []byte {
	var v any
	switch ev.Agent {
	case "claude-code", "codex":
		// https://code.claude.com/docs/en/hooks#pretooluse-decision-control,
		// #posttooluse-decision-control; Codex reads the same shape.
		switch {
		case d.Block && ev.Kind == KindPreTool:
			v = hookOutput{Specific: &specific{Event: ev.Name, Permission: "deny", Reason: d.Reason}}
		case d.Context != "" && ev.Kind == KindPostTool:
			v = hookOutput{Specific: &specific{Event: ev.Name, Context: d.Context}}
		case ev.Agent == "codex" && ev.Kind == KindStop:
			v = struct{}{} // Codex wants JSON from its Stop hooks
		}
	case "gemini":
		// https://geminicli.com/docs/hooks/reference: stdout is always
		// parsed as JSON, so there is always some.
		switch {
		case d.Block && ev.Kind == KindPreTool:
			v = geminiOutput{Decision: "deny", Reason: d.Reason}
		case d.Context != "" && ev.Kind == KindPostTool:
			v = geminiOutput{Specific: &specific{Event: ev.Name, Context: d.Context}}
		default:
			v = struct{}{}
		}
	case "cursor":
		// https://cursor.com/docs/agent/hooks: beforeShellExecution answers
		// with a permission, beforeSubmitPrompt with whether to go on.
		switch ev.Name {
		case "beforeShellExecution":
			if d.Block {
				v = cursorPermission{Permission: "deny", User: d.Reason, Agent: d.Reason}
			} else {
				v = cursorPermission{Permission: "allow"}
			}
		case "beforeSubmitPrompt":
			v = struct {
				Continue bool `json:"continue"`
			}{true}
		default:
			v = struct{}{}
		}
	}
	if v == nil {
		return nil
	}
	// Not HTML-escaped: the model reads `a && b`, not `a \u0026\u0026 b`.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return buf.Bytes()
}

type hookOutput struct {
	Specific *specific `json:"hookSpecificOutput,omitempty"`
}

type specific struct {
	Event      string `json:"hookEventName"`
	Permission string `json:"permissionDecision,omitempty"`
	Reason     string `json:"permissionDecisionReason,omitempty"`
	Context    string `json:"additionalContext,omitempty"`
}

type geminiOutput struct {
	Decision string    `json:"decision,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Specific *specific `json:"hookSpecificOutput,omitempty"`
}

type cursorPermission struct {
	Permission string `json:"permission"`
	User       string `json:"user_message,omitempty"`
	Agent      string `json:"agent_message,omitempty"`
}
