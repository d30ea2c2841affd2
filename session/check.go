package session

import (
	"fmt"
	"slices"
	"strings"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/ids"
)

// UnknownError is a session this repository (or, outside one, the local
// state) knows nothing of, with the nearest known ids.
type UnknownError struct {
	ID      string
	Nearest []string
}

func (e *UnknownError) Error() string { return fmt.Sprintf("no session %q here", e.ID) }

// Hints say what the known ones are.
func (e *UnknownError) Hints() []string {
	return []string{"nearest: " + strings.Join(e.Nearest, ", "),
		"'maestro session list' lists them; a session is known once it has a log or a checkpoint"}
}

// Check refuses, with an *UnknownError, a session that has neither a log
// in the state directory nor a checkpoint, record or event ref in store's
// repository, made here or fetched: a typo in a session id would
// otherwise show an empty session, or roll back nothing. default is
// always known. store is nil outside a repository. The id must be valid
// (checkpoint.ValidateID). Commands that create (checkpoint, run, ask) do
// not check: a new id is how a session begins.
func Check(stateDir, id string, store *checkpoint.Store) error {
	if id == Default || HasLog(stateDir, id) {
		return nil
	}
	infos, err := List(stateDir)
	if err != nil {
		return err
	}
	known := []string{Default}
	for _, i := range infos {
		known = append(known, i.ID)
	}
	if store != nil {
		refs, err := store.Repo().Refs(checkpoint.RefRoot)
		if err != nil {
			return err
		}
		for _, r := range refs {
			parts := strings.Split(strings.TrimPrefix(r.Name, checkpoint.RefRoot), "/")
			if len(parts) == 5 && parts[0] == "remotes" {
				parts = parts[2:] // fetched: known, and listed apart
			}
			if len(parts) != 3 || parts[0] != "checkpoints" && parts[0] != "records" && parts[0] != "events" {
				continue
			}
			if parts[1] == id {
				return nil
			}
			if checkpoint.ValidateID("session id", parts[1]) == nil {
				known = append(known, parts[1])
			}
		}
	}
	slices.Sort(known)
	return &UnknownError{ID: id, Nearest: ids.Nearest(id, slices.Compact(known), 3)}
}
