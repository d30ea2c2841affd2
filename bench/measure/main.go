// Command measure does the parts of bench/run.sh that need timestamps,
// rusage, JSON or floating-point arithmetic, so that the script itself needs
// nothing but bash and Go. Its subcommands:
//
//	measure stamp FILE [SLEEP [EXIT]]
//	    append "start UNIXNANO" to FILE, sleep, append "end UNIXNANO", exit
//	    with EXIT (default 0). Used as the retried command of the schedule
//	    test, so delays are measured independently of maestro's report.
//	measure startup -kv FILE [-floor-goal-ms 1] [-retry-goal 1.5]
//	    read the start-up medians timeit wrote and print the derived figures.
//	measure stream [-n 5] [-bytes N] [-fit NAME] -kv FILE NAME=PIPELINE...
//	    run shell-free pipelines ("a b | c d") in turns, print median wall
//	    time, throughput, ratio to the first, and the peak RSS of each
//	    pipeline's first process.
//	measure genlog -bytes N FILE
//	    write a build-and-test log of N bytes that ends in a test failure:
//	    the input of maestro classify's benchmark.
//	measure schedule -explain FILE -report FILE -stamps FILE -kv FILE
//	    compare the delays maestro waited with those --explain promised.
//	measure summary -kv FILE
//	    print the table of goals recorded by the other subcommands.
//
// The -kv file holds key=value lines: figures, and goal=... lines that the
// summary prints. Subcommands exit 0 when a goal is missed (that is a
// result, not an error) and 1 when they cannot measure.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/bench/internal/kv"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch args := os.Args[2:]; os.Args[1] {
	case "stamp":
		err = stamp(args)
	case "startup":
		err = startup(args)
	case "stream":
		err = stream(args)
	case "genlog":
		err = genlog(args)
	case "schedule":
		err = schedule(args)
	case "summary":
		err = summary(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: measure stamp|startup|stream|genlog|schedule|summary ... (see the source)")
	os.Exit(2)
}

// ---------------------------------------------------------------- stamp

