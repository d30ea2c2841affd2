package session

import (
	"os"
	"path/filepath"
)

// HasLog reports whether session id has a folder in the state directory:
// a log, or the record of maestro session start.
func HasLog(stateDir, id string) bool {
	info, err := os.Lstat(filepath.Join(stateDir, "sessions", id))
	return err == nil && info.IsDir()
}
