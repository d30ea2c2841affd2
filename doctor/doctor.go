// Package doctor checks that maestro can do its work here: its three
// names on PATH, git, the hooks, the refs under refs/maestro/, the state
// directories, the configuration and what a killed maestro left behind. It
// only reads. Each problem comes with the command that fixes it, for the
// user to run: a repository can be hostile, and nothing in it is changed
// or run on its say.
package doctor

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/hooks"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Statuses of a check.
const (
	OK      = "ok"
	Warning = "warning" // works, but not as the user likely wants
	Problem = "problem" // something maestro does will fail, or silently not happen
)

// Check is one thing looked at, and what to do about it.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"` // a command to run; "" when there is nothing to do
}

// Options say where to look.
type Options struct {
	Dir    string              // where the repository search starts; "." unless set
	Getenv func(string) string // os.Getenv unless set
	// Executable is the running maestro, and Program the path 'git maestro
	// install' would make the hooks run; "" when unknown.
	Executable string
	Program    string
	Config     catalog.Options
	Now        func() time.Time // time.Now unless set
}

// Bounds, so that a hostile or huge repository cannot make a check slow.
const (
	maxEntries = 20_000  // entries of a state directory looked at
	maxListed  = 3       // names a detail lists, the count says the rest
	maxHashed  = 1 << 30 // bytes of a binary compared by content
	// staleAfter is the age from which a temporary file is a leftover
	// rather than a write in progress: maestro's take milliseconds.
	staleAfter = time.Minute
)

// Run runs every check that applies: those of a repository only inside one.
func Run(o Options) []Check {
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Config.Getenv == nil {
		o.Config.Getenv = o.Getenv
	}
	if o.Config.Dir == "" {
		o.Config.Dir = o.Dir
	}
	checks := []Check{binaries(o), gitVersion()}
	var left leftovers
	store, err := checkpoint.Open(o.Dir)
	switch {
	case errors.Is(err, git.ErrNotRepo):
		checks = append(checks, Check{Name: "repository", Status: OK, Detail: "not in a git working tree: the checks of a repository (hooks, refs, its state) are skipped"})
	case err != nil:
		checks = append(checks, Check{Name: "repository", Status: Problem, Detail: err.Error()})
	default:
		repo := store.Repo()
		checks = append(checks, Check{Name: "repository", Status: OK, Detail: repo.TopLevel})
		checks = append(checks, hookChecks(repo, o, &left)...)
		checks = append(checks, refs(store))
		checks = append(checks, stateDir("state_dir", filepath.Join(repo.CommonDir, "maestro"), o, &left))
		left.beside(repo.IndexFile, o.Now())
	}
	checks = append(checks, stateDir("user_state_dir", state.UserDir(o.Getenv), o, &left))
	checks = append(checks, config(o), left.check())
	// Names of files and refs come from the repository: shown, never obeyed.
	for i := range checks {
		checks[i].Detail = textsafe.Visible(checks[i].Detail)
		checks[i].Fix = textsafe.Visible(checks[i].Fix)
	}
	return checks
}

// binaries checks that the three names are on PATH and are one binary, so
// that git maestro, maestro-run and the hooks all run the same maestro.
func binaries(o Options) Check {
	c := Check{Name: "binaries"}
	names := []string{"maestro", "maestro-run", "git-maestro"}
	found := map[string]string{}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
			found[n] = p
		}
	}
	main := found["maestro"]
	if main == "" {
		c.Status, c.Detail = Problem, "maestro is not on PATH, where git maestro and maestro-run look for it"
		c.Fix = "./install.sh in maestro's source, or add the folder that holds maestro to PATH"
		if filepath.Base(o.Executable) == "maestro" {
			c.Fix = "export PATH=" + quote(filepath.Dir(o.Executable)) + ":\"$PATH\""
		}
		return c
	}
	var bad, fixes []string
	status := OK
	for _, n := range names[1:] {
		p, ok := found[n]
		switch {
		case !ok:
			bad = append(bad, n+" is not on PATH")
			fixes = append(fixes, "ln -s "+quote(main)+" "+quote(filepath.Join(filepath.Dir(main), n)))
			status = worse(status, Warning)
		case !sameBinary(main, p):
			bad = append(bad, n+" ("+p+") is another binary than maestro ("+main+")")
			fixes = append(fixes, "ln -sf "+quote(main)+" "+quote(p))
			status = Problem
		}
	}
	if len(bad) > 0 {
		c.Status, c.Detail, c.Fix = status, strings.Join(bad, "; "), strings.Join(fixes, " && ")
		return c
	}
	c.Status, c.Detail = OK, "maestro, maestro-run and git-maestro on PATH are one binary: "+main
	if o.Executable != "" && !sameBinary(o.Executable, main) {
		c.Status = Warning
		c.Detail += "; this maestro (" + o.Executable + ") is another one: run that one, or put this one's folder first in PATH"
		c.Fix = "export PATH=" + quote(filepath.Dir(o.Executable)) + ":\"$PATH\""
	}
	return c
}

