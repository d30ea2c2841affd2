package mcp_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/mcp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The tests work in a repository of their own as the server's working
// folder (t.Chdir), so they do not run in parallel.

// catalogTOML is the default recovery.toml, read before a test moves.
var catalogTOML []byte

func TestMain(m *testing.M) {
	var err error
	if catalogTOML, err = os.ReadFile("../recovery.toml"); err != nil {
		panic(err)
	}
	done := gittest.Isolate()
	code := m.Run()
	done()
	os.Exit(code)
}

// connect starts the server in memory and a client of the SDK's own on it.
func connect(t *testing.T, o mcp.Options, co *sdk.ClientOptions, so *sdk.ClientSessionOptions) *sdk.ClientSession {
	t.Helper()
	if o.Default == nil {
		o.Default = catalogTOML
	}
	if o.Poll == 0 {
		o.Poll = 10 * time.Millisecond
	}
	ctx := context.Background()
	ct, st := sdk.NewInMemoryTransports()
	if _, err := mcp.New(o).Connect(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "v0"}, co).Connect(ctx, ct, so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// result is a tool's answer: its text, its structured content decoded,
// and whether it is an error.
type result struct {
	Text    string
	Data    map[string]any
	IsError bool
}

func call(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) result {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var r result
	r.IsError = res.IsError
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			r.Text += tc.Text
		}
	}
	if res.StructuredContent != nil {
		data, _ := json.Marshal(res.StructuredContent)
		json.Unmarshal(data, &r.Data)
	}
	return r
}

func mustOK(t *testing.T, r result) result {
	t.Helper()
	if r.IsError {
		t.Fatalf("error result: %s", r.Text)
	}
	return r
}

// repo makes a repository the server's working folder.
func repo(t *testing.T) string {
	t.Helper()
	dir := gittest.Init(t)
	t.Chdir(dir)
	return dir
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestToolsListed(t *testing.T) {
	repo(t)
	cs := connect(t, mcp.Options{}, nil, nil)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		if len(tool.Description) < 40 {
			t.Errorf("%s: description too short for a model: %q", tool.Name, tool.Description)
		}
		schema, _ := json.Marshal(tool.InputSchema)
		if !strings.Contains(string(schema), `"additionalProperties":false`) {
			t.Errorf("%s: unknown arguments are not refused: %s", tool.Name, schema)
		}
	}
	want := []string{"approaches", "ask_human", "checkpoint", "classify", "diff_checkpoint", "list_checkpoints", "rollback", "run", "session_stats", "undo"}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}
	init := cs.InitializeResult()
	if init.ServerInfo.Name != "maestro" || !strings.Contains(init.Instructions, "rollback") {
		t.Errorf("server info %+v, instructions %q", init.ServerInfo, init.Instructions)
	}
}

