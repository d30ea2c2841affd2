package ui_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/gittest"
	"github.com/maestro-recovery/maestro/internal/state"
	sessionlog "github.com/maestro-recovery/maestro/session"
	"github.com/maestro-recovery/maestro/ui"
)

func TestMain(m *testing.M) {
	done := gittest.Isolate()
	code := m.Run()
	done()
	os.Exit(code)
}

// hostile is what a session's texts may hold: markup, script, control
// characters and bytes that are not UTF-8.
const hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>\x1b]52;c;Zm9v\x07\xff\xfe"

// site is a repository with a session whose every text is hostile, and
// a server on it.
type site struct {
	dir, session, cp, question string
	srv                        *ui.Server
	h                          http.Handler
	host                       string
}

func newSite(t testing.TB) *site {
	t.Helper()
	dir := gittest.Init(t)
	st := &site{dir: dir, session: "s-web"}
	store, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	gittest.Write(t, dir, hostile[:8]+".txt", "text\n")
	rec, err := store.Create(checkpoint.CreateOptions{SessionID: st.session, Description: hostile, Phase: hostile, Type: "manual", Tags: []string{hostile}})
	if err != nil {
		t.Fatal(err)
	}
	st.cp = rec.CheckpointID
	gittest.Write(t, dir, "README", "changed "+hostile+"\n")
	gittest.Write(t, dir, "blob.bin", "a\x00b\x00c")
	stateDir, err := state.Dir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := sessionlog.Open(stateDir, st.session)
	if err := l.Append(sessionlog.Entry{Type: sessionlog.KindRun, Run: &sessionlog.Run{Command: []string{"sh", "-c", hostile}, ExitCode: 1, Outcome: "failed",
		AttemptsMade: 2, Failures: map[string]int{hostile: 2}, FailureType: hostile, Line: hostile}}); err != nil {
		t.Fatal(err)
	}
	q := &escalate.Question{SessionID: st.session, Issue: hostile, Options: []string{hostile, "no"}, Default: "no", AskedAt: time.Now()}
	id, _, err := escalate.NewStore(stateDir).Defer(q, func() string { return "q-test-1" })
	if err != nil {
		t.Fatal(err)
	}
	st.question = id
	if err := l.Append(sessionlog.Entry{Type: sessionlog.KindQuestion, Human: q.Unanswered()}); err != nil {
		t.Fatal(err)
	}
	st.srv, err = ui.New(ui.Options{Dir: dir, Token: "secret-token"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.srv.Close() })
	st.h = st.srv.Handler()
	st.host = strings.TrimPrefix(st.srv.BaseURL(), "http://")
	return st
}

func (st *site) port() string { return st.host[strings.LastIndexByte(st.host, ':')+1:] }

// TestSite runs the tests that only read on one site.
func TestSite(t *testing.T) {
	t.Parallel()
	st := newSite(t)
	for name, f := range map[string]func(*testing.T, *site){
		"TokenTurnsIntoCookie":  testTokenTurnsIntoCookie,
		"Refusals":              testRefusals,
		"LoopbackHostSpellings": testLoopbackHostSpellings,
		"Headers":               testHeaders,
		"HostileTextEscaped":    testHostileTextEscaped,
		"Pages":                 testPages,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, st)
		})
	}
}

// get sends a request the way the browser would after the first visit.
func (st *site) do(t *testing.T, method, path string, form url.Values, edit func(*http.Request)) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	r.Host = st.host
	r.AddCookie(&http.Cookie{Name: "maestro_token_" + st.port(), Value: "secret-token"})
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", "http://"+st.host)
	}
	if edit != nil {
		edit(r)
	}
	w := httptest.NewRecorder()
	st.h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (st *site) csrf(t *testing.T, path string) string {
	t.Helper()
	_, body := st.do(t, "GET", path, nil, nil)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field on %s", path)
	}
	return m[1]
}