// sameBinary reports whether a and b are the same file, or hold the same
// bytes (a copy, as go install or a package manager makes).
func sameBinary(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if os.SameFile(ia, ib) {
		return true
	}
	if !ia.Mode().IsRegular() || !ib.Mode().IsRegular() || ia.Size() != ib.Size() || ia.Size() > maxHashed {
		return false
	}
	ha, hb := hashFile(a), hashFile(b)
	return ha != "" && ha == hb
}

func hashFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, maxHashed)); err != nil {
		return ""
	}
	return string(h.Sum(nil))
}

func gitVersion() Check {
	c := Check{Name: "git"}
	min := fmt.Sprintf("%d.%d", git.MinVersion[0], git.MinVersion[1])
	v, n, err := git.Version()
	switch {
	case err != nil:
		c.Status, c.Detail, c.Fix = Problem, err.Error(), "install git "+min+" or later (apt-get install git, brew install git)"
	case n[0] < git.MinVersion[0] || n[0] == git.MinVersion[0] && n[1] < git.MinVersion[1]:
		c.Status, c.Detail, c.Fix = Problem, "git "+v+" is older than the "+min+" maestro needs", "install git "+min+" or later (apt-get install git, brew install git)"
	default:
		c.Status, c.Detail = OK, "git "+v+" ("+min+" or later needed)"
	}
	return c
}

// hookChecks checks where git looks for hooks, then each of maestro's.
func hookChecks(repo *git.Repo, o Options, left *leftovers) []Check {
	dir, err := hooks.Dir(repo)
	if err != nil {
		return []Check{{Name: "hooks_path", Status: Problem, Detail: err.Error()}}
	}
	left.hooks(dir, o.Now())
	statuses := hooks.Status(dir)
	mine := false
	for _, st := range statuses {
		mine = mine || isMaestros(st)
	}
	path := Check{Name: "hooks_path", Status: OK, Detail: "git runs the hooks in " + dir}
	if def := filepath.Join(repo.CommonDir, "hooks"); filepath.Clean(def) != filepath.Clean(dir) {
		path.Detail += ", as core.hooksPath says, not those in " + def
		stranded := false
		for _, st := range hooks.Status(def) {
			stranded = stranded || isMaestros(st)
		}
		if stranded && !mine {
			path.Status = Problem
			path.Detail += ", where maestro's hooks are: commits get no checkpoint"
			path.Fix = "git maestro install"
		}
	}
	checks := []Check{path}
	for _, st := range statuses {
		checks = append(checks, hookCheck(st, o, mine))
	}
	return checks
}

func isMaestros(st hooks.HookStatus) bool {
	return st.State == hooks.Current || st.State == hooks.Older || st.State == hooks.Newer
}

