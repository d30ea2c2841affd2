package state_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/state"
)

// readNs reads the log at path as records {"n": N}.
func readNs(t *testing.T, path string) []int {
	t.Helper()
	var ns []int
	err := state.Read(path, func(line []byte) error {
		var r struct{ N int }
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		ns = append(ns, r.N)
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return ns
}

// Issue 7, point 5: a full disk or a killed writer leaves a partial last
// line, and every later read failed for good ("log.jsonl:4: unexpected end
// of JSON input"). The reader skips it, and the next Append cuts it off so
// the record written after it is read and the file ends well-formed.
func TestReadTornTail(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	torn := `{"n":1}` + "\n" + `{"n":2}` + "\n" + `{"n":3,"pad":"` + strings.Repeat("x", 100<<10)
	if err := os.WriteFile(path, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readNs(t, path); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("read %v from a log with a torn tail, want [1 2]", got)
	}
	if err := state.Append(path, map[string]int{"n": 4}); err != nil {
		t.Fatal(err)
	}
	if got := readNs(t, path); !slices.Equal(got, []int{1, 2, 4}) {
		t.Errorf("read %v after the next Append, want [1 2 4]", got)
	}
	if got, want := readFile(t, path), `{"n":1}`+"\n"+`{"n":2}`+"\n"+`{"n":4}`+"\n"; got != want {
		t.Errorf("the log is %.200q, want %q", got, want)
	}
}

// A last record whole but for its newline is a record: read, and kept by
// the next Append, which only adds the newline.
func TestAppendKeepsWholeLastRecord(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := os.WriteFile(path, []byte(`{"n":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readNs(t, path); !slices.Equal(got, []int{1}) {
		t.Errorf("read %v, want [1]", got)
	}
	if err := state.Append(path, map[string]int{"n": 2}); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path), `{"n":1}`+"\n"+`{"n":2}`+"\n"; got != want {
		t.Errorf("the log is %q, want %q", got, want)
	}
}

// Issue 7, point 5: a 17 MB record (an old maestro wrote them, from a huge
// approach text) broke the reader for good ("token too long"). Records of
// any size are read.
func TestReadHugeRecord(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Written a MiB at a time: one 17 MB string costs seconds under the
	// race detector.
	chunk := strings.Repeat("y", 1<<20)
	f.WriteString(`{"n":1}` + "\n" + `{"n":2,"text":"`)
	for range 17 {
		f.WriteString(chunk)
	}
	f.WriteString(`"}` + "\n" + `{"n":3}` + "\n")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Lengths, not JSON: decoding 17 MB under the race detector takes
	// seconds, and is encoding/json's business.
	var got []int
	want := []int{len(`{"n":1}`), len(`{"n":2,"text":""}`) + 17<<20, len(`{"n":3}`)}
	err = state.Read(path, func(line []byte) error {
		got = append(got, len(line))
		return nil
	})
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Read = %v, line lengths %v, want %v", err, got, want)
	}
}

// Issue 7, point 5: what is written per record is bounded; a record over
// the bound is refused whole, and the log stays as it was.
func TestAppendTooBig(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := state.Append(path, map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	fits := map[string]string{"t": strings.Repeat("z", state.MaxRecord-len(`{"t":""}`+"\n"))}
	if err := state.Append(path, fits); err != nil {
		t.Errorf("Append of a record of exactly MaxRecord bytes: %v", err)
	}
	big := map[string]string{"t": strings.Repeat("z", state.MaxRecord)}
	var tooBig *state.TooBigError
	if err := state.Append(path, big); !errors.As(err, &tooBig) {
		t.Errorf("Append of %d bytes = %v, want a TooBigError", state.MaxRecord, err)
	}
	if got := readFile(t, path); strings.Count(got, "\n") != 2 {
		t.Errorf("the refused record changed the log: %d lines", strings.Count(got, "\n"))
	}
}
