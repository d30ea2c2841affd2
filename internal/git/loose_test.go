package git_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/maestro-recovery/maestro/internal/git"
	. "github.com/maestro-recovery/maestro/internal/gittest"
)

func openLoose(t *testing.T, dir string) (*git.Repo, *git.Loose) {
	t.Helper()
	r, err := git.OpenHook(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.Loose()
	if err != nil {
		t.Fatalf("Loose() in a plain repository: %v", err)
	}
	return r, l
}

func head(t *testing.T, dir string) string {
	t.Helper()
	return strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
}

// A blob written by hand is the blob git would write: same name, same
// content as cat-file reads it, and fsck finds nothing wrong. Written
// again, the file already there is left as it is.
func TestLooseWriteBlobAsGit(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"sha1", "sha256"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := initFormat(t, format)
			_, l := openLoose(t, dir)
			// Past 64 KiB the stream takes several stored blocks.
			big, err := l.WriteBlob([]byte(strings.Repeat("0123456789abcdef", 10000)))
			if err != nil {
				t.Fatal(err)
			}
			if got := Git(t, dir, "cat-file", "-s", big); got != "160000\n" {
				t.Errorf("cat-file -s of a 160000-byte blob = %q", got)
			}
			data := []byte("{\"checkpoint_id\":\"cp-1\"}\n\x00binary too\n")
			id, err := l.WriteBlob(data)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("git", "hash-object", "--stdin")
			cmd.Dir, cmd.Stdin = dir, strings.NewReader(string(data))
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimSpace(string(out)); id != want {
				t.Fatalf("WriteBlob = %s, git hash-object = %s", id, want)
			}
			if got := Git(t, dir, "cat-file", "-p", id); got != string(data) {
				t.Errorf("cat-file -p = %q, want %q", got, data)
			}
			path := filepath.Join(dir, ".git", "objects", id[:2], id[2:])
			before, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if before.Mode().Perm() != 0o444 {
				t.Errorf("object mode %v, want 0444 as git's", before.Mode().Perm())
			}
			if again, err := l.WriteBlob(data); err != nil || again != id {
				t.Fatalf("WriteBlob again = %s, %v", again, err)
			}
			after, _ := os.Stat(path)
			if !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
				t.Error("writing an object that exists replaced it")
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", id[:2], "tmp_obj_*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
			Fsck(t, dir)
		})
	}
}

func initFormat(t *testing.T, format string) string {
	t.Helper()
	if format == "sha1" {
		return Init(t)
	}
	dir := t.TempDir()
	cmd := exec.Command("git", "init", "-q", "-b", "main", "--object-format="+format)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("git cannot make a %s repository: %v\n%s", format, err, out)
	}
	Write(t, dir, "README", "hello\n")
	Git(t, dir, "add", "README")
	Git(t, dir, "commit", "-q", "-m", "first")
	return dir
}

// Refs created by hand are what git lists, in a repository git finds
// sound, and git can update and delete them after.
func TestLooseCreateRefs(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"sha1", "sha256"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := initFormat(t, format)
			_, l := openLoose(t, dir)
			commit := head(t, dir)
			if !l.HasObject(commit) {
				t.Fatal("HasObject(HEAD) = false just after a commit")
			}
			if l.HasObject(strings.Repeat("1", len(commit))) || l.HasObject("HEAD") {
				t.Error("HasObject of what is not a loose object = true")
			}
			blob, err := l.WriteBlob([]byte("record\n"))
			if err != nil {
				t.Fatal(err)
			}
			err = l.CreateRefs([]git.RefUpdate{
				{Name: "refs/maestro/records/s/cp-1", New: blob, Create: true},
				{Name: "refs/maestro/checkpoints/s/cp-1", New: commit, Create: true},
			})
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%s commit\trefs/maestro/checkpoints/s/cp-1\n%s blob\trefs/maestro/records/s/cp-1\n", commit, blob)
			if got := Git(t, dir, "for-each-ref", "refs/maestro/"); got != want {
				t.Errorf("for-each-ref:\n%s\nwant:\n%s", got, want)
			}
			if locks, _ := filepath.Glob(filepath.Join(dir, ".git", "refs", "maestro", "*", "s", "*.lock")); len(locks) > 0 {
				t.Errorf("locks left: %v", locks)
			}
			if _, err := os.Stat(filepath.Join(dir, ".git", "logs", "refs", "maestro")); err == nil {
				t.Error("a reflog for refs/maestro, which git would not write")
			}
			Fsck(t, dir)
			Git(t, dir, "pack-refs", "--all")
			Git(t, dir, "update-ref", "-d", "refs/maestro/records/s/cp-1", blob)
			Fsck(t, dir)
		})
	}
}

