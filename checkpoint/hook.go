package checkpoint

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/git"
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
// It costs what the hook did before (two git processes for one commit):
// the lock and the offset are small files, and the reflog is read from
// where the last hook stopped. What a checkpoint records of its commit
// (subject, message, trailers) is read when it is listed, not now.
func (s *Store) CreateForCommits(o HookOptions) ([]Record, error) {
	dir := filepath.Join(s.repo.GitDir, "maestro")
	unlock, err := state.Lock(filepath.Join(dir, "hook.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	offsetFile := filepath.Join(dir, "hook-reflog-offset")
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
	recs := make([]Record, len(commits))
	for try := 0; ; try++ {
		now := s.Now()
		var updates []git.RefUpdate
		for i, sha := range commits {
			// A nanosecond apart, so the ids sort as the commits were made.
			t := now.Add(time.Duration(i))
			recs[i] = Record{CheckpointID: newID("cp-", t), Timestamp: t.UTC(), SessionID: o.SessionID, Branch: branch,
				Phase: o.Phase, CheckpointType: o.Type, Source: o.Source, StateSnapshot: map[string]any{}, Tags: []string{}}
			blob, err := s.writeJSON(stored{Version: 1, Record: recs[i], DefaultType: o.DefaultType})
			if err != nil {
				return nil, err
			}
			if sha != "HEAD" {
				recs[i].CommitSHA, recs[i].HeadSHA = sha, sha
			}
			updates = append(updates,
				git.RefUpdate{Name: checkpointRef(o.SessionID, recs[i].CheckpointID), New: sha, Create: true},
				git.RefUpdate{Name: recordRef(o.SessionID, recs[i].CheckpointID), New: blob, Create: true})
		}
		err := s.repo.UpdateRefs("maestro: checkpoint "+recs[0].CheckpointID, updates...)
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
	return writeOffset(filepath.Join(dir, "hook-reflog-offset"), end, last)
}

// readOffset is where the last hook stopped in HEAD's reflog, and the
// commit the entry there moved HEAD to (to tell that the reflog was not
// rewritten since); -1 if none.
func readOffset(path string) (int64, string) {
	data, err := state.ReadFile(path)
	if err != nil {
		return -1, ""
	}
	off, last, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
	n, err := strconv.ParseInt(off, 10, 64)
	if err != nil || last != "" && !git.IsObjectID(last) {
		return -1, ""
	}
	return n, last
}

func writeOffset(path string, off int64, last string) error {
	return state.WriteAtomic(path, []byte(strings.TrimSpace(strconv.FormatInt(off, 10)+" "+last)+"\n"))
}
