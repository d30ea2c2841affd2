package git

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"hash/adler32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The post-commit hook runs on every commit, and a git process costs a
// large part of a small commit (3 ms here against a 12 ms commit). Loose
// writes a blob and creates new refs the way git itself does in a
// repository of the plain files layout, so that the hook starts no git at
// all. It is used only when everything that could make git write them
// differently has been checked; anything else is left to git (Unsure).

// Unsure says the loose writer could not vouch for the repository, or for
// one of the refs: nothing was written, do it with git.
var Unsure = errors.New("left to git")

// Loose writes objects and creates refs in the files of a repository.
type Loose struct {
	common  string // the common git directory
	objects string
	newHash func() hash.Hash
	hexLen  int
	// known are the objects this writer wrote or checked: the only values
	// it gives a ref.
	known map[string]bool
}

// maxConfig bounds a git config file the loose writer reads; maxPacked
// bounds packed-refs (about 100 bytes a ref).
const (
	maxConfig = 1 << 20
	maxPacked = 64 << 20
)

// Loose returns the writer of loose objects and refs for r, or Unsure when
// git must write them: a reftable repository or another ref storage, an
// extension maestro does not know, SHA-256 objects being fine but not an
// unknown format, objects elsewhere (alternates, GIT_OBJECT_DIRECTORY),
// refs needing a reflog (core.logAllRefUpdates=always), shared
// permissions, fsync asked for, a config include maestro would have to
// follow, configuration given on git's command line, a ref namespace.
func (r *Repo) Loose() (*Loose, error) {
	for _, v := range []string{"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE",
		"GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_QUARANTINE_PATH", "GIT_COMMON_DIR", "GIT_REF_STORAGE"} {
		if os.Getenv(v) != "" {
			return nil, Unsure
		}
	}
	common := r.CommonDir
	if common == "" {
		common = commonDir(r.GitDir)
	}
	// Extensions count only in the repository's own file, not in what it
	// includes; the rest is read from every file git reads.
	repoCfg, _, err := readConfig(filepath.Join(common, "config"), true)
	if err != nil {
		return nil, Unsure
	}
	l := &Loose{common: common, objects: filepath.Join(common, "objects"), newHash: sha1.New, hexLen: 40, known: map[string]bool{}}
	switch v := repoCfg["core.repositoryformatversion"]; v {
	case "", "0", "1":
	default:
		return nil, Unsure
	}
	for k, v := range repoCfg {
		ext, ok := strings.CutPrefix(k, "extensions.")
		if !ok {
			continue
		}
		switch {
		case ext == "objectformat" && strings.EqualFold(v, "sha1"):
		case ext == "objectformat" && strings.EqualFold(v, "sha256"):
			l.newHash, l.hexLen = sha256.New, 64
		case ext == "worktreeconfig", ext == "noop", ext == "refstorage" && strings.EqualFold(v, "files"):
		default:
			return nil, Unsure
		}
	}
	files := []string{filepath.Join(common, "config")}
	if isTrue(repoCfg["extensions.worktreeconfig"]) {
		files = append(files, filepath.Join(r.GitDir, "config.worktree"))
	}
	files = append(files, userConfigs()...)
	for depth := 0; len(files) > 0; depth++ {
		if depth > 10 {
			return nil, Unsure // git stops at 10 levels of includes too
		}
		var next []string
		for _, f := range files {
			c, includes, err := readConfig(f, false)
			if err != nil {
				return nil, Unsure
			}
			for k, v := range c {
				switch {
				case k == "core.logallrefupdates" && strings.EqualFold(v, "always"),
					k == "core.sharedrepository",
					strings.HasPrefix(k, "core.fsync"):
					return nil, Unsure
				}
			}
			next = append(next, includes...)
		}
		files = next
	}
	// A reftable repository keeps a placeholder refs/heads file and its
	// tables in reftable/; objects elsewhere are git's to find.
	for _, p := range []string{filepath.Join(common, "reftable"), filepath.Join(l.objects, "info", "alternates")} {
		if _, err := os.Lstat(p); err == nil {
			return nil, Unsure
		}
	}
	if info, err := os.Stat(filepath.Join(common, "refs")); err != nil || !info.IsDir() {
		return nil, Unsure
	}
	if info, err := os.Stat(l.objects); err != nil || !info.IsDir() {
		return nil, Unsure
	}
	return l, nil
}

