package checkpoint

import (
	"slices"
	"strings"
)

// Consistency is what maestro doctor finds under refs/maestro/: the refs
// maestro cannot use, by full name.
type Consistency struct {
	Checkpoints int // made here, each with its record
	// NoRecord are checkpoints made here without their record, and
	// NoCheckpoint records without their checkpoint. maestro writes both
	// in one transaction and prunes both in another, so one without the
	// other was deleted or written by something else: maestro lists
	// neither.
	NoRecord     []string
	NoCheckpoint []string
	// Invalid are refs of a shape maestro does not write (a name, a kind,
	// an object type), and records it cannot read or that do not agree
	// with their ref.
	Invalid []string
}

// Check reads every ref under refs/maestro/, changing nothing: the same
// two git processes as Load.
func (s *Store) Check() (*Consistency, error) {
	refs, err := s.repo.Refs(RefRoot)
	if err != nil {
		return nil, err
	}
	cat, err := s.Load()
	if err != nil {
		return nil, err
	}
	loaded := map[refKey]bool{}
	for _, r := range cat.Records {
		loaded[refKey{kind: "records", session: r.SessionID, id: r.CheckpointID}] = true
	}
	c := &Consistency{}
	checkpoints, records := map[refKey]string{}, map[refKey]string{}
	for _, r := range refs {
		if question, ok := questionRef(r.Name); question {
			// Questions and answers shared through a remote (package
			// escalate): one blob each, here or fetched.
			if !ok || r.Type != "blob" {
				c.Invalid = append(c.Invalid, r.Name)
			}
			continue
		}
		k, ok := parseRef(r.Name)
		want := map[string]string{"checkpoints": "commit", "records": "blob", "events": "blob", "states": "commit"}[k.kind]
		if !ok || r.Type != want {
			c.Invalid = append(c.Invalid, r.Name)
			continue
		}
		if k.origin != "" {
			continue // a remote's: fetch brings what it has
		}
		switch k.kind {
		case "checkpoints":
			k.kind = "records"
			checkpoints[k] = r.Name
		case "records":
			records[k] = r.Name
		}
	}
	for k, name := range checkpoints {
		if _, ok := records[k]; !ok {
			c.NoRecord = append(c.NoRecord, name)
		}
	}
	for k, name := range records {
		switch _, ok := checkpoints[k]; {
		case !ok:
			c.NoCheckpoint = append(c.NoCheckpoint, name)
		case !loaded[k]:
			c.Invalid = append(c.Invalid, name)
		default:
			c.Checkpoints++
		}
	}
	slices.Sort(c.NoRecord)
	slices.Sort(c.NoCheckpoint)
	slices.Sort(c.Invalid)
	return c, nil
}

// questionRef reports whether name is under the refs of questions shared
// through a remote (questions/ID, answers/ID, and the same fetched under
// remotes/REMOTE/), and whether it is of the shape maestro writes there.
func questionRef(name string) (question, ok bool) {
	parts := strings.Split(strings.TrimPrefix(name, RefRoot), "/")
	if len(parts) >= 3 && parts[0] == "remotes" {
		ok = ValidateID("remote", parts[1]) == nil
		parts = parts[2:]
	} else {
		ok = true
	}
	if len(parts) == 0 || parts[0] != "questions" && parts[0] != "answers" {
		return false, false
	}
	return true, ok && len(parts) == 2 && ValidateID("question id", parts[1]) == nil
}
