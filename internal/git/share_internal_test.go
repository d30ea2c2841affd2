package git

import (
	"fmt"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/gittest"
)

// A remote that advertises more than the bound is refused, not read to the
// end: it is someone else's, and may not stop.
func TestRemoteRefsBounded(t *testing.T) {
	remote := t.TempDir()
	gittest.Git(t, remote, "init", "-q", "--bare", "-b", "main")
	dir := gittest.Init(t)
	gittest.Git(t, dir, "remote", "add", "origin", remote)
	var specs []string
	for i := range 200 {
		specs = append(specs, fmt.Sprintf("main:refs/heads/b%03d", i))
	}
	gittest.Git(t, dir, append([]string{"push", "-q", "origin"}, specs...)...)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if refs, err := r.RemoteRefs("origin"); err != nil || len(refs) != 200 {
		t.Fatalf("RemoteRefs: %d refs, %v", len(refs), err)
	}
	old := maxRemoteRefs
	maxRemoteRefs = 4096
	defer func() { maxRemoteRefs = old }()
	if _, err := r.RemoteRefs("origin"); err == nil || !strings.Contains(err.Error(), "advertises more than") {
		t.Errorf("RemoteRefs past the bound: %v", err)
	}
}
