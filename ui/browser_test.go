package ui_test

// The web page in a real headless Chromium, driven through the DevTools
// protocol (chromedp): the data is made by the real binaries (maestro-run,
// git maestro checkpoint, the post-commit hook, maestro ask), the server is
// the real `maestro ui` started as a user starts it, and every effect a
// click has is checked where it lands: on disk, in git, in another
// process's output.
//
// It lives in package ui_test rather than in the root package so that it
// runs beside the root package's scripts (go test runs packages in
// parallel) instead of adding to the longest package's time; it builds the
// binaries once, without -race (nothing it starts is where races hide, and
// an instrumented maestro costs a tenth of a second of CPU each start), and
// starts one browser for every step: Chromium's start is the dearest part.
//
// The screenshots land in testdata/screenshots (ignored by git): look at
// them after a change to a template or the CSS.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/maestro-recovery/maestro/internal/gittest"
)

// browserNames are the programs that can be the browser, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless-shell"}

// findBrowser returns the browser to drive, or skips the test without one:
// unless MAESTRO_REQUIRE_BROWSER=1 (set by .ci/run when it installed
// Chromium), where a missing browser is a failure, not a silent skip.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium or Chrome on PATH (looked for " + strings.Join(browserNames, ", ") + "): the browser tests need one (Debian: apt-get install chromium)"
	if os.Getenv("MAESTRO_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + "; MAESTRO_REQUIRE_BROWSER=1 forbids skipping")
	}
	t.Skip(msg)
	return ""
}

// world is what every step shares: the binaries, the environment they run
// with, the repository and the browser.
type world struct {
	t       *testing.T
	bin     string   // maestro, maestro-run, git-maestro, maestro-ui
	env     []string // for every process: its own HOME, XDG folders and git identity
	repo    string
	shots   string // where the screenshots go
	browse  context.Context
	base    string      // http://127.0.0.1:PORT
	changes chan string // the server's live-update events, as a page hears them
}

// buildBinaries builds maestro (under its three names) and maestro-ui
// into a temporary folder, without -race: see the comment at the top.
func buildBinaries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.Command(gobin, "build", "-buildvcs=false", "-o", dir+string(filepath.Separator), ".", "./cmd/maestro-ui")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, name := range []string{"maestro-run", "git-maestro"} {
		if err := os.Symlink("maestro", filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// isolatedEnv is the environment of every process the test starts: the
// binaries first on PATH, a home and XDG folders of its own, a fixed git
// identity and none of the machine's git or maestro configuration. The
// test process's own environment is left alone (the ui package's other
// tests run beside this one).
func isolatedEnv(t *testing.T, bin string) []string {
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "MAESTRO_") || strings.HasPrefix(name, "GIT_") || strings.HasPrefix(name, "XDG_") ||
			name == "HOME" || name == "PATH" || name == "CI" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_STATE_HOME="+filepath.Join(home, ".local/state"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local/share"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GORACE=atexit_sleep_ms=0",
	)
}

// command is name (a binary of w.bin, or git) run in the repository.
func (w *world) command(name string, args ...string) *exec.Cmd {
	path := name
	if name != "git" {
		path = filepath.Join(w.bin, name)
	}
	cmd := exec.Command(path, args...)
	cmd.Args[0] = name // maestro-run and git-maestro know themselves by it
	cmd.Dir, cmd.Env = w.repo, w.env
	return cmd
}

// run runs name and returns its stdout, failing unless it exits with code.
func (w *world) run(code int, name string, args ...string) string {
	w.t.Helper()
	cmd := w.command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if got := cmd.ProcessState.ExitCode(); got != code || (code == 0 && err != nil) {
		w.t.Fatalf("%s %s: exit %d (%v), want %d\nstdout: %s\nstderr: %s", name, strings.Join(args, " "), got, err, code, out, stderr.String())
	}
	return string(out)
}

func (w *world) write(name, content string) {
	w.t.Helper()
	gittest.Write(w.t, w.repo, name, content)
}

