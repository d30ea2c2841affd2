package agent

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/cfgedit"
)

const program = "/opt/maestro/bin/maestro"

// world is a project and a home folder holding copies of the fixtures.
type world struct {
	project, home, state string
	before               map[string][]byte
}

func newWorld(t *testing.T) *world {
	t.Helper()
	root := t.TempDir()
	w := &world{project: filepath.Join(root, "project"), home: filepath.Join(root, "home"), state: filepath.Join(root, "state", "maestro"), before: map[string][]byte{}}
	if err := os.CopyFS(root, os.DirFS("testdata/settings")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(root, "README.md"))
	w.before = w.snapshot(t)
	return w
}

// snapshot is every file under the world, by path.
func (w *world) snapshot(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, dir := range []string{w.project, w.home} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			files[p] = data
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func (w *world) options(scope Scope, prog string) Options {
	return Options{Program: prog, Scope: scope, ProjectRoot: w.project, Home: w.home, StateDir: w.state,
		Getenv: func(string) string { return "" }}
}

func run(t *testing.T, o Options, install bool, agents ...*Agent) []*Change {
	t.Helper()
	if len(agents) == 0 {
		agents = Agents
	}
	changes, err := Plan(agents, o, install)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if err := Apply(changes, o); err != nil {
		t.Fatalf("apply: %v", err)
	}
	return changes
}

func sameFiles(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	for p, w := range want {
		g, ok := got[p]
		if !ok {
			t.Errorf("%s is gone", p)
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s changed:\n%s", p, cfgedit.Diff(p, w, g))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s was left behind:\n%s", p, got[p])
		}
	}
}

