package state_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/maestro-recovery/maestro/internal/state"
)

// Lines of a real session log (maestro run, ask and session start wrote
// them), to seed the fuzzer.
var realLines = []string{
	`{"time":"2026-11-30T10:00:00.123456789Z","session_id":"feature-x","type":"session_start","description":"login page"}`,
	`{"time":"2026-11-30T10:01:02.5Z","session_id":"feature-x","type":"run","run":{"command":["go","test","./..."],"exit_code":1,"outcome":"failed","attempts_made":1,"failures":{"test_failure":1},"total_time_seconds":2.5,"recovery":[{"strategy_used":"alternative_approach","success":true,"message":"2 approaches for test_failure","details":{"failure_type":"test_failure","approaches":[{"name":"isolate","description":"Run the failing test alone","implementation_pattern":"go test -run X","required_changes":["none"]}]},"recovered_at":"2026-11-30T10:01:02.6Z"}]}}`,
	`{"time":"2026-11-30T10:02:00Z","session_id":"feature-x","type":"question","human":{"id":"q-20261130T100200.000000000Z-1a2b3c4d","session_id":"feature-x","issue":"Which database?","options":["postgres","sqlite"],"default":"","option":"","justification":"","answered_by":"","asked_at":"2026-11-30T10:02:00Z","answered_at":null}}`,
}

// FuzzRead (issue 7, point 5): whatever a log holds (torn tails, huge
// records, blank lines, damage), Read never panics, hands over exactly the
// complete records in order, skips a torn last line without an error,
// reports any other bad line; and Append after it leaves a log that reads
// back as before plus the new record, ending with a newline.
func FuzzRead(f *testing.F) {
	all := strings.Join(realLines, "\n") + "\n"
	f.Add([]byte(all), uint8(0))
	f.Add([]byte(all[:len(all)-1]), uint8(0))
	f.Add([]byte(all[:len(all)-40]), uint8(0))
	f.Add([]byte(all+all[:17]), uint8(3))
	f.Add([]byte(realLines[0]+"\n\n  \n"+realLines[2]+"\r\n"), uint8(0))
	f.Add([]byte(realLines[1]+"\n{\"n\":\n"+realLines[0]+"\n"), uint8(0))
	f.Add([]byte(all), uint8(255))
	f.Add([]byte("\v{}"), uint8(1))
	dir := f.TempDir() // one folder, not one per input: the fuzzer is then several times faster
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, content []byte, huge uint8) {
		if huge > 0 {
			// A record bigger than the reader's buffer (64 KiB), up to 224 KiB.
			big, _ := json.Marshal(map[string]string{"text": strings.Repeat("é", int(huge%8)<<14)})
			content = append(append(big, '\n'), content...)
		}
		path := filepath.Join(dir, strconv.FormatInt(n.Add(1), 10)+".jsonl")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path)
		want, damaged := expected(content)
		got, err := readAll(path)
		if damaged {
			if err == nil || !strings.Contains(err.Error(), path+":") {
				t.Fatalf("Read of a damaged log = %v, want the damage reported", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("Read gave %d records, want %d", len(got), len(want))
		}
		if err := state.Append(path, map[string]string{"new": "record"}); err != nil {
			t.Fatal(err)
		}
		got, err = readAll(path)
		if err != nil {
			t.Fatalf("Read after Append: %v", err)
		}
		if want := append(want, []byte(`{"new":"record"}`)); !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("after Append, Read gave %d records, want %d", len(got), len(want))
		}
		if data, _ := os.ReadFile(path); !bytes.HasSuffix(data, []byte("\n")) {
			t.Fatal("after Append, the log does not end with a newline")
		}
	})
}

var errNotJSON = errors.New("not JSON")

func readAll(path string) ([][]byte, error) {
	var got [][]byte
	err := state.Read(path, func(line []byte) error {
		if !json.Valid(line) {
			return errNotJSON
		}
		got = append(got, bytes.Clone(line))
		return nil
	})
	return got, err
}

// expected is what Read should hand over of content, worked out another
// way: split into lines, blank ones passed over, a last line without its
// newline kept only when it is JSON; damaged when any other line is not.
func expected(content []byte) (records [][]byte, damaged bool) {
	lines := bytes.Split(content, []byte("\n"))
	for i, l := range lines {
		last := i == len(lines)-1
		l = bytes.TrimRight(l, "\r")
		switch {
		case len(bytes.TrimSpace(l)) == 0:
		case json.Valid(l):
			records = append(records, l)
		case !last:
			return nil, true
		}
	}
	return records, false
}
