package session_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/session"
)

// Newest gives the log's newest entries, oldest first, as the end of
// Entries, across rotation (log.1.jsonl) and a torn last line, and the
// count of all; Summary sums the log up as Summarize does.
func TestNewest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := session.Open(dir, "big")
	l.MaxSize = 4 << 10 // rotates a few times: log.1.jsonl keeps the one before
	for i := range 120 {
		e := session.Entry{Time: t0.Add(time.Duration(i) * time.Second), Type: session.KindRun,
			Run: &session.Run{Command: []string{"go", "test"}, Outcome: "failed", AttemptsMade: 2, Failures: map[string]int{"test_failure": 2}}}
		if i == 0 {
			e = session.Entry{Time: t0, Type: session.KindStart, Description: "big"}
		}
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(l.Dir, "log.1.jsonl")); err != nil {
		t.Fatalf("no rotation: %v", err)
	}
	f, err := os.OpenFile(filepath.Join(l.Dir, "log.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2030-01-01T00:00:00Z","type":"run","ru`) // torn by a crash
	f.Close()
	all, err := l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 5, len(all) - 1, len(all), len(all) + 10} {
		got, total, err := l.Newest(n)
		if err != nil {
			t.Fatalf("Newest(%d): %v", n, err)
		}
		want := all[max(len(all)-n, 0):]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Newest(%d) = %d entries from %v, want %d from %v", n, len(got), got[0].Time, len(want), want[0].Time)
		}
		if total != len(all)+1 { // the torn line counts
			t.Errorf("Newest(%d) total = %d, want %d", n, total, len(all)+1)
		}
	}
	sum, err := l.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if want := session.Summarize("big", all); !reflect.DeepEqual(sum.Stats, want) {
		t.Errorf("Summary = %+v, want %+v", sum.Stats, want)
	}
	if !sum.Last.Equal(all[len(all)-1].Time) {
		t.Errorf("Summary.Last = %v, want %v", sum.Last, all[len(all)-1].Time)
	}
	if got, total, err := session.Open(dir, "none").Newest(50); err != nil || len(got) != 0 || total != 0 {
		t.Errorf("Newest of no log = %v, %d, %v", got, total, err)
	}
}
