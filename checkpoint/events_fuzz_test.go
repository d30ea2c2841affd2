package checkpoint

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/git"
)

// FuzzEvent: an event from a ref may say anything. One validEvent accepts
// names only maestro's checkpoints, records or fetched refs for undo to
// move (never a branch, never an event), and no set of events, however
// they point at each other, makes the walk panic or loop.
func FuzzEvent(f *testing.F) {
	for _, s := range []string{
		`{"version":1,"event_id":"ev-1","type":"fetch","session_id":"s","refs":[{"ref":"refs/maestro/remotes/o/events/s/ev-2","new":"` + strings.Repeat("a", 40) + `"}]}`,
		`{"version":1,"event_id":"ev-1","type":"undo","session_id":"s","undoes":"ev-1","undone":["ev-1","ev-0"]}`,
		`{"version":1,"event_id":"ev-2","type":"redo","session_id":"s","redoes":"ev-2"}`,
		`{"type":"prune","session_id":"s","refs":[{"ref":"refs/heads/main","old":"` + strings.Repeat("b", 40) + `"}]}`,
		`{"type":"undo","session_id":"s","refs":[{"ref":"refs/maestro/events/s/ev-1","old":"` + strings.Repeat("b", 40) + `"}]}`,
		`{"version":1,"event_id":"ev-3","type":"adopt","session_id":"s","checkpoint_id":"cp-1","fork":"f1","fork_tree":"` + strings.Repeat("c", 40) + `"}`,
		`{"type":"adopt","session_id":"s","fork":"../f1","fork_tree":"--all"}`,
	} {
		f.Add([]byte(s), []byte(`{"type":"undo","event_id":"ev-0","undoes":"ev-1","automatic":true}`))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var evs []Event
		for _, data := range [][]byte{a, b, a} {
			var e Event
			if json.Unmarshal(data, &e) != nil || !validEvent(&e) {
				continue
			}
			if e.Fork != "" && ValidateID("fork name", e.Fork) != nil || e.ForkTree != "" && !git.IsObjectID(e.ForkTree) {
				t.Fatalf("accepted an adopt of fork %q, tree %q", e.Fork, e.ForkTree)
			}
			for _, c := range e.Refs {
				k, ok := parseRef(c.Ref)
				if !ok || !strings.HasPrefix(c.Ref, RefRoot) || k.origin == "" && k.kind != "checkpoints" && k.kind != "records" {
					t.Fatalf("accepted an event that moves %q", c.Ref)
				}
			}
			evs = append(evs, e)
		}
		h := newHistory(evs)
		h.undoTarget("")
		h.redoTarget()
		h.lastAfter()
		for _, e := range evs {
			h.since(e.EventID)
		}
	})
}
