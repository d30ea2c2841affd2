package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/internal/proctest"
	"github.com/maestro-recovery/maestro/wrapper"
	"golang.org/x/sys/unix"
)

// These tests run the binary as a user would, through the copy named
// maestro-run that testscript.Main put on PATH, with real processes,
// signals and a real pseudo-terminal.

func maestroRun(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	return binary(t, "maestro-run", args...)
}

// binary is the copy of the binary named name on PATH, run in a new
// temporary folder.
func binary(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = t.TempDir()
	return cmd
}

// waitFile waits for a file the command writes once it is under way.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 && data[len(data)-1] == '\n' {
			return strings.TrimSpace(string(data))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return ""
}

// gone waits for the process whose pid a file holds to stop running.
func gone(t *testing.T, pid string) bool {
	t.Helper()
	n, err := strconv.Atoi(pid)
	if err != nil {
		t.Fatalf("bad pid %q", pid)
	}
	return proctest.Gone(n)
}

func readReport(t *testing.T, path string) wrapper.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	var r wrapper.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report: %v\n%s", err, data)
	}
	return r
}

// endedBy says how the process ended: the signal that killed it, or 0 and
// its exit code.
func endedBy(err error) (syscall.Signal, int) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		if err == nil {
			return 0, 0
		}
		return 0, -1
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return ws.Signal(), 128 + int(ws.Signal())
	}
	return 0, ws.ExitStatus()
}

// A signal sent to maestro reaches the command's whole process group, no
// further attempt starts, and maestro ends by the same signal (so a shell
// sees 128+N and a loop around it stops), with a report that says so.
func TestSignalsReachTheCommand(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(wrapper.SignalName(sig), func(t *testing.T) {
			t.Parallel()
			cmd := maestroRun(t, "--max-attempts", "5", "--base-delay", "1ms", "--kill-after", "300ms", "--report", "report.json", "--",
				"sh", "-c", `trap 'echo got it >> trapped; exit 9' INT TERM HUP; echo $$ >> attempts; sleep 60 & echo $! > grandchild; wait`)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			dir := cmd.Dir
			// The command writes attempts before grandchild: once grandchild
			// is there, so is the attempt's line.
			grandchild := waitFile(t, filepath.Join(dir, "grandchild"))
			start := time.Now()
			cmd.Process.Signal(sig)
			got, code := endedBy(cmd.Wait())
			if got != sig || code != 128+int(sig) {
				t.Errorf("maestro ended by signal %v, code %d; want %v, %d\n%s", got, code, sig, 128+int(sig), stderr.String())
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("maestro took %v to stop", d)
			}
			if trapped, _ := os.ReadFile(filepath.Join(dir, "trapped")); string(trapped) != "got it\n" {
				t.Errorf("the command's trap saw %q", trapped)
			}
			if attempts, _ := os.ReadFile(filepath.Join(dir, "attempts")); strings.Count(string(attempts), "\n") != 1 {
				t.Errorf("attempts after the signal: %q", attempts)
			}
			// The background sleep ignores INT (sh starts it so); it is
			// killed when the grace period ends, not left behind.
			if !gone(t, grandchild) {
				t.Errorf("grandchild %s outlived maestro", grandchild)
			}
			r := readReport(t, filepath.Join(dir, "report.json"))
			if r.AttemptsMade != 1 || r.ExitCode != 128+int(sig) || r.StopReason != wrapper.StopInterrupted || r.Interrupted != wrapper.SignalName(sig) || r.Success {
				t.Errorf("report %+v", r)
			}
			if !strings.Contains(stderr.String(), "maestro: interrupted by "+wrapper.SignalName(sig)+" during attempt 1/5") {
				t.Errorf("stderr:\n%s", stderr.String())
			}
		})
	}
}

