package checkpoint

import (
	"sort"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/ids"
)

// The operation log: every event maestro recorded here (rollback, undo,
// redo, prune, fetch) and every checkpoint made, as jj's operation log
// shows every operation of a repository. Undo walks back through it one
// operation at a time, as jj undo does, and redo forward again; where the
// walk stands is not kept anywhere but derived from the events: each undo
// lists what it took back, each redo the undo it took back.

// Op is one entry of the operation log.
type Op struct {
	ID        string    `json:"event_id"` // an event id, or a checkpoint id for a checkpoint made
	Type      string    `json:"type"`
	SessionID string    `json:"session_id"`
	Timestamp time.Time `json:"timestamp"`
	// Origin is the remote a fetched event came from.
	Origin string `json:"origin,omitempty"`
	// CheckpointID is the checkpoint made, or a rollback's target
	// (REMOTE/SESSION/ID for a fetched one).
	CheckpointID string   `json:"checkpoint_id,omitempty"`
	Fork         string   `json:"fork,omitempty"`   // adopt: the fork taken
	Source       string   `json:"source,omitempty"` // checkpoint: checkpoint, post-commit or post-rewrite
	Description  string   `json:"description,omitempty"`
	Undoes       string   `json:"undoes,omitempty"`
	Undone       []string `json:"undone,omitempty"`
	Redoes       string   `json:"redoes,omitempty"`
	BranchBefore string   `json:"branch_before,omitempty"`
	HeadBefore   string   `json:"head_before,omitempty"`
	BranchAfter  string   `json:"branch_after,omitempty"`
	HeadAfter    string   `json:"head_after,omitempty"`
	ChangedFiles *int     `json:"changed_files,omitempty"`
	Pruned       []string `json:"pruned,omitempty"`
	Remote       string   `json:"remote,omitempty"`
	RefsChanged  int      `json:"refs_changed,omitempty"` // fetch: refs added or updated; undo: maestro refs put back
	Forced       bool     `json:"forced,omitempty"`
	Automatic    bool     `json:"automatic,omitempty"`
	// UndoneBy is the undo that took the operation back, while it stays
	// taken back.
	UndoneBy string `json:"undone_by,omitempty"`
	// Failed is an operation that failed half way and was put back by the
	// automatic undo that follows it.
	Failed bool `json:"failed,omitempty"`
}

func opOfEvent(e *Event) Op {
	op := Op{ID: e.EventID, Type: e.Type, SessionID: e.SessionID, Timestamp: e.Timestamp, Origin: e.Origin,
		CheckpointID: e.CheckpointID, Fork: e.Fork, Undoes: e.Undoes, Undone: e.Undone, Redoes: e.Redoes, ChangedFiles: e.ChangedFiles,
		Remote: e.Remote, RefsChanged: len(e.Refs), Forced: e.Forced, Automatic: e.Automatic}
	if e.CheckpointOrigin != "" {
		op.CheckpointID = e.CheckpointOrigin + "/" + e.CheckpointSession + "/" + e.CheckpointID
	}
	if e.Before != nil {
		op.BranchBefore, op.HeadBefore = e.Before.Branch, e.Before.HeadSHA
	}
	if e.After != nil {
		op.BranchAfter, op.HeadAfter = e.After.Branch, e.After.HeadSHA
	}
	for _, r := range e.Pruned {
		op.Pruned = append(op.Pruned, r.CheckpointID)
	}
	if e.Type == EventPrune {
		op.RefsChanged = 0
	}
	return op
}

func opOfRecord(r *Record) Op {
	return Op{ID: r.CheckpointID, Type: EventCheckpoint, SessionID: r.SessionID, Timestamp: r.Timestamp,
		CheckpointID: r.CheckpointID, Source: r.Source, Description: r.Description, BranchAfter: r.Branch, HeadAfter: r.HeadSHA}
}

// earlier orders ids of events and checkpoints by the time they start with.
func earlier(a, b string) bool {
	ta, tb := idTime(a), idTime(b)
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a < b
}

