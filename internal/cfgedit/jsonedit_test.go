package cfgedit

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const (
	testServer = `{"command":"m","args":["mcp"]}`
	testHook   = `{"command":"m agent hook x Stop"}`
)

// install adds an MCP server and a Stop hook as `maestro agent install`
// does, and returns the containers it created, for uninstall.
func install(t *testing.T, d *JSONDoc) (created [][]string) {
	t.Helper()
	if _, ok := d.Get("mcpServers"); !ok {
		created = append(created, []string{"mcpServers"})
	}
	if err := d.Set([]string{"mcpServers", "maestro"}, []byte(testServer)); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Get("hooks"); !ok {
		created = append(created, []string{"hooks"})
	}
	if _, ok := d.Get("hooks", "Stop"); !ok {
		created = append(created, []string{"hooks", "Stop"})
	}
	if err := d.Append([]string{"hooks", "Stop"}, []byte(testHook)); err != nil {
		t.Fatal(err)
	}
	return created
}

func uninstall(t *testing.T, d *JSONDoc, created [][]string) {
	t.Helper()
	n, err := d.RemoveElements([]string{"hooks", "Stop"}, func(raw []byte) bool {
		return bytes.Contains(raw, []byte("m agent hook"))
	})
	if err != nil || n != 1 {
		t.Fatalf("RemoveElements = %d, %v; want 1, nil", n, err)
	}
	if err := d.Remove([]string{"mcpServers", "maestro"}); err != nil {
		t.Fatal(err)
	}
	for i := len(created) - 1; i >= 0; i-- {
		if ok, err := d.RemoveIfEmpty(created[i]); err != nil || !ok {
			t.Fatalf("RemoveIfEmpty(%v) = %v, %v", created[i], ok, err)
		}
	}
}

