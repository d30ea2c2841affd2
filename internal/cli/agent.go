package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/maestro-recovery/maestro/agent"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) agentCommands() []*ucli.Command {
	agentFlag := &ucli.StringSliceFlag{Name: "agent", Usage: "the agent to wire, by `NAME`: " + strings.Join(agent.Names(), ", ") + " (repeat it; default: every agent whose folder or configuration is here)"}
	scopeFlag := &ucli.StringFlag{Name: "scope", Value: string(agent.ScopeProject), Usage: "which files, by `SCOPE`: project (the repository's, shared with it) or user (your home folder's, for every project)"}
	dryRun := &ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the changes as a diff, write nothing"}
	subs := []*ucli.Command{
		{
			Name:      "install",
			Usage:     "register maestro's hooks and MCP server in coding agents' settings",
			UsageText: "maestro agent install [--agent NAME]... [--scope project|user] [--dry-run] [--json]",
			Description: `Adds maestro's hook commands and its MCP server ("maestro") to each agent's own
configuration files, at the paths and in the shapes the agent documents. What
was there stays byte for byte; running it again changes nothing; an older
installation (another maestro binary, other events) is brought up to date. A
file that does not parse is refused with its line and column, and then
nothing is written.`,
			Flags:        []ucli.Flag{agentFlag, scopeFlag, dryRun, jsonFlag},
			OnUsageError: commandUsageError("agent install"),
			Action:       func(c *ucli.Context) error { return e.agentInstall(c, true) },
		},
		{
			Name:      "uninstall",
			Usage:     "take maestro's hooks and MCP server out of coding agents' settings",
			UsageText: "maestro agent uninstall [--agent NAME]... [--scope project|user] [--dry-run] [--json]",
			Description: `Removes exactly the entries install added (found by their command) and
nothing else; a file maestro created goes when nothing else is in it.
Without --agent, every agent.`,
			Flags:        []ucli.Flag{agentFlag, scopeFlag, dryRun, jsonFlag},
			OnUsageError: commandUsageError("agent uninstall"),
			Action:       func(c *ucli.Context) error { return e.agentInstall(c, false) },
		},
		{
			Name:         "status",
			Usage:        "show, per agent, what of maestro is installed where, and whether it is current",
			UsageText:    "maestro agent status [--json]",
			Flags:        []ucli.Flag{jsonFlag},
			OnUsageError: commandUsageError("agent status"),
			Action:       e.agentStatus,
		},
	}
	// The hidden `hook`, the command the agents run, is in agent_hook.go.
	subs = append(subs, e.agentHookCommand())
	return []*ucli.Command{{
		Name:         "agent",
		Usage:        "wire maestro into coding agents (Claude Code, Codex CLI, Gemini CLI, Cursor): hooks and MCP server",
		UsageText:    "maestro agent install [--agent NAME]... [--scope project|user] [--dry-run] [--json]\nmaestro agent uninstall [--agent NAME]... [--scope project|user] [--dry-run] [--json]\nmaestro agent status [--json]",
		Subcommands:  subs,
		OnUsageError: commandUsageError("agent"),
	}}
}

// agentOptions are where the agents' files are, for this maestro.
func agentOptions(scope agent.Scope) (agent.Options, error) {
	o := agent.Options{Scope: scope, StateDir: state.UserDir(nil)}
	wd, err := os.Getwd()
	if err != nil {
		return o, &Error{Code: ExitFailed, Err: err}
	}
	o.ProjectRoot = wd
	if top, ok := git.FindTopLevel(wd); ok {
		o.ProjectRoot = top
	}
	o.Home, _ = os.UserHomeDir()
	if scope == agent.ScopeUser && o.Home == "" {
		return o, &Error{Code: ExitFailed, Err: errors.New("no home folder: $HOME is not set"), Hint: []string{"set HOME, or use --scope project"}}
	}
	if o.Program, err = hookProgram(); err != nil {
		return o, &Error{Code: ExitFailed, Err: err}
	}
	return o, nil
}

