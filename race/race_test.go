package race_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/fork"
	"github.com/maestro-recovery/maestro/internal/builtin"
	"github.com/maestro-recovery/maestro/outcome"
	"github.com/maestro-recovery/maestro/race"
)

var defaultCatalog *catalog.Config

func init() {
	var err error
	if defaultCatalog, err = catalog.LoadDefault(builtin.RecoveryTOML); err != nil {
		panic(err)
	}
}

// hang is a fork's script that never ends on its own: it leaves a
// grandchild in its process group and writes the group's id to pgid once
// both run.
const hang = "sleep 60 & echo $$ > pgid.tmp && mv pgid.tmp pgid; wait\n"

// setup makes a folder per fork, each with its t.sh; the race runs
// "sh t.sh" in each.
func setup(t *testing.T, scripts ...string) (root string, forks []fork.Fork) {
	t.Helper()
	root = t.TempDir()
	for i, s := range scripts {
		name := "f" + strconv.Itoa(i+1)
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "t.sh"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		forks = append(forks, fork.Fork{Name: name, Path: dir})
	}
	return root, forks
}

// options are a race's with one attempt, and a short grace after TERM so
// that a test never waits long on a process that ignores it.
func options(forks []fork.Fork, stdout, stderr *syncBuffer) race.Options {
	r := catalog.DefaultRetry
	r.MaxAttempts, r.KillAfter, r.Jitter = 1, 300*time.Millisecond, false
	return race.Options{Forks: forks, Command: []string{"sh", "t.sh"}, Retry: r, Config: defaultCatalog,
		Jobs: len(forks), Stdout: stdout, Stderr: stderr}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFile waits for a fork's script to write a file, and returns its
// content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil {
			return strings.TrimSpace(string(data))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was never written", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// groupGone checks that no process of the group written in dir/pgid is
// left, not even a zombie: the race collects what it stopped.
func groupGone(t *testing.T, dir string) {
	t.Helper()
	pgid, err := strconv.Atoi(waitFile(t, filepath.Join(dir, "pgid")))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		syscall.Kill(-pgid, syscall.SIGKILL)
		t.Errorf("process group %d of %s outlived the race (kill: %v)", pgid, filepath.Base(dir), err)
	}
}

func outcomes(res *race.Result) string {
	var out []string
	for _, f := range res.Forks {
		code := "-"
		if f.ExitCode != nil {
			code = strconv.Itoa(*f.ExitCode)
		}
		out = append(out, f.Name+"="+f.Outcome+"/"+code)
	}
	return strings.Join(out, " ")
}

