package catalog_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/git"
)

// fakeRepo makes a folder git's discovery takes for a repository (a .git
// folder with HEAD: no git process needed) and returns its path.
func fakeRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	writeFile(t, dir, ".git/HEAD", "ref: refs/heads/main\n")
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

// loadIn loads the configuration for work in dir with only the variables
// of env set, and the warnings in warn.
func loadIn(t *testing.T, dir string, env map[string]string, warn *bytes.Buffer) (*catalog.Config, error) {
	t.Helper()
	return catalog.Load(catalog.Options{Dir: dir, Default: defaultTOML(t), Warn: warn, Getenv: func(k string) string { return env[k] }})
}

// loadGuarded is loadIn that fails the test, instead of hanging it, if
// Load waits on the file.
func loadGuarded(t *testing.T, dir string, env map[string]string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := loadIn(t, dir, env, &bytes.Buffer{})
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Load is still reading the file after 30s")
		return nil
	}
}

// Issue 7, point 2a: a repository's recovery.toml that was a link to
// /dev/zero made maestro-run read for 402 s and 24 GB, a named pipe hung it,
// /dev/stdin swallowed the command's input. Anything but a regular file is
// refused at once, naming the file and what it is, trusted or not.
func TestConfigNotARegularFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want string
		make       func(t *testing.T, path string)
	}{
		{"link to /dev/zero", "a character device, not a regular file", func(t *testing.T, path string) {
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		}},
		{"named pipe", "a named pipe, not a regular file", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory", "a directory, not a regular file", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		for _, trusted := range []bool{false, true} {
			name := tc.name
			if trusted {
				name += " trusted by the environment"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				repo := fakeRepo(t)
				path := filepath.Join(repo, catalog.FileName)
				tc.make(t, path)
				env := map[string]string{"XDG_STATE_HOME": t.TempDir()}
				if trusted {
					env[catalog.TrustEnv] = "1"
				}
				err := loadGuarded(t, repo, env)
				if err == nil || err.Error() != "load config "+path+": "+tc.want {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
			})
		}
	}
	// The user's own files too: --config names a pipe.
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := catalog.Load(catalog.Options{ConfigFlag: fifo, Dir: dir, Default: defaultTOML(t), Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "a named pipe, not a regular file") {
		t.Fatalf("--config fifo: err = %v", err)
	}
}

// Issue 7, point 2a: any configuration file is bounded in size.
func TestConfigTooLarge(t *testing.T) {
	t.Parallel()
	repo := fakeRepo(t)
	path := writeFile(t, repo, catalog.FileName, "# "+strings.Repeat("x", 2<<20-3)+"\n")
	err := loadGuarded(t, repo, map[string]string{catalog.TrustEnv: "1"})
	want := "load config " + path + ": too large: 2097152 bytes, and a configuration file may hold at most 1 MiB (1048576 bytes)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	var ce *catalog.Error
	if !errors.As(err, &ce) || len(ce.Hint) == 0 {
		t.Errorf("no hint: %#v", err)
	}
	// A file at the limit is read.
	writeFile(t, repo, catalog.FileName, "[retry]\nmax_attempts = 4\n# "+strings.Repeat("x", catalog.MaxFileSize-len("[retry]\nmax_attempts = 4\n# \n"))+"\n")
	c, err := loadIn(t, repo, map[string]string{catalog.TrustEnv: "1"}, &bytes.Buffer{})
	if err != nil || c.Retry.MaxAttempts != 4 {
		t.Fatalf("a file of exactly 1 MiB: %v", err)
	}
}

