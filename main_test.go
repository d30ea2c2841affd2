package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/mcp"
	"github.com/maestro-recovery/maestro/ui"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain registers the binary under its three names: testscript puts a
// copy named after each on PATH, and main dispatches on that name.
func TestMain(m *testing.M) {
	testscript.Main(isolated{m}, map[string]func(){
		"maestro":     main,
		"maestro-run": main,
		"git-maestro": main,
		// The MCP server, which maestro mcp runs in its place (a binary
		// of its own, as cmd/maestro-mcp builds it).
		"maestro-mcp": func() { os.Exit(mcp.Main(os.Args[1:], recoveryTOML)) },
		// The web page's server, which maestro ui runs in its place.
		"maestro-ui": func() { os.Exit(ui.Main(os.Args[1:], recoveryTOML)) },
	})
}

// isolated runs the tests with git isolated from the machine's
// configuration. Only the tests: TestMain also runs in every process that
// plays maestro, whose environment is the script's to set.
type isolated struct{ m *testing.M }

func (i isolated) Run() int {
	if raceEnabled {
		// Before Isolate: go build finds its cache from the real HOME.
		dir, err := buildPlain()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build maestro without -race for the scripts: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		plainBin = dir
	}
	// Before Isolate too: the tests that run go test share the real build
	// cache, where the packages every test binary needs are already built.
	if out, err := exec.Command("go", "env", "GOCACHE").Output(); err == nil {
		goCache = strings.TrimSpace(string(out))
	}
	defer gittest.Isolate()()
	moreParallel()
	return i.m.Run()
}

// goCache is the go build cache of the machine, "" without go.
var goCache string

// plainBin, under -race, is a folder holding maestro built without the
// race detector, under its three names, that the scripts run.
var plainBin string

// buildPlain builds maestro once, without -race. The scripts start maestro
// more than a thousand times, each a short single-threaded run whose races
// the detector has nothing to find in; instrumented, each start costs a
// tenth of a second of CPU more (the detector's shadow memory), which made
// the README's test command take 5.5 minutes here instead of 4. The Go
// end-to-end tests beside the scripts (concurrency, signals, terminals,
// output streaming) still run the race-instrumented binary.
func buildPlain() (string, error) {
	dir, err := os.MkdirTemp("", "maestro-plain-")
	if err != nil {
		return "", err
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.Command(gobin, "build", "-buildvcs=false", "-o", filepath.Join(dir, "maestro"), ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("%v\n%s", err, out)
	}
	for _, name := range []string{"maestro-run", "git-maestro"} {
		if err := os.Symlink("maestro", filepath.Join(dir, name)); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// moreParallel lets three tests per CPU run at once unless -parallel says
// otherwise. These tests spend most of their time waiting on processes
// they started (git, maestro, sh, a sleeping command), not computing: with
// go test's default of one test per CPU, the package took 230 s on 2 cores
// while the CPUs sat half idle; three per CPU halves that.
func moreParallel() {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(3*runtime.GOMAXPROCS(0)))
	}
}

// TestScripts runs the end-to-end scripts in testdata/script.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Identity and isolation for git, whatever the machine's setup.
			for _, kv := range []string{
				"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
				"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
				"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			} {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/.config")
			env.Setenv("XDG_STATE_HOME", env.WorkDir+"/.state")
			// No script may wait on the terminal of whoever runs the tests:
			// to maestro ask, $CI means nobody watches. The pseudo-terminal
			// tests in e2e_test.go play the person.
			env.Setenv("CI", "true")
			if plainBin != "" {
				env.Setenv("PATH", plainBin+string(os.PathListSeparator)+env.Getenv("PATH"))
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":   cmdExits,
			"json":    cmdJSON,
			"uiserve": cmdUIServe, "uiget": cmdUIGet, "uistop": cmdUIStop,
		},
		RequireExplicitExec: true,
	})
}

// exits CODE PROG ARGS... runs PROG and checks its exit code; stdout and
// stderr are kept for the commands that follow, as exec keeps them.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// json FILE PATH WANT checks the value at PATH (keys and array indices
// joined by dots: attempts.0.exit_code) in the JSON document FILE: a string
// is compared as it is, anything else (or a WANT in double quotes) in its
// JSON form. With !, the value
// must differ. FILE "stdout" is the output of the last command.
func cmdJSON(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: json FILE PATH WANT")
	}
	data := ts.ReadFile(args[0])
	var v any
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		ts.Fatalf("%s is not one JSON document: %v", args[0], err)
	}
	missing := ""
	for _, key := range strings.Split(args[1], ".") {
		switch x := v.(type) {
		case map[string]any:
			val, ok := x[key]
			if !ok {
				missing = fmt.Sprintf("no key %q", key)
			}
			v = val
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(x) {
				missing = fmt.Sprintf("no index %q (length %d)", key, len(x))
				v = nil
			} else {
				v = x[i]
			}
		default:
			missing = fmt.Sprintf("%s goes past a %T", args[1], v)
		}
		if missing != "" {
			break
		}
	}
	if missing != "" {
		if !neg {
			ts.Fatalf("%s: %s in %s", args[0], missing, args[1])
		}
		return // absent: not equal to WANT
	}
	got, ok := v.(string)
	if !ok || strings.HasPrefix(args[2], `"`) {
		// A WANT in double quotes is JSON: it can spell out "\n".
		b, _ := json.Marshal(v)
		got = string(b)
	}
	if (got == args[2]) == neg {
		ts.Fatalf("%s: %s = %s, want %s%s", args[0], args[1], got, map[bool]string{true: "not ", false: ""}[neg], args[2])
	}
}