func TestCheckpointRollbackUndo(t *testing.T) {
	dir := repo(t)
	cs := connect(t, mcp.Options{}, nil, nil)
	gittest.Write(t, dir, "app.py", "print('good')\n")
	cp := mustOK(t, call(t, cs, "checkpoint", map[string]any{"description": "app works", "type": "safe_state", "tags": []string{"green"}, "state": map[string]any{"tests": "pass"}}))
	id, _ := cp.Data["checkpoint_id"].(string)
	if !strings.HasPrefix(id, "cp-") || cp.Data["session_id"] != "default" || cp.Data["checkpoint_type"] != "safe_state" || cp.Data["snapshot"] != true {
		t.Fatalf("checkpoint: %s", cp.Text)
	}

	list := mustOK(t, call(t, cs, "list_checkpoints", nil))
	cps, _ := list.Data["checkpoints"].([]any)
	if len(cps) != 1 || cps[0].(map[string]any)["checkpoint_id"] != id || cps[0].(map[string]any)["branch"] != "main" {
		t.Fatalf("list: %s", list.Text)
	}

	gittest.Write(t, dir, "app.py", "print('broken'\n")
	gittest.Write(t, dir, "junk.txt", "x\n")
	diff := mustOK(t, call(t, cs, "diff_checkpoint", map[string]any{"checkpoint_id": id, "patch": true}))
	if got := diff.Data["changes"]; !strings.Contains(diff.Text, `{"status":"modified","path":"app.py"}`) || !strings.Contains(diff.Text, `{"status":"added","path":"junk.txt"}`) {
		t.Errorf("diff changes: %v", got)
	}
	if p, _ := diff.Data["patch"].(string); !strings.Contains(p, "+print('broken'") {
		t.Errorf("patch: %q", p)
	}

	dry := mustOK(t, call(t, cs, "rollback", map[string]any{"dry_run": true}))
	if !strings.HasPrefix(dry.Data["message"].(string), "would roll back to "+id) || readFile(t, "app.py") != "print('broken'\n" {
		t.Fatalf("dry run: %s", dry.Text)
	}
	details := dry.Data["details"].(map[string]any)
	if !slices.Contains(details["restored"].([]any), any("app.py")) || !slices.Contains(details["removed"].([]any), any("junk.txt")) {
		t.Errorf("dry run details: %v", details)
	}

	rb := mustOK(t, call(t, cs, "rollback", nil))
	if rb.Data["strategy_used"] != "rollback_to_checkpoint" || readFile(t, "app.py") != "print('good')\n" {
		t.Fatalf("rollback: %s", rb.Text)
	}
	if _, err := os.Stat("junk.txt"); !os.IsNotExist(err) {
		t.Errorf("junk.txt after the rollback: %v", err)
	}
	if !strings.Contains(rb.Data["take_back"].(string), "undo") {
		t.Errorf("no way back: %s", rb.Text)
	}

	undo := mustOK(t, call(t, cs, "undo", nil))
	if !strings.HasPrefix(undo.Data["message"].(string), "undid ev") || readFile(t, "app.py") != "print('broken'\n" || readFile(t, "junk.txt") != "x\n" {
		t.Fatalf("undo: %s", undo.Text)
	}

	stats := mustOK(t, call(t, cs, "session_stats", nil))
	if stats.Data["checkpoints"] != 1.0 || stats.Data["rollbacks"] != 1.0 || stats.Data["undos"] != 1.0 || stats.Data["chosen_by"] != "default" {
		t.Errorf("session_stats: %s", stats.Text)
	}
}

func TestSessions(t *testing.T) {
	repo(t)
	t.Setenv("MAESTRO_SESSION_ID", "from-env")
	cs := connect(t, mcp.Options{}, nil, nil)
	if r := mustOK(t, call(t, cs, "checkpoint", nil)); r.Data["session_id"] != "from-env" {
		t.Errorf("without session_id: %s", r.Text)
	}
	if r := mustOK(t, call(t, cs, "checkpoint", map[string]any{"session_id": "given"})); r.Data["session_id"] != "given" {
		t.Errorf("with session_id: %s", r.Text)
	}
	server := connect(t, mcp.Options{SessionID: "server"}, nil, nil)
	if r := mustOK(t, call(t, server, "checkpoint", nil)); r.Data["session_id"] != "server" {
		t.Errorf("with --session-id: %s", r.Text)
	}
	if r := mustOK(t, call(t, cs, "list_checkpoints", map[string]any{"all_sessions": true})); r.Data["total"] != 3.0 {
		t.Errorf("all sessions: %s", r.Text)
	}
}

