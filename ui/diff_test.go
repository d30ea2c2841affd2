package ui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func parseDiff(data string, chunk int) *diffView {
	d := &diffReader{}
	for len(data) > 0 {
		n := min(chunk, len(data))
		if _, err := d.Write([]byte(data[:n])); err != nil {
			break
		}
		data = data[n:]
	}
	return d.finish()
}

func TestDiffReader(t *testing.T) {
	t.Parallel()
	patch := "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n ctx\n" +
		"diff --git a/bin b/bin\nindex 1..2 100644\nBinary files a/bin and b/bin differ\n" +
		"diff --git a/forced b/forced\n--- a/forced\n+++ b/forced\n@@ -0,0 +1 @@\n+a\x00b\n"
	for _, chunk := range []int{1, 3, 7, 1 << 20} {
		v := parseDiff(patch, chunk)
		if len(v.Files) != 3 || v.Truncated {
			t.Fatalf("chunk %d: %d files, truncated %v", chunk, len(v.Files), v.Truncated)
		}
		x := v.Files[0]
		if x.Name != "a/x b/x" || len(x.Header) != 3 || len(x.Lines) != 4 || x.Lines[1].Class != "del" || x.Lines[2].Class != "add" || x.Lines[0].Class != "hunk" {
			t.Fatalf("chunk %d: %+v", chunk, x)
		}
		if !v.Files[1].Binary || !v.Files[2].Binary || len(v.Files[2].Lines) != 0 {
			t.Fatalf("chunk %d: binary files shown: %+v %+v", chunk, v.Files[1], v.Files[2])
		}
	}
}

func TestDiffReaderBounds(t *testing.T) {
	t.Parallel()
	long := "diff --git a/l b/l\n@@ -1 +1 @@\n+" + strings.Repeat("z", 10*maxDiffLine) + "\n"
	v := parseDiff(long, 4096)
	if got := v.Files[0].Lines[1].Text; len(got) > maxDiffLine+len("…") || !strings.HasSuffix(got, "…") {
		t.Fatalf("a long line kept %d bytes", len(got))
	}
	many := strings.Repeat("diff --git a/f b/f\n+x\n", maxDiffFiles+10)
	if v := parseDiff(many, 1<<16); len(v.Files) != maxDiffFiles || !v.Truncated {
		t.Fatalf("%d files, truncated %v", len(v.Files), v.Truncated)
	}
	big := "diff --git a/b b/b\n@@ -1 +1 @@\n" + strings.Repeat("+"+strings.Repeat("q", 99)+"\n", 3*maxDiffBytes/100)
	if v := parseDiff(big, 32<<10); !v.Truncated || len(v.Files[0].Lines) > maxDiffBytes/100+400 {
		t.Fatalf("kept %d lines, truncated %v", len(v.Files[0].Lines), v.Truncated)
	}
}

// FuzzDiffReader: whatever git writes, and however it is cut, the reader
// keeps within its bounds.
func FuzzDiffReader(f *testing.F) {
	f.Add("diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n", 3)
	f.Add("diff --git a/bin b/bin\nBinary files a/bin and b/bin differ\n", 1)
	f.Add("junk before\ndiff --git \xff\x00\n+\x1b[31m\n", 5)
	f.Fuzz(func(t *testing.T, data string, chunk int) {
		if chunk <= 0 {
			chunk = 1
		}
		v := parseDiff(data, chunk)
		if len(v.Files) > maxDiffFiles {
			t.Fatalf("%d files", len(v.Files))
		}
		for _, f := range v.Files {
			if f.Binary && len(f.Lines) > 0 && strings.ContainsRune(data, 0) {
				for _, l := range f.Lines {
					if strings.IndexByte(l.Text, 0) >= 0 {
						t.Fatalf("a NUL shown")
					}
				}
			}
			for _, l := range append(f.Header, f.Name) {
				if len(l) > maxDiffLine+len("…") {
					t.Fatalf("a line of %d bytes", len(l))
				}
			}
			for _, l := range f.Lines {
				if len(l.Text) > maxDiffLine+len("…") {
					t.Fatalf("a line of %d bytes", len(l.Text))
				}
				_ = utf8.ValidString(l.Text)
			}
		}
	})
}
