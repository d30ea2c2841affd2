package checkpoint

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/ids"
)

// Catalog is everything stored, read with a fixed number of git processes.
// What was made here and what was fetched are apart: a command that does
// not ask for the fetched ones cannot choose one by mistake.
type Catalog struct {
	Records []Record // made here, newest first
	Events  []Event  // made here, oldest first

	Fetched       []Record // fetched, newest first, each with its Origin
	FetchedEvents []Event  // fetched, oldest first, each with its Origin
}

// refKey is what a ref under refs/maestro/ names.
type refKey struct {
	origin  string // "" for a ref made here
	kind    string // checkpoints, records, events, states
	session string
	id      string
}

// parseRef reads a ref name under RefRoot: KIND/SESSION/ID, or
// remotes/REMOTE/KIND/SESSION/ID. Anything else (a remote's ref of a shape
// maestro does not write, a component that is not a safe id) is not
// maestro's and is skipped.
func parseRef(name string) (refKey, bool) {
	parts := strings.Split(strings.TrimPrefix(name, RefRoot), "/")
	var k refKey
	switch {
	case len(parts) == 3 && parts[0] != "remotes":
		k = refKey{kind: parts[0], session: parts[1], id: parts[2]}
	case len(parts) == 5 && parts[0] == "remotes":
		if ValidateID("remote", parts[1]) != nil {
			return k, false
		}
		k = refKey{origin: parts[1], kind: parts[2], session: parts[3], id: parts[4]}
	default:
		return k, false
	}
	known := false
	for _, kind := range kinds {
		known = known || k.kind == kind
	}
	ok := known && ValidateID("session id", k.session) == nil && ValidateID("id", k.id) == nil
	return k, ok
}

// MaxFetchedBlob bounds a fetched record or event. maestro's records are
// a few hundred bytes; a prune event lists the records it pruned, a few
// MiB for thousands.
const MaxFetchedBlob = 16 << 20

// Load reads every checkpoint record and event, those made here and those
// fetched: one for-each-ref and one cat-file --batch, whatever their
// number. A record or an event that does not agree with the ref it is
// under, or holds a value maestro would not have written (a branch that is
// not a branch name, an object name that is not one), is not trusted: it
// is left out.
func (s *Store) Load() (*Catalog, error) {
	refs, err := s.repo.Refs(RefRoot)
	if err != nil {
		return nil, err
	}
	commits := map[refKey]string{} // a record's key -> its checkpoint ref's commit
	type blobRef struct {
		key refKey
		sha string
	}
	var blobRefs []blobRef
	var blobs []string
	wanted := map[string]bool{}
	for _, r := range refs {
		k, ok := parseRef(r.Name)
		if !ok {
			continue
		}
		switch k.kind {
		case "checkpoints":
			if r.Type == "commit" { // maestro's always are; a remote's might not be
				k.kind = "records"
				commits[k] = r.Object
			}
		case "records", "events":
			// A fetched blob could be of any size, and every one is read
			// into memory: a remote's records and events past a bound are
			// not maestro's, and are left out unread.
			if r.Type == "blob" && (k.origin == "" || r.Size <= MaxFetchedBlob) {
				blobRefs = append(blobRefs, blobRef{k, r.Object})
				if !wanted[r.Object] {
					wanted[r.Object] = true
					blobs = append(blobs, r.Object)
				}
			}
		}
	}
	objs, err := s.repo.Objects(blobs)
	if err != nil {
		return nil, err
	}
	content := map[string][]byte{}
	for _, o := range objs {
		if o.Type == "blob" {
			content[o.SHA] = o.Content
		}
	}
	c := &Catalog{}
	defaults := map[refKey]string{} // a hook's default type
	var local, fetched []int        // indexes into all
	var all []Record
	for _, b := range blobRefs {
		data, ok := content[b.sha]
		if !ok {
			continue
		}
		if b.key.kind == "events" {
			var e Event
			if json.Unmarshal(data, &e) != nil || e.EventID != b.key.id || e.SessionID != b.key.session || !validEvent(&e) {
				continue
			}
			e.Origin = b.key.origin
			if e.Origin == "" {
				c.Events = append(c.Events, e)
			} else {
				c.FetchedEvents = append(c.FetchedEvents, e)
			}
			continue
		}
		st, ok := decodeRecord(data, b.key)
		if !ok {
			continue
		}
		sha, ok := commits[b.key]
		if !ok {
			continue // pruned
		}
		st.Record.CommitSHA = sha
		st.Record.Origin = b.key.origin
		st.Record.RollbackUsed, st.Record.RollbackCount, st.Record.Future = false, 0, false
		if st.DefaultType != "" {
			defaults[b.key] = st.DefaultType
		}
		if b.key.origin == "" {
			local = append(local, len(all))
		} else {
			fetched = append(fetched, len(all))
		}
		all = append(all, st.Record)
	}
	if err := s.fillFromCommits(all, defaults); err != nil {
		return nil, err
	}
	byEvent := func(evs []Event) func(i, j int) bool {
		return func(i, j int) bool { return evs[i].EventID < evs[j].EventID }
	}
	sort.Slice(c.Events, byEvent(c.Events))
	sort.Slice(c.FetchedEvents, byEvent(c.FetchedEvents))
	// Rollbacks made here count for their target, made here or fetched;
	// a remote's rollbacks count for that remote's checkpoints.
	counts := map[refKey]int{}
	for _, e := range c.Events {
		if e.Type == EventRollback {
			// A rollback names its target's session when that is not its
			// own: a fetched checkpoint, or a green one of another session.
			k := refKey{origin: e.CheckpointOrigin, session: e.SessionID, id: e.CheckpointID}
			if e.CheckpointSession != "" {
				k.session = e.CheckpointSession
			}
			counts[k]++
		}
	}
	for _, e := range c.FetchedEvents {
		if e.Type == EventRollback && e.CheckpointOrigin == "" {
			k := refKey{origin: e.Origin, session: e.SessionID, id: e.CheckpointID}
			if e.CheckpointSession != "" {
				k.session = e.CheckpointSession
			}
			counts[k]++
		}
	}
	horizon := s.Now().Add(FutureSkew)
	for i := range all {
		r := &all[i]
		r.RollbackCount = counts[refKey{origin: r.Origin, session: r.SessionID, id: r.CheckpointID}]
		r.RollbackUsed = r.RollbackCount > 0
		r.Future = r.Timestamp.After(horizon) || idTime(r.CheckpointID).After(horizon)
		if r.StateSnapshot == nil {
			r.StateSnapshot = map[string]any{}
		}
		if r.Tags == nil {
			r.Tags = []string{}
		}
	}
	for _, i := range local {
		c.Records = append(c.Records, all[i])
	}
	for _, i := range fetched {
		c.Fetched = append(c.Fetched, all[i])
	}
	sort.Slice(c.Records, func(i, j int) bool { return c.Records[i].CheckpointID > c.Records[j].CheckpointID })
	sort.Slice(c.Fetched, func(i, j int) bool {
		a, b := c.Fetched[i], c.Fetched[j]
		if a.CheckpointID != b.CheckpointID {
			return a.CheckpointID > b.CheckpointID
		}
		return a.Origin < b.Origin
	})
	return c, nil
}

