package fork

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// MaxCount bounds --count: each fork is a full copy of the tree.
const MaxCount = 64

// Options describe the forks to make.
type Options struct {
	StateDir string
	// Dir is the folder the forks go in, absolute.
	Dir string
	// At chooses the checkpoint, as a rollback would.
	At checkpoint.RollbackOptions
	// Name is the fork's name (with Count > 1, NAME-1 ... NAME-N); ""
	// takes the first free of f1, f2, ...
	Name  string
	Count int
	// Approaches are the catalog's approach names: a fork named after one
	// records it as its approach.
	Approaches []string
	Now        func() time.Time
}

// Made is what Create made.
type Made struct {
	Checkpoint *checkpoint.Record `json:"checkpoint"`
	Forks      []Fork             `json:"forks"`
}

// DefaultDir is the forks folder when [checkpoints] forks_dir is not set:
// next to the repository's main worktree, named after it.
func DefaultDir(mainTop string) string {
	return filepath.Join(filepath.Dir(mainTop), filepath.Base(mainTop)+".maestro-forks")
}

// Create makes the forks at the checkpoint o.At chooses, at once, at most
// one per CPU at a time. Each fork's record is created first, exclusively,
// so two makers never take one name; a fork that fails is removed with its
// record, and then so are the others made by the same call.
func Create(s *checkpoint.Store, o Options) (*Made, error) {
	if o.Count == 0 {
		o.Count = 1
	}
	if o.Count < 0 || o.Count > MaxCount {
		return nil, checkpoint.InputErrorf("invalid count %d: make 1 to %d forks at a time", o.Count, MaxCount)
	}
	if o.Name != "" {
		if err := ValidateName(o.Name); err != nil {
			return nil, err
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	rec, st, err := s.ForkPoint(o.At)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("make the forks folder: %w", err)
	}
	forks, err := reserve(o, rec, st)
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(forks))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i := range forks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = s.AddFork(forks[i].Path, st)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for i, f := range forks {
			if errs[i] == nil {
				s.Repo().RemoveWorktree(f.Path)
			}
			forget(o.StateDir, f.Name)
		}
		return nil, err
	}
	return &Made{Checkpoint: rec, Forks: forks}, nil
}

// reserve picks the names and writes the records.
func reserve(o Options, rec *checkpoint.Record, st *checkpoint.State) ([]Fork, error) {
	var forks []Fork
	undo := func() {
		for _, f := range forks {
			forget(o.StateDir, f.Name)
		}
	}
	next := 1
	for i := range o.Count {
		name := o.Name
		if name != "" && o.Count > 1 {
			name += "-" + strconv.Itoa(i+1)
		}
		for {
			auto := name == ""
			if auto {
				name = "f" + strconv.Itoa(next)
				next++
			}
			f := Fork{Name: name, Path: filepath.Join(o.Dir, name), CheckpointID: rec.Name(), CheckpointSession: rec.SessionID, SessionID: o.At.SessionID,
				CommitSHA: st.HeadSHA, BaseStateCommit: st.StateCommit, CreatedAt: o.Now().UTC()}
			if slices.Contains(o.Approaches, name) {
				f.Approach = name
			}
			err := claim(o.StateDir, &f)
			if err == nil {
				forks = append(forks, f)
				break
			}
			if !auto || !errors.Is(err, errTaken) {
				undo()
				return nil, err
			}
			name = ""
		}
	}
	return forks, nil
}

var errTaken = errors.New("name taken")

// claim writes f's record unless the name or the folder is taken.
func claim(stateDir string, f *Fork) error {
	if _, err := os.Lstat(recordPath(stateDir, f.Name)); err == nil {
		return &TakenError{Name: f.Name}
	}
	if _, err := os.Lstat(f.Path); err == nil {
		return &TakenError{Name: f.Name, Path: f.Path}
	}
	data, err := marshal(f)
	if err != nil {
		return err
	}
	if err := state.MkdirAll(Dir(stateDir)); err != nil {
		return err
	}
	if err := state.CreateExclusive(recordPath(stateDir, f.Name), data); err != nil {
		if errors.Is(err, state.ErrExists) {
			return &TakenError{Name: f.Name}
		}
		return err
	}
	return nil
}

// TakenError is a fork name in use, or whose folder is in the way.
type TakenError struct{ Name, Path string }

func (e *TakenError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("fork %s: %s is in the way", e.Name, e.Path)
	}
	return fmt.Sprintf("a fork named %s exists", e.Name)
}

func (e *TakenError) Is(target error) bool { return target == errTaken }

func (e *TakenError) Hints() []string {
	if e.Path != "" {
		return []string{"move it away, or choose another name with --name"}
	}
	return []string{"choose another name with --name, or remove it first: maestro fork --remove " + e.Name}
}

// forget removes a fork's records.
func forget(stateDir, name string) {
	os.Remove(recordPath(stateDir, name))
	os.Remove(runPath(stateDir, name))
}

// RemoveOptions say which forks to remove.
type RemoveOptions struct {
	StateDir string
	Names    []string // or All
	All      bool
	// Force removes a fork whatever it holds.
	Force bool
}

