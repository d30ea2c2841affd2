package catalog_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/catalog"
)

// Issue 8, point 8: the patterns maestro push refuses, matched on a file's
// name at any depth, ignoring case.
func TestNeverPushMatch(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]string{
		".env":                    ".env",
		"app/.env":                ".env",
		"app/.env.production":     ".env.*",
		"certs/server.PEM":        "*.pem",
		"deploy/prod.key":         "*.key",
		".ssh/id_rsa.pub":         "id_rsa*",
		"id_ed25519":              "id_ed25519*",
		"store.p12":               "*.p12",
		"gcp/credentials-ci.json": "credentials*.json",
		"home/.npmrc":             ".npmrc",
		".pypirc":                 ".pypirc",
		".netrc":                  ".netrc",
		"env":                     "",
		"docs/.env.md/readme.txt": "",
		"keys.txt":                "",
		"credentials.yaml":        "",
		"my.env":                  "",
	} {
		if got := catalog.NeverPushMatch(catalog.DefaultNeverPush, file); got != want {
			t.Errorf("NeverPushMatch(%q) = %q, want %q", file, got, want)
		}
	}
}

// A file's [share] never_push adds patterns to the default list and never
// takes one away, and the files' lists add up; a repository's file counts only once trusted, and so
// can neither weaken nor, untrusted, change the list.
func TestShareConfig(t *testing.T) {
	t.Parallel()
	c, err := load(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Share.NeverPush, catalog.DefaultNeverPush) {
		t.Errorf("default never_push = %q", c.Share.NeverPush)
	}

	c, err = load(t, "[share]\nnever_push = [\"*.sqlite\", \".env\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := append(slices.Clone(catalog.DefaultNeverPush), "*.sqlite"); !slices.Equal(c.Share.NeverPush, want) {
		t.Errorf("never_push = %q, want %q", c.Share.NeverPush, want)
	}
	c, err = load(t, "[share]\nnever_push = []\n")
	if err != nil || !slices.Equal(c.Share.NeverPush, catalog.DefaultNeverPush) {
		t.Errorf("an empty never_push: %q, %v; want the default list", c.Share.NeverPush, err)
	}

	for content, want := range map[string]string{
		"[share]\nnever_push = [\"secrets/*.json\"]\n": `share.never_push: "secrets/*.json" holds a '/'`,
		"[share]\nnever_push = [\"[a-\"]\n":            `share.never_push: "[a-" is not a valid pattern`,
		"[share]\nnever_push = [\"\"]\n":               "share.never_push: an empty pattern",
		"[share]\nnever_pushed = [\"x\"]\n":            `share.never_pushed: unknown key`,
		"[share]\nnever_push = \"x\"\n":                "never_push",
	} {
		if _, err := load(t, content); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", content, err, want)
		}
	}

	// Unlike other tables, [share] adds up across files.
	flag := writeFile(t, t.TempDir(), "flag.toml", "[share]\nnever_push = [\"*.sqlite\"]\n")
	xdg := t.TempDir()
	writeFile(t, xdg, "maestro/"+catalog.FileName, "[share]\nnever_push = [\"*.db\"]\n")
	c, err = catalog.Load(catalog.Options{ConfigFlag: flag, Dir: t.TempDir(), Default: defaultTOML(t), Getenv: func(k string) string { return map[string]string{"XDG_CONFIG_HOME": xdg}[k] }})
	if want := append(slices.Clone(catalog.DefaultNeverPush), "*.sqlite", "*.db"); err != nil || !slices.Equal(c.Share.NeverPush, want) {
		t.Errorf("two files' never_push: %q, %v; want %q", c.Share.NeverPush, err, want)
	}

	repo := fakeRepo(t)
	writeFile(t, repo, catalog.FileName, "[share]\nnever_push = [\"*.txt\"]\n")
	env := map[string]string{"XDG_STATE_HOME": filepath.Join(t.TempDir(), "state")}
	c, err = loadIn(t, repo, env, &bytes.Buffer{})
	if err != nil || !slices.Equal(c.Share.NeverPush, catalog.DefaultNeverPush) {
		t.Errorf("an untrusted repository's [share]: %q, %v; want the default list", c.Share.NeverPush, err)
	}
	if _, err := catalog.TrustRepo(catalog.Options{Dir: repo, Default: defaultTOML(t), Getenv: func(k string) string { return env[k] }}); err != nil {
		t.Fatal(err)
	}
	c, err = loadIn(t, repo, env, &bytes.Buffer{})
	if err != nil || !slices.Contains(c.Share.NeverPush, "*.txt") || !slices.Contains(c.Share.NeverPush, ".env") {
		t.Errorf("a trusted repository's [share]: %q, %v; want the default list and *.txt", c.Share.NeverPush, err)
	}
}
