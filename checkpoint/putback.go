package checkpoint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// putBack returns to the recorded state after a step of a move failed
// once the branch had moved: the files the move wrote, then HEAD and the
// branches, with an automatic undo event so that the history says what
// happened. The index was not touched yet (it is written last). filesMoved
// says the tree switch had finished. Only when that fails too is the move
// left half way, for undo to finish.
func (s *Store) putBack(m *moving, filesMoved bool, cause error) error {
	err := s.putFilesBack(m, filesMoved)
	var back string
	if err == nil {
		back, err = s.putRefsBack(m)
	}
	if err != nil {
		return s.interrupted(m.ev, fmt.Errorf("%v; then putting back the state before it failed too: %v", cause, err))
	}
	return &Error{Msg: fmt.Sprintf("the %s failed after it had begun: %v: everything was put back as it was before it", m.ev.Type, cause),
		Hint: []string{"nothing was lost: the " + m.ev.Type + " " + m.ev.EventID + " and the automatic undo " + back + " that put it back are recorded ('maestro events' lists them)",
			"if a file changed while the " + m.ev.Type + " ran, try again once nothing else is writing to the working tree"}}
}

// putFilesBack returns the files the move wrote to what they were.
func (s *Store) putFilesBack(m *moving, filesMoved bool) error {
	before := m.before
	if filesMoved {
		// The temporary index describes the target now, with the stat
		// data of the files written: a reset to the recorded tree rewrites
		// them and removes those the recorded state lacks.
		if err := s.repo.ReadTreeReset(before.tmpIndex, before.cleanTree, true); err != nil {
			return err
		}
		return s.writeRaw(m.changes, textsafe.Paths(before.rawPaths), true)
	}
	// The switch failed. git checks everything before it writes, so it
	// usually wrote nothing; but it may have failed half way (a full disk).
	// Put back only the files that hold what the move would have written:
	// any other change is someone else's, made meanwhile, and stays.
	written, err := s.writtenByMove(m)
	if err != nil || len(written) == 0 {
		return err
	}
	var restore []string
	for _, c := range written {
		if c.Status == "A" {
			if err := os.Remove(filepath.Join(s.repo.TopLevel, c.Path)); err != nil && !os.IsNotExist(err) {
				return err
			}
			continue
		}
		restore = append(restore, c.Path)
	}
	if err := s.repo.CheckoutIndex(before.tmpIndex, restore); err != nil {
		return err
	}
	return s.writeRaw(written, textsafe.Paths(before.rawPaths), true)
}

// writtenByMove returns the changes whose paths hold the target's side
// now: the move wrote them.
func (s *Store) writtenByMove(m *moving) ([]git.Change, error) {
	modified, err := s.repo.ModifiedFiles(m.before.tmpIndex)
	if err != nil {
		return nil, err
	}
	isModified := map[string]bool{}
	for _, p := range modified {
		isModified[p] = true
	}
	var written, files, links []git.Change
	for _, c := range m.changes {
		info, err := os.Lstat(filepath.Join(s.repo.TopLevel, c.Path))
		switch {
		case c.Status == "A" && err != nil, c.Status != "A" && !isModified[c.Path]:
			// untouched
		case c.Status == "D":
			if err != nil {
				written = append(written, c)
			}
		case err != nil:
		case c.Mode == "120000" && info.Mode()&os.ModeSymlink != 0:
			links = append(links, c)
		case (c.Mode == "100644" || c.Mode == "100755") && info.Mode().IsRegular():
			files = append(files, c)
		}
	}
	var paths []string
	for _, c := range files {
		paths = append(paths, c.Path)
	}
	ids, err := s.repo.HashFilesFiltered(paths)
	if err != nil {
		return nil, err
	}
	for i, c := range files {
		if ids[i] == c.SHA {
			written = append(written, c)
		}
	}
	var shas []string
	for _, c := range links {
		shas = append(shas, c.SHA)
	}
	objs, err := s.repo.Objects(shas)
	if err != nil {
		return nil, err
	}
	for i, c := range links {
		target, err := os.Readlink(filepath.Join(s.repo.TopLevel, c.Path))
		if err == nil && bytes.Equal([]byte(target), objs[i].Content) {
			written = append(written, c)
		}
	}
	return written, nil
}

// putRefsBack moves HEAD and the branch back, compare and swap, in one
// transaction with an automatic undo event, and returns that event's id.
func (s *Store) putRefsBack(m *moving) (string, error) {
	ev, head, to := m.ev, m.head, m.to
	back := &Event{Version: 1, Type: EventUndo, SessionID: ev.SessionID, Undoes: ev.EventID, Automatic: true, Before: ev.After, After: ev.Before, Refs: inverse(ev.Refs)}
	now := s.Now()
	back.EventID, back.Timestamp = newID("ev-", now), now.UTC()
	blob, err := s.writeJSON(back)
	if err != nil {
		return "", err
	}
	updates := []git.RefUpdate{
		{Name: eventRef(back.SessionID, back.EventID), New: blob, Create: true},
		{Name: stateRef(back.SessionID, back.EventID), New: ev.After.StateCommit, Create: true},
	}
	updates = append(updates, refUpdates(back.Refs)...)
	setHead, detach := "", false
	switch {
	case m.branchAfter == "" && head.Branch != "":
		setHead = head.Branch // the move detached HEAD from the branch, which stayed
	case m.branchAfter == "":
		updates = append(updates, git.RefUpdate{Name: "HEAD", New: head.SHA, Old: to.HeadSHA, NoDeref: true})
	case m.switchTo == "":
		updates = append(updates, git.RefUpdate{Name: head.Branch, New: head.SHA, Old: to.HeadSHA})
	default:
		if m.tip == "" {
			updates = append(updates, git.RefUpdate{Name: m.switchTo, Old: to.HeadSHA})
		} else {
			updates = append(updates, git.RefUpdate{Name: m.switchTo, New: m.tip, Old: to.HeadSHA})
		}
		if m.headSwitched {
			setHead, detach = head.Branch, head.Branch == ""
		}
	}
	reason := "maestro: undo " + back.EventID + " (automatic)"
	if err := s.repo.UpdateRefs(reason, updates...); err != nil {
		return "", err
	}
	switch {
	case detach:
		err = s.repo.UpdateRefs(reason, git.RefUpdate{Name: "HEAD", New: head.SHA, NoDeref: true})
	case setHead != "":
		err = s.repo.SetHead(setHead, reason)
	}
	return back.EventID, err
}

// interrupted is a move that failed after it was recorded, and could not
// be put back either: undo finishes the way back.
func (s *Store) interrupted(ev *Event, err error) error {
	return &Error{Msg: "the " + ev.Type + " " + ev.EventID + " stopped half way: " + err.Error(),
		Hint: []string{"the state before it is recorded: 'git maestro undo --to " + ev.EventID + " --force' returns to it"}}
}
