package checkpoint

import (
	"io"

	"github.com/maestro-recovery/maestro/internal/git"
)

// PatchTo asks Diff for the patch as well.
type PatchTo struct {
	W     io.Writer
	Color bool
}

// Diff lists what changed in the working tree since the checkpoint, the
// untracked files that are not ignored included, and writes the patch when
// asked.
func (s *Store) Diff(rec *Record, patch *PatchTo) ([]git.Change, error) {
	head, err := s.headCommit()
	if err != nil {
		return nil, err
	}
	now, err := s.capture(head, "")
	if err != nil {
		return nil, err
	}
	defer now.cleanup()
	then, err := s.checkpointState(rec)
	if err != nil {
		return nil, err
	}
	// A commit holds its files as git stores them: compared with the
	// working tree as git add would store it, a file whose line ends
	// alone differ (CRLF under text=auto) is no change, as for git diff.
	// A snapshot that kept files' exact bytes is compared byte for byte.
	tree := now.cleanTree
	if len(then.RawPaths) > 0 {
		tree = now.workTree
	}
	if patch != nil {
		if err := s.repo.DiffPatch(then.WorktreeTree, tree, patch.Color, patch.W); err != nil {
			return nil, err
		}
	}
	return s.repo.DiffTrees(then.WorktreeTree, tree)
}
