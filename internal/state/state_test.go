package state_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/maestro-recovery/maestro/internal/git"
	. "github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/internal/state"
)

// The test binary doubles as the concurrent writer processes: run with
// childRole set, it does one job on childPath and exits without running
// any test.
const (
	childRole = "MAESTRO_STATE_TEST_CHILD"
	childPath = "MAESTRO_STATE_TEST_PATH"
	childID   = "MAESTRO_STATE_TEST_ID"
	childN    = "MAESTRO_STATE_TEST_N"
)

func TestMain(m *testing.M) {
	if role := os.Getenv(childRole); role != "" {
		if err := child(role); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	done := Isolate()
	code := m.Run()
	done()
	os.Exit(code)
}

func child(role string) error {
	path, id := os.Getenv(childPath), os.Getenv(childID)
	n, _ := strconv.Atoi(os.Getenv(childN))
	// The parent closes stdin once every child has started, so that all of
	// them write at the same time rather than one after another as they
	// happen to start.
	io.Copy(io.Discard, os.Stdin)
	switch role {
	case "append":
		for seq := range n {
			if err := state.Append(path, newRecord(id, seq)); err != nil {
				return err
			}
		}
	case "lock":
		for range n {
			if err := critical(path); err != nil {
				return err
			}
		}
	case "create":
		switch err := state.CreateExclusive(path, []byte(id)); {
		case err == nil:
			fmt.Print("won")
		case errors.Is(err, state.ErrExists):
			fmt.Print("lost")
		default:
			return err
		}
	default:
		return fmt.Errorf("unknown child role %q", role)
	}
	return nil
}

// runChildren starts n copies of the test binary in role on path, lets them
// go together, runs also (if not nil) in this process meanwhile, and returns
// what each child printed.
func runChildren(t *testing.T, role, path string, n, count int, also func()) []string {
	t.Helper()
	var gates []io.Closer
	release := func() {
		for _, g := range gates {
			g.Close()
		}
		gates = nil
	}
	defer release()
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	errs := make([]*bytes.Buffer, n)
	for i := range cmds {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), childRole+"="+role, childPath+"="+path,
			childID+"=p"+strconv.Itoa(i), childN+"="+strconv.Itoa(count))
		outs[i], errs[i] = new(bytes.Buffer), new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = outs[i], errs[i]
		gate, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			gate.Close()
			release()
			for _, c := range cmds[:i] {
				c.Wait()
			}
			t.Fatal(err)
		}
		gates = append(gates, gate)
		cmds[i] = cmd
	}
	release()
	if also != nil {
		also()
	}
	printed := make([]string, n)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, errs[i])
		}
		printed[i] = outs[i].String()
	}
	return printed
}

type record struct {
	Writer string `json:"writer"`
	Seq    int    `json:"seq"`
	Pad    string `json:"pad"`
}

// newRecord makes a record bigger than PIPE_BUF (4 KiB), the size up to
// which the kernel keeps a write whole without help; its padding is
// particular to writer and seq, so a torn or interleaved line shows.
func newRecord(writer string, seq int) record {
	unit := fmt.Sprintf("%s#%d;", writer, seq)
	size := 4097 + seq*997%6000
	return record{writer, seq, strings.Repeat(unit, size/len(unit)+1)[:size]}
}

// checkLog reads the log at path and checks it holds exactly count records
// of each writer, each intact.
func checkLog(t *testing.T, path string, writers []string, count int) {
	t.Helper()
	seen := map[string]int{}
	lines := 0
	err := state.Read(path, func(line []byte) error {
		lines++
		var r record
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		if want := newRecord(r.Writer, r.Seq); r != want {
			return fmt.Errorf("record %s/%d is damaged", r.Writer, r.Seq)
		}
		seen[fmt.Sprintf("%s/%d", r.Writer, r.Seq)]++
		return nil
	})
	if err != nil {
		t.Fatalf("after %d lines: %v", lines, err)
	}
	if want := len(writers) * count; lines != want {
		t.Errorf("%d lines, want %d", lines, want)
	}
	for _, w := range writers {
		for seq := range count {
			if n := seen[fmt.Sprintf("%s/%d", w, seq)]; n != 1 {
				t.Errorf("record %s/%d is there %d times, want once", w, seq, n)
			}
		}
	}
}

