package catalog

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// DefaultNeverPush are the names of files that hold secrets more often
// than not. maestro push refuses to send an untracked file (one the user
// never committed) whose name matches one, unless --force.
var DefaultNeverPush = []string{".env", ".env.*", "*.pem", "*.key", "id_rsa*", "id_ed25519*", "*.p12", "credentials*.json", ".npmrc", ".pypirc", ".netrc"}

// Share is the effective [share] table.
type Share struct {
	// NeverPush is DefaultNeverPush followed by the patterns of every
	// file used that has a [share] table: unlike other tables, [share] adds
	// up, and a file adds patterns and never removes one, so that no
	// configuration, a repository's least of all, can let a secret through
	// silently (--force is the way, and it is said each time).
	NeverPush []string
}

type shareTable struct {
	NeverPush []string `toml:"never_push"`
}

// Limits of never_push: a longer list is a mistake, not a policy.
const (
	maxNeverPush        = 1000
	maxNeverPushPattern = 256
)

func (d *document) share() (Share, error) {
	at := []any{"share", "never_push"}
	t := d.file.Share
	if len(t.NeverPush) > maxNeverPush {
		return Share{}, d.errorAt(at, fmt.Sprintf("%d patterns: at most %d", len(t.NeverPush), maxNeverPush))
	}
	s := Share{NeverPush: slices.Clone(DefaultNeverPush)}
	for _, p := range t.NeverPush {
		if err := checkNeverPush(p); err != nil {
			return Share{}, d.errorAt(at, err.Error(), `a pattern matches a file's name at any depth, as in .gitignore: "*.key", ".env.*", "secrets.json"`)
		}
		if !slices.Contains(s.NeverPush, p) {
			s.NeverPush = append(s.NeverPush, p)
		}
	}
	return s, nil
}

func checkNeverPush(p string) error {
	switch {
	case strings.TrimSpace(p) == "":
		return fmt.Errorf("an empty pattern")
	case len(p) > maxNeverPushPattern:
		return fmt.Errorf("a pattern longer than %d bytes", maxNeverPushPattern)
	case strings.Contains(p, "/"):
		return fmt.Errorf("%q holds a '/': a pattern matches a file's name, whatever its folder", p)
	}
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Errorf("%q is not a valid pattern: %v", p, err)
	}
	return nil
}

// NeverPushMatch returns the first pattern of never that the base name of
// file matches, ignoring case (a .ENV is as secret as a .env), or "".
func NeverPushMatch(never []string, file string) string {
	base := strings.ToLower(path.Base(file))
	for _, p := range never {
		if ok, _ := path.Match(strings.ToLower(p), base); ok {
			return p
		}
	}
	return ""
}

// addShare adds d's never_push to c's. ShareSource names the first file
// with a [share] table.
func (c *Config) addShare(d *document, set *bool) error {
	sh, err := d.share()
	if err != nil {
		return err
	}
	if !*set {
		c.ShareSource, *set = d.src, true
	}
	for _, p := range sh.NeverPush {
		if !slices.Contains(c.Share.NeverPush, p) {
			c.Share.NeverPush = append(c.Share.NeverPush, p)
		}
	}
	return nil
}