func TestErrorsAreResults(t *testing.T) {
	dir := repo(t)
	cs := connect(t, mcp.Options{}, nil, nil)
	for _, c := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"checkpoint", map[string]any{"session_id": "../x"}, []string{"maestro: error: ", "session id"}},
		{"rollback", map[string]any{"checkpoint_id": "cp-nope"}, []string{"maestro: error: ", "cp-nope"}},
		{"rollback", nil, []string{"maestro: error: "}},
		{"undo", nil, []string{"maestro: error: "}},
		{"list_checkpoints", map[string]any{"session_id": "defualt"}, []string{`maestro: error: no session "defualt" here`, "maestro: hint: nearest: default"}},
		{"rollback", map[string]any{"session_id": "defualt", "dry_run": true}, []string{`maestro: error: no session "defualt" here`}},
		{"session_stats", map[string]any{"session_id": "defualt"}, []string{`maestro: error: no session "defualt" here`}},
		{"approaches", map[string]any{"failure_type": "nope"}, []string{`maestro: error: unknown failure type "nope"; the known ones: `, "test_failure"}},
		{"run", map[string]any{"command": []string{"no-such-command-here"}}, []string{"maestro: error: ", "not found", "maestro: hint: "}},
		{"checkpoint", map[string]any{"unknown": 1}, []string{"unknown"}},
		{"classify", map[string]any{"output": strings.Repeat("x", 1<<20+1)}, []string{"maxLength"}},
		{"ask_human", map[string]any{"question": "which?", "options": []string{"a", "b"}, "default": "c"}, []string{"maestro: error: ", `"c"`}},
	} {
		r := call(t, cs, c.tool, c.args)
		if !r.IsError {
			t.Errorf("%s %v: not an error: %s", c.tool, c.args, r.Text)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.Text, w) {
				t.Errorf("%s %v: %q lacks %q", c.tool, c.args, r.Text, w)
			}
		}
	}
	// Outside a repository: the command line's message, and the hint.
	t.Chdir(gittest.OutsideRepo(t))
	r := call(t, cs, "checkpoint", nil)
	if !r.IsError || !strings.Contains(r.Text, "maestro: error: not in a git working tree") || !strings.Contains(r.Text, "maestro: hint: ") {
		t.Errorf("outside a repository: %s", r.Text)
	}
	// The server is still there.
	t.Chdir(dir)
	mustOK(t, call(t, cs, "checkpoint", nil))
}

func TestClassifyAndApproaches(t *testing.T) {
	repo(t)
	cs := connect(t, mcp.Options{}, nil, nil)
	pytest := "tests/test_app.py::test_add FAILED\n=========================== short test summary info ============================\nFAILED tests/test_app.py::test_add - assert 3 == 4\n========================= 1 failed, 2 passed in 0.03s ==========================\n"
	r := mustOK(t, call(t, cs, "classify", map[string]any{"output": pytest, "exit_code": 1}))
	if r.Data["failure_type"] != "test_failure" || r.Data["transient"] != false || len(r.Data["approaches"].([]any)) == 0 {
		t.Errorf("pytest: %s", r.Text)
	}
	r = mustOK(t, call(t, cs, "classify", map[string]any{"output": "curl: (6) Could not resolve host: example.com\n", "exit_code": 6}))
	if r.Data["failure_type"] != "transient" || r.Data["transient"] != true {
		t.Errorf("network: %s", r.Text)
	}
	// What a command printed may hold terminal escapes and invisible text:
	// the model reads them escaped.
	r = mustOK(t, call(t, cs, "classify", map[string]any{"output": "curl: (6) Could not resolve host: \x1b]0;pwned\x07 \u202eexample\U000E0041.com\n"}))
	if strings.ContainsAny(r.Text, "\x1b\u202e\U000E0041") || !strings.Contains(r.Text, `\u202e`) || !strings.Contains(r.Text, `\udb40\udc41`) {
		t.Errorf("hidden text shown raw: %q", r.Text)
	}
	r = mustOK(t, call(t, cs, "approaches", nil))
	if !strings.Contains(r.Text, `"failure_type":"dependency_conflict"`) {
		t.Errorf("approaches: %s", r.Text)
	}
	r = mustOK(t, call(t, cs, "approaches", map[string]any{"failure_type": "test_failure"}))
	if a, _ := r.Data["approaches"].([]any); len(a) == 0 || a[0].(map[string]any)["name"] == "" {
		t.Errorf("test_failure approaches: %s", r.Text)
	}
}