func testTokenTurnsIntoCookie(t *testing.T, st *site) {
	r := httptest.NewRequest("GET", "/s/"+st.session+"?token=secret-token&page=1", nil)
	r.Host = st.host
	w := httptest.NewRecorder()
	st.h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/s/"+st.session+"?page=1" {
		t.Fatalf("got %d to %q, want 303 to the page without the token", w.Code, w.Header().Get("Location"))
	}
	r = httptest.NewRequest("GET", "//evil.example/?token=secret-token", nil)
	r.Host = st.host
	w2 := httptest.NewRecorder()
	st.h.ServeHTTP(w2, r)
	if loc := w2.Header().Get("Location"); loc != "/evil.example/" {
		t.Errorf("redirected to %q: away from the server", loc)
	}
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Value != "secret-token" || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].Path != "/" {
		t.Fatalf("cookie %+v", c)
	}
}

func testRefusals(t *testing.T, st *site) {
	noCookie := func(r *http.Request) { r.Header.Del("Cookie") }
	cases := []struct {
		name   string
		method string
		path   string
		form   url.Values
		edit   func(*http.Request)
		want   int
	}{
		{"no token", "GET", "/", nil, noCookie, http.StatusUnauthorized},
		{"wrong cookie", "GET", "/", nil, func(r *http.Request) {
			noCookie(r)
			r.AddCookie(&http.Cookie{Name: "maestro_token_" + st.port(), Value: "secret-tokem"})
		}, http.StatusForbidden},
		{"wrong token in URL", "GET", "/?token=nope", nil, noCookie, http.StatusForbidden},
		{"static needs the token too", "GET", "/static/ui.js", nil, noCookie, http.StatusUnauthorized},
		{"events need the token too", "GET", "/events", nil, noCookie, http.StatusUnauthorized},
		{"DNS rebinding: another Host", "GET", "/", nil, func(r *http.Request) { r.Host = "evil.example:" + strings.Split(st.host, ":")[1] }, http.StatusMisdirectedRequest},
		{"Host with another port", "GET", "/", nil, func(r *http.Request) { r.Host = "127.0.0.1:1" }, http.StatusMisdirectedRequest},
		{"cross-origin POST", "POST", "/q/q-test-1", url.Values{"option": {"2"}, "csrf": {"x"}}, func(r *http.Request) { r.Header.Set("Origin", "http://evil.example") }, http.StatusForbidden},
		{"POST without Origin or Referer", "POST", "/q/q-test-1", url.Values{"option": {"2"}}, func(r *http.Request) { r.Header.Del("Origin") }, http.StatusForbidden},
		{"POST with a Referer of another site", "POST", "/q/q-test-1", url.Values{"option": {"2"}}, func(r *http.Request) {
			r.Header.Del("Origin")
			r.Header.Set("Referer", "http://evil.example/"+st.host)
		}, http.StatusForbidden},
		{"POST without the CSRF field", "POST", "/q/q-test-1", url.Values{"option": {"2"}}, nil, http.StatusForbidden},
		{"POST with a wrong CSRF field", "POST", "/q/q-test-1", url.Values{"option": {"2"}, "csrf": {strings.Repeat("0", 64)}}, nil, http.StatusForbidden},
		{"POST without the cookie", "POST", "/q/q-test-1", url.Values{"option": {"2"}}, noCookie, http.StatusUnauthorized},
		{"a body too big", "POST", "/q/q-test-1", url.Values{"justification": {strings.Repeat("x", 100<<10)}}, nil, http.StatusRequestEntityTooLarge},
		{"PUT", "PUT", "/", nil, nil, http.StatusMethodNotAllowed},
		{"bad session id", "GET", "/s/..%2f..%2fetc", nil, nil, http.StatusNotFound},
		{"bad checkpoint id", "GET", "/c/" + st.session + "/-x", nil, nil, http.StatusNotFound},
		{"unknown checkpoint", "GET", "/c/" + st.session + "/cp-nope", nil, nil, http.StatusNotFound},
		{"bad page", "GET", "/s/" + st.session + "?page=0", nil, nil, http.StatusBadRequest},
		{"unknown question", "GET", "/q/q-nope", nil, nil, http.StatusNotFound},
		{"no such page", "GET", "/nope", nil, nil, http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := st.do(t, c.method, c.path, c.form, c.edit)
			if res.StatusCode != c.want {
				t.Fatalf("got %d, want %d\n%s", res.StatusCode, c.want, body)
			}
			if res.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("a refusal without the security headers: %v", res.Header)
			}
			if strings.Contains(body, "csrf") {
				t.Errorf("a refusal shows the CSRF field:\n%s", body)
			}
		})
	}
	// The question is still open: no refused POST answered it.
	if _, body := st.do(t, "GET", "/q/q-test-1", nil, nil); !strings.Contains(body, `id="answer"`) {
		t.Fatalf("the question was answered by a refused request:\n%s", body)
	}
}

