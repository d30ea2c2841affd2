package doctor

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/hooks"
	"github.com/maestro-recovery/maestro/internal/lazy"
)

// leftovers gathers what a maestro that was killed left behind: the
// temporary files of atomic writes (.NAME.RANDOM.tmp, in the state and in
// the hooks directory), the copies of the index a snapshot works on, the
// side files of a rollback's index lock; and git's index.lock, which stops
// every git command that writes the index.
type leftovers struct {
	files     []string
	indexLock string
	lockAge   time.Duration
}

// tempName is the name state.WriteAtomic gives its temporary file. Compiled
// on first use: maestro links this package, so a package-level regexp would
// be compiled at every start of maestro-run and of every hook.
var tempName = lazy.Regexp{Expr: `^\..+\.[0-9a-z]+\.tmp$`}

func old(path string, now time.Time, age time.Duration) bool {
	info, err := os.Lstat(path)
	return err == nil && now.Sub(info.ModTime()) > age
}

// walk looks through the state directory dir for leftovers, and returns
// the symbolic links in it. It looks at maxEntries entries at most, never
// through a link.
func (l *leftovers) walk(dir string, now time.Time) (links []string) {
	n := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if n++; n > maxEntries {
			return fs.SkipAll
		}
		switch name := d.Name(); {
		case d.Type()&fs.ModeSymlink != 0:
			links = append(links, path)
		case d.IsDir():
		case tempName.Get().MatchString(name) && old(path, now, staleAfter):
			l.files = append(l.files, path)
		case strings.HasPrefix(name, "index-") && filepath.Base(filepath.Dir(path)) == "tmp" && old(path, now, time.Hour):
			// A snapshot's copy of the index; the next snapshot removes
			// those over an hour old.
			l.files = append(l.files, path)
		}
		return nil
	})
	return links
}

// beside looks next to the index for what a rollback makes there, and for
// git's lock.
func (l *leftovers) beside(index string, now time.Time) {
	for _, suffix := range []string{".maestro-lock", ".maestro-new", ".maestro-new.lock"} {
		if old(index+suffix, now, staleAfter) {
			l.files = append(l.files, index+suffix)
		}
	}
	if info, err := os.Lstat(index + ".lock"); err == nil && now.Sub(info.ModTime()) > staleAfter {
		l.indexLock, l.lockAge = index+".lock", now.Sub(info.ModTime()).Round(time.Minute) // to the minute: seconds say nothing here
	}
}

// hooks looks in the hooks directory for the temporary files of a hook
// being written.
func (l *leftovers) hooks(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) > maxEntries {
		return
	}
	for _, e := range entries {
		for _, name := range hooks.Names {
			if strings.HasPrefix(e.Name(), "."+name+".") && tempName.Get().MatchString(e.Name()) && old(filepath.Join(dir, e.Name()), now, staleAfter) {
				l.files = append(l.files, filepath.Join(dir, e.Name()))
			}
		}
	}
}

func (l *leftovers) check() Check {
	c := Check{Name: "leftovers", Status: OK, Detail: "no temporary file left behind"}
	var details, fixes []string
	if len(l.files) > 0 {
		details = append(details, fmt.Sprintf("%d temporary file%s left by a maestro that was stopped: %s", len(l.files), plural(len(l.files)), list(l.files)))
		fixes = append(fixes, "rm "+quoteAll(l.files[:min(len(l.files), maxListed)]))
	}
	if l.indexLock != "" {
		details = append(details, fmt.Sprintf("git's index lock %s is %s old: a git or maestro command stopped while holding it, and git changes nothing in the index until it is gone (remove it once no git command is running)", l.indexLock, l.lockAge))
		fixes = append(fixes, "rm "+quote(l.indexLock))
	}
	if len(details) > 0 {
		c.Status, c.Detail, c.Fix = Warning, strings.Join(details, "; "), strings.Join(fixes, " && ")
	}
	return c
}
