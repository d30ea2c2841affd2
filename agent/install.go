package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/maestro-recovery/maestro/internal/cfgedit"
	"github.com/maestro-recovery/maestro/internal/state"
	toml "github.com/pelletier/go-toml/v2"
)

// maxConfig bounds a settings file maestro reads. ~/.claude.json holds
// Claude Code's whole history of projects and grows to megabytes; nothing
// an agent reads as its settings is near this.
const maxConfig = 64 << 20

// Options say where maestro installs and what it registers.
type Options struct {
	// Program is the absolute path of the maestro the agents run.
	Program string
	Scope   Scope
	// ProjectRoot is the project's folder (project scope), Home the
	// user's (user scope, and to tell whether an agent is used here).
	ProjectRoot string
	Home        string
	Getenv      func(string) string
	// StateDir, when set, is where maestro remembers the files it
	// created, so that uninstall removes those and no others.
	StateDir string
}

func (o Options) getenv(k string) string {
	if o.Getenv == nil {
		return os.Getenv(k)
	}
	return o.Getenv(k)
}

// Path is where f lives.
func (o Options) Path(a *Agent, f File) string {
	if f.Scope == ScopeProject {
		return filepath.Join(o.ProjectRoot, filepath.FromSlash(f.Path))
	}
	if dir := o.agentHome(a); dir != "" {
		return filepath.Join(dir, strings.TrimPrefix(f.Path, a.ProjectDir+"/"))
	}
	return filepath.Join(o.Home, filepath.FromSlash(f.Path))
}

// agentHome is the agent's user folder when a variable moves it.
func (o Options) agentHome(a *Agent) string {
	if a.HomeEnv == "" {
		return ""
	}
	if v := o.getenv(a.HomeEnv); v != "" && filepath.IsAbs(v) {
		return v
	}
	return ""
}

// Display is how maestro names f to the user: relative to the project, or
// from ~.
func (o Options) Display(a *Agent, f File) string {
	p := o.Path(a, f)
	if f.Scope == ScopeProject {
		if rel, err := filepath.Rel(o.ProjectRoot, p); err == nil {
			return filepath.ToSlash(rel)
		}
		return p
	}
	if o.Home != "" {
		if rel, err := filepath.Rel(o.Home, p); err == nil && !strings.HasPrefix(rel, "..") {
			return "~/" + filepath.ToSlash(rel)
		}
	}
	return p
}

