package escalate

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestKey(t *testing.T) {
	t.Parallel()
	base := func() *Question {
		return &Question{SessionID: "s1", Issue: "go on?", Options: []string{"yes", "no"}, Default: "no"}
	}
	k := base().key()

	// What a looping agent changes between two askings of one question.
	same := base()
	same.ID = "q-2"
	same.AskedAt = time.Now()
	same.Issue = "  go on?\n"
	if got := same.key(); got != k {
		t.Errorf("the same question asked again has another key")
	}

	for what, change := range map[string]func(q *Question){
		"session":       func(q *Question) { q.SessionID = "s2" },
		"issue":         func(q *Question) { q.Issue = "go on now?" },
		"options":       func(q *Question) { q.Options = []string{"yes", "no", "later"} },
		"option order":  func(q *Question) { q.Options = []string{"no", "yes"} },
		"default":       func(q *Question) { q.Default = "yes" },
		"no default":    func(q *Question) { q.Default = "" },
		"joined option": func(q *Question) { q.Options = []string{"yes\",\"no"} },
	} {
		q := base()
		change(q)
		if q.key() == k {
			t.Errorf("a question with another %s has the same key", what)
		}
	}
}

func readLines(t *testing.T, r io.Reader) ([]string, error) {
	t.Helper()
	l := &lineReader{r: r}
	var lines []string
	for range 1000 {
		line, err := l.line()
		if err != nil {
			return lines, err
		}
		lines = append(lines, line)
	}
	t.Fatal("lineReader never stops")
	return nil, nil
}

func TestLineReader(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 1000)
	const typed = "1\n\nwhy\r\n  spaced  \n"
	want := []string{"1", "", "why", "  spaced  "}
	for name, r := range map[string]io.Reader{
		// A pipe or a raw pseudo-terminal: everything typed ahead in one read.
		"all in one read": strings.NewReader(typed),
		// A slow typist: a byte at a time.
		"a byte a read": iotest.OneByteReader(strings.NewReader(typed)),
		// A reader that gives its last data with io.EOF.
		"data with EOF": iotest.DataErrReader(strings.NewReader(typed)),
		"half reads":    iotest.HalfReader(strings.NewReader(typed)),
	} {
		lines, err := readLines(t, r)
		if !errors.Is(err, io.EOF) {
			t.Errorf("%s: the end is %v, want io.EOF", name, err)
		}
		if strings.Join(lines, "|") != strings.Join(want, "|") {
			t.Errorf("%s: lines %q, want %q", name, lines, want)
		}
	}

	lines, err := readLines(t, strings.NewReader(long+"\nnext\n"))
	if !errors.Is(err, io.EOF) || len(lines) != 2 || lines[0] != long || lines[1] != "next" {
		t.Errorf("a line longer than the buffer: %d lines, %v", len(lines), err)
	}

	// A read error other than the end reaches the caller as it is.
	boom := errors.New("boom")
	lines, err = readLines(t, io.MultiReader(strings.NewReader("a\n"), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || len(lines) != 1 || lines[0] != "a" {
		t.Errorf("lines %q, %v; want [a], boom", lines, err)
	}
}
