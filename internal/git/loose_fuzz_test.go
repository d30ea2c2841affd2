package git

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadConfig: the loose writer's small reader of git config files
// never panics, and never reads a value of the keys it decides by
// differently from git: where it answers at all (it may leave a file it
// is unsure of to git), core.logAllRefUpdates and extensions.objectFormat
// are what git config says they are.
func FuzzReadConfig(f *testing.F) {
	for _, s := range []string{
		"[core]\n\tlogAllRefUpdates = always\n",
		"[core]\nlogallrefupdates=true\n[core]\nlogAllRefUpdates = \"always\"\n",
		"[core] logAllRefUpdates = always ; comment\n",
		"[extensions]\n\tobjectFormat = sha256\n",
		"[core]\n\tlogAllRefUpdates = alw\\\nays\n",
		"[user]\n\tname = \"a \\\" b\"\n[core]\n\tbare = false\n",
		"[include]\n\tpath = other\n",
		"[Core \"sub\"]\n\tlogAllRefUpdates = always\n",
		"[core.x]\nlogallrefupdates = always\n",
		"[core]\n\tlogAllRefUpdates\n",
		"# [core]\n; logAllRefUpdates = always\n",
	} {
		f.Add(s)
	}
	git, err := exec.LookPath("git")
	if err != nil {
		f.Skip("no git")
	}
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		keys, _, err := readConfig(path, true)
		if err != nil {
			return // left to git
		}
		for _, k := range []string{"core.logallrefupdates", "extensions.objectformat"} {
			cmd := exec.Command(git, "config", "--file", path, "--get", k)
			cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
			out, gerr := cmd.Output()
			if ee, ok := gerr.(*exec.ExitError); ok && ee.ExitCode() != 1 {
				return // git cannot read the file either, or the key has several values in a way it refuses
			}
			want, got := strings.ToLower(strings.TrimSuffix(string(out), "\n")), strings.ToLower(keys[k])
			switch {
			case k == "core.logallrefupdates" && want == "always" && got != "always":
				// Missing it would write refs without the reflog git keeps.
				t.Errorf("%s: read %q, git says %q\n%q", k, got, want, text)
			case k == "extensions.objectformat" && got != want:
				// Reading it wrong would name objects with the wrong hash.
				t.Errorf("%s: read %q, git says %q\n%q", k, got, want, text)
			}
		}
	})
}