// Install then uninstall gives every user's file back byte for byte, in
// both scopes, and a second install changes nothing.
func TestInstallUninstallRoundTrip(t *testing.T) {
	for _, scope := range []Scope{ScopeProject, ScopeUser} {
		t.Run(string(scope), func(t *testing.T) {
			w := newWorld(t)
			o := w.options(scope, program)
			changes := run(t, o, true)
			if len(changes) == 0 {
				t.Fatal("install changed nothing")
			}
			for _, st := range Statuses(o) {
				for _, ss := range st.Scopes {
					if ss.Scope == scope && ss.State != Current {
						t.Errorf("%s %s: %s, want current: %+v", st.Agent, scope, ss.State, ss.Files)
					}
				}
			}
			again, err := Plan(Agents, o, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range again {
				t.Errorf("second install changes %s:\n%s", c.Display, c.Diff())
			}
			run(t, o, false)
			sameFiles(t, w.snapshot(t), w.before)
			for _, d := range []string{".cursor", ".codex"} {
				if _, err := os.Stat(filepath.Join(w.home, d)); err != nil {
					t.Errorf("~/%s: %v", d, err)
				}
			}
		})
	}
}

// What install adds is what each agent documents, in the file's own style,
// and every entry of the user's is still there.
func TestInstallKeepsUserEntries(t *testing.T) {
	w := newWorld(t)
	o := w.options(ScopeProject, program)
	run(t, o, true)
	read := func(rel string) string {
		data, err := os.ReadFile(filepath.Join(w.project, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	for rel, wants := range map[string][]string{
		".claude/settings.json": {`"Bash(npm run test:*)"`, `npx prettier --write`, `notify-send`,
			`"command": "/opt/maestro/bin/maestro agent hook claude-code PreToolUse"`, `"matcher": "Bash"`},
		".mcp.json": {`"github"`, `"db"`, `"command": "/opt/maestro/bin/maestro"`, "\"args\": [\n        \"mcp\"\n      ]"},
		".gemini/settings.json": {"// the one the team pays for", "/* Our own hook", `"lint-on-write"`, `"docs"`,
			`"name": "maestro-BeforeTool"`, `"matcher": "run_shell_command"`, `agent hook gemini AfterAgent`},
		".cursor/hooks.json": {`"version": 1`, `./hooks/format.sh`, `./hooks/audit.sh`, `agent hook cursor beforeShellExecution`},
		".cursor/mcp.json":   {`"playwright"`, `"maestro"`},
		".codex/hooks.json":  {`session_start.py`, `agent hook codex PostToolUse`},
		".codex/config.toml": {"# Project settings", "[mcp_servers.docs]", "[mcp_servers.maestro]\ncommand = \"/opt/maestro/bin/maestro\"\nargs = [\"mcp\"]"},
	} {
		got := read(rel)
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s lacks %s:\n%s", rel, want, got)
			}
		}
	}
	// Claude Code's settings indent with two spaces; ~/.claude/settings.json
	// with tabs: maestro's entries follow each.
	if got := read(".claude/settings.json"); !regexp.MustCompile(`\n    "SessionStart": \[`).MatchString(got) {
		t.Errorf("not indented as the file is:\n%s", got)
	}
}

func TestInstallFollowsTabs(t *testing.T) {
	w := newWorld(t)
	run(t, w.options(ScopeUser, program), true, Find("claude-code"))
	data, _ := os.ReadFile(filepath.Join(w.home, ".claude/settings.json"))
	if !strings.Contains(string(data), "\n\t\t\"SessionStart\": [") {
		t.Errorf("not indented with tabs:\n%s", data)
	}
}

// A file that does not parse is refused with its line and column, and then
// no file is written, not even the good ones.
func TestMalformedRefused(t *testing.T) {
	w := newWorld(t)
	bad := filepath.Join(w.project, ".claude/settings.json")
	os.WriteFile(bad, []byte("{\n  \"hooks\": {\n    \"Stop\": [\n  }\n}\n"), 0o644)
	badTOML := filepath.Join(w.project, ".codex/config.toml")
	os.WriteFile(badTOML, []byte("model = \"x\"\n[mcp_servers.docs\ncommand = 1\n"), 0o644)
	before := w.snapshot(t)
	changes, err := Plan(Agents, w.options(ScopeProject, program), true)
	if err == nil {
		t.Fatalf("planned %d changes on a broken file", len(changes))
	}
	var se *cfgedit.SyntaxError
	if !errors.As(err, &se) || se.File != ".claude/settings.json" || se.Line != 4 {
		t.Errorf("error %v (%#v), want .claude/settings.json:4:...", err, se)
	}
	if !regexp.MustCompile(`(?m)^\.claude/settings\.json:4:3: `).MatchString(err.Error()) {
		t.Errorf("error %q names no line and column", err)
	}
	if !regexp.MustCompile(`(?m)^\.codex/config\.toml:2:\d+: `).MatchString(err.Error()) {
		t.Errorf("error %q does not name the TOML file's line", err)
	}
	sameFiles(t, w.snapshot(t), before)
}

// Writes keep the file's mode, and go through a link to where the file
// lives (settings kept with the user's dotfiles).
func TestModeAndLinksKept(t *testing.T) {
	w := newWorld(t)
	claude := filepath.Join(w.home, ".claude.json")
	if err := os.Chmod(claude, 0o600); err != nil {
		t.Fatal(err)
	}
	dotfiles := filepath.Join(t.TempDir(), "settings.json")
	link := filepath.Join(w.home, ".claude/settings.json")
	data, _ := os.ReadFile(link)
	os.WriteFile(dotfiles, data, 0o640)
	os.Remove(link)
	if err := os.Symlink(dotfiles, link); err != nil {
		t.Fatal(err)
	}
	o := w.options(ScopeUser, program)
	run(t, o, true, Find("claude-code"))
	if info, _ := os.Stat(claude); info.Mode().Perm() != 0o600 {
		t.Errorf("~/.claude.json mode %v, want 0600", info.Mode().Perm())
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", info, err)
	}
	if got, _ := os.ReadFile(dotfiles); !bytes.Contains(got, []byte("agent hook claude-code Stop")) {
		t.Errorf("the linked file was not written:\n%s", got)
	}
	if info, _ := os.Stat(dotfiles); info.Mode().Perm() != 0o640 {
		t.Errorf("linked file mode %v, want 0640", info.Mode().Perm())
	}
	run(t, o, false, Find("claude-code"))
	if got, _ := os.ReadFile(dotfiles); !bytes.Equal(got, data) {
		t.Errorf("uninstall did not give the linked file back:\n%s", got)
	}
}

// In a project with no settings yet, install creates the files (and
// folders) and uninstall removes exactly those: a file the user had, even
// an empty object, stays.
func TestCreatedFilesRemoved(t *testing.T) {
	root := t.TempDir()
	project, home := filepath.Join(root, "p"), filepath.Join(root, "h")
	os.MkdirAll(filepath.Join(project, ".claude"), 0o755)
	os.WriteFile(filepath.Join(project, ".mcp.json"), []byte("{}\n"), 0o644)
	os.MkdirAll(home, 0o755)
	o := Options{Program: program, Scope: ScopeProject, ProjectRoot: project, Home: home, StateDir: filepath.Join(root, "state")}
	changes := run(t, o, true)
	var created []string
	for _, c := range changes {
		if !c.Existed {
			created = append(created, c.Display)
		}
	}
	want := []string{".claude/settings.json", ".codex/hooks.json", ".codex/config.toml", ".gemini/settings.json", ".cursor/hooks.json", ".cursor/mcp.json"}
	slices.Sort(created)
	slices.Sort(want)
	if !slices.Equal(created, want) {
		t.Errorf("created %v, want %v", created, want)
	}
	data, _ := os.ReadFile(filepath.Join(project, ".cursor/hooks.json"))
	if !bytes.HasPrefix(data, []byte("{\n  \"version\": 1,\n")) {
		t.Errorf("a new Cursor hooks.json starts without its version:\n%s", data)
	}
	run(t, o, false)
	var left []string
	filepath.WalkDir(project, func(p string, d fs.DirEntry, err error) error {
		if p != project {
			left = append(left, strings.TrimPrefix(p, project+"/"))
		}
		return err
	})
	if !slices.Equal(left, []string{".claude", ".mcp.json"}) {
		t.Errorf("left %v, want the user's .claude folder and .mcp.json", left)
	}
	if got, _ := os.ReadFile(filepath.Join(project, ".mcp.json")); string(got) != "{}\n" {
		t.Errorf(".mcp.json is %q", got)
	}
}

// Another maestro binary (an older install, a moved one) is outdated;
// installing again points every entry at this one, and status says so.
func TestOutdatedUpdated(t *testing.T) {
	w := newWorld(t)
	old := w.options(ScopeProject, "/usr/local/bin/maestro")
	run(t, old, true)
	o := w.options(ScopeProject, "/home/dev/my tools/maestro")
	for _, st := range Statuses(o) {
		if st.Scopes[0].State != Outdated {
			t.Errorf("%s: %s, want outdated", st.Agent, st.Scopes[0].State)
		}
	}
	changes := run(t, o, true)
	if len(changes) != 7 {
		t.Errorf("%d files changed, want 7", len(changes))
	}
	data, _ := os.ReadFile(filepath.Join(w.project, ".claude/settings.json"))
	if bytes.Contains(data, []byte("/usr/local/bin/maestro")) || !bytes.Contains(data, []byte(`"'/home/dev/my tools/maestro' agent hook claude-code Stop"`)) {
		t.Errorf("not updated:\n%s", data)
	}
	for _, st := range Statuses(o) {
		if st.Scopes[0].State != Current {
			t.Errorf("%s: %s, want current", st.Agent, st.Scopes[0].State)
		}
	}
	run(t, o, false)
	sameFiles(t, w.snapshot(t), w.before)
}

// An MCP server of the user's that happens to be called maestro is left
// alone: install refuses rather than replace it.
func TestForeignServerRefused(t *testing.T) {
	w := newWorld(t)
	p := filepath.Join(w.project, ".cursor/mcp.json")
	os.WriteFile(p, []byte(`{"mcpServers": {"maestro": {"command": "npx", "args": ["maestro-mcp"]}}}`), 0o644)
	_, err := Plan([]*Agent{Find("cursor")}, w.options(ScopeProject, program), true)
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a conflict", err)
	}
	changes, err := Plan([]*Agent{Find("cursor")}, w.options(ScopeProject, program), false)
	if err != nil || len(changes) != 0 {
		t.Errorf("uninstall would change %v (%v)", changes, err)
	}
}

// --dry-run's diff shows what install adds, and Plan writes nothing.
func TestPlanDiff(t *testing.T) {
	w := newWorld(t)
	changes, err := Plan([]*Agent{Find("codex")}, w.options(ScopeProject, program), true)
	if err != nil {
		t.Fatal(err)
	}
	var diff strings.Builder
	for _, c := range changes {
		diff.WriteString(c.Diff())
	}
	for _, want := range []string{"--- a/.codex/config.toml", "+[mcp_servers.maestro]", "+args = [\"mcp\"]", "+++ b/.codex/hooks.json", `+            "command": "/opt/maestro/bin/maestro agent hook codex Stop"`} {
		if !strings.Contains(diff.String(), want) {
			t.Errorf("diff lacks %q:\n%s", want, diff.String())
		}
	}
	sameFiles(t, w.snapshot(t), w.before)
}

func TestIsHookCommand(t *testing.T) {
	for cmd, want := range map[string]bool{
		"/usr/bin/maestro agent hook claude-code Stop":            true,
		"'/home/me/my tools/maestro' agent hook gemini AfterTool": true,
		HookCommand("/tmp/it's/maestro", "cursor", "stop"):        true,
		"maestro agent hook codex Stop":                           true,
		"/usr/bin/maestro-wrapper agent hook codex Stop":          false,
		"/usr/bin/maestro agent hooks x":                          false,
		"echo /usr/bin/maestro agent hook x":                      false,
		"npx prettier --write":                                    false,
		"'unterminated":                                           false,
		"":                                                        false,
	} {
		if got := IsHookCommand(cmd); got != want {
			t.Errorf("IsHookCommand(%q) = %v, want %v", cmd, got, want)
		}
	}
}

// The fixtures' README cites the page of every format agents.go writes.
func TestFixturesCiteDocs(t *testing.T) {
	readme, err := os.ReadFile("testdata/settings/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range Agents {
		for _, f := range a.Files {
			if !bytes.Contains(readme, []byte(f.Doc)) {
				t.Errorf("%s %s: README does not cite %s", a.Name, f.Path, f.Doc)
			}
		}
	}
}

// Every event install registers is one the hook acts on: one it ignored
// would cost the agent a process start for nothing.
func TestRegisteredEventsHandled(t *testing.T) {
	for _, a := range Agents {
		for _, ev := range a.Events() {
			if !Known(a.Name, ev) || kinds.Get()[a.Name][ev] == "" {
				t.Errorf("%s registers %s, which agent hook does not handle", a.Name, ev)
			}
		}
	}
}

// A maestro binary under another name (a versioned file, a test binary)
// still finds its own entries: a second install adds none, and uninstall
// takes them out.
func TestProgramOfAnotherName(t *testing.T) {
	w := newWorld(t)
	o := w.options(ScopeProject, "/opt/tools/maestro-1.4")
	run(t, o, true)
	if again, err := Plan(Agents, o, true); err != nil || len(again) != 0 {
		t.Errorf("second install: %d changes, %v", len(again), err)
	}
	run(t, o, false)
	sameFiles(t, w.snapshot(t), w.before)
}

// Pointing the entries at another maestro says "updated", not "added" and
// "removed"; an event no longer registered is removed.
func TestUpdateWords(t *testing.T) {
	w := newWorld(t)
	run(t, w.options(ScopeProject, "/old/maestro"), true, Find("claude-code"))
	p := filepath.Join(w.project, ".claude/settings.json")
	data, _ := os.ReadFile(p)
	doc, err := cfgedit.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Append([]string{"hooks", "SessionEnd"}, []byte(`{"hooks": [{"type": "command", "command": "/old/maestro agent hook claude-code SessionEnd"}]}`)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, doc.Bytes(), 0o644)
	changes := run(t, w.options(ScopeProject, program), true, Find("claude-code"))
	c := changes[0]
	if len(c.Added) != 0 || len(c.Updated) != 6 || !slices.Equal(c.Removed, []string{"hook SessionEnd"}) {
		t.Errorf("added %v, updated %v, removed %v", c.Added, c.Updated, c.Removed)
	}
}
