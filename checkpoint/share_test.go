package checkpoint_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// hashObject stores content as a blob in dir and returns its name.
func hashObject(t *testing.T, dir, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(Git(t, dir, "hash-object", "-w", p))
}

func revParse(t *testing.T, dir, rev string) string {
	t.Helper()
	return strings.TrimSpace(Git(t, dir, "rev-parse", rev))
}

// Issue 7, point 1: a remote pushed a checkpoint in session default with
// an id dated in the future; after maestro fetch, a plain rollback moved
// the user's branch to it. What is fetched is kept apart, per remote: a
// rollback without a name takes the newest checkpoint made here; a fetched
// one is taken only by its full name, and says whose it is; the future
// date is flagged.
func TestFetchedCheckpointNeverChosenByDefault(t *testing.T) {
	t.Parallel()
	remote := t.TempDir()
	Git(t, remote, "init", "-q", "--bare", "-b", "main")
	mallory := Init(t)
	Git(t, mallory, "remote", "add", "origin", remote)
	Git(t, mallory, "push", "-q", "origin", "main")
	victim := filepath.Join(t.TempDir(), "victim")
	Git(t, filepath.Dir(victim), "clone", "-q", remote, victim)

	// Mallory: a commit of hers, and a forged checkpoint of it, dated in
	// 2999, in the session everyone has.
	Write(t, mallory, "evil.txt", "evil\n")
	Git(t, mallory, "add", "evil.txt")
	Git(t, mallory, "commit", "-q", "-m", "evil")
	evil := revParse(t, mallory, "HEAD")
	const id = "cp-29991231T235959.999999999Z-22222222"
	record := fmt.Sprintf(`{"version":1,"checkpoint_id":%q,"session_id":"default","timestamp":"2999-12-31T23:59:59Z","description":"trust me","checkpoint_type":"manual","branch":"refs/heads/main","source":"checkpoint"}`, id)
	Git(t, mallory, "update-ref", "refs/maestro/checkpoints/default/"+id, evil)
	Git(t, mallory, "update-ref", "refs/maestro/records/default/"+id, hashObject(t, mallory, record))
	// A record under another id than its own, and refs planted for a
	// third remote: neither is taken.
	const other = "cp-29991231T235959.999999999Z-33333333"
	Git(t, mallory, "update-ref", "refs/maestro/checkpoints/default/"+other, evil)
	Git(t, mallory, "update-ref", "refs/maestro/records/default/"+other, hashObject(t, mallory, record))
	Git(t, mallory, "update-ref", "refs/maestro/remotes/upstream/checkpoints/default/"+id, evil)
	if _, err := open(t, mallory).Push("origin", checkpoint.PushOptions{Progress: io.Discard}); err != nil {
		t.Fatal(err)
	}
	Git(t, mallory, "push", "-q", "origin", "refs/maestro/remotes/*:refs/maestro/remotes/*")

	// The victim: a checkpoint of their own, then work in progress.
	Write(t, victim, "mine.txt", "mine\n")
	Git(t, victim, "add", "mine.txt")
	Git(t, victim, "commit", "-q", "-m", "mine")
	mine := revParse(t, victim, "HEAD")
	s := open(t, victim)
	own, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Description: "mine", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	Write(t, victim, "mine.txt", "work in progress\n")
	res, err := s.Fetch("origin", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 4 || res.Into != "refs/maestro/remotes/origin/" {
		t.Errorf("fetch: %+v, want 4 refs added into refs/maestro/remotes/origin/", res)
	}
	if out := Git(t, victim, "for-each-ref", "--format=%(refname)", "refs/maestro/"); strings.Contains(out, "upstream") || strings.Contains(out, "remotes/origin/remotes") ||
		strings.Contains(out, "refs/maestro/checkpoints/default/"+id) {
		t.Errorf("fetched refs outside refs/maestro/remotes/origin/{checkpoints,records,...}:\n%s", out)
	}

	cat, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Records) != 1 || cat.Records[0].CheckpointID != own.CheckpointID {
		t.Errorf("records made here: %+v, want only %s", cat.Records, own.CheckpointID)
	}
	if len(cat.Fetched) != 1 {
		t.Fatalf("fetched records: %+v, want only %s (the other is under a name it does not hold)", cat.Fetched, id)
	}
	f := cat.Fetched[0]
	if f.Origin != "origin" || f.CheckpointID != id || !f.Future || f.Name() != "origin/default/"+id {
		t.Errorf("fetched record: origin %q id %s future %v name %s", f.Origin, f.CheckpointID, f.Future, f.Name())
	}

	// A plain rollback, as git maestro rollback and maestro-run
	// --on-failure rollback do it: the victim's own checkpoint.
	r, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Checkpoint.CheckpointID != own.CheckpointID || r.Checkpoint.Origin != "" {
		t.Fatalf("plain rollback went to %s (origin %q), want %s", r.Checkpoint.Name(), r.Checkpoint.Origin, own.CheckpointID)
	}
	if head := revParse(t, victim, "HEAD"); head != mine {
		t.Fatalf("HEAD at %s after a plain rollback, want the victim's %s", head, mine)
	}
	// The bare id is not enough either.
	if _, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default", CheckpointID: id}); err == nil {
		t.Fatal("a rollback to the fetched checkpoint's bare id worked")
	}

	// By its full name it is taken, and it is known to be the remote's.
	r, err = s.Rollback(checkpoint.RollbackOptions{SessionID: "default", CheckpointID: "origin/default/" + id})
	if err != nil {
		t.Fatal(err)
	}
	if r.Checkpoint.Origin != "origin" || revParse(t, victim, "HEAD") != evil {
		t.Errorf("rollback by full name: origin %q, HEAD %s, want origin at %s", r.Checkpoint.Origin, revParse(t, victim, "HEAD"), evil)
	}
	cat, err = s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if n := cat.Fetched[0].RollbackCount; n != 1 {
		t.Errorf("the fetched checkpoint's rollback_count is %d, want 1", n)
	}
	if n := cat.Records[0].RollbackCount; n != 1 {
		t.Errorf("the local checkpoint's rollback_count is %d, want 1 (the rollback to the fetched one, same id in the same session, is not its)", n)
	}

	// Push sends what was made here, never what was fetched.
	if _, err := s.Push("origin", checkpoint.PushOptions{Progress: io.Discard}); err != nil {
		t.Fatal(err)
	}
	if out := Git(t, victim, "ls-remote", "origin", "refs/maestro/*"); strings.Contains(out, "refs/maestro/remotes/origin/") ||
		!strings.Contains(out, "refs/maestro/checkpoints/default/"+own.CheckpointID) {
		t.Errorf("the remote after the victim's push:\n%s", out)
	}
}

