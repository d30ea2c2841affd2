package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/maestro-recovery/maestro/internal/state"
)

// createdFiles are the settings files and folders maestro created, kept in
// the user's state: uninstall removes a file only when maestro made it and
// nothing but what it started with is left, so a file the user had before,
// even one as bare as "{}", stays.
type createdFiles struct {
	path    string
	Files   []string `json:"files"`
	Dirs    []string `json:"dirs"`
	changed bool
}

const createdName = "agent-files.json"

func loadCreated(stateDir string) *createdFiles {
	c := &createdFiles{}
	if stateDir == "" {
		return c
	}
	c.path = filepath.Join(stateDir, createdName)
	if data, err := state.ReadFileLimit(c.path, 1<<20); err == nil {
		// A damaged record only makes uninstall leave an empty file behind.
		_ = json.Unmarshal(data, c)
	}
	return c
}

func (c *createdFiles) has(path string) bool { return slices.Contains(c.Files, path) }

func (c *createdFiles) add(path string) {
	if !c.has(path) {
		c.Files = append(c.Files, path)
		c.changed = true
	}
}

func (c *createdFiles) forget(path string) {
	if i := slices.Index(c.Files, path); i >= 0 {
		c.Files = slices.Delete(c.Files, i, i+1)
		c.changed = true
	}
}

// mkdirs makes dir and the folders above it that are missing, remembering
// which it made.
func (c *createdFiles) mkdirs(dir string) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return // the write that follows says why
	}
	for _, d := range missing {
		if !slices.Contains(c.Dirs, d) {
			c.Dirs = append(c.Dirs, d)
			c.changed = true
		}
	}
}

// removeDirs removes dir, and the folders above it, that maestro made and
// that are empty now.
func (c *createdFiles) removeDirs(dir string) {
	for d := dir; slices.Contains(c.Dirs, d); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			return // not empty: the user's now
		}
		i := slices.Index(c.Dirs, d)
		c.Dirs = slices.Delete(c.Dirs, i, i+1)
		c.changed = true
	}
}

func (c *createdFiles) save() error {
	if !c.changed || c.path == "" {
		return nil
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return state.WriteAtomic(c.path, append(data, '\n'))
}