// userConfigs are the configuration files git reads beside the
// repository's: global and system, as git finds them.
func userConfigs() []string {
	var files []string
	if g, ok := os.LookupEnv("GIT_CONFIG_GLOBAL"); ok {
		files = append(files, g)
	} else {
		home := os.Getenv("HOME")
		xdg := os.Getenv("XDG_CONFIG_HOME")
		if xdg == "" && home != "" {
			xdg = filepath.Join(home, ".config")
		}
		if xdg != "" {
			files = append(files, filepath.Join(xdg, "git", "config"))
		}
		if home != "" {
			files = append(files, filepath.Join(home, ".gitconfig"))
		}
	}
	if !isTrue(os.Getenv("GIT_CONFIG_NOSYSTEM")) {
		if s, ok := os.LookupEnv("GIT_CONFIG_SYSTEM"); ok {
			files = append(files, s)
		} else {
			files = append(files, "/etc/gitconfig")
		}
	}
	return files
}

func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// readConfig reads the keys of a git config file that decide how refs and
// objects are written (core.* and extensions.*) as section.key, lower
// case, the last value winning, and the files it includes. It is not a
// full parser: a line of those sections it cannot read with certainty (an
// escape, an unbalanced quote) makes it fail, and the caller leaves the
// work to git; other sections are skipped. A missing file is empty unless
// required.
func readConfig(path string, required bool) (keys map[string]string, includes []string, err error) {
	keys = map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !required {
		return keys, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfig+1))
	if err != nil || len(data) > maxConfig {
		return nil, nil, Unsure
	}
	section, continued := "", false
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		wasContinued := continued
		// A value ending in an odd number of backslashes goes on.
		continued = (len(line)-len(strings.TrimRight(line, "\\")))%2 == 1
		if wasContinued {
			if section == "core" || section == "extensions" {
				return nil, nil, Unsure
			}
			continue
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continued = false
			continue
		}
		if line[0] == '[' {
			continued = false
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return nil, nil, Unsure
			}
			header := strings.TrimSpace(line[1:end])
			name, sub, hasSub := strings.Cut(header, " ")
			if !hasSub {
				name, sub, hasSub = strings.Cut(header, ".")
			}
			section = strings.ToLower(strings.TrimSpace(name))
			if hasSub && strings.TrimSpace(sub) != "" && section != "includeif" {
				// [core "x"] and [core.x] are other sections than [core]:
				// their keys are core.x.*, which decide nothing here.
				section = "sub:" + section
			}
			line = strings.TrimSpace(line[end+1:])
			if line == "" || line[0] == '#' || line[0] == ';' {
				continue
			}
		}
		key, value, hasValue := strings.Cut(line, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		switch section {
		case "core", "extensions":
		case "include", "includeif":
			// Followed whatever its condition: reading a file git would
			// not can only leave more to git, never less.
			if key == "path" && !strings.ContainsAny(value, "\"\\") {
				includes = append(includes, configPath(path, value))
			}
			continue
		default:
			continue
		}
		if strings.ContainsAny(line, "\\") || section == "" || key == "" {
			return nil, nil, Unsure
		}
		if !hasValue {
			value = "true" // a key alone is a boolean true
		}
		if strings.Contains(value, `"`) {
			if strings.Count(value, `"`) != 2 || value[0] != '"' {
				return nil, nil, Unsure
			}
			value, _, _ = strings.Cut(value[1:], `"`)
		} else if i := strings.IndexAny(value, "#;"); i >= 0 {
			value = strings.TrimSpace(value[:i])
		}
		keys[section+"."+key] = value
	}
	return keys, includes, nil
}

// configPath resolves an include's path as git does: ~/ is the home
// folder, a relative path is relative to the including file's folder.
func configPath(from, p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(os.Getenv("HOME"), rest)
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(filepath.Dir(from), p)
	}
	return p
}

