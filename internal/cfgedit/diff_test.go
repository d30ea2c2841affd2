package cfgedit

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	old := "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"d\": 4,\n  \"e\": 5\n}\n"
	new := "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"d\": 4,\n  \"e\": 5,\n  \"mcpServers\": {}\n}\n"
	want := `--- a/.mcp.json
+++ b/.mcp.json
@@ -3,5 +3,6 @@
   "b": 2,
   "c": 3,
   "d": 4,
-  "e": 5
+  "e": 5,
+  "mcpServers": {}
 }
`
	if got := Diff(".mcp.json", []byte(old), []byte(new)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := Diff("x", []byte(old), []byte(old)); got != "" {
		t.Errorf("no change gives %q", got)
	}
	if got, want := Diff("x", nil, []byte("{}\n")), "--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+{}\n"; got != want {
		t.Errorf("a new file:\n%s\nwant:\n%s", got, want)
	}
	if got, want := Diff("x", []byte("{}"), nil), "--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-{}\n\\ No newline at end of file\n"; got != want {
		t.Errorf("a removed file:\n%s\nwant:\n%s", got, want)
	}
	if got := Diff("x\x1b[2J", []byte("a\n"), []byte("\x1b]52;c;aGk=\x07\n")); strings.ContainsAny(got, "\x1b\x07") {
		t.Errorf("control characters reach the terminal: %q", got)
	}
	if got := Diff("x", []byte("a\r\nb\r\n"), []byte("a\r\nc\r\n")); got != "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n" {
		t.Errorf("CRLF lines: %q", got)
	}
}

// TestDiffAppliesWithPatch checks the diffs against the real patch(1):
// applied to the old file, each gives the new one.
func TestDiffAppliesWithPatch(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("patch"); err != nil {
		t.Skip("patch is not installed")
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	type pair struct{ old, new []byte }
	var pairs []pair
	for name, src := range seedFiles(t, ".json") {
		if bytes.Contains(src, []byte("\r")) {
			continue // shown with plain line breaks, so patch cannot apply it
		}
		d, err := ParseJSON(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		install(t, d)
		pairs = append(pairs, pair{src, d.Bytes()}, pair{d.Bytes(), src})
	}
	for range 200 {
		old := randomLines(r, r.IntN(30))
		pairs = append(pairs, pair{old, mutateLines(r, old)})
	}
	for i, p := range pairs {
		d := Diff("f", p.old, p.new)
		if bytes.Equal(p.old, p.new) {
			continue
		}
		file := filepath.Join(dir, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(file, p.old, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("patch", "--quiet", "--force", "-p1", file)
		cmd.Stdin = strings.NewReader(d)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pair %d: patch: %v\n%s\ndiff:\n%s", i, err, out, d)
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, p.new) {
			t.Fatalf("pair %d: patched file differs:\n%q\nwant:\n%q\ndiff:\n%s", i, got, p.new, d)
		}
	}
}

func randomLines(r *rand.Rand, n int) []byte {
	var b bytes.Buffer
	for range n {
		fmt.Fprintf(&b, "line %d\n", r.IntN(8))
	}
	if n > 0 && r.IntN(4) == 0 {
		b.Truncate(b.Len() - 1) // no final newline
	}
	return b.Bytes()
}

func mutateLines(r *rand.Rand, old []byte) []byte {
	lines := splitLines(old)
	for range r.IntN(5) + 1 {
		switch i := r.IntN(len(lines) + 1); {
		case i < len(lines) && r.IntN(2) == 0:
			lines = append(lines[:i], lines[i+1:]...)
		default:
			lines = append(lines[:i], append([]string{fmt.Sprintf("new %d\n", r.IntN(100))}, lines[i:]...)...)
		}
	}
	out := []byte(strings.Join(lines, ""))
	if r.IntN(4) == 0 && len(out) > 0 && out[len(out)-1] == '\n' {
		out = out[:len(out)-1]
	}
	return out
}

// TestDiffLargeFile: a small change in a file of many lines (a
// ~/.claude.json with a long history) stays quick and small.
func TestDiffLargeFile(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&b, "    \"entry %d\": %d,\n", i, i%7)
	}
	old := b.String()
	new := strings.Replace(old, "\"entry 100\": 2,\n", "\"entry 100\": 2,\n    \"maestro\": 1,\n", 1)
	new = strings.Replace(new, "\"entry 190000\": 2,\n", "", 1)
	d := Diff("big.json", []byte(old), []byte(new))
	if n := strings.Count(d, "\n"); n > 30 {
		t.Fatalf("the diff of two one-line changes has %d lines:\n%s", n, d)
	}
}
