package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/bench/internal/kv"
)

// testdata/maestro-version.txt is the stderr of `GODEBUG=inittrace=1
// maestro version` as the runtime wrote it (Go 1.26).
func TestParseFixture(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/maestro-version.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 56 {
		t.Fatalf("parsed %d init lines, want 56", len(lines))
	}
	want := initLine{pkg: "github.com/urfave/cli/v2", clockMS: 0.089, bytes: 4104, allocs: 37}
	if lines[54] != want {
		t.Errorf("line 55 = %+v, want %+v", lines[54], want)
	}
	r := total(lines)
	if len(r.byPkg) != 56 || r.bytes <= 0 || r.allocs <= 0 || r.clockMS < 0.089 {
		t.Errorf("totals = %+v", r)
	}
	s := summarize([]run{r}, 5)
	if len(s.top) != 5 || s.top[0].ms < s.top[4].ms {
		t.Errorf("top 5 = %+v, want 5 in decreasing order", s.top)
	}
}

func TestParseLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"init runtime @0.017 ms, 0.027 ms clock, 0 bytes, 0 allocs", true},
		{"init a/b @12 ms, 1.5 ms clock, 100 bytes, 3 allocs", true},
		{"maestro version v1", false},
		{"init runtime @0.017 ms, 0.027 ms clock, 0 bytes", false},
		{"init runtime @0.017 ms, -1 ms clock, 0 bytes, 0 allocs", false},
		{"init  @0 ms, 0 ms clock, 0 bytes, 0 allocs", false},
		{"init x @0 ms, 0 s clock, 0 bytes, 0 allocs", false},
		{"init x @0, 0, 0, 0", false},
		{"init x @0 ms, 0 ms clock, 1.5 bytes, 0 allocs", false},
	} {
		if _, ok := parseLine(tc.in); ok != tc.ok {
			t.Errorf("parseLine(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
	}
}

func TestSummarizeMedians(t *testing.T) {
	t.Parallel()
	runs := []run{
		{clockMS: 3, bytes: 30, allocs: 3, byPkg: map[string]float64{"a": 2, "b": 1}},
		{clockMS: 1, bytes: 10, allocs: 1, byPkg: map[string]float64{"a": 0.5, "b": 0.5}},
		{clockMS: 2, bytes: 20, allocs: 2, byPkg: map[string]float64{"a": 1, "b": 1, "c": 0}},
	}
	s := summarize(runs, 1)
	if s.clockMS != 2 || s.bytes != 20 || s.allocs != 2 || s.packages != 2 {
		t.Errorf("medians = %+v", s)
	}
	if len(s.top) != 1 || s.top[0] != (pkgTime{"a", 1}) {
		t.Errorf("top = %+v, want a 1 ms", s.top)
	}
}

// TestMeasureSelf traces a real Go program, this test binary, and checks the
// figures it appends to the results file.
func TestMeasureSelf(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "results.kv")
	if err := measure([]string{os.Args[0], "-test.run=^$"}, 1, 5, path, "self", "self"); err != nil {
		t.Fatal(err)
	}
	res, err := kv.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"inittrace.self.clock_ms", "inittrace.self.packages", "binary.self.bytes", "binary.self.loaded_bytes"} {
		if v, ok := res.Float(k); !ok || v <= 0 {
			t.Errorf("%s = %q, want a positive number", k, res.Values[k])
		}
	}
	if len(res.Goals) != 2 || !strings.HasPrefix(res.Goals[1], "start-up|self: binary size|") {
		t.Errorf("goals = %q", res.Goals)
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add("init runtime @0.017 ms, 0.027 ms clock, 0 bytes, 0 allocs")
	f.Add("init a @1 ms, 1e3 ms clock, 1 bytes, 1 allocs")
	f.Add("init @, , , ")
	f.Fuzz(func(t *testing.T, s string) {
		l, ok := parseLine(s)
		if ok && (l.pkg == "" || !(l.clockMS >= 0) || math.IsInf(l.clockMS, 0) || l.bytes < 0 || l.allocs < 0) {
			t.Errorf("parseLine(%q) = %+v", s, l)
		}
	})
}
