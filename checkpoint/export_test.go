package checkpoint

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
