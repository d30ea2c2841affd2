package outcome_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/outcome"
)

var testCmd = []string{"go", "test", "./..."}

func approaches(names ...string) []catalog.Approach {
	out := make([]catalog.Approach, len(names))
	for i, n := range names {
		out[i] = catalog.Approach{Name: n}
	}
	return out
}

func names(rs []outcome.Ranked) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// try marks approach tried in session s, then settles it with a run of the
// same command.
func try(t *testing.T, dir, s, approach string, worked bool) {
	t.Helper()
	must(t, outcome.MarkTried(dir, s, approach, "test_failure", testCmd, outcome.SourceCLI))
	must(t, outcome.Settle(dir, s, testCmd, worked))
}

// Approach ranking after a recorded history: the smoothed rate orders
// them, the catalog's order breaks ties and stands for the untried.
func TestRankAfterHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for range 3 {
		try(t, dir, "s1", "isolate", false) // 0 of 3: 1/5
	}
	try(t, dir, "s1", "fix_code", true)
	try(t, dir, "s2", "fix_code", true)
	try(t, dir, "s2", "fix_code", false)   // 2 of 3: 3/5
	try(t, dir, "s1", "update_test", true) // 1 of 1: 2/3

	counts, err := outcome.Counts(dir)
	must(t, err)
	got := outcome.Rank("test_failure", approaches("isolate", "fix_code", "untried", "update_test"), counts)
	if want := []string{"update_test", "fix_code", "untried", "isolate"}; !slices.Equal(names(got), want) {
		t.Fatalf("order %v, want %v", names(got), want)
	}
	if s, want := got[1].Summary(), "worked 2 of 3 times here"; s != want {
		t.Errorf("summary %q, want %q", s, want)
	}
	if s, want := got[0].Summary(), "worked 1 of 1 time here"; s != want {
		t.Errorf("summary %q, want %q", s, want)
	}
	if s := got[2].Summary(); s != "" || got[2].Rate != 0.5 {
		t.Errorf("untried: summary %q rate %v", s, got[2].Rate)
	}
	// Another failure type's history does not count.
	other := outcome.Rank("lint_failure", approaches("isolate", "fix_code"), counts)
	if want := []string{"isolate", "fix_code"}; !slices.Equal(names(other), want) || other[0].Tries != 0 {
		t.Fatalf("another type: %v", other)
	}
}

func TestRankTiesKeepCatalogOrder(t *testing.T) {
	t.Parallel()
	counts := []outcome.Count{
		{Approach: "c", FailureType: "t", Tries: 2, Successes: 1}, // 1/2, as untried
		{Approach: "d", FailureType: "", Tries: 4, Successes: 4},  // no type: counts for every type
	}
	got := outcome.Rank("t", approaches("a", "b", "c", "d"), counts)
	if want := []string{"d", "a", "b", "c"}; !slices.Equal(names(got), want) {
		t.Fatalf("order %v, want %v", names(got), want)
	}
	if got := outcome.Rank("t", approaches("z", "y", "x"), nil); !slices.Equal(names(got), []string{"z", "y", "x"}) {
		t.Fatalf("nothing known: %v", names(got))
	}
}

// Settle closes only the tries of the same session and the same argv; a
// try without a command is settled by the session's next run of any.
func TestSettleOnlySameSessionAndCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must(t, outcome.MarkTried(dir, "s1", "a", "t", testCmd, outcome.SourceRun))
	must(t, outcome.MarkTried(dir, "s1", "any", "t", nil, outcome.SourceCLI))
	must(t, outcome.Settle(dir, "s2", testCmd, true))                        // another session
	must(t, outcome.Settle(dir, "s1", []string{"go", "test", "./x"}, false)) // another command: settles "any" only
	counts, err := outcome.Counts(dir)
	must(t, err)
	if want := []outcome.Count{{Approach: "any", FailureType: "t", Tries: 1}}; !slices.Equal(counts, want) {
		t.Fatalf("counts %+v, want %+v", counts, want)
	}
	must(t, outcome.Settle(dir, "s1", testCmd, true))
	must(t, outcome.Settle(dir, "s1", testCmd, true)) // already settled: nothing more
	counts, err = outcome.Counts(dir)
	must(t, err)
	want := []outcome.Count{{Approach: "a", FailureType: "t", Tries: 1, Successes: 1}, {Approach: "any", FailureType: "t", Tries: 1}}
	if !slices.Equal(counts, want) {
		t.Fatalf("counts %+v, want %+v", counts, want)
	}
}

// A run with nothing ever tried leaves no file behind.
func TestSettleWithoutLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must(t, outcome.Settle(dir, "s1", testCmd, true))
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("files left: %v", ents)
	}
}

