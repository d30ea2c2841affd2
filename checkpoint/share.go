package checkpoint

import (
	"io"
	"strings"

	"github.com/maestro-recovery/maestro/internal/git"
)

// Refspec shares every checkpoint, record and event through push. It has
// no '+': git refuses to replace a ref the remote holds with another value.
const Refspec = RefRoot + "*:" + RefRoot + "*"

// Push sends the checkpoints and their records to remote.
func (s *Store) Push(remote string, progress io.Writer) error {
	return s.repo.Push(remote, []string{Refspec}, progress)
}

// FetchResult says what a fetch brought.
type FetchResult struct {
	Added   int      `json:"added"` // refs that were new here
	Same    int      `json:"same"`  // refs that were here already, the same
	Kept    []string `json:"kept"`  // refs here whose remote value differs: the local one stays
	Remote  string   `json:"remote"`
	Refspec string   `json:"refspec"`
}

// Fetch gets the checkpoints and records of remote, never overwriting a
// local one. git fetch replaces a ref that names a blob (a record) as if it
// were new, whatever the refspec says, so the remote's refs are fetched
// into a namespace of their own first, and only those that do not exist
// here are then created, in one transaction.
func (s *Store) Fetch(remote string, progress io.Writer) (*FetchResult, error) {
	staging := "refs/maestro-incoming/" + newID("fetch-", s.Now()) + "/"
	res := &FetchResult{Remote: remote, Refspec: RefRoot + "*", Kept: []string{}}
	err := s.repo.Fetch(remote, []string{"+" + RefRoot + "*:" + staging + "*"}, progress)
	incoming, lerr := s.repo.Refs(staging)
	if err == nil {
		err = lerr
	}
	var updates []git.RefUpdate
	for _, r := range incoming {
		updates = append(updates, git.RefUpdate{Name: r.Name, Old: r.Object}) // the staging refs go
	}
	defer func() {
		if len(updates) > 0 && err != nil {
			s.repo.UpdateRefs("maestro: fetch cleanup", updates...)
		}
	}()
	if err != nil {
		return nil, err
	}
	local, err := s.repo.Refs(RefRoot)
	if err != nil {
		return nil, err
	}
	have := map[string]string{}
	for _, r := range local {
		have[r.Name] = r.Object
	}
	for _, r := range incoming {
		name := RefRoot + strings.TrimPrefix(r.Name, staging)
		switch old, ok := have[name]; {
		case !ok:
			updates = append(updates, git.RefUpdate{Name: name, New: r.Object, Create: true})
			res.Added++
		case old == r.Object:
			res.Same++
		default:
			res.Kept = append(res.Kept, name)
		}
	}
	if len(updates) > 0 {
		err = s.repo.UpdateRefs("maestro: fetch "+remote, updates...)
	}
	return res, err
}
