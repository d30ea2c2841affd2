package ui_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequestPath sends any path and query to the real handler: it never
// fails (a 5xx), never echoes markup, and refuses what is not a page.
func FuzzRequestPath(f *testing.F) {
	st := newSite(f)
	for _, seed := range []string{"/", "/s/" + st.session, "/s/" + st.session + "?page=2", "/c/" + st.session + "/" + st.cp,
		"/q/" + st.question, "/s/..%2f..", "/c/a/b/c", "/q/%00", "/s/<script>", "/static/../ui.go", "/s/s-web?page=-1",
		"/events?x=1", "//evil.example/", "/s/%e2%80%ae", "/?token=" + strings.Repeat("a", 64)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, target string) {
		if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "/events") || strings.ContainsAny(target, " \t\r\n#") {
			return // not a request line a client could send; /events streams
		}
		var r *http.Request
		func() {
			defer func() { recover() }() // httptest refuses what no client would send
			r = httptest.NewRequest("GET", target, nil)
		}()
		if r == nil {
			return
		}
		r.Host = st.host
		r.AddCookie(&http.Cookie{Name: "maestro_token_" + st.port(), Value: "secret-token"})
		w := httptest.NewRecorder()
		st.h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s: %d\n%s", target, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "<script>alert") {
			t.Fatalf("%s: markup shown raw", target)
		}
	})
}
