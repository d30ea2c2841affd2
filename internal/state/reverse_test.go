package state_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/state"
)

// backward reads up to n records {"n": N} of the log at path, newest first.
func backward(t *testing.T, path string, n int) ([]int, error) {
	t.Helper()
	var ns []int
	err := state.ReadBackward(path, func(line []byte) (bool, error) {
		var r struct{ N int }
		if err := json.Unmarshal(line, &r); err != nil {
			return false, err
		}
		ns = append(ns, r.N)
		return len(ns) < n, nil
	})
	return ns, err
}

// ReadBackward gives what Read gives, in the other order, across chunk
// boundaries (records of many sizes, some past the 64 KiB chunk), without
// a torn tail or blank lines; CountRecords counts the lines.
func TestReadBackward(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	var b strings.Builder
	var want []int
	for i := range 100 {
		// Mostly small, every seventh past a chunk.
		pad := i * 13
		if i%7 == 3 {
			pad = 70<<10 + i
		}
		fmt.Fprintf(&b, `{"n":%d,"pad":"%s"}`+"\n", i, strings.Repeat("x", pad))
		want = append(want, i)
		if i%50 == 0 {
			b.WriteString("\n")
		}
	}
	whole := b.String()
	b.WriteString(`{"n":100,"pad":"torn`)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readNs(t, path); !slices.Equal(got, want) {
		t.Fatalf("Read = %d records, want %d", len(got), len(want))
	}
	got, err := backward(t, path, 1_000)
	slices.Reverse(want)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("ReadBackward = %v (%d records), want %d newest first", err, len(got), len(want))
	}
	if got, err := backward(t, path, 3); err != nil || !slices.Equal(got, []int{99, 98, 97}) {
		t.Errorf("ReadBackward, 3 wanted = %v, %v", got, err)
	}
	if n, err := state.CountRecords(path); err != nil || n != 100+2+1 {
		t.Errorf("CountRecords = %d, %v; want 103 (2 blank lines, a torn tail)", n, err)
	}
	// Without the torn tail, ending in a newline.
	if err := os.WriteFile(path, []byte(whole), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := backward(t, path, 1); err != nil || !slices.Equal(got, []int{99}) {
		t.Errorf("ReadBackward of a whole log = %v, %v", got, err)
	}
	missing := filepath.Join(t.TempDir(), "none.jsonl")
	if got, err := backward(t, missing, 5); err != nil || len(got) != 0 {
		t.Errorf("ReadBackward of no file = %v, %v", got, err)
	}
	if n, err := state.CountRecords(missing); err != nil || n != 0 {
		t.Errorf("CountRecords of no file = %d, %v", n, err)
	}
}

// A line longer than MaxRecord, which Append never writes, stops the
// reader instead of being gathered whole; the records after it are read.
func TestReadBackwardHugeLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	data := `{"n":1}` + "\n" + `{"n":2,"pad":"` + strings.Repeat("x", state.MaxRecord+10) + `"}` + "\n" + `{"n":3}` + "\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := backward(t, path, 10)
	if err == nil || !strings.Contains(err.Error(), "more than") || !slices.Equal(got, []int{3}) {
		t.Errorf("ReadBackward = %v, %v; want [3] and an error about the long record", got, err)
	}
}

// A log that is a link is refused, as Read refuses it.
func TestReadBackwardLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte(`{"n":1}`+"\n"), 0o644)
	link := filepath.Join(dir, "log.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := backward(t, link, 1); err == nil {
		t.Error("ReadBackward followed a link")
	}
}

// FuzzReadBackward: whatever a log holds, ReadBackward gives exactly the
// lines Read gives, in the other order, and never panics.
func FuzzReadBackward(f *testing.F) {
	all := strings.Join(realLines, "\n") + "\n"
	f.Add([]byte(all))
	f.Add([]byte(all[:len(all)-1]))
	f.Add([]byte(all[:len(all)-40]))
	f.Add([]byte(realLines[0] + "\n\n  \n" + realLines[2] + "\r\n"))
	f.Add([]byte("\r\r\n{}\r"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(dir, fmt.Sprintf("%d.jsonl", len(content)))
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path)
		var fwd, back []string
		if err := state.Read(path, func(l []byte) error { fwd = append(fwd, string(l)); return nil }); err != nil {
			t.Fatal(err)
		}
		err := state.ReadBackward(path, func(l []byte) (bool, error) { back = append(back, string(l)); return true, nil })
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(back)
		if !slices.Equal(fwd, back) {
			t.Fatalf("Read = %q\nReadBackward reversed = %q", fwd, back)
		}
	})
}
