// Command uibench does the parts of bench/ui.sh that need JSON, many git
// objects, HTTP and /proc, so that the script itself needs nothing but
// bash and Go. It runs git and maestro from PATH (the script puts the
// maestro it built first), never through a shell. Its subcommands:
//
//	uibench mkdata -dir D -session S -entries N -checkpoints M
//	    grow session S of repository D, which holds a few real entries
//	    (runs, a question and its answer) and one real checkpoint, to N
//	    log entries and M checkpoints: the log entries are copies of the
//	    real ones with new times, appended through session.Log (the API
//	    maestro writes with, rotation included); the checkpoints are
//	    copies of the real record with new ids, times and descriptions,
//	    written with one hash-object --stdin-paths and one update-ref
//	    --stdin. Times go back one second per entry from now, the
//	    checkpoints spread among them, so every page mixes both.
//	uibench serve -dir D -session S -rounds R -requests W -kv FILE
//	    R rounds of: start "maestro ui" in D, read the URL it prints, get
//	    the cookie, then time the timeline's first page (/s/S): the first
//	    request (cold: nothing cached by an earlier request) and W more
//	    (warm); then the sessions page (/: all the server reads in the
//	    background), the server's peak RSS (VmHWM), and stop it. Each
//	    round also times the floor: what the page cannot do without, "git
//	    for-each-ref" of the session's ref names, "git cat-file --batch"
//	    of its newest 50 records, and reading the log's files. Prints the
//	    medians and the goals (first page at most 100 ms, server under 64
//	    MiB) and records them in the -kv file, under -section; with -info,
//	    without goals.
//
// The -kv file is bench/measure's: key=value lines and goal=... lines that
// "measure summary" prints. Missed goals are results (exit 0); uibench
// exits 1 only when it cannot measure.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/bench/internal/kv"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/session"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "mkdata":
		err = mkdata(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uibench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: uibench mkdata|serve ... (see the source)")
	os.Exit(2)
}

