package checkpoint

import (
	"encoding/json"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// resultJSON is Result as JSON: the same fields in the same order, with
// the file names as textsafe.Path, so a name that is not UTF-8 comes out
// byte for byte (encoding/json would write U+FFFD in its place). A field
// added to Result goes here too; TestResultJSONFields says so.
type resultJSON struct {
	EventID      string          `json:"event_id,omitempty"`
	Checkpoint   *Record         `json:"checkpoint,omitempty"`
	Fork         string          `json:"fork,omitempty"`
	Undoes       string          `json:"undoes,omitempty"`
	Undone       []string        `json:"undone,omitempty"`
	Redoes       string          `json:"redoes,omitempty"`
	Target       *Op             `json:"target,omitempty"`
	Refs         []RefChange     `json:"refs,omitempty"`
	DryRun       bool            `json:"dry_run"`
	Restored     []textsafe.Path `json:"restored"`
	Removed      []textsafe.Path `json:"removed"`
	LeftAlone    []textsafe.Path `json:"left_alone"`
	Folders      []IgnoredFolder `json:"left_alone_folders,omitempty"`
	BranchBefore string          `json:"branch_before"`
	HeadBefore   string          `json:"head_before"`
	BranchAfter  string          `json:"branch_after"`
	HeadAfter    string          `json:"head_after"`
}

// MarshalJSON writes the file names as described on textsafe.Path.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{
		EventID: r.EventID, Checkpoint: r.Checkpoint, Fork: r.Fork, Undoes: r.Undoes, Undone: r.Undone, Redoes: r.Redoes, Target: r.Target, Refs: r.Refs, DryRun: r.DryRun,
		Restored: textsafe.Paths(r.Restored), Removed: textsafe.Paths(r.Removed), LeftAlone: textsafe.Paths(r.LeftAlone), Folders: r.LeftAloneFolders,
		BranchBefore: r.BranchBefore, HeadBefore: r.HeadBefore, BranchAfter: r.BranchAfter, HeadAfter: r.HeadAfter,
	})
}

// UnmarshalJSON reads what MarshalJSON wrote, the file names byte for byte.
func (r *Result) UnmarshalJSON(data []byte) error {
	var j resultJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*r = Result{
		EventID: j.EventID, Checkpoint: j.Checkpoint, Fork: j.Fork, Undoes: j.Undoes, Undone: j.Undone, Redoes: j.Redoes, Target: j.Target, Refs: j.Refs, DryRun: j.DryRun,
		Restored: textsafe.Names(j.Restored), Removed: textsafe.Names(j.Removed), LeftAlone: textsafe.Names(j.LeftAlone), LeftAloneFolders: j.Folders,
		BranchBefore: j.BranchBefore, HeadBefore: j.HeadBefore, BranchAfter: j.BranchAfter, HeadAfter: j.HeadAfter,
	}
	return nil
}
