// Package checkpoint keeps checkpoints of a git working tree as lightweight
// refs, and rolls back to them without ever losing work: every change it
// makes is recorded first, as an event that undo can take back.
//
// Layout, all under refs/maestro/ so that one refspec shares everything:
//
//	refs/maestro/checkpoints/<session>/<cp-id>  the checkpoint: HEAD, or a snapshot commit
//	refs/maestro/records/<session>/<cp-id>      its record, a JSON blob
//	refs/maestro/events/<session>/<ev-id>       a rollback, undo, redo, prune or fetch, a JSON blob
//	refs/maestro/states/<session>/<ev-id>       the state an event recorded, a commit
//
// What maestro fetch brings from a remote is kept apart, per remote, the way
// git keeps remote-tracking branches: refs/maestro/remotes/<remote>/<kind>/...
// with the same four kinds. It is listed with its origin, never chosen by
// default, and never undone here.
//
// A snapshot commit has HEAD as its first parent, a commit of the index as
// its second, and the working tree (tracked changes and untracked files
// that are not ignored) as its tree, like git stash's. Records and events
// are written once, in the same update-ref transaction as the refs they
// describe, and never rewritten: counts such as rollback_count are derived
// from the events when read.
package checkpoint

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/ids"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Ref prefixes.
const (
	RefRoot        = "refs/maestro/"
	refCheckpoints = RefRoot + "checkpoints/"
	refRecords     = RefRoot + "records/"
	refEvents      = RefRoot + "events/"
	refStates      = RefRoot + "states/"
	refRemotes     = RefRoot + "remotes/"
)

// kinds are the four kinds of ref a session has, here and per remote.
var kinds = []string{"checkpoints", "records", "events", "states"}

// ParseType accepts a checkpoint type in any case: one of the seed's six,
// catalog.CheckpointTypes.
func ParseType(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, k := range catalog.CheckpointTypes {
		if t == k {
			return t, nil
		}
	}
	return "", &InputError{fmt.Sprintf("unknown checkpoint type %q: use one of %s", s, strings.Join(catalog.CheckpointTypes, ", "))}
}

// Record is a checkpoint as maestro reports it.
type Record struct {
	CheckpointID   string         `json:"checkpoint_id"`
	CommitSHA      string         `json:"commit_sha"`
	Timestamp      time.Time      `json:"timestamp"`
	Description    string         `json:"description"`
	Phase          string         `json:"phase"`
	CheckpointType string         `json:"checkpoint_type"`
	CommitMessage  string         `json:"commit_message"`
	StateSnapshot  map[string]any `json:"state_snapshot"`
	Tags           []string       `json:"tags"`
	// Derived from the events when read (stored as zero, never updated).
	RollbackUsed  bool   `json:"rollback_used"`
	RollbackCount int    `json:"rollback_count"`
	SessionID     string `json:"session_id"`
	Branch        string `json:"branch"` // refs/heads/NAME, "" when HEAD was detached
	HeadSHA       string `json:"head_sha"`
	// Snapshot is true when the tree was dirty: commit_sha is then a
	// snapshot commit whose first parent is head_sha.
	Snapshot bool `json:"snapshot"`
	// Source says what made it: "checkpoint" (by hand), "post-commit" or
	// "post-rewrite" (the hooks).
	Source string `json:"source"`
	// Origin is the remote a fetched checkpoint came from, "" for one made
	// here. It comes from where the record is, never from what it says.
	Origin string `json:"origin,omitempty"`
	// Future is true when the checkpoint is dated more than FutureSkew
	// ahead of this machine's clock: a wrong clock, or a forged record.
	Future bool `json:"future,omitempty"`
	// Tree is the tree the checkpoint holds, as Create made it; not
	// stored, "" when read back.
	Tree string `json:"-"`
}

// FutureSkew is how far ahead of the clock a checkpoint may be dated
// before it is flagged as from the future.
const FutureSkew = 5 * time.Minute

// Name is how a command names the checkpoint: its id for one made here,
// REMOTE/SESSION/ID for a fetched one.
func (r *Record) Name() string {
	if r.Origin == "" {
		return r.CheckpointID
	}
	return r.Origin + "/" + r.SessionID + "/" + r.CheckpointID
}

// ParseName reads a checkpoint's name as commands take it: a checkpoint id
// of the session, or REMOTE/SESSION/ID for one fetched from REMOTE. origin
// and session are "" for a plain id.
func ParseName(name string) (origin, session, id string, err error) {
	if !strings.Contains(name, "/") {
		return "", "", name, ValidateID("checkpoint id", name)
	}
	parts := strings.Split(name, "/")
	if len(parts) != 3 {
		return "", "", "", &InputError{fmt.Sprintf("invalid checkpoint id %q: '/' is only in the full name of a fetched checkpoint, REMOTE/SESSION/CHECKPOINT-ID", printable(name))}
	}
	for i, what := range []string{"remote", "session id", "checkpoint id"} {
		if err := ValidateID(what, parts[i]); err != nil {
			return "", "", "", err
		}
	}
	return parts[0], parts[1], parts[2], nil
}

