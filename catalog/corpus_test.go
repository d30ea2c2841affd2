package catalog_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/catalog"
)

// undetectable lists captures whose output carries no sign of their real
// cause, with what the default catalog makes of them instead.
var undetectable = map[string]string{
	// pip says nothing about the 503 it got: its output is that of a
	// package that does not exist (see the corpus README).
	"transient/pip_download_index_503": "dependency_conflict",
	// dash reports a write to a full device as a bare EIO, which a failing
	// disk also gives: not enough to say the disk is full.
	"disk_full/sh_echo_dev_full": "unknown",
}

// wantLine is the line a classification must report for captures where
// which line matters: the one its first approach tells the user to act on.
var wantLine = map[string]string{
	// issue 8: a pytest collection error reported its "ERROR collecting"
	// banner rather than the file and line to open.
	"implementation_failure/pytest_collection_syntax_error": `E     File "/tmp/proj/pytest_collection_syntax/test_app.py", line 2`,
	"missing_dependency/pytest_collection_error":            `E   ModuleNotFoundError: No module named 'missing_helper_mod'`,
	"implementation_failure/pytest_not_implemented":         `ports.py:2: NotImplementedError`,
	"missing_dependency/python_m_pytest_not_installed":      `/tmp/proj/pytest_not_installed/.venv/bin/python: No module named pytest`,
}

// TestCorpus classifies real output of real tools, captured by
// testdata/corpus/capture.sh, and checks each lands in the type its folder
// names.
func TestCorpus(t *testing.T) {
	t.Parallel()
	c := defaultConfig(t)
	files, err := filepath.Glob("testdata/corpus/*/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for rel := range wantLine {
		if !slices.Contains(files, filepath.FromSlash("testdata/corpus/"+rel+".txt")) {
			t.Errorf("wantLine names %s, which is not in the corpus", rel)
		}
	}
	for _, f := range files {
		rel := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(f), "testdata/corpus/"), ".txt")
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			header, output, _ := bytes.Cut(data, []byte("\n"))
			var code int
			if _, err := fmt.Sscanf(string(header), "# exit %d:", &code); err != nil {
				t.Fatalf("bad header %q", header)
			}
			want := filepath.Base(filepath.Dir(f))
			if w, ok := undetectable[rel]; ok {
				want = w
			}
			got, err := c.Classify(catalog.Failure{ExitCode: code, Output: [][]byte{output}})
			if err != nil {
				t.Fatal(err)
			}
			if got.FailureType != want {
				t.Errorf("exit %d classified %s (pattern %q, line %q), want %s", code, got.FailureType, got.Pattern, got.Line, want)
			}
			if w, ok := wantLine[rel]; ok && got.Line != w {
				t.Errorf("line %q, want %q", got.Line, w)
			}
		})
	}
}
