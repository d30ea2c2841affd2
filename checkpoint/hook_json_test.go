package checkpoint

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// The hook's records, written by hand, are the bytes json.Marshal gives:
// the catalog reads them with json, and a record must not depend on which
// of the two wrote it.
func TestHookRecordJSON(t *testing.T) {
	t.Parallel()
	odd := []string{"", "plain", "<b>&amp;</b>", "tab\tnew\nline\r\b\f\x00\x1f\x7f", "\"quoted\" \\ back", "ünïcödé 無", "\u2028\u2029", "bad \xff\xfe utf-8", "emoji 🙂"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		odd = append(odd, string(b))
	}
	when := time.Date(2026, 12, 2, 3, 4, 5, 600700800, time.UTC)
	for i, s := range odd {
		st := stored{Version: 1, DefaultType: odd[(i+1)%len(odd)], Record: Record{
			CheckpointID: "cp-" + s, CommitSHA: s, Timestamp: when.Add(time.Duration(i) * time.Hour), Description: s,
			Phase: s, CheckpointType: s, CommitMessage: s, StateSnapshot: map[string]any{}, Tags: []string{},
			RollbackUsed: i%2 == 0, RollbackCount: i, SessionID: s, Branch: "refs/heads/" + s, HeadSHA: s,
			Snapshot: i%3 == 0, Source: "post-commit", Origin: odd[(i+2)%len(odd)], Future: i%4 == 0}}
		if i%5 == 0 {
			st.Timestamp = st.Timestamp.In(time.FixedZone("X", 3600))
		}
		got, err := hookRecordJSON(st)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("hookRecordJSON(%q):\n%s\njson.Marshal:\n%s", s, got, want)
		}
	}
	// What the hooks never write goes to json itself.
	st := stored{Version: 1, Record: Record{StateSnapshot: map[string]any{"k": 1}, Tags: []string{"t"}}}
	got, _ := hookRecordJSON(st)
	want, _ := json.Marshal(st)
	if !bytes.Equal(got, want) {
		t.Errorf("with values and tags:\n%s\nwant:\n%s", got, want)
	}
}
