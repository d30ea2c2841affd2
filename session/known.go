package session

import (
	"os"
	"path/filepath"
	"sort"

	"github.com/maestro-recovery/maestro/internal/nearest"
)

// HasLog reports whether session id has a folder in the state directory:
// a log, or the record of maestro session start.
func HasLog(stateDir, id string) bool {
	info, err := os.Lstat(filepath.Join(stateDir, "sessions", id))
	return err == nil && info.IsDir()
}

// Nearest returns up to n of ids closest to id, closest first: fewest
// edits, then longest common prefix (generated ids are mostly their time).
func Nearest(id string, ids []string, n int) []string {
	type scored struct {
		id           string
		dist, prefix int
	}
	var all []scored
	seen := map[string]bool{}
	for _, c := range ids {
		if seen[c] || c == id {
			continue
		}
		seen[c] = true
		p := 0
		for p < len(c) && p < len(id) && c[p] == id[p] {
			p++
		}
		all = append(all, scored{c, nearest.Distance(id, c), p})
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if a.prefix != b.prefix {
			return a.prefix > b.prefix
		}
		return a.id < b.id
	})
	out := make([]string, 0, n)
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.id)
	}
	return out
}
