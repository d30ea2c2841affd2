package catalog

import (
	"fmt"
	"time"
)

// Sessions is the effective [sessions] table: how much of old sessions'
// logs the local state keeps (maestro session prune, and session start,
// which prunes by it).
type Sessions struct {
	Keep      int           // the logs of the newest Keep sessions are kept; 0 keeps all
	OlderThan time.Duration // logs idle longer than this go; 0: none by age
}

// DefaultSessions mirrors the embedded recovery.toml, as DefaultRetry.
var DefaultSessions = Sessions{Keep: 50}

type sessionsTable struct {
	Keep      *int64  `toml:"keep"`
	OlderThan *string `toml:"older_than"`
}

func (d *document) sessions() (Sessions, error) {
	t := d.file.Sessions
	s := DefaultSessions
	at := func(key string) []any { return []any{"sessions", key} }
	if t.Keep != nil {
		if *t.Keep < 0 || *t.Keep > 1<<31 {
			return s, d.errorAt(at("keep"), fmt.Sprintf("%d is out of range: use 0 (keep all) or more", *t.Keep))
		}
		s.Keep = int(*t.Keep)
	}
	if t.OlderThan != nil {
		v, err := ParseDuration(*t.OlderThan)
		if err != nil {
			return s, d.errorAt(at("older_than"), err.Error())
		}
		s.OlderThan = v
	}
	return s, nil
}
