package ui_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/ui"
)

// TestFetchQuestions: with [escalate] remote, the page fetches that
// remote's questions by itself. A remote that cannot be reached is said
// once, and its return once; then a question pushed from another clone
// shows on the page, with no maestro questions --remote here.
func TestFetchQuestions(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	var clones [2]string
	for i, name := range []string{"asker", "here"} {
		clones[i] = filepath.Join(root, name)
		gittest.Git(t, root, "init", "-q", "-b", "main", name)
		gittest.Git(t, clones[i], "remote", "add", "origin", "../remote.git")
	}
	config := filepath.Join(root, "recovery.toml")
	gittest.Write(t, root, "recovery.toml", "[escalate]\nremote = \"origin\"\n")
	defaults, err := os.ReadFile("../recovery.toml")
	if err != nil {
		t.Fatal(err)
	}
	log := &lockedBuffer{}
	srv, err := ui.New(ui.Options{Dir: clones[1], Token: "secret-token", ConfigFlag: config, Defaults: defaults,
		Poll: 10 * time.Millisecond, FetchEvery: 10 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	defer func() {
		cancel()
		<-served
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s; the log:\n%s", what, log.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("the unreachable remote told", func() bool { return strings.Contains(log.String(), "cannot fetch the questions of origin") })

	// The remote comes to be, with a question from the other clone.
	gittest.Git(t, root, "init", "-q", "--bare", "remote.git")
	repo, err := git.Open(clones[0])
	if err != nil {
		t.Fatal(err)
	}
	asker := escalate.NewShared(escalate.NewStore(filepath.Join(clones[0], ".git", "maestro")), repo)
	q := &escalate.Question{SessionID: "s-far", Issue: "ship?", Options: []string{"yes", "no"}, AskedAt: time.Now().UTC(), Remote: "origin"}
	if _, _, err := asker.Defer(context.Background(), q, escalate.DeferOptions{NewID: func() string { return "q-fetched-1" }}); err != nil {
		t.Fatal(err)
	}
	st := &site{dir: clones[1], srv: srv, h: srv.Handler(), host: strings.TrimPrefix(srv.BaseURL(), "http://")}
	waitFor("the question on the page", func() bool {
		_, body := st.do(t, "GET", "/", nil, nil)
		return strings.Contains(body, `data-question="q-fetched-1"`)
	})
	waitFor("the remote's return told", func() bool { return strings.Contains(log.String(), "fetching the questions of origin again") })
	if l := log.String(); strings.Count(l, "cannot fetch") != 1 || strings.Count(l, "fetching the questions of origin again") != 1 {
		t.Errorf("the log should say the failure once and the return once:\n%s", l)
	}
}