// Whatever git should decide is left to it, and nothing is changed: a ref
// that exists (loose or packed), one in the way of the new one's folder or
// under it, a lock already held, a value not written or checked here.
func TestLooseCreateRefsLeavesToGit(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		setup func(t *testing.T, dir, commit string)
		ref   string
	}{
		"loose ref exists": {func(t *testing.T, dir, commit string) {
			Git(t, dir, "update-ref", "refs/maestro/checkpoints/s/cp-1", commit)
		}, "refs/maestro/checkpoints/s/cp-1"},
		"packed ref exists": {func(t *testing.T, dir, commit string) {
			Git(t, dir, "update-ref", "refs/maestro/checkpoints/s/cp-1", commit)
			Git(t, dir, "pack-refs", "--all")
		}, "refs/maestro/checkpoints/s/cp-1"},
		"packed ref in the way": {func(t *testing.T, dir, commit string) {
			Git(t, dir, "update-ref", "refs/maestro/checkpoints/s", commit)
			Git(t, dir, "pack-refs", "--all")
		}, "refs/maestro/checkpoints/s/cp-1"},
		"packed ref under it": {func(t *testing.T, dir, commit string) {
			Git(t, dir, "update-ref", "refs/maestro/checkpoints/s/cp-1/x", commit)
			Git(t, dir, "pack-refs", "--all")
		}, "refs/maestro/checkpoints/s/cp-1"},
		"loose ref in the way": {func(t *testing.T, dir, commit string) {
			Git(t, dir, "update-ref", "refs/maestro/checkpoints/s", commit)
		}, "refs/maestro/checkpoints/s/cp-1"},
		"loose ref under it": {func(t *testing.T, dir, commit string) {
			Git(t, dir, "update-ref", "refs/maestro/checkpoints/s/cp-1/x", commit)
		}, "refs/maestro/checkpoints/s/cp-1"},
		"lock held": {func(t *testing.T, dir, commit string) {
			Write(t, dir, ".git/refs/maestro/checkpoints/s/cp-1.lock", "")
		}, "refs/maestro/checkpoints/s/cp-1"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := Init(t)
			commit := head(t, dir)
			c.setup(t, dir, commit)
			before := Git(t, dir, "for-each-ref")
			_, l := openLoose(t, dir)
			if !l.HasObject(commit) {
				t.Fatal("HasObject(HEAD) = false")
			}
			err := l.CreateRefs([]git.RefUpdate{
				{Name: "refs/maestro/records/s/cp-1", New: commit, Create: true},
				{Name: c.ref, New: commit, Create: true},
			})
			if !errors.Is(err, git.Unsure) {
				t.Fatalf("CreateRefs = %v, want Unsure", err)
			}
			if after := Git(t, dir, "for-each-ref"); after != before {
				t.Errorf("refs changed:\n%s\nwas:\n%s", after, before)
			}
			locks, _ := filepath.Glob(filepath.Join(dir, ".git", "refs", "maestro", "records", "s", "*.lock"))
			if len(locks) > 0 {
				t.Errorf("locks left: %v", locks)
			}
		})
	}
	t.Run("value not checked", func(t *testing.T) {
		t.Parallel()
		dir := Init(t)
		_, l := openLoose(t, dir)
		for _, v := range []string{head(t, dir), "HEAD", strings.Repeat("0", 40)} {
			err := l.CreateRefs([]git.RefUpdate{{Name: "refs/maestro/checkpoints/s/cp-1", New: v, Create: true}})
			if !errors.Is(err, git.Unsure) {
				t.Errorf("CreateRefs(%s) = %v, want Unsure", v, err)
			}
		}
		if out := Git(t, dir, "for-each-ref", "refs/maestro/"); out != "" {
			t.Errorf("refs made: %s", out)
		}
	})
}

