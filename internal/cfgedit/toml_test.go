package cfgedit

import (
	"errors"
	"strings"
	"testing"
)

const (
	tomlName = "mcp_servers.maestro"
	tomlBody = "command = \"/opt/maestro/bin/maestro\"\nargs = [\"mcp\"]\n"
)

func TestTOMLAppendRemove(t *testing.T) {
	t.Parallel()
	codex := string(seedFiles(t, ".toml")["codex-config.toml"])
	tests := []struct {
		name string
		src  string
		want string // after append
	}{
		{"empty file", "", "[mcp_servers.maestro]\ncommand = \"/opt/maestro/bin/maestro\"\nargs = [\"mcp\"]\n"},
		{"final newline", "model = \"o3\"\n", "model = \"o3\"\n\n[mcp_servers.maestro]\ncommand = \"/opt/maestro/bin/maestro\"\nargs = [\"mcp\"]\n"},
		{"no final newline", "model = \"o3\"", "model = \"o3\"\n\n[mcp_servers.maestro]\ncommand = \"/opt/maestro/bin/maestro\"\nargs = [\"mcp\"]"},
		{"CRLF", "model = \"o3\"\r\n[tui]\r\nnotifications = true\r\n", "model = \"o3\"\r\n[tui]\r\nnotifications = true\r\n\r\n[mcp_servers.maestro]\r\ncommand = \"/opt/maestro/bin/maestro\"\r\nargs = [\"mcp\"]\r\n"},
		{"ends with blank lines and a comment", "a = 1\n\n# the end\n\n", "a = 1\n\n# the end\n\n\n[mcp_servers.maestro]\ncommand = \"/opt/maestro/bin/maestro\"\nargs = [\"mcp\"]\n"},
		{"other servers", codex, codex + "\n[mcp_servers.maestro]\ncommand = \"/opt/maestro/bin/maestro\"\nargs = [\"mcp\"]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := TOMLAppendTable([]byte(tt.src), tomlName, []byte(tomlBody))
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Fatalf("after append:\n%q\nwant:\n%q", out, tt.want)
			}
			if has, err := TOMLHasTable(out, tomlName); !has || err != nil {
				t.Fatalf("TOMLHasTable after append = %v, %v", has, err)
			}
			back, err := TOMLRemoveTable(out, tomlName)
			if err != nil {
				t.Fatal(err)
			}
			if string(back) != tt.src {
				t.Fatalf("after remove:\n%q\nwant:\n%q", back, tt.src)
			}
			// Removing what is not there changes nothing.
			again, err := TOMLRemoveTable(back, tomlName)
			if err != nil || string(again) != tt.src {
				t.Fatalf("second remove = %q, %v", again, err)
			}
		})
	}
}

// TestTOMLRemoveKeepsUserTables: what the user wrote after maestro's table
// (a comment over a table of their own) stays; sub-tables of maestro's go
// with it; a line of a multi-line string is not taken for a header.
func TestTOMLRemoveKeepsUserTables(t *testing.T) {
	t.Parallel()
	body := tomlBody + "description = \"\"\"\n[not.a.table]\n\"\"\"\n\n[mcp_servers.maestro.env]\nMAESTRO_QUIET = \"1\"\n"
	orig := "model = \"o3\"\n"
	out, err := TOMLAppendTable([]byte(orig), tomlName, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	user := "\n# my own server\n[mcp_servers.docs]\ncommand = \"docs-mcp\"\n"
	out = append(out, user...)
	back, err := TOMLRemoveTable(out, tomlName)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(back), orig+user; got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestTOMLHasTable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"[mcp_servers.maestro]\n", true},
		{"[mcp_servers]\nmaestro = { command = \"m\" }\n", true},
		{"mcp_servers.maestro.command = \"m\"\n", true},
		{"[mcp_servers.\"maestro\"]\n", true},
		{"[mcp_servers.maestro.env]\n", true},
		{"[mcp_servers]\nmaestro = 1\n", false},
		{"[mcp_servers.other]\n", false},
		{"", false},
	} {
		got, err := TOMLHasTable([]byte(tc.src), tomlName)
		if err != nil || got != tc.want {
			t.Errorf("TOMLHasTable(%q) = %v, %v; want %v", tc.src, got, err, tc.want)
		}
	}
}

func TestTOMLErrors(t *testing.T) {
	t.Parallel()
	_, err := TOMLAppendTable([]byte("model = \"o3\"\n[tui\n"), tomlName, []byte(tomlBody))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 2 || se.Col < 1 {
		t.Fatalf("a malformed file: error %v, want a *SyntaxError on line 2", err)
	}
	if _, err := TOMLRemoveTable([]byte("a = = 1\n"), tomlName); !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "1:") {
		t.Fatalf("remove from a malformed file: error %v", err)
	}
	for _, tc := range []struct {
		src  string
		do   func([]byte) ([]byte, error)
		want string
	}{
		{"[mcp_servers.maestro]\n", func(b []byte) ([]byte, error) { return TOMLAppendTable(b, tomlName, nil) }, "is already there"},
		{"mcp_servers = \"none\"\n", func(b []byte) ([]byte, error) { return TOMLAppendTable(b, tomlName, nil) }, "would make the file invalid"},
		{"mcp_servers = { docs = { command = \"d\" } }\n", func(b []byte) ([]byte, error) { return TOMLAppendTable(b, tomlName, nil) }, "would make the file invalid"},
		{"[mcp_servers]\nmaestro = { command = \"m\" }\n", func(b []byte) ([]byte, error) { return TOMLRemoveTable(b, tomlName) }, "take it out by hand"},
		{"", func(b []byte) ([]byte, error) { return TOMLAppendTable(b, "a.", nil) }, "not a TOML table name"},
	} {
		out, err := tc.do([]byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
		if out != nil {
			t.Errorf("%q: a refused edit returned %q", tc.src, out)
		}
	}
}

// FuzzTOMLRoundTrip: appending maestro's table to any config that parses
// and removing it again gives the file back byte for byte.
func FuzzTOMLRoundTrip(f *testing.F) {
	for _, src := range seedFiles(f, ".toml") {
		f.Add(src)
	}
	for _, s := range []string{"", "a = 1", "a = 1\n\n", "# c\n[x]\ny = 2 # c\n", "s = '''\n[x]\n'''", "[mcp_servers]\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if has, err := TOMLHasTable(src, tomlName); err != nil || has {
			return
		}
		out, err := TOMLAppendTable(src, tomlName, []byte(tomlBody))
		if err != nil {
			return // a key of the user's in the way
		}
		back, err := TOMLRemoveTable(out, tomlName)
		if err != nil {
			t.Fatalf("remove: %v\n%q", err, out)
		}
		if string(back) != string(src) {
			t.Fatalf("append then remove:\n%q\nwas:\n%q", back, src)
		}
	})
}
