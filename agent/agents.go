// Package agent connects maestro to coding agents (Claude Code, Codex CLI,
// Gemini CLI, Cursor): the files each agent reads its hooks and MCP servers
// from, merging maestro's entries into them and taking exactly those out
// again (install.go), and the hook events the agents send (event.go).
package agent

import (
	"slices"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Scope is where an agent's configuration lives: in the project (checked in
// with it, for everyone who works there) or in the user's home (every
// project of this user).
type Scope string

const (
	ScopeProject Scope = "project"
	ScopeUser    Scope = "user"
)

// Format is how a file is written.
type Format string

const (
	// JSON files are edited in place by internal/cfgedit, which tolerates
	// comments and trailing commas where the agent does (Gemini CLI's
	// settings.json) and keeps every byte maestro did not add.
	JSON Format = "json"
	// TOML files (Codex's config.toml) get whole tables of maestro's own.
	TOML Format = "toml"
)

// HookStyle is the shape of one hook entry in an agent's hooks object.
type HookStyle int

const (
	// Grouped: hooks.EVENT is a list of {"matcher": ..., "hooks": [{"type":
	// "command", "command": ...}]}, the matcher left out for events that
	// take none (Claude Code, Codex).
	Grouped HookStyle = iota
	// GroupedNamed is Grouped with a "name" on each hook, by which Gemini
	// CLI's /hooks enable and disable find it.
	GroupedNamed
	// Flat: hooks.EVENT is a list of {"command": ...} (Cursor).
	Flat
)

// Hook is one event maestro registers: the agent's own name for it, as
// its documentation spells it (and as `maestro agent hook AGENT EVENT`
// receives it), and the tool matcher for tool events ("" for none).
type Hook struct {
	Event   string
	Matcher string
}

// File is one configuration file of an agent, in one scope, and what
// maestro adds to it: hooks, or its MCP server, or both.
type File struct {
	Scope Scope
	// Path is relative to the project's root (project scope) or to the
	// home folder (user scope); Codex's user files are relative to
	// $CODEX_HOME when it is set.
	Path   string
	Format Format
	// Comments says the agent reads the JSON file with // and /* */
	// comments and trailing commas; others are plain JSON, and a comment
	// there is an error the agent would stumble on too.
	Comments bool
	// Hooks, when not empty, go under the top-level "hooks" object, one
	// entry per event, in the style of HookStyle.
	Hooks     []Hook
	HookStyle HookStyle
	// MCP says the file registers MCP servers: under "mcpServers" (JSON)
	// or as a [mcp_servers.NAME] table (TOML).
	MCP bool
	// MCPType, when set, is the server's "type" field (Claude Code writes
	// "stdio" for a local server).
	MCPType string
	// Empty is the content of the file maestro creates when there is none,
	// before its entries go in; it is also what is left once they are taken
	// out again, so the file can go.
	Empty string
	// Doc is the page of the agent's documentation the format comes from.
	Doc string
}

// Agent is a coding agent maestro knows how to wire itself into.
type Agent struct {
	Name  string // as --agent and `maestro agent hook` take it
	Title string
	// ProjectDir is the agent's folder in a project; UserConfig are paths
	// (relative to the home folder) whose presence says the agent is used
	// on this machine.
	ProjectDir string
	UserConfig []string
	// HomeEnv, when set, names a variable that moves the agent's user
	// folder (CODEX_HOME), as the agent itself honours it.
	HomeEnv string
	Files   []File
	// Note is said by status and the docs: what the agent needs besides
	// the files (a trusted folder, a feature switch).
	Note string
}

// The events each agent sends and maestro's hook handles (agent/event.go
// maps them to session start, prompt, before and after a shell command,
// end of turn). Keep the two in step: an event registered here that the
// handler does not know is ignored by it, harmlessly, but costs the agent a
// process start each time.
var (
	// https://code.claude.com/docs/en/hooks (matchers: tool names; "Bash"
	// is the shell tool; PostToolUseFailure fires instead of PostToolUse
	// when the tool call failed, as a command with a non-zero exit does).
	claudeHooks = []Hook{
		{Event: "SessionStart"},
		{Event: "UserPromptSubmit"},
		{Event: "PreToolUse", Matcher: "Bash"},
		{Event: "PostToolUse", Matcher: "Bash"},
		{Event: "PostToolUseFailure", Matcher: "Bash"},
		{Event: "Stop"},
	}
	// https://developers.openai.com/codex/hooks (the same shape and event
	// names as Claude Code; tool hooks see the Bash tool).
	codexHooks = []Hook{
		{Event: "SessionStart"},
		{Event: "UserPromptSubmit"},
		{Event: "PreToolUse", Matcher: "Bash"},
		{Event: "PostToolUse", Matcher: "Bash"},
		{Event: "Stop"},
	}
	// https://geminicli.com/docs/hooks/reference (BeforeAgent: a prompt was
	// submitted; AfterAgent: the turn's final answer; the shell tool is
	// run_shell_command).
	geminiHooks = []Hook{
		{Event: "SessionStart"},
		{Event: "BeforeAgent"},
		{Event: "BeforeTool", Matcher: "run_shell_command"},
		{Event: "AfterTool", Matcher: "run_shell_command"},
		{Event: "AfterAgent"},
	}
	// https://cursor.com/docs/agent/hooks (shell commands have events of
	// their own, so no matcher is needed).
	cursorHooks = []Hook{
		{Event: "sessionStart"},
		{Event: "beforeSubmitPrompt"},
		{Event: "beforeShellExecution"},
		{Event: "afterShellExecution"},
		{Event: "stop"},
	}
)

// Agents are the agents maestro installs into, in the order it reports them.
var Agents = []*Agent{
	{
		Name:       "claude-code",
		Title:      "Claude Code",
		ProjectDir: ".claude",
		UserConfig: []string{".claude", ".claude.json"},
		Files: []File{
			// https://code.claude.com/docs/en/settings (settings files) and
			// https://code.claude.com/docs/en/hooks (the hooks object).
			{Scope: ScopeProject, Path: ".claude/settings.json", Format: JSON, Hooks: claudeHooks, HookStyle: Grouped, Empty: "{}\n",
				Doc: "https://code.claude.com/docs/en/hooks"},
			// https://code.claude.com/docs/en/mcp: project servers in .mcp.json
			// at the project's root, user servers in ~/.claude.json, both
			// under "mcpServers".
			{Scope: ScopeProject, Path: ".mcp.json", Format: JSON, MCP: true, MCPType: "stdio", Empty: "{}\n",
				Doc: "https://code.claude.com/docs/en/mcp"},
			{Scope: ScopeUser, Path: ".claude/settings.json", Format: JSON, Hooks: claudeHooks, HookStyle: Grouped, Empty: "{}\n",
				Doc: "https://code.claude.com/docs/en/hooks"},
			{Scope: ScopeUser, Path: ".claude.json", Format: JSON, MCP: true, MCPType: "stdio", Empty: "{}\n",
				Doc: "https://code.claude.com/docs/en/mcp"},
		},
		Note: "Claude Code asks once before it uses the servers of a project's .mcp.json",
	},
	{
		Name:       "codex",
		Title:      "Codex CLI",
		ProjectDir: ".codex",
		UserConfig: []string{".codex"},
		HomeEnv:    "CODEX_HOME",
		Files: []File{
			// https://developers.openai.com/codex/hooks: hooks.json next to
			// each config layer, ~/.codex/hooks.json and <repo>/.codex/hooks.json.
			{Scope: ScopeProject, Path: ".codex/hooks.json", Format: JSON, Hooks: codexHooks, HookStyle: Grouped, Empty: "{}\n",
				Doc: "https://developers.openai.com/codex/hooks"},
			// https://developers.openai.com/codex/mcp: [mcp_servers.NAME]
			// tables with command and args, in ~/.codex/config.toml or a
			// trusted project's .codex/config.toml.
			{Scope: ScopeProject, Path: ".codex/config.toml", Format: TOML, MCP: true,
				Doc: "https://developers.openai.com/codex/mcp"},
			{Scope: ScopeUser, Path: ".codex/hooks.json", Format: JSON, Hooks: codexHooks, HookStyle: Grouped, Empty: "{}\n",
				Doc: "https://developers.openai.com/codex/hooks"},
			{Scope: ScopeUser, Path: ".codex/config.toml", Format: TOML, MCP: true,
				Doc: "https://developers.openai.com/codex/mcp"},
		},
		Note: "Codex reads a project's .codex/ only once the project is trusted; hooks need a Codex with hooks on (the default since they left the features flag; older ones need [features] codex_hooks = true)",
	},
	{
		Name:       "gemini",
		Title:      "Gemini CLI",
		ProjectDir: ".gemini",
		UserConfig: []string{".gemini"},
		Files: []File{
			// https://geminicli.com/docs/cli/configuration (settings files,
			// which may hold comments), https://geminicli.com/docs/hooks/reference
			// (hooks) and https://geminicli.com/docs/tools/mcp-server (mcpServers):
			// all in the one settings.json.
			{Scope: ScopeProject, Path: ".gemini/settings.json", Format: JSON, Comments: true, Hooks: geminiHooks, HookStyle: GroupedNamed, MCP: true, Empty: "{}\n",
				Doc: "https://geminicli.com/docs/hooks/reference"},
			{Scope: ScopeUser, Path: ".gemini/settings.json", Format: JSON, Comments: true, Hooks: geminiHooks, HookStyle: GroupedNamed, MCP: true, Empty: "{}\n",
				Doc: "https://geminicli.com/docs/hooks/reference"},
		},
		Note: "Gemini CLI reads a project's .gemini/settings.json only in a trusted folder; hooks are on by default (hooksConfig.enabled)",
	},
	{
		Name:       "cursor",
		Title:      "Cursor",
		ProjectDir: ".cursor",
		UserConfig: []string{".cursor"},
		Files: []File{
			// https://cursor.com/docs/agent/hooks: hooks.json with "version": 1,
			// .cursor/hooks.json in a project, ~/.cursor/hooks.json for the user.
			{Scope: ScopeProject, Path: ".cursor/hooks.json", Format: JSON, Hooks: cursorHooks, HookStyle: Flat, Empty: "{\n  \"version\": 1\n}\n",
				Doc: "https://cursor.com/docs/agent/hooks"},
			// https://cursor.com/docs/mcp: mcpServers in
			// .cursor/mcp.json (project) or ~/.cursor/mcp.json (user).
			{Scope: ScopeProject, Path: ".cursor/mcp.json", Format: JSON, MCP: true, Empty: "{}\n",
				Doc: "https://cursor.com/docs/mcp"},
			{Scope: ScopeUser, Path: ".cursor/hooks.json", Format: JSON, Hooks: cursorHooks, HookStyle: Flat, Empty: "{\n  \"version\": 1\n}\n",
				Doc: "https://cursor.com/docs/agent/hooks"},
			{Scope: ScopeUser, Path: ".cursor/mcp.json", Format: JSON, MCP: true, Empty: "{}\n",
				Doc: "https://cursor.com/docs/mcp"},
		},
	},
}

// Names are the agents' names, for usage messages.
func Names() []string {
	names := make([]string, len(Agents))
	for i, a := range Agents {
		names[i] = a.Name
	}
	return names
}

// Find returns the agent called name, or nil.
func Find(name string) *Agent {
	for _, a := range Agents {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// FilesIn are the agent's files in scope.
func (a *Agent) FilesIn(scope Scope) []File {
	var fs []File
	for _, f := range a.Files {
		if f.Scope == scope {
			fs = append(fs, f)
		}
	}
	return fs
}

// Events are the names of the events maestro registers for the agent.
func (a *Agent) Events() []string {
	var ev []string
	for _, f := range a.Files {
		for _, h := range f.Hooks {
			if !slices.Contains(ev, h.Event) {
				ev = append(ev, h.Event)
			}
		}
	}
	return ev
}

// HasHooks says whether maestro registers hooks for the agent at all (an
// agent that documents none gets only its MCP server).
func (a *Agent) HasHooks() bool { return len(a.Events()) > 0 }

// MCPServerName is the name maestro's server is registered under, in every
// agent's MCP configuration.
const MCPServerName = "maestro"

// HookCommand is the command line an agent runs for event: the absolute
// path of maestro, quoted for the shell the agents run hooks with.
func HookCommand(program, agent, event string) string {
	return textsafe.ShellQuote(program) + " agent hook " + agent + " " + event
}
