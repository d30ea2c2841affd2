// Command ckbench does the parts of bench/checkpoints.sh that need
// timestamps, JSON, many files or many git objects, so that the script
// itself needs nothing but bash and Go. It runs git and maestro from PATH
// (the script puts the maestro it built first), never through a shell. Its
// subcommands:
//
//	ckbench mkrepo -dir D -dirs N -per M
//	    a new repository (branch main) of N folders of M small files each,
//	    committed ("A") and packed.
//	ckbench mkchange -dir D -modify N -delete N -add N
//	    change a fixed subset of the files and commit it ("B").
//	ckbench commits -plain D1 -hooked D2 -n 100 -label L -key K -kv FILE
//	    commit alternately in D1 (no hook) and D2 (maestro's hook), one
//	    changed file each, timing "git commit -q -am MSG"; print total and
//	    median of each and the ratio, and check that D2 gained n checkpoints.
//	ckbench cpseries -dir D -session S -n N -first F -from K -ids FILE -key K -kv FILE
//	    run "maestro checkpoint" n times (numbered from F), print each time
//	    and the median of those numbered K and above; append the ids to FILE.
//	ckbench fabricate -dir D -session S -n N -tmp DIR
//	    add N checkpoints to session S with plain git: records copied from
//	    the session's newest real one, with new ids that sort after it.
//	ckbench listcheck -dir D -session S -want N -newest FILE -kv FILE
//	    check that "maestro list --json" returns N records, newest first,
//	    the ids of FILE on top.
//	ckbench ratio -kv FILE -num KEY -den KEY -goal G -section S -what TEXT
//	    print and record the ratio of two figures of the -kv file.
//	ckbench rollback -dir D -a SHA -b SHA -cp ID -session S -rounds N -kv FILE
//	    time "git reset --hard" between B and A against "maestro rollback"
//	    (B -> A) and "maestro undo" (A -> B), interleaved, checking HEAD,
//	    the branch and "git status --porcelain" after every step.
//
// The -kv file is bench/measure's: key=value lines and goal=... lines that
// "measure summary" prints. Missed goals are results (exit 0); ckbench
// exits 1 only when it cannot measure.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
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
	case "mkrepo":
		err = mkrepo(args)
	case "mkchange":
		err = mkchange(args)
	case "commits":
		err = commits(args)
	case "cpseries":
		err = cpseries(args)
	case "fabricate":
		err = fabricate(args)
	case "listcheck":
		err = listcheck(args)
	case "ratio":
		err = ratio(args)
	case "rollback":
		err = rollback(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ckbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: ckbench mkrepo|mkchange|commits|cpseries|fabricate|listcheck|ratio|rollback ... (see the source)")
	os.Exit(2)
}

// ---------------------------------------------------------------- helpers

var devnull *os.File

func init() {
	var err error
	if devnull, err = os.OpenFile(os.DevNull, os.O_RDWR, 0); err != nil {
		panic(err)
	}
}