// names lists dir, to catch temporary files left behind.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, e := range entries {
		list = append(list, e.Name())
	}
	return list
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// In a repository, state is shared by all its worktrees and never follows
// $XDG_STATE_HOME: a session started in one worktree is found from another.
func TestDirInRepository(t *testing.T) {
	t.Parallel()
	repo := Init(t)
	wt := filepath.Join(t.TempDir(), "wt")
	Git(t, repo, "worktree", "add", "-q", "-b", "feature", wt)
	getenv := env(map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()})
	want := filepath.Join(RevParsePath(t, repo, "--git-common-dir"), "maestro")
	for _, dir := range []string{
		repo,
		Mkdir(t, filepath.Join(repo, "a", "b")),
		wt,
		Mkdir(t, filepath.Join(wt, "a", "b")),
	} {
		got, err := state.Dir(dir, getenv)
		if err != nil {
			t.Errorf("Dir(%s): %v", dir, err)
			continue
		}
		if at, err := state.DirAt(git.Locate(dir), getenv); at != got || err != nil {
			t.Errorf("DirAt(Locate(%s)) = %s, %v; Dir says %s", dir, at, err, got)
		}
		if got := filepath.Join(Resolve(t, filepath.Dir(got)), filepath.Base(got)); got != want {
			t.Errorf("Dir(%s) = %s, want %s", dir, got, want)
		}
	}
	// The worktree's own git directory would split state per worktree.
	if gitDir := strings.TrimSpace(Git(t, wt, "rev-parse", "--absolute-git-dir")); Resolve(t, gitDir) == filepath.Dir(want) {
		t.Fatalf("test setup: worktree git dir %s is the common dir", gitDir)
	}
}

