package recovery

import (
	"errors"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
)

// GreenInput is what RecordGreen knows of a passing run.
type GreenInput struct {
	OnGreen    string   // [checkpoints] on_green
	Command    []string // the command as the user gave it
	TestRunner string   // the test runner recognised in it, "" for none
	SessionID  string
	// Store opens the repository; an error when there is none.
	Store func() (*checkpoint.Store, error)
}

// RecordGreen records the green checkpoint a passing run earns, as
// on_green says: for a recognised test command ("tests"), any command
// ("always"), or none. It returns nil, and no error, when the run earns
// none, when maestro runs outside a git repository, and when the state is
// that of the previous green checkpoint of the command. Nothing is done
// for a command that earns none, so a plain maestro-run -- true starts no
// git process.
func RecordGreen(in GreenInput) (*checkpoint.Record, error) {
	switch {
	case in.OnGreen == catalog.OnGreenNever,
		in.OnGreen == catalog.OnGreenTests && in.TestRunner == "",
		len(in.Command) == 0:
		return nil, nil
	}
	s, err := in.Store()
	if errors.Is(err, git.ErrNotRepo) {
		return nil, nil // maestro run works outside a repository too
	}
	if err != nil {
		return nil, err
	}
	rec, err := s.RecordGreen(checkpoint.GreenOptions{SessionID: in.SessionID, Command: in.Command, TestRunner: in.TestRunner})
	if errors.Is(err, checkpoint.ErrUnchanged) || errors.Is(err, git.ErrNoCommits) {
		// The same state as the last green, or no commit to check point
		// yet (a repository just made): nothing to record, nothing to say.
		return nil, nil
	}
	return rec, err
}
