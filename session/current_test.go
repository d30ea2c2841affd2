package session_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/session"
)

// stateIn makes dir a git directory's state folder (rootOf needs one), so
// that the link checks of internal/state apply as they do for real.
func stateIn(t *testing.T) string {
	t.Helper()
	git := filepath.Join(t.TempDir(), ".git")
	for _, d := range []string{git, filepath.Join(git, "objects")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(git, "HEAD"), []byte("ref: refs/heads/main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(git, "maestro")
}

func TestCurrent(t *testing.T) {
	t.Parallel()
	dir := stateIn(t)
	if id, err := session.Current(dir); id != "" || err != nil {
		t.Fatalf("Current with none = %q, %v", id, err)
	}
	if err := session.SetCurrent(dir, "s-1"); err != nil {
		t.Fatal(err)
	}
	if id, err := session.Current(dir); id != "s-1" || err != nil {
		t.Fatalf("Current = %q, %v; want s-1", id, err)
	}
	if err := session.SetCurrent(dir, "../x"); err == nil {
		t.Error("SetCurrent took ../x")
	}
	if id, err := session.ClearCurrent(dir); id != "s-1" || err != nil {
		t.Fatalf("ClearCurrent = %q, %v; want s-1", id, err)
	}
	if id, err := session.ClearCurrent(dir); id != "" || err != nil {
		t.Fatalf("ClearCurrent again = %q, %v; want none", id, err)
	}
}

// A current-session file is anyone's who can write in .git: whatever it
// holds, nothing of it becomes a ref or an option, and reading it never
// blocks (the post-commit hook reads it).
func TestCurrentRefusesWhatMaestroDidNotWrite(t *testing.T) {
	t.Parallel()
	for name, write := range map[string]func(path string) error{
		"option":   func(p string) error { return os.WriteFile(p, []byte("--upload-pack=evil\n"), 0o644) },
		"path":     func(p string) error { return os.WriteFile(p, []byte("../../HEAD"), 0o644) },
		"two ids":  func(p string) error { return os.WriteFile(p, []byte("a\nb\n"), 0o644) },
		"empty":    func(p string) error { return os.WriteFile(p, nil, 0o644) },
		"huge":     func(p string) error { return os.WriteFile(p, []byte(strings.Repeat("a", 1<<20)), 0o644) },
		"fifo":     func(p string) error { return syscall.Mkfifo(p, 0o644) },
		"link":     func(p string) error { return os.Symlink("/etc/hostname", p) },
		"a folder": func(p string) error { return os.Mkdir(p, 0o755) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := stateIn(t)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := write(filepath.Join(dir, "current-session")); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				id, err := session.Current(dir)
				var ce *session.CurrentError
				if id != "" || !errors.As(err, &ce) {
					t.Errorf("Current = %q, %v; want a CurrentError", id, err)
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Current blocked")
			}
		})
	}
}

// No state directory: no current session either.
func TestChooseAtWithoutState(t *testing.T) {
	t.Parallel()
	if got, err := session.ChooseAt("", "", false, func(string) string { return "" }); err != nil || got != (session.Choice{ID: "default", ChosenBy: session.ByDefault}) {
		t.Errorf("ChooseAt without state = %+v, %v", got, err)
	}
}

func TestChoose(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	state := t.TempDir()
	if err := session.SetCurrent(filepath.Join(state, "maestro"), "cur"); err != nil {
		t.Fatal(err)
	}
	// Run from a folder that is no repository (t.TempDir is none): the
	// state is $XDG_STATE_HOME/maestro.
	withCur := map[string]string{"XDG_STATE_HOME": state}
	withEnv := map[string]string{"XDG_STATE_HOME": state, "MAESTRO_SESSION_ID": "e"}
	for _, tc := range []struct {
		flag  string
		given bool
		env   map[string]string
		want  session.Choice
	}{
		{"f", true, withEnv, session.Choice{ID: "f", ChosenBy: session.ByFlag}},
		{"", false, withEnv, session.Choice{ID: "e", ChosenBy: session.ByEnv}},
		{"", false, withCur, session.Choice{ID: "cur", ChosenBy: session.ByCurrent}},
		{"", false, map[string]string{"XDG_STATE_HOME": t.TempDir()}, session.Choice{ID: "default", ChosenBy: session.ByDefault}},
	} {
		got, err := session.ChooseIn(t.TempDir(), tc.flag, tc.given, env(tc.env))
		if got != tc.want || err != nil {
			t.Errorf("Choose(%q, %v, %v) = %+v, %v; want %+v", tc.flag, tc.given, tc.env, got, err, tc.want)
		}
		// ChooseAt, given the state directory maestro run found once,
		// chooses alike.
		got, err = session.ChooseAt(filepath.Join(tc.env["XDG_STATE_HOME"], "maestro"), tc.flag, tc.given, env(tc.env))
		if got != tc.want || err != nil {
			t.Errorf("ChooseAt(%q, %v, %v) = %+v, %v; want %+v", tc.flag, tc.given, tc.env, got, err, tc.want)
		}
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	for i, id := range []string{"a", "b", "c", "d", "default"} {
		l := session.Open(dir, id)
		if err := l.Append(session.Entry{Type: session.KindRun, Run: &session.Run{Command: []string{"true"}}}); err != nil {
			t.Fatal(err)
		}
		at := now.Add(-time.Duration(i) * 24 * time.Hour) // a newest, default oldest
		if err := os.Chtimes(filepath.Join(dir, "sessions", id, "log.jsonl"), at, at); err != nil {
			t.Fatal(err)
		}
	}
	q := &escalate.Question{SessionID: "d", Issue: "go?", Options: []string{"y", "n"}}
	if _, _, err := escalate.NewStore(dir).Defer(q, func() string { return "q-1" }); err != nil {
		t.Fatal(err)
	}
	res, err := session.Prune(dir, session.PruneOptions{Keep: 1, Current: "c", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pruned) != 1 || res.Pruned[0].SessionID != "b" || res.Pruned[0].Reason != "keep" {
		t.Errorf("Pruned = %+v, want b alone", res.Pruned)
	}
	if strings.Join(res.Protected, ",") != "c,d" {
		t.Errorf("Protected = %v, want c (current), d (a question waits)", res.Protected)
	}
	for id, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true, "default": true} {
		if got := session.HasLog(dir, id); got != want {
			t.Errorf("HasLog(%s) = %v, want %v", id, got, want)
		}
	}
}

// A log that only grows (default, outside a repository) is bounded: past
// MaxSize it rotates, keeping its newest entries, in order.
func TestLogRotates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := session.Open(dir, "default")
	l.MaxSize = 8 << 10
	const n = 200
	for i := range n {
		if err := l.Append(session.Entry{Type: session.KindStart, Description: strings.Repeat("x", 200) + string(rune('a'+i%26))}); err != nil {
			t.Fatal(err)
		}
	}
	var total int64
	for _, name := range []string{"log.jsonl", "log.1.jsonl"} {
		info, err := os.Stat(filepath.Join(l.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
	}
	if total > 2*(l.MaxSize+1024) {
		t.Errorf("the log takes %d bytes, more than twice its bound %d", total, l.MaxSize)
	}
	es, err := l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 || len(es) >= n {
		t.Fatalf("%d entries after rotation, want some, fewer than %d", len(es), n)
	}
	if last := es[len(es)-1].Description; !strings.HasSuffix(last, string(rune('a'+(n-1)%26))) {
		t.Errorf("the last entry is not the newest: %q", last[len(last)-1:])
	}
	for i := 1; i < len(es); i++ {
		if es[i].Time.Before(es[i-1].Time) {
			t.Fatalf("entries out of order at %d", i)
		}
	}
}

// Writers that had the log open when it rotated lose nothing: their
// entries land in log.1.jsonl, which is read too.
func TestRotationLosesNoConcurrentEntry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const writers, each = 8, 25
	errs := make(chan error, writers*each)
	done := make(chan struct{})
	for w := range writers {
		go func() {
			defer func() { done <- struct{}{} }()
			l := session.Open(dir, "shared")
			l.MaxSize = 600 << 10 // one rotation: about 840 KiB are written
			for i := range each {
				cmd := []string{"w", string(rune('a' + w)), strings.Repeat("x", 4096), string(rune('a' + i))}
				if err := l.Append(session.Entry{Type: session.KindRun, Run: &session.Run{Command: cmd}}); err != nil {
					errs <- err
				}
			}
		}()
	}
	for range writers {
		<-done
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sessions", "shared", "log.1.jsonl")); err != nil {
		t.Fatalf("no rotation happened: %v", err)
	}
	es, err := session.Open(dir, "shared").Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != writers*each {
		t.Errorf("%d entries, want %d", len(es), writers*each)
	}
}

// Whatever the current-session file holds, Current gives an id that is
// safe as a ref component, or an error.
func FuzzCurrent(f *testing.F) {
	for _, s := range []string{"s-1\n", "default", "--upload-pack=x\n", "../x", "a\nb", "", "x.lock", "\x1b]0;t\x07"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := filepath.Join(t.TempDir(), "maestro")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "current-session"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		id, err := session.Current(dir)
		if err != nil {
			return
		}
		if checkpoint.ValidateID("session id", id) != nil || strings.ContainsAny(id, "\n/") {
			t.Fatalf("Current took %q", id)
		}
	})
}
