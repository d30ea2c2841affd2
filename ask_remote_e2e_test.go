package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/gittest"
)

// Questions through the git remote with real processes at once (issue 12):
// a waiting maestro ask --wait in one clone gets the answer given in
// another, and of two clones answering at once exactly one wins. The
// sequential cases are in testdata/script/ask_remote.txtar.

// remoteClones makes a bare remote and clones named names of it, and the
// environment their maestro runs in: a short poll, so that a wait looks at
// the remote often.
func remoteClones(t *testing.T, names ...string) (dirs map[string]string, env []string) {
	t.Helper()
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q", "--bare", "remote.git")
	dirs = map[string]string{}
	for _, n := range names {
		dirs[n] = filepath.Join(root, n)
		gittest.Git(t, root, "init", "-q", n)
		gittest.Git(t, dirs[n], "remote", "add", "origin", "../remote.git")
	}
	cfg := filepath.Join(root, "recovery.toml")
	if err := os.WriteFile(cfg, []byte("[escalate]\nremote = \"origin\"\npoll = \"20ms\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CI=") {
			env = append(env, kv)
		}
	}
	return dirs, append(env, "CI=true", "MAESTRO_CONFIG="+cfg, "XDG_STATE_HOME="+filepath.Join(root, "state"))
}

func maestroIn(t *testing.T, dir string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := binary(t, "maestro", args...)
	cmd.Dir, cmd.Env = dir, env
	return cmd
}

// run runs cmd and returns its stdout, stderr and exit code.
func run(t *testing.T, cmd *exec.Cmd) (string, string, int) {
	t.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func deferRemote(t *testing.T, dir string, env []string, issue string) string {
	t.Helper()
	out, errOut, code := run(t, maestroIn(t, dir, env, "ask", "--issue", issue, "--option", "yes", "--option", "no", "--no-tty", "defer"))
	if code != 3 || strings.Contains(errOut, "warning") {
		t.Fatalf("ask --no-tty defer: exit %d, want 3\n%s", code, errOut)
	}
	return strings.TrimSpace(out)
}

func TestAskRemoteWaitAndRace(t *testing.T) {
	t.Parallel()
	dirs, env := remoteClones(t, "a", "b", "c")
	id := deferRemote(t, dirs["a"], env, "Ship it?")

	// The asker waits, in a process of its own, while two other clones
	// answer at once.
	wait := maestroIn(t, dirs["a"], env, "ask", "--wait", id, "--timeout", "60s", "--json")
	var waitOut, waitErr strings.Builder
	wait.Stdout, wait.Stderr = &waitOut, &waitErr
	if err := wait.Start(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"b", "c"} {
		if _, errOut, code := run(t, maestroIn(t, dirs[c], env, "questions", "--remote", "origin")); code != 0 {
			t.Fatalf("questions --remote in %s: exit %d\n%s", c, code, errOut)
		}
	}
	type result struct {
		option, stdout, stderr string
		code                   int
	}
	results := make(chan result, 2)
	for c, option := range map[string]string{"b": "yes", "c": "no"} {
		cmd := maestroIn(t, dirs[c], env, "answer", id, option)
		go func() {
			out, errOut, code := run(t, cmd)
			results <- result{option, out, errOut, code}
		}()
	}
	var winner string
	losers := 0
	for range 2 {
		r := <-results
		switch r.code {
		case 0:
			if winner != "" {
				t.Errorf("two answers won: %s and %s", winner, r.option)
			}
			winner = r.option
		case 1:
			losers++
			if !strings.Contains(r.stderr, "was already answered on origin by ") || !strings.Contains(r.stderr, "your answer was not recorded there") {
				t.Errorf("the losing answer (%s) was told: %q", r.option, r.stderr)
			}
		default:
			t.Errorf("maestro answer %s: exit %d\n%s", r.option, r.code, r.stderr)
		}
	}
	if winner == "" || losers != 1 {
		t.Fatalf("winner %q, %d losers: want exactly one of each", winner, losers)
	}

	// The asker's wait returns the winner, as answered by the remote.
	if err := wait.Wait(); err != nil {
		t.Fatalf("ask --wait: %v\n%s", err, waitErr.String())
	}
	var rec struct {
		Option     string `json:"option"`
		AnsweredBy string `json:"answered_by"`
		Remote     string `json:"remote"`
	}
	if err := json.Unmarshal([]byte(waitOut.String()), &rec); err != nil {
		t.Fatalf("ask --wait --json: %v: %q", err, waitOut.String())
	}
	if rec.Option != winner || rec.AnsweredBy != "remote" || rec.Remote != "origin" {
		t.Errorf("ask --wait returned %+v, want option %s answered_by remote from origin", rec, winner)
	}
	// Every clone now agrees on the winner.
	for _, c := range []string{"b", "c"} {
		out, errOut, code := run(t, maestroIn(t, dirs[c], env, "questions", "--remote", "origin", "--json", id))
		if code != 0 || !strings.Contains(out, `"option": "`+winner+`"`) {
			t.Errorf("clone %s: exit %d, %s\n%s", c, code, out, errOut)
		}
	}
}