// AfterRun settles first, then marks: the run that names an approach does
// not settle its own try; the failure it found is the one the try answers.
func TestAfterRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	failed := &catalog.Classification{FailureType: "lint_failure", Approaches: approaches("fix_code")}
	must(t, outcome.AfterRun(dir, "s", testCmd, false, false, "fix_code", "test_failure", failed, outcome.SourceRun))
	must(t, outcome.AfterRun(dir, "s", testCmd, true, true, "", "", nil, outcome.SourceRun)) // interrupted: nothing
	if c, _ := outcome.Counts(dir); len(c) != 0 {
		t.Fatalf("settled too early: %+v", c)
	}
	must(t, outcome.AfterRun(dir, "s", testCmd, true, false, "", "", nil, outcome.SourceRun))
	c, err := outcome.Counts(dir)
	must(t, err)
	if want := []outcome.Count{{Approach: "fix_code", FailureType: "lint_failure", Tries: 1, Successes: 1}}; !slices.Equal(c, want) {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
}

func TestRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must(t, outcome.Record(dir, "s", "a", "t", testCmd, true, outcome.SourceFork))
	must(t, outcome.Record(dir, "s", "a", "t", testCmd, false, outcome.SourceFork))
	c, err := outcome.Counts(dir)
	must(t, err)
	if want := []outcome.Count{{Approach: "a", FailureType: "t", Tries: 2, Successes: 1}}; !slices.Equal(c, want) {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	if err := outcome.Record(dir, "s", "", "t", testCmd, true, outcome.SourceFork); err == nil {
		t.Fatal("no approach: recorded")
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	types := []catalog.FailureType{
		{Name: "test_failure", Approaches: approaches("fix_the_code", "isolate")},
		{Name: "lint_failure", Approaches: approaches("fix_the_code", "autofix")},
	}
	for _, c := range []struct{ name, ft, want string }{
		{"isolate", "", "test_failure"},
		{"fix_the_code", "", ""},
		{"fix_the_code", "lint_failure", "lint_failure"},
	} {
		got, err := outcome.Resolve(types, c.name, c.ft)
		if err != nil || got != c.want {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q", c.name, c.ft, got, err, c.want)
		}
	}
	if _, err := outcome.Resolve(types, "autofix", "test_failure"); err == nil || !strings.Contains(err.Error(), "lint_failure") {
		t.Errorf("wrong type: %v", err)
	}
	_, err := outcome.Resolve(types, "isolat", "")
	var u *outcome.UnknownError
	if !errors.As(err, &u) {
		t.Fatalf("unknown: %v", err)
	}
	if got, want := err.Error(), `unknown approach "isolat"; the known ones: autofix, fix_the_code, isolate`; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	if h := u.Hints(); len(h) != 1 || h[0] != `did you mean "isolate"?` {
		t.Errorf("hints %q", h)
	}
}

// Lines that are not records (hand-edited, written by something else,
// out of bounds) are skipped, one line each.
func TestReadSkipsHostileLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := `{"time":"2026-12-02T10:00:00Z","session_id":"s","approach":"a","failure_type":"t","command":["x"],"event":"worked","source":"run"}`
	lines := []string{
		good,
		`not json`,
		`{"approach":"a","event":"exploded"}`,
		`{"approach":"","event":"worked"}`,
		`{"approach":"` + strings.Repeat("a", 300) + `","event":"worked"}`,
		`{"approach":"a","event":"failed","command":` + `[` + strings.Repeat(`"x",`, 5000) + `"x"]}`,
		`[1,2]`,
		`{"approach":"a","event":"failed","time":"yesterday"}`,
		good,
	}
	must(t, os.WriteFile(filepath.Join(dir, outcome.File), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	c, err := outcome.Counts(dir)
	must(t, err)
	if want := []outcome.Count{{Approach: "a", FailureType: "t", Tries: 2, Successes: 2}}; !slices.Equal(c, want) {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
}

// FuzzRead: whatever the log holds, reading it never fails nor panics,
// and the counts it gives are sane.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"time":"2026-12-02T10:00:00Z","session_id":"s","approach":"a","failure_type":"t","command":["go","test"],"event":"tried","source":"cli"}` + "\n" +
		`{"time":"2026-12-02T10:01:00Z","session_id":"s","approach":"a","failure_type":"t","command":["go","test"],"event":"worked","source":"run"}` + "\n"))
	f.Add([]byte("{\"approach\":\"a\",\"event\":\"failed\"}\n{\"appr"))
	f.Add([]byte("\x00\xff\n\n{}\n[]\nnull\n"))
	f.Add([]byte(`{"approach":"\u001b[31m","event":"worked","command":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, outcome.File), data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := outcome.Counts(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range c {
			if x.Approach == "" || x.Tries < 1 || x.Successes > x.Tries {
				t.Fatalf("count %+v", x)
			}
		}
		if err := outcome.Settle(dir, "s", []string{"go", "test"}, true); err != nil {
			t.Fatal(err)
		}
	})
}

// What a reader would skip is refused when written.
func TestRefuseUnreadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := outcome.MarkTried(dir, "s", strings.Repeat("a", 300), "", nil, outcome.SourceCLI); err == nil {
		t.Error("a long name: recorded")
	}
	if err := outcome.MarkTried(dir, "s", "a", "", make([]string, 5000), outcome.SourceCLI); err == nil {
		t.Error("a long command: recorded")
	}
	if _, err := os.Stat(outcome.Path(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("log written: %v", err)
	}
}