// decodeRecord reads the record blob under key, and says whether it is
// one to trust: what it says agrees with the ref it is under, and its
// values are what maestro writes.
func decodeRecord(data []byte, key refKey) (stored, bool) {
	var st stored
	ok := json.Unmarshal(data, &st) == nil && st.CheckpointID == key.id && st.SessionID == key.session && validRecord(&st.Record)
	return st, ok
}

// validRecord reports whether the values of a record that reach git, or
// the user's branch, are what maestro writes.
func validRecord(r *Record) bool {
	return (r.Branch == "" || git.IsBranchRef(r.Branch)) && (r.HeadSHA == "" || git.IsObjectID(r.HeadSHA))
}

// validEvent reports whether an event's states are what maestro records:
// undo passes their branch and object names to git.
func validEvent(e *Event) bool {
	switch e.Type {
	case EventRollback, EventUndo, EventRedo, EventPrune, EventFetch, EventAdopt:
	default:
		return false
	}
	if e.Fork != "" && ValidateID("fork name", e.Fork) != nil || e.ForkTree != "" && !git.IsObjectID(e.ForkTree) {
		return false
	}
	for _, id := range append([]string{e.Undoes, e.Redoes}, e.Undone...) {
		if id != "" && ValidateID("event id", id) != nil {
			return false
		}
	}
	if e.Remote != "" && ValidateID("remote", e.Remote) != nil {
		return false
	}
	// Undo passes these to git: only maestro's own refs, and of those made
	// here only checkpoints and records (never an event, which is history).
	for _, c := range e.Refs {
		k, ok := parseRef(c.Ref)
		if !ok || k.origin == "" && k.kind != "checkpoints" && k.kind != "records" || c.Old == c.New {
			return false
		}
		for _, sha := range []string{c.Old, c.New} {
			if sha != "" && !git.IsObjectID(sha) {
				return false
			}
		}
	}
	for i := range e.Pruned {
		r := &e.Pruned[i]
		if r.SessionID != e.SessionID || ValidateID("checkpoint id", r.CheckpointID) != nil || !git.IsObjectID(r.CommitSHA) || !validRecord(r) {
			return false
		}
	}
	if e.CheckpointOrigin != "" && ValidateID("remote", e.CheckpointOrigin) != nil ||
		(e.CheckpointOrigin != "" || e.CheckpointSession != "") && ValidateID("session id", e.CheckpointSession) != nil {
		return false
	}
	for _, st := range []*State{e.Before, e.After} {
		if st == nil {
			continue
		}
		if st.Branch != "" && !git.IsBranchRef(st.Branch) {
			return false
		}
		for _, sha := range []string{st.HeadSHA, st.StateCommit, st.IndexTree, st.WorktreeTree} {
			if !git.IsObjectID(sha) {
				return false
			}
		}
	}
	return true
}