// run runs a program in dir with stdin from /dev/null (or in), and returns
// its stdout; a failure carries its stderr.
func run(dir string, in io.Reader, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = devnull
	if in != nil {
		cmd.Stdin = in
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s %s (in %s): %v: %s", name, strings.Join(args, " "), dir, err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

func git(dir string, args ...string) (string, error) {
	out, err := run(dir, nil, "git", args...)
	return strings.TrimSpace(string(out)), err
}

// timed runs a program with stdout to /dev/null and returns its wall time.
// Anything it writes to stderr is an error: the hook's shim says there
// when it made no checkpoint, and a commit still succeeds.
func timed(dir, name string, args ...string) (time.Duration, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout = devnull, devnull
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil || errb.Len() > 0 {
		return d, fmt.Errorf("%s %s (in %s): %v: %s", name, strings.Join(args, " "), dir, err, strings.TrimSpace(errb.String()))
	}
	return d, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// stats of durations: median (mean of the two middle ones for an even
// count), p10, p90, min, max and total.
type stats struct {
	median, p10, p90, min, max, total time.Duration
	n                                 int
}

func statsOf(t []time.Duration) stats {
	s := slices.Clone(t)
	slices.Sort(s)
	var st stats
	st.n = len(s)
	if len(s) == 0 {
		return st
	}
	for _, d := range s {
		st.total += d
	}
	if len(s)%2 == 1 {
		st.median = s[len(s)/2]
	} else {
		st.median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	st.p10, st.p90 = s[len(s)/10], s[len(s)*9/10]
	st.min, st.max = s[0], s[len(s)-1]
	return st
}

// thousands writes n with commas: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// records is what "maestro list --json" prints, as far as ckbench reads it.
type listed struct {
	CheckpointID string `json:"checkpoint_id"`
	SessionID    string `json:"session_id"`
	Source       string `json:"source"`
}

func list(dir, session string) ([]listed, error) {
	out, err := run(dir, nil, "maestro", "list", "--json", "--session-id", session)
	if err != nil {
		return nil, err
	}
	var recs []listed
	if err := json.Unmarshal(out, &recs); err != nil {
		return nil, fmt.Errorf("maestro list --json: %v", err)
	}
	return recs, nil
}

// ---------------------------------------------------------------- repositories

func fileName(d, f int) string { return fmt.Sprintf("d%03d/f%04d.txt", d, f) }

func content(name string, version int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s, version %d\n", name, version)
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&b, "line %d of %s: some text so that the file is not tiny\n", i+2, name)
	}
	return b.Bytes()
}

func mkrepo(args []string) error {
	fs := flag.NewFlagSet("mkrepo", flag.ExitOnError)
	dir := fs.String("dir", "", "the new repository")
	dirs := fs.Int("dirs", 100, "folders")
	per := fs.Int("per", 200, "files per folder")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("mkrepo: -dir is required")
	}
	if _, err := git(".", "init", "-q", "-b", "main", *dir); err != nil {
		return err
	}
	for d := 0; d < *dirs; d++ {
		if err := os.MkdirAll(filepath.Join(*dir, fmt.Sprintf("d%03d", d)), 0o755); err != nil {
			return err
		}
		for f := 0; f < *per; f++ {
			name := fileName(d, f)
			if err := os.WriteFile(filepath.Join(*dir, name), content(name, 0), 0o644); err != nil {
				return err
			}
		}
	}
	for _, a := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", "A"}, {"repack", "-adq"}, {"prune-packed"}} {
		if _, err := git(*dir, a...); err != nil {
			return err
		}
	}
	return nil
}