func TestInstallUninstall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		src   string
		jsonc bool
		want  string // after install
		back  string // after uninstall, when it is not src
	}{
		{
			name: "empty file",
			src:  "",
			want: "{\n  \"mcpServers\": {\n    \"maestro\": {\n      \"command\": \"m\",\n      \"args\": [\n        \"mcp\"\n      ]\n    }\n  },\n" +
				"  \"hooks\": {\n    \"Stop\": [\n      {\n        \"command\": \"m agent hook x Stop\"\n      }\n    ]\n  }\n}\n",
			back: "{}\n", // as an empty file cannot be told from {} once edited
		},
		{
			name: "empty object without a final newline",
			src:  "{}",
			want: "{\n  \"mcpServers\": {\n    \"maestro\": {\n      \"command\": \"m\",\n      \"args\": [\n        \"mcp\"\n      ]\n    }\n  },\n" +
				"  \"hooks\": {\n    \"Stop\": [\n      {\n        \"command\": \"m agent hook x Stop\"\n      }\n    ]\n  }\n}",
		},
		{
			name: "user content, four spaces, final newline",
			src:  "{\n    \"model\": \"opus\",\n    \"hooks\": {\n        \"Stop\": [\n            {\n                \"command\": \"notify-send done\"\n            }\n        ]\n    }\n}\n",
			want: "{\n    \"model\": \"opus\",\n    \"hooks\": {\n        \"Stop\": [\n            {\n                \"command\": \"notify-send done\"\n            },\n" +
				"            {\n                \"command\": \"m agent hook x Stop\"\n            }\n        ]\n    },\n" +
				"    \"mcpServers\": {\n        \"maestro\": {\n            \"command\": \"m\",\n            \"args\": [\n                \"mcp\"\n            ]\n        }\n    }\n}\n",
		},
		{
			name: "tabs and CRLF",
			src:  "{\r\n\t\"mcpServers\": {\r\n\t\t\"db\": {\"command\": \"db-mcp\"}\r\n\t}\r\n}",
			want: "{\r\n\t\"mcpServers\": {\r\n\t\t\"db\": {\"command\": \"db-mcp\"},\r\n\t\t\"maestro\": {\r\n\t\t\t\"command\": \"m\",\r\n\t\t\t\"args\": [\r\n\t\t\t\t\"mcp\"\r\n\t\t\t]\r\n\t\t}\r\n\t},\r\n" +
				"\t\"hooks\": {\r\n\t\t\"Stop\": [\r\n\t\t\t{\r\n\t\t\t\t\"command\": \"m agent hook x Stop\"\r\n\t\t\t}\r\n\t\t]\r\n\t}\r\n}",
		},
		{
			name:  "comments and trailing commas",
			jsonc: true,
			src:   "{\n  // look\n  \"theme\": \"dark\", // the best\n  \"hooks\": {\n    \"Stop\": [\n      // none yet\n    ],\n  },\n}\n",
			want: "{\n  // look\n  \"theme\": \"dark\", // the best\n  \"hooks\": {\n    \"Stop\": [\n      // none yet\n      {\n        \"command\": \"m agent hook x Stop\"\n      }\n    ],\n  },\n" +
				"  \"mcpServers\": {\n    \"maestro\": {\n      \"command\": \"m\",\n      \"args\": [\n        \"mcp\"\n      ]\n    }\n  },\n}\n",
		},
		{
			name:  "a comment after the last member",
			jsonc: true,
			src:   "{\n  \"theme\": \"dark\" /* ok */ // the best\n}",
			want: "{\n  \"theme\": \"dark\", /* ok */ // the best\n  \"mcpServers\": {\n    \"maestro\": {\n      \"command\": \"m\",\n      \"args\": [\n        \"mcp\"\n      ]\n    }\n  },\n" +
				"  \"hooks\": {\n    \"Stop\": [\n      {\n        \"command\": \"m agent hook x Stop\"\n      }\n    ]\n  }\n}",
		},
		{
			name: "one line, compact",
			src:  `{"theme":"dark","hooks":{"Stop":[{"command":"a"}]}}`,
			want: `{"theme":"dark","hooks":{"Stop":[{"command":"a"},{"command":"m agent hook x Stop"}]},"mcpServers":{"maestro":{"command":"m","args":["mcp"]}}}`,
		},
		{
			name: "one line, spaced",
			src:  `{"theme": "dark", "mcpServers": {}}` + "\n",
			want: `{"theme": "dark", "mcpServers": {` + "\n  \"maestro\": {\n    \"command\": \"m\",\n    \"args\": [\n      \"mcp\"\n    ]\n  }\n}, " +
				`"hooks": {"Stop": [{"command": "m agent hook x Stop"}]}}` + "\n",
		},
		{
			name: "byte order mark",
			src:  "\xEF\xBB\xBF{\n  \"a\": 1\n}\n",
			want: "\xEF\xBB\xBF{\n  \"a\": 1,\n  \"mcpServers\": {\n    \"maestro\": {\n      \"command\": \"m\",\n      \"args\": [\n        \"mcp\"\n      ]\n    }\n  },\n" +
				"  \"hooks\": {\n    \"Stop\": [\n      {\n        \"command\": \"m agent hook x Stop\"\n      }\n    ]\n  }\n}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			parse := ParseJSON
			if tt.jsonc {
				parse = ParseJSONC
			}
			d, err := parse([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			created := install(t, d)
			if got := string(d.Bytes()); got != tt.want {
				t.Fatalf("after install:\n%s\nwant:\n%s\n%s", got, tt.want, Diff("settings.json", []byte(tt.want), []byte(got)))
			}
			// Installing is idempotent for the caller that looks first.
			if raw, ok := d.Get("mcpServers", "maestro"); !ok || !jsonEqual(raw, []byte(testServer)) {
				t.Fatalf("Get(mcpServers, maestro) = %s, %v", raw, ok)
			}
			uninstall(t, d, created)
			back := tt.src
			if tt.back != "" {
				back = tt.back
			}
			if got := string(d.Bytes()); got != back {
				t.Fatalf("after uninstall:\n%q\nwant:\n%q", got, back)
			}
		})
	}
}