// Issue 7, point 13: 'maestro fetch -- --upload-pack=CMD' ran CMD. A remote
// that reads as an option is refused before git runs, for fetch and push.
func TestShareRefusesOptionAsRemote(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s := open(t, dir)
	pwned := filepath.Join(t.TempDir(), "pwned")
	evil := "--upload-pack=touch " + pwned + "; git-upload-pack"
	if _, err := s.Fetch(evil, io.Discard); !isInputError(err) {
		t.Errorf("fetch %q: %v, want an invalid remote", evil, err)
	}
	if _, err := s.Push("--receive-pack=touch "+pwned+"; git-receive-pack", checkpoint.PushOptions{}); !isInputError(err) {
		t.Errorf("push: %v, want an invalid remote", err)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Error("the command in the remote's name ran")
	}
	var refusal *checkpoint.Error
	if _, err := s.Fetch("nosuchremote", io.Discard); !errors.As(err, &refusal) {
		t.Errorf("fetch from a remote that is not configured: %v, want a refusal", err)
	}
}

func isInputError(err error) bool {
	var in *checkpoint.InputError
	return errors.As(err, &in)
}

// Issue 7, point 13: an event is read back from git and undo passes its
// branch and object names to git. A forged event whose branch reads as an
// option (--output=x) must not reach git: it is not trusted at all. A
// fetched event is never undone here either.
func TestForgedEventNotPassedToGit(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	head, tree := revParse(t, dir, "HEAD"), revParse(t, dir, "HEAD^{tree}")
	event := func(id, branch string) string {
		return fmt.Sprintf(`{"version":1,"event_id":%q,"type":"rollback","session_id":"default","timestamp":"2026-01-01T00:00:00Z",`+
			`"before":{"head_sha":%q,"branch":%q,"state_commit":%q,"index_tree":%q,"worktree_tree":%q},`+
			`"after":{"head_sha":%[2]q,"branch":"refs/heads/main","state_commit":%[2]q,"index_tree":%[4]q,"worktree_tree":%[4]q}}`,
			id, head, branch, head, tree, tree)
	}
	const forged = "ev-20260101T000000.000000000Z-11111111"
	Git(t, dir, "update-ref", "refs/maestro/events/default/"+forged, hashObject(t, dir, event(forged, "--output=x")))
	const fetched = "ev-20260101T000000.000000000Z-22222222"
	Git(t, dir, "update-ref", "refs/maestro/remotes/origin/events/default/"+fetched, hashObject(t, dir, event(fetched, "refs/heads/other")))
	s := open(t, dir)
	_, err := s.Undo("default", false, true)
	var refusal *checkpoint.Error
	if !errors.As(err, &refusal) || !strings.Contains(err.Error(), "nothing to undo") {
		t.Errorf("undo with only a forged and a fetched event: %v, want nothing to undo", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("git wrote the file the forged branch named")
	}
	if b := strings.TrimSpace(Git(t, dir, "symbolic-ref", "HEAD")); b != "refs/heads/main" {
		t.Errorf("HEAD is on %s, want refs/heads/main", b)
	}
}

// Every record and event blob is read into memory when checkpoints are
// listed: a remote's blob past MaxFetchedBlob is left out unread, so a
// fetched ref cannot fill maestro's memory. One of the same size made here
// is maestro's own and is read.
func TestHugeFetchedBlobLeftOut(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	s, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual", Description: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	head := revParse(t, dir, "HEAD")
	id := "cp-20260101T000000.000000000Z-00000000"
	pad := strings.Repeat("x", checkpoint.MaxFetchedBlob)
	huge := hashObject(t, dir, fmt.Sprintf(`{"version":1,"checkpoint_id":%q,"session_id":"default","branch":"refs/heads/main","source":"checkpoint","description":%q}`, id, pad))
	for _, ns := range []string{"refs/maestro/remotes/origin/", "refs/maestro/"} {
		Git(t, dir, "update-ref", ns+"checkpoints/default/"+id, head)
		Git(t, dir, "update-ref", ns+"records/default/"+id, huge)
	}
	cat, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Fetched) != 0 {
		t.Errorf("a fetched record of %d bytes was read", len(pad))
	}
	if len(cat.Records) != 2 || cat.Records[0].CheckpointID != rec.CheckpointID || cat.Records[1].CheckpointID != id {
		t.Errorf("records made here: %d, want the huge one and %s", len(cat.Records), rec.CheckpointID)
	}
}