// run runs name in dir with stdin in and returns its stdout.
func run(dir string, in io.Reader, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdin = dir, in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ---------------------------------------------------------------- mkdata

func mkdata(args []string) error {
	fs := flag.NewFlagSet("mkdata", flag.ExitOnError)
	dir := fs.String("dir", "", "the repository")
	id := fs.String("session", "bench", "the session")
	entries := fs.Int("entries", 10000, "log entries in all")
	checkpoints := fs.Int("checkpoints", 2000, "checkpoints in all")
	fs.Parse(args)
	if *dir == "" {
		return errors.New("mkdata: -dir is required")
	}
	stateDir, err := state.Dir(*dir, nil)
	if err != nil {
		return err
	}
	log := session.Open(stateDir, *id)
	real, err := log.Entries()
	if err != nil {
		return err
	}
	var templates []session.Entry
	for _, e := range real {
		if e.Type != session.KindStart {
			templates = append(templates, e)
		}
	}
	if len(templates) == 0 {
		return fmt.Errorf("mkdata: session %s has no entry to copy", *id)
	}
	records, err := fabricate(*dir, *id, *checkpoints-1, *entries)
	if err != nil {
		return err
	}
	// The copies go before the real entries, oldest first, as they would
	// have been written: one a second back from the first real one.
	first := real[0].Time
	n := *entries - len(real)
	// The log as maestro keeps it: written through the same API, so it
	// rotates where a real one would.
	if err := os.Rename(filepath.Join(log.Dir, "log.jsonl"), filepath.Join(log.Dir, "real.jsonl")); err != nil {
		return err
	}
	for i := range n {
		e := templates[i%len(templates)]
		e.Time = first.Add(-time.Duration(n-i) * time.Second)
		if err := log.Append(e); err != nil {
			return err
		}
	}
	for _, e := range real {
		if err := log.Append(e); err != nil {
			return err
		}
	}
	os.Remove(filepath.Join(log.Dir, "real.jsonl"))
	got, err := log.Entries()
	if err != nil {
		return err
	}
	if len(got) != *entries {
		return fmt.Errorf("mkdata: the log holds %d entries, want %d (rotation dropped some: entries too big?)", len(got), *entries)
	}
	var size int64
	for _, name := range []string{"log.1.jsonl", "log.jsonl"} {
		if info, err := os.Stat(filepath.Join(log.Dir, name)); err == nil {
			size += info.Size()
		}
	}
	// The case measured is a fresh session's: its refs loose, one file
	// each, as maestro writes them (git gc packs them later).
	loose := 0
	for _, kind := range []string{"checkpoints", "records"} {
		ds, _ := os.ReadDir(filepath.Join(*dir, ".git", "refs", "maestro", kind, *id))
		loose += len(ds)
	}
	if loose != 2*(records+1) {
		return fmt.Errorf("mkdata: %d loose refs, want %d: were they packed?", loose, 2*(records+1))
	}
	fmt.Printf("  session %s: %d log entries (%d real ones copied, %.1f MiB in log.1.jsonl and log.jsonl), %d checkpoints (%d loose refs)\n",
		*id, len(got), len(templates), float64(size)/(1<<20), records+1, loose)
	return nil
}

// fabricate adds n checkpoints to session id with plain git: copies of its
// one real record, each with its own id, time (spread over the span of
// the log's entries, one second each, back from now) and description.
func fabricate(dir, id string, n, entries int) (int, error) {
	prefix := "refs/maestro/records/" + id + "/"
	out, err := run(dir, nil, "git", "for-each-ref", "--format=%(objectname) %(refname)", prefix)
	if err != nil {
		return 0, err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 1 || lines[0] == "" {
		return 0, fmt.Errorf("fabricate: session %s has %d records, want exactly one to copy", id, len(lines))
	}
	blob, _, _ := strings.Cut(lines[0], " ")
	raw, err := run(dir, nil, "git", "cat-file", "blob", blob)
	if err != nil {
		return 0, err
	}
	var tmpl map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&tmpl); err != nil {
		return 0, fmt.Errorf("fabricate: the record is not JSON: %v", err)
	}
	commit, _ := tmpl["commit_sha"].(string)
	if commit == "" {
		return 0, errors.New("fabricate: the record has no commit_sha")
	}
	tmp, err := os.MkdirTemp("", "uibench-records-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	now := time.Now().UTC()
	step := time.Duration(entries) * time.Second / time.Duration(n+1)
	ids := make([]string, n)
	var paths bytes.Buffer
	types := []string{"safe_state", "phase_complete", "task_group_complete", "pre_risky_operation", "manual"}
	for i := range n {
		t := now.Add(-time.Duration(n-i) * step)
		ids[i] = fmt.Sprintf("cp-%s-%08x", t.Format("20060102T150405.000000000Z"), i)
		tmpl["checkpoint_id"] = ids[i]
		tmpl["timestamp"] = t.Format(time.RFC3339Nano)
		tmpl["description"] = fmt.Sprintf("step %d of the refactoring: tests pass", i+1)
		tmpl["checkpoint_type"] = types[i%len(types)]
		tmpl["phase"] = fmt.Sprintf("phase %d", i/100+1)
		data, err := json.Marshal(tmpl)
		if err != nil {
			return 0, err
		}
		p := filepath.Join(tmp, fmt.Sprintf("r%05d.json", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return 0, err
		}
		paths.WriteString(p + "\n")
	}
	out, err = run(dir, &paths, "git", "hash-object", "-w", "--stdin-paths")
	if err != nil {
		return 0, err
	}
	blobs := strings.Fields(string(out))
	if len(blobs) != n {
		return 0, fmt.Errorf("fabricate: hash-object wrote %d blobs, want %d", len(blobs), n)
	}
	var tx bytes.Buffer
	tx.WriteString("start\n")
	for i, cp := range ids {
		fmt.Fprintf(&tx, "create refs/maestro/checkpoints/%s/%s %s\n", id, cp, commit)
		fmt.Fprintf(&tx, "create refs/maestro/records/%s/%s %s\n", id, cp, blobs[i])
	}
	tx.WriteString("prepare\ncommit\n")
	if _, err := run(dir, &tx, "git", "update-ref", "--stdin"); err != nil {
		return 0, err
	}
	return n, nil
}

// ---------------------------------------------------------------- serve

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fs.String("dir", "", "the repository")
	id := fs.String("session", "bench", "the session")
	rounds := fs.Int("rounds", 5, "server starts")
	requests := fs.Int("requests", 20, "warm requests per start")
	kvPath := fs.String("kv", "", "key=value `file`")
	goalMS := fs.Float64("goal-ms", 100, "goal: the first page in at most this")
	goalMiB := fs.Float64("goal-mib", 64, "goal: the server's peak RSS under this")
	section := fs.String("section", "ui", "`name` of the figures in the summary and the -kv file")
	info := fs.Bool("info", false, "informational: the figures, without goals")
	fs.Parse(args)
	if *dir == "" {
		return errors.New("serve: -dir is required")
	}
	stateDir, err := state.Dir(*dir, nil)
	if err != nil {
		return err
	}
	logDir := session.Open(stateDir, *id).Dir
	settle(filepath.Join(logDir, "log.jsonl"), filepath.Join(*dir, ".git", "refs", "maestro", "records", *id))
	var floor, coldTTFB, cold, warmTTFB, warm []time.Duration
	var peak int64
	var pageBytes, items int
	for r := range *rounds {
		// The floor first, in turns with the server's rounds.
		d, err := floorOnce(*dir, *id, logDir)
		if err != nil {
			return err
		}
		floor = append(floor, d)
		res, err := serverRound(*dir, "/s/"+*id, *requests)
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
		coldTTFB, cold = append(coldTTFB, res.ttfb[0]), append(cold, res.total[0])
		warmTTFB, warm = append(warmTTFB, res.ttfb[1:]...), append(warm, res.total[1:]...)
		peak = max(peak, res.hwm)
		pageBytes, items = res.bytes, res.items
	}
	fmt.Printf("  the page: %d bytes, %d timeline items\n\n", pageBytes, items)
	fmt.Printf("  %-52s %5s %10s %10s %10s %8s\n", "", "runs", "median ms", "min ms", "max ms", "/ floor")
	fm := median(floor)
	line := func(what string, d []time.Duration) {
		fmt.Printf("  %-52s %5d %10.2f %10.2f %10.2f %7.2fx\n", what, len(d), ms(median(d)), ms(slices.Min(d)), ms(slices.Max(d)), ms(median(d))/ms(fm))
	}
	line("floor: ref names + newest 50 records + the log", floor)
	line("first page, cold (first request): first byte", coldTTFB)
	line("first page, cold (first request): whole body", cold)
	line("first page, warm: first byte", warmTTFB)
	line("first page, warm: whole body", warm)
	fmt.Printf("\n  server peak RSS (VmHWM) after the requests, largest of %d starts: %.1f MiB\n", *rounds, float64(peak)/1024)
	c, w, mib := ms(median(cold)), ms(median(warm)), float64(peak)/1024
	goal := func(what, measured, target string, met bool) string {
		if *info {
			return kv.Goal(*section, what, measured, "none (info)", "-")
		}
		return kv.Goal(*section, what, measured, target, kv.YesNo(met))
	}
	return kv.Append(*kvPath,
		*section+".floor.median_ms="+strconv.FormatFloat(ms(fm), 'f', 3, 64),
		*section+".cold.median_ms="+strconv.FormatFloat(c, 'f', 3, 64),
		*section+".warm.median_ms="+strconv.FormatFloat(w, 'f', 3, 64),
		*section+".peak_rss_mib="+strconv.FormatFloat(mib, 'f', 1, 64),
		goal("timeline's first page, cold (median of first requests)", fmt.Sprintf("%.1f ms", c), fmt.Sprintf("<= %.0f ms", *goalMS), c <= *goalMS),
		goal("timeline's first page, warm (median)", fmt.Sprintf("%.1f ms", w), fmt.Sprintf("<= %.0f ms", *goalMS), w <= *goalMS),
		goal("maestro-ui peak RSS (VmHWM)", fmt.Sprintf("%.1f MiB", mib), fmt.Sprintf("< %.0f MiB", *goalMiB), mib < *goalMiB),
		kv.Goal(*section, "cold first page / floor (medians)", fmt.Sprintf("%.2fx", c/ms(fm)), "none (info)", "-"),
		kv.Goal(*section, "warm first page / floor (medians)", fmt.Sprintf("%.2fx", w/ms(fm)), "none (info)", "-"),
	)
}

// settle waits until the newest of paths is more than a second old: the
// server trusts no change signal younger than that (a file's time has a
// coarse grain) and would read the data again on every request, which is
// not what a page of a session that stopped changing costs.
func settle(paths ...string) {
	var newest time.Time
	for _, p := range paths {
		if info, err := os.Stat(p); err == nil && info.ModTime().After(newest) {
			newest = info.ModTime()
		}
	}
	if wait := time.Until(newest.Add(1100 * time.Millisecond)); wait > 0 {
		time.Sleep(wait)
	}
}

// floorOnce reads what the timeline's first page cannot do without: the
// names of the session's refs (one for-each-ref, names and object names
// only, as checkpoint.Store.LoadNewest), its newest 50 records (one
// cat-file --batch: ids sort by time) and the log's files (their lines
// are counted for the number of pages).
func floorOnce(dir, id, logDir string) (time.Duration, error) {
	start := time.Now()
	out, err := run(dir, nil, "git", "for-each-ref", "--format=%(objectname) %(refname)",
		"refs/maestro/checkpoints/"+id+"/", "refs/maestro/records/"+id+"/", "refs/maestro/events/"+id+"/")
	if err != nil {
		return 0, err
	}
	var records []string // "refname oid", by name
	prefix := " refs/maestro/records/" + id + "/"
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, prefix) {
			oid, name, _ := strings.Cut(strings.TrimSpace(line), " ")
			records = append(records, name+" "+oid)
		}
	}
	slices.Sort(records)
	var oids bytes.Buffer
	for _, r := range records[max(len(records)-50, 0):] {
		_, oid, _ := strings.Cut(r, " ")
		oids.WriteString(oid + "\n")
	}
	if _, err := run(dir, &oids, "git", "cat-file", "--batch"); err != nil {
		return 0, err
	}
	for _, name := range []string{"log.1.jsonl", "log.jsonl"} {
		if _, err := os.ReadFile(filepath.Join(logDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
	}
	return time.Since(start), nil
}

type roundResult struct {
	ttfb, total []time.Duration // the first request, then the warm ones
	hwm         int64           // KiB
	bytes       int
	items       int
}

var itemRE = regexp.MustCompile(`<li[^>]*data-kind=`)

// serverRound starts "maestro ui" in dir and times 1+warm requests of path.
func serverRound(dir, path string, warm int) (*roundResult, error) {
	cmd := exec.Command("maestro", "ui")
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	urlc := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		urlc <- strings.TrimSpace(s)
		io.Copy(io.Discard, stdout)
	}()
	var url string
	select {
	case url = <-urlc:
	case <-time.After(20 * time.Second):
		return nil, fmt.Errorf("maestro ui printed no URL in 20 s: %s", stderr.String())
	}
	base, _, ok := strings.Cut(url, "/?")
	if !ok || !strings.HasPrefix(base, "http://") {
		return nil, fmt.Errorf("maestro ui printed %q, not its URL: %s", url, stderr.String())
	}
	jar, _ := cookiejar.New(nil)
	// The first visit trades the token for the cookie, answered with a
	// redirect to the sessions page: not followed, since that page reads
	// the same data as the timeline and the first timeline request would
	// no longer be cold.
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 3 || len(jar.Cookies(resp.Request.URL)) == 0 {
		return nil, fmt.Errorf("GET %s: %s, with no cookie: not the token's redirect", url, resp.Status)
	}
	res := &roundResult{}
	for i := range 1 + warm {
		start := time.Now()
		resp, err := client.Get(base + path)
		if err != nil {
			return nil, err
		}
		ttfb := time.Since(start) // the headers, after the first byte
		body, err := io.ReadAll(resp.Body)
		total := time.Since(start)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s: %.200s", path, resp.Status, body)
		}
		res.ttfb, res.total = append(res.ttfb, ttfb), append(res.total, total)
		if i == 0 {
			res.bytes, res.items = len(body), len(itemRE.FindAll(body, -1))
		}
	}
	// The sessions page last, before the memory is read: it needs all the
	// server reads in the background as it starts (every record, every
	// log entry summed up), so the peak counts that too.
	resp, err = client.Get(base + "/")
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /: %s", resp.Status)
	}
	pid, err := serverPID(cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	if res.hwm, err = vmHWM(pid); err != nil {
		return nil, err
	}
	return res, nil
}

// serverPID is the process that serves: maestro ui execs maestro-ui in
// its own process, but were it to start it as a child, the child.
func serverPID(pid int) (int, error) {
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && strings.HasPrefix(filepath.Base(exe), "maestro-ui") {
		return pid, nil
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0, err
	}
	for _, f := range strings.Fields(string(data)) {
		child, _ := strconv.Atoi(f)
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", child)); err == nil && strings.HasPrefix(filepath.Base(exe), "maestro-ui") {
			return child, nil
		}
	}
	return 0, fmt.Errorf("no maestro-ui process: neither %d nor its children", pid)
}

// vmHWM is the peak resident set of process pid, in KiB.
func vmHWM(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmHWM", pid)
}