// Issue 7, point 2c: a repository's recovery.toml replaced the approaches
// an agent follows and lowered retention as soon as it was cloned. It is
// used only once the user trusted that exact content; until then it is
// ignored, with a warning given once per content.
func TestRepoConfigTrust(t *testing.T) {
	t.Parallel()
	repo := fakeRepo(t)
	path := writeFile(t, repo, catalog.FileName, "[checkpoints]\nkeep = 1\n")
	env := map[string]string{"XDG_STATE_HOME": filepath.Join(t.TempDir(), "state")}
	wantWarning := "maestro: warning: ignoring " + path + ": not trusted (new or changed since you trusted it)\n" +
		"maestro: hint: read it, then run 'maestro config trust' to use it\n"

	check := func(step string, wantKeep int, wantTrust, wantWarn string) {
		t.Helper()
		var warn bytes.Buffer
		c, err := loadIn(t, repo, env, &warn)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if c.Checkpoints.Keep != wantKeep {
			t.Errorf("%s: keep = %d, want %d", step, c.Checkpoints.Keep, wantKeep)
		}
		if len(c.Files) != 1 || c.Files[0].Path != path || c.Files[0].Trust != wantTrust {
			t.Errorf("%s: files = %+v, want %s as %s", step, c.Files, path, wantTrust)
		}
		if warn.String() != wantWarn {
			t.Errorf("%s: warnings:\n%s\nwant:\n%s", step, warn.String(), wantWarn)
		}
	}
	def := catalog.DefaultCheckpoints.Keep
	check("new file", def, catalog.TrustNone, wantWarning)
	check("again", def, catalog.TrustNone, "")

	f, err := catalog.TrustRepo(catalog.Options{Dir: repo, Default: defaultTOML(t), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != path || len(f.SHA256) != 64 {
		t.Errorf("trusted %+v", f)
	}
	check("trusted", 1, catalog.TrustTrusted, "")

	writeFile(t, repo, catalog.FileName, "[checkpoints]\nkeep = 2\n")
	check("changed", def, catalog.TrustNone, wantWarning)
	check("changed again", def, catalog.TrustNone, "")

	// Back to the content trusted: trusted again, as after a checkout.
	writeFile(t, repo, catalog.FileName, "[checkpoints]\nkeep = 1\n")
	check("back", 1, catalog.TrustTrusted, "")

	env[catalog.TrustEnv] = "1"
	writeFile(t, repo, catalog.FileName, "[checkpoints]\nkeep = 3\n")
	check("environment", 3, catalog.TrustByEnv, "")
	delete(env, catalog.TrustEnv)

	// Untrust forgets the contents trusted and the warnings given.
	writeFile(t, repo, catalog.FileName, "[checkpoints]\nkeep = 1\n")
	if _, was, err := catalog.UntrustRepo(catalog.Options{Dir: repo, Getenv: func(k string) string { return env[k] }}); err != nil || !was {
		t.Fatalf("untrust: %v, %v", was, err)
	}
	check("untrusted", def, catalog.TrustNone, wantWarning)

	// A file that cannot be used is not trusted.
	writeFile(t, repo, catalog.FileName, "[checkpoints]\nkep = 1\n")
	if _, err := catalog.TrustRepo(catalog.Options{Dir: repo, Default: defaultTOML(t), Getenv: func(k string) string { return env[k] }}); err == nil || !strings.Contains(err.Error(), "checkpoints.kep: unknown key") {
		t.Fatalf("trusting a bad file: %v", err)
	}
	check("bad file", def, catalog.TrustNone, wantWarning)
}

// A Location found beforehand (git.Locate, as maestro run finds it once)
// gives what Dir gives: the repository's trusted file, read from the
// location's top level wherever Dir points.
func TestLoadWithLocation(t *testing.T) {
	t.Parallel()
	repo := fakeRepo(t)
	writeFile(t, repo, catalog.FileName, "[share]\nnever_push = [\"*.txt\"]\n")
	env := map[string]string{"XDG_STATE_HOME": filepath.Join(t.TempDir(), "state")}
	getenv := func(k string) string { return env[k] }
	if _, err := catalog.TrustRepo(catalog.Options{Dir: repo, Default: defaultTOML(t), Getenv: getenv}); err != nil {
		t.Fatal(err)
	}
	byDir, err := loadIn(t, repo, env, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	byLocation, err := catalog.Load(catalog.Options{Dir: t.TempDir(), Location: &git.Location{TopLevel: repo}, Default: defaultTOML(t), Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(byLocation.Share.NeverPush, byDir.Share.NeverPush) || !slices.Contains(byLocation.Share.NeverPush, "*.txt") {
		t.Errorf("never_push with a Location %q, with Dir %q", byLocation.Share.NeverPush, byDir.Share.NeverPush)
	}
	// An empty Location is outside any repository, whatever Dir is.
	outside, err := catalog.Load(catalog.Options{Dir: repo, Location: &git.Location{}, Default: defaultTOML(t), Getenv: getenv})
	if err != nil || slices.Contains(outside.Share.NeverPush, "*.txt") {
		t.Errorf("never_push with an empty Location %q, %v; want no repository's file", outside.Share.NeverPush, err)
	}
}
