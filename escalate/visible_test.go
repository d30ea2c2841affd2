package escalate_test

import (
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/escalate"
)

// Issue 7, point 4: the ask menu wrote the question's text and options raw
// to the terminal, so whoever wrote them (an agent, a recovery.toml) could
// write the clipboard through OSC 52 or retitle the window. They are shown
// visibly; the question keeps its lines, each option stays on one.
func TestAskTerminalShowsControlCharacters(t *testing.T) {
	t.Parallel()
	q := validQuestion(t, &escalate.Question{
		SessionID: "s1",
		Issue:     "Deploy?\x1b]52;c;Y3VybCB4IHwgc2g=\x07\nsecond line\x1b]0;title\x07",
		Options:   []string{"yes\x1b[2K", "no\nreally\u202e"},
		Default:   "no\nreally\u202e",
	})
	tty := newTTY(t, "1\n", false)
	option, _, err := escalate.AskTerminal(tty, q, patient())
	if err != nil || option != q.Options[0] {
		t.Fatalf("AskTerminal = %q, %v; want %q", option, err, q.Options[0])
	}
	screen := tty.screen.String()
	if strings.ContainsAny(screen, "\x1b\x07\u202e") {
		t.Errorf("raw control characters on the terminal: %q", screen)
	}
	for _, want := range []string{
		"maestro asks: Deploy?\\e]52;c;Y3VybCB4IHwgc2g=\\x07\nsecond line\\e]0;title\\x07\n",
		"  1) yes\\e[2K\n",
		"  2) no\\nreally\\u202e (default)\n",
		"(Enter for no\\nreally\\u202e, answer within ",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the screen lacks %q\nscreen:\n%s", want, screen)
		}
	}
}
