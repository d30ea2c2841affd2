package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The scripts' commands for maestro ui: uiserve starts it in the
// background and waits for its URL, uiget fetches a page as a browser
// would (the token's cookie taken on the first visit), uistop interrupts
// it and checks that it ends well.

type uiProcess struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	url    string
	client *http.Client
	done   chan error
}

var uiProcesses sync.Map // *testscript.TestScript -> *uiProcess

// uiEnv is what a script sets that the server needs.
var uiEnv = []string{"PATH", "HOME", "TMPDIR", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
	"GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "CI", "GORACE", "MAESTRO_SESSION_ID"}

// uiserve [ARGS...] runs maestro ui ARGS... in the background and sets
// $UI_URL (with the token) and $UI_BASE.
func cmdUIServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! uiserve")
	}
	if _, ok := uiProcesses.Load(ts); ok {
		ts.Fatalf("uiserve: a server is running already")
	}
	bin := ""
	for _, d := range filepath.SplitList(ts.Getenv("PATH")) {
		if p := filepath.Join(d, "maestro"); isFile(p) {
			bin = p
			break
		}
	}
	if bin == "" {
		ts.Fatalf("uiserve: no maestro on PATH")
	}
	cmd := exec.Command(bin, append([]string{"ui"}, args...)...)
	cmd.Dir = ts.MkAbs(".")
	for _, k := range uiEnv {
		if v := ts.Getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	stdout, err := cmd.StdoutPipe()
	ts.Check(err)
	p := &uiProcess{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	ts.Check(cmd.Start())
	ts.Defer(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	urls := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		urls <- strings.TrimSpace(line)
		io.Copy(io.Discard, r)
		p.done <- cmd.Wait()
	}()
	select {
	case p.url = <-urls:
	case <-time.After(20 * time.Second):
		ts.Fatalf("uiserve: no URL after 20 s; stderr:\n%s", p.stderr.String())
	}
	if !strings.HasPrefix(p.url, "http://") {
		ts.Fatalf("uiserve: the first line of stdout is %q, not the URL; stderr:\n%s", p.url, p.stderr.String())
	}
	jar, _ := cookiejar.New(nil)
	p.client = &http.Client{Jar: jar, Timeout: 20 * time.Second}
	uiProcesses.Store(ts, p)
	ts.Setenv("UI_URL", p.url)
	base, _, _ := strings.Cut(p.url, "/?")
	ts.Setenv("UI_BASE", strings.TrimSuffix(base, "/"))
}

// uiget PATH fetches the page at PATH into ui.html; its status must be
// 200 (with !, must not be). The first uiget visits the URL with the
// token, as the browser does, and keeps the cookie.
func cmdUIGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: uiget PATH")
	}
	v, ok := uiProcesses.Load(ts)
	if !ok {
		ts.Fatalf("uiget: no server: uiserve first")
	}
	p := v.(*uiProcess)
	if len(p.client.Jar.Cookies(mustURL(ts, ts.Getenv("UI_BASE")))) == 0 {
		res, err := p.client.Get(p.url)
		ts.Check(err)
		res.Body.Close()
	}
	res, err := p.client.Get(ts.Getenv("UI_BASE") + args[0])
	ts.Check(err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs("ui.html"), body, 0o666))
	if (res.StatusCode == http.StatusOK) == neg {
		ts.Fatalf("uiget %s: status %d", args[0], res.StatusCode)
	}
}

// uistop interrupts the server, which must end with exit code 0; its
// stderr goes to ui.stderr.
func cmdUIStop(ts *testscript.TestScript, neg bool, args []string) {
	v, ok := uiProcesses.LoadAndDelete(ts)
	if !ok || neg || len(args) > 0 {
		ts.Fatalf("usage: uistop, after uiserve")
	}
	p := v.(*uiProcess)
	ts.Check(p.cmd.Process.Signal(syscall.SIGINT))
	var err error
	select {
	case err = <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		ts.Fatalf("uistop: still serving 20 s after SIGINT")
	}
	ts.Check(os.WriteFile(ts.MkAbs("ui.stderr"), []byte(p.stderr.String()), 0o666))
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ts.Fatalf("uistop: maestro ui exited %d after SIGINT, want 0; stderr:\n%s", ee.ExitCode(), p.stderr.String())
	}
	ts.Check(err)
}

func mustURL(ts *testscript.TestScript, s string) *url.URL {
	u, err := url.Parse(s)
	ts.Check(err)
	return u
}

func isFile(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
