package checkpoint

import "io"

// Refspec shares every checkpoint, record and event. It has no '+': git
// never overwrites an existing ref with it, so fetching cannot replace a
// local record (ids are unique, so an honest remote never has another
// value for one).
const Refspec = RefRoot + "*:" + RefRoot + "*"

// Push sends the checkpoints and their records to remote.
func (s *Store) Push(remote string, progress io.Writer) error {
	return s.repo.Push(remote, []string{Refspec}, progress)
}

// Fetch gets the checkpoints and records of remote.
func (s *Store) Fetch(remote string, progress io.Writer) error {
	return s.repo.Fetch(remote, []string{Refspec}, progress)
}
