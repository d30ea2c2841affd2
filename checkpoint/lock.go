package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/maestro-recovery/maestro/internal/state"
)

// indexLock is git's own lock on the index (<index>.lock), held for a
// whole rollback or undo: a git command that would write the index (a
// commit, an add, a checkout) fails with "index.lock: File exists" until
// it is released, instead of interleaving with the move.
//
// A maestro killed while it holds the lock leaves index.lock behind, and
// git refuses to work until someone removes it. So that the next rollback
// or undo can take such a lock over, and only such a lock, maestro holds
// an flock on a side file (<git dir>/maestro/index-lock) while it holds
// index.lock, and the side file names the exact file maestro made (device,
// inode, time). index.lock is made as another name and hard-linked into
// place, so the side file names it before it exists: a kill at any point
// leaves either no index.lock of maestro's or one the side file names.
// A free flock with a matching index.lock is a lock of a dead maestro; any
// other index.lock belongs to someone else and is refused.
type indexLock struct {
	path  string   // <index>.lock
	index string   // the index
	side  *os.File // flocked while the lock is held
	done  bool
}

// lockedError is the refusal for an index.lock maestro did not leave.
func lockedError(path string) error {
	return &Error{Msg: "the index is locked: " + path + " exists",
		Hint: []string{"another git command is running in this working tree: wait for it to finish, then try again",
			"if none is (one crashed), remove the lock: rm '" + path + "'"}}
}

// sidePath is the file whose flock says a maestro holds the index lock.
func (s *Store) sidePath() string { return filepath.Join(s.repo.GitDir, "maestro", "index-lock") }

// lockIndex takes the index lock, or refuses before anything changed.
func (s *Store) lockIndex() (*indexLock, error) {
	lk := &indexLock{path: s.repo.IndexFile + ".lock", index: s.repo.IndexFile}
	side, err := s.openSide()
	if err != nil {
		return nil, err
	}
	if err := flock(side, true); err != nil {
		side.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, refuse([]string{"wait for it to finish, then try again"}, "another maestro is rolling back or undoing in this working tree")
		}
		return nil, fmt.Errorf("lock %s: %w", side.Name(), err)
	}
	lk.side = side
	stale := readMarker(side)
	// What a maestro killed here left behind, under names only maestro uses.
	placeholder := lk.index + ".maestro-lock"
	os.Remove(placeholder)
	os.Remove(lk.final())
	os.Remove(lk.final() + ".lock")

	f, err := os.OpenFile(placeholder, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		lk.release()
		return nil, err
	}
	info, err := f.Stat()
	f.Close()
	if err == nil {
		err = writeMarker(side, marker(info))
	}
	if err == nil {
		err = os.Link(placeholder, lk.path)
	}
	os.Remove(placeholder)
	switch {
	case err == nil:
		return lk, nil
	case errors.Is(err, os.ErrExist):
		if info, serr := os.Lstat(lk.path); serr == nil && stale != "" && marker(info) == stale {
			// A maestro died holding it: it is ours to take over.
			if err := writeMarker(side, stale); err != nil {
				lk.release()
				return nil, err
			}
			return lk, nil
		}
		writeMarker(side, "")
		unlock(lk.side)
		return nil, lockedError(lk.path)
	default:
		lk.release()
		return nil, err
	}
}

// checkIndexLock is what a dry run does instead of taking the lock: it
// refuses a lock that the real run would refuse.
func (s *Store) checkIndexLock() error {
	path := s.repo.IndexFile + ".lock"
	info, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	side, err := s.openSide()
	if err != nil {
		return err
	}
	defer unlock(side)
	if flock(side, true) == nil && readMarker(side) == marker(info) {
		return nil
	}
	return lockedError(path)
}

func (s *Store) openSide() (*os.File, error) {
	p := s.sidePath()
	if err := state.MkdirAll(filepath.Dir(p)); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if errors.Is(err, syscall.ELOOP) {
		return nil, &state.LinkError{Path: p}
	}
	return f, err
}

// final is where the new index is written before it replaces the index.
func (lk *indexLock) final() string { return lk.index + ".maestro-new" }

// commit replaces the index with the file final and releases the lock.
func (lk *indexLock) commit(final string) error {
	if err := os.Rename(final, lk.index); err != nil {
		return err
	}
	lk.release()
	return nil
}

// release removes index.lock, if it is still the one maestro made, and
// lets go of the side file. Safe to call twice.
func (lk *indexLock) release() {
	if lk == nil || lk.done {
		return
	}
	lk.done = true
	if info, err := os.Lstat(lk.path); err == nil && marker(info) == readMarker(lk.side) {
		os.Remove(lk.path)
	}
	writeMarker(lk.side, "")
	unlock(lk.side)
}

// marker identifies one file: device, inode and modification time.
func marker(info os.FileInfo) string {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("maestro index lock %d %d %d", st.Dev, st.Ino, info.ModTime().UnixNano())
}

func readMarker(f *os.File) string {
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<10))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

func writeMarker(f *os.File, m string) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if m == "" {
		return nil
	}
	_, err := f.WriteAt([]byte(m+"\n"), 0)
	return err
}

// unlock lets go of the side file's lock, then closes it. Closing alone is
// not enough: a child another goroutine is starting at that moment (git,
// between fork and exec) holds a copy of the descriptor, and with it the
// lock, until it execs; a maestro that locks again at once would find it
// taken. LOCK_UN releases it for every copy.
func unlock(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}

func flock(f *os.File, nonblock bool) error {
	how := syscall.LOCK_EX
	if nonblock {
		how |= syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
