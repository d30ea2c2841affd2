package testrun

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		args   string // split on spaces
		runner string // "" when not a test command
		at     int
		from   int
	}{
		{"go test ./...", Go, 0, 2},
		{"go test", Go, 0, 2},
		{"/usr/local/go/bin/go test -run TestX ./pkg", Go, 0, 2},
		{"env A=1 B=2 go test ./...", Go, 3, 5},
		{"env -u HOME -- go test", Go, 4, 6},
		{"nice -n 10 go test", Go, 3, 5},
		{"timeout 60 go test ./...", Go, 2, 4},
		{"timeout -k 5 --signal=KILL 10m pytest -x", Pytest, 5, 6},

		{"pytest", Pytest, 0, 1},
		{"pytest -q tests/", Pytest, 0, 1},
		{"py.test", Pytest, 0, 1},
		{"pytest-3 -x", Pytest, 0, 1},
		{"/usr/bin/pytest", Pytest, 0, 1},
		{".venv/bin/pytest -v", Pytest, 0, 1},
		{"python -m pytest", Pytest, 0, 3},
		{"python3 -m pytest -q", Pytest, 0, 3},
		{"python3.12 -m pytest", Pytest, 0, 3},
		{"pypy3 -m pytest", Pytest, 0, 3},
		{"py -3 -m pytest", Pytest, 0, 4},
		{"python -X dev -m pytest", Pytest, 0, 5},
		{"python -B -W error -m pytest -q", Pytest, 0, 6},
		{"python -m py.test", Pytest, 0, 3},
		{"/usr/bin/python3 -m pytest", Pytest, 0, 3},
		{"uv run pytest", Pytest, 2, 3},
		{"uv run --with x pytest", Pytest, 4, 5},
		{"uv run --with=x --frozen pytest -q", Pytest, 4, 5},
		{"uv run python -m pytest", Pytest, 2, 5},
		{"uv run -- pytest", Pytest, 3, 4},
		{"uvx pytest", Pytest, 1, 2},
		{"uvx --with pytest-xdist pytest -n 4", Pytest, 3, 4},
		{"poetry run pytest", Pytest, 2, 3},
		{"poetry -C sub run pytest", "", 0, 0}, // poetry's options before run: not read
		{"poetry run python -m pytest", Pytest, 2, 5},
		{"pipenv run pytest", Pytest, 2, 3},
		{"pdm run pytest", Pytest, 2, 3},
		{"hatch run pytest", Pytest, 2, 3},
		{"rye run pytest", Pytest, 2, 3},
		{"env PYTHONPATH=. python3 -m pytest", Pytest, 2, 5},
		{"uv run env X=1 pytest", Pytest, 4, 5},

		{"cargo test", Cargo, 0, 2},
		{"cargo test --release -- --nocapture", Cargo, 0, 2},
		{"cargo +nightly test", Cargo, 0, 3},
		{"cargo nextest run", Nextest, 0, 3},
		{"cargo +stable nextest run -E test(x)", Nextest, 0, 4},

		{"jest", Jest, 0, 1},
		{"npx jest", Jest, 1, 2},
		{"npx --yes jest --ci", Jest, 2, 3},
		{"npx -p jest jest", Jest, 3, 4},
		{"node_modules/.bin/jest", Jest, 0, 1},
		{"pnpm exec jest", Jest, 2, 3},
		{"pnpm jest", Jest, 1, 2},
		{"yarn jest", Jest, 1, 2},
		{"yarn exec jest", Jest, 2, 3},
		{"npm exec jest", Jest, 2, 3},
		{"npm exec -- jest", Jest, 3, 4},
		{"bunx jest", Jest, 1, 2},
		{"vitest run", Vitest, 0, 2},
		{"vitest --run", Vitest, 0, 1},
		{"npx vitest run", Vitest, 1, 3},
		{"npx --yes vitest run", Vitest, 2, 4},
		{"pnpm exec vitest run src/", Vitest, 2, 4},

		// Not a test command, or one that does not end (watch mode).
		{"", "", 0, 0},
		{"go build ./...", "", 0, 0},
		{"go vet", "", 0, 0},
		{"go", "", 0, 0},
		{"vitest", "", 0, 0},
		{"vitest watch", "", 0, 0},
		{"npx vitest", "", 0, 0},
		{"python script.py", "", 0, 0},
		{"python -c import pytest", "", 0, 0},
		{"python -m unittest", "", 0, 0},
		{"python -m", "", 0, 0},
		{"python -mpytest", "", 0, 0},
		{"python - -m pytest", "", 0, 0},
		{"uv run script.py", "", 0, 0},
		{"uv run", "", 0, 0},
		{"uv sync", "", 0, 0},
		{"make test", "", 0, 0},
		{"npm test", "", 0, 0},
		{"npm run test", "", 0, 0},
		{"yarn test", "", 0, 0},
		{"pnpm test", "", 0, 0},
		{"cargo build", "", 0, 0},
		{"cargo nextest list", "", 0, 0},
		{"cargo +nightly", "", 0, 0},
		{"cargo", "", 0, 0},
		{"env", "", 0, 0},
		{"env A=1", "", 0, 0},
		{"timeout 10", "", 0, 0},
		{"sh -c pytest", "", 0, 0},
		{"pytestify", "", 0, 0},
		{"true", "", 0, 0},
	}
	for _, tc := range cases {
		args := strings.Fields(tc.args)
		c := Detect(args)
		if tc.runner == "" {
			if c != nil {
				t.Errorf("Detect(%q) = %s at %d from %d, want nil", tc.args, c.Runner, c.At, c.From)
			}
			continue
		}
		if c == nil {
			t.Errorf("Detect(%q) = nil, want %s", tc.args, tc.runner)
			continue
		}
		if c.Runner != tc.runner || c.At != tc.at || c.From != tc.from {
			t.Errorf("Detect(%q) = %s at %d from %d, want %s at %d from %d", tc.args, c.Runner, c.At, c.From, tc.runner, tc.at, tc.from)
		}
		if got := strings.Join(c.With(c.Own()), " "); got != strings.Join(args, " ") {
			t.Errorf("Detect(%q): With(Own()) = %q", tc.args, got)
		}
	}
}

// FuzzDetect: any command line, Detect never panics, and a command it
// recognises has its program and own arguments inside it.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"uv run --with x pytest -q", "python -X dev -m pytest", "cargo +nightly nextest run",
		"env A=1 -- go test", "npx --yes vitest run", "timeout -k 5 60 pytest", "pnpm jest",
		"python -m", "uv run --with", "env -u", "yarn", "cargo +x",
	} {
		f.Add(strings.ReplaceAll(s, " ", "\x00"))
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, "\x00")
		c := Detect(args)
		if c == nil {
			return
		}
		if c.At < 0 || c.At >= len(args) || c.At > c.From || c.From > len(args) {
			t.Fatalf("Detect(%q): At %d, From %d", args, c.At, c.From)
		}
		_ = c.Own()
		_ = c.With(nil)
	})
}
