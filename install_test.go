package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/shelltest"
)

// fakeGo plays go build: the "maestro" it builds prints its completion
// scripts and writes a man page, which is all install.sh asks of it. The
// real build is .ci/run's: it takes a minute, this takes milliseconds.
const fakeGo = `#!/bin/sh
while [ $# -gt 2 ]; do shift; done
cat >"$1" <<MAESTRO
#!/bin/sh
# maestro built from $2
case \$1 in
completion) echo "# \$2 completion" ;;
man) : >"\$3/maestro.1" ;;
esac
MAESTRO
chmod 755 "$1"
`

// Issue 14: install.sh is POSIX sh (shellcheck -s sh, which also finds
// whatever bash 3.2 lacks) and does its whole job under dash, and under
// bash: installs, says so, updates idempotently, warns, and gives
// Homebrew's folders for completion when brew is there.
func TestInstallScript(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile("install.sh")
	if err != nil {
		t.Fatal(err)
	}
	shelltest.Check(t, "sh", string(script))
	dash := shelltest.Need(t, "dash")

	// A copy, outside any repository: the version is "devel".
	src, home, tools := t.TempDir(), t.TempDir(), t.TempDir()
	prefix := filepath.Join(home, "pre fix")
	writeFile(t, filepath.Join(src, "install.sh"), string(script))
	writeFile(t, filepath.Join(tools, "go"), fakeGo)
	env := func(path, dataDirs string) []string {
		return []string{"HOME=" + home, "PREFIX=" + prefix, "PATH=" + path, "XDG_DATA_DIRS=" + dataDirs}
	}
	run := func(shell string, env []string, wantCode int) (stdout, stderr string) {
		t.Helper()
		cmd := exec.Command(shell, filepath.Join(src, "install.sh"))
		cmd.Env = env
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != wantCode {
			t.Fatalf("%s install.sh: %v (want exit %d)\nstdout:\n%s\nstderr:\n%s", shell, err, wantCode, &out, &errOut)
		}
		return out.String(), errOut.String()
	}
	has := func(what, text string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s has no %q:\n%s", what, w, text)
			}
		}
	}
	bin, share := filepath.Join(prefix, "bin"), filepath.Join(prefix, "share")

	stdout, stderr := run(dash, env(tools+":/usr/bin:/bin", share), 0)
	has("stdout", stdout, "install.sh: installed "+bin+"/maestro (devel)", "installed "+bin+"/maestro-mcp", "installed "+bin+"/maestro-ui",
		"linked "+bin+"/maestro-run -> maestro", "linked "+bin+"/git-maestro -> maestro")
	has("stderr", stderr, "install.sh: warning: "+bin+" is not on your PATH")
	if strings.Contains(stderr, "bash-completion does not read") || strings.Contains(stderr, "Homebrew") {
		t.Errorf("stderr:\n%s", stderr)
	}
	for name, want := range map[string]string{
		"bin/maestro-run": "maestro", "bin/git-maestro": "maestro",
		"share/bash-completion/completions/maestro-run": "maestro", "share/bash-completion/completions/git-maestro": "maestro",
		"share/zsh/site-functions/_git-maestro":            "_maestro",
		"share/fish/vendor_completions.d/maestro-run.fish": "maestro.fish", "share/fish/vendor_completions.d/git-maestro.fish": "maestro.fish",
	} {
		if got, err := os.Readlink(filepath.Join(prefix, name)); err != nil || got != want {
			t.Errorf("%s -> %q, %v; want -> %s", name, got, err, want)
		}
	}
	for name, want := range map[string]string{
		"share/bash-completion/completions/maestro": "# bash completion\n", "share/zsh/site-functions/_maestro": "# zsh completion\n",
		"share/fish/vendor_completions.d/maestro.fish": "# fish completion\n", "share/man/man1/maestro.1": "",
	} {
		if got, err := os.ReadFile(filepath.Join(prefix, name)); err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}

	// Again, under bash, with brew there and the folders elsewhere:
	// nothing changes, and it says how to use Homebrew's folders.
	if _, err := exec.LookPath("bash"); err == nil {
		writeFile(t, filepath.Join(tools, "brew"), "#!/bin/sh\n[ \"$1\" = --prefix ] && echo /opt/home brew\n")
		stdout, stderr = run("bash", env(bin+":"+tools+":/usr/bin:/bin", "/usr/share"), 0)
		has("stdout", stdout, bin+"/maestro is already maestro devel", bin+"/maestro-ui is already", bin+"/git-maestro -> maestro (already there)")
		has("stderr", stderr, "install.sh: warning: bash-completion does not read "+share+"/bash-completion/completions",
			"install.sh: hint: for Homebrew's bash completion: ln -sf "+share+"/bash-completion/completions/maestro /opt/home brew/etc/bash_completion.d/maestro",
			"install.sh: hint: for Homebrew's zsh: ln -sf "+share+"/zsh/site-functions/_maestro "+share+"/zsh/site-functions/_git-maestro /opt/home brew/share/zsh/site-functions/")
		if strings.Contains(stderr, "not on your PATH") {
			t.Errorf("stderr:\n%s", stderr)
		}
	}

	// Without go: an error, and what to do.
	if _, err := os.Stat("/usr/bin/go"); err != nil {
		_, stderr = run(dash, env("/usr/bin:/bin", share), 1)
		has("stderr", stderr, "install.sh: error: go is not on PATH\ninstall.sh: hint: install Go 1.26")
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}
