package checkpoint

import (
	"strings"
	"testing"
)

// FuzzValidateID checks that an accepted id is a safe ref component and
// file name: nothing git or a file system would read otherwise.
func FuzzValidateID(f *testing.F) {
	for _, s := range []string{"default", "agent-7", "../x", "a b", "x.lock", "", "a..b", ".x", "-x", "x.", "é", "a/b", "@{1}", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateID("session id", s) != nil {
			return
		}
		if s == "" || len(s) > MaxIDLen || strings.Contains(s, "..") || strings.HasSuffix(s, ".lock") ||
			strings.HasPrefix(s, ".") || strings.HasPrefix(s, "-") || strings.HasSuffix(s, ".") {
			t.Fatalf("accepted %q", s)
		}
		for _, c := range []byte(s) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				t.Fatalf("accepted %q with %q", s, c)
			}
		}
	})
}

// FuzzTrailer: any message, any key: no panic, and a value never spans lines.
func FuzzTrailer(f *testing.F) {
	f.Add("subject\n\nbody\n\nMaestro-Phase: build\n", "Maestro-Phase")
	f.Add("subject", "x")
	f.Fuzz(func(t *testing.T, msg, key string) {
		if v := trailer(msg, key); strings.Contains(v, "\n") {
			t.Fatalf("trailer %q", v)
		}
	})
}