func (e *env) agentInstall(c *ucli.Context, install bool) error {
	cmd := "agent install"
	if !install {
		cmd = "agent uninstall"
	}
	if err := noArgs(c, cmd); err != nil {
		return err
	}
	scope := agent.Scope(c.String("scope"))
	if scope != agent.ScopeProject && scope != agent.ScopeUser {
		return usageError(ExitUsage, cmd, fmt.Errorf("--scope is project or user, not %q", c.String("scope")))
	}
	o, err := agentOptions(scope)
	if err != nil {
		return err
	}
	agents, err := chooseAgents(c, cmd, o, install)
	if err != nil {
		return err
	}
	changes, err := agent.Plan(agents, o, install)
	if err != nil {
		var plan *agent.PlanError
		if errors.As(err, &plan) && len(plan.Errs) > 1 {
			// One line of error, each file a hint line under it.
			return &Error{Code: ExitFailed, Err: fmt.Errorf("%d settings files cannot be read", len(plan.Errs)), Hint: append(strings.Split(plan.Error(), "\n"), plan.Hints()...)}
		}
		return &Error{Code: ExitFailed, Err: err, Hint: hintsOf(err)}
	}
	dry := c.Bool("dry-run")
	if !dry {
		if err := agent.Apply(changes, o); err != nil {
			return &Error{Code: ExitFailed, Err: err, Hint: []string{"'maestro agent status' shows what is in place now"}}
		}
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, agentChangesJSON(changes, o, dry, install))
	}
	if dry {
		for _, ch := range changes {
			fmt.Print(textsafe.VisibleLines(ch.Diff()))
		}
		if len(changes) == 0 {
			fmt.Fprintln(os.Stderr, "maestro: nothing to change")
		}
		return nil
	}
	printAgentChanges(os.Stdout, agents, changes, install)
	return nil
}

// chooseAgents are the agents named by --agent; without it, for install,
// those found here (saying which), and for uninstall every one.
func chooseAgents(c *ucli.Context, cmd string, o agent.Options, install bool) ([]*agent.Agent, error) {
	names := c.StringSlice("agent")
	if len(names) > 0 {
		var as []*agent.Agent
		for _, n := range names {
			a := agent.Find(strings.TrimSpace(n))
			if a == nil {
				return nil, usageError(ExitUsage, cmd, fmt.Errorf("unknown agent %q: maestro knows %s", n, strings.Join(agent.Names(), ", ")))
			}
			if !slices.Contains(as, a) {
				as = append(as, a)
			}
		}
		return as, nil
	}
	if !install {
		return agent.Agents, nil
	}
	var as []*agent.Agent
	var found []string
	for _, a := range agent.Agents {
		if o.Present(a) {
			as = append(as, a)
			found = append(found, a.Name)
		}
	}
	if len(as) == 0 {
		return nil, &Error{Code: ExitFailed, Err: errors.New("no coding agent found here: none of .claude, .codex, .gemini, .cursor in the project or the home folder"),
			Hint: []string{"name one: maestro agent install --agent " + strings.Join(agent.Names(), "|")}}
	}
	fmt.Fprintf(os.Stderr, "maestro: found %s (name others with --agent)\n", strings.Join(found, ", "))
	return as, nil
}

type agentChangeJSON struct {
	*agent.Change
	Diff string `json:"diff,omitempty"`
}

func agentChangesJSON(changes []*agent.Change, o agent.Options, dry, install bool) any {
	out := []agentChangeJSON{}
	for _, ch := range changes {
		j := agentChangeJSON{Change: ch}
		if dry {
			j.Diff = ch.Diff()
		}
		out = append(out, j)
	}
	action := "install"
	if !install {
		action = "uninstall"
	}
	return map[string]any{"action": action, "scope": o.Scope, "program": o.Program, "dry_run": dry, "changes": out}
}