func hookCheck(st hooks.HookStatus, o Options, mine bool) Check {
	c := Check{Name: "hook " + st.Name, Status: OK, Fix: "git maestro install"}
	const keeps = "; git maestro install keeps that hook, and runs it after maestro's"
	switch st.State {
	case hooks.Missing:
		switch {
		case st.Chained != "":
			c.Status, c.Detail = Problem, "maestro's hook is gone, and the hook it kept, "+st.Chained+", no longer runs"
		case mine:
			c.Status, c.Detail = Problem, "not installed, while maestro's other hooks are: "+st.Path+" is missing"
		default:
			c.Status, c.Detail = Warning, "not installed: commits get no checkpoint"
		}
	case hooks.Foreign:
		switch {
		case st.Chained != "":
			c.Status, c.Detail = Problem, st.Path+" is not maestro's, and "+st.Chained+" is there too: git maestro install will not choose; move away the one you do not keep"
			c.Fix = "mv " + quote(st.Path) + " " + quote(st.Path+".old") + " && git maestro install"
		case mine:
			c.Status, c.Detail = Problem, st.Path+" is not maestro's: something replaced maestro's hook, so commits get no checkpoint"+keeps
		default:
			c.Status, c.Detail = Warning, "not installed: "+st.Path+" is another tool's hook"+keeps
		}
	case hooks.Older:
		c.Status, c.Detail = Problem, fmt.Sprintf("%s is maestro's hook of an older version (v%d, this maestro writes v%d)", st.Path, st.Version, hooks.Version)
	case hooks.Newer:
		c.Status, c.Detail = Warning, fmt.Sprintf("%s is maestro's hook of a newer version (v%d) than this maestro writes (v%d): install the newer maestro, or this one's hooks", st.Path, st.Version, hooks.Version)
	default:
		c.Detail, c.Fix = "maestro's (v"+fmt.Sprint(st.Version)+")", ""
		if st.Program != "" {
			c.Detail += ", runs " + st.Program
		}
		if st.Chained != "" {
			c.Detail += ", then the hook it kept, " + st.Chained
		}
		switch {
		case !st.Executable:
			c.Status, c.Detail = Problem, st.Path+" is not executable: git does not run it"
			c.Fix = "chmod +x " + quote(st.Path)
		case st.Program != "" && !isExecutable(st.Program):
			c.Status, c.Detail = Problem, st.Path+" runs "+st.Program+", which is not there any more: commits get no checkpoint"
			c.Fix = "git maestro install"
		case st.Program != "" && o.Program != "" && !sameBinary(st.Program, o.Program):
			c.Status, c.Detail = Warning, st.Path+" runs "+st.Program+", not this maestro ("+o.Program+")"
			c.Fix = "git maestro install"
		case st.Chained != "" && !st.ChainedExecutable:
			c.Status, c.Detail = Warning, "the hook kept as "+st.Chained+" is not executable, so it does not run (as git would not run it)"
			c.Fix = "chmod +x " + quote(st.Chained)
		}
	}
	return c
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}

// refs checks that every checkpoint has its record, and the reverse.
func refs(s *checkpoint.Store) Check {
	c := Check{Name: "refs"}
	con, err := s.Check()
	if err != nil {
		c.Status, c.Detail = Problem, "cannot read refs/maestro/: "+err.Error()
		c.Fix = "git fsck"
		return c
	}
	c.Status, c.Detail = OK, fmt.Sprintf("%d checkpoint%s, each with its record", con.Checkpoints, plural(con.Checkpoints))
	var details, fixes []string
	add := func(status, what string, names []string) {
		if len(names) == 0 {
			return
		}
		c.Status = worse(c.Status, status)
		details = append(details, fmt.Sprintf("%s (%d): %s", what, len(names), list(names)))
		for _, n := range names[:min(len(names), maxListed)] {
			fixes = append(fixes, "git update-ref -d "+quote(n))
		}
	}
	add(Problem, "checkpoints without their record, which maestro cannot list or roll back to", con.NoRecord)
	add(Problem, "records without their checkpoint", con.NoCheckpoint)
	add(Warning, "refs maestro does not write or cannot read", con.Invalid)
	if len(details) > 0 {
		c.Detail = strings.Join(details, "; ")
		c.Fix = strings.Join(fixes, " && ")
		if len(fixes) < len(con.NoRecord)+len(con.NoCheckpoint)+len(con.Invalid) {
			c.Detail += "; git for-each-ref refs/maestro/ lists them all"
		}
	}
	return c
}

