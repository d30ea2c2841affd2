package cli

import (
	"slices"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"
)

func TestInterspersed(t *testing.T) {
	t.Parallel()
	cmds := []*ucli.Command{
		{Name: "run", Flags: []ucli.Flag{&ucli.StringFlag{Name: "max-attempts"}}},
		{Name: "show", Flags: []ucli.Flag{&ucli.StringFlag{Name: "session-id"}, &ucli.BoolFlag{Name: "json"}}},
		{Name: "answer", Flags: []ucli.Flag{&ucli.StringFlag{Name: "justification", Aliases: []string{"j"}}}},
		{Name: "hook", SkipFlagParsing: true},
		{Name: "session", Subcommands: []*ucli.Command{
			{Name: "show", Flags: []ucli.Flag{&ucli.BoolFlag{Name: "json"}}},
		}},
	}
	for _, tc := range []struct{ in, want string }{
		{"show CP --json", "show --json -- CP"},
		{"show --json CP", "show --json CP"},
		{"show CP --session-id s1", "show --session-id s1 -- CP"},
		{"show CP --session-id=s1 --json", "show --session-id=s1 --json -- CP"},
		// A value flag takes the next word, whatever it looks like.
		{"show --session-id --json CP", "show --session-id --json CP"},
		{"show CP --session-id", "show --session-id"},
		// Bool flags never take the next word.
		{"show --json CP --json", "show --json --json -- CP"},
		{"answer ID no -j why --", "answer -j why -- ID no"},
		{"answer ID -- --no -j", "answer ID -- --no -j"},
		{"answer ID no --justification -x -- -y", "answer --justification -x -- ID no -y"},
		{"show CP --bogus", "show --bogus -- CP"},
		{"show CP -", "show CP -"},
		{"session show ID --json", "session show --json -- ID"},
		{"session strat --json", "session strat --json"},
		// maestro run: the command's flags are the command's.
		{"run --max-attempts 3 true --json", "run --max-attempts 3 true --json"},
		{"run true --max-attempts 3", "run true --max-attempts 3"},
		{"hook post-commit --x", "hook post-commit --x"},
		{"frob x --json", "frob x --json"},
		{"show CP --help", "show --help"},
		{"show CP -h --json", "show -h --json"},
		{"show -h CP", "show -h"},
	} {
		got := interspersed(cmds, strings.Fields(tc.in))
		if want := strings.Fields(tc.want); !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", tc.in, got, want)
		}
	}
}