// startUI starts `maestro ui` as a user does and returns the URL it
// prints on its first line of stdout; the server stops at the test's end.
func (w *world) startUI() string {
	w.t.Helper()
	cmd := w.command("maestro", "ui")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			w.t.Errorf("maestro ui did not stop within 10 s of SIGINT\nstderr: %s", stderr.String())
		}
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-line:
		if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.Contains(u, "token=") {
			w.t.Fatalf("maestro ui printed %q, want its URL with a token\nstderr: %s", u, stderr.String())
		}
		return u
	case <-time.After(20 * time.Second):
		w.t.Fatalf("maestro ui printed no URL in 20 s\nstderr: %s", stderr.String())
	}
	return ""
}

// tab opens a new tab, closed at the end of the (sub)test.
func (w *world) tab() context.Context {
	w.t.Helper()
	ctx, cancel := chromedp.NewContext(w.browse)
	w.t.Cleanup(cancel)
	// Opened here, under no deadline: a tab lives as long as the context
	// of its first action, and the steps' contexts end with the step.
	if err := chromedp.Do(ctx); err != nil {
		w.t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// stepTimeout bounds each step in the browser: a page that never comes
// fails the test in seconds, with a screenshot, instead of hanging it.
const stepTimeout = 20 * time.Second

func step(tab context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(tab, stepTimeout)
}

// do runs the steps in tab, failing the test (with a screenshot of the
// page as it was) on the first error.
func (w *world) do(tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		w.failShot(tab, what)
		w.t.Fatalf("%s: %v", what, err)
	}
}

// eval returns the value of a JavaScript expression in tab.
func eval[T any](w *world, tab context.Context, expr string) T {
	w.t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		w.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// text is the visible text of the first element sel matches.
func (w *world) text(tab context.Context, sel string) string {
	w.t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		w.failShot(tab, "text of "+sel)
		w.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// tokenCookie is the cookie the first visit set, which must be out of the
// page's scripts' reach and never sent from another site.
func (w *world) tokenCookie(tab context.Context) *network.Cookie {
	w.t.Helper()
	res, err := chromedp.Call(tab, network.GetCookies, network.GetCookiesParams{URLs: []string{w.base + "/"}})
	if err != nil {
		w.t.Fatal(err)
	}
	if len(res.Cookies) != 1 {
		w.t.Fatalf("after the first visit the browser holds %d cookies for the page, want 1 (the token's)", len(res.Cookies))
	}
	c := res.Cookies[0]
	if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
		w.t.Errorf("the token's cookie %s: HttpOnly %v, SameSite %q; want HttpOnly, SameSite Strict", c.Name, c.HTTPOnly, c.SameSite)
	}
	if got := eval[string](w, tab, "document.cookie"); got != "" {
		w.t.Errorf("the page's scripts read the cookies: %q", got)
	}
	return c
}

// listen follows the server's live-update stream (/events) as a page
// does, for the whole test: the test then knows when the server has told
// the pages of a change made outside, and opens a page only after, so that
// no refresh of a page just opened swaps it under a click.
func (w *world) listen(c *network.Cookie) chan string {
	w.t.Helper()
	req, err := http.NewRequest("GET", w.base+"/events", nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	ctx, cancel := context.WithCancel(context.Background())
	w.t.Cleanup(cancel)
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		w.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("GET /events: %s", resp.Status)
	}
	// The stream's first event is the current state: no change.
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "data: ") {
	}
	events := make(chan string, 100)
	go func() {
		defer resp.Body.Close()
		for sc.Scan() {
			if e, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				events <- e
			}
		}
		close(events)
	}()
	return events
}

// drain forgets the changes the server told of so far.
func (w *world) drain() {
	for {
		select {
		case <-w.changes:
		default:
			return
		}
	}
}

// changed waits for the server to tell the pages of a change.
func (w *world) changed(what string) {
	w.t.Helper()
	select {
	case e, ok := <-w.changes:
		if !ok {
			w.t.Fatalf("the live-update stream ended before %s", what)
		}
		if e != "change" {
			w.t.Fatalf("the live-update stream sent %q, want change", e)
		}
	case <-time.After(stepTimeout):
		w.t.Fatalf("the server did not tell the pages of %s within %v", what, stepTimeout)
	}
}