// history is where the undo walk stands, derived from the events made
// here, oldest first.
type history struct {
	events []*Event          // oldest first, without the failed ones
	all    []*Event          // oldest first, all of them
	byID   map[string]*Event // the events of events
	failed map[string]bool   // failed and put back, or the automatic undo that did
	walk
	// saved is the walk as it stood before each undo: redo returns to it.
	saved map[*Event]walk
}

// walk is which operations are taken back, and which undos redo takes
// back, newest last.
type walk struct {
	undoneBy  map[string]string // an operation taken back -> the undo that did
	redoStack []*Event
}

func (w walk) clone() walk {
	c := walk{undoneBy: make(map[string]string, len(w.undoneBy)), redoStack: append([]*Event(nil), w.redoStack...)}
	for k, v := range w.undoneBy {
		c.undoneBy[k] = v
	}
	return c
}

func walkable(e *Event) bool { return e.Type == EventUndo || e.Type == EventRedo }

// undone is what an undo took back, newest first.
func undone(u *Event) []string {
	if len(u.Undone) == 0 && u.Undoes != "" {
		return []string{u.Undoes} // an undo of a maestro before the walk
	}
	return u.Undone
}

func newHistory(evs []Event) *history {
	h := &history{byID: map[string]*Event{}, failed: map[string]bool{}, walk: walk{undoneBy: map[string]string{}}, saved: map[*Event]walk{}}
	for i := range evs {
		e := &evs[i]
		h.all = append(h.all, e)
		if e.Automatic && e.Undoes != "" {
			h.failed[e.EventID], h.failed[e.Undoes] = true, true
		}
	}
	for _, e := range h.all {
		if h.failed[e.EventID] {
			continue
		}
		h.events = append(h.events, e)
		h.byID[e.EventID] = e
		switch {
		case e.Type == EventRedo:
			h.redo(h.byID[e.Redoes])
		case e.Type == EventUndo && len(e.Undone) == 0 && h.byID[e.Undoes] != nil && h.byID[e.Undoes].Type == EventUndo:
			// A maestro before the walk undid an undo: a redo.
			h.redo(h.byID[e.Undoes])
		case e.Type == EventUndo:
			h.saved[e] = h.walk.clone()
			h.undo(e)
		default:
			// A new operation ends the redo chain, as in jj and editors.
			h.redoStack = nil
		}
	}
	return h
}

// undo marks what u took back. Taking back an undo (undo --to an event
// before it) does again what that undo had undone, and taking back a redo
// undoes again; the operations in u's range are taken back by u.
func (h *history) undo(u *Event) {
	ids := undone(u)
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	for _, id := range ids {
		t := h.byID[id]
		switch {
		case t == nil:
		case t.Type == EventUndo:
			for _, op := range undone(t) {
				if !in[op] {
					delete(h.undoneBy, op)
				}
			}
			h.drop(t)
		case t.Type == EventRedo:
			if r := h.byID[t.Redoes]; r != nil {
				for _, op := range undone(r) {
					if !in[op] && h.byID[op] != nil && !walkable(h.byID[op]) {
						h.undoneBy[op] = u.EventID
					}
				}
			}
		default:
			h.undoneBy[id] = u.EventID
		}
	}
	h.redoStack = append(h.redoStack, u)
}

// redo takes back undo u: the walk returns to where it stood before u
// when u is the last undo, as it is for a redo made here.
func (h *history) redo(u *Event) {
	if u == nil {
		return
	}
	if n := len(h.redoStack); n > 0 && h.redoStack[n-1] == u {
		if w, ok := h.saved[u]; ok {
			h.walk = w.clone()
			return
		}
	}
	for _, op := range undone(u) {
		if h.undoneBy[op] == u.EventID {
			delete(h.undoneBy, op)
		}
	}
	h.drop(u)
}

func (h *history) drop(u *Event) {
	for i, e := range h.redoStack {
		if e == u {
			h.redoStack = append(h.redoStack[:i:i], h.redoStack[i+1:]...)
			return
		}
	}
}

// undoTarget is the newest operation (of session, "" for any) not taken
// back yet: what a plain undo takes back.
func (h *history) undoTarget(session string) *Event {
	for i := len(h.events) - 1; i >= 0; i-- {
		e := h.events[i]
		if !walkable(e) && h.undoneBy[e.EventID] == "" && (session == "" || e.SessionID == session) {
			return e
		}
	}
	return nil
}