// mkchange modifies, deletes and adds files spread over every folder, the
// same ones in every run, and commits ("B").
func mkchange(args []string) error {
	fs := flag.NewFlagSet("mkchange", flag.ExitOnError)
	dir := fs.String("dir", "", "the repository")
	modify := fs.Int("modify", 2000, "files modified")
	del := fs.Int("delete", 500, "files deleted")
	add := fs.Int("add", 500, "files added")
	fs.Parse(args)
	out, err := git(*dir, "ls-files")
	if err != nil {
		return err
	}
	files := strings.Split(out, "\n")
	if *modify+*del > len(files) {
		return fmt.Errorf("mkchange: %d files, cannot change %d", len(files), *modify+*del)
	}
	// Spread evenly: every step-th file, modified first, then deleted.
	step := len(files) / (*modify + *del)
	for i := 0; i < *modify+*del; i++ {
		name := files[i*step]
		p := filepath.Join(*dir, name)
		if i < *modify {
			err = os.WriteFile(p, content(name, 1), 0o644)
		} else {
			err = os.Remove(p)
		}
		if err != nil {
			return err
		}
	}
	dirs, err := filepath.Glob(filepath.Join(*dir, "d[0-9][0-9][0-9]"))
	if err != nil || len(dirs) == 0 {
		return fmt.Errorf("mkchange: no folders d000... in %s", *dir)
	}
	for i := 0; i < *add; i++ {
		name := filepath.Join(filepath.Base(dirs[i%len(dirs)]), fmt.Sprintf("new%04d.txt", i))
		if err := os.WriteFile(filepath.Join(*dir, name), content(name, 0), 0o644); err != nil {
			return err
		}
	}
	for _, a := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", "B"}} {
		if _, err := git(*dir, a...); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------- commits

func commits(args []string) error {
	fs := flag.NewFlagSet("commits", flag.ExitOnError)
	plain := fs.String("plain", "", "repository without the hook")
	hooked := fs.String("hooked", "", "the same repository with maestro's hook")
	n := fs.Int("n", 100, "timed commits in each")
	warmup := fs.Int("warmup", 2, "untimed commits in each first")
	label := fs.String("label", "", "what the repositories are, for the output")
	key := fs.String("key", "hook", "key prefix for -kv")
	kvPath := fs.String("kv", "", "key=value `file`")
	goalRatio := fs.Float64("goal", 1.5, "goal: hook / no hook at most this")
	session := fs.String("session", "default", "the session the hook writes to")
	// -baseline: both repositories have a hook, -plain's being a previous
	// build's; both must gain a checkpoint per commit.
	baseline := fs.Bool("baseline", false, "-plain has a previous build's hook, not none")
	// -floor: -hooked's hook only starts a program that does nothing: what
	// any hook costs here, the least maestro's could.
	floor := fs.Bool("floor", false, "-hooked's hook does nothing: no checkpoints, no goal")
	fs.Parse(args)
	if *plain == "" || *hooked == "" {
		return fmt.Errorf("commits: -plain and -hooked are required")
	}
	repos := []string{*plain, *hooked}
	files := make([][]string, 2)
	for i, d := range repos {
		out, err := git(d, "ls-files")
		if err != nil {
			return err
		}
		files[i] = strings.Split(out, "\n")
	}
	// Each commit appends a line to one file, a different one each time
	// (the same sequence in both), written before the clock starts.
	commit := func(r, i int) (time.Duration, error) {
		fl := files[r]
		name := fl[(i*7919)%len(fl)]
		f, err := os.OpenFile(filepath.Join(repos[r], name), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return 0, err
		}
		_, err = fmt.Fprintf(f, "commit %d\n", i)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
		return timed(repos[r], "git", "commit", "-q", "-am", fmt.Sprintf("commit %d", i))
	}
	for i := 0; i < *warmup; i++ {
		for r := range repos {
			if _, err := commit(r, *n+i); err != nil {
				return err
			}
		}
	}
	before := make([]int, 2)
	for r, d := range repos {
		recs, err := list(d, *session)
		if err != nil {
			return err
		}
		before[r] = len(recs)
	}
	times := make([][]time.Duration, 2)
	for i := 0; i < *n; i++ {
		for r := range repos {
			d, err := commit(r, i)
			if err != nil {
				return err
			}
			times[r] = append(times[r], d)
		}
	}
	gained := make([]int, 2)
	for r, d := range repos {
		recs, err := list(d, *session)
		if err != nil {
			return err
		}
		gained[r] = len(recs) - before[r]
	}
	s := []stats{statsOf(times[0]), statsOf(times[1])}
	w := max(32, len(*label)+2)
	fmt.Printf("  %-*s %7s  %8s  %9s  %7s  %7s  %11s\n", w, *label, "commits", "total s", "median ms", "p10 ms", "p90 ms", "checkpoints")
	names, ratioName := []string{"without hook", "with maestro's hook"}, "hook / no hook (medians)"
	if *baseline {
		names, ratioName = []string{"with the baseline's hook", "with this build's hook"}, "this build / baseline (medians)"
	}
	if *floor {
		names, ratioName = []string{"without hook", "with a hook that runs true"}, "do-nothing hook / no hook (medians)"
	}
	for r, name := range names {
		fmt.Printf("    %-*s %7d  %8.3f  %9.2f  %7.2f  %7.2f  %11s\n", w-2, name, s[r].n, s[r].total.Seconds(), ms(s[r].median), ms(s[r].p10), ms(s[r].p90), "+"+strconv.Itoa(gained[r]))
	}
	q := ms(s[1].median) / ms(s[0].median)
	qt := s[1].total.Seconds() / s[0].total.Seconds()
	k := *key + "."
	values := []string{
		fmt.Sprintf("%splain.median_ms=%.6f", k, ms(s[0].median)),
		fmt.Sprintf("%shooked.median_ms=%.6f", k, ms(s[1].median)),
		fmt.Sprintf("%splain.total_s=%.6f", k, s[0].total.Seconds()),
		fmt.Sprintf("%shooked.total_s=%.6f", k, s[1].total.Seconds()),
		fmt.Sprintf("%sratio=%.6f", k, q),
	}
	if *floor {
		fmt.Printf("    %-*s %37.2fx  (totals %.2fx; + %.2f ms a commit)   no goal\n",
			w-2, ratioName, q, qt, ms(s[1].median-s[0].median))
		return kv.Append(*kvPath, append(values,
			kv.Goal("hook", *label+": commit with a do-nothing hook / without (any hook's floor)", fmt.Sprintf("%.2fx", q), "none (info)", "-"))...)
	}
	fmt.Printf("    %-*s %37.2fx  (totals %.2fx; + %.2f ms a commit)   goal <= %.2fx: %s\n",
		w-2, ratioName, q, qt, ms(s[1].median-s[0].median), *goalRatio, kv.YesNo(q <= *goalRatio))
	wantPlain := 0
	if *baseline {
		wantPlain = *n
	}
	okCount := gained[1] == *n && gained[0] == wantPlain
	if okCount {
		fmt.Printf("    the repositories gained %d and %d checkpoints (maestro list --json): as expected\n", gained[1], gained[0])
	} else {
		fmt.Printf("    CHECK FAILED: the repositories gained %d checkpoints (expected %d) and %d (expected %d)\n", gained[1], *n, gained[0], wantPlain)
	}
	what := *label + ": commit with hook / without"
	if *baseline {
		what = *label + ": commit with this build's hook / the baseline's"
	}
	return kv.Append(*kvPath, append(values,
		fmt.Sprintf("%scheckpoints=%d", k, gained[1]),
		kv.Goal("hook", what, fmt.Sprintf("%.2fx", q), fmt.Sprintf("<= %.2fx", *goalRatio), kv.YesNo(q <= *goalRatio)),
		kv.Goal("hook", *label+": new checkpoints after "+strconv.Itoa(*n)+" commits", strconv.Itoa(gained[1]), "= "+strconv.Itoa(*n)+" (check)", kv.YesNo(okCount)))...)
}

// ---------------------------------------------------------------- scale

func cpseries(args []string) error {
	fs := flag.NewFlagSet("cpseries", flag.ExitOnError)
	dir := fs.String("dir", "", "the repository")
	session := fs.String("session", "scale", "the session")
	n := fs.Int("n", 10, "checkpoints to make")
	first := fs.Int("first", 1, "number of the first one")
	from := fs.Int("from", 1, "the median is over those numbered this and above")
	idsPath := fs.String("ids", "", "append the ids to this `file`")
	key := fs.String("key", "", "-kv key prefix")
	kvPath := fs.String("kv", "", "key=value `file`")
	fs.Parse(args)
	var ids []string
	var sel []time.Duration
	var line []string
	for i := 0; i < *n; i++ {
		num := *first + i
		cmd := exec.Command("maestro", "checkpoint", "--session-id", *session, "-d", "checkpoint #"+strconv.Itoa(num))
		cmd.Dir, cmd.Stdin = *dir, devnull
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			return fmt.Errorf("maestro checkpoint #%d: %v: %s", num, err, strings.TrimSpace(errb.String()))
		}
		id := strings.TrimSpace(out.String())
		if !strings.HasPrefix(id, "cp-") {
			return fmt.Errorf("maestro checkpoint #%d printed %q, not an id", num, id)
		}
		ids = append(ids, id)
		if num >= *from {
			sel = append(sel, d)
		}
		line = append(line, fmt.Sprintf("#%s %.1f", thousands(num), ms(d)))
	}
	st := statsOf(sel)
	fmt.Printf("    %s ms\n", strings.Join(line, ", "))
	if *idsPath != "" {
		if err := kv.Append(*idsPath, ids...); err != nil {
			return err
		}
	}
	return kv.Append(*kvPath, fmt.Sprintf("%s.median_ms=%.6f", *key, ms(st.median)))
}

