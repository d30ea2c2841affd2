package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// A repository's recovery.toml comes with a clone: whoever wrote it could
// tell an agent to run anything (an approach's implementation_pattern) or
// lower the retention that keeps the user's checkpoints. So it is used only
// once the user has trusted that exact content, as direnv's allow and
// mise's trust work: the trust is kept in the user's state, by the file's
// path and the SHA-256 of its content, and a change of either is a new file
// to trust.

// TrustEnv names the variable that, set to 1, trusts every repository's
// recovery.toml: for CI, where the repository is the one being built.
const TrustEnv = "MAESTRO_TRUST_REPO_CONFIG"

// Trust states of a configuration file.
const (
	TrustOwn     = "own"            // --config, $MAESTRO_CONFIG or the user's folder: the user's own
	TrustTrusted = "trusted"        // a repository's file whose content the user trusted
	TrustByEnv   = "trusted_by_env" // a repository's file, trusted by MAESTRO_TRUST_REPO_CONFIG
	// TrustDefault is a repository's file that holds exactly the built-in
	// default (maestro config --default > recovery.toml, or maestro's own
	// repository): using it changes nothing, so it needs no trust.
	TrustDefault = "same_as_default"
	TrustNone    = "not_trusted" // a repository's file nobody trusted: ignored
)

// File is a configuration file that was found, used or ignored.
type File struct {
	Source
	Trust  string // one of the Trust constants
	SHA256 string // of a repository's file's content; "" for the others
}

// Used reports whether the file's content is part of the configuration.
func (f File) Used() bool { return f.Trust != TrustNone }

// trustStore is where trusted contents are kept: one folder per file path,
// named by the path's hash, holding a file per trusted content and a
// marker per content the user was warned about.
type trustStore struct{ dir string } // "" without a state directory: nothing is trusted

func openTrust(getenv func(string) string) trustStore {
	base := getenv("XDG_STATE_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home := getenv("HOME")
		if home == "" {
			return trustStore{}
		}
		base = filepath.Join(home, ".local", "state")
	}
	return trustStore{dir: filepath.Join(base, "maestro", "trust")}
}

func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func (s trustStore) folder(path string) string {
	return filepath.Join(s.dir, hashOf([]byte(path)))
}

func (s trustStore) trusted(path, sum string) bool {
	if s.dir == "" {
		return false
	}
	_, err := state.ReadFile(filepath.Join(s.folder(path), "trusted-"+sum))
	return err == nil
}

// trustEntry is what a trust file holds, for a person reading the state.
type trustEntry struct {
	Path      textsafe.Path `json:"path"`
	SHA256    string        `json:"sha256"`
	TrustedAt time.Time     `json:"trusted_at"`
}

