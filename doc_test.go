package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/internal/cli"
	"github.com/maestro-recovery/maestro/internal/doctest"
)

// The documentation's examples are run as a reader would type them, and
// its links followed, so that a page cannot go on showing what maestro no
// longer does. The conventions are in internal/doctest.

// docPages are README.md and every page under docs/.
func docPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"README.md"}, pages...)
}

func TestDocExamples(t *testing.T) {
	t.Parallel()
	for _, page := range docPages(t) {
		t.Run(page, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			if err := runExamples(t, page, src); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestDocExampleFailures checks that the example runner fails on what it
// must: without it, a runner that ran nothing would pass every page.
func TestDocExampleFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, page, want string // want: in the error; "" for none
	}{
		{"passes", "```console\n$ echo hi\nhi\n```\n", ""},
		{"state carries over", "```sh\nmkdir sub && cd sub\nx=42\n```\n\n```console\n$ basename \"$PWD\" && echo \"$x\"\nsub\n42\n```\n", ""},
		{"wildcards", "```console\n$ printf 'a\\nb\\nc 123 d\\n'\n...\nc [...] d\n```\n", ""},
		{"stderr is shown", "```console\n$ echo oops >&2\noops\n```\n", ""},
		{"exit code expected", "```console\n$ false # exits 1\n```\n", ""},
		{"skip is not run", "```sh skip\nexit 3\n```\n", ""},
		{"wrong output", "```console\n$ echo hi\nbye\n```\n", "page.md:2: $ echo hi: the output differs"},
		{"unexpected output", "```console\n$ echo hi\n```\n", "the output differs"},
		{"wrong exit code", "```console\n$ false\n```\n", "page.md:2: $ false: exited 1, want 0"},
		{"exit code not met", "```console\n$ true # exits 2\n```\n", "exited 0, want 2"},
		{"sh block fails", "```sh\ntrue\nfalse\n```\n", "page.md:1: the sh block exited 1, want 0"},
		{"shell exits", "```sh\nexit 0\n```\n\n```console\n$ echo never\nnever\n```\n", "page.md:1: the shell ended in this block"},
		{"stops at the first failure", "```console\n$ false\n$ echo x\ny\n```\n", "exited 1, want 0"},
		{"unclosed block", "```sh\ntrue\n", "page.md: line 1: the code block opened here is never closed"},
		{"stdin is closed", "```console\n$ cat\n```\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := runExamples(t, "page.md", []byte(tc.page))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected failure: %v", err)
			case tc.want != "" && err == nil:
				t.Errorf("passed, want a failure with %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %q, want it to hold %q", err, tc.want)
			}
			if tc.name == "stops at the first failure" && err != nil && strings.Contains(err.Error(), "echo x") {
				t.Errorf("went on after the first failure: %v", err)
			}
		})
	}
}