// redoTarget is the last undo, which no new operation followed: what
// redo takes back.
func (h *history) redoTarget() *Event {
	if n := len(h.redoStack); n > 0 {
		return h.redoStack[n-1]
	}
	return nil
}

// since returns the events from id on, newest first.
func (h *history) since(id string) []*Event {
	var out []*Event
	for i := len(h.events) - 1; i >= 0; i-- {
		if e := h.events[i]; !earlier(e.EventID, id) {
			out = append(out, e)
		}
	}
	return out
}

// lastAfter is the state the newest move left, or nil.
func (h *history) lastAfter() (*Event, *State) {
	for i := len(h.all) - 1; i >= 0; i-- {
		if e := h.all[i]; e.After != nil {
			return e, e.After
		}
	}
	return nil, nil
}

// Events lists the operations of session ("" for every one) newest first:
// the events made here and the checkpoints made here (also those pruned
// since, from their prune events); withFetched adds the events fetched
// from remotes.
func (s *Store) Events(session string, withFetched bool) ([]Op, error) {
	if session != "" {
		if err := ValidateID("session id", session); err != nil {
			return nil, err
		}
	}
	cat, err := s.Load()
	if err != nil {
		return nil, err
	}
	h := newHistory(cat.Events)
	var ops []Op
	seen := map[string]bool{}
	addRecord := func(r *Record) {
		if !seen[r.CheckpointID] && (session == "" || r.SessionID == session) {
			seen[r.CheckpointID] = true
			ops = append(ops, opOfRecord(r))
		}
	}
	for i := range cat.Records {
		addRecord(&cat.Records[i])
	}
	for _, e := range h.all {
		for i := range e.Pruned {
			addRecord(&e.Pruned[i])
		}
		if session != "" && e.SessionID != session {
			continue
		}
		op := opOfEvent(e)
		op.UndoneBy = h.undoneBy[e.EventID]
		op.Failed = h.failed[e.EventID] && !e.Automatic
		ops = append(ops, op)
	}
	if withFetched {
		for i := range cat.FetchedEvents {
			if e := &cat.FetchedEvents[i]; session == "" || e.SessionID == session {
				ops = append(ops, opOfEvent(e))
			}
		}
	}
	sort.SliceStable(ops, func(i, j int) bool { return earlier(ops[j].ID, ops[i].ID) })
	return ops, nil
}

// findOp resolves what undo --to names: an event or a checkpoint made
// here, by its id or any unique prefix or suffix of it.
func findOp(h *history, cat *Catalog, name string) (*Event, *Record, error) {
	type cand struct {
		id  string
		ev  *Event
		rec *Record
	}
	var all []cand
	for _, e := range h.events {
		if !e.Automatic {
			all = append(all, cand{e.EventID, e, nil})
		}
	}
	seen := map[string]bool{}
	for i := range cat.Records {
		r := &cat.Records[i]
		seen[r.CheckpointID] = true
		all = append(all, cand{r.CheckpointID, nil, r})
	}
	for _, e := range h.events {
		for i := range e.Pruned {
			if r := &e.Pruned[i]; !seen[r.CheckpointID] {
				seen[r.CheckpointID] = true
				all = append(all, cand{r.CheckpointID, nil, r})
			}
		}
	}
	var match []cand
	for _, c := range all {
		if c.id == name {
			return c.ev, c.rec, nil
		}
		if strings.HasPrefix(c.id, name) || strings.HasSuffix(c.id, name) {
			match = append(match, c)
		}
	}
	known := make([]string, len(all))
	for i, c := range all {
		known[i] = c.id
	}
	switch {
	case len(match) == 1:
		return match[0].ev, match[0].rec, nil
	case len(match) > 1:
		var names []string
		for _, c := range match[:min(len(match), 3)] {
			names = append(names, c.id)
		}
		return nil, nil, refuse([]string{"it matches " + strings.Join(names, ", ") + ": give more of it"}, "%q names %d events", printable(name), len(match))
	case len(all) == 0:
		return nil, nil, refuse(nil, "no event %q: nothing was recorded here yet", printable(name))
	}
	return nil, nil, refuse([]string{"nearest: " + strings.Join(ids.Nearest(name, known, 3), ", "), "'maestro events' lists them"}, "no event %q", printable(name))
}

