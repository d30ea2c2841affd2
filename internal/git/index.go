package git

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// IndexFlags is what an index holds beyond its trees: the entries whose
// flags change what git reads or writes.
type IndexFlags struct {
	AssumeUnchanged []string // git update-index --assume-unchanged
	SkipWorktree    []string // sparse checkout, or --skip-worktree
	IntentToAdd     []string // git add -N: in the index, in no tree
	Unmerged        []string
	// Attributes says a .gitattributes file is among the entries.
	Attributes bool
}

// The in-memory flags git ls-files --debug prints (cache.h).
const (
	ceStageMask   = 0x3000
	ceValid       = 0x8000 // assume unchanged
	ceIntentToAdd = 1 << 29
	ceSkipWorktre = 1 << 30
)

// Flags reads the flags of every entry of index, in one git process.
func (r *Repo) Flags(index string) (IndexFlags, error) {
	if indexVersion(index) == 2 {
		// git writes version 2 unless an entry has extended flags (intent
		// to add, skip-worktree) or it was asked for another: then ls-files
		// -v, a tenth of --debug's output, tells all that is left.
		return r.flagsV2(index)
	}
	o := withIndex(index)
	o.env = append(o.env, "GIT_OPTIONAL_LOCKS=0")
	out, err := r.run(o, "ls-files", "--debug", "-z")
	if err != nil {
		return IndexFlags{}, err
	}
	var f IndexFlags
	// Each entry is its path, a NUL, then five lines of stat data, the
	// last "  size: N\tflags: HEX".
	br := bufio.NewReader(bytes.NewReader(out))
	for {
		path, err := br.ReadString(0)
		if err == io.EOF && path == "" {
			return f, nil
		}
		if err != nil {
			return IndexFlags{}, errors.New("git ls-files --debug: short output")
		}
		path = strings.TrimSuffix(path, "\x00")
		f.Attributes = f.Attributes || isAttributes(path)
		var last string
		for i := 0; i < 5; i++ {
			if last, err = br.ReadString('\n'); err != nil {
				return IndexFlags{}, errors.New("git ls-files --debug: short output")
			}
		}
		_, hex, ok := strings.Cut(strings.TrimSpace(last), "flags: ")
		flags, perr := strconv.ParseUint(hex, 16, 64)
		if !ok || perr != nil {
			return IndexFlags{}, fmt.Errorf("git ls-files --debug: unexpected line %q", last)
		}
		switch {
		case flags&ceStageMask != 0:
			if n := len(f.Unmerged); n == 0 || f.Unmerged[n-1] != path {
				f.Unmerged = append(f.Unmerged, path)
			}
		case flags&ceIntentToAdd != 0:
			f.IntentToAdd = append(f.IntentToAdd, path)
		}
		if flags&ceValid != 0 {
			f.AssumeUnchanged = append(f.AssumeUnchanged, path)
		}
		if flags&ceSkipWorktre != 0 {
			f.SkipWorktree = append(f.SkipWorktree, path)
		}
	}
}

// indexVersion reads the version of an index file from its header, 0
// when it cannot.
func indexVersion(index string) uint32 {
	f, err := os.Open(index)
	if err != nil {
		return 0
	}
	defer f.Close()
	var h [8]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[:4]) != "DIRC" {
		return 0
	}
	return binary.BigEndian.Uint32(h[4:])
}

// flagsV2 reads the flags of a version 2 index with ls-files -v: a
// lowercase tag is an assume-unchanged entry, M an unmerged one.
func (r *Repo) flagsV2(index string) (IndexFlags, error) {
	o := withIndex(index)
	o.env = append(o.env, "GIT_OPTIONAL_LOCKS=0")
	out, err := r.run(o, "ls-files", "-v", "-z")
	if err != nil {
		return IndexFlags{}, err
	}
	var f IndexFlags
	for _, rec := range splitZ(out) {
		tag, path, ok := strings.Cut(rec, " ")
		if !ok || len(tag) != 1 {
			return IndexFlags{}, fmt.Errorf("git ls-files -v: unexpected entry %q", rec)
		}
		f.Attributes = f.Attributes || isAttributes(path)
		switch c := tag[0]; {
		case c == 'M':
			if n := len(f.Unmerged); n == 0 || f.Unmerged[n-1] != path {
				f.Unmerged = append(f.Unmerged, path)
			}
		case c == 'S' || c == 's':
			f.SkipWorktree = append(f.SkipWorktree, path)
		}
		if c := tag[0]; c >= 'a' && c <= 'z' {
			f.AssumeUnchanged = append(f.AssumeUnchanged, path)
		}
	}
	return f, nil
}

