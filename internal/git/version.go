package git

import (
	"fmt"
	"strconv"
	"strings"
)

// MinVersion is the oldest git maestro works with: rollback lists the
// worktrees with 'git worktree list -z' (git 2.36).
var MinVersion = [2]int{2, 36}

// Version is the installed git's version, as 'git version' prints it
// ("2.39.5", "2.39.3 (Apple Git-146)"), and its major and minor numbers.
func Version() (string, [2]int, error) {
	out, err := (&Repo{}).read(nil, "version")
	if err != nil {
		return "", [2]int{}, err
	}
	text := strings.TrimSpace(string(out))
	v, ok := strings.CutPrefix(text, "git version ")
	if !ok {
		return "", [2]int{}, fmt.Errorf("git version: unexpected output %q", text)
	}
	var n [2]int
	parts := strings.SplitN(v, ".", 3)
	for i := range n {
		if i >= len(parts) {
			break
		}
		digits := strings.TrimRightFunc(parts[i], func(r rune) bool { return r < '0' || r > '9' })
		if n[i], err = strconv.Atoi(digits); err != nil {
			return "", [2]int{}, fmt.Errorf("git version: unexpected output %q", text)
		}
	}
	return v, n, nil
}