func fastConfig(t *testing.T) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "recovery.toml")
	if err := os.WriteFile(cfg, []byte("[retry]\nbase_delay = \"10ms\"\nmax_delay = \"20ms\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestRun(t *testing.T) {
	repo(t)
	cs := connect(t, mcp.Options{ConfigFlag: fastConfig(t)}, nil, nil)

	// A transient failure is retried; the output comes back, the last
	// lines, stderr and stdout merged.
	r := mustOK(t, call(t, cs, "run", map[string]any{"command": []string{"sh", "-c", `echo out; echo "curl: (6) Could not resolve host: example.com" >&2; exit 6`}, "max_attempts": 2}))
	rep := r.Data["report"].(map[string]any)
	if rep["attempts_made"] != 2.0 || rep["exit_code"] != 6.0 || rep["success"] != false || rep["classification"].(map[string]any)["failure_type"] != "transient" {
		t.Errorf("transient: %s", r.Text)
	}
	if out := r.Data["output"].([]any); len(out) != 4 || out[2] != "out" && out[3] != "out" {
		t.Errorf("output: %v", out)
	}
	if p := r.Data["progress"].([]any); len(p) == 0 || !strings.Contains(p[0].(string), "attempt 1/2 failed") {
		t.Errorf("progress: %v", p)
	}

	// A build error is not retried, and its approaches are given.
	r = mustOK(t, call(t, cs, "run", map[string]any{"command": []string{"sh", "-c", "echo 'error[E0308]: mismatched types'; exit 1"}, "checkpoint": true}))
	rep = r.Data["report"].(map[string]any)
	if rep["attempts_made"] != 1.0 || rep["classification"].(map[string]any)["failure_type"] != "implementation_failure" || !strings.HasPrefix(r.Data["checkpoint_id"].(string), "cp-") {
		t.Errorf("test failure: %s", r.Text)
	}
	if rec := r.Data["recovery"].([]any); len(rec) == 0 || rec[len(rec)-1].(map[string]any)["strategy_used"] != "alternative_approach" {
		t.Errorf("recovery: %v", rec)
	}

	// Output is bounded: the last lines, each cut, all of them counted.
	r = mustOK(t, call(t, cs, "run", map[string]any{"command": []string{"sh", "-c", "seq 1 100000; head -c 5000 /dev/zero | tr '\\0' x"}, "tail_lines": 3}))
	out := r.Data["output"].([]any)
	if len(out) != 3 || out[0] != "99999" || out[1] != "100000" || len(out[2].(string)) > 600 || r.Data["output_lines"] != 100001.0 || r.Data["output_truncated"] != true {
		t.Errorf("bounded output: %v, %v lines", out, r.Data["output_lines"])
	}

	// The runs are in the session's log.
	stats := mustOK(t, call(t, cs, "session_stats", nil))
	if stats.Data["runs"] != 3.0 || stats.Data["failed_runs"] != 2.0 || stats.Data["checkpoints"] != 1.0 {
		t.Errorf("stats: %s", stats.Text)
	}
}

func TestRunCancelled(t *testing.T) {
	dir := repo(t)
	cs := connect(t, mcp.Options{}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "run", Arguments: map[string]any{"command": []string{"sh", "-c", "echo $$ > pid; exec sleep 60"}}})
		done <- err
	}()
	pid := waitFor(t, filepath.Join(dir, "pid"))
	cancel()
	if err := <-done; err == nil {
		t.Error("the cancelled call returned no error")
	}
	// The command was stopped, and the server runs the next call.
	deadline := time.Now().Add(10 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %s still runs after the call was cancelled", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mustOK(t, call(t, cs, "run", map[string]any{"command": []string{"true"}}))
}

func waitFor(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(data), "\n") {
			return strings.TrimSpace(string(data))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return ""
}

func processAlive(pid string) bool {
	_, err := os.Stat("/proc/" + pid)
	if err != nil {
		return false
	}
	data, _ := os.ReadFile("/proc/" + pid + "/stat")
	// A zombie has ended; its parent has not collected it yet.
	fields := strings.Fields(string(data))
	return len(fields) < 3 || fields[2] != "Z"
}

// logBuffer is the server's log, read while it writes.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// wait waits until the log holds s n times.
func (l *logBuffer) wait(t *testing.T, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(l.String(), s) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the log never said %q %d times", s, n)
}