func TestFirstToPassStopsTheOthers(t *testing.T) {
	t.Parallel()
	// f1 passes once the others run, with their grandchildren.
	root, forks := setup(t, "while [ ! -s ../f2/pgid ] || [ ! -s ../f3/pgid ]; do sleep 0.01; done; echo won\n", hang, hang)
	stateDir := filepath.Join(root, "state")
	forks[0].Approach, forks[1].Approach = "raise_the_timeout", "find_what_hangs"
	forks[0].SessionID, forks[1].SessionID = "s1", "s1"
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	o.StateDir = stateDir
	res, err := race.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(res), "f1=passed/0 f2=stopped/143 f3=stopped/143"; got != want {
		t.Errorf("outcomes: %s, want %s", got, want)
	}
	if res.Winner == nil || *res.Winner != "f1" {
		t.Errorf("winner %v, want f1", res.Winner)
	}
	groupGone(t, forks[1].Path)
	groupGone(t, forks[2].Path)
	if got := stdout.String(); got != "[f1] won\n" {
		t.Errorf("stdout %q", got)
	}
	if got := stderr.String(); !strings.Contains(got, "[f2] maestro: stopped (f1 passed)\n") || strings.Contains(got, "SIGTERM") {
		t.Errorf("stderr does not say f2 was stopped, or speaks of the signal:\n%s", got)
	}
	// Each fork's last run is recorded; the approach that passed worked,
	// and the one stopped tells nothing.
	for _, name := range []string{"f1", "f2"} {
		data, err := os.ReadFile(filepath.Join(fork.Dir(stateDir), name+".run.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(`"command":["sh","t.sh"]`)) {
			t.Errorf("%s.run.json: %s", name, data)
		}
	}
	counts, err := outcome.Counts(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(counts), "[{raise_the_timeout timeout 1 1}]"; got != want {
		t.Errorf("approach outcomes %s, want %s", got, want)
	}
}

func TestNoForkPasses(t *testing.T) {
	t.Parallel()
	root, forks := setup(t,
		"echo 'dial tcp 10.0.0.1:443: connect: connection refused' >&2; exit 1\n",
		"echo 'FAIL: TestX' ; exit 2\n")
	forks[1].Approach = "find_what_hangs"
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	o.Retry.MaxAttempts, o.Retry.BaseDelay = 2, time.Millisecond
	o.StateDir = filepath.Join(root, "state")
	res, err := race.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(res), "f1=failed/1 f2=failed/2"; got != want {
		t.Errorf("outcomes: %s, want %s", got, want)
	}
	if res.Winner != nil {
		t.Errorf("winner %q, want none", *res.Winner)
	}
	f1 := res.Forks[0]
	if f1.FailureType == "" || !strings.Contains(f1.Line, "connection refused") || f1.Attempts != 2 {
		t.Errorf("f1: type %q, line %q, %d attempts; want its classification after 2 attempts", f1.FailureType, f1.Line, f1.Attempts)
	}
	if !strings.Contains(stderr.String(), "[f1] dial tcp") || !strings.Contains(stderr.String(), "[f1] maestro: attempt 1/2 failed") {
		t.Errorf("stderr lacks f1's prefixed output and progress:\n%s", stderr.String())
	}
	counts, err := outcome.Counts(o.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(counts), "[{find_what_hangs timeout 1 0}]"; got != want {
		t.Errorf("approach outcomes %s, want %s\n%s", got, want, stderr.String())
	}
}

// The race's timeout ends every fork's process group, grandchildren
// included, as maestro run's --total-timeout does.
func TestTimeoutEndsEveryFork(t *testing.T) {
	t.Parallel()
	_, forks := setup(t, hang, hang, "echo fast\n")
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	o.Timeout = 300 * time.Millisecond
	o.KeepGoing = true
	res, err := race.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(res), "f1=timed_out/124 f2=timed_out/124 f3=passed/0"; got != want {
		t.Errorf("outcomes: %s, want %s", got, want)
	}
	groupGone(t, forks[0].Path)
	groupGone(t, forks[1].Path)
}

// A fork whose turn comes after the race's timeout never starts.
func TestTimeoutBeforeATurn(t *testing.T) {
	t.Parallel()
	_, forks := setup(t, hang, "echo never > ran\n")
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	o.Timeout, o.Jobs = 200*time.Millisecond, 1
	res, err := race.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(res), "f1=timed_out/124 f2=timed_out/-"; got != want {
		t.Errorf("outcomes: %s, want %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(forks[1].Path, "ran")); err == nil {
		t.Error("f2 ran after the timeout")
	}
}

// Ctrl-C: every running fork's process group gets the signal, and is gone
// when the race returns; the forks still waiting never start.
func TestSignalStopsEveryFork(t *testing.T) {
	t.Parallel()
	_, forks := setup(t, hang, hang, "echo never > ran\n")
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	o.Jobs = 2
	sigs := make(chan os.Signal, 1)
	o.Signals = sigs
	go func() {
		waitFile(t, filepath.Join(forks[0].Path, "pgid"))
		waitFile(t, filepath.Join(forks[1].Path, "pgid"))
		sigs <- syscall.SIGINT
	}()
	res, err := race.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	// sh's background sleep ignores SIGINT: KILL after the grace ends it.
	if got, want := outcomes(res), "f1=stopped/130 f2=stopped/130 f3=stopped/-"; got != want {
		t.Errorf("outcomes: %s, want %s", got, want)
	}
	if res.Signal != syscall.SIGINT || res.InterruptedBy != "SIGINT" || res.Winner != nil {
		t.Errorf("signal %v (%q), winner %v; want SIGINT and none", res.Signal, res.InterruptedBy, res.Winner)
	}
	groupGone(t, forks[0].Path)
	groupGone(t, forks[1].Path)
	if _, err := os.Stat(filepath.Join(forks[2].Path, "ran")); err == nil {
		t.Error("f3 started after the signal")
	}
}

func TestKeepGoing(t *testing.T) {
	t.Parallel()
	// f2 passes once the race has said that f1 did.
	root, forks := setup(t, "echo fast\n", "while [ ! -e ../go ]; do sleep 0.01; done; echo slow\n", "exit 3\n")
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	o.KeepGoing = true
	go func() {
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			if strings.Contains(stderr.String(), "[f1] maestro: passed") {
				break
			}
		}
		os.WriteFile(filepath.Join(root, "go"), nil, 0o644)
	}()
	res, err := race.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(res), "f1=passed/0 f2=passed/0 f3=failed/3"; got != want {
		t.Errorf("outcomes: %s, want %s", got, want)
	}
	if res.Winner == nil || *res.Winner != "f1" {
		t.Errorf("winner %v, want f1, the first to pass", res.Winner)
	}
}

// With one job the forks run one after the other: the first to pass
// leaves the others unstarted.
func TestJobsOne(t *testing.T) {
	t.Parallel()
	_, forks := setup(t, "exit 1\n", "echo ok\n", "echo never > ran\n")
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	o.Jobs = 1
	// Two forks at once would find the other's lock.
	o.Command = []string{"sh", "-c", "mkdir ../lock || exit 9; sh t.sh; code=$?; rmdir ../lock; exit $code"}
	res, err := race.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(res), "f1=failed/1 f2=passed/0 f3=stopped/-"; got != want {
		t.Errorf("outcomes: %s, want %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(forks[2].Path, "ran")); err == nil {
		t.Error("f3 ran after f2 passed")
	}
}

func TestOutputDir(t *testing.T) {
	t.Parallel()
	root, forks := setup(t, "echo out1; echo err1 >&2; exit 1\n", "echo out2\n")
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	o.Jobs = 1
	o.OutputDir = filepath.Join(root, "out", "race")
	res, err := race.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(res), "f1=failed/1 f2=passed/0"; got != want {
		t.Errorf("outcomes: %s, want %s", got, want)
	}
	for file, want := range map[string]string{"f1.out": "out1\n", "f2.out": "out2\n", "f2.err": ""} {
		data, err := os.ReadFile(filepath.Join(o.OutputDir, file))
		if err != nil || string(data) != want {
			t.Errorf("%s: %q (%v), want %q", file, data, err, want)
		}
	}
	data, _ := os.ReadFile(filepath.Join(o.OutputDir, "f1.err"))
	if !strings.HasPrefix(string(data), "err1\nmaestro: failed") && !strings.HasPrefix(string(data), "err1\nmaestro: attempt 1/1 failed") {
		t.Errorf("f1.err: %q, want its stderr then maestro's lines", data)
	}
	if res.Forks[0].Output != filepath.Join(o.OutputDir, "f1.out") {
		t.Errorf("output file %q", res.Forks[0].Output)
	}
	if got := stdout.String(); got != "" {
		t.Errorf("stdout %q, want nothing", got)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if !strings.Contains(line, "] maestro: ") {
			t.Errorf("stderr has more than maestro's lines: %q", line)
		}
	}
}

// Lines of forks writing at once never mix, and a line too long is cut
// into lines that each carry the prefix.
func TestPrefixedLines(t *testing.T) {
	t.Parallel()
	script := "i=0; while [ $i -lt 300 ]; do echo \"line $i of $PWD\"; i=$((i+1)); done; head -c 40000 /dev/zero | tr '\\0' x; echo\n"
	_, forks := setup(t, script, script)
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	o.KeepGoing = true
	if _, err := race.Run(o); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		name, rest, _ := strings.Cut(line, " ")
		name = strings.Trim(name, "[]")
		switch {
		case strings.HasPrefix(rest, "line ") && strings.HasSuffix(rest, "of "+filepath.Join(filepath.Dir(forks[0].Path), name)):
			count[name]++
		case strings.Trim(rest, "x") == "" && len(rest) <= 16<<10:
			count[name+" x"] += len(rest)
		default:
			t.Fatalf("mixed or unprefixed line %.100q", line)
		}
	}
	if got, want := fmt.Sprint(count), "map[f1:300 f1 x:40000 f2:300 f2 x:40000]"; got != want {
		t.Errorf("lines: %s, want %s", got, want)
	}
}

// A signal received before the race began (while maestro read its
// configuration) starts nothing.
func TestSignalBeforeTheStart(t *testing.T) {
	t.Parallel()
	_, forks := setup(t, "echo never > ran\n")
	var stdout, stderr syncBuffer
	o := options(forks, &stdout, &stderr)
	sigs := make(chan os.Signal, 1)
	sigs <- syscall.SIGTERM
	o.Signals = sigs
	res, err := race.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(res), "f1=stopped/-"; got != want || res.Signal != syscall.SIGTERM {
		t.Errorf("outcomes: %s, signal %v; want %s, SIGTERM", got, res.Signal, want)
	}
	if _, err := os.Stat(filepath.Join(forks[0].Path, "ran")); err == nil {
		t.Error("f1 ran")
	}
}
