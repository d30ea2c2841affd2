package agent

import (
	"slices"
)

// States of maestro's installation, in a file, a scope or an agent.
const (
	Current      = "current"       // exactly the entries this maestro writes
	Outdated     = "outdated"      // maestro's entries, of another binary or another set of events
	NotInstalled = "not_installed" // none of maestro's entries
	Unreadable   = "unreadable"    // the file cannot be read or parsed
)

// FileStatus is what one of an agent's files holds of maestro's.
type FileStatus struct {
	Scope  Scope  `json:"scope"`
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	// Hooks are the events maestro's hooks are registered for; MCP says
	// its server is.
	Hooks []string `json:"hooks"`
	MCP   bool     `json:"mcp_server"`
	// Programs are the maestro binaries those entries run.
	Programs []string `json:"programs"`
	State    string   `json:"state"`
	Error    string   `json:"error,omitempty"`
	Display  string   `json:"-"`
}

// ScopeStatus sums up one scope of an agent.
type ScopeStatus struct {
	Scope Scope        `json:"scope"`
	State string       `json:"state"`
	Files []FileStatus `json:"files"`
}

// Status is maestro's installation for one agent.
type Status struct {
	Agent   string `json:"agent"`
	Title   string `json:"title"`
	Present bool   `json:"present"`
	// Hooks says whether the agent documents hooks maestro uses; an agent
	// without gets only the MCP server.
	Hooks  bool          `json:"hooks_supported"`
	Events []string      `json:"events"`
	Scopes []ScopeStatus `json:"scopes"`
	Note   string        `json:"note,omitempty"`
}

// Statuses reads every agent's files in both scopes, changing nothing.
// o.Program is the maestro that counts as current.
func Statuses(o Options) []Status {
	var out []Status
	for _, a := range Agents {
		st := Status{Agent: a.Name, Title: a.Title, Present: o.Present(a), Hooks: a.HasHooks(), Events: a.Events(), Note: a.Note}
		for _, scope := range []Scope{ScopeProject, ScopeUser} {
			if scope == ScopeProject && o.ProjectRoot == "" || scope == ScopeUser && o.Home == "" && o.agentHome(a) == "" {
				continue
			}
			so := o
			so.Scope = scope
			ss := ScopeStatus{Scope: scope}
			for _, f := range a.FilesIn(scope) {
				ss.Files = append(ss.Files, fileStatus(a, f, so))
			}
			ss.State = sumUp(ss.Files)
			st.Scopes = append(st.Scopes, ss)
		}
		out = append(out, st)
	}
	return out
}

func fileStatus(a *Agent, f File, o Options) FileStatus {
	fs := FileStatus{Scope: f.Scope, Path: o.Path(a, f), Display: o.Display(a, f), Hooks: []string{}, Programs: []string{}}
	data, existed, err := readConfig(fs.Path)
	if err != nil {
		fs.State, fs.Error = Unreadable, err.Error()
		return fs
	}
	fs.Exists = existed
	if !existed {
		fs.State = NotInstalled
		return fs
	}
	found, err := inspect(f, data, fs.Display, o.Program)
	if err != nil {
		fs.State, fs.Error = Unreadable, err.Error()
		return fs
	}
	ours := mine(inOrder(found, a))
	for _, e := range ours {
		prog := e.Command
		if e.MCP {
			fs.MCP = true
		} else {
			if !slices.Contains(fs.Hooks, e.Event) {
				fs.Hooks = append(fs.Hooks, e.Event)
			}
			prog, _, _ = firstWord(e.Command)
		}
		if !slices.Contains(fs.Programs, prog) {
			fs.Programs = append(fs.Programs, prog)
		}
	}
	switch {
	case len(ours) == 0:
		fs.State = NotInstalled
	case sameEntries(ours, expected(a, f, o.Program)):
		fs.State = Current
	default:
		fs.State = Outdated
	}
	if len(found) > len(ours) && fs.Error == "" {
		fs.Error = (&ConflictError{File: fs.Display, Command: found[len(found)-1].Command}).Error()
	}
	return fs
}

// sumUp is a scope's state from its files': current only when every file
// is, not installed when none holds anything of maestro's.
func sumUp(files []FileStatus) string {
	current, none := true, true
	for _, f := range files {
		switch f.State {
		case Unreadable:
			return Unreadable
		case Current:
			none = false
		case Outdated:
			none, current = false, false
		default:
			current = false
		}
	}
	switch {
	case none:
		return NotInstalled
	case current:
		return Current
	}
	return Outdated
}