func TestAskHumanDeferred(t *testing.T) {
	dir := repo(t)
	log := &logBuffer{}
	cs := connect(t, mcp.Options{Log: log}, nil, nil)

	// Nobody answers: it times out cleanly, and the question stays open.
	r := mustOK(t, call(t, cs, "ask_human", map[string]any{"question": "Drop the cache table?", "options": []string{"yes", "no"}, "timeout_seconds": 1}))
	id, _ := r.Data["id"].(string)
	if r.Data["status"] != "timed_out" || !strings.HasPrefix(id, "q-") || !strings.Contains(r.Data["message"].(string), "maestro answer "+id) {
		t.Fatalf("no answer: %s", r.Text)
	}
	stateDir, err := state.Dir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := escalate.NewStore(stateDir)
	if open, _ := store.Open(); len(open) != 1 || open[0].ID != id {
		t.Fatalf("open questions: %+v", open)
	}

	// Asked again, the same question waits again, and a person answers it
	// with maestro answer meanwhile.
	done := make(chan result, 1)
	go func() {
		done <- call(t, cs, "ask_human", map[string]any{"question": "Drop the cache table?", "options": []string{"yes", "no"}, "timeout_seconds": 30})
	}()
	log.wait(t, "question "+id+" waits for an answer", 2)
	if _, err := store.Answer(id, "2", "keep it", escalate.ByAsync); err != nil {
		t.Fatal(err)
	}
	r = mustOK(t, <-done)
	if r.Data["status"] != "answered" || r.Data["id"] != id || r.Data["option"] != "no" || r.Data["answered_by"] != "async" {
		t.Errorf("answered: %s", r.Text)
	}

	// With a default, the timeout takes it.
	r = mustOK(t, call(t, cs, "ask_human", map[string]any{"question": "Retry the deploy?", "options": []string{"yes", "no"}, "default": "no", "timeout_seconds": 1}))
	if r.Data["status"] != "answered" || r.Data["option"] != "no" || r.Data["answered_by"] != "timeout" {
		t.Errorf("default at the timeout: %s", r.Text)
	}
	stats := mustOK(t, call(t, cs, "session_stats", nil))
	if stats.Data["questions_asked"] != 2.0 || stats.Data["questions_answered"] != 1.0 {
		t.Errorf("stats: %s", stats.Text)
	}
}

