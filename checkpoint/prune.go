package checkpoint

import (
	"sort"
	"time"

	"github.com/maestro-recovery/maestro/internal/git"
)

// PruneOptions is a retention policy.
type PruneOptions struct {
	SessionID string        // "" for every session
	Keep      int           // keep the newest Keep of each session; < 0 keeps all
	OlderThan time.Duration // drop those older than this; 0 drops none by age
	DryRun    bool
}

// Prune deletes the checkpoints the policy drops, and keeps their records:
// each session's pruned checkpoints are listed in full in a prune event,
// written in the same transaction that deletes their refs.
func (s *Store) Prune(o PruneOptions) ([]Record, error) {
	if o.SessionID != "" {
		if err := ValidateID("session id", o.SessionID); err != nil {
			return nil, err
		}
	}
	cat, err := s.Load()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	bySession := map[string][]Record{}
	for _, r := range cat.Filter(o.SessionID, "") { // newest first
		bySession[r.SessionID] = append(bySession[r.SessionID], r)
	}
	sessions := make([]string, 0, len(bySession))
	for k := range bySession {
		sessions = append(sessions, k)
	}
	sort.Strings(sessions)
	refs, err := s.repo.Refs(refRecords)
	if err != nil {
		return nil, err
	}
	recordBlob := map[string]string{}
	for _, r := range refs {
		recordBlob[r.Name] = r.Object
	}
	var pruned []Record
	var updates []git.RefUpdate
	for _, session := range sessions {
		var drop []Record
		for i, r := range bySession[session] {
			if o.Keep >= 0 && i >= o.Keep || o.OlderThan > 0 && now.Sub(r.Timestamp) > o.OlderThan {
				drop = append(drop, r)
			}
		}
		if len(drop) == 0 {
			continue
		}
		pruned = append(pruned, drop...)
		if o.DryRun {
			continue
		}
		ev := Event{Version: 1, EventID: newID("ev-", now), Type: EventPrune, SessionID: session, Timestamp: now.UTC(), Pruned: drop}
		for _, r := range drop {
			// The refs as they were, so that undo puts back the very blobs.
			ev.Refs = append(ev.Refs, RefChange{Ref: checkpointRef(session, r.CheckpointID), Old: r.CommitSHA})
			if b := recordBlob[recordRef(session, r.CheckpointID)]; b != "" {
				ev.Refs = append(ev.Refs, RefChange{Ref: recordRef(session, r.CheckpointID), Old: b})
			}
		}
		blob, err := s.writeJSON(ev)
		if err != nil {
			return nil, err
		}
		updates = append(updates, git.RefUpdate{Name: eventRef(session, ev.EventID), New: blob, Create: true})
		updates = append(updates, refUpdates(ev.Refs)...)
	}
	if len(updates) > 0 {
		if err := s.repo.UpdateRefs("maestro: prune", updates...); err != nil {
			return nil, err
		}
	}
	return pruned, nil
}