func isAttributes(path string) bool {
	return path == ".gitattributes" || strings.HasSuffix(path, "/.gitattributes")
}

// AddIntentToAdd marks paths as intended to be added (git add -N) in
// index. The paths are literal, and go through stdin: never options.
func (r *Repo) AddIntentToAdd(index string, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	o := withIndex(index)
	o.env = append(o.env, "GIT_LITERAL_PATHSPECS=1")
	o.stdin = strings.NewReader(strings.Join(paths, "\x00") + "\x00")
	_, err := r.run(o, "add", "--intent-to-add", "--force", "--pathspec-from-file=-", "--pathspec-file-nul")
	return err
}

// Entry is one entry of an index.
type Entry struct {
	Mode string // 100644, 100755, 120000, 160000
	SHA  string
	Path string
}

// Regular reports whether the entry is a file (not a symbolic link nor a
// submodule).
func (e Entry) Regular() bool { return e.Mode == "100644" || e.Mode == "100755" }

// Entries lists the stage-0 entries of index (ls-files -s).
func (r *Repo) Entries(index string) ([]Entry, error) {
	o := withIndex(index)
	o.env = append(o.env, "GIT_OPTIONAL_LOCKS=0")
	out, err := r.run(o, "ls-files", "-s", "-z")
	if err != nil {
		return nil, err
	}
	var es []Entry
	for _, rec := range splitZ(out) {
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("git ls-files -s: unexpected entry %q", rec)
		}
		if f[2] == "0" {
			es = append(es, Entry{Mode: f[0], SHA: f[1], Path: path})
		}
	}
	return es, nil
}

// SetEntries changes or adds entries of index (update-index --index-info).
func (r *Repo) SetEntries(index string, es []Entry) error {
	var in bytes.Buffer
	for _, e := range es {
		fmt.Fprintf(&in, "%s %s\t%s\x00", e.Mode, e.SHA, e.Path)
	}
	o := withIndex(index)
	o.stdin = &in
	_, err := r.run(o, "update-index", "-z", "--index-info")
	return err
}

// Conversion says whether anything can make a file's bytes in the working
// tree differ from its content in git: core.autocrlf, or an attributes file
// (which may ask for end-of-line conversion, a filter, ident or an
// encoding). It costs one git process and a few stat calls; the trees must
// then be checked path by path only when it answers true.
func (r *Repo) Conversion() (autocrlf, attributes bool, err error) {
	out, err := r.read(nil, "config", "-z", "--get-regexp", `^core\.(autocrlf|attributesfile)$`)
	var ge *Error
	if err != nil && !(errors.As(err, &ge) && ge.ExitCode == 1) {
		return false, false, err
	}
	exists := func(p string) bool {
		_, err := os.Stat(p)
		return err == nil
	}
	for _, kv := range splitZ(out) {
		k, v, hasValue := strings.Cut(kv, "\n")
		switch strings.ToLower(k) {
		case "core.autocrlf": // the last one wins; a bare key is true
			switch strings.ToLower(v) {
			case "false", "no", "off", "0", "":
				autocrlf = !hasValue
			default:
				autocrlf = true
			}
		case "core.attributesfile":
			attributes = attributes || v != ""
		}
	}
	// The default global file, info/attributes and the system file.
	if xdg := os.Getenv("XDG_CONFIG_HOME"); xdg != "" {
		attributes = attributes || exists(xdg+"/git/attributes")
	} else if home := os.Getenv("HOME"); home != "" {
		attributes = attributes || exists(home+"/.config/git/attributes")
	}
	attributes = attributes || exists(r.CommonDir+"/info/attributes")
	if os.Getenv("GIT_ATTR_NOSYSTEM") == "" {
		attributes = attributes || exists("/etc/gitattributes")
	}
	return autocrlf, attributes, nil
}

// Converted returns the paths among files whose attributes ask git to
// convert them between the working tree and the repository (eol, text,
// crlf, filter, ident, working-tree-encoding), reading the attributes as
// git add does with index.
func (r *Repo) Converted(index string, files []string) (map[string]bool, error) {
	if len(files) == 0 {
		return nil, nil
	}
	o := withIndex(index)
	o.stdin = strings.NewReader(strings.Join(files, "\x00") + "\x00")
	out, err := r.run(o, "check-attr", "-z", "--stdin", "text", "eol", "crlf", "filter", "ident", "working-tree-encoding")
	if err != nil {
		return nil, err
	}
	conv := map[string]bool{}
	f := splitZ(out)
	for i := 0; i+2 < len(f); i += 3 {
		value := f[i+2]
		if value != "unspecified" && value != "unset" { // -text, -crlf, -filter: no conversion
			conv[f[i]] = true
		}
	}
	return conv, nil
}

