// Command timeit times commands against each other. It runs them in turns
// (A, B, C, A, B, C, ...) rather than one after the other, so that a change
// in the machine's load hits every command alike, and prints the median wall
// time of each with its ratio to the first (the baseline).
//
//	timeit -n 500 -- 'true' '/path/execfloor true' 'maestro-run true'
//
// Each argument is one command, split on spaces (no shell is involved, so a
// shell's start-up does not blur what is measured). An argument may start
// with a label, NAME=COMMAND (NAME made of letters, digits and _), which
// names the command in the output and in the -kv file. A last word <FILE
// feeds FILE to the command's standard input on every run (an agent hook's
// event, say); without it standard input is /dev/null. Output of the
// commands goes to /dev/null; a command that fails stops timeit.
//
// With -cpu it also prints the median CPU time (user + system, from the
// child's rusage) of each: what a command costs by itself, which a busy
// machine inflates much less than wall time; the ratio stays the wall
// time's. With -json it prints the results as JSON. With -kv FILE it also appends
// one PREFIX.NAME.median_ms=... line (and mean_ms, p10_ms, p90_ms, ratio)
// per command to FILE, for bench/measure to read.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/bench/internal/kv"
)

type result struct {
	Name     string  `json:"name"`
	Command  string  `json:"command"`
	MedianMS float64 `json:"median_ms"`
	MeanMS   float64 `json:"mean_ms"`
	P10MS    float64 `json:"p10_ms"`
	P90MS    float64 `json:"p90_ms"`
	Ratio    float64 `json:"ratio_to_baseline"`
	CPUMS    float64 `json:"cpu_median_ms,omitempty"`
}

var label = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)

func main() {
	n := flag.Int("n", 300, "runs of each command")
	warmup := flag.Int("warmup", 20, "untimed runs of each command first")
	asJSON := flag.Bool("json", false, "print JSON")
	withCPU := flag.Bool("cpu", false, "also print the median CPU time (user + system) of each")
	kv := flag.String("kv", "", "append NAME.median_ms=... lines to this `file`")
	prefix := flag.String("prefix", "timeit", "key prefix for -kv")
	flag.Parse()
	if flag.NArg() == 0 || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: timeit [-n N] [-warmup N] [-json] [-kv FILE [-prefix P]] [NAME=]CMD...")
		os.Exit(2)
	}
	var names, cmds, shown []string
	for i, a := range flag.Args() {
		name := fmt.Sprintf("cmd%d", i+1)
		if m := label.FindStringSubmatch(a); m != nil {
			name, a = m[1], m[2]
		}
		if len(strings.Fields(a)) == 0 {
			fmt.Fprintf(os.Stderr, "timeit: empty command %q\n", flag.Arg(i))
			os.Exit(2)
		}
		names, cmds = append(names, name), append(cmds, a)
		f := strings.Fields(a)
		f[0] = filepath.Base(f[0])
		if last := f[len(f)-1]; len(f) > 1 && strings.HasPrefix(last, "<") {
			f[len(f)-1] = "<" + filepath.Base(last[1:])
		}
		shown = append(shown, strings.Join(f, " "))
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "timeit:", err)
		os.Exit(1)
	}
	run := func(c string) (time.Duration, time.Duration) {
		f := strings.Fields(c)
		cmd := exec.Command(f[0], f[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
		if last := f[len(f)-1]; len(f) > 1 && strings.HasPrefix(last, "<") {
			// An *os.File, so the child reads it directly: no copying
			// goroutine in timeit between the two.
			in, err := os.Open(last[1:])
			if err != nil {
				fmt.Fprintln(os.Stderr, "timeit:", err)
				os.Exit(1)
			}
			defer in.Close()
			cmd.Args, cmd.Stdin = f[:len(f)-1], in
		}
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "timeit: %s: %v\n", c, err)
			os.Exit(1)
		}
		wall := time.Since(start)
		return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	for i := 0; i < *warmup; i++ {
		for _, c := range cmds {
			run(c)
		}
	}
	times := make([][]time.Duration, len(cmds))
	cpu := make([][]time.Duration, len(cmds))
	for i := 0; i < *n; i++ {
		for j, c := range cmds {
			w, u := run(c)
			times[j], cpu[j] = append(times[j], w), append(cpu[j], u)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	var results []result
	for j, c := range cmds {
		t := times[j]
		slices.Sort(t)
		var sum time.Duration
		for _, d := range t {
			sum += d
		}
		results = append(results, result{
			Name:     names[j],
			Command:  c,
			MedianMS: ms(median(t)),
			MeanMS:   ms(sum / time.Duration(len(t))),
			P10MS:    ms(t[len(t)/10]),
			P90MS:    ms(t[len(t)*9/10]),
		})
		if *withCPU {
			slices.Sort(cpu[j])
			results[j].CPUMS = ms(median(cpu[j]))
		}
	}
	for j := range results {
		results[j].Ratio = results[j].MedianMS / results[0].MedianMS
	}
	if *kv != "" {
		if err := writeKV(*kv, *prefix, results); err != nil {
			fmt.Fprintln(os.Stderr, "timeit:", err)
			os.Exit(1)
		}
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(results)
		return
	}
	width := 0
	for _, s := range shown {
		width = max(width, len(s))
	}
	cpuHead := ""
	if *withCPU {
		cpuHead = "     cpu ms"
	}
	fmt.Printf("  %-*s  %9s  %9s  %9s  %8s%s\n", width, "command", "median ms", "p10 ms", "p90 ms", "ratio", cpuHead)
	for j, r := range results {
		cpuCol := ""
		if *withCPU {
			cpuCol = fmt.Sprintf("  %9.3f", r.CPUMS)
		}
		fmt.Printf("  %-*s  %9.3f  %9.3f  %9.3f  %7.2fx%s\n", width, shown[j], r.MedianMS, r.P10MS, r.P90MS, r.Ratio, cpuCol)
	}
	fmt.Printf("  (%d interleaved runs of each after %d warm-up runs; ratio = median / median of the first)\n", *n, *warmup)
}

// median of sorted durations: the mean of the two middle ones for an even count.
func median(t []time.Duration) time.Duration {
	if len(t)%2 == 1 {
		return t[len(t)/2]
	}
	return (t[len(t)/2-1] + t[len(t)/2]) / 2
}

// writeKV appends each command's figures to the results file.
func writeKV(path, prefix string, results []result) error {
	var lines []string
	for _, r := range results {
		k := prefix + "." + r.Name + "."
		lines = append(lines, fmt.Sprintf("%smedian_ms=%.6f", k, r.MedianMS), fmt.Sprintf("%smean_ms=%.6f", k, r.MeanMS),
			fmt.Sprintf("%sp10_ms=%.6f", k, r.P10MS), fmt.Sprintf("%sp90_ms=%.6f", k, r.P90MS), fmt.Sprintf("%sratio=%.6f", k, r.Ratio))
		if r.CPUMS > 0 {
			lines = append(lines, fmt.Sprintf("%scpu_median_ms=%.6f", k, r.CPUMS))
		}
	}
	return kv.Append(path, lines...)
}