// Present says whether the agent is used here: its folder in the project,
// or its configuration in the home folder.
func (o Options) Present(a *Agent) bool {
	if o.ProjectRoot != "" && exists(filepath.Join(o.ProjectRoot, a.ProjectDir)) {
		return true
	}
	if dir := o.agentHome(a); dir != "" && exists(dir) {
		return true
	}
	if o.Home == "" {
		return false
	}
	for _, p := range a.UserConfig {
		if exists(filepath.Join(o.Home, p)) {
			return true
		}
	}
	return false
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Change is what install or uninstall does to one file.
type Change struct {
	Agent   string `json:"agent"`
	Path    string `json:"path"`
	Display string `json:"-"`
	// Existed says the file was there; Delete that uninstall removes it
	// (maestro made it and nothing else is left in it).
	Existed bool `json:"existed"`
	Delete  bool `json:"delete,omitempty"`
	// Added and Removed are maestro's entries, as "hook PreToolUse (Bash)"
	// and "mcp server maestro".
	// Updated are entries of maestro's that ran another maestro binary.
	Added   []string `json:"added,omitempty"`
	Updated []string `json:"updated,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Old     []byte   `json:"-"`
	New     []byte   `json:"-"`
}

// Changed says whether the change writes anything.
func (c *Change) Changed() bool {
	return c.Delete || !c.Existed || !bytes.Equal(c.Old, c.New)
}

// Diff is the change as a unified diff.
func (c *Change) Diff() string {
	if c.Delete {
		return cfgedit.Diff(c.Display, c.Old, nil)
	}
	old := c.Old
	if !c.Existed {
		old = nil
	}
	return cfgedit.Diff(c.Display, old, c.New)
}

// Plan works out what installing (or uninstalling) maestro for agents in
// o.Scope does to each of their files, reading them all and changing
// none. A file that cannot be read or parsed fails the whole plan, with
// every such file named, so that nothing is written on a half-understood
// configuration. Files with nothing to do are left out.
func Plan(agents []*Agent, o Options, install bool) ([]*Change, error) {
	if install && !filepath.IsAbs(o.Program) {
		return nil, fmt.Errorf("the hooks need maestro's absolute path, not %q", o.Program)
	}
	created := loadCreated(o.StateDir)
	var changes []*Change
	var errs []error
	for _, a := range agents {
		for _, f := range a.FilesIn(o.Scope) {
			c, err := planFile(a, f, o, install, created)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if c != nil && c.Changed() {
				changes = append(changes, c)
			}
		}
	}
	if len(errs) > 0 {
		return nil, &PlanError{Errs: errs}
	}
	return changes, nil
}

// PlanError is every file a plan could not work with.
type PlanError struct{ Errs []error }

func (e *PlanError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

func (e *PlanError) Unwrap() []error { return e.Errs }

// Hints says what to do: each error's own hints, then that nothing was
// written.
func (e *PlanError) Hints() []string {
	var hints []string
	unhinted := false
	for _, err := range e.Errs {
		var h interface{ Hints() []string }
		if errors.As(err, &h) {
			hints = append(hints, h.Hints()...)
		} else {
			unhinted = true
		}
	}
	if unhinted {
		return append(hints, "nothing was written: fix the file (or move it away) and run the command again")
	}
	return append(hints, "nothing was written")
}

func planFile(a *Agent, f File, o Options, install bool, created *createdFiles) (*Change, error) {
	path := o.Path(a, f)
	c := &Change{Agent: a.Name, Path: path, Display: o.Display(a, f)}
	data, existed, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	c.Existed, c.Old = existed, data
	if !existed {
		if !install {
			return nil, nil
		}
		data = []byte(f.Empty)
	}
	found, err := inspect(f, data, c.Display, o.Program)
	if err != nil {
		return nil, err
	}
	found = inOrder(found, a)
	want := expected(a, f, o.Program)
	if install {
		if err := conflicts(found, c.Display); err != nil {
			return nil, err
		}
		if sameEntries(mine(found), want) && existed {
			c.New = data
			return c, nil
		}
	}
	out, err := removeEntries(f, data, mine(found), c.Display, o.Program)
	if err != nil {
		return nil, err
	}
	for _, e := range mine(found) {
		c.Removed = append(c.Removed, e.String())
	}
	if install {
		if out, err = addEntries(f, out, want, c.Display); err != nil {
			return nil, err
		}
		c.Removed = nil
		for _, e := range want {
			if !slices.ContainsFunc(mine(found), e.equal) {
				c.Added = append(c.Added, e.String())
			}
		}
		for _, e := range mine(found) {
			if !slices.ContainsFunc(want, e.equal) {
				c.Removed = append(c.Removed, e.String())
			}
		}
		// An entry replaced by one of the same event (another maestro
		// binary) is updated, not added and removed.
		for _, label := range slices.Clone(c.Added) {
			if i := slices.Index(c.Removed, label); i >= 0 {
				c.Removed = slices.Delete(c.Removed, i, i+1)
				c.Added = slices.DeleteFunc(c.Added, func(l string) bool { return l == label })
				c.Updated = append(c.Updated, label)
			}
		}
	}
	c.New = out
	if !install && existed && string(out) == f.Empty && created.has(path) {
		c.Delete = true
	}
	return c, nil
}

// readConfig reads the file at path, following a link to where it lives
// (a settings file kept with the user's dotfiles). A missing file is no
// error; anything but a regular file is.
func readConfig(path string) (data []byte, existed bool, err error) {
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, lerr := os.Lstat(path); lerr == nil {
			return nil, false, fmt.Errorf("%s: a link to a file that does not exist", path)
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	data, err = state.ReadFileLimit(real, maxConfig)
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

// Apply makes the changes: each file written atomically (a temporary file
// in its folder renamed over it, keeping its mode), through links to where
// the file lives. Files maestro creates are remembered, and removed by
// uninstall when nothing else is in them.
func Apply(changes []*Change, o Options) error {
	created := loadCreated(o.StateDir)
	defer created.save()
	for _, c := range changes {
		if c.Delete {
			if err := os.Remove(c.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", c.Display, err)
			}
			created.forget(c.Path)
			created.removeDirs(filepath.Dir(c.Path))
			continue
		}
		if !c.Changed() {
			continue
		}
		path := c.Path
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		if !c.Existed {
			created.mkdirs(filepath.Dir(path))
		}
		if err := state.WriteAtomic(path, c.New); err != nil {
			return fmt.Errorf("write %s: %w", c.Display, err)
		}
		if !c.Existed {
			created.add(c.Path)
		}
	}
	return nil
}

// entry is one of the entries maestro writes: a hook (Event, Matcher,
// Command) or its MCP server (MCP, Command).
type entry struct {
	MCP     bool
	Event   string
	Matcher string
	Command string
	Type    string // the MCP server's "type", when the format has one
	Args    []string
	// Theirs marks an MCP server called maestro that is not maestro's.
	Theirs bool
}

func (e entry) String() string {
	if e.MCP {
		return "mcp server " + MCPServerName
	}
	if e.Matcher != "" {
		return "hook " + e.Event + " (" + e.Matcher + ")"
	}
	return "hook " + e.Event
}

func (e entry) equal(o entry) bool {
	return e.MCP == o.MCP && e.Event == o.Event && e.Matcher == o.Matcher && e.Command == o.Command &&
		e.Type == o.Type && slices.Equal(e.Args, o.Args) && e.Theirs == o.Theirs
}

// inOrder sorts hooks as the agent's events go (those of other events
// last), the MCP server after them.
func inOrder(es []entry, a *Agent) []entry {
	events := a.Events()
	rank := func(e entry) int {
		if e.MCP {
			return len(events) + 1
		}
		if i := slices.Index(events, e.Event); i >= 0 {
			return i
		}
		return len(events)
	}
	slices.SortStableFunc(es, func(x, y entry) int { return rank(x) - rank(y) })
	return es
}

func mine(es []entry) []entry {
	var out []entry
	for _, e := range es {
		if !e.Theirs {
			out = append(out, e)
		}
	}
	return out
}

func sameEntries(a, b []entry) bool {
	if len(a) != len(b) {
		return false
	}
	for _, e := range a {
		if !slices.ContainsFunc(b, e.equal) {
			return false
		}
	}
	return true
}

// expected are the entries maestro wants in f.
func expected(a *Agent, f File, program string) []entry {
	var es []entry
	for _, h := range f.Hooks {
		es = append(es, entry{Event: h.Event, Matcher: h.Matcher, Command: HookCommand(program, a.Name, h.Event)})
	}
	if f.MCP {
		es = append(es, entry{MCP: true, Command: program, Type: f.MCPType, Args: []string{"mcp"}})
	}
	return es
}

func conflicts(found []entry, display string) error {
	for _, e := range found {
		if e.Theirs {
			return &ConflictError{File: display, Command: e.Command}
		}
	}
	return nil
}

// ConflictError is an MCP server called maestro that maestro did not write.
type ConflictError struct{ File, Command string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: an MCP server is already called %q, and it runs %q, not maestro", e.File, MCPServerName, e.Command)
}

// Hints says what to do.
func (e *ConflictError) Hints() []string {
	return []string{"rename or remove that server in " + e.File + ", then run the command again"}
}

// IsHookCommand says whether command is one of maestro's hooks: it runs a
// program called maestro with "agent hook".
func IsHookCommand(command string) bool { return isHookCommand(command, "") }

// isHookCommand is IsHookCommand also taking program, the maestro being
// run, under whatever name it has.
func isHookCommand(command, program string) bool {
	prog, rest, ok := firstWord(command)
	return ok && (isMaestro(prog) || prog == program) && strings.HasPrefix(rest, " agent hook ")
}

// isMaestro says whether program is a maestro binary by its name.
func isMaestro(program string) bool {
	base := filepath.Base(program)
	return base == "maestro" || base == "maestro.exe"
}

// firstWord splits a shell command line into its first word (unquoted) and
// the rest, for the quoting HookCommand does.
func firstWord(s string) (word, rest string, ok bool) {
	if strings.HasPrefix(s, "'") {
		var b strings.Builder
		i := 0
		for i < len(s) && s[i] == '\'' {
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", "", false
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 2
			if strings.HasPrefix(s[i:], `\'`) {
				b.WriteByte('\'')
				i += 2
			}
		}
		return b.String(), s[i:], true
	}
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i], s[i:], true
	}
	return s, "", s != ""
}

