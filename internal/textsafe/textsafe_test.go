package textsafe_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Pins issue 7, point 4: `maestro list | cat -v` showed an OSC 52 clipboard
// write and a title change taken raw from commit subjects.
func TestVisible(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want, lines string }{
		{"plain text", "plain text", "plain text"},
		{"héllo wörld", "héllo wörld", "héllo wörld"},
		{"\x1b]52;c;ZXZpbA==\x07", `\e]52;c;ZXZpbA==\x07`, `\e]52;c;ZXZpbA==\x07`},
		{"\x1b]0;pwned\x1b\\title", `\e]0;pwned\e\title`, `\e]0;pwned\e\title`},
		{"a\nb\tc\rd", `a\nb\tc\rd`, "a\nb\\tc\\rd"},
		{"nul\x00del\x7f", `nul\x00del\x7f`, `nul\x00del\x7f`},
		{"c1\u009b31m", `c1\u009b31m`, `c1\u009b31m`},
		{"rtl\u202eevil", `rtl\u202eevil`, `rtl\u202eevil`},
		// Tag characters spell text nobody sees ("ASCII smuggling").
		{"ok\U000e0069\U000e0067", `ok\U000e0069\U000e0067`, `ok\U000e0069\U000e0067`},
		{"soft\u00adhyphen\u2064", `soft\u00adhyphen\u2064`, `soft\u00adhyphen\u2064`},
		{"emoji 😀 ok", "emoji 😀 ok", "emoji 😀 ok"},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`, `bad\xffutf8\xc3`},
		{`back\slash`, `back\slash`, `back\slash`},
	} {
		if got := textsafe.Visible(c.in); got != c.want {
			t.Errorf("Visible(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := textsafe.VisibleLines(c.in); got != c.lines {
			t.Errorf("VisibleLines(%q) = %q, want %q", c.in, got, c.lines)
		}
	}
}

func FuzzVisible(f *testing.F) {
	for _, s := range []string{"", "a", "\x1b[31mred", "\xff\xfe", "\u202e", "a\nb", "\U000e0041", "\u00ad"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, v := range []string{textsafe.Visible(s), textsafe.VisibleLines(s)} {
			if !utf8.ValidString(v) {
				t.Fatalf("not UTF-8: %q", v)
			}
			for _, r := range v {
				if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f || unicode.Is(unicode.Cf, r) {
					t.Fatalf("control %U left in %q", r, v)
				}
			}
		}
		for _, r := range textsafe.Visible(s) {
			if r == '\n' {
				t.Fatalf("newline left in Visible(%q)", s)
			}
		}
	})
}

// Pins issue 7, point 14: a file name that is not UTF-8 came out of --json
// with U+FFFD in place of its bytes.
func TestPathRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"plain.txt", "caf\xe9.txt", "\xff\xfe", "é/\"q\"\\\n.go", "\xed\xa0\x80", "😀\x80"} {
		data, err := json.Marshal([]textsafe.Path{textsafe.Path(name)})
		if err != nil {
			t.Fatal(err)
		}
		var back []textsafe.Path
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if len(back) != 1 || string(back[0]) != name {
			t.Errorf("%q -> %s -> %q", name, data, back)
		}
		if !json.Valid(data) {
			t.Errorf("%q -> %s: not valid JSON", name, data)
		}
	}
	data, _ := json.Marshal(textsafe.Path("caf\xe9"))
	if got, want := string(data), `"caf\udce9"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// null leaves the value alone, as for a string, instead of failing.
	v := struct{ P textsafe.Path }{"kept"}
	if err := json.Unmarshal([]byte(`{"P":null}`), &v); err != nil || v.P != "kept" {
		t.Errorf("null: %q, %v", v.P, err)
	}
	if got := textsafe.Names(textsafe.Paths(nil)); got != nil {
		t.Errorf("nil list became %q", got)
	}
}

func FuzzPath(f *testing.F) {
	for _, s := range []string{"", "a", "\xe9", "\\u", "\"", "\xed\xb2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data, err := textsafe.Path(s).MarshalJSON()
		if err != nil || !json.Valid(data) {
			t.Fatalf("%q -> %s, %v", s, data, err)
		}
		var back textsafe.Path
		if err := back.UnmarshalJSON(data); err != nil || string(back) != s {
			t.Fatalf("%q -> %s -> %q, %v", s, data, back, err)
		}
	})
}

func TestPlain(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"crlf\r", "crlf"},
		{"  indented\r", "  indented"},
		{"\x1b[31mFAILED\x1b[0m t.py::test_a", "FAILED t.py::test_a"},
		{"\x1b[1;32m--- PASS\x1b[m: TestX", "--- PASS: TestX"},
		{"progress 10%\rprogress 100%\rdone", "done"},
		{"progress 10%\rdone\r", "done"},
		{"done\r   ", "done"},
		{"\x1b]8;;http://x\x07link\x1b]8;;\x1b\\ after", "link after"},
		{"\x1b(Bcharset", "charset"},
		{"cut at the end \x1b", "cut at the end "},
		{"cut in a CSI \x1b[3", "cut in a CSI "},
		{"", ""},
	} {
		if got := string(textsafe.Plain([]byte(c.in))); got != c.want {
			t.Errorf("Plain(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Whatever a command prints, Plain never panics, never grows a line,
// leaves no escape character in it and does not change its input.
func FuzzPlain(f *testing.F) {
	for _, s := range []string{"\x1b[31mred\x1b[0m", "a\rb\r", "\x1b]0;title\x07x", "\x1b", "\x1b[", "\x1b(", "\x1b]8;;\x1b\\"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		keep := string(in)
		out := textsafe.Plain(in)
		if len(out) > len(in) {
			t.Fatalf("%q grew to %q", in, out)
		}
		if bytes.IndexByte(out, 0x1b) >= 0 {
			t.Fatalf("%q kept an escape: %q", in, out)
		}
		if string(in) != keep {
			t.Fatalf("Plain changed its input")
		}
	})
}
