// Package gittest makes real git repositories for tests: in a temporary
// directory, with a fixed identity and none of the machine's configuration.
package gittest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Isolate sets the environment every git in the test process runs with: a
// fixed identity and dates, no global or system configuration. Call it
// from TestMain.
func Isolate() {
	for k, v := range map[string]string{
		"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
		"GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
		"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_TERMINAL_PROMPT": "0",
	} {
		os.Setenv(k, v)
	}
	os.Unsetenv("MAESTRO_SESSION_ID")
	os.Unsetenv("GIT_DIR")
	os.Unsetenv("GIT_INDEX_FILE")
}

// Git runs git in dir and returns its output, failing the test on error.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Init makes a repository with one commit on branch main.
func Init(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	Git(t, dir, "init", "-q", "-b", "main")
	Write(t, dir, "README", "hello\n")
	Git(t, dir, "add", "README")
	Git(t, dir, "commit", "-q", "-m", "first")
	return dir
}

// Write writes a file under dir, making its folders.
func Write(t testing.TB, dir, name, content string) {
	t.Helper()
	p := dir + "/" + name
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		if err := os.MkdirAll(p[:i], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
