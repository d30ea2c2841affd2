package session

import "github.com/maestro-recovery/maestro/checkpoint"

// CountGit fills in what git holds of the session, which its log does not:
// the checkpoints made here, and its rollbacks, undos, redos and fetches.
// maestro session show and the MCP server's session_stats both sum a
// session up this way.
func (s *Stats) CountGit(cat *checkpoint.Catalog) {
	s.Checkpoints = len(cat.Filter(s.SessionID, ""))
	for _, ev := range cat.Events {
		if ev.SessionID != s.SessionID {
			continue
		}
		switch ev.Type {
		case checkpoint.EventRollback:
			s.Rollbacks++
		case checkpoint.EventUndo:
			s.Undos++
		case checkpoint.EventRedo:
			s.Redos++
		case checkpoint.EventFetch:
			s.Fetches++
		}
	}
}
