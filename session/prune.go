package session

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/state"
)

// PruneOptions say which sessions' folders Prune removes.
type PruneOptions struct {
	Keep      int           // the newest Keep sessions are kept; 0 keeps all
	OlderThan time.Duration // sessions idle longer than this go; 0: none by age
	DryRun    bool
	Now       time.Time
	// Current is the current session, never pruned.
	Current string
}

// Pruned is a session whose folder Prune removed (or would).
type Pruned struct {
	SessionID   string    `json:"session_id"`
	Description string    `json:"description"`
	LastActive  time.Time `json:"last_active"`
	// Reason is "keep" (past the newest keep) or "older_than".
	Reason string `json:"reason"`
}

// PruneResult is what Prune did.
type PruneResult struct {
	DryRun bool     `json:"dry_run"`
	Pruned []Pruned `json:"pruned"`
	// Kept are the sessions left, protected ones included.
	Kept int `json:"kept"`
	// Protected are kept whatever the policy says: the current session,
	// and those with a question waiting for an answer. default is neither
	// pruned nor counted.
	Protected []string `json:"protected"`
}

// Prune removes the folders (log and start record) of old sessions from
// the state directory, so that they do not pile up: it keeps the newest
// o.Keep, by last activity (the log's last write), and drops those idle
// for longer than o.OlderThan. It never removes default (whose log is
// bounded by rotation instead, see Append), the current session, or a
// session with a question still waiting for an answer: maestro answer
// would log to it. Checkpoints are git's and 'maestro prune' prunes them;
// a session with checkpoints stays known after its log is gone.
func Prune(stateDir string, o PruneOptions) (*PruneResult, error) {
	res := &PruneResult{DryRun: o.DryRun, Pruned: []Pruned{}, Protected: []string{}}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	infos, err := List(stateDir)
	if err != nil || len(infos) == 0 {
		return res, err
	}
	protect := map[string]bool{o.Current: true}
	open, err := escalate.NewStore(stateDir).Open()
	if err != nil {
		return nil, err
	}
	for _, q := range open {
		protect[q.SessionID] = true
	}
	type session struct {
		Info
		last time.Time
	}
	var all []session
	for _, i := range infos {
		if i.ID != Default { // bounded by rotation, never pruned: not counted either
			all = append(all, session{i, lastActive(stateDir, i.ID)})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].last.After(all[j].last) })
	for n, s := range all {
		reason := ""
		switch {
		case o.Keep > 0 && n >= o.Keep:
			reason = "keep"
		case o.OlderThan > 0 && o.Now.Sub(s.last) > o.OlderThan:
			reason = "older_than"
		}
		if reason == "" {
			res.Kept++
			continue
		}
		if protect[s.ID] {
			res.Kept++
			res.Protected = append(res.Protected, s.ID)
			continue
		}
		if !o.DryRun {
			if err := removeSession(stateDir, s.ID); err != nil {
				return res, err
			}
		}
		res.Pruned = append(res.Pruned, Pruned{SessionID: s.ID, Description: s.Description, LastActive: s.last.UTC(), Reason: reason})
	}
	return res, nil
}

// lastActive is when the session last wrote: its log, else its folder.
func lastActive(stateDir, id string) time.Time {
	dir := filepath.Join(stateDir, "sessions", id)
	for _, p := range []string{filepath.Join(dir, "log.jsonl"), dir} {
		if info, err := os.Lstat(p); err == nil {
			return info.ModTime()
		}
	}
	return time.Time{}
}

// removeSession removes a session's folder. The folder is checked to be
// one (no link) first; RemoveAll follows no link below it.
func removeSession(stateDir, id string) error {
	sessions := filepath.Join(stateDir, "sessions")
	if _, err := state.ReadDir(sessions); err != nil {
		return err
	}
	dir := filepath.Join(sessions, id)
	info, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return &state.LinkError{Path: dir}
	}
	return os.RemoveAll(dir)
}
