package cfgedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// seedFiles returns the settings files of testdata/settings with the
// given extensions.
func seedFiles(tb testing.TB, exts ...string) map[string][]byte {
	tb.Helper()
	files := map[string][]byte{}
	for _, ext := range exts {
		names, err := filepath.Glob(filepath.Join("testdata", "settings", "*"+ext))
		if err != nil {
			tb.Fatal(err)
		}
		for _, name := range names {
			b, err := os.ReadFile(name)
			if err != nil {
				tb.Fatal(err)
			}
			files[filepath.Base(name)] = b
		}
	}
	if len(files) == 0 {
		tb.Fatal("no seed files in testdata/settings")
	}
	return files
}

// The entries an install adds, shaped as the agents' files hold them.
const (
	fuzzMarker = "/opt/maestro/bin/maestro agent hook"
	fuzzServer = `{"command":"/opt/maestro/bin/maestro","args":["mcp"]}`
)

func fuzzHook(event string) []byte {
	return []byte(`{"matcher":"Bash","hooks":[{"type":"command","command":"` + fuzzMarker + ` claude-code ` + event + `"}]}`)
}

// insertion is one entry an install adds: a member set at path, or an
// element appended to the array at path.
type insertion struct {
	path  []string
	array bool
	raw   []byte
}

// FuzzJSONRoundTrip installs entries into any settings file that parses,
// as `maestro agent install` does, and uninstalls them again: the file
// must come back byte for byte, and everything of the user's must read
// the same while the entries are in.
func FuzzJSONRoundTrip(f *testing.F) {
	for name, src := range seedFiles(f, ".json", ".jsonc") {
		jsonc := strings.HasSuffix(name, ".jsonc")
		for _, v := range []uint8{0, 0x02, 0x0c, 0x18} {
			f.Add(src, jsonc, v)
		}
	}
	for _, s := range []string{
		"{}", "{}\n", "{\n}\n", "[]", `{"hooks": {"Stop": []}}`, `{"hooks": {"Stop": [1, 2,]}}`,
		"{\n  \"a\": 1 // c\n}", "{\n  // nothing yet\n}\n", "{\n  \"a\": [\n    1,\n  ],\n}",
		"{\"mcpServers\": {\"x\": 1} /* c */}", "{\r\n  \"a\": 1\r\n}", "\xEF\xBB\xBF{\"a\":1}",
		"{\n  \"a\": 1}", "{\"hooks\": {\"Stop\": [ /* none */ ]}}", "{\"hooks\": /* h */ { // x\n}}", "{\n  \"a\": 1, /* x */ /* y\n */\n  \"b\": 2\n}",
	} {
		f.Add([]byte(s), true, uint8(0))
		f.Add([]byte(s), true, uint8(0x1a))
	}
	f.Fuzz(checkRoundTrip)
}

