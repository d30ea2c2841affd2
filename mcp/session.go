package mcp

import (
	"context"
	"errors"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/state"
	sessionlog "github.com/maestro-recovery/maestro/session"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

type statsIn struct {
	SessionID string `json:"session_id,omitempty"`
}

// sessionStats is maestro session show: the log's sums, and the
// checkpoints and events git holds for the session.
func (t *tools) sessionStats(_ context.Context, _ *sdk.CallToolRequest, in statsIn) (any, error) {
	ch, err := t.session(in.SessionID)
	if err != nil {
		return nil, err
	}
	dir, err := state.Dir(".", nil)
	if err != nil {
		return nil, fail(err)
	}
	entries, err := sessionlog.Open(dir, ch.ID).Entries()
	if err != nil {
		return nil, fail(err)
	}
	st := sessionlog.Summarize(ch.ID, entries)
	st.ChosenBy = ch.ChosenBy
	s, err := checkpoint.Open(".")
	if err != nil && !errors.Is(err, git.ErrNotRepo) {
		return nil, storeFail(err)
	}
	if err := known(ch.ID, s); err != nil {
		return nil, err
	}
	if s != nil {
		cat, err := s.Load()
		if err != nil {
			return nil, storeFail(err)
		}
		st.CountGit(cat)
	}
	return st, nil
}