// inspect finds maestro's entries in data (and an MCP server called
// maestro that is someone else's).
func inspect(f File, data []byte, display, program string) ([]entry, error) {
	if f.Format == TOML {
		return inspectTOML(data, display, program)
	}
	doc, err := parseJSON(f, data, display)
	if err != nil {
		return nil, err
	}
	var found []entry
	if len(f.Hooks) > 0 {
		hs, err := hookEntries(doc, f.HookStyle, display, program)
		if err != nil {
			return nil, err
		}
		found = append(found, hs...)
	}
	if f.MCP {
		if raw, ok := doc.Get("mcpServers", MCPServerName); ok {
			var s struct {
				Type    string   `json:"type"`
				Command string   `json:"command"`
				Args    []string `json:"args"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, fmt.Errorf("%s: mcpServers.%s: %v", display, MCPServerName, err)
			}
			found = append(found, mcpEntry(s.Command, s.Type, s.Args, program))
		}
	}
	return found, nil
}

// mcpEntry is the server called maestro: maestro's own when it runs a
// maestro binary's mcp command (whatever its path and "type": those make
// it outdated, not someone else's).
func mcpEntry(command, typ string, args []string, program string) entry {
	e := entry{MCP: true, Command: command, Type: typ, Args: args}
	e.Theirs = !isMaestro(command) && command != program || !slices.Equal(args, []string{"mcp"})
	return e
}

func parseJSON(f File, data []byte, display string) (*cfgedit.JSONDoc, error) {
	parse := cfgedit.ParseJSON
	if f.Comments {
		parse = cfgedit.ParseJSONC
	}
	doc, err := parse(data)
	var se *cfgedit.SyntaxError
	if errors.As(err, &se) {
		se.File = display
		return nil, se
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	return doc, nil
}

// hookEntries are maestro's hooks in the file's "hooks" object.
func hookEntries(doc *cfgedit.JSONDoc, style HookStyle, display, program string) ([]entry, error) {
	raw, ok := doc.Get("hooks")
	if !ok {
		return nil, nil
	}
	var events map[string]json.RawMessage
	if err := json.Unmarshal(raw, &events); err != nil {
		return nil, fmt.Errorf("%s: \"hooks\" is not an object", display)
	}
	names := make([]string, 0, len(events))
	for name := range events {
		names = append(names, name)
	}
	sort.Strings(names)
	var found []entry
	for _, event := range names {
		var elems []json.RawMessage
		if json.Unmarshal(events[event], &elems) != nil {
			// Not a list: the agent's own setting (Gemini's "hooks.disabled"
			// is a list of names; others may be objects). Not maestro's.
			continue
		}
		for _, el := range elems {
			for _, h := range hooksOf(el, style, program) {
				h.Event = event
				found = append(found, h)
			}
		}
	}
	return found, nil
}

// hooksOf reads one element of a hooks list: maestro's entries in it, if
// it is wholly maestro's (maestro adds whole elements, and takes out only
// those).
func hooksOf(raw []byte, style HookStyle, program string) []entry {
	if style == Flat {
		var h struct {
			Command string `json:"command"`
		}
		if json.Unmarshal(raw, &h) != nil || !isHookCommand(h.Command, program) {
			return nil
		}
		return []entry{{Command: h.Command}}
	}
	var g struct {
		Matcher string `json:"matcher"`
		Hooks   []struct {
			Command string `json:"command"`
		} `json:"hooks"`
	}
	if json.Unmarshal(raw, &g) != nil || len(g.Hooks) == 0 {
		return nil
	}
	var es []entry
	for _, h := range g.Hooks {
		if !isHookCommand(h.Command, program) {
			return nil
		}
		es = append(es, entry{Matcher: g.Matcher, Command: h.Command})
	}
	return es
}

func isMaestroElement(style HookStyle, program string) func([]byte) bool {
	return func(raw []byte) bool { return len(hooksOf(raw, style, program)) > 0 }
}

// removeEntries takes maestro's entries out of data; containers they leave
// empty go too, as they came with them.
func removeEntries(f File, data []byte, es []entry, display, program string) ([]byte, error) {
	if len(es) == 0 {
		return data, nil
	}
	if f.Format == TOML {
		out, err := cfgedit.TOMLRemoveTable(data, "mcp_servers."+MCPServerName)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", display, err)
		}
		return out, nil
	}
	events := map[string]bool{}
	hasMCP := false
	for _, e := range es {
		if e.MCP {
			hasMCP = true
		} else {
			events[e.Event] = true
		}
	}
	names := make([]string, 0, len(events))
	for ev := range events {
		names = append(names, ev)
	}
	sort.Strings(names)
	// A container goes when maestro's removal empties it: an insertion
	// created it. (One the user had left empty before maestro's entry went
	// in goes too; the agents read a missing one the same.)
	emptied := false
	for _, ev := range names {
		doc, err := parseJSON(f, data, display)
		if err != nil {
			return nil, err
		}
		n, err := doc.RemoveElements([]string{"hooks", ev}, isMaestroElement(f.HookStyle, program))
		if err == nil && n > 0 {
			var gone bool
			gone, err = doc.RemoveIfEmpty([]string{"hooks", ev})
			emptied = emptied || gone
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", display, err)
		}
		data = doc.Bytes()
	}
	if emptied {
		doc, err := parseJSON(f, data, display)
		if err != nil {
			return nil, err
		}
		if _, err := doc.RemoveIfEmpty([]string{"hooks"}); err != nil {
			return nil, fmt.Errorf("%s: %w", display, err)
		}
		data = doc.Bytes()
	}
	if hasMCP {
		doc, err := parseJSON(f, data, display)
		if err != nil {
			return nil, err
		}
		err = doc.Remove([]string{"mcpServers", MCPServerName})
		if err == nil {
			_, err = doc.RemoveIfEmpty([]string{"mcpServers"})
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", display, err)
		}
		data = doc.Bytes()
	}
	return data, nil
}

// addEntries puts es into data.
func addEntries(f File, data []byte, es []entry, display string) ([]byte, error) {
	if f.Format == TOML {
		for _, e := range es {
			if e.MCP {
				body := "command = " + tomlString(e.Command) + "\nargs = [\"mcp\"]\n"
				out, err := cfgedit.TOMLAppendTable(data, "mcp_servers."+MCPServerName, []byte(body))
				if err != nil {
					return nil, fmt.Errorf("%s: %w", display, err)
				}
				return out, nil
			}
		}
		return data, nil
	}
	for _, e := range es {
		doc, err := parseJSON(f, data, display)
		if err != nil {
			return nil, err
		}
		if e.MCP {
			err = doc.Set([]string{"mcpServers", MCPServerName}, mcpJSON(e))
		} else {
			err = doc.Append([]string{"hooks", e.Event}, hookJSON(f.HookStyle, e))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", display, err)
		}
		data = doc.Bytes()
	}
	return data, nil
}

type commandHook struct {
	Name    string `json:"name,omitempty"`
	Type    string `json:"type"`
	Command string `json:"command"`
}

func hookJSON(style HookStyle, e entry) []byte {
	if style == Flat {
		return marshal(struct {
			Command string `json:"command"`
		}{e.Command})
	}
	h := commandHook{Type: "command", Command: e.Command}
	if style == GroupedNamed {
		h.Name = "maestro-" + e.Event
	}
	return marshal(struct {
		Matcher string        `json:"matcher,omitempty"`
		Hooks   []commandHook `json:"hooks"`
	}{e.Matcher, []commandHook{h}})
}

func mcpJSON(e entry) []byte {
	return marshal(struct {
		Type    string   `json:"type,omitempty"`
		Command string   `json:"command"`
		Args    []string `json:"args"`
	}{e.Type, e.Command, e.Args})
}

func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // plain structs of strings
	}
	return bytes.TrimSpace(b.Bytes())
}

// tomlString is s as a TOML basic string: JSON's escapes are TOML's.
func tomlString(s string) string { return string(marshal(s)) }

// inspectTOML finds the [mcp_servers.maestro] table of a Codex config.
func inspectTOML(data []byte, display, program string) ([]entry, error) {
	var cfg struct {
		MCPServers map[string]struct {
			Command string   `toml:"command"`
			Args    []string `toml:"args"`
		} `toml:"mcp_servers"`
	}
	if err := toml.Unmarshal(data, &cfg); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			return nil, &cfgedit.SyntaxError{File: display, Line: line, Col: col, Msg: strings.TrimPrefix(de.Error(), "toml: ")}
		}
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	s, ok := cfg.MCPServers[MCPServerName]
	if !ok {
		return nil, nil
	}
	e := mcpEntry(s.Command, "", s.Args, program)
	return []entry{e}, nil
}
