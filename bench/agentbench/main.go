// Command agentbench does the parts of bench/agent.sh that need JSON,
// timestamps or a changing working tree, so that the script itself needs
// nothing but bash, Go and git. It runs git and maestro without a shell.
// Its subcommands:
//
//	agentbench payload -in FIXTURE -out FILE [-set PATH=VALUE]... [-put PATH=VALUE]...
//	    copy an agent's event payload, replacing the fields named by -set
//	    (a dotted PATH such as cwd or tool_input.command; VALUE is a JSON
//	    value, or a string when it is not one) when the fixture has them,
//	    so the payload keeps the shape the agent documents; -put sets the
//	    field whether or not it is there (another tool's call, say).
//	agentbench once -dir D -in FILE -- CMD...
//	    run CMD once in D with FILE on stdin; fail when it exits non-zero
//	    or writes to stderr; print its stdout. The script's check that a
//	    hook does its work (not fail fast) before it is timed.
//	agentbench count -dir D -prefix REFS
//	    print how many refs there are under REFS.
//	agentbench stop -dir D -in FILE -session S -rounds N -kv FILE -- CMD...
//	    the end-of-turn benchmark: each round appends a line to one tracked
//	    file (a different one each round), then times "git stash create" and
//	    CMD (maestro's Stop hook, FILE on stdin) on that same tree, in turns
//	    (which goes first alternates); print median, min and max of each
//	    and the ratio of medians, and check that CMD made one checkpoint
//	    under refs/maestro/checkpoints/S/ a round.
//
// The -kv file is bench/measure's: key=value lines and goal=... lines that
// "measure summary" prints. Missed goals are results (exit 0); agentbench
// exits 1 only when it cannot measure.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/bench/internal/kv"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch args := os.Args[2:]; os.Args[1] {
	case "payload":
		err = payload(args)
	case "once":
		err = once(args)
	case "count":
		err = count(args)
	case "stop":
		err = stop(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: agentbench payload|once|count|stop ... (see the source)")
	os.Exit(2)
}

// ---------------------------------------------------------------- payload

type sets []string

func (s *sets) String() string     { return strings.Join(*s, ",") }
func (s *sets) Set(v string) error { *s = append(*s, v); return nil }

func payload(args []string) error {
	fs := flag.NewFlagSet("payload", flag.ExitOnError)
	in := fs.String("in", "", "the fixture")
	out := fs.String("out", "", "the payload to write")
	var set, put sets
	fs.Var(&set, "set", "PATH=VALUE: replace a field the fixture has (repeatable)")
	fs.Var(&put, "put", "PATH=VALUE: set a field, adding it when missing (repeatable)")
	fs.Parse(args)
	if *in == "" || *out == "" {
		return fmt.Errorf("payload: -in and -out are required")
	}
	raw, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("payload: %s is not a JSON object: %v", *in, err)
	}
	all := append(append([]string{}, set...), put...)
	for i, s := range all {
		add := i >= len(set)
		path, value, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("payload: %q: want PATH=VALUE", s)
		}
		var v any = value
		d := json.NewDecoder(strings.NewReader(value))
		d.UseNumber()
		var j any
		if d.Decode(&j) == nil && !d.More() {
			v = j
		}
		keys := strings.Split(path, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok && add {
				next = map[string]any{}
				m[k] = next
			} else if !ok {
				m = nil
				break
			}
			m = next
		}
		if m == nil {
			continue
		}
		if _, ok := m[keys[len(keys)-1]]; ok || add {
			m[keys[len(keys)-1]] = v
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, append(data, '\n'), 0o644)
}

// ---------------------------------------------------------------- running