// stored is what a record blob holds: the record without derived fields.
type stored struct {
	Version int `json:"version"`
	Record
	// DefaultType is the hook's type when neither the environment nor the
	// commit's trailer gives one.
	DefaultType string `json:"default_type,omitempty"`
}

// State is a working tree as an event recorded it.
type State struct {
	HeadSHA      string `json:"head_sha"`
	Branch       string `json:"branch"`
	StateCommit  string `json:"state_commit"` // keeps the trees reachable
	IndexTree    string `json:"index_tree"`
	WorktreeTree string `json:"worktree_tree"`
	// RawPaths are the files whose blobs in WorktreeTree are their exact
	// bytes where these differ from what git add stores (end-of-line
	// conversion, a clean filter): undo writes them back as they were.
	RawPaths []textsafe.Path `json:"raw_paths,omitempty"`
	// IntentToAdd are the index's git add -N entries, which no tree holds.
	IntentToAdd []textsafe.Path `json:"intent_to_add,omitempty"`
}

// Event kinds. A checkpoint's creation is listed as an event of type
// EventCheckpoint, read from its record: the hot path writes no more.
const (
	EventRollback   = "rollback"
	EventUndo       = "undo"
	EventRedo       = "redo"
	EventPrune      = "prune"
	EventFetch      = "fetch"
	EventAdopt      = "adopt"
	EventCheckpoint = "checkpoint"
)

// RefChange is a ref under refs/maestro/ an event moved: Old "" when it
// created it, New "" when it deleted it.
type RefChange struct {
	Ref string `json:"ref"`
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
}

// Event is a change maestro made, recorded before it made it.
type Event struct {
	Version      int       `json:"version"`
	EventID      string    `json:"event_id"`
	Type         string    `json:"type"`
	SessionID    string    `json:"session_id"`
	Timestamp    time.Time `json:"timestamp"`
	CheckpointID string    `json:"checkpoint_id,omitempty"` // rollback: the target
	// CheckpointOrigin and CheckpointSession name a rollback's target
	// fetched from a remote (REMOTE/SESSION/CHECKPOINT-ID).
	CheckpointOrigin  string `json:"checkpoint_origin,omitempty"`
	CheckpointSession string `json:"checkpoint_session,omitempty"`
	Undoes            string `json:"undoes,omitempty"` // undo: the event taken back (with --to, the oldest)
	// Undone lists, newest first, every event an undo took back: one for
	// a plain undo, all from the --to event on for undo --to.
	Undone []string `json:"undone,omitempty"`
	Redoes string   `json:"redoes,omitempty"` // redo: the undo taken back
	// Refs are the checkpoints, records and fetched refs the event
	// created, moved or deleted: undo puts them back.
	Refs   []RefChange `json:"refs,omitempty"`
	Remote string      `json:"remote,omitempty"` // fetch: where from
	Forced bool        `json:"forced,omitempty"`
	Before *State      `json:"before,omitempty"`
	After  *State      `json:"after,omitempty"`
	Pruned []Record    `json:"pruned,omitempty"`
	// Fork is the fork an adopt took its state from, ForkTree that
	// state's working tree (After.WorktreeTree): a fork whose tree is
	// still ForkTree has nothing that was not adopted.
	Fork     string `json:"fork,omitempty"`
	ForkTree string `json:"fork_tree,omitempty"`
	// ChangedFiles is how many files a rollback, undo or redo wrote or
	// removed; absent in the events of older maestros.
	ChangedFiles *int `json:"changed_files,omitempty"`
	// Automatic is an undo maestro made itself, putting back the state
	// before a rollback or undo that failed half way.
	Automatic bool `json:"automatic,omitempty"`
	// Origin is the remote a fetched event came from, "" for one made here.
	Origin string `json:"origin,omitempty"`
}

// newID makes an id that sorts by creation time and stays unique.
func newID(prefix string, now time.Time) string { return ids.New(prefix, now) }

// MaxIDLen bounds session and checkpoint ids: they are path components of
// refs, and file systems limit those to 255 bytes.
const MaxIDLen = 128

// InputError is an argument maestro cannot take: an id that cannot be part
// of a ref name, an unknown checkpoint type.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

// ValidateID checks that s can be one component of a ref name, with rules
// stricter than git's so that it is also a safe file name everywhere:
// letters, digits, '.', '_' and '-'; not starting with '.' or '-'; no "..";
// not ending with ".lock" or '.'; at most MaxIDLen bytes. what names the id
// ("session id") in the error.
func ValidateID(what, s string) error {
	switch rule := ids.Problem(s, MaxIDLen); {
	case rule == "":
		return nil
	case s == "" || len(s) > MaxIDLen:
		return &InputError{fmt.Sprintf("invalid %s: %s", what, rule)}
	default:
		return &InputError{fmt.Sprintf("invalid %s %q: %s", what, printable(s), rule)}
	}
}

func printable(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// trailer returns the value of the last "key: value" trailer of a commit
// message, or "".
func trailer(message, key string) string {
	paras := strings.Split(strings.TrimSpace(message), "\n\n")
	if len(paras) < 2 {
		return ""
	}
	value := ""
	for _, line := range strings.Split(paras[len(paras)-1], "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			value = strings.TrimSpace(v)
		}
	}
	return value
}