func testLoopbackHostSpellings(t *testing.T, st *site) {
	port := strings.Split(st.host, ":")[1]
	for _, h := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port} {
		if res, _ := st.do(t, "GET", "/", nil, func(r *http.Request) { r.Host = h }); res.StatusCode != 200 {
			t.Errorf("Host %s: %d", h, res.StatusCode)
		}
	}
}

func testHeaders(t *testing.T, st *site) {
	res, _ := st.do(t, "GET", "/", nil, nil)
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "same-origin",
		"Cache-Control":          "no-store",
		"Content-Type":           "text/html; charset=utf-8",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if res, _ := st.do(t, "GET", "/static/ui.js", nil, nil); !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("ui.js served as %q", res.Header.Get("Content-Type"))
	}
}

// testHostileTextEscaped: every text a session holds is shown, never
// obeyed: no markup, no raw control character, valid UTF-8.
func testHostileTextEscaped(t *testing.T, st *site) {
	for _, path := range []string{"/", "/s/" + st.session, "/c/" + st.session + "/" + st.cp, "/q/" + st.question} {
		t.Run(path, func(t *testing.T) {
			res, body := st.do(t, "GET", path, nil, nil)
			if res.StatusCode != 200 {
				t.Fatalf("%d\n%s", res.StatusCode, body)
			}
			for _, bad := range []string{"<script>alert", "<img", "\x1b", "\x07", "\xff"} {
				if strings.Contains(body, bad) {
					t.Errorf("%q shown raw", bad)
				}
			}
			if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("the hostile text is not shown escaped:\n%s", body)
			}
			if strings.Count(body, "<script") != 1 {
				t.Errorf("a script other than ui.js:\n%s", body)
			}
		})
	}
}

func testPages(t *testing.T, st *site) {
	_, body := st.do(t, "GET", "/", nil, nil)
	for _, want := range []string{`data-session="s-web"`, `data-question="q-test-1"`, `id="sessions"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/ lacks %s", want)
		}
	}
	if strings.Index(body, `id="questions"`) > strings.Index(body, `id="sessions"`) {
		t.Errorf("open questions are not first")
	}
	_, body = st.do(t, "GET", "/s/"+st.session, nil, nil)
	for _, want := range []string{`data-kind="run"`, `data-kind="checkpoint"`, `data-kind="question"`, `href="/c/s-web/` + st.cp + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the timeline lacks %s", want)
		}
	}
	_, body = st.do(t, "GET", "/c/"+st.session+"/"+st.cp, nil, nil)
	for _, want := range []string{`id="record"`, `id="rollback-dryrun"`, `class="add"`, `class="del"`, "binary file differs", "blob.bin"} {
		if !strings.Contains(body, want) {
			t.Errorf("the checkpoint page lacks %s", want)
		}
	}
	_, body = st.do(t, "GET", "/q/"+st.question, nil, nil)
	if !regexp.MustCompile(`value="2" checked`).MatchString(body) || !strings.Contains(body, "(default)") {
		t.Errorf("the default is not preselected and marked:\n%s", body)
	}
}

