package checkpoint_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// LoadNewest gives the session's newest records and events as Load has
// them (but the rollback counts, left out), and counts them all; another
// session's are not among them.
func TestLoadNewest(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	tick := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Now = func() time.Time { tick = tick.Add(time.Second); return tick }
	for i := range 5 {
		Write(t, dir, "f.txt", string(rune('a'+i))+"\n")
		if _, err := s.Create(checkpoint.CreateOptions{SessionID: "s1", Description: "step", Type: "manual"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "other", Description: "elsewhere", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "s1"}); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	all := cat.Filter("s1", "")
	var events []checkpoint.Event
	for _, e := range cat.Events {
		if e.SessionID == "s1" {
			events = append(events, e)
		}
	}
	for i := range all {
		all[i].RollbackCount, all[i].RollbackUsed = 0, false
	}
	for _, n := range []int{1, 3, 10} {
		nw, err := s.LoadNewest("s1", n)
		if err != nil {
			t.Fatal(err)
		}
		if nw.Records != 5 || nw.Events != len(events) {
			t.Errorf("LoadNewest(%d) counts %d records, %d events; want 5, %d", n, nw.Records, nw.Events, len(events))
		}
		if want := all[:min(n, len(all))]; !reflect.DeepEqual(nw.Catalog.Records, want) {
			t.Errorf("LoadNewest(%d) records:\n%+v\nwant\n%+v", n, nw.Catalog.Records, want)
		}
		if want := events[max(len(events)-n, 0):]; !reflect.DeepEqual(nw.Catalog.Events, want) {
			t.Errorf("LoadNewest(%d) events:\n%+v\nwant\n%+v", n, nw.Catalog.Events, want)
		}
	}
	if _, err := s.LoadNewest("--all", 1); err == nil {
		t.Error("LoadNewest took a session id that is an option")
	}
}