// WriteBlob stores data as a loose blob, as git does: zlib-compressed
// under objects/XX/, written to a temporary file in that folder, then
// linked to its name, so that a reader never sees it half written and an
// object already there is never overwritten.
func (l *Loose) WriteBlob(data []byte) (string, error) {
	header := "blob " + strconv.Itoa(len(data)) + "\x00"
	h := l.newHash()
	h.Write([]byte(header))
	h.Write(data)
	id := hex.EncodeToString(h.Sum(nil))
	dir := filepath.Join(l.objects, id[:2])
	final := filepath.Join(dir, id[2:])
	if _, err := os.Lstat(final); err == nil {
		l.known[id] = true
		return id, nil
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	// tmp_obj_ is the prefix of git's own: git prune removes one left by a
	// crash. Created read-only, as objects are, and written through the
	// descriptor the creation opened.
	var f *os.File
	var err error
	for range 100 {
		f, err = os.OpenFile(filepath.Join(dir, "tmp_obj_"+strconv.FormatUint(rand.Uint64(), 36)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
		if !errors.Is(err, os.ErrExist) {
			break
		}
	}
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(zlibStored([]byte(header), data))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	// As git's finalize_object_file: a link fails rather than overwrite;
	// where the file system has no links, a rename.
	if err := os.Link(tmp, final); err != nil && !errors.Is(err, os.ErrExist) {
		if _, serr := os.Lstat(final); serr != nil {
			if err := os.Rename(tmp, final); err != nil {
				return "", err
			}
		}
	}
	l.known[id] = true
	return id, nil
}

// HasObject reports whether id is stored as a loose object (a commit just
// made is one): what git itself checks of a ref's new value, its object's
// existence.
func (l *Loose) HasObject(id string) bool {
	if len(id) != l.hexLen || !IsObjectID(id) {
		return false
	}
	info, err := os.Stat(filepath.Join(l.objects, id[:2], id[2:]))
	if err != nil || !info.Mode().IsRegular() || info.Size() == 0 {
		return false
	}
	l.known[id] = true
	return true
}

// zlibStored is the zlib stream of header and data in stored (not
// compressed) deflate blocks, as git writes with core.looseCompression=0.
// A record is a few hundred bytes: compressing would save little, and
// compress/flate's compressor is 700 KB of memory to set up, more than
// the rest of the hook's work in a new process.
func zlibStored(header, data []byte) []byte {
	const maxBlock = 65535
	n := len(header) + len(data)
	out := make([]byte, 0, 2+n+5*(n/maxBlock+1)+4)
	out = append(out, 0x78, 0x01) // deflate, 32 KiB window, no dictionary, fastest
	whole := append(append(make([]byte, 0, n), header...), data...)
	for start := 0; ; start += maxBlock {
		end := min(start+maxBlock, n)
		final := byte(0)
		if end == n {
			final = 1
		}
		size := end - start
		out = append(out, final, byte(size), byte(size>>8), ^byte(size), ^byte(size>>8))
		out = append(out, whole[start:end]...)
		if final == 1 {
			break
		}
	}
	sum := adler32.Checksum(whole)
	return append(out, byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum))
}

// CreateRefs creates new refs, none of which may exist, with git's lock
// protocol for loose refs: each NAME.lock created exclusively and written
// first, the refs then checked absent, loose and packed, under those
// locks, and the locks renamed into place in the order given. Each new
// value must be an object this writer wrote or found (WriteBlob,
// HasObject). It
// returns Unsure, having changed nothing, for whatever git should decide:
// a ref that exists or is in the way of another, a lock already held, a
// value it cannot verify. Renames are not atomic together, in git either:
// a crash between two leaves the first refs made and not the others.
func (l *Loose) CreateRefs(updates []RefUpdate) error {
	type lock struct{ path, ref string }
	var locks []lock
	release := func() {
		for _, lk := range locks {
			os.Remove(lk.path + ".lock")
		}
	}
	for _, u := range updates {
		if !u.Create || u.Old != "" || u.NoDeref || len(u.New) != l.hexLen || !l.known[u.New] || !IsRefName(u.Name) {
			release()
			return Unsure
		}
		path := filepath.Join(l.common, filepath.FromSlash(u.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			release()
			return Unsure // a ref in the way of the folder: git says which
		}
		f, err := os.OpenFile(path+".lock", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if err != nil {
			release()
			return Unsure
		}
		locks = append(locks, lock{path, u.Name})
		_, err = f.WriteString(u.New + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			release()
			return err
		}
	}
	// Under the locks, as git checks: no ref of these names, loose or
	// packed, nor one in the way (a ref named like a folder of ours, or
	// under one of ours), nor a reflog to append to.
	packed, err := readPacked(filepath.Join(l.common, "packed-refs"))
	if err != nil {
		release()
		return Unsure
	}
	for _, lk := range locks {
		if _, err := os.Lstat(lk.path); err == nil || !errors.Is(err, os.ErrNotExist) {
			release()
			return Unsure
		}
		if _, err := os.Lstat(filepath.Join(l.common, "logs", filepath.FromSlash(lk.ref))); err == nil {
			release()
			return Unsure
		}
		if packedConflict(packed, lk.ref) {
			release()
			return Unsure
		}
	}
	for i, lk := range locks {
		if err := os.Rename(lk.path+".lock", lk.path); err != nil {
			locks = locks[i:]
			release()
			return err
		}
	}
	return nil
}

// readPacked reads packed-refs, "" when there is none.
func readPacked(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPacked+1))
	if err != nil || len(data) > maxPacked || len(data) > 0 && data[len(data)-1] != '\n' {
		return nil, Unsure
	}
	return data, nil
}

// packedConflict reports whether packed-refs (lines "OID NAME") holds ref,
// a ref under it, or a ref named like one of its folders.
func packedConflict(packed []byte, ref string) bool {
	if len(packed) == 0 {
		return false
	}
	if bytes.Contains(packed, []byte(" "+ref+"\n")) || bytes.Contains(packed, []byte(" "+ref+"/")) {
		return true
	}
	for i := len("refs/"); i < len(ref); i++ {
		if ref[i] == '/' && bytes.Contains(packed, []byte(" "+ref[:i]+"\n")) {
			return true
		}
	}
	return false
}
