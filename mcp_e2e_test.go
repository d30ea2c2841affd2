package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/internal/gittest"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPServer is a coding agent's session with maestro mcp: the SDK's own
// client starts the real binary as a subprocess in a repository, as an
// agent does, and talks to it over stdio.
func TestMCPServer(t *testing.T) {
	t.Parallel()
	repo := gittest.Init(t)
	path, err := exec.LookPath("maestro")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "mcp")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := sdk.NewClient(&sdk.Implementation{Name: "e2e", Version: "v0"}, nil)
	cs, err := client.Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, stderr.String())
	}

	call := func(name string, args map[string]any) map[string]any {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stderr.String())
		}
		text := res.Content[0].(*sdk.TextContent).Text
		if res.IsError {
			t.Fatalf("%s: %s", name, text)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(text), &out); err != nil {
			t.Fatalf("%s: %v in %s", name, err, text)
		}
		return out
	}
	file := func() string {
		data, err := os.ReadFile(filepath.Join(repo, "calc.py"))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	var names []string
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	for _, want := range []string{"checkpoint", "list_checkpoints", "diff_checkpoint", "rollback", "undo", "classify", "approaches", "run", "ask_human", "session_stats"} {
		if !slices.Contains(names, want) {
			t.Errorf("no tool %s among %v", want, names)
		}
	}

	const good, broken = "def add(a, b):\n    return a + b\n", "def add(a, b):\n    return a - b\n"
	gittest.Write(t, repo, "calc.py", good)
	cp := call("checkpoint", map[string]any{"description": "add works", "type": "safe_state"})
	id := cp["checkpoint_id"].(string)

	gittest.Write(t, repo, "calc.py", broken)
	dry := call("rollback", map[string]any{"checkpoint_id": id, "dry_run": true})
	if dry["message"] != "would roll back to "+id || file() != broken {
		t.Fatalf("dry run changed something: %v, calc.py %q", dry, file())
	}
	if restored := dry["details"].(map[string]any)["restored"].([]any); !slices.Contains(restored, any("calc.py")) {
		t.Errorf("the dry run would not restore calc.py: %v", restored)
	}
	call("rollback", map[string]any{"checkpoint_id": id})
	if file() != good {
		t.Fatalf("after the rollback calc.py is %q", file())
	}
	call("undo", nil)
	if file() != broken {
		t.Fatalf("after the undo calc.py is %q", file())
	}

	// Nobody answers: the call ends at its timeout, cleanly, and says so.
	start := time.Now()
	ask := call("ask_human", map[string]any{"question": "Keep the subtraction?", "options": []string{"keep", "revert"}, "timeout_seconds": 1})
	if ask["status"] != "timed_out" || !strings.HasPrefix(ask["id"].(string), "q-") || time.Since(start) > 20*time.Second {
		t.Errorf("ask_human: %v after %s", ask, time.Since(start))
	}

	stats := call("session_stats", nil)
	if stats["checkpoints"] != 1.0 || stats["rollbacks"] != 1.0 || stats["undos"] != 1.0 || stats["questions_asked"] != 1.0 {
		t.Errorf("session_stats: %v", stats)
	}

	// Closing stdin ends the server, with nothing on stdout but the
	// protocol (the client would have failed otherwise).
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v\n%s", err, stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("maestro mcp exited %d\n%s", code, stderr.String())
	}
}

func TestMCPUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"mcp", "extra"}, {"mcp", "--session-id", "../x"}, {"mcp", "--nope"}} {
		cmd := binary(t, "maestro", args...)
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); err == nil || code != 2 || !strings.HasPrefix(string(out), "maestro: error: ") {
			t.Errorf("maestro %s: exit %d, %q", strings.Join(args, " "), code, out)
		}
	}
}
