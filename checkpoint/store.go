package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/notify"
)

// Store is the checkpoints of one repository.
type Store struct {
	repo *git.Repo
	// Now is the clock ids and timestamps come from.
	Now func() time.Time
	// Session is the session an operation that has none of its own (a
	// fetch) is recorded in; "" is "default".
	Session string
	// Notifier is told of every rollback made (not of a dry run); nil
	// tells nobody.
	Notifier *notify.Notifier
	// hook, in tests, runs at the named steps of a rollback or undo.
	hook func(step string)
}

// Open finds the repository holding dir.
func Open(dir string) (*Store, error) {
	r, err := git.Open(dir)
	if err != nil {
		return nil, err
	}
	return &Store{repo: r, Now: time.Now}, nil
}

// OpenHook opens the repository a git hook runs in, with one git process
// fewer than Open.
func OpenHook(dir string) (*Store, error) {
	r, err := git.OpenHook(dir)
	if err != nil {
		return nil, err
	}
	return &Store{repo: r, Now: time.Now}, nil
}

// Repo is the repository.
func (s *Store) Repo() *git.Repo { return s.repo }

// Error is a refusal: the operation would lose work or makes no sense
// here. It carries what to do about it.
type Error struct {
	Msg  string
	Hint []string
	// kind is the sentinel errors.Is finds in it (ErrNoGreen,
	// git.ErrNoCommits), if any: a caller that has somewhere else to go
	// tells it from the others.
	kind error
}

func (e *Error) Error() string   { return e.Msg }
func (e *Error) Hints() []string { return e.Hint }
func (e *Error) Is(target error) bool {
	return e.kind != nil && target == e.kind
}