func TestTimelinePages(t *testing.T) {
	t.Parallel()
	st := newSite(t)
	stateDir, _ := state.Dir(st.dir, nil)
	l := sessionlog.Open(stateDir, "s-many")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 120 {
		l.Append(sessionlog.Entry{Time: base.Add(time.Duration(i) * time.Second), Type: sessionlog.KindRun,
			Run: &sessionlog.Run{Command: []string{"run", strings.Repeat("x", i)}, Outcome: "passed", AttemptsMade: 1}})
	}
	_, body := st.do(t, "GET", "/s/s-many", nil, nil)
	if n := strings.Count(body, `data-kind="run"`); n != 50 {
		t.Fatalf("page 1 has %d items, want 50", n)
	}
	if !strings.Contains(body, "run "+strings.Repeat("x", 119)+"<") || !strings.Contains(body, `rel="next" href="/s/s-many?page=2"`) {
		t.Fatalf("page 1 does not start with the newest, or has no next link")
	}
	_, body = st.do(t, "GET", "/s/s-many?page=3", nil, nil)
	if n := strings.Count(body, `data-kind="run"`); n != 20 || strings.Contains(body, `rel="next"`) {
		t.Fatalf("page 3 has %d items, want the oldest 20 and no next link", n)
	}
}

func TestAnswer(t *testing.T) {
	t.Parallel()
	st := newSite(t)
	path := "/q/" + st.question
	csrf := st.csrf(t, path)
	res, body := st.do(t, "POST", path, url.Values{"option": {"9"}, "csrf": {csrf}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an option out of range: %d", res.StatusCode)
	}
	res, body = st.do(t, "POST", path, url.Values{"option": {"2"}, "justification": {"because"}, "csrf": {csrf}}, nil)
	if res.StatusCode != 200 || !strings.Contains(body, `id="result"`) {
		t.Fatalf("answer: %d\n%s", res.StatusCode, body)
	}
	stateDir, _ := state.Dir(st.dir, nil)
	_, rec, err := escalate.NewStore(stateDir).Get(st.question)
	if err != nil || rec == nil || rec.Option != "no" || rec.AnsweredBy != "web" || rec.Justification != "because" {
		t.Fatalf("recorded %+v, %v", rec, err)
	}
	es, _ := sessionlog.Open(stateDir, st.session).Entries()
	if last := es[len(es)-1]; last.Type != sessionlog.KindAnswer || last.Human.AnsweredBy != "web" {
		t.Fatalf("the session log ends with %+v", last)
	}
	// A second tab answers too.
	res, body = st.do(t, "POST", path, url.Values{"option": {"1"}, "csrf": {csrf}}, nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Already answered: &#34;no&#34;, by web at") {
		t.Fatalf("a second answer: %d\n%s", res.StatusCode, body)
	}
}

func TestAnswerNeedsJustification(t *testing.T) {
	t.Parallel()
	st := newSite(t)
	stateDir, _ := state.Dir(st.dir, nil)
	q := &escalate.Question{SessionID: st.session, Issue: "why?", Options: []string{"a", "b"}, RequireJustification: true, AskedAt: time.Now()}
	id, _, err := escalate.NewStore(stateDir).Defer(q, func() string { return "q-why-1" })
	if err != nil {
		t.Fatal(err)
	}
	csrf := st.csrf(t, "/q/"+id)
	res, body := st.do(t, "POST", "/q/"+id, url.Values{"option": {"1"}, "justification": {"  "}, "csrf": {csrf}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "requires a justification") {
		t.Fatalf("%d\n%s", res.StatusCode, body)
	}
}

func TestRollbackAndUndo(t *testing.T) {
	t.Parallel()
	st := newSite(t)
	path := "/c/" + st.session + "/" + st.cp
	csrf := st.csrf(t, path)
	readme := func() string {
		b, err := os.ReadFile(filepath.Join(st.dir, "README"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	before := readme()
	res, body := st.do(t, "POST", path+"/rollback", url.Values{"csrf": {csrf}}, nil)
	if res.StatusCode != 200 || !strings.Contains(body, `id="rollback-confirm"`) || !strings.Contains(body, "restore: README") || readme() != before {
		t.Fatalf("dry run: %d, README changed: %v\n%s", res.StatusCode, readme() != before, body)
	}
	res, body = st.do(t, "POST", path+"/rollback", url.Values{"csrf": {csrf}, "confirm": {"yes"}}, nil)
	if res.StatusCode != 200 || !strings.Contains(body, `id="undo"`) || readme() != "hello\n" {
		t.Fatalf("rollback: %d, README %q\n%s", res.StatusCode, readme(), body)
	}
	event := regexp.MustCompile(`name="event" value="([^"]+)"`).FindStringSubmatch(body)[1]
	res, body = st.do(t, "POST", path+"/undo", url.Values{"csrf": {csrf}, "event": {event}}, nil)
	if res.StatusCode != 200 || readme() != before {
		t.Fatalf("undo: %d, README %q\n%s", res.StatusCode, readme(), body)
	}
	// The same undo again (a second tab): the rollback was taken back
	// already, and nothing else is.
	res, _ = st.do(t, "POST", path+"/undo", url.Values{"csrf": {csrf}, "event": {event}}, nil)
	if res.StatusCode != http.StatusConflict || readme() != before {
		t.Fatalf("a second undo: %d, README %q", res.StatusCode, readme())
	}
}

// TestHugeDiffBounded: a 50 MB change makes a page of about a MiB, not
// of 50 MB.
func TestHugeDiffBounded(t *testing.T) {
	t.Parallel()
	st := newSite(t)
	f, err := os.Create(filepath.Join(st.dir, "huge.txt"))
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("y", 99) + "\n"
	chunk := strings.Repeat(line, 10000)
	for range 50 {
		f.WriteString(chunk)
	}
	f.Close()
	start := time.Now()
	res, body := st.do(t, "GET", "/c/"+st.session+"/"+st.cp, nil, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "diff truncated") {
		t.Fatalf("%d, not truncated", res.StatusCode)
	}
	if len(body) > 4<<20 {
		t.Fatalf("a page of %d bytes", len(body))
	}
	t.Logf("50 MB diff: a page of %d KiB in %v", len(body)>>10, time.Since(start))
}

func TestNoTokenOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	dir := gittest.Init(t)
	if _, err := ui.New(ui.Options{Dir: dir, Addr: "0.0.0.0:0", NoToken: true}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("got %v", err)
	}
	srv, err := ui.New(ui.Options{Dir: dir, NoToken: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = strings.TrimPrefix(srv.BaseURL(), "http://")
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, r)
	if w.Code != 200 || srv.URL() != srv.BaseURL()+"/" {
		t.Fatalf("%d %s", w.Code, srv.URL())
	}
}

func TestOutsideRepository(t *testing.T) {
	t.Parallel()
	if _, err := ui.New(ui.Options{Dir: gittest.OutsideRepo(t)}); err == nil {
		t.Fatal("served a folder outside a repository")
	}
}

// TestLiveUpdate: a stream on /events hears of a checkpoint made by
// another process, and the server still shuts down with the stream open.
func TestLiveUpdate(t *testing.T) {
	t.Parallel()
	dir := gittest.Init(t)
	srv, err := ui.New(ui.Options{Dir: dir, Token: "tok", Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	defer cancel()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.Get(srv.URL())
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("first visit: %v %v", res, err)
	}
	res.Body.Close()
	res, err = client.Get(srv.BaseURL() + "/events")
	if err != nil || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %v %v", res, err)
	}
	defer res.Body.Close()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The stream is open once its first line came; then it tells the
	// current signature, the one a page made now carries.
	if l := <-lines; !strings.HasPrefix(l, "retry:") {
		t.Fatalf("first line %q", l)
	}
	data := func() string {
		deadline := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the stream ended")
				}
				if d, ok := strings.CutPrefix(l, "data: "); ok {
					return d
				}
			case <-deadline:
				t.Fatal("no event within 10 s")
			}
		}
	}
	first := data()
	res, err = client.Get(srv.BaseURL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), `data-version="`+first+`"`) {
		t.Errorf("the page does not carry the stream's signature %s", first)
	}
	gittest.Git(t, dir, "update-ref", "refs/maestro/checkpoints/s/cp-x", "HEAD")
	if next := data(); next == first {
		t.Errorf("the change was told with the signature from before it: %s", next)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve still running 10 s after its context ended")
	}
}

// TestRollbackNotifies: a rollback made on the page is told to the
// [notify] command, as maestro rollback's is.
func TestRollbackNotifies(t *testing.T) {
	t.Parallel()
	dir := gittest.Init(t)
	store, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := store.Create(checkpoint.CreateOptions{SessionID: "s-n", Type: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	gittest.Write(t, dir, "README", "changed\n")
	got := filepath.Join(t.TempDir(), "event.json")
	config := filepath.Join(t.TempDir(), "recovery.toml")
	if err := os.WriteFile(config, []byte("[notify]\ncommand = [\"sh\", \"-c\", 'cat > \""+got+"\"']\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defaults, err := os.ReadFile("../recovery.toml")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ui.New(ui.Options{Dir: dir, Token: "secret-token", ConfigFlag: config, Defaults: defaults})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	st := &site{dir: dir, srv: srv, h: srv.Handler(), host: strings.TrimPrefix(srv.BaseURL(), "http://")}
	path := "/c/s-n/" + rec.CheckpointID
	res, body := st.do(t, "POST", path+"/rollback", url.Values{"csrf": {st.csrf(t, path)}, "confirm": {"yes"}}, nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d\n%s", res.StatusCode, body)
	}
	data, err := os.ReadFile(got)
	if err != nil || !strings.Contains(string(data), `"event":"rollback"`) || !strings.Contains(string(data), rec.CheckpointID) {
		t.Fatalf("the notifier got %s (%v)", data, err)
	}
}

// TestRemoteQuestion: a question asked in another clone and fetched here
// is listed and answered on the page; the answer goes to the remote, and
// a second answer from the page is refused.
func TestRemoteQuestion(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q", "--bare", "remote.git")
	var clones [2]string
	for i, name := range []string{"asker", "here"} {
		clones[i] = filepath.Join(root, name)
		gittest.Git(t, root, "init", "-q", "-b", "main", name)
		gittest.Git(t, clones[i], "commit", "-q", "--allow-empty", "-m", "first")
		gittest.Git(t, clones[i], "remote", "add", "origin", "../remote.git")
	}
	asker := func(dir string) *escalate.Shared {
		stateDir, err := state.Dir(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		repo, err := checkpoint.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return escalate.NewShared(escalate.NewStore(stateDir), repo.Repo())
	}
	a := asker(clones[0])
	q := &escalate.Question{SessionID: "s-far", Issue: "ship " + hostile + "?", Options: []string{"yes", "no"}, Default: "no", AskedAt: time.Now().UTC(), Remote: "origin"}
	id, _, err := a.Store.Defer(q, func() string { return "q-remote-1" })
	if err != nil {
		t.Fatal(err)
	}
	q.ID = id
	if err := a.PushQuestion(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if _, err := asker(clones[1]).Fetch(context.Background(), "origin"); err != nil {
		t.Fatal(err)
	}
	srv, err := ui.New(ui.Options{Dir: clones[1], Token: "secret-token"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	st := &site{dir: clones[1], srv: srv, h: srv.Handler(), host: strings.TrimPrefix(srv.BaseURL(), "http://")}
	if _, body := st.do(t, "GET", "/", nil, nil); !strings.Contains(body, `data-question="q-remote-1"`) || !strings.Contains(body, "from origin") {
		t.Fatalf("the fetched question is not listed:\n%s", body)
	}
	csrf := st.csrf(t, "/q/"+id)
	res, body := st.do(t, "POST", "/q/"+id, url.Values{"option": {"1"}, "csrf": {csrf}}, nil)
	if res.StatusCode != 200 {
		t.Fatalf("answer: %d\n%s", res.StatusCode, body)
	}
	if out := gittest.Git(t, root, "--git-dir=remote.git", "cat-file", "blob", "refs/maestro/answers/"+id); !strings.Contains(out, `"option":"yes"`) || !strings.Contains(out, `"answered_by":"web"`) {
		t.Fatalf("the remote's answer: %s", out)
	}
	if res, body := st.do(t, "POST", "/q/"+id, url.Values{"option": {"2"}, "csrf": {csrf}}, nil); res.StatusCode != http.StatusConflict {
		t.Fatalf("a second answer: %d\n%s", res.StatusCode, body)
	}
}