// checkRoundTrip installs maestro's entries into src, as `maestro agent
// install` does, checks that the user's content reads the same, then
// uninstalls them and checks the file is back byte for byte. variant
// leaves some entries out and changes the order of removal.
func checkRoundTrip(t *testing.T, src []byte, jsonc bool, variant uint8) {
	parse := ParseJSON
	if jsonc {
		parse = ParseJSONC
	}
	d, err := parse(src)
	if err != nil || d.root == nil || d.root.kind != kObject || bytes.Contains(src, []byte(fuzzMarker)) {
		return
	}
	before := decodeClean(t, d)

	all := []insertion{
		{[]string{"mcpServers", "maestro"}, false, []byte(fuzzServer)},
		{[]string{"hooks", "PreToolUse"}, true, fuzzHook("PreToolUse")},
		{[]string{"hooks", "Stop"}, true, fuzzHook("Stop")},
		{[]string{"hooks", "PreToolUse"}, true, fuzzHook("PreToolUse")},
	}
	exact := true
	var created [][]string // containers the install created, in order
	for i, ins := range all {
		if variant&(1<<i) != 0 && i > 0 {
			continue
		}
		c, missing, err := d.walk(ins.path)
		if err != nil {
			return // a member of the user's in the way: install refuses
		}
		if len(missing) == 0 {
			if !ins.array {
				return // already there: install would compare, not add
			}
			c = d.lookup(ins.path)
			if c.kind != kArray {
				return
			}
		}
		if !canonicalEmpty(d, c) {
			exact = false
		}
		for j := range missing {
			if ins.array || j < len(missing)-1 {
				created = append(created, ins.path[:len(ins.path)-len(missing)+j+1])
			}
		}
		if ins.array {
			err = d.Append(ins.path, ins.raw)
		} else {
			err = d.Set(ins.path, ins.raw)
		}
		if err != nil {
			t.Fatalf("insertion %d: %v", i, err)
		}
	}

	// Everything of the user's reads the same; maestro's entries read
	// as written.
	during := decodeClean(t, d)
	if got, ok := d.Get("mcpServers", "maestro"); !ok || !jsonEqual(got, []byte(fuzzServer)) {
		t.Fatalf("Get(mcpServers.maestro) = %s, %v", got, ok)
	}
	strip(during, created)
	if !reflect.DeepEqual(before, during) {
		t.Fatalf("the user's content changed:\nbefore: %v\nduring: %v\nfile:\n%s", before, during, d.Bytes())
	}

	ours := func(raw []byte) bool { return bytes.Contains(raw, []byte(fuzzMarker)) }
	events := []string{"PreToolUse", "Stop"}
	if variant&0x10 != 0 {
		events = []string{"Stop", "PreToolUse"}
	}
	for _, ev := range events {
		if _, err := d.RemoveElements([]string{"hooks", ev}, ours); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Remove([]string{"mcpServers", "maestro"}); err != nil {
		t.Fatal(err)
	}
	for i := len(created) - 1; i >= 0; i-- {
		if _, err := d.RemoveIfEmpty(created[i]); err != nil {
			t.Fatal(err)
		}
	}
	after := decodeClean(t, d)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("uninstall changed the user's content:\nbefore: %v\nafter:  %v", before, after)
	}
	if exact && !bytes.Equal(d.Bytes(), src) {
		t.Fatalf("install then uninstall is not the identity:\nwas:\n%q\nis:\n%q", src, d.Bytes())
	}
}

// canonicalEmpty reports whether an insertion into container c can be
// undone byte for byte: c has items, or it is `{}` / `[]`, or it holds a
// comment. An empty container with only whitespace inside ({ }, {\n})
// comes back as {}.
func canonicalEmpty(d *JSONDoc, c *node) bool {
	return len(c.items) > 0 || c.end-c.start == 2 || d.hasComment(c.start+1, c.end-1)
}

// decodeClean reads the whole document with encoding/json.
func decodeClean(t *testing.T, d *JSONDoc) map[string]any {
	t.Helper()
	raw := d.clean(d.root.start, d.root.end)
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("the document does not read as JSON: %v\n%s", err, raw)
	}
	return v
}