// maestro calls Dir("."), relative to wherever the user runs it.
func TestDirRelative(t *testing.T) {
	repo := Init(t)
	t.Chdir(Mkdir(t, filepath.Join(repo, "sub")))
	got, err := state.Dir(".", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if parent, want := Resolve(t, filepath.Dir(got)), RevParsePath(t, repo, "--git-common-dir"); parent != want || filepath.Base(got) != "maestro" {
		t.Errorf("Dir(.) in %s/sub = %s, want %s/maestro", repo, got, want)
	}
}

func TestDirOutsideRepository(t *testing.T) {
	t.Parallel()
	dir := OutsideRepo(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // "" for an error
	}{
		{"XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "/xdg/state", "HOME": "/home/u"}, "/xdg/state/maestro"},
		{"XDG_STATE_HOME without HOME", map[string]string{"XDG_STATE_HOME": "/xdg/state"}, "/xdg/state/maestro"},
		// The XDG base directory spec says a relative path is invalid and
		// to be ignored.
		{"relative XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "xdg/state", "HOME": "/home/u"}, "/home/u/.local/state/maestro"},
		{"HOME only", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/maestro"},
		{"empty XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "", "HOME": "/home/u"}, "/home/u/.local/state/maestro"},
		{"neither", nil, ""},
		{"relative XDG_STATE_HOME without HOME", map[string]string{"XDG_STATE_HOME": "xdg/state"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := state.Dir(dir, env(tc.env))
			switch {
			case tc.want == "" && err == nil:
				t.Errorf("Dir = %s, want an error", got)
			case tc.want != "" && err != nil:
				t.Errorf("Dir: %v, want %s", err, tc.want)
			case got != tc.want:
				t.Errorf("Dir = %s, want %s", got, tc.want)
			}
		})
	}
}

// A nil getenv reads the process environment.
func TestDirNilGetenv(t *testing.T) {
	dir := OutsideRepo(t)
	xdg := t.TempDir()
	t.Setenv("XDG_STATE_HOME", xdg)
	got, err := state.Dir(dir, nil)
	if want := filepath.Join(xdg, "maestro"); err != nil || got != want {
		t.Errorf("Dir = %s, %v; want %s", got, err, want)
	}
}

// Records survive the trip whatever they hold: newlines and quotes inside
// strings, and lines longer than the reader's first buffer.
func TestAppendRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "not", "yet", "log.jsonl")
	want := []map[string]string{
		{"msg": "hello"},
		{"msg": "two\nlines\r\n and \"quotes\" and \u2028 and \x00"},
		{"msg": strings.Repeat("x", 100<<10)},
		{},
	}
	for _, r := range want {
		if err := state.Append(path, r); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Count(readFile(t, path), "\n"); got != len(want) {
		t.Errorf("the log has %d lines, want %d", got, len(want))
	}
	var got []map[string]string
	err := state.Read(path, func(line []byte) error {
		var r map[string]string
		got = append(got, r)
		return json.Unmarshal(line, &got[len(got)-1])
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %d records, not the %d written", len(got), len(want))
	}
}

func TestAppendUnencodable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := state.Append(path, map[string]any{"f": func() {}}); err == nil {
		t.Error("Append of a func succeeded")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed Append left %s: %v", path, err)
	}
}

// Many writers on one log, with records too big for the kernel to keep
// whole on its own: the lock must.
func TestAppendConcurrentGoroutines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	const writers, count = 16, 40
	var ids []string
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		id := "g" + strconv.Itoa(w)
		ids = append(ids, id)
		wg.Go(func() {
			<-start
			for seq := range count {
				if err := state.Append(path, newRecord(id, seq)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	checkLog(t, path, ids, count)
}

// Separate maestro processes (two hooks, a run and an ask) append to the
// same log; this process writes too while they do.
func TestAppendConcurrentProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	const procs, goroutines, count = 4, 4, 40
	var ids []string
	for p := range procs {
		ids = append(ids, "p"+strconv.Itoa(p))
	}
	for g := range goroutines {
		ids = append(ids, "g"+strconv.Itoa(g))
	}
	runChildren(t, "append", path, procs, count, func() {
		var wg sync.WaitGroup
		for _, id := range ids[procs:] {
			wg.Go(func() {
				for seq := range count {
					if err := state.Append(path, newRecord(id, seq)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
	checkLog(t, path, ids, count)
}

func TestReadMissing(t *testing.T) {
	t.Parallel()
	for _, path := range []string{
		filepath.Join(t.TempDir(), "log.jsonl"),
		filepath.Join(t.TempDir(), "no", "such", "dir", "log.jsonl"),
	} {
		err := state.Read(path, func([]byte) error {
			t.Errorf("decode called for the missing %s", path)
			return nil
		})
		if err != nil {
			t.Errorf("Read(%s): %v", path, err)
		}
	}
}

// A FIFO where a state file should be is refused at once, not waited on
// (ReadFile serves question and trust files; a plain open would block
// until someone writes into it), and so is one too large to be the file.
func TestReadFileNotRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "q-1.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFO here:", err)
	}
	if _, err := state.ReadFile(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("ReadFile of a FIFO: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 11), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := state.ReadFileLimit(big, 10); err == nil {
		t.Error("ReadFileLimit read 11 bytes with a limit of 10")
	}
	if data, err := state.ReadFile(big); err != nil || len(data) != 11 {
		t.Errorf("ReadFile: %d bytes, %v", len(data), err)
	}
}

// A damaged log is reported with the place to look, not read as shorter
// than it is. Blank lines are passed over but still counted, so the line
// number is the one an editor shows.
func TestReadCorrupt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, content string
		line          int
	}{
		{"edited by hand", "{\"n\":1}\n\n{\"n\":2\n{\"n\":3}\n", 3},
		// A torn last line is skipped (TestReadTornTail); one in the
		// middle is damage.
		{"torn line in the middle", "{\"n\":1}\n{\"n\":2}\n{\"n\":\n{\"n\":4}\n", 3},
		{"not JSON", "{\"n\":1}\nhello\n", 2},
		{"binary", "\x00\x00\x00\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "log.jsonl")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			var decoded []int
			err := state.Read(path, func(line []byte) error {
				var r struct{ N int }
				if err := json.Unmarshal(line, &r); err != nil {
					return err
				}
				decoded = append(decoded, r.N)
				return nil
			})
			var syntax *json.SyntaxError
			if !errors.As(err, &syntax) {
				t.Fatalf("Read = %v, want the JSON error", err)
			}
			if want := fmt.Sprintf("%s:%d:", path, tc.line); !strings.Contains(err.Error(), want) {
				t.Errorf("Read = %q, want it to name %s", err, want)
			}
			before := tc.line - 1 - strings.Count(tc.content, "\n\n")
			if len(decoded) < before || !slices.Equal(decoded[:before], []int{1, 2}[:before]) {
				t.Errorf("decoded %v, want the %d records before the damage first", decoded, before)
			}
		})
	}
}

// The caller's own reason to refuse a line comes back wrapped, for
// errors.Is.
func TestReadDecodeError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := state.Append(path, map[string]int{"version": 99}); err != nil {
		t.Fatal(err)
	}
	errUnknown := errors.New("unknown version")
	err := state.Read(path, func([]byte) error { return errUnknown })
	if !errors.Is(err, errUnknown) || !strings.Contains(err.Error(), path+":1:") {
		t.Errorf("Read = %v", err)
	}
}

func TestWriteAtomic(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "report.json")
	for _, content := range []string{"first", "second, longer than the first", ""} {
		if err := state.WriteAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, path); got != content {
			t.Errorf("content %q, want %q", got, content)
		}
		if got := names(t, dir); !slices.Equal(got, []string{"report.json"}) {
			t.Errorf("files left: %q", got)
		}
	}
}

// A reader racing the writer sees one whole version or the other.
func TestWriteAtomicReaders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	versions := []string{strings.Repeat("a", 256<<10), strings.Repeat("b", 128<<10)}
	if err := state.WriteAtomic(path, []byte(versions[0])); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for !done.Load() {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Error(err)
					return
				}
				if s := string(data); s != versions[0] && s != versions[1] {
					t.Errorf("a reader saw %d bytes, neither version", len(data))
					return
				}
			}
		})
	}
	for i := range 200 {
		if err := state.WriteAtomic(path, []byte(versions[i%2])); err != nil {
			t.Error(err)
			break
		}
	}
	done.Store(true)
	wg.Wait()
	if got := names(t, dir); !slices.Equal(got, []string{"report.json"}) {
		t.Errorf("files left: %q", got)
	}
}