// TestSeedFilesRoundTrip installs into each realistic settings file and
// checks that uninstall gives it back byte for byte.
func TestSeedFilesRoundTrip(t *testing.T) {
	t.Parallel()
	for name, src := range seedFiles(t, ".json", ".jsonc") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			parse := ParseJSON
			if strings.HasSuffix(name, ".jsonc") {
				parse = ParseJSONC
			}
			d, err := parse(src)
			if err != nil {
				t.Fatal(err)
			}
			created := install(t, d)
			if _, err := parse(d.Bytes()); err != nil {
				t.Fatalf("the installed file does not parse: %v", err)
			}
			uninstall(t, d, created)
			if !bytes.Equal(d.Bytes(), src) {
				t.Fatalf("not the same file:\n%s", Diff(name, src, d.Bytes()))
			}
		})
	}
}

func TestSetReplaces(t *testing.T) {
	t.Parallel()
	d, err := ParseJSON([]byte("{\n  \"mcpServers\": {\n    \"maestro\": {\"command\": \"/old/maestro\"},\n    \"x\": 1\n  }\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Set([]string{"mcpServers", "maestro"}, []byte(`{"command":"/new/maestro"}`)); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"mcpServers\": {\n    \"maestro\": {\n      \"command\": \"/new/maestro\"\n    },\n    \"x\": 1\n  }\n}\n"
	if got := string(d.Bytes()); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestGetCleansComments(t *testing.T) {
	t.Parallel()
	d, err := ParseJSONC([]byte(`{"a": {"b": [1, /* two */ 2, // end` + "\n" + `], "s": "// kept, ]"}}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, ok := d.Get("a")
	want := `{"b": [1,  2 ` + "\n" + `], "s": "// kept, ]"}`
	if !ok || string(raw) != want {
		t.Fatalf("Get(a) = %q, %v; want %q", raw, ok, want)
	}
	if _, ok := d.Get("a", "missing"); ok {
		t.Fatal("Get of a missing member says ok")
	}
	if _, ok := d.Get("a", "b", "c"); ok {
		t.Fatal("Get through an array says ok")
	}
}

func TestRemoveElementsKeepsOthers(t *testing.T) {
	t.Parallel()
	src := "{\n  \"hooks\": {\n    \"Stop\": [\n      {\"command\": \"m agent hook x Stop\"},\n      {\"command\": \"mine\"},\n      {\"command\": \"m agent hook x Stop\"}\n    ]\n  }\n}\n"
	d, err := ParseJSON([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	n, err := d.RemoveElements([]string{"hooks", "Stop"}, func(raw []byte) bool { return bytes.Contains(raw, []byte("agent hook")) })
	if err != nil || n != 2 {
		t.Fatalf("RemoveElements = %d, %v", n, err)
	}
	want := "{\n  \"hooks\": {\n    \"Stop\": [\n      {\"command\": \"mine\"}\n    ]\n  }\n}\n"
	if got := string(d.Bytes()); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if n, err := d.RemoveElements([]string{"hooks", "Start"}, func([]byte) bool { return true }); n != 0 || err != nil {
		t.Fatalf("RemoveElements of a missing array = %d, %v", n, err)
	}
}

func TestRemoveIfEmptyKeepsComments(t *testing.T) {
	t.Parallel()
	src := "{\n  \"a\": {\n    // mine\n  },\n  \"b\": [],\n  \"c\": [1]\n}"
	d, err := ParseJSONC([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		want bool
	}{{"a", false}, {"c", false}, {"missing", false}, {"b", true}} {
		if ok, err := d.RemoveIfEmpty([]string{tc.key}); ok != tc.want || err != nil {
			t.Fatalf("RemoveIfEmpty(%s) = %v, %v; want %v", tc.key, ok, err, tc.want)
		}
	}
	want := "{\n  \"a\": {\n    // mine\n  },\n  \"c\": [1]\n}"
	if got := string(d.Bytes()); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestEditErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src  string
		edit func(d *JSONDoc) error
		want string
	}{
		{`[1]`, func(d *JSONDoc) error { return d.Set([]string{"a"}, []byte("1")) }, "the document is not a JSON object"},
		{`{"hooks": []}`, func(d *JSONDoc) error { return d.Append([]string{"hooks", "Stop"}, []byte("1")) }, `"hooks" is not an object`},
		{`{"hooks": {"Stop": {}}}`, func(d *JSONDoc) error { return d.Append([]string{"hooks", "Stop"}, []byte("1")) }, `append to "hooks"."Stop": it is not an array`},
		{`{}`, func(d *JSONDoc) error { return d.Set([]string{"a"}, []byte("{")) }, `set "a": the value is not valid JSON`},
		{`{}`, func(d *JSONDoc) error { return d.Set(nil, []byte("1")) }, "an empty path"},
	} {
		d, err := ParseJSON([]byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		err = tc.edit(d)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.src, err, tc.want)
		}
		if string(d.Bytes()) != tc.src {
			t.Errorf("%s: a refused edit changed the document to %s", tc.src, d.Bytes())
		}
	}
}

func TestDuplicateKeysLastWins(t *testing.T) {
	t.Parallel()
	d, err := ParseJSON([]byte(`{"a": 1, "a": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := d.Get("a"); string(raw) != "2" {
		t.Fatalf("Get(a) = %s, want the last, as encoding/json reads it", raw)
	}
	if err := d.Remove([]string{"a"}); err != nil {
		t.Fatal(err)
	}
	if got := string(d.Bytes()); got != "{}" {
		t.Fatalf("Remove left %s", got)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src   string
		jsonc bool
		want  string
	}{
		{"{\n  \"a\": 1\n  \"b\": 2\n}", false, `3:3: expected "," or "}" after an object member, found '"'`},
		{"[1 2]", false, `1:4: expected "," or "]" after an array element, found '2'`},
		{"{\n  \"a\": 1,\n}", false, `2:9: trailing comma: expected a member after ","`},
		{"{\n  \"a\": 1,\n}", true, ""},
		{"{\n  // c\n}", false, "2:3: comments are not allowed in this JSON file"},
		{"{\n  /* c \n}", true, "2:3: unterminated /* comment"},
		{"{\"a\" 1}", false, `1:6: expected ":" after the key "a", found '1'`},
		{"{\"a\": }", false, "1:7: expected a value, found '}'"},
		{"{\"a\": \"x", false, "1:7: unterminated string"},
		{"{\"a\": \"\\x\"}", false, `1:8: invalid escape "\\x" in a string`},
		{"{\"é\": tru}", false, "1:7: expected a value, found 't'"},
		{"{} {}", false, "1:4: unexpected '{' after the end of the document"},
		{"{\"a\": 01}", false, `1:8: expected "," or "}" after an object member, found '1'`},
		{"{\"a\": -}", false, `1:7: invalid number: expected a digit after "-"`},
		{"{1: 2}", false, `1:2: expected a string key or "}", found '1'`},
		{strings.Repeat("[", 1001), false, "1:1001: nested more than 1000 levels deep"},
	} {
		parse := ParseJSON
		if tc.jsonc {
			parse = ParseJSONC
		}
		_, err := parse([]byte(tc.src))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.src, err)
			}
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want a *SyntaxError", tc.src, err)
			continue
		}
		if got := err.Error(); got != tc.want {
			t.Errorf("%q: error\n%s\nwant\n%s", tc.src, got, tc.want)
		}
	}
	se := &SyntaxError{File: "settings.json", Line: 12, Col: 5, Msg: `expected "," or "}" after an object member`}
	if got, want := se.Error(), `settings.json:12:5: expected "," or "}" after an object member`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
}

// TestRemoveAfterLineComment: joining the removed item's line to the one
// before would put the closing brace inside the user's line comment; the
// item and its comma go, the layout stays.
func TestRemoveAfterLineComment(t *testing.T) {
	t.Parallel()
	d, err := ParseJSONC([]byte("{\n  \"a\": 1, // note\n  \"b\": 2}"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Remove([]string{"b"}); err != nil {
		t.Fatal(err)
	}
	if got, want := string(d.Bytes()), "{\n  \"a\": 1 // note\n  }"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
