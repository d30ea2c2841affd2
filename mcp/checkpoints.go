package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/recovery"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

type checkpointIn struct {
	Description string         `json:"description,omitempty" jsonschema:"what the state is, for whoever returns to it"`
	Phase       string         `json:"phase,omitempty" jsonschema:"the phase of the work it completes"`
	Type        string         `json:"type,omitempty" jsonschema:"the kind of checkpoint (default manual): pre_risky_operation before a risky change, task_group_complete or phase_complete after work that passes, safe_state, error_recovery, manual"`
	Tags        []string       `json:"tags,omitempty" jsonschema:"tags to find it by"`
	State       map[string]any `json:"state,omitempty" jsonschema:"facts to keep with it (its state_snapshot): what passes, what is left to do"`
	SessionID   string         `json:"session_id,omitempty"`
}

func (t *tools) checkpoint(_ context.Context, _ *sdk.CallToolRequest, in checkpointIn) (any, error) {
	if data, _ := json.Marshal(in.State); len(data) > 16<<10 {
		return nil, failf("state: %d bytes of JSON, more than the 16 KiB a checkpoint keeps", len(data))
	}
	ch, err := t.session(in.SessionID)
	if err != nil {
		return nil, err
	}
	if in.Type == "" {
		in.Type = "manual"
	}
	s, err := checkpoint.Open(".")
	if err != nil {
		return nil, storeFail(err)
	}
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: ch.ID, Description: in.Description, Phase: in.Phase, Type: in.Type, State: in.State, Tags: in.Tags})
	if err != nil {
		return nil, storeFail(err)
	}
	return rec, nil
}

type listIn struct {
	SessionID   string `json:"session_id,omitempty"`
	AllSessions bool   `json:"all_sessions,omitempty" jsonschema:"every session's checkpoints, not only one session's"`
	Type        string `json:"type,omitempty" jsonschema:"only checkpoints of this type"`
	Limit       int    `json:"limit,omitempty" jsonschema:"at most this many, the newest (default 20)"`
}

// listed is a checkpoint as list_checkpoints shows it: what tells one from
// another, its description cut to a line.
type listed struct {
	CheckpointID   string    `json:"checkpoint_id"`
	SessionID      string    `json:"session_id"`
	Timestamp      time.Time `json:"timestamp"`
	CheckpointType string    `json:"checkpoint_type"`
	Phase          string    `json:"phase,omitempty"`
	Description    string    `json:"description"`
	Branch         string    `json:"branch"`
	HeadSHA        string    `json:"head_sha"`
	Snapshot       bool      `json:"snapshot"`
	RollbackCount  int       `json:"rollback_count"`
}

type listOut struct {
	SessionID   string   `json:"session_id,omitempty"`
	Checkpoints []listed `json:"checkpoints"`
	Total       int      `json:"total"`
	Truncated   bool     `json:"truncated"`
}

func (t *tools) list(_ context.Context, _ *sdk.CallToolRequest, in listIn) (any, error) {
	if in.AllSessions && in.SessionID != "" {
		return nil, failf("session_id and all_sessions contradict each other")
	}
	session := ""
	if !in.AllSessions {
		ch, err := t.session(in.SessionID)
		if err != nil {
			return nil, err
		}
		session = ch.ID
	}
	typ := ""
	if in.Type != "" {
		var err error
		if typ, err = checkpoint.ParseType(in.Type); err != nil {
			return nil, fail(err)
		}
	}
	s, cat, err := load()
	if err != nil {
		return nil, err
	}
	if session != "" {
		if err := known(session, s); err != nil {
			return nil, err
		}
	}
	recs := cat.Filter(session, typ)
	limit := in.Limit
	if limit <= 0 || limit > maxItems {
		limit = 20
	}
	out := listOut{SessionID: session, Checkpoints: []listed{}, Total: len(recs)}
	for i, r := range recs {
		if i == limit {
			out.Truncated = true
			break
		}
		out.Checkpoints = append(out.Checkpoints, listed{CheckpointID: r.CheckpointID, SessionID: r.SessionID, Timestamp: r.Timestamp,
			CheckpointType: r.CheckpointType, Phase: r.Phase, Description: firstLine(r.Description, 200),
			Branch: strings.TrimPrefix(r.Branch, "refs/heads/"), HeadSHA: r.HeadSHA, Snapshot: r.Snapshot, RollbackCount: r.RollbackCount})
	}
	return out, nil
}

