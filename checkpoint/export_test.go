package checkpoint

import "path/filepath"

// SetHook makes s call f at the named steps of a rollback or undo.
func SetHook(s *Store, f func(step string)) { s.hook = f }

// LeaveLock takes the index lock and lets go of it as a maestro killed
// while holding it would: index.lock stays, the flock goes.
func LeaveLock(s *Store) error {
	lk, err := s.lockIndex()
	if err != nil {
		return err
	}
	unlock(lk.side)
	return nil
}

// ForkTree (tests only) is the working tree of the fork at path as an adopt records it
// (Event.ForkTree): tracked and untracked files, exact bytes. The fork's
// files and index are only read.
func (s *Store) ForkTree(path string) (string, error) {
	fs, err := s.openFork(filepath.Base(path), path)
	if err != nil {
		return "", err
	}
	head, err := fs.headCommit()
	if err != nil {
		return "", err
	}
	sn, err := fs.capture(head, "")
	if err != nil {
		return "", err
	}
	sn.cleanup()
	return sn.workTree, nil
}

// Adopted (tests only) reports whether the fork at path is, as it is now, what an
// adopt took: removing it then loses nothing.
func (s *Store) Adopted(path string) (bool, error) {
	tree, err := s.ForkTree(path)
	if err != nil {
		return false, err
	}
	return s.AdoptedTree(tree)
}