func run(dir string, in io.Reader, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = in
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s %s (in %s): %v: %s", filepath.Base(name), strings.Join(args, " "), dir, err, strings.TrimSpace(errb.String()))
	}
	if errb.Len() > 0 {
		return out.Bytes(), fmt.Errorf("%s %s (in %s) wrote on stderr: %s", filepath.Base(name), strings.Join(args, " "), dir, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// timed runs a program with stdout to /dev/null and returns its wall
// time. Anything on stderr is an error: a hook that failed fast would
// otherwise look fast.
func timed(dir, input string, argv []string) (time.Duration, []byte, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	if input != "" {
		// An *os.File: the child reads it directly.
		f, err := os.Open(input)
		if err != nil {
			return 0, nil, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil || errb.Len() > 0 {
		return d, nil, fmt.Errorf("%s (in %s): %v: %s", strings.Join(argv, " "), dir, err, strings.TrimSpace(errb.String()))
	}
	return d, out.Bytes(), nil
}

func once(args []string) error {
	fs := flag.NewFlagSet("once", flag.ExitOnError)
	dir := fs.String("dir", ".", "run in this folder")
	in := fs.String("in", "", "stdin `file`")
	fs.Parse(args)
	if fs.NArg() == 0 || *in == "" {
		return fmt.Errorf("once: -in FILE and a command are required")
	}
	_, out, err := timed(*dir, *in, fs.Args())
	os.Stdout.Write(out)
	return err
}

func countRefs(dir, prefix string) (int, error) {
	out, err := run(dir, nil, "git", "for-each-ref", "--format=%(refname)", prefix)
	if err != nil {
		return 0, err
	}
	return bytes.Count(out, []byte("\n")), nil
}

func count(args []string) error {
	fs := flag.NewFlagSet("count", flag.ExitOnError)
	dir := fs.String("dir", ".", "the repository")
	prefix := fs.String("prefix", "refs/maestro/checkpoints/", "refs under this")
	fs.Parse(args)
	n, err := countRefs(*dir, *prefix)
	if err == nil {
		fmt.Println(n)
	}
	return err
}

// ---------------------------------------------------------------- stop

type stats struct{ median, min, max time.Duration }

func statsOf(t []time.Duration) stats {
	s := slices.Clone(t)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stats{m, s[0], s[len(s)-1]}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func stop(args []string) error {
	fs := flag.NewFlagSet("stop", flag.ExitOnError)
	dir := fs.String("dir", "", "the repository")
	in := fs.String("in", "", "the Stop payload")
	session := fs.String("session", "", "the maestro session the hook checkpoints into")
	rounds := fs.Int("rounds", 15, "timed rounds")
	warmup := fs.Int("warmup", 2, "untimed rounds first")
	g := fs.Float64("goal", 1.5, "goal: hook / git stash create at most this")
	label := fs.String("label", "", "what the repository is, for the output")
	key := fs.String("key", "stop", "key prefix for -kv")
	kvPath := fs.String("kv", "", "key=value `file`")
	fs.Parse(args)
	if *dir == "" || *in == "" || *session == "" || fs.NArg() == 0 || *rounds < 1 {
		return fmt.Errorf("stop: -dir, -in, -session, -rounds >= 1 and a command are required")
	}
	hook := fs.Args()
	out, err := run(*dir, nil, "git", "ls-files")
	if err != nil {
		return err
	}
	files := strings.Split(strings.TrimSpace(string(out)), "\n")
	prefix := "refs/maestro/checkpoints/" + *session + "/"
	before, err := countRefs(*dir, prefix)
	if err != nil {
		return err
	}
	stash := []string{"git", "stash", "create"}
	var times [2][]time.Duration // 0: git stash create, 1: the hook
	for i := 0; i < *warmup+*rounds; i++ {
		// A turn changed a file: append to one, a different one each round
		// (a prime stride spreads them over the folders), before any clock.
		name := files[(i*7919)%len(files)]
		f, err := os.OpenFile(filepath.Join(*dir, name), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(f, "turn %d\n", i)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		var d [2]time.Duration
		for k := range 2 {
			which := (k + i) % 2 // the hook first in odd rounds
			if which == 0 {
				var sha []byte
				d[0], sha, err = timed(*dir, "", stash)
				if err == nil && len(bytes.TrimSpace(sha)) != 40 && len(bytes.TrimSpace(sha)) != 64 {
					err = fmt.Errorf("git stash create printed %q, not a commit: the tree was not changed", sha)
				}
			} else {
				d[1], _, err = timed(*dir, *in, hook)
			}
			if err != nil {
				return err
			}
		}
		if i >= *warmup {
			times[0], times[1] = append(times[0], d[0]), append(times[1], d[1])
		}
	}
	after, err := countRefs(*dir, prefix)
	if err != nil {
		return err
	}
	s := [2]stats{statsOf(times[0]), statsOf(times[1])}
	w := max(34, len(*label)+2)
	fmt.Printf("  %-*s %6s  %9s  %7s  %7s\n", w, *label, "rounds", "median ms", "min ms", "max ms")
	for r, name := range []string{"git stash create", "maestro agent hook ... Stop"} {
		fmt.Printf("    %-*s %6d  %9.2f  %7.2f  %7.2f\n", w-2, name, len(times[r]), ms(s[r].median), ms(s[r].min), ms(s[r].max))
	}
	q := ms(s[1].median) / ms(s[0].median)
	met := kv.YesNo(q <= *g)
	fmt.Printf("    %-*s %24.2fx  (+ %.2f ms a turn)   goal <= %.2fx: %s\n", w-2, "hook / stash create (medians)", q, ms(s[1].median-s[0].median), *g, met)
	want := *warmup + *rounds
	k := *key + "."
	lines := []string{
		fmt.Sprintf("%sstash.median_ms=%.6f", k, ms(s[0].median)),
		fmt.Sprintf("%shook.median_ms=%.6f", k, ms(s[1].median)),
		fmt.Sprintf("%sratio=%.6f", k, q),
		kv.Goal("stop", *label+": Stop hook / git stash create", fmt.Sprintf("%.2fx", q), fmt.Sprintf("<= %.2fx", *g), met),
	}
	made := after - before
	if made == want {
		fmt.Printf("    the hook made %d checkpoints, one a round: as expected\n", made)
	} else {
		fmt.Printf("    CHECK FAILED: the hook made %d checkpoints in %d rounds\n", made, want)
	}
	lines = append(lines, kv.Goal("stop", "a checkpoint for each of "+strconv.Itoa(want)+" Stop events", strconv.Itoa(made), "(check)", kv.YesNo(made == want)))
	return kv.Append(*kvPath, lines...)
}