// load opens the repository and reads its checkpoints and events.
func load() (*checkpoint.Store, *checkpoint.Catalog, error) {
	s, err := checkpoint.Open(".")
	if err != nil {
		return nil, nil, storeFail(err)
	}
	cat, err := s.Load()
	if err != nil {
		return nil, nil, storeFail(err)
	}
	return s, cat, nil
}

// firstLine is the first line of s, at most n bytes, cut between runes.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	return cut(s, n)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

type diffIn struct {
	CheckpointID string `json:"checkpoint_id" jsonschema:"the checkpoint, by the checkpoint_id list_checkpoints or checkpoint gave"`
	SessionID    string `json:"session_id,omitempty"`
	Patch        bool   `json:"patch,omitempty" jsonschema:"also return the patch (its first 64 KiB)"`
}

type change struct {
	Status string        `json:"status"` // added, modified, deleted, type_changed
	Path   textsafe.Path `json:"path"`
}

type diffOut struct {
	CheckpointID   string   `json:"checkpoint_id"`
	Changes        []change `json:"changes"`
	Total          int      `json:"total"`
	Truncated      bool     `json:"truncated"`
	Patch          *string  `json:"patch,omitempty"`
	PatchTruncated bool     `json:"patch_truncated,omitempty"`
}

func (t *tools) diff(_ context.Context, _ *sdk.CallToolRequest, in diffIn) (any, error) {
	ch, err := t.session(in.SessionID)
	if err != nil {
		return nil, err
	}
	if _, _, _, err := checkpoint.ParseName(in.CheckpointID); err != nil {
		return nil, fail(err)
	}
	s, cat, err := load()
	if err != nil {
		return nil, err
	}
	if !strings.Contains(in.CheckpointID, "/") {
		if err := known(ch.ID, s); err != nil {
			return nil, err
		}
	}
	rec, err := cat.Lookup(ch.ID, in.CheckpointID)
	if err != nil {
		return nil, fail(err, "list_checkpoints lists the session's checkpoints")
	}
	var patch *bounded
	var to *checkpoint.PatchTo
	if in.Patch {
		patch = &bounded{max: maxPatch}
		to = &checkpoint.PatchTo{W: patch}
	}
	changes, err := s.Diff(rec, to)
	if err != nil {
		return nil, storeFail(err)
	}
	out := diffOut{CheckpointID: rec.CheckpointID, Changes: []change{}, Total: len(changes)}
	for i, c := range changes {
		if i == maxItems {
			out.Truncated = true
			break
		}
		out.Changes = append(out.Changes, change{Status: checkpoint.ChangeWord(c.Status), Path: textsafe.Path(c.Path)})
	}
	if patch != nil {
		p := strings.ToValidUTF8(patch.buf.String(), "\uFFFD")
		out.Patch, out.PatchTruncated = &p, patch.cut
	}
	return out, nil
}

type rollbackIn struct {
	CheckpointID string `json:"checkpoint_id,omitempty" jsonschema:"the checkpoint to return to (default: the session's newest made on the current branch)"`
	Type         string `json:"type,omitempty" jsonschema:"without checkpoint_id: the newest checkpoint of this type"`
	DryRun       bool   `json:"dry_run,omitempty" jsonschema:"list what would be restored, removed and left alone; change nothing. Do this first."`
	Force        bool   `json:"force,omitempty" jsonschema:"roll back to a checkpoint made on another branch (the current branch moves)"`
	SessionID    string `json:"session_id,omitempty"`
}

// outcome is DESIGN.md's recovery result, with the way back.
type outcome struct {
	StrategyUsed string             `json:"strategy_used"`
	Success      bool               `json:"success"`
	Message      string             `json:"message"`
	Details      *checkpoint.Result `json:"details"`
	RecoveredAt  time.Time          `json:"recovered_at"`
	// Truncated says the lists of files in details were cut to their
	// first entries; the counts say how many there are.
	Truncated bool           `json:"truncated,omitempty"`
	Counts    map[string]int `json:"counts"`
	TakeBack  string         `json:"take_back,omitempty"`
}