// stateDir checks a state directory: a folder maestro can write, with no
// symbolic link in it (maestro refuses to follow one there).
func stateDir(name, dir string, o Options, left *leftovers) Check {
	c := Check{Name: name, Status: OK}
	if dir == "" {
		c.Status, c.Detail = Warning, "neither $XDG_STATE_HOME nor $HOME is set: no trust can be kept, and maestro outside a repository has nowhere to log"
		c.Fix = "export HOME=/path/to/your/home"
		return c
	}
	info, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Detail = dir + " does not exist yet: maestro makes it when it first needs it"
		return c
	case err != nil:
		c.Status, c.Detail = Problem, err.Error()
		return c
	case info.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(dir)
		c.Status, c.Detail = Problem, dir+" is a symbolic link (to "+target+"): maestro refuses to follow links in its state, so what it keeps there fails; remove the link, and maestro makes a folder there (move into it what "+target+" holds, if it is yours)"
		c.Fix = "rm " + quote(dir)
		return c
	case !info.IsDir():
		c.Status, c.Detail = Problem, dir+" is not a folder"
		c.Fix = "mv " + quote(dir) + " " + quote(dir+".old")
		return c
	case syscall.Access(dir, 0o2|0o1) != nil: // W_OK|X_OK
		c.Status, c.Detail = Problem, dir+" is not writable by this user (if another user owns it: sudo chown -R \"$(id -un)\" "+quote(dir)+")"
		c.Fix = "chmod u+rwx " + quote(dir)
		return c
	}
	links := left.walk(dir, o.Now())
	if len(links) > 0 {
		c.Status, c.Detail = Problem, fmt.Sprintf("%d symbolic link%s inside %s, which maestro refuses to follow: %s", len(links), plural(len(links)), dir, list(links))
		c.Fix = "rm " + quoteAll(links[:min(len(links), maxListed)])
		return c
	}
	c.Detail = dir + ": a folder maestro can write"
	return c
}

// config checks that the configuration is valid, and says when the
// repository's file is ignored for want of trust.
func config(o Options) Check {
	c := Check{Name: "config", Status: OK}
	ch := catalog.Check(o.Config)
	if ch.Err != nil {
		c.Status, c.Detail, c.Fix = Problem, ch.Err.Error(), edit(ch.Err)
		var h interface{ Hints() []string }
		if errors.As(ch.Err, &h) && len(h.Hints()) > 0 {
			c.Detail += " (" + strings.Join(h.Hints(), "; ") + ")"
		}
		return c
	}
	var used []string
	for _, f := range ch.Files {
		if f.Used() {
			used = append(used, f.Path+" ("+strings.ReplaceAll(f.Trust, "_", " ")+")")
		}
	}
	used = append(used, "the embedded default")
	c.Detail = "valid: " + strings.Join(used, ", ")
	if f := ch.Untrusted; f != nil {
		c.Status = Warning
		c.Detail = f.Path + " is not trusted (new, or changed since it was trusted), so maestro ignores it: read it, then trust it; " + c.Detail
		c.Fix = "maestro config trust"
		if ch.UntrustedErr != nil {
			c.Detail += "; trusting it as it is would fail, correct it first: " + ch.UntrustedErr.Error()
			c.Fix = edit(ch.UntrustedErr) + " && maestro config trust"
		}
	}
	return c
}

// edit is the command that opens the file a configuration error names.
func edit(err error) string {
	var ce *catalog.Error
	if errors.As(err, &ce) && ce.File != "" && filepath.IsAbs(ce.File) {
		return "${EDITOR:-vi} " + quote(ce.File)
	}
	return "maestro config"
}

func worse(a, b string) string {
	rank := map[string]int{OK: 0, Warning: 1, Problem: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// list names the first few of names.
func list(names []string) string {
	s := strings.Join(names[:min(len(names), maxListed)], ", ")
	if len(names) > maxListed {
		s += fmt.Sprintf(" and %d more", len(names)-maxListed)
	}
	return s
}

// quote makes s one word for a POSIX shell, as a fix is to be pasted.
func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, " ")
}