// refsBack is what puts the maestro refs back as they were before the
// events taken back (newest first) and, when made is not nil, before that
// checkpoint was made: for each ref, its value before the oldest of them
// that changed it, against its value now.
func (s *Store) refsBack(take []*Event, made *Record) ([]RefChange, error) {
	want := map[string]string{}
	var order []string
	set := func(ref, old string) {
		if _, ok := want[ref]; !ok {
			order = append(order, ref)
		}
		want[ref] = old
	}
	for _, e := range take {
		for _, c := range e.Refs {
			set(c.Ref, c.Old)
		}
		if e.Type == EventPrune && len(e.Refs) == 0 {
			// A prune of an older maestro, which did not keep the record
			// blobs: they are written again from the records it kept.
			for _, r := range e.Pruned {
				blob, err := s.recordBlob(r)
				if err != nil {
					return nil, err
				}
				set(checkpointRef(e.SessionID, r.CheckpointID), r.CommitSHA)
				set(recordRef(e.SessionID, r.CheckpointID), blob)
			}
		}
	}
	if made != nil {
		set(checkpointRef(made.SessionID, made.CheckpointID), "")
		set(recordRef(made.SessionID, made.CheckpointID), "")
	}
	if len(order) == 0 {
		return nil, nil
	}
	now, err := s.refValues(RefRoot)
	if err != nil {
		return nil, err
	}
	var out []RefChange
	for _, ref := range order {
		if now[ref] != want[ref] {
			out = append(out, RefChange{Ref: ref, Old: now[ref], New: want[ref]})
		}
	}
	return out, nil
}

// recordBlob writes a record as a record blob holds it.
func (s *Store) recordBlob(r Record) (string, error) {
	r.RollbackUsed, r.RollbackCount, r.Future, r.Origin = false, 0, false, ""
	return s.writeJSON(stored{Version: 1, Record: r})
}

// refUpdates turns the changes into update-ref commands, each compare
// and swap.
func refUpdates(changes []RefChange) []git.RefUpdate {
	var out []git.RefUpdate
	for _, c := range changes {
		switch {
		case c.Old == c.New:
		case c.Old == "":
			out = append(out, git.RefUpdate{Name: c.Ref, New: c.New, Create: true})
		default:
			out = append(out, git.RefUpdate{Name: c.Ref, New: c.New, Old: c.Old})
		}
	}
	return out
}

// inverse is what takes changes back.
func inverse(changes []RefChange) []RefChange {
	out := make([]RefChange, len(changes))
	for i, c := range changes {
		out[len(changes)-1-i] = RefChange{Ref: c.Ref, Old: c.New, New: c.Old}
	}
	return out
}

// recordFetch records what a fetch changed under refs/maestro/remotes/,
// so that undo can take it back. git fetch updates the refs on its own,
// so the event follows it rather than sharing its transaction.
func (s *Store) recordFetch(res *FetchResult, before, after map[string]string) error {
	var refs []RefChange
	for name, v := range after {
		if _, ok := parseRef(name); ok && before[name] != v {
			refs = append(refs, RefChange{Ref: name, Old: before[name], New: v})
		}
	}
	if len(refs) == 0 {
		return nil
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Ref < refs[j].Ref })
	session := s.Session
	if session == "" {
		session = "default"
	}
	if err := ValidateID("session id", session); err != nil {
		return err
	}
	now := s.Now()
	ev := Event{Version: 1, EventID: newID("ev-", now), Type: EventFetch, SessionID: session, Timestamp: now.UTC(), Remote: res.Remote, Refs: refs}
	blob, err := s.writeJSON(ev)
	if err != nil {
		return err
	}
	return s.repo.UpdateRefs("maestro: fetch "+ev.EventID, git.RefUpdate{Name: eventRef(session, ev.EventID), New: blob, Create: true})
}
