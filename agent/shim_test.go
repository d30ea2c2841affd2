package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/shelltest"
)

// Issue 14: the command line each agent runs for each event is POSIX sh,
// whatever maestro's path: shellcheck -s sh finds nothing in it, and dash
// runs maestro with the words and the stdin the agent gave.
func TestHookCommandPOSIX(t *testing.T) {
	t.Parallel()
	dash := shelltest.Need(t, "dash")
	dir := filepath.Join(t.TempDir(), "it's a $(x) `dir`")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	program := filepath.Join(dir, "maestro")
	fake := "#!/bin/sh\nprintf '%s\\n' \"$@\" >\"$0.args\"\ncat >\"$0.stdin\"\n"
	if err := os.WriteFile(program, []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range Agents {
		for _, event := range a.Events() {
			command := HookCommand(program, a.Name, event)
			// SC2016: the $ of the path is quoted on purpose.
			shelltest.Check(t, "sh", "#!/bin/sh\n"+command+"\n", "SC2016")
			cmd := exec.Command(dash, "-c", command)
			cmd.Stdin = strings.NewReader(`{"hook_event_name":"x"}`)
			if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
				t.Fatalf("dash -c %q: %v, %s", command, err, out)
			}
			args, _ := os.ReadFile(program + ".args")
			if want := "agent\nhook\n" + a.Name + "\n" + event + "\n"; string(args) != want {
				t.Errorf("%s %s: maestro ran with %q, want %q", a.Name, event, args, want)
			}
			if stdin, _ := os.ReadFile(program + ".stdin"); string(stdin) != `{"hook_event_name":"x"}` {
				t.Errorf("%s %s: maestro read %q", a.Name, event, stdin)
			}
		}
	}
}
