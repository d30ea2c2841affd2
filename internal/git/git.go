package git

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Error is a git command that failed, with git's own words.
type Error struct {
	Args     []string
	ExitCode int
	Stderr   string
}

func (e *Error) Error() string {
	// git's last "fatal:" or "error:" line says what failed (a lock file
	// in the way: "Unable to create '.../index.lock': File exists."); the
	// lines after it are advice. Without one, its last line.
	lines := strings.Split(strings.TrimSpace(e.Stderr), "\n")
	msg := strings.TrimSpace(lines[len(lines)-1])
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "fatal: ") || strings.HasPrefix(lines[i], "error: ") {
			msg = strings.TrimSpace(lines[i])
			break
		}
	}
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, "fatal: "), "error: ")
	if msg == "" {
		msg = "exit status " + strconv.Itoa(e.ExitCode)
	}
	return "git " + strings.Join(e.Args, " ") + ": " + msg
}

// Repo is a git working tree maestro works in.
type Repo struct {
	TopLevel  string // the working tree's root
	GitDir    string // this worktree's git directory, absolute
	CommonDir string // the repository's common git directory, absolute
	IndexFile string // the index, absolute (GIT_INDEX_FILE when a hook set it)
}

// ErrNotRepo says the directory is not in a git working tree.
var ErrNotRepo = errors.New("not in a git working tree")

