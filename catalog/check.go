package catalog

import (
	"errors"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/maestro-recovery/maestro/internal/git"
)

// Checked is the configuration as maestro doctor sees it.
type Checked struct {
	// Files are the files found, in order of precedence, each with its
	// trust; nil when Err says the configuration cannot be read.
	Files []File
	// Err makes every command that reads the configuration fail: a file
	// that cannot be read, a bad key, a bad pattern. It names the file and
	// the line.
	Err error
	// Untrusted is the repository's file when it is ignored for want of
	// trust, and UntrustedErr what trusting it as it is would fail with.
	Untrusted    *File
	UntrustedErr error
}

// Check reads the configuration as Load does and validates all of it (the
// patterns too), writing nothing: Load records that the user was warned
// about a file that is not trusted, so that the warning is given once,
// and a check must not use that up.
func Check(opts Options) Checked {
	opts.Warn = io.Discard
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	var ch Checked
	if root, ok := git.FindTopLevel(dir); ok {
		path := filepath.Join(root, FileName)
		data, err := readFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			ch.Err = err
			return ch
		default:
			f := trustOf(opts.getenv(), path, data, opts.Default)
			if f.Trust == TrustNone {
				ch.Untrusted = &f
				trusted := opts
				trusted.repo, trusted.repoData = &File{Source: f.Source, Trust: TrustTrusted, SHA256: f.SHA256}, data
				_, ch.UntrustedErr = validate(trusted)
			}
			opts.repo, opts.repoData = &f, data
		}
	}
	ch.Files, ch.Err = validate(opts)
	return ch
}

func validate(opts Options) ([]File, error) {
	c, err := load(opts)
	if err != nil {
		return nil, err
	}
	if err := c.prepare(); err != nil {
		return nil, err
	}
	return c.Files, nil
}
