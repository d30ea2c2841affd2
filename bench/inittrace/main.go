// Command inittrace measures what a Go program does before main: it runs
// the program N times with GODEBUG=inittrace=1, sums the init lines the
// runtime writes to stderr, and prints the median totals (clock time, bytes,
// allocations), the packages that take longest and the binary's size, so
// that a start-up regression in bench/run.sh shows where it came from.
//
//	inittrace [-n 20] [-top 5] [-kv FILE] [-key NAME] [-label TEXT] PROGRAM [ARG...]
//
// The program's stdout goes to /dev/null; its exit status is ignored (only
// its initialisation is of interest). With -kv it appends
// inittrace.NAME.{clock_ms,bytes,allocs,packages} and binary.NAME.bytes
// and two informational lines for the summary.
package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/maestro-recovery/maestro/bench/internal/kv"
)

// maxTrace bounds what one run may write to stderr: a large program has a
// few hundred init lines of about 80 bytes.
const maxTrace = 4 << 20

// initLine is one "init PKG @T ms, C ms clock, B bytes, A allocs" line.
type initLine struct {
	pkg     string
	clockMS float64
	bytes   int64
	allocs  int64
}

// parse returns the init lines of a trace; other lines (the program's own
// stderr) are skipped.
func parse(r io.Reader) ([]initLine, error) {
	var out []initLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		if l, ok := parseLine(sc.Text()); ok {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

func parseLine(s string) (initLine, bool) {
	rest, ok := strings.CutPrefix(s, "init ")
	if !ok {
		return initLine{}, false
	}
	pkg, rest, ok := strings.Cut(rest, " @")
	if !ok || pkg == "" {
		return initLine{}, false
	}
	f := strings.Split(rest, ", ")
	if len(f) != 4 {
		return initLine{}, false
	}
	// Every field is a number and its unit; bytes and allocs are integers.
	field := func(i int, unit string) string {
		v, ok := strings.CutSuffix(f[i], " "+unit)
		if !ok {
			return "" // not a number
		}
		return v
	}
	at, err0 := strconv.ParseFloat(field(0, "ms"), 64)
	c, err1 := strconv.ParseFloat(field(1, "ms clock"), 64)
	b, err2 := strconv.ParseInt(field(2, "bytes"), 10, 64)
	a, err3 := strconv.ParseInt(field(3, "allocs"), 10, 64)
	if err0 != nil || err1 != nil || err2 != nil || err3 != nil ||
		!(at >= 0) || !(c >= 0) || math.IsInf(c, 1) || b < 0 || a < 0 {
		return initLine{}, false
	}
	return initLine{pkg: pkg, clockMS: c, bytes: b, allocs: a}, true
}

// run is the totals of one traced run and each package's clock time.
type run struct {
	clockMS       float64
	bytes, allocs int64
	byPkg         map[string]float64
}

func total(lines []initLine) run {
	r := run{byPkg: make(map[string]float64, len(lines))}
	for _, l := range lines {
		r.clockMS += l.clockMS
		r.bytes += l.bytes
		r.allocs += l.allocs
		r.byPkg[l.pkg] += l.clockMS
	}
	return r
}

// pkgTime is a package's median init clock time over the runs.
type pkgTime struct {
	pkg string
	ms  float64
}

// summary is the medians over the runs.
type summary struct {
	clockMS, bytes, allocs, packages float64
	top                              []pkgTime
}

func summarize(runs []run, top int) summary {
	var s summary
	s.clockMS = median(runs, func(r run) float64 { return r.clockMS })
	s.bytes = median(runs, func(r run) float64 { return float64(r.bytes) })
	s.allocs = median(runs, func(r run) float64 { return float64(r.allocs) })
	s.packages = median(runs, func(r run) float64 { return float64(len(r.byPkg)) })
	pkgs := map[string]bool{}
	for _, r := range runs {
		for p := range r.byPkg {
			pkgs[p] = true
		}
	}
	var all []pkgTime
	for p := range pkgs {
		// A package missing from a run counts as 0 there.
		all = append(all, pkgTime{p, median(runs, func(r run) float64 { return r.byPkg[p] })})
	}
	slices.SortFunc(all, func(a, b pkgTime) int {
		if a.ms != b.ms {
			if a.ms > b.ms {
				return -1
			}
			return 1
		}
		return strings.Compare(a.pkg, b.pkg)
	})
	s.top = all[:min(top, len(all))]
	return s
}

func median(runs []run, f func(run) float64) float64 {
	if len(runs) == 0 {
		return 0
	}
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// traceOnce runs the program once with the trace on and returns its init lines.
func traceOnce(argv []string) ([]initLine, error) {
	c := exec.Command(argv[0], argv[1:]...)
	env := os.Environ()
	godebug := "inittrace=1"
	if old := os.Getenv("GODEBUG"); old != "" {
		godebug = old + ",inittrace=1"
	}
	c.Env = append(env, "GODEBUG="+godebug)
	var stderr bytes.Buffer
	c.Stderr = &limited{w: &stderr, n: maxTrace}
	if err := c.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			return nil, err
		}
	}
	return parse(&stderr)
}

// limited keeps the first n bytes written to it and drops the rest, so a
// chatty program cannot fill the memory and still runs to its end.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func shortPkg(p string) string {
	p = strings.TrimPrefix(p, "github.com/maestro-recovery/maestro/")
	return strings.TrimPrefix(p, "github.com/")
}