func refuse(hint []string, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// CreateOptions describe a new checkpoint.
type CreateOptions struct {
	SessionID   string
	Description string
	Phase       string
	Type        string // one of Types, any case
	State       map[string]any
	Tags        []string
	Source      string // "checkpoint" unless set
	// OfHead checkpoints the commit at HEAD whatever the working tree
	// holds: the hooks use it, for a commit was just made.
	OfHead bool
	// UnlessTree, when set, is the tree of the previous checkpoint: when
	// the working tree is the same, nothing is made and Create returns
	// ErrUnchanged (the agents' end-of-turn checkpoints).
	UnlessTree string
	// LikelyDirty skips git status and captures the working tree at once
	// (a clean tree still gives a checkpoint of HEAD): one walk of the
	// tree instead of two when it has changed, as at the end of an
	// agent's turn.
	LikelyDirty bool
}

// ErrUnchanged is Create's answer when the working tree is
// CreateOptions.UnlessTree.
var ErrUnchanged = errors.New("the working tree is the same as at the previous checkpoint")

// Create makes a checkpoint of the working tree: HEAD when it is clean, a
// snapshot commit when it is dirty, made without touching the branch, the
// index or any file.
func (s *Store) Create(o CreateOptions) (*Record, error) {
	if err := ValidateID("session id", o.SessionID); err != nil {
		return nil, err
	}
	typ, err := ParseType(o.Type)
	if err != nil {
		return nil, err
	}
	head, err := s.headCommit()
	if err != nil {
		return nil, err
	}
	return s.create(o, typ, head)
}

// create is Create at head, read by the caller.
func (s *Store) create(o CreateOptions, typ string, head git.Head) (*Record, error) {
	var err error
	rec := Record{
		Description:    o.Description,
		Phase:          o.Phase,
		CheckpointType: typ,
		CommitMessage:  head.Message,
		StateSnapshot:  o.State,
		Tags:           o.Tags,
		SessionID:      o.SessionID,
		Branch:         head.Branch,
		HeadSHA:        head.SHA,
		CommitSHA:      head.SHA,
		Source:         o.Source,
	}
	if rec.Source == "" {
		rec.Source = "checkpoint"
	}
	if rec.StateSnapshot == nil {
		rec.StateSnapshot = map[string]any{}
	}
	if rec.Tags == nil {
		rec.Tags = []string{}
	}
	rec.Tree = head.Tree
	if !o.OfHead {
		dirty := o.LikelyDirty
		if o.UnlessTree != "" && o.UnlessTree == head.Tree {
			// The previous checkpoint was HEAD itself: the tree is unchanged
			// exactly when it is clean, which one git status says, without
			// capturing it (a turn that changed nothing: a third of the
			// time, and about nine git processes fewer).
			dirty = false
		}
		if !dirty {
			if dirty, err = s.repo.Dirty(); err != nil {
				return nil, err
			}
		}
		if dirty {
			snap, err := s.capture(head, "maestro checkpoint: "+o.Description)
			if err != nil {
				return nil, err
			}
			snap.cleanup()
			if !snap.clean {
				rec.CommitSHA, rec.Snapshot, rec.Tree = snap.commit, true, snap.workTree
			}
		}
	}
	if o.UnlessTree != "" && rec.Tree == o.UnlessTree {
		return nil, ErrUnchanged
	}
	// The id is new each try: another process may take the same one only by
	// drawing the same 32 random bits in the same nanosecond, and then the
	// transaction refuses to overwrite its refs.
	for try := 0; ; try++ {
		now := s.Now()
		rec.CheckpointID = newID("cp-", now)
		rec.Timestamp = now.UTC()
		blob, err := s.writeJSON(stored{Version: 1, Record: rec})
		if err != nil {
			return nil, err
		}
		err = s.repo.UpdateRefs("maestro: checkpoint "+rec.CheckpointID,
			git.RefUpdate{Name: checkpointRef(rec.SessionID, rec.CheckpointID), New: rec.CommitSHA, Create: true},
			git.RefUpdate{Name: recordRef(rec.SessionID, rec.CheckpointID), New: blob, Create: true})
		if err == nil {
			return &rec, nil
		}
		if try == 3 || !refExists(err) {
			return nil, err
		}
	}
}

func checkpointRef(session, id string) string { return refCheckpoints + session + "/" + id }
func recordRef(session, id string) string     { return refRecords + session + "/" + id }
func eventRef(session, id string) string      { return refEvents + session + "/" + id }
func stateRef(session, id string) string      { return refStates + session + "/" + id }

func refExists(err error) bool {
	var ge *git.Error
	return errors.As(err, &ge) && strings.Contains(ge.Stderr, "already exists")
}

func (s *Store) writeJSON(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return s.repo.WriteBlob(data)
}

// headCommit reads HEAD, refusing a branch with no commit.
func (s *Store) headCommit() (git.Head, error) {
	h, err := s.repo.Head()
	if errors.Is(err, git.ErrNoCommits) {
		// errors.Is still finds git.ErrNoCommits: a green checkpoint
		// is skipped, not warned about, before the first commit.
		return h, &Error{Msg: "the current branch has no commit yet", Hint: []string{"make a first commit, then a checkpoint"}, kind: git.ErrNoCommits}
	}
	return h, err
}

// snapshot is the working tree captured in git objects.
type snapshot struct {
	head      git.Head
	indexTree string
	// workTree holds the working tree's exact bytes: for the files in
	// rawPaths (whose bytes git add would convert: end of lines, a clean
	// filter) their bytes as they are, for all others their blobs.
	workTree  string
	cleanTree string // the working tree as git add stores it
	rawPaths  []string
	flags     git.IndexFlags // of the index: intent-to-add and the entries a snapshot cannot see
	commit    string         // the state commit, or head.SHA when clean
	clean     bool
	// tmpIndex describes cleanTree, with the file information of the
	// working tree, so that moving to another tree rewrites only the files
	// that differ.
	tmpIndex string
}

func (sn *snapshot) cleanup() {
	if sn.tmpIndex != "" {
		os.Remove(sn.tmpIndex)
	}
}

func (sn *snapshot) state() *State {
	return &State{HeadSHA: sn.head.SHA, Branch: sn.head.Branch, StateCommit: sn.commit, IndexTree: sn.indexTree, WorktreeTree: sn.workTree,
		RawPaths: textsafe.Paths(sn.rawPaths), IntentToAdd: textsafe.Paths(sn.flags.IntentToAdd)}
}

// capture records the index and the working tree (tracked changes,
// deletions, untracked files that are not ignored) as trees and, when they
// differ from HEAD and message is not "", as a snapshot commit. It works on
// a copy of the index, so the repository's index and files are never
// touched. What the trees cannot hold goes into the message of the index
// commit (see stateNotes): the intent-to-add entries, and which files are
// kept as their exact bytes.
func (s *Store) capture(head git.Head, message string) (*snapshot, error) {
	tmp, err := s.tempIndex(head)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{head: head, tmpIndex: tmp}
	if sn.indexTree, err = s.repo.WriteTree(tmp); err != nil {
		sn.cleanup()
		var ge *git.Error
		if errors.As(err, &ge) && strings.Contains(ge.Stderr, "unmerged") {
			return nil, refuse([]string{"resolve the conflicts and stage the result (git add), or abort the operation that made them"}, "the index has unmerged paths")
		}
		return nil, err
	}
	attributes := false
	if sn.flags, err = s.repo.Flags(tmp); err == nil {
		if attributes, err = s.repo.AddAll(tmp); err == nil {
			sn.cleanTree, err = s.repo.WriteTree(tmp)
		}
	}
	if err == nil {
		sn.workTree = sn.cleanTree
		err = s.exactBytes(sn, attributes || sn.flags.Attributes)
	}
	if err != nil {
		sn.cleanup()
		return nil, err
	}
	sn.clean = sn.workTree == sn.indexTree && sn.indexTree == head.Tree
	sn.commit = head.SHA
	if !sn.clean && message != "" {
		icommit, err := s.repo.CommitTree(sn.indexTree, []string{head.SHA}, "maestro: index\n"+stateNotes(sn.rawPaths, sn.flags.IntentToAdd))
		if err == nil {
			sn.commit, err = s.repo.CommitTree(sn.workTree, []string{head.SHA, icommit}, message+"\n")
		}
		if err != nil {
			sn.cleanup()
			return nil, err
		}
	}
	return sn, nil
}

// tempIndex copies the index, so that git can work on the copy. Copies
// left behind by a maestro that was killed are removed after an hour.
func (s *Store) tempIndex(head git.Head) (string, error) {
	dir := filepath.Join(s.repo.GitDir, "maestro", "tmp")
	// Stale copies are removed below: a tmp (or maestro) folder planted as
	// a link would have them removed elsewhere (issue 7, point 12).
	if err := state.MkdirAll(dir); err != nil {
		return "", err
	}
	// Copies a crashed maestro left behind go after an hour. The copy's
	// mtime is the index's (below), so its age is in its name.
	if old, err := os.ReadDir(dir); err == nil && len(old) > 0 {
		for _, e := range old {
			var born int64
			if _, err := fmt.Sscanf(e.Name(), "index-%d-", &born); err != nil || time.Since(time.Unix(0, born)) > time.Hour {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	f, err := os.CreateTemp(dir, fmt.Sprintf("index-%d-*", time.Now().UnixNano()))
	if err != nil {
		return "", err
	}
	var info os.FileInfo
	src, err := os.Open(s.repo.IndexFile)
	if err == nil {
		if info, err = src.Stat(); err == nil {
			_, err = io.Copy(f, src)
		}
		src.Close()
	}
	cerr := f.Close()
	switch {
	case errors.Is(err, os.ErrNotExist):
		// No index at all (a fresh clone with --no-checkout): start from HEAD.
		os.Remove(f.Name())
		err = s.repo.ReadTreeEmpty(f.Name(), head.Tree)
	case err == nil && cerr != nil:
		err = cerr
	case err == nil:
		// The copy keeps the index's mtime: git trusts an entry's stat data
		// only when the file was not modified in the same second the index
		// was written (the "racily clean" check). With a fresh mtime every
		// entry would look safe, and a same-size change made within that
		// second would be missed, and lost by the rollback that follows.
		err = os.Chtimes(f.Name(), info.ModTime(), info.ModTime())
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
