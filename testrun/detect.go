package testrun

import (
	"path/filepath"
	"strings"

	"github.com/maestro-recovery/maestro/internal/lazy"
)

// Detect recognises a test command: a test runner, directly or behind one
// of the wrappers docs/test-runners.md lists. It returns nil for any other
// command, reading nothing but args: maestro run's start-up pays nothing
// for it.
func Detect(args []string) *Command {
	i := skipWrappers(args)
	if i >= len(args) {
		return nil
	}
	prog := programName(args[i])
	next := func(k int) string {
		if i+k < len(args) {
			return args[i+k]
		}
		return ""
	}
	c := &Command{Args: args, At: i}
	switch {
	case prog == "go" && next(1) == "test":
		c.Runner, c.From, c.impl = Go, i+2, goRunner{}
	case prog == "pytest" || prog == "py.test" || prog == "pytest-3":
		c.Runner, c.From, c.impl = Pytest, i+1, pytestRunner{}
	case isPython(prog):
		m := pythonModule(args, i+1)
		if m < 0 || (args[m] != "pytest" && args[m] != "py.test") {
			return nil
		}
		c.Runner, c.From, c.impl = Pytest, m+1, pytestRunner{}
	case prog == "cargo":
		j := i + 1
		if j < len(args) && strings.HasPrefix(args[j], "+") { // a toolchain: cargo +nightly test
			j++
		}
		switch {
		case j < len(args) && args[j] == "test":
			c.Runner, c.From, c.impl = Cargo, j+1, cargoRunner{}
		case j+1 < len(args) && args[j] == "nextest" && args[j+1] == "run":
			c.Runner, c.From, c.impl = Nextest, j+2, nextestRunner{}
		default:
			return nil
		}
	case prog == "jest":
		c.Runner, c.From, c.impl = Jest, i+1, jestRunner{}
	case prog == "vitest" && next(1) == "run":
		c.Runner, c.From, c.impl = Vitest, i+2, vitestRunner{}
	case prog == "vitest" && next(1) == "--run":
		c.Runner, c.From, c.impl = Vitest, i+1, vitestRunner{}
	default:
		return nil
	}
	return c
}

// programName is a program's name as a runner is recognised by: the base
// name, without a Windows-style .cmd or .exe some npm set-ups write.
func programName(arg string) string {
	base := filepath.Base(arg)
	for _, ext := range []string{".cmd", ".exe", ".js", ".mjs"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// isPython: python, python3, python3.12, py (the Windows launcher's name,
// also used on Unix by some), pypy3.
func isPython(prog string) bool {
	if prog == "py" {
		return true
	}
	for _, p := range []string{"python", "pypy"} {
		if rest, ok := strings.CutPrefix(prog, p); ok {
			return strings.Trim(rest, "0123456789.") == ""
		}
	}
	return false
}

// pythonModule finds the module name of "python [options] -m MODULE",
// returning its index, or -1 when the interpreter runs something else.
func pythonModule(args []string, i int) int {
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-m":
			if i+1 < len(args) {
				return i + 1
			}
			return -1
		case strings.HasPrefix(a, "-m"):
			return -1 // -mpytest: rare enough to leave unrecognised
		case a == "-X" || a == "-W" || a == "--check-hash-based-pycs":
			i++ // an option with a value
		case a == "-c" || a == "-" || !strings.HasPrefix(a, "-"):
			return -1 // a script, a command string or stdin
		}
	}
	return -1
}

// wrapper is a program that runs the command after it: the program's name,
// the words after it that make it a wrapper ("run" of "uv run"), and its
// options that take a separate value.
type wrapper struct {
	words      []string
	valueOpts  []string
	assignsEnv bool // NAME=VALUE words come before the command (env)
	// positionals is how many words come before the command after the
	// options: timeout's duration.
	positionals int
}

// wrappers are the programs Detect looks through, as docs/test-runners.md
// lists them: env [NAME=VALUE...], nice, timeout DURATION; uv run, uvx,
// poetry run, pipenv run, pdm run, hatch run, rye run; npx, bunx, npm exec,
// pnpm exec (and pnpm NAME), yarn exec (and yarn NAME). They nest (uv run
// env X=1 pytest). A wrapper's own options are read only between its
// words and the command: poetry -C dir run pytest is not recognised. npm
// test, make test and scripts are not test commands: what they run is not
// on the command line.
var wrappers = lazy.Value[map[string]wrapper]{New: func() map[string]wrapper {
	return map[string]wrapper{
		"env":     {valueOpts: []string{"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}, assignsEnv: true},
		"nice":    {valueOpts: []string{"-n", "--adjustment"}},
		"uv":      {words: []string{"run"}, valueOpts: []string{"--with", "--with-editable", "--with-requirements", "-p", "--python", "--package", "--extra", "--group", "--only-group", "--no-group", "--env-file", "--directory", "--project", "--index", "--default-index", "--index-url", "--extra-index-url", "-f", "--find-links", "--cache-dir", "--config-file", "--color"}},
		"poetry":  {words: []string{"run"}, valueOpts: []string{"-C", "--directory", "-P", "--project"}},
		"pipenv":  {words: []string{"run"}},
		"pdm":     {words: []string{"run"}, valueOpts: []string{"-p", "--project", "-g"}},
		"hatch":   {words: []string{"run"}},
		"rye":     {words: []string{"run"}},
		"uvx":     {valueOpts: []string{"--with", "--with-editable", "--with-requirements", "--from", "-p", "--python", "--index", "--default-index", "--index-url", "--extra-index-url", "-f", "--find-links", "--cache-dir", "--config-file", "--color", "--directory", "--project"}},
		"npx":     {valueOpts: []string{"-p", "--package", "--cache", "--userconfig"}},
		"npm":     {words: []string{"exec"}, valueOpts: []string{"-p", "--package", "-w", "--workspace", "--cache", "--userconfig"}},
		"timeout": {valueOpts: []string{"-s", "--signal", "-k", "--kill-after"}, positionals: 1},
		"bunx":    {valueOpts: []string{"-p", "--package"}},
		"pnpm":    {words: []string{"exec"}, valueOpts: []string{"-C", "--dir", "--filter", "-F"}},
		"yarn":    {words: []string{"exec"}, valueOpts: []string{"--cwd"}},
	}
}}

// skipWrappers returns the index of the program the wrappers at the start
// of args run. Wrappers may nest: uv run env X=1 pytest.
func skipWrappers(args []string) int {
	i := 0
	for i < len(args) {
		w, ok := wrappers.Get()[programName(args[i])]
		if !ok {
			return i
		}
		j := i + 1
		for _, word := range w.words {
			if j >= len(args) || args[j] != word {
				// pnpm jest and yarn jest run the package's binary too.
				if (programName(args[i]) == "pnpm" || programName(args[i]) == "yarn") && j < len(args) && !strings.HasPrefix(args[j], "-") {
					break
				}
				return i
			}
			j++
		}
		left := w.positionals
		for j < len(args) {
			a := args[j]
			if a == "--" {
				j++
				break
			}
			if left > 0 && !strings.HasPrefix(a, "-") {
				left--
				j++
				continue
			}
			if w.assignsEnv && !strings.HasPrefix(a, "-") && strings.Contains(a, "=") {
				j++
				continue
			}
			if !strings.HasPrefix(a, "-") || a == "-" {
				break
			}
			if !strings.Contains(a, "=") && contains(w.valueOpts, a) {
				j++
			}
			j++
		}
		i = j
	}
	return i
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
