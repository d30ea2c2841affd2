package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzLoad feeds arbitrary bytes to the loader as a user's recovery.toml,
// on top of the real default. Whatever comes in, the loader must not panic;
// a refusal must be a one-line *Error naming the file; an accepted file must
// classify any output without panicking.
func FuzzLoad(f *testing.F) {
	def, err := os.ReadFile("../recovery.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	seeds, _ := filepath.Glob("testdata/config/*.toml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[retry]\nmax_attempts = 5\nbase_delay = \"10ms\"\n"))
	f.Add([]byte("[notify]\ncommand = ['sh', '-c', 'cat']\nevents = ['rollback']\ntimeout = \"1s\"\n"))
	f.Add([]byte("rules = [{failure_type = \"transient\", patterns = ['(?i)x', 'y+'], exit_codes = [3]}]\n"))
	f.Add([]byte("[failure_types.a]\ntransient = true\n[[rules]]\nfailure_type = \"a\"\npatterns = ['^a$']\n"))
	defDoc, err := parse(Source{Origin: OriginDefault}, def)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := Source{Origin: OriginFlag, Path: "fuzz.toml"}
		c := newConfig()
		doc, err := parse(src, data)
		if err == nil {
			err = c.merge([]*document{doc, defDoc})
		}
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if e.File != "fuzz.toml" && e.File != "embedded default" {
				t.Fatalf("error names %q: %v", e.File, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err.Error())
			}
			return
		}
		if c.Retry.MaxAttempts < 1 || c.Retry.BaseDelay <= 0 || c.Retry.MaxDelay < c.Retry.BaseDelay || c.Retry.ExponentialBase < 1 {
			t.Fatalf("accepted invalid retry settings %+v", c.Retry)
		}
		for _, out := range [][]byte{data, []byte("SyntaxError: x\nconnection reset\n"), nil} {
			if _, err := c.Classify(Failure{ExitCode: 1, Output: [][]byte{out}}); err != nil {
				t.Fatalf("classify: %v", err)
			}
		}
	})
}

// FuzzLocate checks that finding a key's line never panics on any document.
func FuzzLocate(f *testing.F) {
	f.Add([]byte("[retry]\nmax_attempts = 3\n"), "retry", "max_attempts", 0)
	f.Add([]byte("[[rules]]\npatterns = ['a', 'b']\n"), "rules", "patterns", 1)
	f.Add([]byte("rules = [{patterns = ['a']}]"), "rules", "patterns", 0)
	f.Fuzz(func(t *testing.T, data []byte, a, b string, i int) {
		locate(data, []any{a, i, b, i})
		locate(data, []any{a, b})
	})
}

// FuzzClassify feeds arbitrary output to the default rules: no panic, and
// the line reported is valid UTF-8, bounded, and comes from the output.
func FuzzClassify(f *testing.F) {
	def, err := os.ReadFile("../recovery.toml")
	if err != nil {
		f.Fatal(err)
	}
	c, err := LoadDefault(def)
	if err != nil {
		f.Fatal(err)
	}
	corpus, _ := filepath.Glob("testdata/corpus/*/*.txt")
	for _, p := range corpus {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, 1)
	}
	f.Add([]byte("\x1b[31mSyntaxError\x1b[0m: x\r\n\x1b]0;title\x07"), 2)
	f.Fuzz(func(t *testing.T, out []byte, code int) {
		got, err := c.Classify(Failure{ExitCode: code, Output: [][]byte{out}})
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(got.Line) || len(got.Line) > maxLineLen+len("…") {
			t.Fatalf("line %q", got.Line)
		}
		if got.FailureType == "" {
			t.Fatal("no failure type")
		}
	})
}

// FuzzParseRetryOn and FuzzParseDuration: what they accept, they print back
// to an equal value.
func FuzzParseRetryOn(f *testing.F) {
	for _, s := range []string{"any", "transient", "1,75,137", " 3 , 4", "0", "256", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRetryOn(s)
		if err != nil {
			return
		}
		again, err := ParseRetryOn(r.String())
		if err != nil || again.String() != r.String() {
			t.Fatalf("%q -> %q -> %v, %v", s, r.String(), again, err)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"1.5s", "2m", "3", "0.001", "-1s", "1h2m3s", "9999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d <= 0 {
			t.Fatalf("%q accepted as %v", s, d)
		}
		if back, err := ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Fatalf("%q = %v, printed %q, read back %v, %v", s, d, FormatDuration(d), back, err)
		}
	})
}
