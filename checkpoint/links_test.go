package checkpoint_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/internal/state"
)

// Issue 7, point 12: with .git/maestro/tmp planted as a symbolic link, one
// `maestro checkpoint` removed the files of the folder it pointed to (the
// stale index copies are cleaned there). The link is refused, naming it,
// and the files stay. The same for .git/maestro itself.
func TestCheckpointRefusesLinkedTmp(t *testing.T) {
	t.Parallel()
	for _, planted := range []string{"maestro/tmp", "maestro"} {
		t.Run(planted, func(t *testing.T) {
			t.Parallel()
			dir := Init(t)
			Write(t, dir, "dirty.txt", "not committed\n")
			target := t.TempDir()
			precious := []string{"index-1-123", "precious.txt"}
			for _, name := range precious {
				Write(t, target, name, "precious\n")
			}
			link := filepath.Join(dir, ".git", filepath.FromSlash(planted))
			if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
				t.Fatal(err)
			}
			symlink(t, target, link)
			_, err := open(t, dir).Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"})
			var le *state.LinkError
			if !errors.As(err, &le) || Resolve(t, filepath.Dir(le.Path)) != Resolve(t, filepath.Dir(link)) || filepath.Base(le.Path) != filepath.Base(link) {
				t.Errorf("Create = %v, want the link %s refused", err, link)
			}
			entries, err := os.ReadDir(target)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if !slices.Equal(names, precious) {
				t.Errorf("the link's target holds %q, want %q", names, precious)
			}
		})
	}
}