// runExamples runs a page's examples in one bash, in a fresh repository
// with a home of its own, and returns the first failure: the commands
// after it ran on a state the page did not mean.
func runExamples(t *testing.T, page string, src []byte) error {
	t.Helper()
	blocks, err := doctest.Blocks(src)
	if err != nil {
		return fmt.Errorf("%s: %v", page, err)
	}
	root := t.TempDir()
	out := filepath.Join(root, "out")
	script, err := doctest.Build(blocks, out)
	if err != nil {
		return fmt.Errorf("%s: %v", page, err)
	}
	if len(script.Units) == 0 {
		return nil
	}
	home := filepath.Join(root, "home")
	work := filepath.Join(root, "work")
	tmp := filepath.Join(root, "tmp") // for mktemp -d, cleaned up with the rest
	for _, d := range []string{out, home, work, tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// What a reader has set up once: an identity and a default branch.
	gitconfig := filepath.Join(home, ".gitconfig")
	if err := os.WriteFile(gitconfig, []byte("[user]\n\tname = Ada\n\temail = ada@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(docEnv(home, gitconfig), "TMPDIR="+tmp)
	for _, args := range [][]string{{"init", "-q"}, {"commit", "-q", "--allow-empty", "-m", "start"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = work, env
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	prog := filepath.Join(root, "page.sh")
	if err := os.WriteFile(prog, []byte(script.Program), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", prog)
	cmd.Dir, cmd.Env = work, env
	// Its own process group, so that a timeout takes what an example
	// left running too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("%s: the examples ran for more than 2 minutes", page)
	}

	for i, u := range script.Units {
		path := filepath.Join(out, strconv.Itoa(i))
		output, _ := os.ReadFile(path)
		rcText, err := os.ReadFile(path + ".rc")
		if err != nil {
			return fmt.Errorf("%s:%d: the shell ended in this block (exit?): nothing after it ran (bash: %v); output:\n%s", page, u.Line, runErr, output)
		}
		rc, _ := strconv.Atoi(strings.TrimSpace(string(rcText)))
		if u.Step == nil {
			if rc != 0 {
				return fmt.Errorf("%s:%d: the sh block exited %d, want 0; output:\n%s", page, u.Line, rc, output)
			}
			continue
		}
		if rc != u.Step.Exit {
			return fmt.Errorf("%s:%d: $ %s: exited %d, want %d; output:\n%s", page, u.Line, u.Command, rc, u.Step.Exit, output)
		}
		if d := doctest.Match(u.Step.Want, string(output)); d != "" {
			return fmt.Errorf("%s:%d: $ %s: the output differs\n%s", page, u.Line, u.Command, d)
		}
	}
	if runErr != nil && !errors.As(runErr, new(*exec.ExitError)) {
		return fmt.Errorf("%s: bash: %v", page, runErr)
	}
	return nil
}

// docEnv is the test's environment with a home and XDG folders of the
// page's own, maestro under its three names first on PATH, and CI set, as
// for the scripts: nobody answers maestro ask here.
func docEnv(home, gitconfig string) []string {
	set := map[string]string{
		"HOME":              home,
		"XDG_CONFIG_HOME":   filepath.Join(home, ".config"),
		"XDG_STATE_HOME":    filepath.Join(home, ".local/state"),
		"XDG_DATA_HOME":     filepath.Join(home, ".local/share"),
		"XDG_CACHE_HOME":    filepath.Join(home, ".cache"),
		"GIT_CONFIG_GLOBAL": gitconfig,
		"CI":                "true",
		"TZ":                "UTC",
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case set[k] != "", k == "TMPDIR", strings.HasPrefix(k, "GIT_AUTHOR_"), strings.HasPrefix(k, "GIT_COMMITTER_"), strings.HasPrefix(k, "MAESTRO_"):
			continue
		case k == "PATH" && plainBin != "":
			kv = "PATH=" + plainBin + string(os.PathListSeparator) + kv[len("PATH="):]
		}
		env = append(env, kv)
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// TestDocReference fails when a generated table of README.md or docs/
// differs from what the command definitions give now.
func TestDocReference(t *testing.T) {
	t.Parallel()
	tables := map[string]bool{}
	contents := map[string][]byte{}
	for _, page := range docPages(t) {
		src, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		contents[page] = src
	}
	for _, page := range docPages(t) {
		src := contents[page]
		for _, cmd := range doctest.FlagTables(src) {
			tables[cmd] = true
		}
		links := doctest.FlagTableLinks(contents, page)
		fresh, err := doctest.Regenerate(src, func(kind string, args []string) (string, error) {
			return cli.ReferenceTable(kind, args, links)
		})
		if err != nil {
			t.Errorf("%s: %v", page, err)
			continue
		}
		if !bytes.Equal(src, fresh) {
			want, got := doctest.Lines(fresh), doctest.Lines(src)
			line := 0
			for line < len(want) && line < len(got) && want[line] == got[line] {
				line++
			}
			t.Errorf("%s:%d: a generated table is stale: run 'go generate ./...' (the flags, commands or exit codes changed)", page, line+1)
		}
	}
	// A command added without a page saying how to use it would be
	// documented only by --help.
	for _, cmd := range cli.CommandPaths() {
		if !tables[cmd] {
			t.Errorf("no page of docs/ has the flag table of maestro %s: add <!-- maestro:flags %s --> and <!-- maestro:end --> where it is explained, then run 'go generate ./...'", cmd, cmd)
		}
	}
}

// TestDocLinks follows every relative link of README.md and docs/: the
// file must exist, and an #anchor must be a heading of it.
func TestDocLinks(t *testing.T) {
	t.Parallel()
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) (map[string]bool, error) {
		if a, ok := anchors[path]; ok {
			return a, nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		anchors[path] = doctest.Anchors(src)
		return anchors[path], nil
	}
	checked := 0
	for _, page := range docPages(t) {
		src, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range doctest.Links(src) {
			if err := checkLink(page, l.Target, anchorsOf); err != nil {
				t.Errorf("%s:%d: link %s: %v", page, l.Line, l.Target, err)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no link found: the link parser is broken")
	}
}

func checkLink(page, target string, anchorsOf func(string) (map[string]bool, error)) error {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return nil // no network in the tests
	}
	file, frag, _ := strings.Cut(target, "#")
	path := page
	if file != "" {
		path = filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
		if filepath.IsAbs(file) {
			return errors.New("an absolute path: GitHub resolves it from the repository's root, a reader's copy from /")
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("no such file %s", path)
	}
	if frag == "" {
		return nil
	}
	if info.IsDir() || !strings.HasSuffix(path, ".md") {
		return fmt.Errorf("an anchor into %s, which is not a Markdown page", path)
	}
	a, err := anchorsOf(path)
	if err != nil {
		return err
	}
	if !a[frag] {
		return fmt.Errorf("no heading in %s has the anchor #%s", path, frag)
	}
	return nil
}
