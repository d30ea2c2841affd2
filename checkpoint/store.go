package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/git"
)

// Store is the checkpoints of one repository.
type Store struct {
	repo *git.Repo
	// Now is the clock ids and timestamps come from.
	Now func() time.Time
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
}

func (e *Error) Error() string   { return e.Msg }
func (e *Error) Hints() []string { return e.Hint }

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
}

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
	if !o.OfHead {
		dirty, err := s.repo.Dirty()
		if err != nil {
			return nil, err
		}
		if dirty {
			snap, err := s.capture(head, "maestro checkpoint: "+o.Description)
			if err != nil {
				return nil, err
			}
			snap.cleanup()
			if !snap.clean {
				rec.CommitSHA, rec.Snapshot = snap.commit, true
			}
		}
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

// HookOptions describe the checkpoint of a commit just made.
type HookOptions struct {
	SessionID   string
	Phase       string // from MAESTRO_PHASE; "" leaves it to the commit's trailer
	Type        string // from MAESTRO_CHECKPOINT_TYPE; "" leaves it to the trailer
	DefaultType string // when neither says
	Source      string // "post-commit" or "post-rewrite"
}

// CreateForCommit checkpoints the commit at HEAD with the least work the
// hook can do on every commit: the ref names HEAD, which git resolves in
// the same transaction that writes the record, and what the commit itself
// says (subject, message, trailers) is read from it when the checkpoint is
// listed, not copied now.
func (s *Store) CreateForCommit(o HookOptions) (*Record, error) {
	if err := ValidateID("session id", o.SessionID); err != nil {
		return nil, err
	}
	for _, t := range []*string{&o.Type, &o.DefaultType} {
		if *t != "" {
			v, err := ParseType(*t)
			if err != nil {
				return nil, err
			}
			*t = v
		}
	}
	branch, err := s.repo.HeadBranch()
	if err != nil {
		return nil, err
	}
	rec := Record{SessionID: o.SessionID, Branch: branch, Phase: o.Phase, CheckpointType: o.Type, Source: o.Source,
		StateSnapshot: map[string]any{}, Tags: []string{}}
	for try := 0; ; try++ {
		now := s.Now()
		rec.CheckpointID, rec.Timestamp = newID("cp-", now), now.UTC()
		blob, err := s.writeJSON(stored{Version: 1, Record: rec, DefaultType: o.DefaultType})
		if err != nil {
			return nil, err
		}
		err = s.repo.UpdateRefs("maestro: checkpoint "+rec.CheckpointID,
			git.RefUpdate{Name: checkpointRef(rec.SessionID, rec.CheckpointID), New: "HEAD", Create: true},
			git.RefUpdate{Name: recordRef(rec.SessionID, rec.CheckpointID), New: blob, Create: true})
		if err == nil {
			return &rec, nil
		}
		var ge *git.Error
		if errors.As(err, &ge) && strings.Contains(ge.Stderr, "HEAD") && strings.Contains(ge.Stderr, "invalid") {
			return nil, refuse([]string{"make a first commit, then a checkpoint"}, "HEAD has no commit")
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
		return h, refuse([]string{"make a first commit, then a checkpoint"}, "the current branch has no commit yet")
	}
	return h, err
}

// snapshot is the working tree captured in git objects.
type snapshot struct {
	head      git.Head
	indexTree string
	workTree  string
	commit    string // the state commit, or head.SHA when clean
	clean     bool
	// tmpIndex describes workTree, with the file information of the
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
	return &State{HeadSHA: sn.head.SHA, Branch: sn.head.Branch, StateCommit: sn.commit, IndexTree: sn.indexTree, WorktreeTree: sn.workTree}
}

// capture records the index and the working tree (tracked changes,
// deletions, untracked files that are not ignored) as trees and, when they
// differ from HEAD and message is not "", as a snapshot commit. It works on
// a copy of the index, so the repository's index and files are never
// touched.
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
	if err = s.repo.AddAll(tmp); err == nil {
		sn.workTree, err = s.repo.WriteTree(tmp)
	}
	if err != nil {
		sn.cleanup()
		return nil, err
	}
	sn.clean = sn.workTree == sn.indexTree && sn.indexTree == head.Tree
	sn.commit = head.SHA
	if !sn.clean && message != "" {
		icommit, err := s.repo.CommitTree(sn.indexTree, []string{head.SHA}, "maestro: index\n")
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
	if err := os.MkdirAll(dir, 0o755); err != nil {
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

// Catalog is everything stored, read with a fixed number of git processes.
type Catalog struct {
	Records []Record // newest first
	Events  []Event  // oldest first
}

// Load reads every checkpoint record and event: one for-each-ref and one
// cat-file --batch, whatever their number.
func (s *Store) Load() (*Catalog, error) {
	refs, err := s.repo.Refs(RefRoot)
	if err != nil {
		return nil, err
	}
	commits := map[string]string{} // session/id -> the checkpoint ref's commit
	var blobs []string
	isEvent := map[string]bool{} // blob -> an event rather than a record
	for _, r := range refs {
		kind, key, ok := strings.Cut(strings.TrimPrefix(r.Name, RefRoot), "/")
		if !ok {
			continue
		}
		switch kind {
		case "checkpoints":
			commits[key] = r.Object
		case "records", "events":
			if r.Type == "blob" {
				blobs = append(blobs, r.Object)
				isEvent[r.Object] = kind == "events"
			}
		}
	}
	objs, err := s.repo.Objects(blobs)
	if err != nil {
		return nil, err
	}
	c := &Catalog{}
	seen := map[string]bool{}
	defaults := map[string]string{} // session/id -> a hook's default type
	for _, o := range objs {
		if o.Type != "blob" {
			continue
		}
		if isEvent[o.SHA] {
			var e Event
			if json.Unmarshal(o.Content, &e) == nil && e.EventID != "" {
				c.Events = append(c.Events, e)
			}
			continue
		}
		var st stored
		if json.Unmarshal(o.Content, &st) != nil || st.CheckpointID == "" {
			continue
		}
		key := st.SessionID + "/" + st.CheckpointID
		sha, ok := commits[key]
		if !ok || seen[key] {
			continue // pruned, or the same record twice
		}
		seen[key] = true
		st.Record.CommitSHA = sha
		if st.DefaultType != "" {
			defaults[key] = st.DefaultType
		}
		c.Records = append(c.Records, st.Record)
	}
	if err := s.fillFromCommits(c.Records, defaults); err != nil {
		return nil, err
	}
	sort.Slice(c.Events, func(i, j int) bool { return c.Events[i].EventID < c.Events[j].EventID })
	counts := map[string]int{}
	for _, e := range c.Events {
		if e.Type == EventRollback {
			counts[e.SessionID+"/"+e.CheckpointID]++
		}
	}
	for i := range c.Records {
		r := &c.Records[i]
		r.RollbackCount = counts[r.SessionID+"/"+r.CheckpointID]
		r.RollbackUsed = r.RollbackCount > 0
		if r.StateSnapshot == nil {
			r.StateSnapshot = map[string]any{}
		}
		if r.Tags == nil {
			r.Tags = []string{}
		}
	}
	sort.Slice(c.Records, func(i, j int) bool { return c.Records[i].CheckpointID > c.Records[j].CheckpointID })
	return c, nil
}

// fillFromCommits completes the records the hooks wrote from their commits,
// in one more git process: description (the subject), commit_message, and
// phase and type from the trailers Maestro-Phase and
// Maestro-Checkpoint-Type when the environment did not set them.
func (s *Store) fillFromCommits(recs []Record, defaults map[string]string) error {
	var idx []int
	var names []string
	for i, r := range recs {
		if r.Source != "checkpoint" && r.CommitMessage == "" {
			idx = append(idx, i)
			names = append(names, r.CommitSHA)
		}
	}
	if len(names) == 0 {
		return nil
	}
	cs, err := s.repo.Commits(names...)
	if err != nil {
		return err
	}
	for k, i := range idx {
		r, c := &recs[i], cs[k]
		r.HeadSHA = c.SHA
		r.CommitMessage = c.Message
		if r.Description == "" {
			r.Description = c.Subject()
		}
		if r.Phase == "" {
			r.Phase = trailer(c.Message, "Maestro-Phase")
		}
		if r.CheckpointType == "" {
			r.CheckpointType = defaults[r.SessionID+"/"+r.CheckpointID]
			if t, err := ParseType(trailer(c.Message, "Maestro-Checkpoint-Type")); err == nil {
				r.CheckpointType = t
			}
		}
	}
	return nil
}

// Filter keeps the records of session ("" for all) and of type typ ("" for
// all), newest first.
func (c *Catalog) Filter(session, typ string) []Record {
	var out []Record
	for _, r := range c.Records {
		if (session == "" || r.SessionID == session) && (typ == "" || r.CheckpointType == typ) {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the checkpoint id of session, or an error naming the
// nearest ids.
func (c *Catalog) Find(session, id string) (*Record, error) {
	var ids []string
	for i, r := range c.Records {
		if r.SessionID != session {
			continue
		}
		if r.CheckpointID == id {
			return &c.Records[i], nil
		}
		ids = append(ids, r.CheckpointID)
	}
	if len(ids) == 0 {
		return nil, refuse([]string{"'maestro list --all-sessions' shows the checkpoints of every session"}, "no checkpoint %s in session %q: the session has no checkpoints", id, session)
	}
	return nil, refuse([]string{"nearest: " + strings.Join(nearest(id, ids, 3), ", "), "'maestro list --session-id " + session + "' lists them all"},
		"no checkpoint %s in session %q", id, session)
}

// nearest returns up to n ids closest to id: those sharing the longest
// prefix with it, since ids are mostly their time.
func nearest(id string, ids []string, n int) []string {
	common := func(a, b string) int {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		return i
	}
	sorted := append([]string(nil), ids...)
	sort.SliceStable(sorted, func(i, j int) bool { return common(id, sorted[i]) > common(id, sorted[j]) })
	return sorted[:min(n, len(sorted))]
}