func main() {
	n := flag.Int("n", 20, "traced runs; the figures are medians")
	top := flag.Int("top", 5, "how many packages to list by init time")
	kvPath := flag.String("kv", "", "append the figures to this key=value `file`")
	key := flag.String("key", "maestro", "`name` of the figures in the kv file")
	label := flag.String("label", "", "what is traced, as printed (default: the command)")
	flag.Parse()
	if flag.NArg() == 0 || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: inittrace [-n N] [-top N] [-kv FILE] [-key NAME] [-label TEXT] PROGRAM [ARG...]")
		os.Exit(2)
	}
	if err := measure(flag.Args(), *n, *top, *kvPath, *key, *label); err != nil {
		fmt.Fprintln(os.Stderr, "inittrace:", err)
		os.Exit(1)
	}
}

func measure(argv []string, n, top int, kvPath, key, label string) error {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	st, err := os.Stat(path) // follows maestro-run's symbolic link to maestro
	if err != nil {
		return err
	}
	var runs []run
	for range n {
		lines, err := traceOnce(argv)
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			return fmt.Errorf("%s wrote no init lines with GODEBUG=inittrace=1 (not a Go program?)", argv[0])
		}
		runs = append(runs, total(lines))
	}
	s := summarize(runs, top)
	if label == "" {
		label = strings.Join(argv, " ")
	}
	size, loaded := st.Size(), loadedSize(argv[0], st.Size())
	fmt.Printf("  %s: init %.3f ms clock, %.1f KiB in %.0f allocs, %.0f packages (GODEBUG=inittrace=1, median of %d runs);\n",
		label, s.clockMS, s.bytes/1024, s.allocs, s.packages, n)
	fmt.Printf("    binary %d bytes (%.2f MiB), %.2f MiB of it loaded (code and data; symbols and debugging information are not)\n",
		size, float64(size)/(1<<20), float64(loaded)/(1<<20))
	var tops []string
	for _, p := range s.top {
		tops = append(tops, fmt.Sprintf("%s %.3f", shortPkg(p.pkg), p.ms))
	}
	fmt.Printf("    top %d by init ms: %s\n", len(s.top), strings.Join(tops, ", "))
	return kv.Append(kvPath,
		fmt.Sprintf("inittrace.%s.clock_ms=%.6f", key, s.clockMS),
		fmt.Sprintf("inittrace.%s.bytes=%.0f", key, s.bytes),
		fmt.Sprintf("inittrace.%s.allocs=%.0f", key, s.allocs),
		fmt.Sprintf("inittrace.%s.packages=%.0f", key, s.packages),
		fmt.Sprintf("binary.%s.bytes=%d", key, size),
		fmt.Sprintf("binary.%s.loaded_bytes=%d", key, loaded),
		kv.Goal("start-up", label+": init (inittrace)", fmt.Sprintf("%.3f ms", s.clockMS), "none (info)", "-"),
		kv.Goal("start-up", label+": binary size", fmt.Sprintf("%.2f MiB", float64(size)/(1<<20)), "none (info)", "-"))
}

// loadedSize is what of the executable path is mapped to run it: its
// loadable segments (ELF). Symbols and DWARF, outside them, cost a larger
// file and nothing at start-up. An executable that is not ELF counts
// whole.
func loadedSize(path string, whole int64) int64 {
	f, err := elf.Open(path)
	if err != nil {
		return whole
	}
	defer f.Close()
	var n int64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			n += int64(p.Filesz)
		}
	}
	return n
}
