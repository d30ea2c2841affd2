package notify_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/notify"
)

// notifier runs script, a real sh script, with the events of events.
func notifier(t *testing.T, script string, timeout time.Duration, events ...string) (*notify.Notifier, *bytes.Buffer, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "notify.sh")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	n := notify.New(notify.Config{Command: []string{"sh", path}, Events: events, Timeout: timeout})
	notify.OwnWarning(n)
	var stderr bytes.Buffer
	n.Stderr = &stderr
	n.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600)) }
	return n, &stderr, dir
}

// saver keeps what the notifier is given: its stdin, environment and
// working directory.
const saver = `d=$(dirname "$0")
cat > "$d/payload.json"
printf '%s\n%s\n' "$MAESTRO_EVENT" "$MAESTRO_MESSAGE" > "$d/env"
pwd > "$d/pwd"
echo "on stdout, never shown"
`

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func rollbackEvent(repo string) *notify.Event {
	return &notify.Event{Event: notify.RolledBack, Repository: repo, SessionID: "s1",
		Rollback: &notify.Rollback{CheckpointID: "cp-1", CheckpointSession: "s1", Branch: "main", FilesChanged: 2, Undo: "git maestro undo --session-id s1"}}
}

func TestPayloadEnvAndDirectory(t *testing.T) {
	t.Parallel()
	n, stderr, dir := notifier(t, saver, 0)
	repo := t.TempDir()
	if err := n.Send(rollbackEvent(repo)); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, "payload.json"))), &got); err != nil {
		t.Fatal(err)
	}
	msg := "maestro: rolled back in " + filepath.Base(repo) + " to cp-1 (2 files changed); undo: git maestro undo --session-id s1"
	for key, want := range map[string]any{
		"event": "rollback", "time": "2026-01-02T02:04:05Z", "repository": repo, "session_id": "s1", "message": msg,
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
	rb := got["rollback"].(map[string]any)
	if rb["checkpoint_id"] != "cp-1" || rb["files_changed"] != 2.0 || rb["undo"] != "git maestro undo --session-id s1" || rb["branch"] != "main" {
		t.Errorf("rollback = %v", rb)
	}
	if _, ok := got["run"]; ok {
		t.Errorf("a rollback event has a run: %v", got)
	}
	if got, want := read(t, filepath.Join(dir, "env")), "rollback\n"+msg+"\n"; got != want {
		t.Errorf("environment: %q, want %q", got, want)
	}
	if got := strings.TrimSpace(read(t, filepath.Join(dir, "pwd"))); got != repo {
		t.Errorf("ran in %s, want the repository %s", got, repo)
	}
	if stderr.Len() != 0 {
		t.Errorf("a notifier that worked printed %q", stderr)
	}
}

func TestMessageIsOneSafeLine(t *testing.T) {
	t.Parallel()
	n, _, dir := notifier(t, saver, 0)
	issue := "Deploy \x1b]0;pwned\x07now?\nreally\u202e " + strings.Repeat("x", 5000)
	e := &notify.Event{Event: notify.QuestionAsked, SessionID: "s",
		Question: &notify.Question{ID: "q-1", Issue: issue, Options: []string{"yes", "no"}, Default: "no", Answer: "maestro answer q-1 OPTION"}}
	if err := n.Send(e); err != nil {
		t.Fatal(err)
	}
	env := strings.Split(strings.TrimSuffix(read(t, filepath.Join(dir, "env")), "\n"), "\n")
	if len(env) != 2 {
		t.Fatalf("MAESTRO_MESSAGE is not one line: %q", env)
	}
	msg := env[1]
	if strings.ContainsAny(msg, "\x1b\x07\u202e") || len(msg) > 400 {
		t.Errorf("message not made safe: %q", msg)
	}
	if !strings.HasPrefix(msg, "maestro: question q-1") || !strings.HasSuffix(msg, "[yes / no, default no]; answer: maestro answer q-1 OPTION") {
		t.Errorf("message = %q", msg)
	}
	var got notify.Event
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, "payload.json"))), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Question.Issue) > 2<<10 || !strings.HasPrefix(got.Question.Issue, "Deploy \x1b]0;pwned") {
		t.Errorf("issue not kept as it is, bounded: %q...", got.Question.Issue[:40])
	}
}