func (s trustStore) trust(path, sum string) error {
	if s.dir == "" {
		return errors.New("no state directory to keep it in: neither $XDG_STATE_HOME nor $HOME is set")
	}
	data, err := json.Marshal(trustEntry{Path: textsafe.Path(path), SHA256: sum, TrustedAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	return state.WriteAtomic(filepath.Join(s.folder(path), "trusted-"+sum), append(data, '\n'))
}

// untrust forgets every content of path that was trusted, and the warnings
// given about it, so that the next change is announced again.
func (s trustStore) untrust(path string) (bool, error) {
	if s.dir == "" {
		return false, nil
	}
	entries, err := state.ReadDir(s.folder(path))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	was := false
	for _, e := range entries {
		was = was || strings.HasPrefix(e.Name(), "trusted-")
	}
	// RemoveAll removes a link, never what it points to.
	return was, os.RemoveAll(s.folder(path))
}

// firstWarning reports whether the user is yet to be warned about this
// content of path, and records that they now are. Of several processes
// asking at once, one is told yes. Without a place to record it, every
// process warns: better repeated than never said.
func (s trustStore) firstWarning(path, sum string) bool {
	if s.dir == "" {
		return true
	}
	marker := filepath.Join(s.folder(path), "warned-"+sum)
	// Looked at first: a hook runs on every commit, and finding the marker
	// there by creating it costs a temporary file and a link each time.
	if _, err := os.Lstat(marker); err == nil {
		return false
	}
	err := state.CreateExclusive(marker, []byte(path+"\n"))
	return !errors.Is(err, state.ErrExists)
}

func trustedByEnv(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv(TrustEnv))) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// repoTrust decides whether the repository's file at path, holding data,
// is used, warning once per content when it is not.
func repoTrust(getenv func(string) string, warn io.Writer, path string, data, def []byte) File {
	f := trustOf(getenv, path, data, def)
	if f.Trust == TrustNone && openTrust(getenv).firstWarning(path, f.SHA256) {
		fmt.Fprintf(warn, "maestro: warning: ignoring %s: not trusted (new or changed since you trusted it)\n", textsafe.Visible(path))
		fmt.Fprintln(warn, "maestro: hint: read it, then run 'maestro config trust' to use it")
	}
	return f
}

// trustOf says whether the repository's file at path, holding data, is
// used, writing nothing.
func trustOf(getenv func(string) string, path string, data, def []byte) File {
	f := File{Source: Source{Origin: OriginRepo, Path: path}, SHA256: hashOf(data)}
	switch {
	case bytes.Equal(data, def):
		f.Trust = TrustDefault
	case trustedByEnv(getenv):
		f.Trust = TrustByEnv
	case openTrust(getenv).trusted(path, f.SHA256):
		f.Trust = TrustTrusted
	default:
		f.Trust = TrustNone
	}
	return f
}

// trustError is a trust or untrust that cannot be done, with what to do.
type trustError struct {
	msg  string
	hint []string
}

func (e *trustError) Error() string   { return e.msg }
func (e *trustError) Hints() []string { return e.hint }

// repoFile finds the repository's recovery.toml for work in dir.
func repoFile(dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	root, ok := git.FindTopLevel(dir)
	if !ok {
		return "", &trustError{msg: "not in a git repository", hint: []string{"trust concerns a repository's " + FileName + ": run it inside the repository"}}
	}
	return filepath.Join(root, FileName), nil
}

// TrustRepo trusts the recovery.toml of the repository of opts.Dir as it
// is now, once it is known to be valid with the user's other files: a file
// that would make every command fail is not worth trusting.
func TrustRepo(opts Options) (File, error) {
	getenv := opts.getenv()
	path, err := repoFile(opts.Dir)
	if err != nil {
		return File{}, err
	}
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, &trustError{msg: "no " + FileName + " at the root of the repository: " + textsafe.Visible(path) + " does not exist"}
	}
	if err != nil {
		return File{}, err
	}
	f := File{Source: Source{Origin: OriginRepo, Path: path}, Trust: TrustTrusted, SHA256: hashOf(data)}
	opts.repo = &f
	opts.repoData = data
	c, err := load(opts)
	if err == nil {
		err = c.prepare()
	}
	if err != nil {
		return File{}, err
	}
	if err := openTrust(getenv).trust(path, f.SHA256); err != nil {
		return File{}, fmt.Errorf("trust %s: %w", textsafe.Visible(path), err)
	}
	return f, nil
}

// UntrustRepo forgets every content of the repository's recovery.toml
// that was trusted; it reports whether there was one.
func UntrustRepo(opts Options) (File, bool, error) {
	path, err := repoFile(opts.Dir)
	if err != nil {
		return File{}, false, err
	}
	was, err := openTrust(opts.getenv()).untrust(path)
	if err != nil {
		return File{}, false, fmt.Errorf("untrust %s: %w", textsafe.Visible(path), err)
	}
	return File{Source: Source{Origin: OriginRepo, Path: path}, Trust: TrustNone}, was, nil
}