// strip takes maestro's entries out of a decoded document, as uninstall
// would, for comparing the rest.
func strip(doc map[string]any, created [][]string) {
	if m, ok := doc["mcpServers"].(map[string]any); ok {
		delete(m, "maestro")
	}
	if hooks, ok := doc["hooks"].(map[string]any); ok {
		for ev, list := range hooks {
			arr, ok := list.([]any)
			if !ok {
				continue
			}
			kept := []any{}
			for _, el := range arr {
				b, _ := json.Marshal(el)
				if !bytes.Contains(b, []byte(fuzzMarker)) {
					kept = append(kept, el)
				}
			}
			hooks[ev] = kept
		}
	}
	for i := len(created) - 1; i >= 0; i-- {
		path := created[i]
		var m any = doc
		for _, k := range path[:len(path)-1] {
			m = m.(map[string]any)[k]
		}
		parent := m.(map[string]any)
		switch v := parent[path[len(path)-1]].(type) {
		case map[string]any:
			if len(v) == 0 {
				delete(parent, path[len(path)-1])
			}
		case []any:
			if len(v) == 0 {
				delete(parent, path[len(path)-1])
			}
		}
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// FuzzParseJSON holds the plain JSON parser to encoding/json: the same
// documents are valid.
func FuzzParseJSON(f *testing.F) {
	for _, src := range seedFiles(f, ".json") {
		f.Add(src)
	}
	for _, s := range []string{`{"a":1e5,"b":-0.5,"c":[true,false,null],"d":"\u00e9\n"}`, `[1,]`, `{"a" 1}`, `"\x01"`, `01`, `1.`, `-`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		_, err := ParseJSON(src)
		body := bytes.TrimPrefix(src, []byte(utf8BOM))
		if len(bytes.Trim(body, " \t\r\n")) == 0 {
			if err != nil {
				t.Fatalf("an empty document is refused: %v", err)
			}
			return
		}
		if valid := json.Valid(body); valid != (err == nil) {
			t.Fatalf("ParseJSON says %v, encoding/json says valid=%v, for %q", err, valid, src)
		}
		if err == nil {
			return
		}
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line < 1 || se.Col < 1 {
			t.Fatalf("error without a position: %v", err)
		}
	})
}

// TestRoundTripGenerated runs the round trip over settings files of every
// layout: random documents with the keys maestro edits, written with
// random line breaks (LF, CRLF), indentation (spaces, tabs, none),
// comments and trailing commas. The fuzzer mutates bytes, which mostly
// breaks the syntax; this explores layouts instead.
func TestRoundTripGenerated(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(10, 10))
	n := 1000 // a third of a second each, under -race; -fuzz goes further
	if testing.Short() {
		n = 300
	}
	for i := range n {
		g := &docGen{r: r, jsonc: i%2 == 0}
		src := []byte(g.object(0))
		if r.IntN(2) == 0 {
			src = append(src, g.nl...)
		}
		if _, err := parseDoc(src, g.jsonc); err != nil {
			t.Fatalf("generated document %d does not parse: %v\n%s", i, err, src)
		}
		for _, v := range []uint8{0, 0x02, 0x0c, 0x18} {
			checkRoundTrip(t, src, g.jsonc, v)
		}
		checkRemove(t, src, g.jsonc, uint8(i))
	}
}

// docGen writes random settings documents.
type docGen struct {
	r     *rand.Rand
	jsonc bool
	nl    string
	unit  string
}

var genKeys = []string{"hooks", "mcpServers", "Stop", "PreToolUse", "theme", "env", "maestro-other", "permissions"}

func (g *docGen) object(depth int) string {
	if g.nl == "" {
		g.nl = []string{"\n", "\r\n"}[g.r.IntN(2)]
		g.unit = []string{"  ", "    ", "\t"}[g.r.IntN(3)]
	}
	multiline := g.r.IntN(4) > 0
	n := g.r.IntN(4)
	if depth == 0 {
		n++
	}
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		b.WriteString(g.space(depth+1, multiline))
		key := genKeys[g.r.IntN(len(genKeys))]
		b.WriteString(`"` + key + `"`)
		b.WriteString([]string{": ", ":", " : "}[g.r.IntN(3)])
		b.WriteString(g.value(key, depth+1))
		if i < n-1 || (g.jsonc && g.r.IntN(3) == 0) {
			b.WriteString(g.tail())
			b.WriteString(",")
		}
		b.WriteString(g.tail())
	}
	b.WriteString(g.space(depth, multiline && (n > 0 || g.r.IntN(2) == 0)))
	b.WriteString("}")
	return b.String()
}

