package git

import (
	"strings"
)

// Remotes lists the names of the configured remotes (git remote).
func (r *Repo) Remotes() ([]string, error) {
	out, err := r.read(nil, "remote")
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}
