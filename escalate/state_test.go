package escalate_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
	. "github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/internal/state"
)

func TestMain(m *testing.M) {
	done := Isolate()
	code := m.Run()
	done()
	os.Exit(code)
}

func bareRepo(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	bare := filepath.Join(base, "bare.git")
	Git(t, base, "init", "-q", "--bare", bare)
	return bare
}

func newID() string { return "q-" + time.Now().UTC().Format("20060102T150405.000000000Z") }

// Issue 7, point 14b: `maestro ask --no-tty defer` run inside a bare
// repository wrote its question under $XDG_STATE_HOME instead of the
// repository's own state, <bare>/maestro/.
func TestQuestionsOfABareRepository(t *testing.T) {
	t.Parallel()
	bare := bareRepo(t)
	xdg := t.TempDir()
	getenv := func(k string) string { return map[string]string{"XDG_STATE_HOME": xdg, "HOME": t.TempDir()}[k] }
	for _, dir := range []string{bare, filepath.Join(bare, "refs")} {
		stateDir, err := state.Dir(dir, getenv)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := Resolve(t, filepath.Dir(stateDir)), Resolve(t, bare); got != want || filepath.Base(stateDir) != "maestro" {
			t.Fatalf("state.Dir(%s) = %s, want %s/maestro", dir, stateDir, want)
		}
		q := testFailureQuestion()
		id, _, err := escalate.NewStore(stateDir).Defer(q, newID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(bare, "maestro", "questions", id+".json")); err != nil {
			t.Errorf("the question is not in the repository: %v", err)
		}
	}
	if entries, _ := os.ReadDir(xdg); len(entries) > 0 {
		t.Errorf("the user's state got %d entries", len(entries))
	}
}

// Issue 7, point 12: a questions folder or an answer file planted as a
// symbolic link is refused, naming it, and nothing is written through it.
func TestStoreRefusesLinks(t *testing.T) {
	t.Parallel()
	stateDir := filepath.Join(bareRepo(t), "maestro")
	target := t.TempDir()
	wantLink := func(what string, err error, path string) {
		t.Helper()
		var link *state.LinkError
		if !errors.As(err, &link) || link.Path != path {
			t.Errorf("%s = %v, want the link %s refused", what, err, path)
		}
	}

	// An answer file that is a link: the question is neither answered by
	// it nor answerable through it.
	store := escalate.NewStore(stateDir)
	id, _, err := store.Defer(testFailureQuestion(), newID)
	if err != nil {
		t.Fatal(err)
	}
	answer := filepath.Join(stateDir, "questions", id+".answer.json")
	if err := os.Symlink(filepath.Join(target, "answer.json"), answer); err != nil {
		t.Fatal(err)
	}
	_, _, err = store.Get(id)
	wantLink("Get", err, answer)
	_, err = store.Answer(id, "1", "", escalate.ByAsync)
	wantLink("Answer", err, answer)

	// The questions folder that is a link.
	questions := filepath.Join(stateDir, "questions")
	if err := os.RemoveAll(questions); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, questions); err != nil {
		t.Fatal(err)
	}
	_, _, err = store.Defer(testFailureQuestion(), newID)
	wantLink("Defer", err, questions)
	_, err = store.Open()
	wantLink("Open", err, questions)
	if entries, _ := os.ReadDir(target); len(entries) > 0 {
		t.Errorf("%d files were written through the link", len(entries))
	}
}