func (t *tools) rollback(_ context.Context, _ *sdk.CallToolRequest, in rollbackIn) (any, error) {
	if in.CheckpointID != "" && in.Type != "" {
		return nil, failf("checkpoint_id and type contradict each other")
	}
	ch, err := t.session(in.SessionID)
	if err != nil {
		return nil, err
	}
	s, err := checkpoint.Open(".")
	if err != nil {
		return nil, storeFail(err)
	}
	if !strings.Contains(in.CheckpointID, "/") {
		if err := known(ch.ID, s); err != nil {
			return nil, err
		}
	}
	if !in.DryRun {
		s.Notifier = t.notifier()
	}
	res, err := s.Rollback(checkpoint.RollbackOptions{SessionID: ch.ID, CheckpointID: in.CheckpointID, Type: in.Type, DryRun: in.DryRun, Force: in.Force})
	if err != nil {
		return nil, storeFail(err)
	}
	name := res.Checkpoint.Name()
	msg := "rolled back to " + name
	if res.DryRun {
		msg = "would roll back to " + name
	}
	out := bound(recovery.RollbackToCheckpoint, msg, res)
	if !res.DryRun {
		out.TakeBack = fmt.Sprintf("undo with session_id %q (or: git maestro undo --session-id %s)", ch.ID, ch.ID)
	}
	return out, nil
}

// bound makes the outcome of res, its lists of files cut to maxItems.
func bound(strategy, msg string, res *checkpoint.Result) outcome {
	out := outcome{StrategyUsed: strategy, Success: true, Message: textsafe.Visible(msg), Details: res, RecoveredAt: time.Now().UTC(),
		Counts: map[string]int{"restored": len(res.Restored), "removed": len(res.Removed), "left_alone": len(res.LeftAlone)}}
	for _, l := range []*[]string{&res.Restored, &res.Removed, &res.LeftAlone} {
		if len(*l) > maxItems {
			*l = (*l)[:maxItems]
			out.Truncated = true
		}
	}
	if len(res.LeftAloneFolders) > maxItems {
		res.LeftAloneFolders = res.LeftAloneFolders[:maxItems]
		out.Truncated = true
	}
	return out
}

type undoIn struct {
	SessionID string `json:"session_id,omitempty" jsonschema:"take back an operation of this session only (default: the newest of any session)"`
	To        string `json:"to,omitempty" jsonschema:"return to the state before this event and take back everything after it (an event or checkpoint id)"`
	Redo      bool   `json:"redo,omitempty" jsonschema:"take back the last undo"`
	DryRun    bool   `json:"dry_run,omitempty" jsonschema:"list what would change; change nothing"`
	Force     bool   `json:"force,omitempty" jsonschema:"undo even though HEAD moved since (what is there now is recorded first)"`
}

func (t *tools) undo(_ context.Context, _ *sdk.CallToolRequest, in undoIn) (any, error) {
	if in.To != "" && in.Redo {
		return nil, failf("to and redo contradict each other")
	}
	// As on the command line, only a session given narrows what is taken
	// back; the session chosen is where the undo is recorded.
	ch, err := t.session(in.SessionID)
	if err != nil {
		return nil, err
	}
	s, err := checkpoint.Open(".")
	if err != nil {
		return nil, storeFail(err)
	}
	if in.SessionID != "" {
		if err := known(in.SessionID, s); err != nil {
			return nil, err
		}
	}
	res, err := s.UndoWith(checkpoint.UndoOptions{SessionID: ch.ID, Only: in.SessionID, To: in.To, Redo: in.Redo, DryRun: in.DryRun, Force: in.Force})
	if err != nil {
		return nil, storeFail(err)
	}
	verb, id := "undid ", res.Undoes
	if res.Redoes != "" {
		verb, id = "redid: took back the undo ", res.Redoes
	}
	if res.DryRun {
		verb = "would " + strings.Replace(strings.Replace(verb, "undid", "undo", 1), "redid", "redo", 1)
	}
	msg := verb + id
	if res.Target != nil {
		msg += fmt.Sprintf(", a %s (session %s)", res.Target.Type, res.Target.SessionID)
	}
	out := bound(recovery.RollbackToCheckpoint, msg, res)
	if !res.DryRun {
		out.TakeBack = "undo with redo true; walk further back with undo again"
		if res.Redoes != "" {
			out.TakeBack = "undo"
		}
	}
	return out, nil
}

// bounded keeps the first max bytes written to it.
type bounded struct {
	buf strings.Builder
	max int
	cut bool
}

func (b *bounded) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max - b.buf.Len(); len(p) > room {
		p, b.cut = p[:max(room, 0)], true
	}
	b.buf.Write(p)
	return n, nil
}
