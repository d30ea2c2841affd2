package checkpoint

import (
	"io"
	"slices"
)

// PushRefspecs share what was made here: checkpoints, records, events and
// states, never what was fetched (refs/maestro/remotes/), so that nobody
// passes on a third party's refs as their own. They have no '+': git
// refuses to replace a ref the remote holds with another value.
func PushRefspecs() []string {
	specs := make([]string, len(kinds))
	for i, k := range kinds {
		specs[i] = RefRoot + k + "/*:" + RefRoot + k + "/*"
	}
	return specs
}

// RemotePrefix is where the refs fetched from remote are kept:
// refs/maestro/remotes/REMOTE/.
func RemotePrefix(remote string) string { return refRemotes + remote + "/" }

// FetchRefspecs mirror remote's own refs of each kind into its namespace
// here, as remote-tracking refs are: forced, since the mirror follows the
// remote, and never the remote's refs/maestro/remotes/, so that a remote
// cannot plant refs in another remote's namespace.
func FetchRefspecs(remote string) []string {
	specs := make([]string, len(kinds))
	for i, k := range kinds {
		specs[i] = "+" + RefRoot + k + "/*:" + RemotePrefix(remote) + k + "/*"
	}
	return specs
}

// checkRemote refuses a remote that is not a configured one, or whose name
// cannot be one component of a ref name (the namespace of what is fetched
// from it). A name that starts with '-' is refused here, before git could
// read it as an option.
func (s *Store) checkRemote(remote string) error {
	if err := ValidateID("remote", remote); err != nil {
		return err
	}
	names, err := s.repo.Remotes()
	if err != nil {
		return err
	}
	if !slices.Contains(names, remote) {
		return refuse([]string{"maestro shares through a configured remote: 'git remote -v' lists them, 'git remote add NAME URL' adds one"}, "no remote named %q", remote)
	}
	return nil
}

// Push sends the checkpoints, records and events made here to remote.
func (s *Store) Push(remote string, progress io.Writer) error {
	if err := s.checkRemote(remote); err != nil {
		return err
	}
	return s.repo.Push(remote, PushRefspecs(), progress)
}

// FetchResult says what a fetch brought.
type FetchResult struct {
	Remote   string   `json:"remote"`
	Into     string   `json:"into"`     // where they are kept: refs/maestro/remotes/REMOTE/
	Added    int      `json:"added"`    // refs new here
	Updated  int      `json:"updated"`  // refs whose value the remote changed
	Same     int      `json:"same"`     // refs that were here already, the same
	Refspecs []string `json:"refspecs"` // what was fetched
}

// Fetch gets remote's checkpoints, records and events into
// refs/maestro/remotes/REMOTE/, apart from those made here: they are
// listed with their origin and never chosen by default (see Catalog).
func (s *Store) Fetch(remote string, progress io.Writer) (*FetchResult, error) {
	if err := s.checkRemote(remote); err != nil {
		return nil, err
	}
	res := &FetchResult{Remote: remote, Into: RemotePrefix(remote), Refspecs: FetchRefspecs(remote)}
	before, err := s.refValues(res.Into)
	if err != nil {
		return nil, err
	}
	if err := s.repo.Fetch(remote, res.Refspecs, progress); err != nil {
		return nil, err
	}
	after, err := s.refValues(res.Into)
	if err != nil {
		return nil, err
	}
	for name, v := range after {
		switch old, ok := before[name]; {
		case !ok:
			res.Added++
		case old != v:
			res.Updated++
		default:
			res.Same++
		}
	}
	return res, nil
}

func (s *Store) refValues(prefix string) (map[string]string, error) {
	refs, err := s.repo.Refs(prefix)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(refs))
	for _, r := range refs {
		m[r.Name] = r.Object
	}
	return m, nil
}