func (g *docGen) array(depth int) string {
	multiline := g.r.IntN(2) == 0
	n := g.r.IntN(3)
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		b.WriteString(g.space(depth+1, multiline))
		b.WriteString(g.value("", depth+1))
		if i < n-1 || (g.jsonc && g.r.IntN(3) == 0) {
			b.WriteString(",")
		}
		b.WriteString(g.tail())
	}
	b.WriteString(g.space(depth, multiline && n > 0))
	b.WriteString("]")
	return b.String()
}

func (g *docGen) value(key string, depth int) string {
	switch {
	case depth < 4 && (key == "hooks" || key == "mcpServers" || key == "env" || g.r.IntN(6) == 0):
		return g.object(depth)
	case depth < 4 && (key == "Stop" || key == "PreToolUse" || g.r.IntN(6) == 0):
		return g.array(depth)
	}
	return []string{`1`, `-2.5e3`, `"x"`, `"a \"quoted\" \u00e9 // not a comment"`, `true`, `null`}[g.r.IntN(6)]
}

// space is what goes before an item or a closing bracket: a line break
// and the indentation of depth, or spaces, with a comment now and then.
func (g *docGen) space(depth int, multiline bool) string {
	s := ""
	if g.jsonc && g.r.IntN(5) == 0 {
		s += []string{" /* c */", g.nl + strings.Repeat(g.unit, depth) + "// line" + g.nl, " /* two" + g.nl + "lines */"}[g.r.IntN(3)]
	}
	if multiline {
		return s + g.nl + strings.Repeat(g.unit, depth)
	}
	return s + []string{"", " "}[g.r.IntN(2)]
}

// tail is what may follow an item on its line.
func (g *docGen) tail() string {
	if g.jsonc && g.r.IntN(5) == 0 {
		return []string{" // note" + g.nl, " /* note */", "  "}[g.r.IntN(3)]
	}
	return ""
}

// FuzzJSONRemove removes members and elements of the user's own, in any
// layout: the result parses and holds everything else.
func FuzzJSONRemove(f *testing.F) {
	for name, src := range seedFiles(f, ".json", ".jsonc") {
		f.Add(src, strings.HasSuffix(name, ".jsonc"), uint8(0))
	}
	f.Add([]byte("{\n  \"a\": 1, // note\n  \"b\": [1, // x\n 2]}"), true, uint8(1))
	f.Fuzz(checkRemove)
}

func checkRemove(t *testing.T, src []byte, jsonc bool, pick uint8) {
	d, err := parseDoc(src, jsonc)
	if err != nil || d.root == nil || d.root.kind != kObject || len(d.root.items) == 0 {
		return
	}
	before := decodeClean(t, d)
	key := d.root.items[int(pick)%len(d.root.items)].key
	if arr := member(d.root, key); arr.kind == kArray && pick&0x80 == 0 {
		// Every other element goes.
		i := 0
		n, err := d.RemoveElements([]string{key}, func([]byte) bool { i++; return i%2 == 1 })
		if err != nil {
			t.Fatalf("RemoveElements(%s): %v", key, err)
		}
		list := before[key].([]any)
		var kept []any
		for j := len(list) - 1; j >= 0; j-- {
			if (len(list)-j)%2 == 0 {
				kept = append([]any{list[j]}, kept...)
			}
		}
		if n != len(list)-len(kept) {
			t.Fatalf("RemoveElements removed %d of %d", n, len(list))
		}
		before[key] = append([]any{}, kept...)
	} else {
		if err := d.Remove([]string{key}); err != nil {
			t.Fatalf("Remove(%s): %v", key, err)
		}
		delete(before, key)
	}
	if _, err := parseDoc(d.Bytes(), jsonc); err != nil {
		t.Fatalf("the result does not parse: %v\n%s", err, d.Bytes())
	}
	if after := decodeClean(t, d); !reflect.DeepEqual(before, after) {
		t.Fatalf("removal changed other content:\nwant %v\ngot  %v\n%s", before, after, d.Bytes())
	}
}
