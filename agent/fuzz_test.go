package agent

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzInstall feeds install and uninstall any settings file: they never
// panic; what install writes parses, holds maestro's entries once (a second
// install changes nothing), and uninstall takes every one of them out.
func FuzzInstall(f *testing.F) {
	for _, p := range []string{"project/.claude/settings.json", "project/.gemini/settings.json", "project/.cursor/hooks.json", "home/.claude.json", "home/.gemini/settings.json"} {
		data, err := os.ReadFile(filepath.Join("testdata/settings", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
		f.Add(data, uint8(2))
	}
	f.Add([]byte(`{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "/x/maestro agent hook claude-code Stop"}]}]}}`), uint8(0))
	f.Add([]byte(`{"mcpServers": {"maestro": {"command": "/x/maestro", "args": ["mcp"]}}}`), uint8(3))
	f.Fuzz(fuzzOne)
}

func fuzzOne(t *testing.T, data []byte, which uint8) {
	targets := []struct {
		agent string
		path  string
	}{
		{"claude-code", ".claude/settings.json"},
		{"claude-code", ".mcp.json"},
		{"gemini", ".gemini/settings.json"},
		{"cursor", ".cursor/mcp.json"},
		{"cursor", ".cursor/hooks.json"},
		{"codex", ".codex/hooks.json"},
	}
	target := targets[int(which)%len(targets)]
	root := t.TempDir()
	p := filepath.Join(root, target.path)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	o := Options{Program: program, Scope: ScopeProject, ProjectRoot: root, Home: filepath.Join(root, "home")}
	a := Find(target.agent)
	changes, err := Plan([]*Agent{a}, o, true)
	if err != nil {
		return // refused: nothing to check but that it did not panic
	}
	if err := Apply(changes, o); err != nil {
		t.Fatal(err)
	}
	again, err := Plan([]*Agent{a}, o, true)
	if err != nil || len(again) != 0 {
		t.Fatalf("second install: %d changes, %v", len(again), err)
	}
	changes, err = Plan([]*Agent{a}, o, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(changes, o); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(p)
	if bytes.Contains(after, []byte(program+" agent hook")) && !bytes.Contains(data, []byte(program+" agent hook")) {
		t.Fatalf("uninstall left maestro's hooks:\n%s", after)
	}
	for _, st := range Statuses(o) {
		if st.Agent == a.Name && st.Scopes[0].State != NotInstalled && st.Scopes[0].State != Unreadable {
			t.Fatalf("after uninstall: %s", st.Scopes[0].State)
		}
	}
}
