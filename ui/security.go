package ui

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// cookieName holds the token after the first visit. Browsers keep
// cookies by host, not by port: each server's has its port in its name,
// or two maestro ui on 127.0.0.1 would take each other's.
func (s *Server) cookieName() string { return "maestro_token_" + s.port }

// maxBody bounds a form: an answer's justification is the biggest field.
const maxBody = 64 << 10

func mac(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// guard is every check a request passes before a handler sees it, in
// order: the Host (DNS rebinding: a page of another site whose name now
// points here would otherwise be same-origin with this one), the token,
// and for a POST the origin and the CSRF field. The security headers are
// on every answer, refusals included.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// same-origin, not no-referrer: a browser that sends no Origin on
		// a POST still sends the Referer the origin check falls back on.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if !s.hostAllowed(r.Host) {
			s.refuse(w, r, http.StatusMisdirectedRequest, "This server answers to "+strings.TrimPrefix(s.base, "http://")+" only.")
			return
		}
		if s.token != "" {
			q := r.URL.Query()
			if q.Has("token") {
				if !same(q.Get("token"), s.token) {
					s.refuse(w, r, http.StatusForbidden, "Wrong token: open the URL maestro ui printed.")
					return
				}
				http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
				// The token leaves the address bar and the history.
				q.Del("token")
				// One leading slash: "//host" would send the browser away.
				u := url.URL{Path: "/" + strings.TrimLeft(r.URL.Path, "/"), RawQuery: q.Encode()}
				http.Redirect(w, r, u.String(), http.StatusSeeOther)
				return
			}
			c, err := r.Cookie(s.cookieName())
			if err != nil {
				s.refuse(w, r, http.StatusUnauthorized, "This page needs the token: open the URL maestro ui printed.")
				return
			}
			if !same(c.Value, s.token) {
				s.refuse(w, r, http.StatusForbidden, "Wrong token: open the URL maestro ui printed.")
				return
			}
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodPost:
			if !s.sameOrigin(r) {
				s.refuse(w, r, http.StatusForbidden, "Refused: this form was not sent from maestro's own page.")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			if err := r.ParseForm(); err != nil {
				s.refuse(w, r, http.StatusRequestEntityTooLarge, "The form is too big.")
				return
			}
			if !same(r.PostForm.Get("csrf"), s.csrf) {
				s.refuse(w, r, http.StatusForbidden, "Refused: the form's CSRF field is missing or wrong; reload the page.")
				return
			}
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			s.refuse(w, r, http.StatusMethodNotAllowed, "Method not allowed.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostAllowed takes the bound HOST:PORT, its loopback spellings for a
// loopback address and, bound to every address, any IP literal with the
// port: a name could be rebound to this machine, an address cannot.
func (s *Server) hostAllowed(host string) bool {
	host = strings.ToLower(host)
	if s.hosts[host] {
		return true
	}
	if !s.anyIP {
		return false
	}
	h, p, err := net.SplitHostPort(host)
	return err == nil && p == s.port && net.ParseIP(h) != nil
}

// sameOrigin checks a POST's Origin, or its Referer when a browser sent
// no Origin, against the Host the request was sent to (already checked).
func (s *Server) sameOrigin(r *http.Request) bool {
	want := "http://" + strings.ToLower(r.Host)
	if o := r.Header.Get("Origin"); o != "" {
		return strings.ToLower(o) == want
	}
	ref, err := url.Parse(r.Header.Get("Referer"))
	return err == nil && ref.Scheme == "http" && strings.ToLower(ref.Host) == strings.ToLower(r.Host) && r.Header.Get("Referer") != ""
}

// refuse answers with a short page saying why.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	s.render(w, r, code, "message", pageData{Title: http.StatusText(code), Message: msg})
}
