package state

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Nothing in maestro's state is ever a symbolic link: maestro makes none
// there. One found there was planted (a repository unpacked from an
// archive, another user with access to .git), and following it would let
// maestro write, append to or delete files elsewhere. So from the state
// directory down (the folder named maestro included), every folder entered
// and every file opened, renamed over or linked is refused when it is a
// link. Above the state directory, links are the user's business.

// LinkError is a symbolic link found inside maestro's state.
type LinkError struct{ Path string }

func (e *LinkError) Error() string {
	return "refusing to follow the symbolic link " + e.Path + " inside maestro's state"
}

// Hints says what to do about it.
func (e *LinkError) Hints() []string {
	return []string{"maestro never makes links there: remove it (rm " + textsafe.ShellQuote(e.Path) + ") if you did not put it there"}
}

// rootOf returns the state directory dir is in or is: the nearest folder
// named maestro at or above dir that sits in a git directory or in the XDG
// state home. "" when dir is not in maestro's state. A session's own
// folder may be named maestro too: its parent is neither.
func rootOf(dir string) string {
	dir = filepath.Clean(dir)
	for {
		if filepath.Base(dir) == "maestro" && isStateBase(filepath.Dir(dir)) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// isStateBase reports whether dir is where Dir puts the state: a git
// directory (HEAD, and objects or a commondir file for a linked
// worktree's), or the XDG state home.
func isStateBase(dir string) bool {
	if _, err := os.Lstat(filepath.Join(dir, "HEAD")); err == nil {
		if _, err := os.Lstat(filepath.Join(dir, "objects")); err == nil {
			return true
		}
		if _, err := os.Lstat(filepath.Join(dir, "commondir")); err == nil {
			return true
		}
	}
	user := UserDir(nil)
	return user != "" && dir == filepath.Dir(user)
}

// prepare checks the folders from the state root down to path's folder,
// making those missing when create is set (then, outside the state, it
// makes them as os.MkdirAll does). It reports whether path is in the state.
func prepare(path string, create bool) (inState bool, err error) {
	dir := filepath.Dir(path)
	root := rootOf(dir)
	if root == "" {
		if create {
			err = os.MkdirAll(dir, 0o755)
		}
		return false, err
	}
	return true, enter(root, dir, create)
}

// enter checks that each of root and the folders below it down to dir is
// a folder and no link, making the missing ones when create is set.
func enter(root, dir string, create bool) error {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return errors.New("state: " + dir + " is not in " + root)
	}
	if err := enterOne(root, create); err != nil || rel == "." {
		return err
	}
	p := root
	for _, elem := range strings.Split(rel, string(filepath.Separator)) {
		p = filepath.Join(p, elem)
		if err := enterOne(p, create); err != nil {
			return err
		}
	}
	return nil
}

func enterOne(p string, create bool) error {
	info, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) && create {
		err = os.Mkdir(p, 0o755)
		if errors.Is(err, fs.ErrNotExist) {
			// The state home itself is missing: above the state, the
			// user's folders are made as they come.
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				err = os.Mkdir(p, 0o755)
			}
		}
		if err == nil || !errors.Is(err, fs.ErrExist) {
			return err
		}
		info, err = os.Lstat(p) // made by another process meanwhile
	}
	switch {
	case err != nil:
		return err
	case info.Mode()&fs.ModeSymlink != 0:
		return &LinkError{p}
	case !info.IsDir():
		return &fs.PathError{Op: "open", Path: p, Err: syscall.ENOTDIR}
	}
	return nil
}

// openFile opens path, refusing it when it is a symbolic link. It opens
// with the system call and wraps the descriptor, rather than os.OpenFile:
// that would offer every file to the runtime's poller, which takes regular
// files back, four system calls for nothing on each state file a hook or
// a run opens.
func openFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, flag|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err != syscall.EINTR {
			break
		}
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, &LinkError{path}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// ReadFile reads the file path in maestro's state, following no link.
func ReadFile(path string) ([]byte, error) { return ReadFileLimit(path, -1) }

// ReadDir lists the folder dir in maestro's state, following no link.
func ReadDir(dir string) ([]fs.DirEntry, error) {
	if root := rootOf(dir); root != "" {
		if err := enter(root, dir, false); err != nil {
			return nil, err
		}
	}
	return os.ReadDir(dir)
}

// MkdirAll makes the folder dir in maestro's state and those above it, up
// to the state directory, refusing any of them that is a link.
func MkdirAll(dir string) error {
	root := rootOf(dir)
	if root == "" {
		return os.MkdirAll(dir, 0o755)
	}
	return enter(root, dir, true)
}
