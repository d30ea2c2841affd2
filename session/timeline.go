package session

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
)

// Item is one item of a session's timeline: an entry of its log in the
// local state, or a checkpoint or event git holds for the session.
// maestro log prints them; the web page shows them.
type Item struct {
	Time        time.Time        `json:"time"`
	SessionID   string           `json:"session_id"`
	Type        string           `json:"type"` // the entry's, "checkpoint", or the event's
	Description string           `json:"description,omitempty"`
	Run         *Run             `json:"run,omitempty"`
	Human       *escalate.Record `json:"human,omitempty"`
	Agent       *Agent           `json:"agent,omitempty"` // an agent hook's event
	Truncated   bool             `json:"truncated,omitempty"`
	Checkpoint  *ItemCheckpoint  `json:"checkpoint,omitempty"`
	Event       *ItemEvent       `json:"event,omitempty"`
}

// ItemCheckpoint is what the timeline shows of a checkpoint; maestro show
// has the rest.
type ItemCheckpoint struct {
	CheckpointID   string `json:"checkpoint_id"`
	CommitSHA      string `json:"commit_sha"`
	CheckpointType string `json:"checkpoint_type"`
	Phase          string `json:"phase"`
	// Source is what made it: "checkpoint" (by hand), "post-commit" or
	// "post-rewrite" (the hooks).
	Source string `json:"source"`
}

// ItemEvent is what the timeline shows of a rollback, undo, redo, prune
// or fetch; maestro events has the rest.
type ItemEvent struct {
	EventID      string `json:"event_id"`
	CheckpointID string `json:"checkpoint_id,omitempty"` // a rollback's target, an adopted fork's checkpoint
	Fork         string `json:"fork,omitempty"`          // an adopt: the fork taken
	Undoes       string `json:"undoes,omitempty"`
	// Undone is what an undo took back, newest first: more than Undoes
	// for undo --to.
	Undone []string `json:"undone,omitempty"`
	Redoes string   `json:"redoes,omitempty"` // a redo: the undo it took back
	// Redone is what a redo did again: what that undo had taken back.
	Redone    []string `json:"redone,omitempty"`
	Remote    string   `json:"remote,omitempty"` // a fetch: where from
	Forced    bool     `json:"forced,omitempty"`
	Automatic bool     `json:"automatic,omitempty"`
	Pruned    int      `json:"pruned,omitempty"` // checkpoints a prune removed
	// RefsChanged is, for a fetch, the refs it added or updated; for an
	// undo or redo, the maestro refs it put back.
	RefsChanged int `json:"refs_changed,omitempty"`
}

// Timeline merges session id's log entries with what git holds of it (cat
// may be nil outside a repository), oldest first.
func Timeline(id string, entries []Entry, cat *checkpoint.Catalog) []Item {
	items := make([]Item, 0, len(entries))
	for _, en := range entries {
		items = append(items, Item{Time: en.Time, SessionID: en.SessionID, Type: en.Type, Description: en.Description, Run: en.Run, Human: en.Human, Agent: en.Agent, Truncated: en.Truncated})
	}
	if cat != nil {
		for _, r := range cat.Filter(id, "") {
			items = append(items, Item{Time: r.Timestamp.UTC(), SessionID: r.SessionID, Type: "checkpoint", Description: r.Description,
				Checkpoint: &ItemCheckpoint{CheckpointID: r.CheckpointID, CommitSHA: r.CommitSHA, CheckpointType: r.CheckpointType, Phase: r.Phase, Source: r.Source}})
		}
		// A redo's undo may be another session's.
		byID := make(map[string]*checkpoint.Event, len(cat.Events))
		for i := range cat.Events {
			byID[cat.Events[i].EventID] = &cat.Events[i]
		}
		for i := range cat.Events {
			ev := &cat.Events[i]
			if ev.SessionID != id {
				continue
			}
			items = append(items, Item{Time: ev.Timestamp.UTC(), SessionID: ev.SessionID, Type: ev.Type, Event: itemEvent(ev, byID)})
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Time.Before(items[j].Time) })
	return items
}

func itemEvent(ev *checkpoint.Event, byID map[string]*checkpoint.Event) *ItemEvent {
	le := &ItemEvent{EventID: ev.EventID, CheckpointID: ev.CheckpointID, Fork: ev.Fork, Undoes: ev.Undoes, Redoes: ev.Redoes, Remote: ev.Remote,
		Forced: ev.Forced, Automatic: ev.Automatic, Pruned: len(ev.Pruned)}
	if ev.CheckpointOrigin != "" {
		le.CheckpointID = ev.CheckpointOrigin + "/" + ev.CheckpointSession + "/" + ev.CheckpointID
	}
	if ev.Type != checkpoint.EventPrune {
		le.RefsChanged = len(ev.Refs)
	}
	if ev.Type == checkpoint.EventUndo && len(ev.Undone) > 1 {
		le.Undone = ev.Undone
	}
	if u := byID[ev.Redoes]; ev.Type == checkpoint.EventRedo && u != nil {
		le.Redone = u.Undone
		if len(le.Redone) == 0 && u.Undoes != "" {
			le.Redone = []string{u.Undoes} // an undo of a maestro before undo --to
		}
	}
	return le
}

// CountsText is "a 2, b 1": counts by name (failures by type), the names
// in order, each shown through show, the face's way of making it safe.
func CountsText(m map[string]int, show func(string) string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", show(k), m[k])
	}
	return strings.Join(parts, ", ")
}