// fabricate adds n checkpoints of session with plain git: each record is
// the session's newest real record with a new checkpoint_id, timestamp and
// description, written with one hash-object --stdin-paths, and every
// checkpoint ref (HEAD's commit, as for a clean tree) and record ref is
// created in one update-ref --stdin transaction. Their ids are later than
// every id already there and earlier than any made after.
func fabricate(args []string) error {
	fs := flag.NewFlagSet("fabricate", flag.ExitOnError)
	dir := fs.String("dir", "", "the repository")
	session := fs.String("session", "scale", "the session")
	n := fs.Int("n", 9985, "checkpoints to add")
	tmp := fs.String("tmp", "", "a folder for the record files")
	fs.Parse(args)
	if *dir == "" || *tmp == "" {
		return fmt.Errorf("fabricate: -dir and -tmp are required")
	}
	prefix := "refs/maestro/records/" + *session + "/"
	out, err := git(*dir, "for-each-ref", "--sort=-refname", "--count=1", "--format=%(objectname) %(refname)", prefix)
	if err != nil {
		return err
	}
	blob, ref, ok := strings.Cut(out, " ")
	if !ok {
		return fmt.Errorf("fabricate: session %s has no record to copy", *session)
	}
	last := strings.TrimPrefix(ref, prefix)
	raw, err := run(*dir, nil, "git", "cat-file", "blob", blob)
	if err != nil {
		return err
	}
	var tmpl map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&tmpl); err != nil {
		return fmt.Errorf("fabricate: the record %s is not JSON: %v", ref, err)
	}
	for _, k := range []string{"version", "checkpoint_id", "session_id", "timestamp", "commit_sha", "head_sha", "source"} {
		if _, ok := tmpl[k]; !ok {
			return fmt.Errorf("fabricate: the record %s has no %q", ref, k)
		}
	}
	commit, _ := tmpl["commit_sha"].(string)
	if err := os.MkdirAll(*tmp, 0o755); err != nil {
		return err
	}
	base := time.Now().UTC()
	ids := make([]string, *n)
	var paths bytes.Buffer
	for i := range *n {
		t := base.Add(time.Duration(i) * time.Microsecond)
		var rnd [4]byte
		rand.Read(rnd[:])
		ids[i] = "cp-" + t.Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(rnd[:])
		tmpl["checkpoint_id"] = ids[i]
		tmpl["session_id"] = *session
		tmpl["timestamp"] = t.Format(time.RFC3339Nano)
		tmpl["description"] = "fabricated #" + strconv.Itoa(i+1)
		data, err := json.Marshal(tmpl)
		if err != nil {
			return err
		}
		p := filepath.Join(*tmp, fmt.Sprintf("r%05d.json", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		paths.WriteString(p + "\n")
	}
	if ids[0] <= last {
		return fmt.Errorf("fabricate: the first new id %s does not sort after %s", ids[0], last)
	}
	out2, err := run(*dir, &paths, "git", "hash-object", "-w", "--stdin-paths")
	if err != nil {
		return err
	}
	blobs := strings.Fields(string(out2))
	if len(blobs) != *n {
		return fmt.Errorf("fabricate: hash-object wrote %d blobs, expected %d", len(blobs), *n)
	}
	var tx bytes.Buffer
	tx.WriteString("start\n")
	for i, id := range ids {
		fmt.Fprintf(&tx, "create refs/maestro/checkpoints/%s/%s %s\n", *session, id, commit)
		fmt.Fprintf(&tx, "create refs/maestro/records/%s/%s %s\n", *session, id, blobs[i])
	}
	tx.WriteString("prepare\ncommit\n")
	if _, err := run(*dir, &tx, "git", "update-ref", "--stdin"); err != nil {
		return err
	}
	// Any checkpoint made from now on must sort after these.
	for time.Now().UTC().Format("20060102T150405.000000000Z") <= ids[len(ids)-1][3:29] {
		time.Sleep(time.Millisecond)
	}
	return os.RemoveAll(*tmp)
}

func listcheck(args []string) error {
	fs := flag.NewFlagSet("listcheck", flag.ExitOnError)
	dir := fs.String("dir", "", "the repository")
	session := fs.String("session", "scale", "the session")
	want := fs.Int("want", 10000, "records expected")
	newest := fs.String("newest", "", "`file` of the ids expected on top, oldest first")
	kvPath := fs.String("kv", "", "key=value `file`")
	fs.Parse(args)
	recs, err := list(*dir, *session)
	if err != nil {
		return err
	}
	var problems []string
	nTop := 0
	if len(recs) != *want {
		problems = append(problems, fmt.Sprintf("%d records, expected %d", len(recs), *want))
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].CheckpointID >= recs[i-1].CheckpointID {
			problems = append(problems, fmt.Sprintf("not newest first at #%d", i))
			break
		}
	}
	for _, r := range recs {
		if r.SessionID != *session {
			problems = append(problems, "a record of session "+r.SessionID)
			break
		}
	}
	if *newest != "" {
		data, err := os.ReadFile(*newest)
		if err != nil {
			return err
		}
		top := strings.Fields(string(data))
		slices.Reverse(top)
		nTop = len(top)
		for i, id := range top {
			if i >= len(recs) || recs[i].CheckpointID != id {
				problems = append(problems, fmt.Sprintf("the newest %d are not the last real checkpoints", len(top)))
				break
			}
		}
	}
	ok := len(problems) == 0
	if ok {
		fmt.Printf("  maestro list --json --session-id %s returns %s records, newest first, the %d real ones made last on top: as expected\n", *session, thousands(len(recs)), nTop)
	} else {
		fmt.Printf("  CHECK FAILED: maestro list --json --session-id %s: %s\n", *session, strings.Join(problems, "; "))
	}
	return kv.Append(*kvPath, kv.Goal("scale", "maestro list --json returns every record", thousands(len(recs)), "= "+thousands(*want)+" (check)", kv.YesNo(ok)))
}

