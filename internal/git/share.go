package git

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// maxRemoteRefs bounds what ls-remote may return: a remote is someone
// else's, and may advertise without end.
var maxRemoteRefs = 64 << 20

// limitWriter keeps at most n bytes and fails past them, which ends the git
// process writing to it (its pipe is closed).
type limitWriter struct {
	buf  bytes.Buffer
	n    int
	over bool
}

var errTooLong = errors.New("output too long")

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.n {
		w.over = true
		return 0, errTooLong
	}
	return w.buf.Write(p)
}

// RemoteRefs lists the refs remote advertises (git ls-remote). Its answer
// is untrusted: a line whose object is not a full object name, or whose
// name is not a ref name, is left out, and the whole answer is bounded.
func (r *Repo) RemoteRefs(remote string) ([]Ref, error) {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return nil, badName("remote", remote)
	}
	out := &limitWriter{n: maxRemoteRefs}
	args := []string{"ls-remote", "--refs", "--end-of-options", remote}
	if _, err := r.read(&runOpts{stdout: out}, args...); err != nil {
		if out.over {
			return nil, fmt.Errorf("git ls-remote %s: the remote advertises more than %d MiB of refs", remote, maxRemoteRefs>>20)
		}
		return nil, err
	}
	var refs []Ref
	for _, line := range strings.Split(out.buf.String(), "\n") {
		sha, name, ok := strings.Cut(line, "\t")
		if ok && IsObjectID(sha) && IsRefName(name) {
			refs = append(refs, Ref{Name: name, Object: sha})
		}
	}
	return refs, nil
}

// ObjectTypes says which of ids are here, and their type ("commit",
// "blob", ...), with one git process. Missing ones are left out. ids must
// be full object names.
func (r *Repo) ObjectTypes(ids []string) (map[string]string, error) {
	types := map[string]string{}
	if len(ids) == 0 {
		return types, nil
	}
	var in bytes.Buffer
	for _, id := range ids {
		if !IsObjectID(id) {
			return nil, fmt.Errorf("invalid object name %q", id)
		}
		in.WriteString(id + "\n")
	}
	out, err := r.read(&runOpts{stdin: &in}, "cat-file", "--batch-check=%(objectname) %(objecttype)")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[1] != "missing" {
			types[f[0]] = f[1]
		}
	}
	return types, nil
}

// NewObjects lists the objects reachable from include and not from
// exclude (git rev-list --objects), the way a push decides what to send.
// exclude may hold trees: everything in an excluded tree is excluded,
// which excluding its commit alone does not do for a commit that is not an
// ancestor of one included. All must be full object names of objects
// that are here.
func (r *Repo) NewObjects(include, exclude []string) (map[string]bool, error) {
	objs := map[string]bool{}
	if len(include) == 0 {
		return objs, nil
	}
	var in bytes.Buffer
	for _, id := range include {
		if !IsObjectID(id) {
			return nil, fmt.Errorf("invalid object name %q", id)
		}
		in.WriteString(id + "\n")
	}
	for _, id := range exclude {
		if !IsObjectID(id) {
			return nil, fmt.Errorf("invalid object name %q", id)
		}
		in.WriteString("^" + id + "\n")
	}
	out, err := r.read(&runOpts{stdin: &in}, "rev-list", "--objects", "--stdin")
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		id, _, _ := strings.Cut(sc.Text(), " ")
		objs[id] = true
	}
	return objs, sc.Err()
}

// AddedFiles lists, for each pair of trees {a, b}, the entries b has and a
// has not, with one git process (diff-tree --stdin).
func (r *Repo) AddedFiles(pairs [][2]string) ([][]Change, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	for _, p := range pairs {
		if !IsObjectID(p[0]) || !IsObjectID(p[1]) {
			return nil, fmt.Errorf("invalid tree name %q", p)
		}
		in.WriteString(p[0] + " " + p[1] + "\n")
	}
	out, err := r.read(&runOpts{stdin: &in}, "diff-tree", "--stdin", "-r", "-z", "--no-renames", "--no-abbrev", "--diff-filter=A")
	if err != nil {
		return nil, err
	}
	// Each pair's output is its line as given, ended by a newline (or a
	// NUL, in some versions), then ":OLDMODE NEWMODE OLDSHA NEWSHA A",
	// NUL, path, NUL for each change. A change starts with ':' and a line
	// with a hex digit, and paths come only after a change, so the two
	// cannot be mistaken.
	res := make([][]Change, len(pairs))
	i := -1
	for len(out) > 0 {
		if out[0] != ':' {
			// The next pair's line; a version that leaves out the line of
			// a pair with no change would skip pairs.
			for i++; i < len(pairs) && !isLine(out, pairs[i][0]+" "+pairs[i][1]); i++ {
			}
			if i == len(pairs) {
				return nil, fmt.Errorf("git diff-tree --stdin: unexpected output %q", head(out))
			}
			out = out[len(pairs[i][0])+1+len(pairs[i][1])+1:]
			continue
		}
		meta, rest, ok1 := bytes.Cut(out[1:], []byte{0})
		path, rest, ok2 := bytes.Cut(rest, []byte{0})
		m := strings.Fields(string(meta))
		if !ok1 || !ok2 || len(m) != 5 || i < 0 {
			return nil, fmt.Errorf("git diff-tree --stdin: unexpected output %q", head(out))
		}
		res[i] = append(res[i], Change{Status: m[4], Path: string(path), Mode: m[1], SHA: m[3]})
		out = rest
	}
	return res, nil
}

func isLine(out []byte, line string) bool {
	return len(out) > len(line) && string(out[:len(line)]) == line && (out[len(line)] == '\n' || out[len(line)] == 0)
}

func head(b []byte) []byte { return b[:min(len(b), 80)] }