func printAgentChanges(w io.Writer, agents []*agent.Agent, changes []*agent.Change, install bool) {
	for _, a := range agents {
		var mine []*agent.Change
		for _, ch := range changes {
			if ch.Agent == a.Name {
				mine = append(mine, ch)
			}
		}
		if len(mine) == 0 {
			if install {
				fmt.Fprintf(w, "%s: already installed, nothing to change\n", a.Name)
			} else {
				fmt.Fprintf(w, "%s: nothing of maestro's to remove\n", a.Name)
			}
			continue
		}
		for _, ch := range mine {
			var what []string
			if !ch.Existed {
				what = append(what, "created")
			}
			if len(ch.Added) > 0 {
				what = append(what, "added "+entryWords(ch.Added))
			}
			if len(ch.Updated) > 0 {
				what = append(what, "updated "+entryWords(ch.Updated))
			}
			if len(ch.Removed) > 0 {
				what = append(what, "removed "+entryWords(ch.Removed))
			}
			if ch.Delete {
				what = append(what, "deleted the file (maestro had created it)")
			}
			fmt.Fprintf(w, "%s: %s: %s\n", a.Name, textsafe.Visible(ch.Display), strings.Join(what, "; "))
		}
	}
}

// entryWords lists entries ("hook Stop", "mcp server maestro") as "hooks
// SessionStart, Stop; mcp server maestro".
func entryWords(entries []string) string {
	var hooks, others []string
	for _, e := range entries {
		if h, ok := strings.CutPrefix(e, "hook "); ok {
			hooks = append(hooks, h)
		} else {
			others = append(others, e)
		}
	}
	if len(hooks) > 0 {
		others = append([]string{"hooks " + strings.Join(hooks, ", ")}, others...)
	}
	return strings.Join(others, "; ")
}

func (e *env) agentStatus(c *ucli.Context) error {
	if err := noArgs(c, "agent status"); err != nil {
		return err
	}
	o, err := agentOptions(agent.ScopeProject)
	if err != nil {
		return err
	}
	sts := agent.Statuses(o)
	if c.Bool("json") {
		return writeJSON(os.Stdout, map[string]any{"program": o.Program, "agents": sts})
	}
	for _, st := range sts {
		present := "not found here"
		if st.Present {
			present = "present"
		}
		var scopes []string
		for _, ss := range st.Scopes {
			scopes = append(scopes, fmt.Sprintf("%s: %s", ss.Scope, stateWords(ss.State)))
		}
		fmt.Printf("%s (%s): %s; %s\n", st.Title, st.Agent, present, strings.Join(scopes, ", "))
		if !st.Hooks {
			fmt.Println("  no hooks documented: MCP server only")
		}
		if len(st.Scopes) == 2 && st.Scopes[0].State != agent.NotInstalled && st.Scopes[1].State != agent.NotInstalled {
			fmt.Printf("  installed in both scopes: the agent may run maestro's hooks twice per event (maestro agent uninstall --agent %s --scope user)\n", st.Agent)
		}
		// Files that are not there say nothing the summary did not.
		for _, ss := range st.Scopes {
			for _, f := range ss.Files {
				if f.Exists || f.State == agent.Unreadable {
					fmt.Printf("  %s: %s\n", textsafe.Visible(f.Display), fileStatusWords(f))
				}
			}
		}
	}
	return nil
}

func stateWords(s string) string { return strings.ReplaceAll(s, "_", " ") }

func fileStatusWords(f agent.FileStatus) string {
	if f.State == agent.Unreadable {
		return "cannot be read: " + textsafe.Visible(f.Error)
	}
	if !f.Exists {
		return "no file"
	}
	var parts []string
	if len(f.Hooks) > 0 {
		parts = append(parts, "hooks "+strings.Join(f.Hooks, ", "))
	}
	if f.MCP {
		parts = append(parts, "mcp server "+agent.MCPServerName)
	}
	s := stateWords(f.State)
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, "; ")
	}
	if len(f.Programs) > 0 && f.State == agent.Outdated {
		s += " (runs " + textsafe.Visible(strings.Join(f.Programs, ", ")) + ")"
	}
	if f.Error != "" {
		s += "; " + textsafe.Visible(f.Error)
	}
	return s
}