// TestAskHumanRemote: with [escalate] remote, a deferred question goes to
// that remote, and the wait takes the answer another clone pushes there.
// A remote that cannot be reached is one warning, and the wait goes on to
// its default.
func TestAskHumanRemote(t *testing.T) {
	dir := repo(t)
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q", "--bare", "remote.git")
	remote := filepath.Join(root, "remote.git")
	gittest.Git(t, dir, "remote", "add", "origin", remote)
	gittest.Git(t, dir, "remote", "add", "gone", filepath.Join(root, "gone.git"))
	config := func(name string) string {
		f := filepath.Join(root, name+".toml")
		gittest.Write(t, root, name+".toml", "[escalate]\nremote = \""+name+"\"\npoll = \"10ms\"\n")
		return f
	}
	log := &logBuffer{}
	cs := connect(t, mcp.Options{Log: log, ConfigFlag: config("origin")}, nil, nil)

	done := make(chan result, 1)
	go func() {
		done <- call(t, cs, "ask_human", map[string]any{"question": "Ship it?", "options": []string{"yes", "no"}, "timeout_seconds": 30})
	}()
	log.wait(t, "waits for an answer", 1)
	var id string
	deadline := time.Now().Add(10 * time.Second)
	for id == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the question never reached the remote; log:\n%s", log.String())
		}
		for _, ref := range strings.Fields(gittest.Git(t, remote, "for-each-ref", "--format=%(refname)", "refs/maestro/questions/")) {
			id = strings.TrimPrefix(ref, "refs/maestro/questions/")
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Another clone fetches it and answers.
	gittest.Git(t, root, "init", "-q", "other")
	other := filepath.Join(root, "other")
	gittest.Git(t, other, "remote", "add", "origin", remote)
	otherRepo, err := git.Open(other)
	if err != nil {
		t.Fatal(err)
	}
	sh := escalate.NewShared(escalate.NewStore(filepath.Join(other, ".git", "maestro")), otherRepo)
	if _, err := sh.Fetch(context.Background(), "origin"); err != nil {
		t.Fatal(err)
	}
	if _, err := sh.Answer(context.Background(), id, "no", "not today", escalate.ByAsync); err != nil {
		t.Fatal(err)
	}
	r := mustOK(t, <-done)
	if r.Data["status"] != "answered" || r.Data["id"] != id || r.Data["option"] != "no" || r.Data["answered_by"] != escalate.ByRemote || r.Data["justification"] != "not today" {
		t.Errorf("answered in another clone: %s", r.Text)
	}
	if !strings.Contains(log.String(), "in any clone of origin") {
		t.Errorf("log: %s", log.String())
	}
	stats := mustOK(t, call(t, cs, "session_stats", nil))
	if stats.Data["questions_answered"] != 1.0 {
		t.Errorf("stats: %s", stats.Text)
	}

	// The remote is gone: one warning, and the default at the timeout.
	log = &logBuffer{}
	cs = connect(t, mcp.Options{Log: log, ConfigFlag: config("gone")}, nil, nil)
	r = mustOK(t, call(t, cs, "ask_human", map[string]any{"question": "Retry?", "options": []string{"yes", "no"}, "default": "yes", "timeout_seconds": 1}))
	if r.Data["status"] != "answered" || r.Data["option"] != "yes" || r.Data["answered_by"] != escalate.ByTimeout {
		t.Errorf("unreachable remote: %s", r.Text)
	}
	if n := strings.Count(log.String(), "cannot reach gone"); n != 1 {
		t.Errorf("%d warnings that the remote is gone, want 1:\n%s", n, log.String())
	}
}

func TestAskHumanElicitation(t *testing.T) {
	repo(t)
	for _, version := range []string{"2025-11-25", ""} {
		name := version
		if name == "" {
			name = "latest"
		}
		t.Run(name, func(t *testing.T) {
			var asked *sdk.ElicitParams
			answer := &sdk.ElicitResult{Action: "accept", Content: map[string]any{"option": "b", "justification": "smaller"}}
			co := &sdk.ClientOptions{ElicitationHandler: func(_ context.Context, req *sdk.ElicitRequest) (*sdk.ElicitResult, error) {
				asked = req.Params
				return answer, nil
			}}
			cs := connect(t, mcp.Options{}, co, &sdk.ClientSessionOptions{ProtocolVersion: version})
			r := mustOK(t, call(t, cs, "ask_human", map[string]any{"question": "Which fix?", "options": []string{"a", "b"}, "require_justification": true}))
			if r.Data["status"] != "answered" || r.Data["option"] != "b" || r.Data["answered_by"] != "mcp" || r.Data["justification"] != "smaller" {
				t.Errorf("answer: %s", r.Text)
			}
			if asked == nil || asked.Message != "Which fix?" {
				t.Fatalf("asked %+v", asked)
			}
			schema, _ := json.Marshal(asked.RequestedSchema)
			if !strings.Contains(string(schema), `"enum":["a","b"]`) || !strings.Contains(string(schema), `"required":["option","justification"]`) {
				t.Errorf("form: %s", schema)
			}

			answer = &sdk.ElicitResult{Action: "decline"}
			r = mustOK(t, call(t, cs, "ask_human", map[string]any{"question": "Which fix?", "options": []string{"a", "b"}, "default": "a"}))
			if r.Data["status"] != "declined" || r.Data["option"] != "" {
				t.Errorf("declined: %s", r.Text)
			}
		})
	}
}