func ratio(args []string) error {
	fs := flag.NewFlagSet("ratio", flag.ExitOnError)
	kvPath := fs.String("kv", "", "key=value `file`")
	num := fs.String("num", "", "numerator key")
	den := fs.String("den", "", "denominator key")
	g := fs.Float64("goal", 1.5, "goal: at most this")
	section := fs.String("section", "", "summary section")
	what := fs.String("what", "", "summary figure")
	label := fs.String("label", "", "printed label (default: -what)")
	info := fs.Bool("info", false, "informational: no goal")
	fs.Parse(args)
	res, err := kv.Read(*kvPath)
	if err != nil {
		return err
	}
	get := func(k string) (float64, error) {
		v, err := strconv.ParseFloat(res.Values[k], 64)
		if err != nil {
			return 0, fmt.Errorf("ratio: %s has no number for %s", *kvPath, k)
		}
		return v, nil
	}
	a, err := get(*num)
	if err != nil {
		return err
	}
	b, err := get(*den)
	if err != nil {
		return err
	}
	q := a / b
	if *label == "" {
		*label = *what
	}
	if *info {
		fmt.Printf("  %-44s %7.2fx   (%.2f ms vs %.2f ms)   no goal\n", *label, q, a, b)
		return kv.Append(*kvPath, kv.Goal(*section, *what, fmt.Sprintf("%.2fx", q), "none (info)", "-"))
	}
	fmt.Printf("  %-44s %7.2fx   (%.2f ms vs %.2f ms)   goal <= %.2fx: %s\n", *label, q, a, b, *g, kv.YesNo(q <= *g))
	return kv.Append(*kvPath, kv.Goal(*section, *what, fmt.Sprintf("%.2fx", q), fmt.Sprintf("<= %.2fx", *g), kv.YesNo(q <= *g)))
}

