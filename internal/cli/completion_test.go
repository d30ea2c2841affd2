package cli

import (
	"slices"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"
)

// fakeIDs plays the repository and the local state: "" is the session
// the command would choose, here s2.
type fakeIDs struct{}

func (fakeIDs) checkpoints(session string) []string {
	switch session {
	case "", "s2":
		return []string{"cp-3"}
	case "s1":
		return []string{"cp-2", "cp-1"}
	}
	return nil
}
func (fakeIDs) sessions() []string  { return []string{"default", "s1", "s2"} }
func (fakeIDs) questions() []string { return []string{"q-2", "q-1"} }
func (fakeIDs) operations(session string) []string {
	if session == "s1" {
		return []string{"ev-1", "cp-1"}
	}
	return []string{"ev-2", "ev-1", "cp-1"}
}

func TestComplete(t *testing.T) {
	t.Parallel()
	cmds := []*ucli.Command{
		{Name: "run", Flags: []ucli.Flag{&ucli.StringFlag{Name: "max-attempts"}, &ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}}}},
		{Name: "show", Flags: []ucli.Flag{&ucli.StringFlag{Name: "session-id"}, &ucli.BoolFlag{Name: "json"}}},
		{Name: "rollback", Flags: []ucli.Flag{&ucli.StringFlag{Name: "checkpoint-id"}, &ucli.StringFlag{Name: "session-id"}}},
		{Name: "undo", Flags: []ucli.Flag{&ucli.StringFlag{Name: "to"}, &ucli.StringFlag{Name: "session-id"}}},
		{Name: "ask", Flags: []ucli.Flag{&ucli.StringFlag{Name: "wait"}, &ucli.StringFlag{Name: "issue"}}},
		{Name: "answer", Flags: []ucli.Flag{&ucli.StringFlag{Name: "justification"}}},
		{Name: "questions"},
		{Name: "secret", Hidden: true},
		{Name: "session", Subcommands: []*ucli.Command{{Name: "start"}, {Name: "show"}, {Name: "switch"}}},
	}
	for _, tc := range []struct{ words, want string }{
		{"s|", "show session"},
		{"|", "run show rollback undo ask answer questions session"},
		{"session s|", "start show switch"},
		// Without --session-id, the checkpoints of the session the
		// command would choose, not every session's.
		{"show |", "cp-3"},
		{"show --session-id s1 |", "cp-2 cp-1"},
		{"show --session-id=s1 |", "cp-2 cp-1"},
		{"show --session-id |", "default s1 s2"},
		{"show cp-1 |", ""},
		{"show --j|", "--json"},
		{"rollback --checkpoint-id cp|", "cp-3"},
		{"rollback --session-id s1 --checkpoint-id cp-2|", "cp-2"},
		{"undo --to |", "ev-2 ev-1 cp-1"},
		{"undo --session-id s1 --to e|", "ev-1"},
		{"ask --wait |", "q-2 q-1"},
		{"ask --issue |", ""},
		{"answer |", "q-2 q-1"},
		{"answer --justification why q|", "q-2 q-1"},
		{"answer q-1 |", ""},
		{"questions q-2 |", "q-1"},
		{"session show |", "default s1 s2"},
		{"session switch s|", "s1 s2"},
		{"session switch s1 |", ""},
		{"session start |", ""},
		{"run -|", "--max-attempts --quiet -q --help -h"},
		{"run --max-attempts 3 ec|", ""},
		{"run echo --m|", ""},
		{"run -- --m|", ""},
	} {
		words := strings.Split(strings.Replace(tc.words, "|", "", 1), " ")
		got := complete(cmds, words, fakeIDs{})
		if want := strings.Fields(tc.want); !slices.Equal(got, want) {
			t.Errorf("%q: got %q, want %q", tc.words, got, want)
		}
	}
}

func TestNewestFirst(t *testing.T) {
	t.Parallel()
	got := newestFirst([]string{"cp-20260101T000000.1Z-aa", "ev-20260102T000000.1Z-bb", "cp-20260101T000000.1Z-aa", "ev-20251231T000000.1Z-cc"})
	want := []string{"ev-20260102T000000.1Z-bb", "cp-20260101T000000.1Z-aa", "ev-20251231T000000.1Z-cc"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