// Removal is what became of one fork.
type Removal struct {
	Name    string   `json:"name"`
	Path    string   `json:"path"`
	Removed bool     `json:"removed"`
	Reason  string   `json:"reason,omitempty"` // why it was refused
	Changed []string `json:"changed,omitempty"`
}

// Remove removes forks: their worktrees and records. A fork holding
// changes of its own (files, index or HEAD differing from the checkpoint
// it was made at) that were neither adopted nor recorded as a checkpoint
// is refused unless o.Force; the others are removed all the same.
func Remove(s *checkpoint.Store, o RemoveOptions) ([]Removal, error) {
	var forks []Fork
	if o.All {
		all, err := List(o.StateDir)
		if err != nil {
			return nil, err
		}
		forks = all
	} else {
		for _, name := range o.Names {
			f, err := Get(o.StateDir, name)
			if err != nil {
				return nil, err
			}
			forks = append(forks, *f)
		}
	}
	out := make([]Removal, 0, len(forks))
	for _, f := range forks {
		r := Removal{Name: f.Name, Path: f.Path}
		if f.Unreadable != "" {
			r.Reason = "its record is unreadable (" + f.Unreadable + "): --force forgets it"
			if o.Force {
				forget(o.StateDir, f.Name)
				r.Removed = true
			}
			out = append(out, r)
			continue
		}
		if !filepath.IsAbs(f.Path) || filepath.Base(f.Path) != f.Name {
			// maestro makes a fork at FORKS_DIR/NAME: a record naming
			// another folder was not written by it, and no worktree of
			// the user's is removed on its word.
			r.Reason = "its record names " + f.Path + ", not a fork's folder: maestro leaves it alone"
			if o.Force {
				// Only the record goes.
				forget(o.StateDir, f.Name)
				r.Removed = true
			}
			out = append(out, r)
			continue
		}
		exists := s.Repo().IsWorktree(f.Path)
		if exists && !o.Force {
			if reason, changed, err := unsaved(s, &f); err != nil {
				r.Reason = err.Error()
				out = append(out, r)
				continue
			} else if reason != "" {
				r.Reason, r.Changed = reason, changed
				out = append(out, r)
				continue
			}
		}
		if exists {
			if err := s.Repo().RemoveWorktree(f.Path); err != nil {
				r.Reason = err.Error()
				out = append(out, r)
				continue
			}
		} else if _, err := os.Lstat(f.Path); errors.Is(err, fs.ErrNotExist) {
			// Removed by hand: git still lists it until pruned.
			s.Repo().PruneWorktrees()
		} else if err == nil {
			r.Reason = f.Path + " is not a worktree of this repository: maestro leaves it alone"
			out = append(out, r)
			continue
		}
		forget(o.StateDir, f.Name)
		r.Removed = true
		out = append(out, r)
	}
	return out, nil
}

// unsaved says why removing f would lose work ("" when it would not), with
// the paths that changed.
func unsaved(s *checkpoint.Store, f *Fork) (string, []string, error) {
	base, err := s.StateAt(f.CommitSHA, f.BaseStateCommit)
	if err != nil {
		return "", nil, err
	}
	ch, err := s.ChangesIn(f.Path, base)
	if err != nil {
		return "", nil, err
	}
	if !ch.Changed() {
		return "", nil, nil
	}
	tree := ch.State.WorktreeTree
	if ok, err := s.AdoptedTree(tree); err != nil || ok {
		return "", nil, err
	}
	if ok, err := s.Recorded(tree); err != nil || ok {
		return "", nil, err
	}
	what := fmt.Sprintf("%d changed file%s", len(ch.Paths), plural(len(ch.Paths)))
	if ch.HeadMoved {
		what += " and new commits"
	}
	return "it holds " + what + ", neither adopted nor recorded as a checkpoint", ch.Paths, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// ForksDir is the folder forks go in: configured ([checkpoints]
// forks_dir), relative to the top level of the repository's main
// worktree, or DefaultDir. The main worktree is the one git lists first
// (the folder that holds .git). A bare repository has none, and git
// names the git directory itself when core.worktree puts the worktree
// elsewhere: then the worktree maestro runs in takes its place.
func ForksDir(s *checkpoint.Store, configured string) (string, error) {
	r := s.Repo()
	top := r.TopLevel
	wts, err := r.Worktrees()
	if err != nil {
		return "", err
	}
	if len(wts) > 0 && !wts[0].Bare && filepath.IsAbs(wts[0].Path) && !sameDir(wts[0].Path, r.CommonDir) {
		top = wts[0].Path
	}
	if configured == "" {
		return DefaultDir(top), nil
	}
	dir := filepath.Join(top, configured)
	if filepath.IsAbs(configured) {
		dir = filepath.Clean(configured)
	}
	// Inside the worktree, every fork would be part of it: a checkpoint
	// would record each as a nested repository, and a rollback would try
	// to remove it.
	if rel, err := filepath.Rel(top, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return "", &checkpoint.Error{Msg: fmt.Sprintf("[checkpoints] forks_dir %q is inside the worktree %s: forks must live outside it", configured, textsafe.Visible(top)),
			Hint: []string{`name a folder beside it, as the default does: forks_dir = "../` + filepath.Base(top) + `.maestro-forks"`}}
	}
	return dir, nil
}

func sameDir(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}