// ---------------------------------------------------------------- rollback

func rollback(args []string) error {
	fs := flag.NewFlagSet("rollback", flag.ExitOnError)
	dir := fs.String("dir", "", "the repository, clean at B")
	a := fs.String("a", "", "commit A (the checkpoint)")
	b := fs.String("b", "", "commit B (HEAD)")
	cp := fs.String("cp", "", "the checkpoint of A")
	session := fs.String("session", "bench", "its session")
	rounds := fs.Int("rounds", 5, "timed rounds")
	warmup := fs.Int("warmup", 1, "untimed rounds first")
	g := fs.Float64("goal", 3, "goal: maestro / git reset --hard at most this")
	kvPath := fs.String("kv", "", "key=value `file`")
	fs.Parse(args)

	// check verifies the state a step left: HEAD at want, on main, clean.
	// It also times that first git status, which pays for any file
	// information the step left out of the index.
	check := func(step, want string) (time.Duration, error) {
		head, err := git(*dir, "rev-parse", "HEAD")
		if err != nil {
			return 0, err
		}
		branch, err := git(*dir, "symbolic-ref", "-q", "HEAD")
		if err != nil {
			return 0, fmt.Errorf("after %s: HEAD is detached: %v", step, err)
		}
		start := time.Now()
		status, err := run(*dir, nil, "git", "status", "--porcelain")
		d := time.Since(start)
		if err != nil {
			return 0, err
		}
		var problems []string
		if head != want {
			problems = append(problems, "HEAD is "+head+", expected "+want)
		}
		if branch != "refs/heads/main" {
			problems = append(problems, "HEAD is on "+branch+", expected refs/heads/main")
		}
		if len(status) > 0 {
			lines := strings.Split(strings.TrimSpace(string(status)), "\n")
			problems = append(problems, fmt.Sprintf("git status --porcelain lists %d paths (first: %q)", len(lines), lines[0]))
		}
		if len(problems) > 0 {
			return d, fmt.Errorf("after %s: %s", step, strings.Join(problems, "; "))
		}
		return d, nil
	}
	type op struct {
		name, dir string // dir: "B -> A" or "A -> B"
		argv      []string
		to        string
		times     []time.Duration
		status    []time.Duration
	}
	resetA := &op{name: "git reset --hard A", dir: "B -> A", argv: []string{"git", "reset", "-q", "--hard", *a}, to: *a}
	resetB := &op{name: "git reset --hard B", dir: "A -> B", argv: []string{"git", "reset", "-q", "--hard", *b}, to: *b}
	rb := &op{name: "maestro rollback --checkpoint-id A", dir: "B -> A", argv: []string{"maestro", "rollback", "--session-id", *session, "--checkpoint-id", *cp}, to: *a}
	undo := &op{name: "maestro undo", dir: "A -> B", argv: []string{"maestro", "undo", "--session-id", *session}, to: *b}
	pairs := [][2]*op{{resetA, resetB}, {rb, undo}}
	if _, err := check("setup", *b); err != nil {
		return err
	}
	var failure error
	step := func(o *op, keep bool) bool {
		d, err := timed(*dir, o.argv[0], o.argv[1:]...)
		if err != nil {
			failure = err
			return false
		}
		sd, err := check(o.name, o.to)
		if err != nil {
			failure = err
			return false
		}
		if keep {
			o.times = append(o.times, d)
			o.status = append(o.status, sd)
		}
		return true
	}
	for r := 0; r < *warmup+*rounds && failure == nil; r++ {
		order := pairs
		if r%2 == 1 {
			order = [][2]*op{pairs[1], pairs[0]}
		}
		for _, p := range order {
			if !step(p[0], r >= *warmup) || !step(p[1], r >= *warmup) {
				break
			}
		}
	}
	if failure != nil {
		fmt.Printf("  CHECK FAILED: %v\n", failure)
		fmt.Println("  (the rollback figures are left out: the steps no longer start from the same state)")
		return kv.Append(*kvPath,
			kv.Goal("rollback", "HEAD, branch and clean tree after each step", "failed", "all (check)", "NO"))
	}
	fmt.Printf("  %-36s %-7s  %9s  %7s  %7s  %14s\n", "", "", "median ms", "min ms", "max ms", "then status ms")
	for _, o := range []*op{resetA, rb, resetB, undo} {
		st, ss := statsOf(o.times), statsOf(o.status)
		fmt.Printf("  %-36s %-7s  %9.1f  %7.1f  %7.1f  %14.1f\n", o.name, o.dir, ms(st.median), ms(st.min), ms(st.max), ms(ss.median))
	}
	fmt.Printf("  (%d rounds after %d warm-up, the two pairs in turns; \"then status\": the median of the first\n", *rounds, *warmup)
	fmt.Println("   git status --porcelain after the step, untimed in the step, which refreshes the index)")
	fmt.Printf("  every step left HEAD where expected, on main, and git status --porcelain empty\n\n")
	var lines []string
	for _, p := range [][2]*op{{rb, resetA}, {undo, resetB}} {
		m, base := ms(statsOf(p[0].times).median), ms(statsOf(p[1].times).median)
		q := m / base
		what := strings.Fields(p[0].name)[1] + " / git reset --hard (" + p[0].dir + ")"
		fmt.Printf("  %-44s %7.2fx   (%.1f ms vs %.1f ms)   goal <= %.2fx: %s\n", what, q, m, base, *g, kv.YesNo(q <= *g))
		key := "rollback." + strings.Fields(p[0].name)[1]
		lines = append(lines, fmt.Sprintf("%s.median_ms=%.6f", key, m), fmt.Sprintf("%s.reset_median_ms=%.6f", key, base),
			kv.Goal("rollback", "maestro "+what, fmt.Sprintf("%.2fx", q), fmt.Sprintf("<= %.2fx", *g), kv.YesNo(q <= *g)))
	}
	lines = append(lines, kv.Goal("rollback", "HEAD, branch and clean tree after each step", fmt.Sprintf("%d steps ok", 4*(*rounds+*warmup)), "all (check)", "yes"))
	return kv.Append(*kvPath, lines...)
}