// When the rename fails (here: a directory is in the way) the temporary
// file goes too.
func TestWriteAtomicFailureCleansUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	Mkdir(t, filepath.Join(path, "inside"))
	if err := state.WriteAtomic(path, []byte("data")); err == nil {
		t.Error("WriteAtomic over a directory succeeded")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"report.json"}) {
		t.Errorf("files left: %q", got)
	}
	if got := names(t, path); !slices.Equal(got, []string{"inside"}) {
		t.Errorf("the directory in the way now holds %q", got)
	}
}

func TestCreateExclusive(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "q1.answer.json")
	if err := state.CreateExclusive(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	err := state.CreateExclusive(path, []byte("second"))
	if !errors.Is(err, state.ErrExists) {
		t.Errorf("second CreateExclusive = %v, want ErrExists", err)
	}
	if got := readFile(t, path); got != "first" {
		t.Errorf("content %q, want the first writer's", got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"q1.answer.json"}) {
		t.Errorf("files left: %q", got)
	}
}

// Whatever is at path counts as there, even a link to nothing: following
// it would write somewhere else. Since issue 7, point 12, a link is refused
// as such.
func TestCreateExclusiveDanglingSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "q1.json")
	target := filepath.Join(dir, "elsewhere")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	var link *state.LinkError
	if err := state.CreateExclusive(path, []byte("data")); !errors.As(err, &link) || link.Path != path {
		t.Errorf("CreateExclusive = %v, want the link refused", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CreateExclusive wrote through the link: %v", err)
	}
}