// Open finds the repository that holds dir.
func Open(dir string) (*Repo, error) {
	r := &Repo{TopLevel: dir}
	out, err := r.read(nil, "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir", "--git-common-dir", "--git-path", "index")
	if err != nil {
		var ge *Error
		if errors.As(err, &ge) && strings.Contains(ge.Stderr, "not a git repository") {
			return nil, ErrNotRepo
		}
		if errors.As(err, &ge) && strings.Contains(ge.Stderr, "must be run in a work tree") {
			return nil, fmt.Errorf("%w (a bare repository has no working tree to check point)", ErrNotRepo)
		}
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != 4 || lines[0] == "" {
		return nil, fmt.Errorf("git rev-parse: unexpected output %q", out)
	}
	r.TopLevel, r.GitDir, r.CommonDir, r.IndexFile = lines[0], lines[1], lines[2], lines[3]
	return r, nil
}

// OpenHook opens the repository a git hook runs in. Git runs hooks at the
// top of the working tree, so its git directory is ./.git, or the one a
// .git file names (a linked worktree, a submodule); reading that saves the
// hook, which runs on every commit, a git process. Anything else (GIT_DIR
// naming another directory, GIT_WORK_TREE set, no .git here) goes through
// Open. CommonDir and IndexFile are left empty: the hook needs neither.
func OpenHook(dir string) (*Repo, error) {
	if os.Getenv("GIT_WORK_TREE") != "" {
		return Open(dir)
	}
	top, err := filepath.Abs(dir)
	if err != nil {
		return Open(dir)
	}
	dotgit := filepath.Join(top, ".git")
	info, err := os.Stat(dotgit)
	switch {
	case err != nil:
		return Open(dir)
	case info.IsDir():
		if env := os.Getenv("GIT_DIR"); env != "" && env != dotgit {
			return Open(dir)
		}
		return &Repo{TopLevel: top, GitDir: dotgit}, nil
	}
	data, err := os.ReadFile(dotgit)
	gitdir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
	if err != nil || !ok {
		return Open(dir)
	}
	if !filepath.IsAbs(gitdir) {
		gitdir = filepath.Join(top, gitdir)
	}
	gitdir = filepath.Clean(gitdir)
	// git sets GIT_DIR for the hooks of a linked worktree: to the same.
	if env := os.Getenv("GIT_DIR"); env != "" && filepath.Clean(env) != gitdir {
		return Open(dir)
	}
	return &Repo{TopLevel: top, GitDir: gitdir}, nil
}

// runOpts tune one git command.
type runOpts struct {
	ctx    context.Context // nil: not interruptible
	env    []string        // added to the environment
	stdin  io.Reader       // nil: /dev/null
	stdout io.Writer       // nil: returned
	stderr io.Writer       // nil: kept for the error
}

// run is the one place maestro executes git. The locale is C so messages
// can be relied on; reads that could refresh the index run with
// GIT_OPTIONAL_LOCKS=0 (see read) so that a hook never rewrites the user's
// index in the middle of a commit.
func (r *Repo) run(o *runOpts, args ...string) ([]byte, error) {
	if o == nil {
		o = &runOpts{}
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.TopLevel
	cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_TERMINAL_PROMPT=0")
	cmd.Env = append(cmd.Env, o.env...)
	cmd.Stdin = o.stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	if o.stdout != nil {
		cmd.Stdout = o.stdout
	}
	cmd.Stderr = &stderr
	if o.stderr != nil {
		cmd.Stderr = io.MultiWriter(&stderr, o.stderr)
	}
	err := cmd.Run()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return stdout.Bytes(), &Error{Args: args, ExitCode: ee.ExitCode(), Stderr: stderr.String()}
		}
		if errors.Is(err, exec.ErrNotFound) {
			return nil, errors.New("git is not installed, or not on PATH")
		}
		return nil, fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return stdout.Bytes(), nil
}

// read runs a git command that only reads.
func (r *Repo) read(o *runOpts, args ...string) ([]byte, error) {
	if o == nil {
		o = &runOpts{}
	}
	o.env = append(o.env, "GIT_OPTIONAL_LOCKS=0")
	return r.run(o, args...)
}

// withIndex runs git on another index file than the repository's.
func withIndex(index string) *runOpts {
	return &runOpts{env: []string{"GIT_INDEX_FILE=" + index}}
}

// ErrNoCommits says HEAD names a branch that has no commit yet.
var ErrNoCommits = errors.New("the current branch has no commit yet")

// Head is where HEAD is, and the commit there.
type Head struct {
	SHA     string
	Tree    string
	Branch  string // refs/heads/NAME, or "" when HEAD is detached
	Message string
}

// Head reads HEAD, its branch and its commit. The branch comes from
// HeadBranch, the commit from cat-file: git log --decorate, which would
// give both, reads every ref first, and there are thousands under
// refs/maestro/.
func (r *Repo) Head() (Head, error) {
	branch, err := r.HeadBranch()
	if err != nil {
		return Head{}, err
	}
	objs, err := r.Objects([]string{"HEAD"})
	if err != nil {
		return Head{}, err
	}
	if objs[0].Type == "" {
		return Head{Branch: branch}, ErrNoCommits
	}
	c, err := parseCommit(objs[0].SHA, objs[0].Content)
	if err != nil {
		return Head{}, err
	}
	return Head{SHA: c.SHA, Tree: c.Tree, Branch: branch, Message: c.Message}, nil
}

// HeadBranch reads which branch HEAD names from the HEAD file, without a
// git process: "" when HEAD is detached. The hook runs on every commit, and
// a process costs more than the rest of its work. When the file is not the
// plain form (a reftable repository keeps only a placeholder there), git
// answers.
func (r *Repo) HeadBranch() (string, error) {
	data, err := os.ReadFile(filepath.Join(r.GitDir, "HEAD"))
	if err == nil {
		line := strings.TrimSpace(string(data))
		if ref, ok := strings.CutPrefix(line, "ref: "); ok && strings.HasPrefix(ref, "refs/heads/") && ref != "refs/heads/.invalid" {
			return ref, nil
		}
		if len(line) >= 40 && !strings.Contains(line, " ") {
			return "", nil // detached: the file holds a commit name
		}
	}
	out, err := r.read(nil, "symbolic-ref", "-q", "HEAD")
	var ge *Error
	if errors.As(err, &ge) && ge.ExitCode == 1 {
		return "", nil
	}
	return strings.TrimSpace(string(out)), err
}

// Commit is what maestro reads of a commit.
type Commit struct {
	SHA     string
	Tree    string
	Parents []string
	Message string
}

// Subject is the message's first line.
func (c *Commit) Subject() string {
	s, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	return strings.TrimSpace(s)
}

func parseCommit(sha string, body []byte) (*Commit, error) {
	c := &Commit{SHA: sha}
	header, msg, _ := bytes.Cut(body, []byte("\n\n"))
	c.Message = string(msg)
	for _, line := range strings.Split(string(header), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "tree":
			c.Tree = v
		case "parent":
			c.Parents = append(c.Parents, v)
		}
	}
	if c.Tree == "" {
		return nil, fmt.Errorf("git cat-file: %s is not a commit", sha)
	}
	return c, nil
}

