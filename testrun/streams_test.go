package testrun

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// feedFixture gives p a captured run, NAME.stdout then NAME.stderr when
// stdoutFirst, else the other way round: on pipes the two streams reach a
// parser in no guaranteed order, and a parser must read both orders alike.
func feedFixture(t *testing.T, p Parser, dir, name string, stdoutFirst bool) {
	t.Helper()
	files := []struct {
		ext    string
		stream int
	}{{".stdout", 1}, {".stderr", 2}}
	if !stdoutFirst {
		files[0], files[1] = files[1], files[0]
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("testdata", dir, name+f.ext))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		feedText(p, f.stream, data)
	}
}

// feedText gives p each line of data, as the wrapper does: without line
// endings, cut to MaxLine.
func feedText(p Parser, stream int, data []byte) {
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > MaxLine {
			line = line[:MaxLine]
		}
		p.Line(stream, line)
	}
}

// runParsed runs args in dir with env added, feeding p both streams as
// they come, as the wrapper does, and returns the exit code and stdout.
func runParsed(t *testing.T, dir string, env []string, args []string, p Parser) (int, string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	outR, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var stdout, stderr bytes.Buffer
	var wg sync.WaitGroup
	read := func(r io.Reader, stream int, keep *bytes.Buffer) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if len(line) > MaxLine {
				line = line[:MaxLine]
			}
			mu.Lock()
			keep.Write(sc.Bytes())
			keep.WriteByte('\n')
			if p != nil {
				p.Line(stream, line)
			}
			mu.Unlock()
		}
	}
	wg.Add(2)
	go read(outR, 1, &stdout)
	go read(errR, 2, &stderr)
	wg.Wait()
	err = cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: exit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	return code, stdout.String() + stderr.String()
}

// testNames lists tests as "package|id", sorted, to compare sets.
func testNames(tests []Test) []string {
	var out []string
	for _, t := range tests {
		out = append(out, t.Package+t.File+"|"+t.ID)
	}
	sort.Strings(out)
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// isolate gives the test a HOME and XDG folders of its own.
func isolate(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, v := range []string{"XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"} {
		t.Setenv(v, filepath.Join(home, v))
	}
}

// copyTree copies the folder src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rerunCase is a command line, the tests to rerun, and the command wanted
// (its words joined by spaces), or "refused: " and a part of why not.
type rerunCase struct {
	args  string
	tests []Test
	want  string
}

func checkReruns(t *testing.T, cases []rerunCase) {
	t.Helper()
	for _, tc := range cases {
		c := Detect(strings.Fields(tc.args))
		if c == nil {
			t.Fatalf("%s: not a test command", tc.args)
		}
		cmds, why := c.Rerun(tc.tests)
		if refusal, ok := strings.CutPrefix(tc.want, "refused: "); ok {
			if why == "" || !strings.Contains(why, refusal) {
				t.Errorf("%s %v: %q, %q; want refused: %s", tc.args, tc.tests, cmds, why, refusal)
			}
			continue
		}
		if why != "" || len(cmds) != 1 {
			t.Errorf("%s %v: %q, refused: %s; want %s", tc.args, tc.tests, cmds, why, tc.want)
			continue
		}
		if got := strings.Join(cmds[0], " "); got != tc.want {
			t.Errorf("%s %v:\n got %s\nwant %s", tc.args, tc.tests, got, tc.want)
		}
	}
}

// More failures than a result keeps: the first MaxKept are named, all are
// counted, and a line past MaxLine does not grow anything.
func TestParsersKeepTheirBounds(t *testing.T) {
	n := MaxKept + 500
	cases := []struct {
		args string
		line func(i int) string
	}{
		{"cargo test", func(i int) string { return fmt.Sprintf("test tests::t%d ... FAILED", i) }},
		{"cargo nextest run", func(i int) string { return fmt.Sprintf("        FAIL [   0.004s] demo tests::t%d", i) }},
		{"jest", func(i int) string { return fmt.Sprintf("  ● suite › t%d", i) }},
		{"vitest run", func(i int) string { return fmt.Sprintf(" FAIL  a.test.js > t%d", i) }},
	}
	for _, tc := range cases {
		p := Detect(strings.Fields(tc.args)).Parser(nil)
		p.Line(2, []byte("FAIL ./a.test.js"))
		p.Line(1, []byte("running 9999 tests"))
		for i := 0; i < n; i++ {
			p.Line(2, []byte(tc.line(i)))
			p.Line(1, []byte(tc.line(i)))
		}
		p.Line(1, bytes.Repeat([]byte("test x"), MaxLine))
		r := p.Result()
		if len(r.Failed) != MaxKept || r.FailedCount != n {
			t.Errorf("%s: %d failed named, %d counted; want %d, %d", tc.args, len(r.Failed), r.FailedCount, MaxKept, n)
		}
	}
}

// checkBounds checks what every parser's result must keep to.
func checkBounds(t *testing.T, c *Command, r Result, watch []Test) {
	t.Helper()
	if len(r.Failed) > MaxKept || r.FailedCount < len(r.Failed) || len(r.Passed)+len(r.NotRun) > len(watch) {
		t.Fatalf("out of bounds: %d failed (count %d), %d passed, %d not run of %d watched", len(r.Failed), r.FailedCount, len(r.Passed), len(r.NotRun), len(watch))
	}
	for _, f := range r.Failed {
		if len(f.ID) > maxID || f.ID == "" || len(f.Package) > maxID || len(f.File) > maxID {
			t.Fatalf("failed test of %d, %d, %d bytes", len(f.ID), len(f.Package), len(f.File))
		}
	}
	if len(r.Failed) > 0 {
		cmds, _ := c.Rerun(r.Failed)
		for _, cmd := range cmds {
			if len(cmd) < c.From {
				t.Fatalf("rerun %q lost the command", cmd)
			}
			for _, a := range cmd[c.From:] {
				for _, f := range r.Failed {
					if a == f.ID && strings.HasPrefix(a, "-") {
						t.Fatalf("rerun %q: the test name %q became an option", cmd, f.ID)
					}
				}
			}
		}
	}
}