func TestRunFailedBounds(t *testing.T) {
	t.Parallel()
	n, _, dir := notifier(t, saver, 0)
	var tests []string
	for i := range 100 {
		tests = append(tests, "TestN"+strconv.Itoa(i))
	}
	e := &notify.Event{Event: notify.RunFailed, SessionID: "default",
		Run: &notify.Run{Command: []string{"go", "test", "./..."}, ExitCode: 1, AttemptsMade: 3, FailureType: "test_failure", Line: "--- FAIL: TestN0", FailedTests: tests, FailedTestsCount: 100}}
	if err := n.Send(e); err != nil {
		t.Fatal(err)
	}
	var got notify.Event
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, "payload.json"))), &got); err != nil {
		t.Fatal(err)
	}
	if r := got.Run; len(r.FailedTests) != notify.MaxTests || r.FailedTestsCount != 100 || r.ExitCode != 1 || r.AttemptsMade != 3 || r.FailureType != "test_failure" || r.Recovery == nil {
		t.Errorf("run = %+v", r)
	}
	if want := "maestro: go test ./... failed in " + filepath.Base(got.Repository) + " after 3 attempts (exit 1, test_failure): 100 failing tests"; got.Message != want {
		t.Errorf("message = %q, want %q", got.Message, want)
	}
}

func TestEventsFilter(t *testing.T) {
	t.Parallel()
	n, _, dir := notifier(t, saver, 0, notify.RunFailed)
	if n.Wants(notify.RolledBack) || !n.Wants(notify.RunFailed) {
		t.Errorf("Wants does not follow the filter")
	}
	if err := n.Send(rollbackEvent(t.TempDir())); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "payload.json")); err == nil {
		t.Errorf("an event left out by the filter was sent")
	}
}

func TestNilNotifier(t *testing.T) {
	t.Parallel()
	n := notify.New(notify.Config{})
	if n != nil {
		t.Fatalf("New without a command = %v, want nil", n)
	}
	if n.Wants(notify.RunFailed) || n.Send(rollbackEvent("")) != nil {
		t.Errorf("a nil notifier does something")
	}
}

// A notifier that fails is reported once, in one warning naming it, with
// the end of what it said.
func TestFailingWarnsOnce(t *testing.T) {
	t.Parallel()
	n, stderr, _ := notifier(t, "echo 'the webhook said \033[31mno' >&2\nexit 3\n", 0)
	for range 2 {
		if err := n.Send(rollbackEvent(t.TempDir())); err == nil || err.Error() != "exit status 3" {
			t.Fatalf("err = %v, want exit status 3", err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "maestro: warning: notify: sh /") || !strings.HasSuffix(lines[0], ": exit status 3") || lines[1] != "maestro:   the webhook said no" {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"maestro-no-such-notifier", "/no/such/notifier"} {
		n := notify.New(notify.Config{Command: []string{cmd}})
		notify.OwnWarning(n)
		var stderr bytes.Buffer
		n.Stderr = &stderr
		if err := n.Send(rollbackEvent(t.TempDir())); err == nil {
			t.Fatalf("%s: no error", cmd)
		}
		if want := "maestro: warning: notify: " + cmd + ": command not found\n"; stderr.String() != want {
			t.Errorf("stderr = %q, want %q", stderr.String(), want)
		}
	}
}

// A notifier that hangs is stopped at its timeout, with all it started,
// and said once.
func TestHangingIsStopped(t *testing.T) {
	t.Parallel()
	n, stderr, dir := notifier(t, "d=$(dirname \"$0\")\nsleep 1000 &\necho $! > \"$d/pids\"\necho $$ >> \"$d/pids\"\nsleep 1000\n", 200*time.Millisecond)
	start := time.Now()
	err := n.Send(rollbackEvent(t.TempDir()))
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Send took %s with a timeout of 200ms", took)
	}
	if err == nil || !strings.Contains(err.Error(), "200ms") {
		t.Errorf("err = %v", err)
	}
	if w := stderr.String(); !strings.HasPrefix(w, "maestro: warning: notify: sh /") || !strings.HasSuffix(w, ": no answer in 200ms: stopped\n") || strings.Count(w, "\n") != 1 {
		t.Errorf("stderr = %q", w)
	}
	for _, f := range strings.Fields(read(t, filepath.Join(dir, "pids"))) {
		pid, _ := strconv.Atoi(f)
		deadline := time.Now().Add(5 * time.Second)
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d of the notifier still runs", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// alive: a zombie is dead, whoever is to reap it.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"a\nb\t c", "a b c"},
		{"\x1b[31mred\x1b[0m!\x07", "red!"},
		{"  lead", "lead"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"zero\u200bwidth", "zerowidth"},
	} {
		if got := notify.OneLine(c.in, 100); got != c.want {
			t.Errorf("oneLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := notify.OneLine(strings.Repeat("é", 100), 11); got != "éééé…" {
		t.Errorf("cut = %q", got)
	}
}
