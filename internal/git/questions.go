package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The git operations of questions shared through a remote: each takes a
// context, so that a wait for an answer stops at once when interrupted.

// ErrRejected says a push was refused: the remote has the ref already
// (another value, and maestro never forces), or refused the update.
var ErrRejected = errors.New("rejected")

// ErrRemoteRejected says the remote refused the update: a hook, its
// permissions, or a ref another push was updating at that moment (its
// lock). Only what the remote holds afterwards says whether a race was
// lost.
var ErrRemoteRejected = errors.New("refused by the remote:")

// PushCreate pushes object to ref on remote only if the remote does not
// have ref yet. It never forces: git refuses to replace a ref that points
// at a blob, and the remote's update is a compare-and-swap against what it
// advertised, so of two clones pushing at once exactly one wins; the
// other gets an error wrapping ErrRejected. A ref the remote already holds
// with the same object is success.
func (r *Repo) PushCreate(ctx context.Context, remote, object, ref string) error {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return badName("remote", remote)
	}
	if !IsObjectID(object) {
		return badName("object name", object)
	}
	if !IsRefName(ref) {
		return badName("ref name", ref)
	}
	out, err := r.run(&runOpts{ctx: ctx}, "push", "--porcelain", "--end-of-options", remote, object+":"+ref)
	// --porcelain: "FLAG\tFROM:TO\tSUMMARY (REASON)" a ref; '!' is a
	// rejection. "[rejected]" is git's own: the remote has the ref already
	// (already exists, fetch first). "[remote rejected]" is the remote
	// refusing the update (a hook, permissions, a locked ref).
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) == 3 && f[0] == "!" && strings.HasSuffix(f[1], ":"+ref) {
			summary := strings.TrimSpace(f[2])
			if strings.HasPrefix(summary, "[rejected]") {
				return fmt.Errorf("git push: %w %s", ErrRejected, summary)
			}
			return fmt.Errorf("git push: %w %s", ErrRemoteRejected, summary)
		}
	}
	return short(err)
}

// short is err without the arguments of the git command, for a message
// that says what a remote did: they are long, and the caller names the
// remote and the ref.
func short(err error) error {
	var ge *Error
	if errors.As(err, &ge) && len(ge.Args) > 0 {
		return fmt.Errorf("git %s: %s", ge.Args[0], strings.TrimPrefix(ge.Error(), "git "+strings.Join(ge.Args, " ")+": "))
	}
	return err
}

// LsRemote returns which of refs remote has, and their objects (git
// ls-remote). refs are exact names: ls-remote matches its patterns against
// the end of a name as well, so what else comes back is dropped, and so is
// what is not an object name. The answer is bounded as RemoteRefs's.
func (r *Repo) LsRemote(ctx context.Context, remote string, refs ...string) (map[string]string, error) {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return nil, badName("remote", remote)
	}
	for _, ref := range refs {
		if !IsRefName(ref) {
			return nil, badName("ref name", ref)
		}
	}
	out := &limitWriter{n: maxRemoteRefs}
	args := append([]string{"ls-remote", "--refs", "--end-of-options", remote}, refs...)
	if _, err := r.read(&runOpts{ctx: ctx, stdout: out}, args...); err != nil {
		if out.over {
			return nil, fmt.Errorf("git ls-remote %s: the remote advertises more than %d MiB of refs", remote, maxRemoteRefs>>20)
		}
		return nil, short(err)
	}
	want := map[string]bool{}
	for _, ref := range refs {
		want[ref] = true
	}
	found := map[string]string{}
	for _, line := range strings.Split(out.buf.String(), "\n") {
		sha, name, ok := strings.Cut(line, "\t")
		if ok && want[name] && IsObjectID(sha) {
			found[name] = sha
		}
	}
	return found, nil
}

// FetchRefs gets refspecs from remote, as Fetch, interruptibly.
func (r *Repo) FetchRefs(ctx context.Context, remote string, refspecs []string) error {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return badName("remote", remote)
	}
	_, err := r.run(&runOpts{ctx: ctx}, append([]string{"fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--end-of-options", remote}, refspecs...)...)
	return short(err)
}

// RefsMatching lists the refs matching any of patterns (for-each-ref
// patterns: a prefix up to a '/', or a glob where '*' matches '/' too),
// with their objects' type and size, in one process.
func (r *Repo) RefsMatching(patterns ...string) ([]Ref, error) {
	// The size costs nothing more: git reads each object's header for its
	// type anyway.
	args := append([]string{"for-each-ref", "--format=%(objectname) %(objecttype) %(objectsize) %(refname)", "--end-of-options"}, patterns...)
	out, err := r.read(nil, args...)
	if err != nil {
		return nil, err
	}
	var refs []Ref
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.SplitN(line, " ", 4)
		if len(f) == 4 {
			size, _ := strconv.ParseInt(f[2], 10, 64)
			refs = append(refs, Ref{Object: f[0], Type: f[1], Size: size, Name: f[3]})
		}
	}
	return refs, nil
}

// Ident is the user's identity as git would write it in a commit: "Name
// <email>", or "" when git has none.
func (r *Repo) Ident() string {
	out, err := r.read(nil, "var", "GIT_AUTHOR_IDENT")
	if err != nil {
		return ""
	}
	// "Name <email> 1700000000 +0000": the time is not the identity.
	s := string(bytes.TrimSpace(out))
	if i := strings.LastIndexByte(s, '>'); i >= 0 {
		s = s[:i+1]
	}
	return s
}
