package git_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/git"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// PushCreate: a ref the remote has already is a lost race (ErrRejected),
// but a remote that refuses the update (a hook, permissions) is a failed
// push: taking it for a lost race left a question that nobody could
// answer and that never timed out (review of issue 12).
func TestPushCreateRejections(t *testing.T) {
	t.Parallel()
	remote := filepath.Join(t.TempDir(), "r.git")
	Git(t, t.TempDir(), "init", "-q", "--bare", remote)
	dir := Init(t)
	Git(t, dir, "remote", "add", "origin", remote)
	r, err := git.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	blob := func(s string) string {
		sha, err := r.WriteBlob([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return sha
	}
	ctx := context.Background()
	const ref = "refs/maestro/answers/q-1"
	if err := r.PushCreate(ctx, "origin", blob("first"), ref); err != nil {
		t.Fatalf("first push: %v", err)
	}
	if err := r.PushCreate(ctx, "origin", blob("second"), ref); !errors.Is(err, git.ErrRejected) {
		t.Errorf("second push: %v, want ErrRejected", err)
	}
	hook := filepath.Join(remote, "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = r.PushCreate(ctx, "origin", blob("third"), "refs/maestro/answers/q-2")
	if !errors.Is(err, git.ErrRemoteRejected) || errors.Is(err, git.ErrRejected) || !strings.Contains(err.Error(), "remote rejected") {
		t.Errorf("push refused by the remote's hook: %v, want ErrRemoteRejected", err)
	}
}
