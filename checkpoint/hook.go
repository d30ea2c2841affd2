package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/jsonenc"
	"github.com/maestro-recovery/maestro/internal/state"
)

// HookOptions describe the checkpoints of the commits just made.
type HookOptions struct {
	SessionID   string
	Phase       string // from MAESTRO_PHASE; "" leaves it to the commit's trailer
	Type        string // from MAESTRO_CHECKPOINT_TYPE; "" leaves it to the trailer
	DefaultType string // when neither says
	Source      string // "post-commit" or "post-rewrite"
	// Head is the commit HEAD named when the hook started (git.HeadFromFiles),
	// "" if unknown. It is used only when HEAD keeps no reflog to say which
	// commits were made.
	Head string
	// Skip takes the new commits as seen without checkpointing them: the
	// commits of a rebase, checkpoints turned off.
	Skip bool
}

// Bounds of what one hook catches up: more pending than this means the
// hooks did not run for a while (maestro was not on PATH), not a race.
const (
	hookMaxPending = 1 << 20 // bytes of reflog
	hookMaxCommits = 100
)

// CreateForCommits checkpoints each commit made in this worktree since a
// hook last ran in it, exactly those. git does not tell post-commit which
// commit it is for, and releases its locks before running it, so HEAD may
// already name a later commit (another git commit in the same worktree)
// when the hook looks. HEAD's reflog has one entry per commit, written
// before the hook runs: under a lock of its own, the hook reads the
// entries after the offset the last one stopped at, checkpoints the commit
// of each entry a commit made, and keeps the new offset. With no reflog it
// falls back to o.Head, read when the hook started.
//
// It starts no git process where git.Loose can write the record and the
// refs: the lock and the offset are small files, and the reflog is read
// from where the last hook stopped. What a checkpoint records of its
// commit (subject, message, trailers) is read when it is listed, not now.
func (s *Store) CreateForCommits(o HookOptions) ([]Record, error) {
	dir := filepath.Join(s.repo.GitDir, "maestro")
	unlock, err := state.Lock(filepath.Join(dir, "hook.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	offsetFile := openOffset(dir)
	if offsetFile != nil {
		defer offsetFile.Close()
	}
	from, last := readOffset(offsetFile)
	entries, end, err := s.repo.HeadLog(from, last, hookMaxPending)
	noLog := errors.Is(err, fs.ErrNotExist)
	if err != nil && !noLog {
		return nil, err
	}
	if len(entries) > 0 {
		last = entries[len(entries)-1].New
	}
	if !noLog {
		// The entries read are this hook's, whatever happens next: a
		// checkpoint that fails is reported once, not retried by every
		// later commit.
		defer writeOffset(offsetFile, end, last)
	}
	if o.Skip {
		return nil, nil
	}
	var commits []string
	switch {
	case noLog || o.Source == "post-rewrite":
		// No reflog; or the end of a rebase, which holds the worktree
		// until then: one checkpoint, of where HEAD was when the hook
		// started.
		commits = []string{o.Head}
		if o.Head == "" {
			commits[0] = "HEAD" // git resolves it in the transaction
		}
	default:
		for _, e := range entries {
			if madeByCommit(e.Message) {
				commits = append(commits, e.New)
			}
		}
		if len(commits) > hookMaxCommits {
			commits = commits[len(commits)-hookMaxCommits:]
		}
	}
	if len(commits) == 0 {
		return nil, nil
	}
	return s.createForCommits(o, commits)
}

// madeByCommit reports whether a HEAD reflog entry is a commit that runs
// post-commit: git commit ("commit:", "commit (initial):", "commit
// (amend):", "commit (merge):"), cherry-pick and revert. A checkout, a
// reset or a rebase's picks are not.
func madeByCommit(message string) bool {
	for _, p := range []string{"commit:", "commit (", "cherry-pick:", "revert:"} {
		if strings.HasPrefix(message, p) {
			return true
		}
	}
	return false
}

// createForCommits writes a checkpoint of each commit, in one transaction
// whose refs name the exact commits.
func (s *Store) createForCommits(o HookOptions, commits []string) ([]Record, error) {
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
	// Where the repository's format allows, the hook writes its objects
	// and refs itself rather than start git twice (git.Loose).
	loose, err := s.repo.Loose()
	for _, sha := range commits {
		if err == nil && !loose.HasObject(sha) {
			err = git.Unsure // "HEAD", or a commit not loose: git checks it
		}
	}
	if err != nil {
		loose = nil
	}
	recs := make([]Record, len(commits))
	for try := 0; ; try++ {
		now := s.Now()
		var updates []git.RefUpdate
		for i, sha := range commits {
			// A nanosecond apart, so the ids sort as the commits were made.
			t := now.Add(time.Duration(i))
			recs[i] = Record{CheckpointID: newID("cp-", t), Timestamp: t.UTC(), SessionID: o.SessionID, Branch: branch,
				Phase: o.Phase, CheckpointType: o.Type, Source: o.Source, StateSnapshot: map[string]any{}, Tags: []string{}}
			data, err := hookRecordJSON(stored{Version: 1, Record: recs[i], DefaultType: o.DefaultType})
			if err != nil {
				return nil, err
			}
			var blob string
			if loose != nil {
				blob, err = loose.WriteBlob(data)
			} else {
				blob, err = s.repo.WriteBlob(data)
			}
			if err != nil {
				return nil, err
			}
			if sha != "HEAD" {
				recs[i].CommitSHA, recs[i].HeadSHA = sha, sha
			}
			// The record before its checkpoint ref: written by hand, the
			// refs are made one after the other, and a crash between the
			// two leaves a record without a checkpoint, which the catalog
			// takes for a pruned one and leaves out; the other way round
			// would leave a ref that nothing lists or prunes, keeping its
			// commit forever.
			updates = append(updates,
				git.RefUpdate{Name: recordRef(o.SessionID, recs[i].CheckpointID), New: blob, Create: true},
				git.RefUpdate{Name: checkpointRef(o.SessionID, recs[i].CheckpointID), New: sha, Create: true})
		}
		err := git.Unsure
		if loose != nil {
			err = loose.CreateRefs(updates)
		}
		if errors.Is(err, git.Unsure) {
			err = s.repo.UpdateRefs("maestro: checkpoint "+recs[0].CheckpointID, updates...)
		}
		if err == nil {
			return recs, nil
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

// hookRecordJSON is json.Marshal(st), byte for byte, for the records the
// hooks write (no snapshot values, no tags), without reflection: building
// encoding/json's encoder of a Record costs a millisecond in a new
// process, as much as the rest of the hook's work. TestHookRecordJSON
// checks the bytes.
func hookRecordJSON(st stored) ([]byte, error) {
	r := &st.Record
	if r.StateSnapshot == nil || len(r.StateSnapshot) > 0 || r.Tags == nil || len(r.Tags) > 0 {
		return json.Marshal(st)
	}
	var o jsonenc.Object
	o.Int("version", st.Version)
	o.String("checkpoint_id", r.CheckpointID)
	o.String("commit_sha", r.CommitSHA)
	ts, e := r.Timestamp.MarshalJSON()
	if e != nil {
		return nil, e
	}
	o.Raw("timestamp", ts)
	o.String("description", r.Description)
	o.String("phase", r.Phase)
	o.String("checkpoint_type", r.CheckpointType)
	o.String("commit_message", r.CommitMessage)
	o.Raw("state_snapshot", []byte("{}"))
	o.Raw("tags", []byte("[]"))
	o.Bool("rollback_used", r.RollbackUsed)
	o.Int("rollback_count", r.RollbackCount)
	o.String("session_id", r.SessionID)
	o.String("branch", r.Branch)
	o.String("head_sha", r.HeadSHA)
	o.Bool("snapshot", r.Snapshot)
	o.String("source", r.Source)
	if r.Origin != "" {
		o.String("origin", r.Origin)
	}
	if r.Future {
		o.Bool("future", true)
	}
	if st.DefaultType != "" {
		o.String("default_type", st.DefaultType)
	}
	return o.Bytes(), nil
}

// StartHookOffset is ResetHookOffset for an install: unless the hooks have
// a place in HEAD's reflog already. Then this is a reinstall, typically to
// point the hooks at a maestro that moved, and the commits made while the
// hook could not run are still theirs to checkpoint at the next commit.
func (s *Store) StartHookOffset() error {
	_, err := os.Lstat(filepath.Join(s.repo.GitDir, "maestro", offsetName))
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return s.ResetHookOffset()
}

// ClearHookOffset forgets the hooks' place in HEAD's reflog, on uninstall:
// the commits made until they are installed again are not theirs.
func (s *Store) ClearHookOffset() error {
	err := os.Remove(filepath.Join(s.repo.GitDir, "maestro", offsetName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// ResetHookOffset makes the hooks of this worktree start from the commits
// made from now on: installing them must not checkpoint the commits made
// before.
func (s *Store) ResetHookOffset() error {
	dir := filepath.Join(s.repo.GitDir, "maestro")
	unlock, err := state.Lock(filepath.Join(dir, "hook.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	entries, end, err := s.repo.HeadLog(-1, "", hookMaxPending)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	last := ""
	if len(entries) > 0 {
		last = entries[len(entries)-1].New
	}
	f := openOffset(dir)
	if f == nil {
		return fmt.Errorf("cannot write %s: it is not a plain file", filepath.Join(dir, offsetName))
	}
	defer f.Close()
	return writeOffset(f, end, last)
}

// offsetName, in the worktree's maestro folder, says where the last hook
// stopped in HEAD's reflog: "OFFSET COMMIT", the commit being the one the
// entry there moved HEAD to (to tell that the reflog was not rewritten
// since).
const offsetName = "hook-reflog-offset"

// openOffset opens the offset file to read and rewrite it in place, under
// the hook lock, which state.Lock took after checking the folder: a
// temporary file and a rename, on every commit, cost the hook more than
// the rest of its bookkeeping. A torn write reads as another offset,
// which HeadLog checks against the entry there (the commit it names)
// before trusting it. nil when it is not a plain file.
func openOffset(dir string) *os.File {
	f, err := os.OpenFile(filepath.Join(dir, offsetName), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil
	}
	return f
}

// readOffset is where the last hook stopped in HEAD's reflog, and the
// commit the entry there moved HEAD to; -1 if none.
func readOffset(f *os.File) (int64, string) {
	if f == nil {
		return -1, ""
	}
	buf := make([]byte, 256)
	n, _ := f.ReadAt(buf, 0)
	off, last, _ := strings.Cut(strings.TrimSpace(string(buf[:n])), " ")
	v, err := strconv.ParseInt(off, 10, 64)
	if err != nil || last != "" && !git.IsObjectID(last) {
		return -1, ""
	}
	return v, last
}

func writeOffset(f *os.File, off int64, last string) error {
	if f == nil {
		return nil
	}
	line := strings.TrimSpace(strconv.FormatInt(off, 10)+" "+last) + "\n"
	if _, err := f.WriteAt([]byte(line), 0); err != nil {
		return err
	}
	return f.Truncate(int64(len(line)))
}
