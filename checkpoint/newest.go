package checkpoint

import (
	"encoding/json"
	"slices"
	"sort"
)

// Newest is the newest part of what git holds of one session, made here:
// what a page of its timeline shows, and how much there is in all.
type Newest struct {
	Catalog *Catalog // the newest records and events, ordered as Load's
	// Records and Events count all of the session's, from the refs' names
	// (none of them read).
	Records, Events int
}

// LoadNewest reads session's newest n checkpoint records and n events:
// one for-each-ref of the session's names (ids sort by time), then one
// cat-file --batch of those 2n blobs only, where Load reads every blob of
// the repository. The records and events are checked as Load checks them;
// the records' rollback counts, which need every event, are not filled.
func (s *Store) LoadNewest(session string, n int) (*Newest, error) {
	if err := ValidateID("session id", session); err != nil {
		return nil, err
	}
	refs, err := s.repo.RefNames(checkpointRef(session, ""), recordRef(session, ""), eventRef(session, ""))
	if err != nil {
		return nil, err
	}
	commits := map[string]string{} // checkpoint id -> its commit
	blobOf := map[refKey]string{}
	var recs, evs []string
	for _, r := range refs {
		k, ok := parseRef(r.Name)
		if !ok || k.origin != "" || k.session != session {
			continue
		}
		switch k.kind {
		case "checkpoints":
			commits[k.id] = r.Object
		case "records":
			recs = append(recs, k.id)
			blobOf[k] = r.Object
		case "events":
			evs = append(evs, k.id)
			blobOf[k] = r.Object
		}
	}
	// A record without its checkpoint ref was pruned: not counted.
	recs = slices.DeleteFunc(recs, func(id string) bool { return commits[id] == "" })
	out := &Newest{Catalog: &Catalog{}, Records: len(recs), Events: len(evs)}
	newest := func(ids []string) []string {
		sort.Sort(sort.Reverse(sort.StringSlice(ids)))
		return ids[:min(n, len(ids))]
	}
	recs, evs = newest(recs), newest(evs)
	var names []string
	for _, id := range recs {
		names = append(names, blobOf[refKey{kind: "records", session: session, id: id}])
	}
	for _, id := range evs {
		names = append(names, blobOf[refKey{kind: "events", session: session, id: id}])
	}
	objs, err := s.repo.Objects(names)
	if err != nil {
		return nil, err
	}
	content := func(i int) []byte {
		if i < len(objs) && objs[i].Type == "blob" && len(objs[i].Content) <= MaxFetchedBlob {
			return objs[i].Content
		}
		return nil
	}
	c := out.Catalog
	defaults := map[refKey]string{}
	horizon := s.Now().Add(FutureSkew)
	for i, id := range recs {
		key := refKey{kind: "records", session: session, id: id}
		st, ok := decodeRecord(content(i), key)
		if !ok {
			continue
		}
		r := st.Record
		r.CommitSHA, r.Origin = commits[id], ""
		r.RollbackUsed, r.RollbackCount = false, 0
		r.Future = r.Timestamp.After(horizon) || idTime(id).After(horizon)
		if st.DefaultType != "" {
			defaults[key] = st.DefaultType
		}
		if r.StateSnapshot == nil {
			r.StateSnapshot = map[string]any{}
		}
		if r.Tags == nil {
			r.Tags = []string{}
		}
		c.Records = append(c.Records, r)
	}
	if err := s.fillFromCommits(c.Records, defaults); err != nil {
		return nil, err
	}
	for i, id := range evs {
		var e Event
		data := content(len(recs) + i)
		if json.Unmarshal(data, &e) != nil || e.EventID != id || e.SessionID != session || !validEvent(&e) {
			continue
		}
		c.Events = append(c.Events, e)
	}
	sort.Slice(c.Events, func(i, j int) bool { return c.Events[i].EventID < c.Events[j].EventID })
	return out, nil
}