// HashFiles stores the files at paths (relative to the top level) as
// blobs exactly as they are, without any filter or end-of-line conversion,
// and returns their names.
func (r *Repo) HashFiles(paths []string) ([]string, error) {
	return r.hashFiles(paths, "-w", "--no-filters")
}

// HashFilesFiltered returns the names the files at paths would have once
// git add stored them (through their filters), without storing them.
func (r *Repo) HashFilesFiltered(paths []string) ([]string, error) {
	return r.hashFiles(paths)
}

func (r *Repo) hashFiles(paths []string, opts ...string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	for _, p := range paths {
		in.WriteString(quotePath(p))
		in.WriteByte('\n')
	}
	out, err := r.run(&runOpts{stdin: &in}, append(append([]string{"hash-object"}, opts...), "--stdin-paths")...)
	if err != nil {
		return nil, err
	}
	ids := strings.Fields(string(out))
	if len(ids) != len(paths) {
		return nil, fmt.Errorf("git hash-object: %d names for %d files", len(ids), len(paths))
	}
	return ids, nil
}

// quotePath quotes a path as git's --stdin-paths reads it (C style) when
// it holds a character that a line cannot.
func quotePath(p string) string {
	if !strings.ContainsAny(p, "\"\\\n") && !strings.ContainsFunc(p, func(c rune) bool { return c < 0x20 }) {
		return p
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ReadTreeReset loads tree into index and, with update, makes the working
// tree match it: files that differ are overwritten, files index has and
// tree lacks are removed. It is the way back when a move failed half way.
func (r *Repo) ReadTreeReset(index, tree string, update bool) error {
	args := []string{"read-tree", "--reset"}
	if update {
		args = append(args, "-u")
	}
	_, err := r.run(withIndex(index), append(args, tree)...)
	return err
}

// Unrecorded lists what git does not know of (in index) under the
// folders dirs: ignored files, nested repositories. Empty folders are
// left out.
func (r *Repo) Unrecorded(index string, dirs []string) ([]string, error) {
	if len(dirs) == 0 {
		return nil, nil
	}
	o := withIndex(index)
	o.env = append(o.env, "GIT_OPTIONAL_LOCKS=0", "GIT_LITERAL_PATHSPECS=1")
	args := []string{"ls-files", "-z", "--others", "--directory", "--no-empty-directory", "--"}
	for _, d := range dirs {
		args = append(args, d+"/")
	}
	out, err := r.run(o, args...)
	return splitZ(out), err
}

// ModifiedFiles lists the entries of index whose files differ from it in
// the working tree (their stat data, or their content when that is not
// enough), and those whose files are gone.
func (r *Repo) ModifiedFiles(index string) ([]string, error) {
	o := withIndex(index)
	o.env = append(o.env, "GIT_OPTIONAL_LOCKS=0")
	out, err := r.run(o, "diff-files", "-z", "--name-only", "--ignore-submodules=all")
	return splitZ(out), err
}

// CheckedOut returns the branches checked out in the working trees of the
// repository other than this one, each with the path of its worktree.
func (r *Repo) CheckedOut() (map[string]string, error) {
	out, err := r.read(nil, "worktree", "list", "--porcelain", "-z")
	if err != nil {
		return nil, err
	}
	branches := map[string]string{}
	path := ""
	for _, line := range splitZ(out) {
		if p, ok := strings.CutPrefix(line, "worktree "); ok {
			path = p
		} else if b, ok := strings.CutPrefix(line, "branch "); ok && !samePath(path, r.TopLevel) {
			branches[b] = path
		}
	}
	return branches, nil
}

func samePath(a, b string) bool {
	if a == b {
		return true
	}
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}

// CheckoutIndex writes the files at paths as index has them, over
// whatever is there.
func (r *Repo) CheckoutIndex(index string, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	o := withIndex(index)
	o.stdin = strings.NewReader(strings.Join(paths, "\x00") + "\x00")
	_, err := r.run(o, "checkout-index", "-f", "-z", "--stdin")
	return err
}