func TestAskHumanElicitationTimesOut(t *testing.T) {
	repo(t)
	co := &sdk.ClientOptions{ElicitationHandler: func(ctx context.Context, _ *sdk.ElicitRequest) (*sdk.ElicitResult, error) {
		<-ctx.Done() // a person who never answers
		return nil, ctx.Err()
	}}
	cs := connect(t, mcp.Options{}, co, &sdk.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	r := mustOK(t, call(t, cs, "ask_human", map[string]any{"question": "Which fix?", "options": []string{"a", "b"}, "timeout_seconds": 1}))
	if r.Data["status"] != "timed_out" {
		t.Errorf("no default: %s", r.Text)
	}
	r = mustOK(t, call(t, cs, "ask_human", map[string]any{"question": "Which fix?", "options": []string{"a", "b"}, "default": "a", "timeout_seconds": 1}))
	if r.Data["status"] != "answered" || r.Data["option"] != "a" || r.Data["answered_by"] != "timeout" {
		t.Errorf("default: %s", r.Text)
	}
}

// TestServeAnswersBeforeEnd is a client that sends its calls and closes
// its end at once, as a shell pipeline does: every call is answered, then
// the server ends.
func TestServeAnswersBeforeEnd(t *testing.T) {
	repo(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- mcp.Serve(context.Background(), mcp.Options{Default: catalogTOML}, inR, outW) }()
	go func() {
		io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`+"\n"+
			`{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"+
			`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"run","arguments":{"command":["sh","-c","sleep 0.2; echo done"]}}}`+"\n"+
			`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"checkpoint"}}`+"\n")
		inW.Close()
	}()
	out, err := io.ReadAll(outR)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 || !strings.Contains(string(out), `"id":2,"result"`) || !strings.Contains(string(out), `\"output\":[\"done\"]`) || !strings.Contains(string(out), `"id":3,"result"`) {
		t.Errorf("answers:\n%s", out)
	}
}

// TestServeHostileInput is a client that sends what is not a message, or
// too much of one: each gets JSON-RPC's error, and the server goes on.
func TestServeHostileInput(t *testing.T) {
	repo(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- mcp.Serve(context.Background(), mcp.Options{Default: catalogTOML}, inR, outW) }()
	go func() {
		io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`+"\n"+
			"not json\n[1,2]\n"+
			`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"classify","arguments":{"output":"`+strings.Repeat("x", mcp.MaxMessage)+`"}}}`+"\n"+
			`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nope"}}`+"\n"+
			`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"classify","arguments":{"output":"`+strings.Repeat("x", 1<<20+1)+`"}}}`+"\n"+
			`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"approaches","arguments":null}}`+"\n")
		inW.Close()
	}()
	out, err := io.ReadAll(outR)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	for _, want := range []string{
		`"code":-32700`, `"message":"invalid request: a message is one JSON object"`, `"message":"message longer than 4 MiB: dropped"`,
		`"id":3,"error":{"code":-32602,"message":"unknown tool \"nope\""}`, `"id":4,"result":{"content":[{"type":"text","text":"validating`,
		`"id":5,"result":{"content":[{"type":"text","text":"{\"failure_types\"`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %s in the answers", want)
		}
	}
	if len(out) > 64<<10 {
		t.Errorf("%d bytes of answers: a refusal quotes the whole argument", len(out))
	}
}

// TestProgress is a client that asked for progress: a long call tells it
// what it is doing, until it ends.
func TestProgress(t *testing.T) {
	dir := repo(t)
	defer mcp.SetProgressEvery(10 * time.Millisecond)()
	heard := make(chan string, 100)
	co := &sdk.ClientOptions{ProgressNotificationHandler: func(_ context.Context, req *sdk.ProgressNotificationClientRequest) {
		select {
		case heard <- req.Params.Message:
		default:
		}
	}}
	cs := connect(t, mcp.Options{}, co, nil)
	params := &sdk.CallToolParams{Name: "run", Arguments: map[string]any{"command": []string{"sh", "-c", "while [ ! -e go ]; do sleep 0.01; done"}}}
	params.SetProgressToken("run-1")
	done := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(context.Background(), params)
		done <- err
	}()
	if msg := <-heard; msg != "running sh -c while [ ! -e go ]; do sleep 0.01; done" {
		t.Errorf("progress: %q", msg)
	}
	gittest.Write(t, dir, "go", "")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
