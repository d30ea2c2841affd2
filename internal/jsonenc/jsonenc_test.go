package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// odd is text a record may hold: HTML, control characters, invalid UTF-8,
// the two line separators json escapes.
var odd = []string{"", "plain", "<b>&amp;</b>", "tab\tnew\nline\r\b\f\x00\x1f\x7f", "\"quoted\" \\ back", "ünïcödé 無", "\u2028\u2029", "bad \xff\xfe utf-8", "emoji 🙂", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 past U+10FFFF"}

func randomStrings(n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	out := append([]string(nil), odd...)
	for range n {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		out = append(out, string(b))
	}
	return out
}

func same(t *testing.T, what string, got []byte, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got\n%s\njson.Marshal gives\n%s", what, got, want)
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	for _, s := range randomStrings(3000) {
		same(t, "String", String(nil, s), s)
	}
}

func TestStringsAndCounts(t *testing.T) {
	t.Parallel()
	ss := randomStrings(200)
	same(t, "Strings(nil)", Strings(nil, nil), []string(nil))
	same(t, "Strings(empty)", Strings(nil, []string{}), []string{})
	same(t, "Strings", Strings(nil, ss), ss)
	same(t, "Counts(nil)", Counts(nil, nil), map[string]int(nil))
	same(t, "Counts(empty)", Counts(nil, map[string]int{}), map[string]int{})
	m := map[string]int{}
	for i, s := range ss {
		m[s] = i - 100
	}
	same(t, "Counts", Counts(nil, m), m)
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, -1, 124, math.MaxInt, math.MinInt} {
		same(t, "Int", Int(nil, n), n)
	}
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.001234, 1.5, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.234e21, -1e-9, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		floats = append(floats, math.Float64frombits(rng.Uint64()), rng.Float64()*math.Pow(10, float64(rng.IntN(60)-30)))
	}
	for _, f := range floats {
		got, ok := Float(nil, f)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if ok {
				t.Fatalf("Float(%v) accepted what json refuses", f)
			}
			continue
		}
		if !ok {
			t.Fatalf("Float(%v) refused", f)
		}
		same(t, "Float", got, f)
	}
}

func FuzzString(f *testing.F) {
	for _, s := range odd {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		same(t, "String", String(nil, s), s)
	})
}

func FuzzFloat(f *testing.F) {
	f.Add(uint64(0))
	f.Add(math.Float64bits(1e21))
	f.Add(math.Float64bits(1e-7))
	f.Fuzz(func(t *testing.T, bits uint64) {
		v := math.Float64frombits(bits)
		got, ok := Float(nil, v)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if ok {
				t.Fatalf("Float(%v) accepted what json refuses", v)
			}
			return
		}
		same(t, "Float", got, v)
	})
}

// Object writes what json.Marshal writes of a struct with the same fields
// in the same order.
func TestObject(t *testing.T) {
	t.Parallel()
	var empty Object
	same(t, "empty Object", empty.Bytes(), struct{}{})
	for _, s := range randomStrings(300) {
		var o Object
		o.String("s", s)
		o.Int("n", len(s)-5)
		o.Bool("b", len(s)%2 == 0)
		o.Raw("raw", []byte(`[1,"two"]`))
		same(t, "Object", o.Bytes(), struct {
			S   string `json:"s"`
			N   int    `json:"n"`
			B   bool   `json:"b"`
			Raw []any  `json:"raw"`
		}{s, len(s) - 5, len(s)%2 == 0, []any{1, "two"}})
	}
}
