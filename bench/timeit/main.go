// Command timeit times commands against each other. It runs them in turns
// (A, B, C, A, B, C, ...) rather than one after the other, so that a change
// in the machine's load hits every command alike, and prints the median wall
// time of each with its ratio to the first (the baseline).
//
//	timeit -n 500 -- 'true' '/path/execfloor true' 'maestro-run true'
//
// Each argument is one command, split on spaces (no shell is involved, so a
// shell's start-up does not blur what is measured). Output goes to
// /dev/null. With -json it prints the results as JSON.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

type result struct {
	Command  string  `json:"command"`
	MedianMS float64 `json:"median_ms"`
	MeanMS   float64 `json:"mean_ms"`
	P10MS    float64 `json:"p10_ms"`
	P90MS    float64 `json:"p90_ms"`
	Ratio    float64 `json:"ratio_to_baseline"`
}

func main() {
	n := flag.Int("n", 300, "runs of each command")
	warmup := flag.Int("warmup", 20, "untimed runs of each command first")
	asJSON := flag.Bool("json", false, "print JSON")
	flag.Parse()
	cmds := flag.Args()
	if len(cmds) == 0 {
		fmt.Fprintln(os.Stderr, "usage: timeit [-n N] [-json] CMD...")
		os.Exit(2)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		panic(err)
	}
	run := func(c string) time.Duration {
		f := strings.Fields(c)
		cmd := exec.Command(f[0], f[1:]...)
		cmd.Stdout, cmd.Stderr = devnull, devnull
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "timeit: %s: %v\n", c, err)
			os.Exit(1)
		}
		return time.Since(start)
	}
	for i := 0; i < *warmup; i++ {
		for _, c := range cmds {
			run(c)
		}
	}
	times := make([][]time.Duration, len(cmds))
	for i := 0; i < *n; i++ {
		for j, c := range cmds {
			times[j] = append(times[j], run(c))
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
			Command:  c,
			MedianMS: ms(t[len(t)/2]),
			MeanMS:   ms(sum / time.Duration(len(t))),
			P10MS:    ms(t[len(t)/10]),
			P90MS:    ms(t[len(t)*9/10]),
		})
	}
	for j := range results {
		results[j].Ratio = results[j].MedianMS / results[0].MedianMS
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(results)
		return
	}
	for _, r := range results {
		fmt.Printf("%-50s median %7.3f ms  (p10 %.3f, p90 %.3f)  %5.2fx baseline\n", r.Command, r.MedianMS, r.P10MS, r.P90MS, r.Ratio)
	}
}
