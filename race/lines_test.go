package race

import (
	"bytes"
	"strings"
	"testing"
)

func TestLineWriter(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	w := &lineWriter{w: &out, prefix: []byte("[f1] "), max: 4}
	for _, s := range []string{"ab", "c\nabcdef", "\n\nxy"} {
		w.Write([]byte(s))
	}
	w.flush()
	if got, want := out.String(), "[f1] abc\n[f1] abcd\n[f1] ef\n[f1] \n[f1] xy\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	out.Reset()
	w.mute()
	w.Write([]byte("gone\n"))
	if out.Len() != 0 {
		t.Errorf("a muted writer wrote %q", out.String())
	}
}

// FuzzLineWriter: whatever a command writes, in whatever pieces, comes out
// as whole prefixed lines of at most max bytes, and nothing is lost.
func FuzzLineWriter(f *testing.F) {
	f.Add([]byte("ok\n"), 3, 1)
	f.Add([]byte("a long line without an end"), 4, 5)
	f.Add([]byte("\n\n\r\n\x00\xff\n"), 1, 2)
	f.Fuzz(func(t *testing.T, data []byte, max, piece int) {
		if max < 1 || max > 64 || piece < 1 {
			return
		}
		var out bytes.Buffer
		w := &lineWriter{w: &out, prefix: []byte("> "), max: max}
		for p := data; len(p) > 0; {
			n := min(piece, len(p))
			if k, err := w.Write(p[:n]); k != n || err != nil {
				t.Fatalf("Write: %d, %v", k, err)
			}
			p = p[n:]
		}
		w.flush()
		got := out.String()
		if got == "" {
			if len(data) > 0 {
				t.Fatalf("%q wrote nothing", data)
			}
			return
		}
		if !strings.HasSuffix(got, "\n") {
			t.Fatalf("last line unended: %q", got)
		}
		var rebuilt strings.Builder
		for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
			rest, ok := strings.CutPrefix(line, "> ")
			if !ok || len(rest) > max {
				t.Fatalf("line %q: not prefixed, or longer than %d", line, max)
			}
			rebuilt.WriteString(rest)
		}
		if want := strings.ReplaceAll(string(data), "\n", ""); rebuilt.String() != want {
			t.Fatalf("content %q, want %q", rebuilt.String(), want)
		}
	})
}