// submit clicks the button sel, which posts its form, and waits for the
// page that answers; it must come with HTTP status code.
func (w *world) submit(tab context.Context, what, sel string, code int64) {
	w.t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		w.failShot(tab, what)
		w.t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != code {
		w.failShot(tab, what)
		w.t.Errorf("%s: HTTP %d, want %d", what, resp.Status, code)
	}
}

// diffLayout is JavaScript that checks each file's diff lines: each starts
// right under the one before. It returns what is wrong, or "".
const diffLayout = `(() => {
	for (const pre of document.querySelectorAll("#diff section.file pre")) {
		const r = [...pre.querySelectorAll("span")].map(s => s.getBoundingClientRect());
		for (let i = 1; i < r.length; i++) {
			const gap = r[i].top - r[i-1].bottom;
			if (gap < -1 || gap > r[i-1].height / 2) {
				return "line " + (i+1) + " starts " + gap.toFixed(1) + " px below the end of the line before (height " + r[i-1].height.toFixed(1) + " px)";
			}
		}
	}
	return "";
})()`

// optionInput is JavaScript for the radio button of the question's option
// whose label shows text, as a person picks it.
func optionInput(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("form#answer input[name=option]")].find(i => (i.labels[0] || {}).textContent.trim().startsWith(%q))`, text)
}

// waitFor waits until the JavaScript expression is true in tab.
func (w *world) waitFor(tab context.Context, what, expr string) {
	w.t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(stepTimeout))); err != nil {
		w.failShot(tab, what)
		w.t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// shot saves a full-page screenshot of tab as testdata/screenshots/NAME.png.
func (w *world) shot(tab context.Context, name string) {
	w.t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		w.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(w.shots, name+".png"), png, 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// failShot saves what the page showed when a step failed, best effort.
func (w *world) failShot(tab context.Context, what string) {
	ctx, cancel := context.WithTimeout(tab, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		name := "FAILED-" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, strings.ToLower(what)) + ".png"
		os.WriteFile(filepath.Join(w.shots, name), png, 0o644)
		w.t.Logf("the page when it failed: testdata/screenshots/%s", name)
	}
}

// state is everything the rollback and the undo must restore.
func (w *world) state() gittest.Manifest {
	w.t.Helper()
	return gittest.Take(w.t, w.repo, nil)
}

func TestBrowser(t *testing.T) {
	exe := findBrowser(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	t.Parallel()
	start := time.Now()
	w := &world{t: t, shots: filepath.Join("testdata", "screenshots")}
	if err := os.MkdirAll(w.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	// The browser starts while the binaries build: the two dearest steps.
	b := startBrowser(t, exe, isolatedEnv(t, t.TempDir()))
	w.bin = buildBinaries(t)
	w.env = isolatedEnv(t, w.bin)
	w.repo = t.TempDir()
	t.Logf("built in %v", time.Since(start).Round(time.Millisecond))

	// The session: a flaky run and a failing one (maestro-run), commits
	// with the hook installed, a checkpoint made by hand, a dirty tree.
	w.run(0, "git", "init", "-q", "-b", "main")
	w.write("f.txt", "one\n")
	w.run(0, "git", "add", "f.txt")
	w.run(0, "git", "commit", "-q", "-m", "first")
	w.run(0, "maestro", "install")
	w.run(0, "maestro", "session", "start", "--id", "demo", "browser test")
	// The commands print what they read from files, so that the lines
	// the timeline must show as matched are not in the commands' text.
	outside := t.TempDir()
	gittest.Write(t, outside, "refused", "dial tcp 10.0.0.1:5432: connect: connection refused\n")
	gittest.Write(t, outside, "fail", "--- FAIL: TestParse (0.00s)\n    parse_test.go:12: got 3, want 4\nFAIL\n")
	w.run(0, "maestro-run", "--base-delay", "1ms", "--", "sh", "-c",
		`test -e "$1.tried" || { : > "$1.tried"; cat "$1" >&2; exit 1; }`, "sh", filepath.Join(outside, "refused"))
	w.run(1, "maestro-run", "--max-attempts", "2", "--base-delay", "1ms", "--", "sh", "-c", `cat "$1"; exit 1`, "sh", filepath.Join(outside, "fail"))
	w.write("f.txt", "two\n")
	w.run(0, "git", "commit", "-q", "-am", "second: f is two")
	cpA := strings.TrimSpace(w.run(0, "maestro", "checkpoint", "-d", "parser done", "--type", "phase_complete", "--phase", "build"))
	atA := w.state()
	w.write("f.txt", "three\n")
	w.write("g.txt", "new file\n")
	w.run(0, "git", "add", "g.txt")
	w.run(0, "git", "commit", "-q", "-am", "third: g")
	w.write("f.txt", "three\nand a change not committed\n")
	w.write("notes.txt", "untracked notes\n")
	now := w.state()
	t.Logf("data made at %v", time.Since(start).Round(time.Millisecond))

	url := w.startUI()
	w.base = url[:strings.Index(url, "/?")]
	<-b.up
	if b.err != nil {
		t.Fatalf("start %s: %v", exe, b.err)
	}
	w.browse = b.ctx
	t.Logf("server and browser up at %v", time.Since(start).Round(time.Millisecond))

	// The URL maestro ui printed: its token becomes a cookie the page's
	// scripts cannot read, and leaves the address bar.
	main := w.tab()
	w.do(main, "open the URL maestro ui printed", chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`tr[data-session="demo"]`)))
	if loc := eval[string](w, main, "location.href"); strings.Contains(loc, "token") {
		t.Errorf("the address still holds the token: %s", loc)
	}
	cookie := w.tokenCookie(main)
	w.changes = w.listen(cookie)

	t.Run("sessions", func(t *testing.T) {
		w.t = t
		row := w.text(main, `tr[data-session="demo"]`)
		for _, want := range []string{"demo", "transient", "test_failure"} {
			if !strings.Contains(row, want) {
				t.Errorf("the session's row lacks %q: %q", want, row)
			}
		}
		w.shot(main, "sessions")
	})

	t.Run("timeline", func(t *testing.T) {
		w.t = t
		w.do(main, "open the timeline", chromedp.Navigate(w.base+"/s/demo"), chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-kind="run"]`)))
		kinds := eval[[]string](w, main, `[...document.querySelectorAll("#timeline > li")].map(li => li.dataset.kind)`)
		count := map[string]int{}
		for _, k := range kinds {
			count[k]++
		}
		// Two runs; the hook's two checkpoints and the one made by hand.
		if count["run"] != 2 || count["checkpoint"] != 3 {
			t.Errorf("timeline kinds %v, want 2 runs and 3 checkpoints", kinds)
		}
		all := w.text(main, "#timeline")
		// Each run with its outcome and the line that matched its failure
		// type; each checkpoint with its description, type and phase.
		for _, want := range []string{"flaky", "failed", "transient", "test_failure", "connect: connection refused", "--- FAIL: TestParse",
			"parser done", "phase_complete", "build", "second: f is two"} {
			if !strings.Contains(all, want) {
				t.Errorf("the timeline lacks %q:\n%s", want, all)
			}
		}
		w.shot(main, "timeline")
	})

	t.Run("answer", func(t *testing.T) {
		w.t = t
		w.drain()
		id := strings.TrimSpace(w.run(3, "maestro", "ask", "--issue", "Which database for the cache?",
			"--option", "postgres", "--option", "sqlite", "--default", "postgres", "--require-justification", "--no-tty", "defer"))
		// The pages open once the server has told of the new question:
		// a page that loaded before would be refreshed under the clicks.
		w.changed("the question asked")
		wait := w.command("maestro", "ask", "--wait", id, "--timeout", "60s", "--json")
		var waitOut, waitErr lockedBuffer
		wait.Stdout, wait.Stderr = &waitOut, &waitErr
		if err := wait.Start(); err != nil {
			t.Fatal(err)
		}
		waited := make(chan error, 1)
		go func() { waited <- wait.Wait() }()
		t.Cleanup(func() { wait.Process.Kill() })

		// The sessions page lists the open question first, with its link.
		w.do(main, "the open question on the sessions page", chromedp.Navigate(w.base+"/"),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#questions li[data-question=%q] a[href="/q/%s"]`, id, id))))
		w.shot(main, "sessions-open-question")

		// Three tabs hold the form before any answers: one that answers,
		// one that learns of the answer live, and one without JavaScript
		// (or whose update has not come yet) that answers again.
		other, noJS := w.tab(), w.tab()
		if _, err := chromedp.Call(noJS, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		for _, tab := range []context.Context{main, other, noJS} {
			w.do(tab, "open the question", chromedp.Navigate(w.base+"/q/"+id), chromedp.WaitVisible(chromedp.CSS("form#answer")))
		}
		if !eval[bool](w, main, optionInput("postgres")+".checked") {
			t.Errorf("the default, postgres, is not preselected")
		}
		if txt := w.text(main, "form#answer"); !strings.Contains(txt, "(default)") {
			t.Errorf("the form does not mark the default: %q", txt)
		}
		w.do(main, "choose sqlite and say why",
			chromedp.Click(chromedp.JSPath(optionInput("sqlite"))),
			chromedp.SendKeys(chromedp.CSS(`textarea[name=justification]`), "one file, no server to run"))
		w.shot(main, "question")
		w.submit(main, "submit the answer", "#answer-submit", 200)
		w.do(main, "the answer's result", chromedp.WaitVisible(chromedp.CSS("#result")))
		w.shot(main, "question-answered")

		select {
		case err := <-waited:
			if err != nil {
				t.Fatalf("maestro ask --wait: %v\nstderr: %s", err, waitErr.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("maestro ask --wait did not return within 20 s of the answer\nstderr: %s", waitErr.String())
		}
		var got struct{ Option, Justification, AnsweredBy string }
		if err := json.Unmarshal([]byte(waitOut.String()), &struct {
			Option        *string `json:"option"`
			Justification *string `json:"justification"`
			AnsweredBy    *string `json:"answered_by"`
		}{&got.Option, &got.Justification, &got.AnsweredBy}); err != nil {
			t.Fatalf("maestro ask --wait --json printed %q: %v", waitOut.String(), err)
		}
		if got.Option != "sqlite" || got.Justification != "one file, no server to run" || got.AnsweredBy != "web" {
			t.Errorf("maestro ask --wait returned %+v, want sqlite, the justification, answered_by web", got)
		}

		// The tab with JavaScript learns of the answer without a reload.
		w.waitFor(other, "the other tab to show the answer", `document.querySelector("form#answer") === null && document.body.innerText.includes("sqlite")`)
		w.shot(other, "question-other-tab")

		// The tab without JavaScript answers too late: refused, saying
		// who won.
		other = noJS
		w.do(other, "answer again from the other tab",
			chromedp.Click(chromedp.JSPath(optionInput("postgres"))),
			chromedp.SendKeys(chromedp.CSS(`textarea[name=justification]`), "the other tab"))
		w.submit(other, "the second answer", "#answer-submit", 409)
		refused := w.text(other, "#result")
		for _, want := range []string{"sqlite", "web"} {
			if !strings.Contains(refused, want) {
				t.Errorf("the refusal does not say %q (who answered what): %q", want, refused)
			}
		}
		w.shot(other, "question-refused")
		if got := w.run(0, "maestro", "ask", "--wait", id, "--timeout", "1s"); strings.TrimSpace(got) != "sqlite" {
			t.Errorf("after the refused second answer the question's answer is %q, want sqlite", got)
		}
	})

	t.Run("rollback", func(t *testing.T) {
		w.t = t
		w.do(main, "open the checkpoint", chromedp.Navigate(w.base+"/c/demo/"+cpA), chromedp.WaitVisible(chromedp.CSS("#diff")))
		diff := w.text(main, "#diff")
		for _, want := range []string{"f.txt", "g.txt", "notes.txt", "and a change not committed"} {
			if !strings.Contains(diff, want) {
				t.Errorf("the diff against the working tree lacks %q:\n%s", want, diff)
			}
		}
		if n := eval[int](w, main, `document.querySelectorAll("#diff .add, #diff .del").length`); n == 0 {
			t.Errorf("the diff has no .add or .del line")
		}
		// One diff line under the other, as in a terminal: not side by
		// side, not with an empty line between (both were seen).
		if bad := eval[string](w, main, diffLayout); bad != "" {
			t.Errorf("the diff's lines are not laid out one under the other: %s", bad)
		}
		w.shot(main, "checkpoint")

		w.submit(main, "dry run", "#rollback-dryrun", 200)
		w.do(main, "the dry run's result", chromedp.WaitVisible(chromedp.CSS("#rollback-confirm")))
		if dry := w.text(main, "#result"); !strings.Contains(dry, "g.txt") || !strings.Contains(dry, "notes.txt") {
			t.Errorf("the dry run does not name the files it would remove: %q", dry)
		}
		gittest.Compare(t, "after the dry run", w.state(), now)
		w.shot(main, "rollback-dryrun")

		w.submit(main, "confirm", "#rollback-confirm", 200)
		w.do(main, "the rollback's result", chromedp.WaitVisible(chromedp.CSS("#undo")))
		gittest.Compare(t, "after the rollback", w.state(), atA)
		if s := w.text(main, "#result"); !strings.Contains(strings.ToLower(s), "undo") {
			t.Errorf("after the rollback the page does not say how to undo: %q", s)
		}
		w.shot(main, "rollback-done")

		w.submit(main, "undo", "#undo", 200)
		if s := w.text(main, "#result"); !strings.Contains(strings.ToLower(s), "undid") && !strings.Contains(strings.ToLower(s), "undone") {
			t.Errorf("after the undo the page does not say what it undid: %q", s)
		}
		gittest.Compare(t, "after the undo", w.state(), now)
		w.shot(main, "undo-done")
	})

	t.Run("live", func(t *testing.T) {
		w.t = t
		w.do(main, "open the timeline", chromedp.Navigate(w.base+"/s/demo"), chromedp.WaitVisible(chromedp.CSS("#timeline")))
		// A mark on the window: a reload would wipe it.
		w.do(main, "mark the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
		updated := eval[string](w, main, "document.body.dataset.updated")
		w.run(0, "git", "maestro", "checkpoint", "-d", "made from outside while the page was open")
		w.waitFor(main, "the new checkpoint to appear without a reload",
			`[...document.querySelectorAll('#timeline li[data-kind="checkpoint"]')].some(li => li.innerText.includes("made from outside"))`)
		if !eval[bool](w, main, "window.notReloaded === true") {
			t.Errorf("the page was reloaded: the live update must not reload it")
		}
		if now := eval[string](w, main, "document.body.dataset.updated"); now == updated {
			t.Errorf("data-updated stayed %q across the live update", now)
		}
		w.shot(main, "timeline-live")
	})

	t.Run("phone", func(t *testing.T) {
		w.t = t
		phone := w.tab()
		for _, p := range []struct{ name, path, ready string }{
			{"phone-sessions", "/", `tr[data-session="demo"]`},
			{"phone-timeline", "/s/demo", "#timeline"},
			{"phone-checkpoint", "/c/demo/" + cpA, "#diff"},
		} {
			w.do(phone, "open "+p.path+" on a phone",
				chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
				chromedp.Navigate(w.base+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
			sw, cw := eval[int](w, phone, "document.documentElement.scrollWidth"), eval[int](w, phone, "document.documentElement.clientWidth")
			if sw > cw {
				t.Errorf("%s on a 390 px wide phone scrolls sideways: scrollWidth %d > clientWidth %d", p.path, sw, cw)
			}
			w.shot(phone, p.name)
		}
	})
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// browser is one headless Chromium for the whole test; each tab is a
// child context of ctx.
type browser struct {
	ctx context.Context
	up  chan struct{} // closed once it runs, or failed to start
	err error         // why it failed to start; read after up
}

// startBrowser starts the browser, with its own profile folder and home,
// in the background. Everything that touches t is done here: the
// goroutine only waits for Chromium, and the test waits for it to end.
func startBrowser(t *testing.T, exe string, env []string) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.NoInheritEnv,
		chromedp.Env(env...),
	)
	// Chromium refuses to start as root with its sandbox on.
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	b := &browser{up: make(chan struct{})}
	t.Cleanup(func() { <-b.up }) // last: after the browser is stopped
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	b.ctx = ctx
	go func() {
		defer close(b.up)
		b.err = chromedp.Do(ctx)
	}()
	return b
}

// lockedBuffer is a buffer a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
