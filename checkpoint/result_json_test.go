package checkpoint_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/checkpoint"
	. "github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Issue 7, point 14c: a rollback that restored "caf\xe9.txt" reported it in
// --json as "caf\ufffd.txt", a name that is not the file's. It comes out as
// "caf\udce9.txt" and reads back byte for byte.
func TestResultJSONNonUTF8Paths(t *testing.T) {
	t.Parallel()
	const latin1, gone = "caf\xe9.txt", "\xff\xfe-gone"
	dir := Init(t)
	Write(t, dir, latin1, "v1\n")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "latin-1 name")
	s := open(t, dir)
	if _, err := s.Create(checkpoint.CreateOptions{SessionID: "default", Type: "manual"}); err != nil {
		t.Fatal(err)
	}
	Write(t, dir, latin1, "v2\n")
	Write(t, dir, gone, "untracked\n")
	res, err := s.Rollback(checkpoint.RollbackOptions{SessionID: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.Restored, latin1) || !slices.Contains(res.Removed, gone) {
		t.Fatalf("restored %q, removed %q; want %q and %q among them", res.Restored, res.Removed, latin1, gone)
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) || !bytes.Contains(data, []byte(`"caf\udce9.txt"`)) || !bytes.Contains(data, []byte(`"\udcff\udcfe-gone"`)) {
		t.Errorf("JSON does not hold the names escaped:\n%s", data)
	}
	var back checkpoint.Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, res) {
		t.Errorf("read back %+v\nwant %+v", back, *res)
	}
	// Any JSON reader gets the bytes back the same way (Python's
	// surrogateescape): here textsafe.Path on the raw document.
	var raw struct{ Restored []textsafe.Path }
	if err := json.Unmarshal(data, &raw); err != nil || !slices.Contains(raw.Restored, textsafe.Path(latin1)) {
		t.Errorf("restored read as %q, %v", raw.Restored, err)
	}
	if _, err := os.Stat(dir + "/" + gone); !os.IsNotExist(err) {
		t.Errorf("%q still there: %v", gone, err)
	}
}

// Result's JSON goes through a copy of the struct with the names as
// textsafe.Path; a field added to Result and not to the copy would vanish
// from --json. Every field comes out, in order, under its own name.
func TestResultJSONFields(t *testing.T) {
	t.Parallel()
	var want []string
	typ := reflect.TypeOf(checkpoint.Result{})
	for i := 0; i < typ.NumField(); i++ {
		want = append(want, typ.Field(i).Tag.Get("json"))
	}
	r := checkpoint.Result{EventID: "e", Checkpoint: &checkpoint.Record{}, Fork: "f", Undoes: "u", Undone: []string{"u"}, Redoes: "r",
		Target: &checkpoint.Op{ID: "u"}, Refs: []checkpoint.RefChange{{Ref: "x", New: "y"}}, DryRun: true,
		Restored: []string{"a"}, Removed: []string{}, LeftAloneFolders: []checkpoint.IgnoredFolder{{Path: "f/", Files: 1}}, BranchBefore: "b"}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var got []string
	dec.Token() // {
	for dec.More() {
		key, _ := dec.Token()
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
		got = append(got, key.(string))
	}
	for i := range want {
		want[i], _, _ = strings.Cut(want[i], ",")
	}
	if !slices.Equal(got, want) {
		t.Errorf("JSON keys %q, want Result's %q\n%s", got, want, data)
	}
	var back checkpoint.Result
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, r) {
		t.Errorf("read back %+v, %v; want %+v", back, err, r)
	}
	// Missing lists stay null, as before.
	if data, _ := json.Marshal(checkpoint.Result{}); !bytes.Contains(data, []byte(`"restored":null`)) {
		t.Errorf("empty result: %s", data)
	}
}
