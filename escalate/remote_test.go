package escalate_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/git"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// A question as maestro ask --remote pushes it.
const pushedQuestion = `{"id":"q-20261202T112744.197242174Z-32f07606","session_id":"default","issue":"Deploy?","options":["yes","no"],"default":"no","require_justification":false,"asked_at":"2026-12-02T11:27:44.197242174Z"}`

// FuzzParseRemoteQuestion feeds the parser of what a remote holds under
// refs/maestro/questions/ID anything: it must not panic, and what it
// accepts must be a question that could have been asked, under its name,
// within the bounds.
func FuzzParseRemoteQuestion(f *testing.F) {
	id := "q-20261202T112744.197242174Z-32f07606"
	f.Add(id, []byte(pushedQuestion))
	f.Add(id, []byte(`{}`))
	f.Add("--upload-pack=x", []byte(strings.Replace(pushedQuestion, id, "--upload-pack=x", 1)))
	f.Add(id, []byte(strings.Replace(pushedQuestion, `"default"`, `"prompt":"\u001b[31m","default"`, 1)))
	f.Add(id, []byte(strings.Replace(pushedQuestion, `"no"]`, `"no","YES"]`, 1)))
	f.Add(id, []byte(strings.Replace(pushedQuestion, `"session_id":"default"`, `"session_id":"../x"`, 1)))
	f.Add(id, []byte(`{"id":"`+id+`","options":null}`))
	f.Fuzz(func(t *testing.T, id string, data []byte) {
		q, err := escalate.ParseRemoteQuestion(id, data)
		if err != nil {
			return
		}
		if q.ID != id || len(data) > escalate.MaxRemoteRecord || len(q.Options) < 2 || q.Remote != "" {
			t.Fatalf("accepted %+v from %q", q, data)
		}
		if err := q.Validate(); err != nil {
			t.Fatalf("accepted a question that cannot be asked: %v", err)
		}
		if _, err := escalate.ParseRemoteAnswer(id, data); err == nil && !strings.Contains(string(data), `"option"`) {
			t.Fatalf("a question without an option parsed as an answer: %q", data)
		}
	})
}

func TestParseRemoteQuestion(t *testing.T) {
	t.Parallel()
	id := "q-20261202T112744.197242174Z-32f07606"
	if q, err := escalate.ParseRemoteQuestion(id, []byte(pushedQuestion)); err != nil || q.Issue != "Deploy?" || q.Default != "no" {
		t.Fatalf("the question maestro pushes: %+v, %v", q, err)
	}
	for name, data := range map[string]string{
		"another id":       strings.Replace(pushedQuestion, "32f07606", "00000000", 1),
		"not JSON":         "\x00",
		"one option":       strings.Replace(pushedQuestion, `["yes","no"]`, `["yes"]`, 1),
		"foreign default":  strings.Replace(pushedQuestion, `"default":"no"`, `"default":"maybe"`, 1),
		"session id ..":    strings.Replace(pushedQuestion, `"session_id":"default"`, `"session_id":"a..b"`, 1),
		"no asked_at":      strings.Replace(pushedQuestion, `"asked_at":"2026-12-02T11:27:44.197242174Z"`, `"asked_at":"0001-01-01T00:00:00Z"`, 1),
		"too big":          strings.Replace(pushedQuestion, `"Deploy?"`, `"`+strings.Repeat("x", escalate.MaxRemoteRecord)+`"`, 1),
		"too many options": strings.Replace(pushedQuestion, `["yes","no"]`, `["`+strings.Repeat(`x","`, 100)+`y"]`, 1),
	} {
		if q, err := escalate.ParseRemoteQuestion(id, []byte(data)); err == nil {
			t.Errorf("%s: accepted %+v", name, q)
		}
	}
}

// TestRemoteIDs: a fetched ref whose name is not a question id (one that
// reads as an option, one with ..) is left out with a note, never listed,
// never resolved.
func TestRemoteIDs(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	repo, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := repo.WriteBlob([]byte(pushedQuestion))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"--upload-pack=x", "q-a..b", "q-20261202T112744.197242174Z-32f07606"} {
		if err := repo.UpdateRefs("test", git.RefUpdate{Name: "refs/maestro/remotes/origin/questions/" + name, New: blob}); err != nil && !strings.Contains(name, "..") {
			t.Fatal(err)
		}
	}
	sh := escalate.NewShared(escalate.NewStore(filepath.Join(dir, ".git", "maestro")), repo)
	recs, notes, err := sh.List(true)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Remote != "origin" || recs[0].AnsweredAt != nil {
		t.Errorf("listed %+v", recs)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "--upload-pack=x: not a name maestro writes") {
		t.Errorf("notes %q", notes)
	}
	if _, err := sh.Resolve("--upload-pack=x"); err == nil {
		t.Error("resolved a name that is not an id")
	}
}

// TestWaitRemote: a wait looks at the remote on its schedule, injected
// short; it pushes the question first when the remote lacks it; it ends
// at once when its context does (Ctrl-C).
func TestWaitRemote(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	Git(t, root, "init", "-q", "--bare", "remote.git")
	a := filepath.Join(root, "a")
	Git(t, root, "init", "-q", "a")
	Git(t, a, "remote", "add", "origin", "../remote.git")
	repo, err := git.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	store := escalate.NewStore(filepath.Join(a, ".git", "maestro"))
	q := &escalate.Question{SessionID: "s", Issue: "go?", Options: []string{"yes", "no"}, Default: "no", AskedAt: time.Now().UTC(), Remote: "origin"}
	id, _, err := store.Defer(q, newID)
	if err != nil {
		t.Fatal(err)
	}
	sh := escalate.NewShared(store, repo)
	sh.Poll = escalate.Backoff{First: time.Millisecond, Max: 5 * time.Millisecond}
	sh.LocalPoll = time.Millisecond

	// Interrupted: returns promptly with the context's error, having
	// pushed the question meanwhile (it was not pushed when asked).
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := sh.Wait(ctx, id, 0, func(msg string) { t.Errorf("warned: %s", msg) })
		done <- err
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(Git(t, root, "--git-dir=remote.git", "for-each-ref"), "refs/maestro/questions/"+id) {
		if time.Now().After(deadline) {
			t.Fatal("the wait never pushed the question")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted wait: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wait did not stop when interrupted")
	}

	// At the timeout the default is recorded here and pushed, so that
	// other clones see the question closed.
	r, err := sh.Wait(context.Background(), id, 20*time.Millisecond, nil)
	if err != nil || r.Option != "no" || r.AnsweredBy != escalate.ByTimeout {
		t.Fatalf("timed out wait: %+v, %v", r, err)
	}
	var pushed escalate.Record
	out := Git(t, root, "--git-dir=remote.git", "cat-file", "blob", "refs/maestro/answers/"+id)
	if err := json.Unmarshal([]byte(out), &pushed); err != nil || pushed.Option != "no" || pushed.Remote != "" {
		t.Fatalf("the remote's answer: %s (%v)", out, err)
	}
}
