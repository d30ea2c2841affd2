package checkpoint_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

// A fork that fails half way leaves nothing: no folder, no worktree git
// lists, and the main worktree as it was.
func TestAddForkFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	Write(t, dir, "x", "x\n")
	s := open(t, dir)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	_, st, err := s.ForkPoint(checkpoint.RollbackOptions{SessionID: "default"})
	if err != nil {
		t.Fatal(err)
	}
	before := Take(t, dir, nil)
	bad := *st
	bad.WorktreeTree = strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD:README")) // a blob, not a tree
	path := filepath.Join(t.TempDir(), "f1")
	if err := s.AddFork(path, &bad); err == nil {
		t.Fatal("AddFork of a broken state succeeded")
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", path, err)
	}
	if out := Git(t, dir, "worktree", "list", "--porcelain"); strings.Contains(out, path) {
		t.Errorf("git still lists the fork:\n%s", out)
	}
	Compare(t, "main worktree", Take(t, dir, nil), before)
	// The good state forks, and ChangesIn sees nothing of its own in it.
	if err := s.AddFork(path, st); err != nil {
		t.Fatal(err)
	}
	ch, err := s.ChangesIn(path, st)
	if err != nil || ch.Changed() {
		t.Errorf("ChangesIn = %+v, %v", ch, err)
	}
	Write(t, path, "x", "changed\n")
	if ch, err := s.ChangesIn(path, st); err != nil || strings.Join(ch.Paths, ",") != "x" || ch.HeadMoved {
		t.Errorf("ChangesIn after a change = %+v, %v", ch, err)
	}
}
