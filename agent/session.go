package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/state"
	sessionlog "github.com/maestro-recovery/maestro/session"
)

// SessionID is the maestro session of an agent's session: the agent's name,
// the first letters and digits of its id (up to 8, for a reader to tell
// sessions apart) and 8 hex digits of a hash of the whole id, so that ids
// which clean up alike stay apart. It is always a valid session id, made
// of letters, digits and '-', whatever the agent sent.
func SessionID(agentName, agentSessionID string) string {
	sum := sha256.Sum256([]byte(agentName + "\x00" + agentSessionID))
	var short strings.Builder
	for _, c := range agentSessionID {
		if short.Len() == 8 {
			break
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			short.WriteRune(c)
		}
	}
	name := safeName(agentName)
	if short.Len() == 0 {
		return name + "-" + hex.EncodeToString(sum[:4])
	}
	return name + "-" + short.String() + "-" + hex.EncodeToString(sum[:4])
}

// safeName keeps an agent's name a valid start of a session id; the
// names maestro knows are already.
func safeName(s string) string {
	var b strings.Builder
	for _, c := range s {
		if b.Len() == 24 {
			break
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && b.Len() > 0 {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "agent"
	}
	return b.String()
}

// binding is what maestro keeps of an agent's session, in the maestro
// session's folder of the local state (sessions/<id>/agent.json): which
// agent session it is (the mapping), the last checkpoint the hooks made,
// and the failures in a row. The turn's prompt is in the session's log.
type binding struct {
	Agent          string    `json:"agent"`
	AgentSessionID string    `json:"agent_session_id"`
	SessionID      string    `json:"session_id"`
	StartedAt      time.Time `json:"started_at"`
	// The last checkpoint the hooks made, and its tree: the end of a turn
	// makes none when the working tree is still that.
	LastCheckpoint  string `json:"last_checkpoint,omitempty"`
	LastDescription string `json:"last_description,omitempty"`
	LastTree        string `json:"last_tree,omitempty"`
	// Failures in a row of one type, and the last checkpoint made before
	// the first of them: where things were good.
	StreakType        string `json:"streak_type,omitempty"`
	StreakCount       int    `json:"streak_count,omitempty"`
	StreakGood        string `json:"streak_good,omitempty"`
	StreakDescription string `json:"streak_description,omitempty"`
}

// maxBinding bounds what is read of a binding: it holds a few ids and one
// line of prompt.
const maxBinding = 64 << 10

func bindingPath(stateDir, sid string) string {
	return filepath.Join(sessionlog.Open(stateDir, sid).Dir, "agent.json")
}

// readBinding reads the binding; found is false when there is none yet.
func readBinding(stateDir, sid string) (b binding, found bool, err error) {
	data, err := state.ReadFileLimit(bindingPath(stateDir, sid), maxBinding)
	if errors.Is(err, os.ErrNotExist) {
		return b, false, nil
	}
	if err != nil {
		return b, false, err
	}
	if err := json.Unmarshal(data, &b); err != nil {
		// A damaged file is started again: it holds nothing that cannot
		// be rebuilt, and a hook must not stop on it.
		return binding{}, false, nil
	}
	return b, true, nil
}

func writeBinding(stateDir string, b binding) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return state.WriteAtomic(bindingPath(stateDir, b.SessionID), append(data, '\n'))
}

// update reads the binding, lets change modify it, and writes it back
// when change says so, under a lock: an agent may run hooks of one session
// at once (parallel tool calls).
func update(stateDir, sid string, change func(b *binding, found bool) bool) (binding, error) {
	path := bindingPath(stateDir, sid)
	if err := state.MkdirAll(filepath.Dir(path)); err != nil {
		return binding{}, err
	}
	unlock, err := state.Lock(filepath.Join(filepath.Dir(path), "agent.lock"))
	if err != nil {
		return binding{}, err
	}
	defer unlock()
	b, found, err := readBinding(stateDir, sid)
	if err != nil {
		return b, err
	}
	if change(&b, found) {
		err = writeBinding(stateDir, b)
	}
	return b, err
}