// idTime is the time a checkpoint or event id starts with, or the zero
// time.
func idTime(id string) time.Time {
	_, rest, ok := strings.Cut(id, "-")
	if !ok {
		return time.Time{}
	}
	stamp, _, _ := strings.Cut(rest, "-")
	t, err := time.Parse("20060102T150405.000000000Z", stamp)
	if err != nil {
		return time.Time{}
	}
	return t
}

// fillFromCommits completes the records the hooks wrote from their commits,
// in one more git process: description (the subject), commit_message, and
// phase and type from the trailers Maestro-Phase and
// Maestro-Checkpoint-Type when the environment did not set them.
func (s *Store) fillFromCommits(recs []Record, defaults map[refKey]string) error {
	var idx []int
	var names []string
	for i, r := range recs {
		if r.Source != "checkpoint" && r.CommitMessage == "" {
			idx = append(idx, i)
			names = append(names, r.CommitSHA)
		}
	}
	if len(names) == 0 {
		return nil
	}
	cs, err := s.repo.Commits(names...)
	if err != nil {
		return err
	}
	for k, i := range idx {
		r, c := &recs[i], cs[k]
		r.HeadSHA = c.SHA
		r.CommitMessage = c.Message
		if r.Description == "" {
			r.Description = c.Subject()
		}
		if r.Phase == "" {
			r.Phase = trailer(c.Message, "Maestro-Phase")
		}
		if r.CheckpointType == "" {
			r.CheckpointType = defaults[refKey{origin: r.Origin, kind: "records", session: r.SessionID, id: r.CheckpointID}]
			if t, err := ParseType(trailer(c.Message, "Maestro-Checkpoint-Type")); err == nil {
				r.CheckpointType = t
			}
		}
	}
	return nil
}

// Filter keeps the records made here of session ("" for all) and of type
// typ ("" for all), newest first. Fetched ones are never among them.
func (c *Catalog) Filter(session, typ string) []Record {
	return filter(c.Records, "", session, typ)
}

// FilterFetched keeps the fetched records of remote ("" for every remote),
// session ("" for all) and type typ ("" for all), newest first.
func (c *Catalog) FilterFetched(remote, session, typ string) []Record {
	return filter(c.Fetched, remote, session, typ)
}

func filter(recs []Record, remote, session, typ string) []Record {
	var out []Record
	for _, r := range recs {
		if (remote == "" || r.Origin == remote) && (session == "" || r.SessionID == session) && (typ == "" || r.CheckpointType == typ) {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the checkpoint id of session made here, or an error naming
// the nearest ids.
func (c *Catalog) Find(session, id string) (*Record, error) {
	var known []string
	for i, r := range c.Records {
		if r.SessionID != session {
			continue
		}
		if r.CheckpointID == id {
			return &c.Records[i], nil
		}
		known = append(known, r.CheckpointID)
	}
	fetchedHint := "a fetched checkpoint is named in full: REMOTE/SESSION/CHECKPOINT-ID ('maestro list --all-remotes --all-sessions' lists them)"
	if len(known) == 0 {
		return nil, refuse([]string{"'maestro list --all-sessions' shows the checkpoints of every session", fetchedHint}, "no checkpoint %s in session %q: the session has no checkpoints", id, session)
	}
	hint := []string{"nearest: " + strings.Join(ids.Nearest(id, known, 3), ", "), "'maestro list --session-id " + session + "' lists them all"}
	for _, r := range c.Fetched {
		if r.CheckpointID == id {
			hint = append(hint, "a fetched checkpoint has this id: "+r.Name())
		}
	}
	return nil, refuse(hint, "no checkpoint %s in session %q", id, session)
}

// FindFetched returns the checkpoint id of session fetched from remote.
func (c *Catalog) FindFetched(remote, session, id string) (*Record, error) {
	var known []string
	for i, r := range c.Fetched {
		if r.Origin != remote || r.SessionID != session {
			continue
		}
		if r.CheckpointID == id {
			return &c.Fetched[i], nil
		}
		known = append(known, r.CheckpointID)
	}
	if len(known) == 0 {
		return nil, refuse([]string{"'maestro fetch " + remote + "' gets them; 'maestro list --remote " + remote + " --all-sessions' lists them"},
			"no checkpoint %s/%s/%s: nothing of session %q was fetched from %s", remote, session, id, session, remote)
	}
	return nil, refuse([]string{"nearest: " + strings.Join(ids.Nearest(id, known, 3), ", "), "'maestro list --remote " + remote + " --session-id " + session + "' lists them all"},
		"no checkpoint %s/%s/%s fetched from %s", remote, session, id, remote)
}

// Lookup finds a checkpoint by the name a command was given (ParseName):
// an id of session made here, or REMOTE/SESSION/ID fetched from REMOTE.
func (c *Catalog) Lookup(session, name string) (*Record, error) {
	origin, sess, id, err := ParseName(name)
	if err != nil {
		return nil, err
	}
	if origin != "" {
		return c.FindFetched(origin, sess, id)
	}
	return c.Find(session, id)
}
