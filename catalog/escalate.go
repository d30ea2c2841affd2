package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/ids"
)

// Escalate is the effective [escalate] table: how questions put aside for
// later (maestro ask --no-tty defer) travel through a git remote.
type Escalate struct {
	// Remote is the remote deferred questions are pushed to, and answers
	// looked for on; "" keeps them local.
	Remote string
	// Poll is the first wait between two looks at the remote of a waiting
	// maestro ask --wait; each wait doubles it, up to MaxPoll.
	Poll time.Duration
}

// DefaultEscalate is the table when no file has one: questions stay local.
var DefaultEscalate = Escalate{Poll: time.Second}

// MaxPoll is the longest wait between two looks at the remote.
const MaxPoll = 30 * time.Second

type escalateTable struct {
	Remote *string `toml:"remote"`
	Poll   *string `toml:"poll"`
}

func (d *document) escalate() (Escalate, error) {
	t := d.file.Escalate
	e := DefaultEscalate
	at := func(key string) []any { return []any{"escalate", key} }
	if t.Remote != nil {
		r := strings.TrimSpace(*t.Remote)
		// The name becomes one component of refs/maestro/remotes/NAME/,
		// and is passed to git: it must not read as an option.
		if r != "" {
			// 128: checkpoint.MaxIDLen, the bound of every such name.
			if rule := ids.Problem(r, 128); rule != "" {
				return e, d.errorAt(at("remote"), fmt.Sprintf("%q is not a remote name maestro uses: %s", *t.Remote, rule), `the name of a configured remote, as 'git remote' lists it: "origin"`)
			}
		}
		e.Remote = r
	}
	if t.Poll != nil {
		v, err := ParseDuration(*t.Poll)
		if err != nil {
			return e, d.errorAt(at("poll"), err.Error())
		}
		if v > MaxPoll {
			return e, d.errorAt(at("poll"), fmt.Sprintf("%s is longer than %s, the longest wait between two looks", *t.Poll, FormatDuration(MaxPoll)))
		}
		e.Poll = v
	}
	return e, nil
}
