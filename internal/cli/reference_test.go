package cli

import (
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/doctest"
)

// UpdateReference regenerates a page's tables as go generate does.
func UpdateReference(page []byte, links map[string]string) ([]byte, error) {
	return doctest.Regenerate(page, func(kind string, args []string) (string, error) {
		return ReferenceTable(kind, args, links)
	})
}

func TestUpdateReference(t *testing.T) {
	page := "# Rollback\n\ntext\n\n<!-- maestro:flags rollback -->\nstale\n<!-- maestro:end -->\n\nafter\n<!-- maestro:exit-codes run -->\n<!-- maestro:end -->\n"
	got, err := UpdateReference([]byte(page), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	for _, want := range []string{
		"# Rollback\n\ntext\n\n<!-- maestro:flags rollback -->\n| flag | default | what it does |\n",
		"| `--dry-run`",
		"<!-- maestro:end -->\n\nafter\n<!-- maestro:exit-codes run -->\n| code | meaning |\n",
		"| 127 | the command was not found (never retried) |\n| 128+N |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
	if strings.Contains(s, "stale") {
		t.Errorf("the old table was kept:\n%s", s)
	}
	again, err := UpdateReference(got, nil)
	if err != nil || string(again) != s {
		t.Errorf("not idempotent: %v\n%s", err, again)
	}
}

func TestUpdateReferenceErrors(t *testing.T) {
	for page, want := range map[string]string{
		"a\n<!-- maestro:flags rollbak -->\n<!-- maestro:end -->\n":                       `line 2: no command "maestro rollbak"`,
		"<!-- maestro:flags session nope -->\n<!-- maestro:end -->\n":                     `line 1: no command "maestro session nope"`,
		"<!-- maestro:flags run -->\nno end\n":                                            `line 1: no "<!-- maestro:end -->" line closes`,
		"<!-- maestro:tables -->\n<!-- maestro:end -->\n":                                 `line 1: unknown generated table "tables"`,
		"<!-- maestro:flags run -->\n<!-- maestro:flags list -->\n<!-- maestro:end -->\n": "starts inside this one",
		"<!-- maestro:flags -->\n<!-- maestro:end -->\n":                                  "needs a command",
	} {
		_, err := UpdateReference([]byte(page), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", page, err, want)
		}
	}
}

func TestFlagTableDefaults(t *testing.T) {
	got, err := UpdateReference([]byte("<!-- maestro:flags run -->\n<!-- maestro:end -->\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| `--max-attempts VALUE` | `3` | attempts, the first included |",
		"| `--jitter` | `on` |",
		"| `--timeout DURATION` |  | stop an attempt after DURATION",
		"| `--on-failure POLICY` | `suggest` |",
		"| `--quiet`, `-q` |  | no progress lines",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestCommandPaths(t *testing.T) {
	paths := strings.Join(CommandPaths(), ",")
	for _, want := range []string{"run", "rollback", "session start", "config trust", "config"} {
		if !strings.Contains(","+paths+",", ","+want+",") {
			t.Errorf("%q missing from %s", want, paths)
		}
	}
	for _, hidden := range []string{"__complete", "hook", "help"} {
		if strings.Contains(","+paths+",", ","+hidden+",") {
			t.Errorf("hidden %q in %s", hidden, paths)
		}
	}
}

func TestCommandTableLinks(t *testing.T) {
	got, err := UpdateReference([]byte("<!-- maestro:commands -->\n<!-- maestro:end -->\n"), map[string]string{"rollback": "checkpoints.md#flags", "session start": "sessions.md#start"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| [`maestro rollback`](checkpoints.md#flags) | return the working tree",
		"| [`maestro session start`](sessions.md#start) |",
		"| `maestro list` |",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// Bug: a marker shown in a code block, as docs/development.md shows one,
// was filled with a table.
func TestMarkerInCodeBlock(t *testing.T) {
	page := "```markdown\n<!-- maestro:flags run -->\n<!-- maestro:end -->\n```\n"
	got, err := UpdateReference([]byte(page), nil)
	if err != nil || string(got) != page {
		t.Errorf("got %q, %v; want the page unchanged", got, err)
	}
}