// Object is one object read by a Batch.
type Object struct {
	Name    string // what was asked for
	SHA     string
	Type    string // "" when missing
	Content []byte
}

// Objects reads many objects with one git process (cat-file --batch),
// never one per object.
func (r *Repo) Objects(names []string) ([]Object, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	for _, n := range names {
		in.WriteString(n)
		in.WriteByte('\n')
	}
	out, err := r.read(&runOpts{stdin: &in}, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(bytes.NewReader(out))
	objs := make([]Object, 0, len(names))
	for _, n := range names {
		header, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git cat-file --batch: short output")
		}
		f := strings.Fields(header)
		o := Object{Name: n}
		if len(f) == 2 && f[1] == "missing" || len(f) < 3 {
			objs = append(objs, o)
			continue
		}
		size, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file --batch: bad header %q", header)
		}
		o.SHA, o.Type = f[0], f[1]
		o.Content = make([]byte, size)
		if _, err := io.ReadFull(br, o.Content); err != nil {
			return nil, fmt.Errorf("git cat-file --batch: short object")
		}
		br.ReadByte() // the newline after each object
		objs = append(objs, o)
	}
	return objs, nil
}

// Commits reads commits in one process.
func (r *Repo) Commits(names ...string) ([]*Commit, error) {
	objs, err := r.Objects(names)
	if err != nil {
		return nil, err
	}
	cs := make([]*Commit, len(objs))
	for i, o := range objs {
		if o.Type != "commit" {
			return nil, fmt.Errorf("%s is not a commit", o.Name)
		}
		if cs[i], err = parseCommit(o.SHA, o.Content); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// Ref is one ref with the object it names.
type Ref struct {
	Name   string
	Object string
	Type   string
	Size   int64 // of the object, in bytes
}

// Refs lists the refs under prefix (for-each-ref: one process whatever
// their number).
func (r *Repo) Refs(prefix string) ([]Ref, error) { return r.RefsMatching(prefix) }

// WriteBlob stores data as a blob and returns its name.
func (r *Repo) WriteBlob(data []byte) (string, error) {
	out, err := r.run(&runOpts{stdin: bytes.NewReader(data)}, "hash-object", "-w", "--stdin")
	return strings.TrimSpace(string(out)), err
}

// CommitTree makes a commit of tree with parents, without touching any
// branch. The identity is maestro's own when the user has none configured,
// so a snapshot never fails for want of user.name.
func (r *Repo) CommitTree(tree string, parents []string, message string) (string, error) {
	args := []string{"commit-tree", tree}
	for _, p := range parents {
		args = append(args, "-p", p)
	}
	env := []string{}
	for _, kv := range [][2]string{{"GIT_AUTHOR_NAME", "maestro"}, {"GIT_AUTHOR_EMAIL", "maestro@localhost"},
		{"GIT_COMMITTER_NAME", "maestro"}, {"GIT_COMMITTER_EMAIL", "maestro@localhost"}} {
		if os.Getenv(kv[0]) == "" {
			env = append(env, kv[0]+"="+kv[1])
		}
	}
	out, err := r.run(&runOpts{env: env, stdin: strings.NewReader(message)}, append(args, "-F", "-")...)
	return strings.TrimSpace(string(out)), err
}

// RefUpdate is one change of a transaction. Old "" with Create means the
// ref must not exist; Old set means it must hold that value (compare and
// swap); New "" deletes.
type RefUpdate struct {
	Name    string
	New     string
	Old     string
	Create  bool
	NoDeref bool // update HEAD itself, not the branch it names
}

// UpdateRefs applies updates in one git update-ref --stdin transaction:
// all of them or none.
func (r *Repo) UpdateRefs(reason string, updates ...RefUpdate) error {
	var in bytes.Buffer
	in.WriteString("start\x00")
	for _, u := range updates {
		switch {
		case u.Create:
			fmt.Fprintf(&in, "create %s\x00%s\x00", u.Name, u.New)
		case u.New == "":
			fmt.Fprintf(&in, "delete %s\x00%s\x00", u.Name, u.Old)
		default:
			if u.NoDeref {
				fmt.Fprintf(&in, "option no-deref\x00")
			}
			fmt.Fprintf(&in, "update %s\x00%s\x00%s\x00", u.Name, u.New, u.Old)
		}
	}
	in.WriteString("prepare\x00commit\x00")
	_, err := r.run(&runOpts{stdin: &in}, "update-ref", "-m", reason, "--stdin", "-z")
	return err
}

// SetHead points HEAD at branch (refs/heads/NAME). The branch may come
// from a recorded event: anything but a valid branch name is refused
// before git sees it.
func (r *Repo) SetHead(branch, reason string) error {
	if !IsBranchRef(branch) {
		return badName("branch", branch)
	}
	_, err := r.run(nil, "symbolic-ref", "-m", reason, "--end-of-options", "HEAD", branch)
	return err
}

// Dirty reports whether the working tree differs from HEAD in anything
// maestro would snapshot: staged or unstaged changes, or untracked files
// that are not ignored.
func (r *Repo) Dirty() (bool, error) {
	out, err := r.read(nil, "status", "--porcelain", "-z", "--untracked-files=normal", "--ignore-submodules=none")
	return len(out) > 0, err
}

// WriteTree writes the tree of an index file.
func (r *Repo) WriteTree(index string) (string, error) {
	out, err := r.run(withIndex(index), "write-tree")
	return strings.TrimSpace(string(out)), err
}

// AddAll stages, in index, every change of the working tree: tracked
// changes, deletions and untracked files that are not ignored. It reports
// whether one of the files it staged is a .gitattributes file, which can
// make git convert what it stores.
func (r *Repo) AddAll(index string) (attributes bool, err error) {
	o := withIndex(index)
	// --verbose lists the paths staged, unquoted, one a line: the names
	// are looked at only for .gitattributes.
	out, err := r.run(o, "-c", "advice.addEmbeddedRepo=false", "add", "-A", "--verbose", "--", ".")
	return bytes.Contains(out, []byte(".gitattributes")), err
}

// ReadTree loads tree into index, keeping the cached file information of
// entries whose content does not change, so git need not read their files
// again. It does not look at the working tree (--reset rather than -m,
// which would refuse entries whose files changed).
func (r *Repo) ReadTree(index, tree string) error {
	_, err := r.run(withIndex(index), "read-tree", "--reset", tree)
	return err
}

// ReadTreeEmpty loads tree into a fresh index.
func (r *Repo) ReadTreeEmpty(index, tree string) error {
	_, err := r.run(withIndex(index), "read-tree", tree)
	return err
}

// SwitchTree moves the working tree from tree from to tree to, through
// index, which must describe from: files that differ are written, files
// that from has and to lacks are removed. Nested repositories stay: git
// will not remove a directory that holds anything. But git does overwrite
// a file it does not know of where to has one, so the caller checks first
// that none is in the way.
func (r *Repo) SwitchTree(index, from, to string) error {
	_, err := r.run(withIndex(index), "read-tree", "-m", "-u", from, to)
	return err
}

// ResolveRef returns the object a ref (HEAD or refs/...) names, or "" when
// it does not exist. Anything but a valid ref name is refused before git
// sees it: rev-parse would take an option, or evaluate an expression.
func (r *Repo) ResolveRef(name string) (string, error) {
	if name != "HEAD" && !IsRefName(name) {
		return "", badName("ref name", name)
	}
	out, err := r.read(nil, "rev-parse", "--verify", "-q", "--end-of-options", name)
	var ge *Error
	if errors.As(err, &ge) && ge.ExitCode == 1 {
		return "", nil
	}
	return strings.TrimSpace(string(out)), err
}

// Change is one path that differs between two trees: its mode and blob
// on each side ("" on the side that lacks it).
type Change struct {
	Status  string // A, D, M, T
	Path    string
	OldMode string
	OldSHA  string
	Mode    string
	SHA     string
}

// DiffTrees lists the paths that differ between two trees.
func (r *Repo) DiffTrees(a, b string) ([]Change, error) {
	out, err := r.read(nil, "diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", a, b)
	if err != nil {
		return nil, err
	}
	// Each change is ":OLDMODE NEWMODE OLDSHA NEWSHA STATUS", NUL, its path, NUL.
	f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	var cs []Change
	for i := 0; i+1 < len(f); i += 2 {
		m := strings.Fields(strings.TrimPrefix(f[i], ":"))
		if len(m) != 5 {
			return nil, fmt.Errorf("git diff-tree: unexpected line %q", f[i])
		}
		c := Change{Status: m[4], Path: f[i+1], OldMode: m[0], OldSHA: m[2], Mode: m[1], SHA: m[3]}
		if c.Status == "A" {
			c.OldMode, c.OldSHA = "", ""
		}
		if c.Status == "D" {
			c.Mode, c.SHA = "", ""
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// DiffPatch writes the patch from tree a to tree b to w.
func (r *Repo) DiffPatch(a, b string, color bool, w io.Writer) error {
	c := "--color=never"
	if color {
		c = "--color=always"
	}
	_, err := r.read(&runOpts{stdout: w}, "diff", c, "--no-renames", a, b)
	return err
}

// Ignored lists the ignored files and folders of the working tree.
func (r *Repo) Ignored() ([]string, error) {
	out, err := r.read(nil, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory")
	if err != nil {
		return nil, err
	}
	return splitZ(out), nil
}

func splitZ(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\x00")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// Push sends refspecs to remote; git's progress goes to progress. The
// remote is never read as an option (--upload-pack and --receive-pack
// run commands): one starting with '-' is refused, and git is told where
// its options end.
func (r *Repo) Push(remote string, refspecs []string, progress io.Writer) error {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return badName("remote", remote)
	}
	_, err := r.run(&runOpts{stderr: progress}, append([]string{"push", "--porcelain", "--end-of-options", remote}, refspecs...)...)
	return err
}

// Fetch gets refspecs from remote; git's progress goes to progress. The
// remote is never read as an option, as for Push.
func (r *Repo) Fetch(remote string, refspecs []string, progress io.Writer) error {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return badName("remote", remote)
	}
	_, err := r.run(&runOpts{stderr: progress}, append([]string{"fetch", "--no-write-fetch-head", "--end-of-options", remote}, refspecs...)...)
	return err
}

// GitPath resolves a path inside the git directory as git does
// (rev-parse --git-path: core.hooksPath, linked worktrees).
func (r *Repo) GitPath(name string) (string, error) {
	out, err := r.read(nil, "rev-parse", "--path-format=absolute", "--git-path", name)
	if err != nil {
		return "", err
	}
	p := strings.TrimSpace(string(out))
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.TopLevel, p)
	}
	return p, nil
}
