package fork_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/maestro-recovery/maestro/fork"
)

// A fork's records sit in the state directory, where anything may have
// written: reading them back never panics, and a record that does not
// name its own file is refused.
func FuzzReadRecord(f *testing.F) {
	f.Add([]byte(`{"name":"f1","path":"/tmp/r.maestro-forks/f1","checkpoint_id":"cp-1","session_id":"default","commit_sha":"`+sha+`","base_state_commit":"`+sha+`","created_at":"2026-01-02T03:04:05Z","approach":""}`),
		[]byte(`{"command":["make"],"exit_code":2,"outcome":"failed","failure_type":"compile_error","line":"x","duration_seconds":1.5,"finished_at":"2026-01-02T03:04:05Z"}`))
	f.Add([]byte(`{"name":"f2"}`), []byte(`[]`))
	f.Add([]byte("\x00{"), []byte(`{"command":null}`))
	f.Fuzz(func(t *testing.T, record, run []byte) {
		sd := t.TempDir()
		dir := fork.Dir(sd)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "f1.json"), record, 0o644)
		os.WriteFile(filepath.Join(dir, "f1.run.json"), run, 0o644)
		got, err := fork.Get(sd, "f1")
		if err == nil && got.Name != "f1" {
			t.Errorf("Get(f1) read a record of %q", got.Name)
		}
		list, lerr := fork.List(sd)
		if (err == nil) != (lerr == nil) || lerr == nil && len(list) != 1 {
			t.Errorf("Get: %v; List: %v, %v", err, list, lerr)
		}
	})
}

const sha = "0123456789abcdef0123456789abcdef01234567"
