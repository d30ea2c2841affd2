package cli

import (
	"regexp"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/shelltest"
)

// bash4 matches what bash 3.2, macOS's, does not have; shellcheck does not
// know bash versions.
var bash4 = regexp.MustCompile(`\b(mapfile|readarray|compopt|coproc|globstar|lastpipe|EPOCHSECONDS|EPOCHREALTIME)\b|` +
	`\b(declare|local|typeset) -[a-zA-Z]*[An]|\$\{[^}]*(,,?|\^\^?|@[QEPAaKkUuL])\}|\[\[ -v |&>>|\|&|;;&|\[-[0-9]+\]|wait -n|%\(`)

// Issue 14: the bash completion script is clean for shellcheck and uses no
// bash newer than 3.2, the one macOS has.
func TestBashCompletionScript(t *testing.T) {
	t.Parallel()
	for n, line := range strings.Split(bashCompletion, "\n") {
		if code, _, _ := strings.Cut(line, "#"); bash4.MatchString(code) {
			t.Errorf("line %d needs bash 4 or later: %s", n+1, line)
		}
	}
	shelltest.Check(t, "bash", bashCompletion)
}

// The pattern finds what it is there to find.
func TestBash4Pattern(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"mapfile -t a", "compopt -o default", "declare -A m", "local -n r=x", `${x,,}`, `${x^^}`, `${x@Q}`, "[[ -v x ]]", "a &>> f", "a |& b", "${a[-1]}", `printf '%(%s)T'`} {
		if !bash4.MatchString(s) {
			t.Errorf("%q is not found", s)
		}
	}
	for _, s := range []string{`COMPREPLY+=("$line")`, `"${COMPREPLY[@]/%/ }"`, `${words[@]:i+1:cword-i}`, "local i=${__git_cmd_idx:-1}", "a && b", "a || b"} {
		if bash4.MatchString(s) {
			t.Errorf("%q is found", s)
		}
	}
}