// Two people answer the same question at once: one answer stands, the
// other is told, and what is on disk is the winner's whole answer.
func TestCreateExclusiveRace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "q1.answer.json")
	const writers = 16
	results := make([]error, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			results[w] = state.CreateExclusive(path, []byte(strings.Repeat(strconv.Itoa(w%10), 8<<10+w)))
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for w, err := range results {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both won", winner, w)
		case err == nil:
			winner = w
		case !errors.Is(err, state.ErrExists):
			t.Errorf("writer %d: %v", w, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	if got, want := readFile(t, path), strings.Repeat(strconv.Itoa(winner%10), 8<<10+winner); got != want {
		t.Errorf("the file holds %d bytes, not the winner's %d", len(got), len(want))
	}
	if got := names(t, dir); !slices.Equal(got, []string{"q1.answer.json"}) {
		t.Errorf("files left: %q", got)
	}
}

func TestCreateExclusiveRaceProcesses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "session.json")
	printed := runChildren(t, "create", path, 4, 0, nil)
	winner := slices.Index(printed, "won")
	if winner < 0 || slices.Index(printed[winner+1:], "won") >= 0 {
		t.Fatalf("children said %q, want exactly one won", printed)
	}
	if got := readFile(t, path); got != "p"+strconv.Itoa(winner) {
		t.Errorf("the file holds %q, child %d won", got, winner)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"session.json"}) {
		t.Errorf("files left: %q", got)
	}
}

// critical does, under the lock at path, what only one holder at a time
// may: it claims a marker that must be free, and bumps a counter with a
// read and a write that another holder would interleave.
func critical(path string) error {
	unlock, err := state.Lock(path)
	if err != nil {
		return err
	}
	defer unlock()
	marker := path + ".held"
	f, err := os.OpenFile(marker, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("two holders of the lock at once: %w", err)
	}
	f.Close()
	counter := path + ".count"
	data, err := os.ReadFile(counter)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	n := 0
	if len(data) > 0 {
		if n, err = strconv.Atoi(string(data)); err != nil {
			return fmt.Errorf("counter: %w", err)
		}
	}
	if err := os.WriteFile(counter, []byte(strconv.Itoa(n+1)), 0o644); err != nil {
		return err
	}
	return os.Remove(marker)
}

func checkCounter(t *testing.T, path string, want int) {
	t.Helper()
	if got := readFile(t, path+".count"); got != strconv.Itoa(want) {
		t.Errorf("counter = %s, want %d: some critical sections overlapped", got, want)
	}
}

func TestLockGoroutines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "not", "yet", ".lock")
	const holders, count = 8, 50
	var wg sync.WaitGroup
	for range holders {
		wg.Go(func() {
			for range count {
				if err := critical(path); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkCounter(t, path, holders*count)
}

func TestLockProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ".lock")
	const procs, goroutines, count = 4, 2, 50
	runChildren(t, "lock", path, procs, count, func() {
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for range count {
					if err := critical(path); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
	checkCounter(t, path, (procs+goroutines)*count)
}

// SafeName guards ids that come from the command line before they become
// file names: nothing may reach outside the state directory.
func TestSafeName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"", false},
		{".", false},
		{"..", false},
		{"/", false},
		{"a/b", false},
		{"../x", false},
		{"x/", false},
		{"/etc/passwd", false},
		{"a\x00b", false},
		{"q-20240101-abc123", true},
		{"q1.answer.json", true},
		{"...", true},
		{".lock", true},
		{"a b", true},
		{`a\b`, true},
		{"é", true},
		{"-rf", true},
	} {
		if got := state.SafeName(tc.name); got != tc.want {
			t.Errorf("SafeName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The file WriteAtomic leaves is the file a plain write would: a new one
// 0644 less the umask (not os.CreateTemp's 0600), one that was there with
// the mode it had. A --report FILE must stay readable by whoever could
// read it.
func TestWriteAtomicMode(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "fresh")
	if err := state.WriteAtomic(fresh, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got, want := mode(t, fresh), mode(t, plain); got != want {
		t.Errorf("a new file: mode %v, a plain write gives %v", got, want)
	}
	kept := filepath.Join(dir, "kept")
	if err := os.WriteFile(kept, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(kept, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := state.WriteAtomic(kept, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, kept); got != 0o640 {
		t.Errorf("a rewritten file: mode %v, want 0640 as it was", got)
	}
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}
