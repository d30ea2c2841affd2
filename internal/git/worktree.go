package git

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// AddWorktree adds a linked worktree at path (absolute, made by maestro)
// with HEAD detached at commit. Without checkout it writes no file and no
// index: the caller fills it. The repository's own worktree, index and
// refs are left alone.
func (r *Repo) AddWorktree(path, commit string, checkout bool) error {
	if !filepath.IsAbs(path) {
		return errors.New("worktree path " + path + " is not absolute")
	}
	if !IsObjectID(commit) {
		return badName("commit", commit)
	}
	args := []string{"worktree", "add", "--quiet", "--detach"}
	if !checkout {
		args = append(args, "--no-checkout")
	}
	_, err := r.run(nil, append(args, "--", path, commit)...)
	return err
}

// RemoveWorktree removes the linked worktree at path, its files and its
// administrative folder, whatever it holds: the caller has decided.
func (r *Repo) RemoveWorktree(path string) error {
	_, err := r.run(nil, "worktree", "remove", "--force", "--force", "--", path)
	return err
}

// PruneWorktrees forgets the linked worktrees whose folders are gone.
func (r *Repo) PruneWorktrees() error {
	_, err := r.run(nil, "worktree", "prune")
	return err
}

// Worktree is one entry of git worktree list.
type Worktree struct {
	Path string
	Bare bool
}

// Worktrees lists the repository's worktrees, the main one first.
func (r *Repo) Worktrees() ([]Worktree, error) {
	out, err := r.read(nil, "worktree", "list", "--porcelain", "-z")
	if err != nil {
		return nil, err
	}
	var wts []Worktree
	for _, line := range splitZ(out) {
		if p, ok := strings.CutPrefix(line, "worktree "); ok {
			wts = append(wts, Worktree{Path: p})
		} else if line == "bare" && len(wts) > 0 {
			wts[len(wts)-1].Bare = true
		}
	}
	return wts, nil
}

// IsWorktree reports whether dir is the top level of a working tree of
// this repository, by its .git file: a folder that is not must never be
// removed as a fork.
func (r *Repo) IsWorktree(dir string) bool {
	common, ok := FindCommonDir(dir)
	if !ok {
		return false
	}
	a, err1 := os.Stat(common)
	b, err2 := os.Stat(r.CommonDir)
	if _, err := os.Lstat(filepath.Join(dir, ".git")); err != nil {
		return false
	}
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}
