package doctest

import (
	"reflect"
	"strings"
	"testing"
)

func TestBlocks(t *testing.T) {
	page := "# T\n\n```console\n$ echo hi\nhi\n```\n\n- item\n\n  ~~~sh skip\n  exit 1\n  ~~~\n\n````toml\n```\nx = 1\n````\n\nText with ```inline``` code.\n"
	got, err := Blocks([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	want := []Block{
		{Line: 3, Lang: "console", Text: "$ echo hi\nhi\n"},
		{Line: 10, Lang: "sh", Skip: true, Text: "exit 1\n"},
		{Line: 14, Lang: "toml", Text: "```\nx = 1\n"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got[0].Run() != true || got[1].Run() || got[2].Run() {
		t.Errorf("Run: console %v, skipped sh %v, toml %v", got[0].Run(), got[1].Run(), got[2].Run())
	}
}

func TestSteps(t *testing.T) {
	b := Block{Line: 10, Lang: "console", Text: "$ cat > f <<'EOF'\n> a\n> EOF\n$ cat f\na\n\n$ false # exits 1\n"}
	got, err := Steps(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Line: 11, Command: "cat > f <<'EOF'\na\nEOF"},
		{Line: 14, Command: "cat f", Want: []string{"a"}},
		{Line: 17, Command: "false # exits 1", Exit: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if _, err := Steps(Block{Line: 1, Text: "output\n$ true\n"}); err == nil || !strings.Contains(err.Error(), "line 2: output before the first command") {
		t.Errorf("output before a command: %v", err)
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		want []string
		got  string
		ok   bool
	}{
		{nil, "", true},
		{nil, "\n\n", true},
		{nil, "x\n", false},
		{[]string{"a", "b"}, "a\nb\n", true},
		{[]string{"a  "}, "a\n", true},
		{[]string{"a"}, "a  \n\n", true},
		{[]string{"a", "b"}, "a\n", false},
		{[]string{"..."}, "", true},
		{[]string{"..."}, "a\nb\n", true},
		{[]string{"a", "...", "z"}, "a\nz\n", true},
		{[]string{"a", "...", "z"}, "a\nb\nc\nz\n", true},
		{[]string{"a", "...", "z"}, "a\nb\n", false},
		{[]string{"took [...]ms"}, "took 12ms\n", true},
		{[]string{"took [...]ms"}, "took 12s\n", false},
		{[]string{"[...] and [...]"}, "this and that\n", true},
		{[]string{"a[...]a"}, "a\n", false},
	} {
		if d := Match(tc.want, tc.got); (d == "") != tc.ok {
			t.Errorf("Match(%q, %q) = %q, want ok %v", tc.want, tc.got, d, tc.ok)
		}
	}
}

func TestSlugAndAnchors(t *testing.T) {
	for in, want := range map[string]string{
		"Exit codes and JSON formats":         "exit-codes-and-json-formats",
		"maestro push, fetch":                 "maestro-push-fetch",
		"`git maestro rollback`":              "git-maestro-rollback",
		"[failure_types.NAME]":                "failure_typesname",
		"The run report (`--report FILE`)":    "the-run-report---report-file",
		"Hooks: a checkpoint of every commit": "hooks-a-checkpoint-of-every-commit",
		"A [linked](x.md) heading":            "a-linked-heading",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	a := Anchors([]byte("# Top\n## Flags\n```sh\n# not a heading\n```\n## Flags\n<a name=\"here\"></a>\n"))
	for _, name := range []string{"top", "flags", "flags-1", "here"} {
		if !a[name] {
			t.Errorf("no anchor %q in %v", name, a)
		}
	}
	if a["not-a-heading"] {
		t.Error("a comment in a code block became an anchor")
	}
}

func TestLinks(t *testing.T) {
	page := "See [a](a.md#x) and [b](<b c.md>), `[not](code.md)`.\n```\n[no](block.md)\n```\n[ref]: ref.md \"title\"\n[t](t.md \"title\")\n"
	var got []string
	for _, l := range Links([]byte(page)) {
		got = append(got, l.Target)
	}
	want := []string{"a.md#x", "ref.md", "t.md"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FuzzParse: a page is text anyone may write; parsing it must not panic,
// and whatever Build makes of it must keep each command inside its braces.
func FuzzParse(f *testing.F) {
	f.Add("```console\n$ echo hi\nhi\n...\n[...]\n```\n")
	f.Add("~~~sh\ntrue\n~~~\n```toml\nx=1\n```\n")
	f.Add("  ```console skip\n  $ a\n  > b\n  ```\n# H\n[l](x.md#y)\n")
	f.Add("<!-- maestro:flags run -->\nold\n<!-- maestro:end -->\nafter")
	f.Fuzz(func(t *testing.T, page string) {
		blocks, _ := Blocks([]byte(page))
		Build(blocks, "/tmp/out")
		for _, b := range blocks {
			if steps, err := Steps(b); err == nil {
				for _, s := range steps {
					Match(s.Want, page)
				}
			}
		}
		Links([]byte(page))
		Anchors([]byte(page))
		// Regenerating with empty tables twice gives the same page: the
		// markers and what is outside them survive.
		empty := func(string, []string) (string, error) { return "", nil }
		once, err := Regenerate([]byte(page), empty)
		if err == nil {
			twice, err := Regenerate(once, empty)
			if err != nil || string(twice) != string(once) {
				t.Errorf("not idempotent: %q then %q (%v)", once, twice, err)
			}
		}
	})
}