// Issue 8, point 8: the untracked files a push lists are those of maestro's
// snapshots only (a checkpoint of the user's merge commit has two parents
// too, and none of its files is untracked), and only those whose content
// the remote lacks, even from a snapshot in another session.
func TestPushUntracked(t *testing.T) {
	t.Parallel()
	remote := t.TempDir()
	Git(t, remote, "init", "-q", "--bare", "-b", "main")
	dir := Init(t)
	Git(t, dir, "remote", "add", "origin", remote)
	Git(t, dir, "push", "-q", "origin", "main")
	s := open(t, dir)
	never := []string{".env", "*.key"}

	// A merge that brings a file named like a key: committed, not a secret
	// maestro has to keep here.
	Git(t, dir, "checkout", "-q", "-b", "side")
	Write(t, dir, "ci.key", "public\n")
	Git(t, dir, "add", "ci.key")
	Git(t, dir, "commit", "-q", "-m", "side")
	Git(t, dir, "checkout", "-q", "main")
	Write(t, dir, "main.txt", "main\n")
	Git(t, dir, "add", "main.txt")
	Git(t, dir, "commit", "-q", "-m", "main")
	Git(t, dir, "merge", "-q", "--no-edit", "side")
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "a", Description: "merged", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Push("origin", checkpoint.PushOptions{DryRun: true, NeverPush: never})
	if err != nil || len(res.Untracked) != 0 || res.Refused || res.Counts["checkpoints"] != 1 {
		t.Fatalf("a checkpoint of a merge commit: %+v, %v; want no untracked file", res, err)
	}

	// A snapshot with an untracked .env, pushed with force.
	Write(t, dir, ".env", "TOKEN=1\n")
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "a", Description: "env", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	res, err = s.Push("origin", checkpoint.PushOptions{NeverPush: never})
	var refusal *checkpoint.Error
	if !errors.As(err, &refusal) || !res.Refused || res.Pushed || len(res.Untracked) != 1 || res.Untracked[0].NeverPush != ".env" {
		t.Fatalf("a snapshot with a .env: %+v, %v; want a refusal", res, err)
	}
	if out := Git(t, dir, "ls-remote", "origin", "refs/maestro/*"); out != "" {
		t.Fatalf("refused, yet pushed:\n%s", out)
	}
	if res, err = s.Push("origin", checkpoint.PushOptions{Force: true, NeverPush: never}); err != nil || !res.Pushed || !res.Forced {
		t.Fatalf("--force: %+v, %v", res, err)
	}

	// The same .env in another session's snapshot: the remote has it.
	Write(t, dir, "notes.txt", "notes\n")
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "b", Description: "notes", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	res, err = s.Push("origin", checkpoint.PushOptions{DryRun: true, NeverPush: never})
	if err != nil || len(res.Untracked) != 1 || res.Untracked[0].Path != "notes.txt" || res.Untracked[0].In[0] != "checkpoints/b/"+mustNewest(t, s, "b") {
		t.Fatalf("a snapshot holding a .env the remote has: %+v, %v; want notes.txt only", res, err)
	}
}

func mustNewest(t *testing.T, s *checkpoint.Store, session string) string {
	t.Helper()
	cat, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	recs := cat.Filter(session, "")
	if len(recs) == 0 {
		t.Fatalf("no checkpoint in session %s", session)
	}
	return recs[0].CheckpointID
}