func stamp(args []string) error {
	now := time.Now() // first thing: as close to the attempt's start as a Go program gets
	if len(args) < 1 || len(args) > 3 {
		return fmt.Errorf("usage: measure stamp FILE [SLEEP [EXIT]]")
	}
	var sleep time.Duration
	code := 0
	var err error
	if len(args) > 1 {
		if sleep, err = time.ParseDuration(args[1]); err != nil {
			return err
		}
	}
	if len(args) > 2 {
		if code, err = strconv.Atoi(args[2]); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(args[0], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(f, "start %d\n", now.UnixNano()); err != nil {
		return err
	}
	time.Sleep(sleep)
	if _, err := fmt.Fprintf(f, "end %d\n", time.Now().UnixNano()); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	os.Exit(code)
	return nil
}

// ---------------------------------------------------------------- startup

func startup(args []string) error {
	fs := flag.NewFlagSet("startup", flag.ExitOnError)
	kvPath := fs.String("kv", "", "key=value `file` timeit wrote to")
	floorGoal := fs.Float64("floor-goal-ms", 1, "goal: maestro-run at most this many ms above execfloor")
	retryGoal := fs.Float64("retry-goal", 1.5, "goal: maestro-run at most this many times retry")
	fs.Parse(args)
	res, err := kv.Read(*kvPath)
	if err != nil {
		return err
	}
	get := func(name string) (float64, bool) { return res.Float("startup." + name + ".median_ms") }
	m, ok := get("maestro_run")
	if !ok {
		return fmt.Errorf("%s has no startup.maestro_run.median_ms", *kvPath)
	}
	var lines []string
	fmt.Println()
	if t, ok := get("true"); ok {
		figure("maestro-run / true", fmt.Sprintf("%.2fx", m/t), fmt.Sprintf("(%.3f ms vs %.3f ms)", m, t))
		lines = append(lines, fmt.Sprintf("startup.maestro_vs_true.ratio=%.6f", m/t))
	}
	if f, ok := get("execfloor"); ok {
		d := m - f
		ok := d <= *floorGoal
		figure("maestro-run - execfloor", fmt.Sprintf("%+.3f ms", d), fmt.Sprintf("goal <= %.1f ms: %s", *floorGoal, kv.YesNo(ok)))
		lines = append(lines, fmt.Sprintf("startup.maestro_minus_execfloor.ms=%.6f", d),
			kv.Goal("start-up", "maestro-run minus execfloor", fmt.Sprintf("%+.3f ms", d), fmt.Sprintf("<= %.1f ms", *floorGoal), kv.YesNo(ok)))
	}
	if r, ok := get("retry"); ok {
		q := m / r
		ok := q <= *retryGoal
		figure("maestro-run / retry", fmt.Sprintf("%.2fx", q), fmt.Sprintf("goal <= %.2fx: %s", *retryGoal, kv.YesNo(ok)))
		lines = append(lines, fmt.Sprintf("startup.maestro_vs_retry.ratio=%.6f", q),
			kv.Goal("start-up", "maestro-run / Debian retry", fmt.Sprintf("%.2fx", q), fmt.Sprintf("<= %.2fx", *retryGoal), kv.YesNo(ok)))
	} else {
		figure("maestro-run / retry", "-", "not measured: Debian's retry is missing")
		lines = append(lines, kv.Goal("start-up", "maestro-run / Debian retry", "-", fmt.Sprintf("<= %.2fx", *retryGoal), "n/a"))
	}
	return kv.Append(*kvPath, lines...)
}

// ---------------------------------------------------------------- stream

type pipeline struct {
	name   string
	text   string     // as given, with $BYTES replaced
	stages [][]string // argv of each stage
	bytes  int64      // how much it streams
	wall   []time.Duration
	rssKiB []int64 // peak RSS of the first stage, one per run
}

// run starts the stages connected by pipes (stdin of the first and stdout
// of the last are /dev/null, stderr of all is /dev/null), waits for all and
// returns the wall time and the first stage's ru_maxrss.
func (p *pipeline) run(devnull *os.File) (time.Duration, int64, error) {
	cmds := make([]*exec.Cmd, len(p.stages))
	var closeAfterStart []*os.File
	start := time.Now()
	var in *os.File = devnull
	for i, argv := range p.stages {
		c := exec.Command(argv[0], argv[1:]...)
		c.Stdin, c.Stderr = in, devnull
		if i == len(p.stages)-1 {
			c.Stdout = devnull
		} else {
			r, w, err := os.Pipe()
			if err != nil {
				return 0, 0, err
			}
			c.Stdout = w
			closeAfterStart = append(closeAfterStart, w)
			in = r
		}
		if err := c.Start(); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", p.name, err)
		}
		cmds[i] = c
		for _, f := range closeAfterStart {
			f.Close()
		}
		closeAfterStart = closeAfterStart[:0]
		if i > 0 {
			// The parent's copy of this stage's stdin is no longer needed.
			if f, ok := c.Stdin.(*os.File); ok && f != devnull {
				f.Close()
			}
		}
	}
	var firstErr error
	for i, c := range cmds {
		if err := c.Wait(); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: stage %d (%s): %w", p.name, i+1, strings.Join(p.stages[i], " "), err)
		}
	}
	wall := time.Since(start)
	var rss int64
	if ru, ok := cmds[0].ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux
	}
	return wall, rss, firstErr
}

func memAvailable() (int64, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "MemAvailable:" {
			kib, err := strconv.ParseInt(f[1], 10, 64)
			return kib * 1024, err == nil
		}
	}
	return 0, false
}

