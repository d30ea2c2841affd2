package checkpoint

import (
	"strings"

	"github.com/maestro-recovery/maestro/notify"
)

// notifyRollback sends the rollback event of res, made in session.
func (s *Store) notifyRollback(session string, res *Result) {
	if !s.Notifier.Wants(notify.RolledBack) || res.Checkpoint == nil {
		return
	}
	rec := res.Checkpoint
	s.Notifier.Send(&notify.Event{
		Event:      notify.RolledBack,
		Repository: s.repo.TopLevel,
		SessionID:  session,
		Rollback: &notify.Rollback{
			CheckpointID:      rec.Name(),
			CheckpointSession: rec.SessionID,
			EventID:           res.EventID,
			Branch:            strings.TrimPrefix(res.BranchAfter, "refs/heads/"), // "" at a detached HEAD,
			FilesChanged:      len(res.Restored) + len(res.Removed),
			Undo:              "git maestro undo --session-id " + session,
		},
	})
}