// A signal during the wait between attempts stops the run at once.
func TestSignalDuringBackoff(t *testing.T) {
	t.Parallel()
	cmd := maestroRun(t, "--max-attempts", "3", "--base-delay", "30s", "--report", "report.json", "--", "sh", "-c", `echo failed > failed; exit 1`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(cmd.Dir, "failed"))
	time.Sleep(200 * time.Millisecond) // into the 15-45s wait
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	if got, _ := endedBy(cmd.Wait()); got != syscall.SIGTERM {
		t.Errorf("ended by %v", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop", d)
	}
	r := readReport(t, filepath.Join(cmd.Dir, "report.json"))
	if r.AttemptsMade != 1 || r.StopReason != wrapper.StopInterrupted || r.ExitCode != 143 {
		t.Errorf("report %+v", r)
	}
}

// A second interrupt does not wait for the grace period: the group is
// killed at once.
func TestSecondInterruptKills(t *testing.T) {
	t.Parallel()
	cmd := maestroRun(t, "--kill-after", "60s", "--", "sh", "-c", `trap '' INT; echo $$ > pid; sleep 60`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := waitFile(t, filepath.Join(cmd.Dir, "pid"))
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(200 * time.Millisecond)
	if n, _ := strconv.Atoi(pid); !proctest.Alive(n) {
		t.Fatal("the command died of an INT it ignores")
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	if got, _ := endedBy(cmd.Wait()); got != syscall.SIGINT {
		t.Errorf("ended by %v", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v after the second interrupt", d)
	}
	if !gone(t, pid) {
		t.Errorf("command %s survived", pid)
	}
}

// The per-attempt timeout sends TERM to the group, waits the grace period,
// then KILLs: a command that ignores TERM dies, and so does its grandchild.
func TestTimeoutKillsWhatIgnoresTerm(t *testing.T) {
	t.Parallel()
	cmd := maestroRun(t, "--max-attempts", "1", "--timeout", "300ms", "--kill-after", "300ms", "--report", "report.json", "--",
		"sh", "-c", `trap '' TERM; sleep 60 & echo $! > grandchild; echo $$ > pid; sleep 60`)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	if _, code := endedBy(err); code != 124 {
		t.Errorf("exit %d, want 124\n%s", code, stderr.String())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	for _, f := range []string{"pid", "grandchild"} {
		pid := waitFile(t, filepath.Join(cmd.Dir, f))
		if !gone(t, pid) {
			t.Errorf("%s %s is still running", f, pid)
		}
	}
	r := readReport(t, filepath.Join(cmd.Dir, "report.json"))
	if !r.Attempts[0].TimedOut || r.ExitCode != 124 || r.Classification.FailureType != "timeout" || r.FinalError == nil || *r.FinalError != "timed out" {
		t.Errorf("report %+v", r)
	}
}

// When the reader of maestro's output goes away (maestro-run yes | head),
// the command meets the closed pipe as it would without maestro, and no
// further attempt starts.
func TestOutputClosed(t *testing.T) {
	t.Parallel()
	cmd := maestroRun(t, "--max-attempts", "3", "--base-delay", "1ms", "--report", "report.json", "--", "yes")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "y\n" {
		t.Errorf("read %q", line)
	}
	out.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if _, code := endedBy(err); code != 141 {
			t.Errorf("exit %d, want 141 (yes killed by SIGPIPE)", code)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("maestro kept running after its stdout closed")
	}
	r := readReport(t, filepath.Join(cmd.Dir, "report.json"))
	if r.AttemptsMade != 1 || r.StopReason != wrapper.StopOutputClosed {
		t.Errorf("report %+v", r)
	}
}

// openPTY opens a pseudo-terminal for the test to play the user's terminal.
func openPTY(t *testing.T, rows, cols uint16) (master, slave *os.File) {
	t.Helper()
	m, s, err := wrapper.OpenPTY()
	if _, serr := os.Stat("/dev/ptmx"); err != nil && serr != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(m.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// readAll reads a pty master until the other side is closed (EIO).
func readAll(t *testing.T, master *os.File, done <-chan error) string {
	t.Helper()
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := master.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	select {
	case err := <-done:
		_ = err
	case <-time.After(20 * time.Second):
		t.Fatal("maestro did not exit")
	}
	return out.String()
}

// startInTerminal starts maestro-run with a pseudo-terminal of 40×132 as
// its stdout and stderr and its controlling terminal, as in a user's shell
// (stdin is /dev/null). done receives the end of the process.
func startInTerminal(t *testing.T, env []string, args ...string) (master *os.File, cmd *exec.Cmd, done chan error) {
	t.Helper()
	master, slave := openPTY(t, 40, 132)
	cmd = maestroRun(t, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 1}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	done = make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return master, cmd, done
}

// inTerminal runs maestro-run in a terminal (see startInTerminal) and
// returns what the terminal received and the exit code.
func inTerminal(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	master, cmd, done := startInTerminal(t, env, args...)
	out := readAll(t, master, done)
	return out, cmd.ProcessState.ExitCode()
}

// When maestro's output is a terminal, the command's is one too: colours,
// progress bars and the window size survive the wrapper.
func TestTerminalIsKept(t *testing.T) {
	t.Parallel()
	flaky := []string{"--max-attempts", "2", "--base-delay", "1ms", "--", "sh", "-c",
		`[ -t 1 ] && echo stdout-is-a-terminal; [ -t 2 ] && echo stderr-is-a-terminal; stty size <&1; ` +
			`{ cat /dev/tty || echo no-controlling-terminal; } 2>/dev/null; printf '\033[31mred\033[0m\n'; ` +
			`[ "$MAESTRO_ATTEMPT" = 2 ] || { echo "Connection refused" >&2; exit 1; }`}
	out, code := inTerminal(t, nil, flaky...)
	for _, want := range []string{"stdout-is-a-terminal", "stderr-is-a-terminal", "40 132", "no-controlling-terminal", "\x1b[31mred\x1b[0m",
		// maestro's own lines are in colour on a terminal.
		"maestro: attempt 1/2 \x1b[33mfailed\x1b[0m (exit 1, transient: \"Connection refused\"); retrying",
		"maestro: \x1b[32mpassed\x1b[0m on attempt 2/2"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	// NO_COLOR takes maestro's colours away, not the command's.
	out, _ = inTerminal(t, []string{"NO_COLOR=1"}, flaky...)
	if !strings.Contains(out, "maestro: attempt 1/2 failed (exit 1") || !strings.Contains(out, "\x1b[31mred") {
		t.Errorf("with NO_COLOR:\n%q", out)
	}
}

// A pipe stays a pipe: the command does not see a terminal when maestro's
// output is not one.
func TestPipeIsNotATerminal(t *testing.T) {
	t.Parallel()
	cmd := maestroRun(t, "--", "sh", "-c", `[ -t 1 ] && echo terminal || echo pipe`)
	out, err := cmd.Output()
	if err != nil || string(out) != "pipe\n" {
		t.Errorf("output %q, err %v", out, err)
	}
}

// maestro keeps a bounded head and tail of the output, so its memory stays
// flat whatever the command prints: here 1 GiB, every byte of which must
// come through.
func TestGigabyteOfOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1 GiB through maestro")
	}
	t.Parallel()
	size := 1 << 30
	if raceEnabled {
		// A race-instrumented maestro copies ten times slower; a quarter
		// of it is still past the memory limit below, so a copy that kept
		// the output would fail all the same.
		size = 256 << 20
	}
	cmd := maestroRun(t, "--", "head", "-c", strconv.Itoa(size), "/dev/zero")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if n != int64(size) {
		t.Errorf("%d bytes came through, want %d", n, size)
	}
	// Maxrss covers maestro and the children it waited for (head is tiny).
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	limit := int64(32 << 20)
	if raceEnabled {
		// The race detector's shadow memory and runtime are not maestro's.
		limit = 160 << 20
	}
	if rss > limit {
		t.Errorf("peak memory %d MiB, want at most %d MiB", rss>>20, limit>>20)
	}
	t.Logf("peak memory %.1f MiB", float64(rss)/(1<<20))
}

// A resize of maestro's terminal reaches the command's terminal, and the
// command gets SIGWINCH, as it would without maestro.
func TestTerminalResize(t *testing.T) {
	t.Parallel()
	master, _, done := startInTerminal(t, nil, "--", "sh", "-c", `trap 'stty size <&1; exit 0' WINCH; echo ready; while :; do sleep 0.02; done`)
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(out.String(), "ready") {
		n, err := master.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (%q)", err, out.String())
		}
		out.Write(buf[:n])
	}
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 160}); err != nil {
		t.Fatal(err)
	}
	out.WriteString(readAll(t, master, done))
	if !strings.Contains(out.String(), "50 160") {
		t.Errorf("the command did not see the new size: %q", out.String())
	}
}