func stream(args []string) error {
	fs := flag.NewFlagSet("stream", flag.ExitOnError)
	n := fs.Int("n", 5, "interleaved runs of each pipeline")
	warmup := fs.Int("warmup", 1, "untimed runs of each pipeline first")
	size := fs.Int64("bytes", 1<<30, "stream size, replaces $BYTES in the pipelines")
	fit := fs.String("fit", "", "`name` of a pipeline that buffers the whole stream in memory: its size is lowered to fit in the available memory")
	assumeMem := fs.Int64("assume-mem-mib", 0, "pretend this much memory is available (testing -fit); 0 reads /proc/meminfo")
	kvPath := fs.String("kv", "", "append results to this key=value `file`")
	subject := fs.String("subject", "maestro", "pipeline the goals apply to")
	ratioGoal := fs.Float64("ratio-goal", 1.2, "goal: subject's median at most this times the first pipeline's")
	rssGoal := fs.Float64("rss-goal-mib", 32, "goal: subject's first process peak RSS at most this many MiB")
	key := fs.String("key", "stream", "`prefix` of the figures in the kv file")
	section := fs.String("section", "streaming", "`name` of the goals in the summary")
	label := fs.String("label", "through maestro-run / through cat", "what the ratio compares, in the summary")
	rssLabel := fs.String("rss-label", "maestro-run peak RSS", "what the memory goal is about, in the summary")
	fs.Parse(args)
	if fs.NArg() == 0 || *n < 1 {
		return fmt.Errorf("usage: measure stream [-n N] [-bytes N] [-fit NAME] [-kv FILE] NAME=PIPELINE...")
	}
	var ps []*pipeline
	for _, a := range fs.Args() {
		name, text, ok := strings.Cut(a, "=")
		if !ok || name == "" {
			return fmt.Errorf("want NAME=PIPELINE, got %q", a)
		}
		p := &pipeline{name: name, bytes: *size}
		if name == *fit {
			// Debian's retry keeps all of stdout in memory (realloc may
			// briefly need more than the data): ask for 2x, keep 512 MiB spare.
			const spare = 512 << 20
			avail, ok := memAvailable()
			if *assumeMem > 0 {
				avail, ok = *assumeMem<<20, true
			}
			if ok && 2*p.bytes+spare > avail {
				p.bytes = max((avail-spare)/2/(1<<20)*(1<<20), 16<<20)
				fmt.Printf("  note: only %d MiB of memory available: %s streams %d MiB instead of %d MiB (it buffers all of it); its time is scaled up to %d MiB\n",
					avail>>20, name, p.bytes>>20, *size>>20, *size>>20)
			}
		}
		p.text = strings.ReplaceAll(text, "$BYTES", strconv.FormatInt(p.bytes, 10))
		for _, st := range strings.Split(p.text, "|") {
			f := strings.Fields(st)
			if len(f) == 0 {
				return fmt.Errorf("%s: empty stage in %q", name, text)
			}
			p.stages = append(p.stages, f)
		}
		ps = append(ps, p)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	for i := 0; i < *warmup; i++ {
		for _, p := range ps {
			if _, _, err := p.run(devnull); err != nil {
				return err
			}
		}
	}
	for i := 0; i < *n; i++ {
		for _, p := range ps {
			d, rss, err := p.run(devnull)
			if err != nil {
				return err
			}
			// Scale a pipeline that streamed less to the full size.
			d = time.Duration(float64(d) * float64(*size) / float64(p.bytes))
			p.wall = append(p.wall, d)
			p.rssKiB = append(p.rssKiB, rss)
		}
	}

	type row struct {
		median, min, max time.Duration
		rssMax           int64
	}
	rows := make([]row, len(ps))
	width := len("pipeline")
	for i, p := range ps {
		w := slices.Clone(p.wall)
		slices.Sort(w)
		rows[i] = row{median: medianDur(w), min: w[0], max: w[len(w)-1], rssMax: slices.Max(p.rssKiB)}
		width = max(width, len(p.name)+2+len(p.shortText()))
	}
	base := rows[0].median
	fmt.Printf("  %-*s  %9s  %9s  %9s  %9s  %7s  %14s\n", width, "pipeline", "median s", "min s", "max s", "MiB/s", "ratio", "peak RSS 1st")
	var lines []string
	for i, p := range ps {
		r := rows[i]
		label := p.name + ": " + p.shortText()
		mibs := float64(*size) / (1 << 20) / r.median.Seconds()
		ratio := float64(r.median) / float64(base)
		fmt.Printf("  %-*s  %9.3f  %9.3f  %9.3f  %9.0f  %6.2fx  %10.1f MiB\n", width, label,
			r.median.Seconds(), r.min.Seconds(), r.max.Seconds(), mibs, ratio, float64(r.rssMax)/1024)
		k := *key + "." + p.name + "."
		lines = append(lines,
			fmt.Sprintf("%smedian_s=%.6f", k, r.median.Seconds()),
			fmt.Sprintf("%sratio=%.6f", k, ratio),
			fmt.Sprintf("%speak_rss_kib=%d", k, r.rssMax),
			fmt.Sprintf("%sbytes=%d", k, p.bytes))
	}
	fmt.Printf("  (%d interleaved runs of each after %d warm-up; ratio = median / median of the first;\n", *n, *warmup)
	fmt.Printf("   peak RSS 1st = largest ru_maxrss over the runs of the pipeline's first process, from wait4")
	if *key == "stream" {
		fmt.Printf(";\n   for a wrapper that is max(wrapper, its child), and the child here is head, ~2 MiB")
	}
	fmt.Printf(")\n")
	fmt.Println()

	for i, p := range ps {
		if p.name != *subject || i == 0 {
			continue
		}
		ratio := float64(rows[i].median) / float64(base)
		mib := float64(rows[i].rssMax) / 1024
		rok, mok := ratio <= *ratioGoal, mib <= *rssGoal
		ratioNote, ratioTarget, ratioMet := fmt.Sprintf("goal <= %.2fx: %s", *ratioGoal, kv.YesNo(rok)), fmt.Sprintf("<= %.2fx", *ratioGoal), kv.YesNo(rok)
		if *ratioGoal <= 0 { // no goal: a figure for reference
			ratioNote, ratioTarget, ratioMet = "for reference", "-", "-"
		}
		figure(p.name+" / "+ps[0].name+" (medians)", fmt.Sprintf("%.2fx", ratio), ratioNote)
		figure(p.name+" / "+ps[0].name+" (fastest runs)", fmt.Sprintf("%.2fx", float64(rows[i].min)/float64(rows[0].min)), "for reference")
		figure(p.name+" peak RSS", fmt.Sprintf("%.1f MiB", mib), fmt.Sprintf("goal <= %.0f MiB: %s", *rssGoal, kv.YesNo(mok)))
		lines = append(lines,
			kv.Goal(*section, sizeLabel(*size)+" "+*label, fmt.Sprintf("%.2fx", ratio), ratioTarget, ratioMet),
			kv.Goal(*section, *rssLabel, fmt.Sprintf("%.1f MiB", mib), fmt.Sprintf("<= %.0f MiB", *rssGoal), kv.YesNo(mok)))
	}
	return kv.Append(*kvPath, lines...)
}

func medianDur(t []time.Duration) time.Duration {
	if len(t)%2 == 1 {
		return t[len(t)/2]
	}
	return (t[len(t)/2-1] + t[len(t)/2]) / 2
}

// ---------------------------------------------------------------- schedule

type explainDoc struct {
	MaxAttempts int  `json:"max_attempts"`
	Jitter      bool `json:"jitter"`
	Retries     []struct {
		Attempt int     `json:"attempt"`
		Delay   float64 `json:"delay_seconds"`
		Min     float64 `json:"min_seconds"`
		Max     float64 `json:"max_seconds"`
	} `json:"retries"`
}

type reportDoc struct {
	AttemptsMade int `json:"attempts_made"`
	Attempts     []struct {
		Number    int      `json:"number"`
		StartedAt string   `json:"started_at"`
		Duration  float64  `json:"duration_seconds"`
		DelayNext *float64 `json:"delay_before_next_seconds"`
	} `json:"attempts"`
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readStamps returns the start and end times the stamp subcommand wrote,
// one pair per attempt.
func readStamps(path string) (starts, ends []time.Time, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		kind, ns, ok := strings.Cut(line, " ")
		n, perr := strconv.ParseInt(ns, 10, 64)
		if !ok || perr != nil {
			return nil, nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		switch kind {
		case "start":
			starts = append(starts, time.Unix(0, n))
		case "end":
			ends = append(ends, time.Unix(0, n))
		}
	}
	return starts, ends, nil
}

func schedule(args []string) error {
	fs := flag.NewFlagSet("schedule", flag.ExitOnError)
	explainPath := fs.String("explain", "", "`file` with maestro-run --explain --json")
	reportPath := fs.String("report", "", "`file` maestro-run --report wrote")
	stampsPath := fs.String("stamps", "", "`file` measure stamp wrote")
	tolerance := fs.Duration("tolerance", 50*time.Millisecond, "goal: each delay within this of the expected one")
	durTolerance := fs.Duration("duration-tolerance", 10*time.Millisecond, "check: the report's duration_seconds within this of the command's own run time")
	kvPath := fs.String("kv", "", "append results to this key=value `file`")
	fs.Parse(args)
	var ex explainDoc
	var rep reportDoc
	if err := readJSON(*explainPath, &ex); err != nil {
		return err
	}
	if err := readJSON(*reportPath, &rep); err != nil {
		return err
	}
	starts, ends, err := readStamps(*stampsPath)
	if err != nil {
		return err
	}
	want := len(ex.Retries) + 1
	if len(rep.Attempts) != want || len(starts) != want || len(ends) != want {
		return fmt.Errorf("expected %d attempts: the report has %d, the stamps file %d starts and %d ends",
			want, len(rep.Attempts), len(starts), len(ends))
	}
	repStart := make([]time.Time, len(rep.Attempts))
	for i, a := range rep.Attempts {
		if repStart[i], err = time.Parse(time.RFC3339Nano, a.StartedAt); err != nil {
			return fmt.Errorf("%s: attempt %d: %w", *reportPath, a.Number, err)
		}
	}
	ms := func(s float64) float64 { return s * 1000 }
	fmt.Printf("  %-6s  %8s  %8s  %8s  %8s  %8s  %8s  %10s  %10s\n", "delay", "expected", "measured", "diff", "report", "diff", "planned", "run time", "report")
	fmt.Printf("  %-6s  %8s  %8s  %8s  %8s  %8s  %8s  %10s  %10s\n", "before", "ms", "ms", "ms", "ms", "ms", "ms", "stamps ms", "dur. ms")
	worstMeas, worstRep, worstDur, worstPlan := 0.0, 0.0, 0.0, 0.0
	var lines []string
	for i, r := range ex.Retries {
		exp := r.Delay
		// Independent: from the end of attempt i (its last stamp) to the
		// start of attempt i+1 (its first stamp). Includes the exit, wait,
		// fork and exec between them, which are part of what a user sees.
		meas := starts[i+1].Sub(ends[i]).Seconds()
		// From maestro's report: started_at + duration_seconds (which the
		// report rounds to the millisecond) to the next started_at.
		a := rep.Attempts[i]
		repMeas := repStart[i+1].Sub(repStart[i]).Seconds() - a.Duration
		work := ends[i].Sub(starts[i]).Seconds()
		planned := math.NaN()
		if a.DelayNext != nil {
			planned = *a.DelayNext
		}
		d1, d2 := ms(meas-exp), ms(repMeas-exp)
		worstMeas, worstRep = max(worstMeas, math.Abs(d1)), max(worstRep, math.Abs(d2))
		worstDur = max(worstDur, math.Abs(ms(a.Duration-work)))
		worstPlan = max(worstPlan, math.Abs(ms(planned-exp))) // NaN when missing: max keeps NaN
		fmt.Printf("  %-6s  %8.1f  %8.1f  %+8.1f  %8.1f  %+8.1f  %8.1f  %10.1f  %10.1f\n",
			fmt.Sprintf("#%d", r.Attempt), ms(exp), ms(meas), d1, ms(repMeas), d2, ms(planned), ms(work), ms(a.Duration))
		lines = append(lines, fmt.Sprintf("schedule.delay%d.expected_ms=%.3f", r.Attempt, ms(exp)),
			fmt.Sprintf("schedule.delay%d.measured_ms=%.3f", r.Attempt, ms(meas)),
			fmt.Sprintf("schedule.delay%d.report_ms=%.3f", r.Attempt, ms(repMeas)))
	}
	fmt.Println("  expected = delay_seconds from --explain --json")
	fmt.Println("  measured = the attempt's first stamp minus the previous attempt's last stamp (written by the")
	fmt.Println("             retried command itself: independent of maestro's clock and report)")
	fmt.Println("  report   = started_at minus the previous attempt's started_at + duration_seconds")
	fmt.Println("  planned  = the previous attempt's delay_before_next_seconds in the report")
	fmt.Println("  run time = how long the previous attempt ran by its own stamps; report dur. = its duration_seconds")
	fmt.Println()
	tol, dtol := ms(tolerance.Seconds()), ms(durTolerance.Seconds())
	n := len(ex.Retries)
	okMeas, okRep, okDur, okPlan := worstMeas <= tol, worstRep <= tol, worstDur <= dtol, worstPlan <= 1
	figure("measured delays: largest abs(diff)", fmt.Sprintf("%.1f ms", worstMeas), fmt.Sprintf("goal each <= %.0f ms: %s", tol, kv.YesNo(okMeas)))
	figure("report delays: largest abs(diff)", fmt.Sprintf("%.1f ms", worstRep), fmt.Sprintf("goal each <= %.0f ms: %s", tol, kv.YesNo(okRep)))
	figure("report planned delays: off by", fmt.Sprintf("%.1f ms", worstPlan), fmt.Sprintf("check <= 1 ms: %s", kv.YesNo(okPlan)))
	figure("report duration_seconds: off by", fmt.Sprintf("%.1f ms", worstDur), fmt.Sprintf("check <= %.0f ms: %s", dtol, kv.YesNo(okDur)))
	if !okDur {
		fmt.Println("  (duration_seconds does not match how long the attempts ran: report-based delays are off by as much)")
	}
	lines = append(lines,
		fmt.Sprintf("schedule.measured_worst_abs_diff_ms=%.3f", worstMeas),
		fmt.Sprintf("schedule.report_worst_abs_diff_ms=%.3f", worstRep),
		fmt.Sprintf("schedule.report_duration_worst_abs_diff_ms=%.3f", worstDur),
		kv.Goal("schedule", fmt.Sprintf("%d delays as measured, largest abs(diff)", n), fmt.Sprintf("%.1f ms", worstMeas), fmt.Sprintf("<= %.0f ms", tol), kv.YesNo(okMeas)),
		kv.Goal("schedule", fmt.Sprintf("%d delays from --report, largest abs(diff)", n), fmt.Sprintf("%.1f ms", worstRep), fmt.Sprintf("<= %.0f ms", tol), kv.YesNo(okRep)),
		kv.Goal("schedule", "report's planned delays vs --explain", fmt.Sprintf("%.1f ms", worstPlan), "<= 1 ms (check)", kv.YesNo(okPlan)),
		kv.Goal("schedule", "report's duration_seconds vs real run time", fmt.Sprintf("%.1f ms", worstDur), fmt.Sprintf("<= %.0f ms (check)", dtol), kv.YesNo(okDur)))
	return kv.Append(*kvPath, lines...)
}

// ---------------------------------------------------------------- summary

func summary(args []string) error {
	fs := flag.NewFlagSet("summary", flag.ExitOnError)
	kvPath := fs.String("kv", "", "key=value `file` the other subcommands wrote")
	fs.Parse(args)
	res, err := kv.Read(*kvPath)
	if err != nil {
		return err
	}
	heads := []string{"section", "figure", "measured", "goal", "met"}
	rows := [][]string{}
	for _, g := range res.Goals {
		f := strings.Split(g, "|")
		if len(f) == len(heads) {
			rows = append(rows, f)
		}
	}
	widths := make([]int, len(heads))
	for _, r := range append([][]string{heads}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	line := func(r []string) {
		fmt.Printf("  %-*s  %-*s  %*s  %-*s  %s\n", widths[0], r[0], widths[1], r[1], widths[2], r[2], widths[3], r[3], r[4])
	}
	line(heads)
	sep := make([]string, len(heads))
	for i, w := range widths {
		sep[i] = strings.Repeat("-", w)
	}
	line(sep)
	var met, missed, checks, failed int
	for _, r := range rows {
		line(r)
		check := strings.Contains(r[3], "(check)")
		switch {
		case r[4] == "yes" && check:
			checks++
		case r[4] == "NO" && check:
			checks++
			failed++
		case r[4] == "yes":
			met++
		case r[4] == "NO":
			missed++
		}
	}
	fmt.Printf("\n  goals: %d of %d met", met, met+missed)
	if checks > 0 {
		fmt.Printf("; checks: %d of %d passed", checks-failed, checks)
	}
	fmt.Println(" (informational: the benchmark exits 0 either way)")
	return nil
}

// shortText is the pipeline as printed: each program without its folder.
func (p *pipeline) shortText() string {
	var parts []string
	for _, st := range p.stages {
		parts = append(parts, strings.Join(append([]string{filepath.Base(st[0])}, st[1:]...), " "))
	}
	return strings.Join(parts, " | ")
}

// figure prints one derived figure: label, value, and the goal or a note.
func figure(label, value, note string) {
	fmt.Printf("  %-34s %12s   %s\n", label, value, note)
}

func sizeLabel(n int64) string {
	if n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// ---------------------------------------------------------------- genlog

// genlog writes what a long CI job prints: build lines, thousands of
// passing tests, warnings, progress, some of it in colour, and at the end a
// failing test and the summary of the run, as pytest prints them. The mix
// matters: maestro classify keeps the head and the tail, and the ring that
// keeps the tail sees lines of every length.
func genlog(args []string) error {
	fs := flag.NewFlagSet("genlog", flag.ExitOnError)
	size := fs.Int64("bytes", 1<<30, "size of the log")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: measure genlog [-bytes N] FILE")
	}
	f, err := os.Create(fs.Arg(0))
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	tail := "tests/test_api.py::test_create_order FAILED                               [100%]\n" +
		"=================================== FAILURES ===================================\n" +
		"______________________________ test_create_order _______________________________\n" +
		"    def test_create_order():\n" +
		">       assert create_order(2).total == 20\n" +
		"E       assert 18 == 20\n" +
		"tests/test_api.py:14: AssertionError\n" +
		"=========================== short test summary info ============================\n" +
		"FAILED tests/test_api.py::test_create_order - assert 18 == 20\n" +
		"================= 1 failed, 48211 passed in 1843.02s (0:30:43) =================\n"
	body := *size - int64(len(tail))
	var written int64
	for i := 0; written < body; i++ {
		var line string
		switch i % 7 {
		case 0, 1, 2:
			line = fmt.Sprintf("tests/test_module_%04d.py::test_case_%06d PASSED%*s[ %2d%%]\n", i%977, i, 20+i%17, "", i%100)
		case 3:
			line = fmt.Sprintf("2026-11-27T19:%02d:%02d.%06dZ INFO  worker-%d processed batch %d in %d ms\n", i/60%60, i%60, i%1000000, i%8, i, i%997)
		case 4:
			line = fmt.Sprintf("\x1b[32m✓\x1b[0m compiled src/pkg%03d/module_%05d.ts (%d.%d kB)\n", i%211, i, i%90, i%10)
		case 5:
			line = fmt.Sprintf("  %s\n", strings.Repeat("=", 10+i%110))
		default:
			line = fmt.Sprintf("DeprecationWarning: the parameter 'legacy_mode' of helper_%d is deprecated and will be removed in 4.0; use mode=%q\n", i%53, "strict")
		}
		if rest := body - written; int64(len(line)) > rest {
			line = strings.Repeat("-", int(rest-1)) + "\n"
		}
		n, err := w.WriteString(line)
		written += int64(n)
		if err != nil {
			return err
		}
	}
	if _, err := w.WriteString(tail); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