// Processes racing for the same new ref: exactly one makes it, the others
// are told to ask git (which then says it exists); no lock is left.
func TestLooseCreateRefsRace(t *testing.T) {
	t.Parallel()
	dir := Init(t)
	commit := head(t, dir)
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := map[string]int{}
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, l := openLoose(t, dir)
			if !l.HasObject(commit) {
				t.Error("HasObject = false")
				return
			}
			for _, name := range []string{"refs/maestro/checkpoints/s/same", fmt.Sprintf("refs/maestro/checkpoints/s/own-%d", i)} {
				err := l.CreateRefs([]git.RefUpdate{{Name: name, New: commit, Create: true}})
				if err != nil && !errors.Is(err, git.Unsure) {
					t.Error(err)
				}
				if err == nil {
					mu.Lock()
					made[name]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if made["refs/maestro/checkpoints/s/same"] != 1 || len(made) != 17 {
		t.Errorf("refs made: %v", made)
	}
	if got := strings.Count(Git(t, dir, "for-each-ref", "refs/maestro/"), "\n"); got != 17 {
		t.Errorf("for-each-ref lists %d refs, want 17", got)
	}
	if locks, _ := filepath.Glob(filepath.Join(dir, ".git", "refs", "maestro", "checkpoints", "s", "*.lock")); len(locks) > 0 {
		t.Errorf("locks left: %v", locks)
	}
	Fsck(t, dir)
}

// A repository whose refs or objects git would write otherwise than by
// hand is left to git.
func TestLooseUnsure(t *testing.T) {
	t.Parallel()
	for name, setup := range map[string]func(t *testing.T, dir string){
		"reftable": func(t *testing.T, dir string) {
			appendFile(t, dir, ".git/config", "[extensions]\n\trefStorage = reftable\n")
		},
		"unknown extension": func(t *testing.T, dir string) {
			appendFile(t, dir, ".git/config", "[extensions]\n\tsomethingNew = yes\n")
		},
		"format version 2": func(t *testing.T, dir string) {
			appendFile(t, dir, ".git/config", "[core]\n\trepositoryFormatVersion = 2\n")
		},
		"reflogs for every ref": func(t *testing.T, dir string) { Git(t, dir, "config", "core.logAllRefUpdates", "always") },
		"reflogs for every ref, included": func(t *testing.T, dir string) {
			Write(t, dir, ".git/more.cfg", "[core]\n\tlogallrefupdates = ALWAYS\n")
			appendFile(t, dir, ".git/config", "[includeIf \"gitdir:/nowhere/\"]\n\tpath = more.cfg\n")
		},
		"shared repository":   func(t *testing.T, dir string) { Git(t, dir, "config", "core.sharedRepository", "group") },
		"fsync":               func(t *testing.T, dir string) { Git(t, dir, "config", "core.fsync", "loose-object") },
		"alternates":          func(t *testing.T, dir string) { Write(t, dir, ".git/objects/info/alternates", "/elsewhere\n") },
		"escape in core":      func(t *testing.T, dir string) { appendFile(t, dir, ".git/config", "[core]\n\teditor = \"a\\\"b\"\n") },
		"continued core line": func(t *testing.T, dir string) { appendFile(t, dir, ".git/config", "[core]\n\teditor = a\\\nb\n") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := Init(t)
			setup(t, dir)
			r, err := git.OpenHook(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Loose(); !errors.Is(err, git.Unsure) {
				t.Errorf("Loose() = %v, want Unsure", err)
			}
		})
	}
	// What does not change how refs and objects are written is no reason.
	t.Run("harmless", func(t *testing.T) {
		t.Parallel()
		dir := Init(t)
		Write(t, dir, ".git/more.cfg", "[core]\n\tlogAllRefUpdates = true\n")
		appendFile(t, dir, ".git/config", "[alias]\n\tlg = log --format=\"%h \\\"%s\\\"\" # ; odd\n[include]\n\tpath = more.cfg\n"+
			"[include]\n\tpath = missing.cfg\n[core]\n\tlogAllRefUpdates = true ; default\n[extensions]\n\tworktreeConfig = true\n")
		openLoose(t, dir)
	})
}

func TestLooseUnsureEnvironment(t *testing.T) {
	dir := Init(t)
	r, err := git.OpenHook(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"GIT_OBJECT_DIRECTORY", "GIT_NAMESPACE", "GIT_CONFIG_PARAMETERS"} {
		t.Run(v, func(t *testing.T) {
			t.Setenv(v, "x")
			if _, err := r.Loose(); !errors.Is(err, git.Unsure) {
				t.Errorf("Loose() with %s set = %v, want Unsure", v, err)
			}
		})
	}
	t.Run("global config", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "gitconfig")
		if err := os.WriteFile(cfg, []byte("[core]\n\tlogAllRefUpdates = always\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv("GIT_CONFIG_GLOBAL", cfg)
		if _, err := r.Loose(); !errors.Is(err, git.Unsure) {
			t.Errorf("Loose() with logAllRefUpdates=always in the global config = %v, want Unsure", err)
		}
	})
}

func appendFile(t *testing.T, dir, name, text string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
