package catalog_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
)

func defaultTOML(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("../recovery.toml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The embedded default is trusted at run time (maestro-run does not spend
// its start-up validating it), so it is validated here, patterns included.
func TestDefaultIsValid(t *testing.T) {
	t.Parallel()
	c, err := catalog.LoadDefault(defaultTOML(t))
	if err != nil {
		t.Fatalf("the default recovery.toml is invalid: %v", err)
	}
	types, _ := c.Types()
	for _, want := range []string{"transient", "test_failure", "implementation_failure", "dependency_conflict", catalog.Unknown, catalog.Timeout} {
		found := false
		for _, ft := range types {
			if ft.Name == want {
				found = true
				if ft.Description == "" {
					t.Errorf("failure type %s has no description", want)
				}
			}
		}
		if !found {
			t.Errorf("the default catalog lacks failure type %s", want)
		}
	}
}

// DefaultRetry is what maestro uses when no file sets [retry], without
// parsing the embedded file; the file must say the same.
func TestDefaultRetryMatchesFile(t *testing.T) {
	t.Parallel()
	c, err := catalog.LoadDefault(defaultTOML(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Retry, catalog.DefaultRetry; !reflect.DeepEqual(got, want) {
		t.Errorf("[retry] in recovery.toml = %+v, DefaultRetry = %+v", got, want)
	}
	if got, want := c.Checkpoints, catalog.DefaultCheckpoints; !reflect.DeepEqual(got, want) {
		t.Errorf("[checkpoints] in recovery.toml = %+v, DefaultCheckpoints = %+v", got, want)
	}
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, content string) (*catalog.Config, error) {
	t.Helper()
	dir := t.TempDir()
	p := writeFile(t, dir, "bad.toml", content)
	return catalog.Load(catalog.Options{ConfigFlag: p, Dir: dir, Default: defaultTOML(t), Getenv: func(string) string { return "" }})
}

// A bad file is refused with the file, the line and the key named.
func TestMalformedConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content string
		want          string // the message after "load config <file>"
		hint          string // a hint that must be among the hints, "" for none required
	}{
		{"unknown key", "[retry]\nmax_atempts = 3\n", `:2: retry.max_atempts: unknown key`, `did you mean "max_attempts"?`},
		{"unknown table", "[retyr]\nmax_attempts = 3\n", `:1: retyr: unknown key`, `did you mean "retry"?`},
		{"unknown failure type key", "[failure_types.x]\ntransient = true\nretry = true\n", `:3: failure_types.x.retry: unknown key`, `did you mean "retryable"?`},
		{"wrong type", "[retry]\nmax_attempts = \"3\"\n", `:2: retry.max_attempts: a string is not allowed here: expected an integer`, ""},
		{"duration as number", "[retry]\nbase_delay = 1.5\n", `:2: retry.base_delay: a float is not allowed here: expected a string`, ""},
		{"bad duration", "[retry]\nbase_delay = \"soon\"\n", `:2: retry.base_delay: "soon" is not a duration`, ""},
		{"negative delay", "[retry]\n\nbase_delay = \"-1s\"\n", `:3: retry.base_delay: "-1s" must be greater than zero`, ""},
		{"zero delay", "[retry]\nmax_delay = \"0s\"\n", `:2: retry.max_delay: "0s" must be greater than zero`, ""},
		{"max below base", "[retry]\nbase_delay = \"10s\"\nmax_delay = \"5s\"\n", `:3: retry.max_delay: 5s is below base_delay (10s)`, ""},
		{"zero timeout", "[retry]\nattempt_timeout = \"0\"\n", `:2: retry.attempt_timeout: "0" must be greater than zero`, ""},
		{"base below one", "[retry]\nexponential_base = 0.5\n", `:2: retry.exponential_base: 0.5 is out of range`, ""},
		{"nan base", "[retry]\nexponential_base = nan\n", `:2: retry.exponential_base: NaN is out of range`, ""},
		{"zero attempts", "[retry]\nmax_attempts = 0\n", `:2: retry.max_attempts: 0 is out of range`, ""},
		{"bad retry_on", "[retry]\nretry_on = \"sometimes\"\n", `:2: retry.retry_on: "sometimes" is not "any", "transient" or an exit code`, ""},
		{"retry_on code out of range", "[retry]\nretry_on = \"1,300\"\n", `:2: retry.retry_on: "300" is not`, ""},
		{"syntax error", "[retry\nmax_attempts = 3\n", `:1: expected ']' to close table name`, ""},
		{"bad regexp", "[[rules]]\nfailure_type = \"transient\"\npatterns = [\n  'ok',\n  '(unclosed',\n]\n", `:5: rules[0].patterns[1]: bad regular expression: missing closing )`, "RE2"},
		{"bad regexp in second rule", "[[rules]]\nfailure_type = \"transient\"\npatterns = ['a']\n\n[[rules]]\nfailure_type = \"transient\"\npatterns = ['[z-a]']\n", `:7: rules[1].patterns[0]: bad regular expression: invalid character class range`, ""},
		{"unknown failure type in rule", "[[rules]]\nfailure_type = \"transiant\"\npatterns = ['x']\n", `:2: rules[0].failure_type: unknown failure type "transiant"`, `did you mean "transient"?`},
		{"rule without failure type", "[[rules]]\npatterns = ['x']\n", `:1: rules[0]: failure_type is missing`, ""},
		{"rule matching nothing", "[[rules]]\nfailure_type = \"transient\"\n", `:1: rules[0]: a rule needs patterns, exit_codes or both`, ""},
		{"empty pattern", "[[rules]]\nfailure_type = \"transient\"\npatterns = ['']\n", `:3: rules[0].patterns[0]: an empty pattern matches every line`, ""},
		{"exit code zero", "[[rules]]\nfailure_type = \"transient\"\nexit_codes = [1, 0]\n", `:3: rules[0].exit_codes[1]: 0 is not the exit code of a failure`, ""},
		{"transient not retryable", "[failure_types.flaky]\ntransient = true\nretryable = false\n", `:3: failure_types.flaky.retryable: false contradicts transient = true`, ""},
		{"bad type name", "[failure_types.Flaky]\ntransient = true\n", `:1: failure_types.Flaky: a failure type name must be lowercase`, ""},
		{"inline table rules", "rules = [{failure_type = \"nope\", patterns = ['x']}]\n", `:1: rules[0].failure_type: unknown failure type "nope"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.content)
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.content)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "load config ") || !strings.Contains(msg, "bad.toml"+tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", msg, "bad.toml"+tt.want)
			}
			var ce *catalog.Error
			if !asError(err, &ce) {
				t.Fatalf("error is %T, not *catalog.Error", err)
			}
			if tt.hint != "" && !strings.Contains(strings.Join(ce.Hints(), "\n"), tt.hint) {
				t.Errorf("hints = %q, want one containing %q", ce.Hints(), tt.hint)
			}
			if strings.Contains(msg, "*") || strings.Contains(msg, "struct") || strings.Contains(msg, "int64") {
				t.Errorf("error mentions Go types: %q", msg)
			}
		})
	}
}

func asError(err error, target **catalog.Error) bool {
	ce, ok := err.(*catalog.Error)
	if ok {
		*target = ce
	}
	return ok
}

func TestMissingExplicitFile(t *testing.T) {
	t.Parallel()
	_, err := catalog.Load(catalog.Options{ConfigFlag: filepath.Join(t.TempDir(), "nope.toml"), Default: defaultTOML(t), Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "nope.toml: no such file") {
		t.Fatalf("err = %v, want no such file", err)
	}
	_, err = catalog.Load(catalog.Options{Default: defaultTOML(t), Dir: t.TempDir(), Getenv: func(k string) string {
		if k == "MAESTRO_CONFIG" {
			return "/nonexistent/recovery.toml"
		}
		return ""
	}})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/recovery.toml: no such file") {
		t.Fatalf("err = %v, want no such file for $MAESTRO_CONFIG", err)
	}
}

// Each table comes from the first file that has it, in the order --config,
// $MAESTRO_CONFIG, the repository's recovery.toml, the user's, the default.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	// A repository as git recognises one: a .git directory with HEAD.
	if err := os.MkdirAll(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, ".git", "HEAD"), []byte("ref: refs/heads/main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	flagFile := writeFile(t, dir, "flag.toml", "[failure_types.flaky]\ndescription = \"from flag\"\ntransient = true\n[[rules]]\nfailure_type = \"flaky\"\npatterns = ['flag rule']\n")
	envFile := writeFile(t, dir, "env.toml", "[failure_types.flaky]\ndescription = \"from env\"\n[failure_types.transient]\ndescription = \"env transient\"\ntransient = true\n")
	repoFile := writeFile(t, repo, "recovery.toml", "[retry]\nmax_attempts = 7\n[[rules]]\nfailure_type = \"flaky\"\npatterns = ['repo rule']\n")
	xdg := filepath.Join(dir, "xdg")
	userFile := writeFile(t, xdg, "maestro/recovery.toml", "[retry]\nmax_attempts = 9\nbase_delay = \"5s\"\n[failure_types.user_only]\ndescription = \"from user\"\n")
	// The repository's file is trusted here; trust has tests of its own.
	env := map[string]string{"MAESTRO_CONFIG": envFile, "XDG_CONFIG_HOME": xdg, catalog.TrustEnv: "1"}
	c, err := catalog.Load(catalog.Options{ConfigFlag: flagFile, Dir: sub, Default: defaultTOML(t), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	// [retry] from the repository file, whole: its missing keys are the
	// defaults, not the user file's.
	if got, want := c.Retry.MaxAttempts, 7; got != want {
		t.Errorf("max_attempts = %d, want %d", got, want)
	}
	if got, want := c.Retry.BaseDelay, time.Second; got != want {
		t.Errorf("base_delay = %v, want the default %v (the user's [retry] is shadowed whole)", got, want)
	}
	if got, want := c.RetrySource.Path, repoFile; got != want {
		t.Errorf("retry source = %q, want %q", got, want)
	}
	types, _ := c.Types()
	byName := map[string]catalog.FailureType{}
	for _, ft := range types {
		byName[ft.Name] = ft
	}
	for name, want := range map[string]string{"flaky": flagFile, "transient": envFile, "user_only": userFile, "test_failure": "embedded default"} {
		if got := byName[name].Source; got != want {
			t.Errorf("failure type %s from %q, want %q", name, got, want)
		}
	}
	if got := byName["flaky"].Description; got != "from flag" {
		t.Errorf("flaky description = %q", got)
	}
	rules, _ := c.Rules()
	if len(rules) < 3 || rules[0].Patterns[0] != "flag rule" || rules[1].Patterns[0] != "repo rule" {
		t.Errorf("rules do not start with the flag file's then the repository's: %+v", rules[:min(3, len(rules))])
	}
	var origins []string
	for _, f := range c.Files {
		origins = append(origins, f.Origin)
	}
	if got, want := strings.Join(origins, ","), "--config,MAESTRO_CONFIG,repository,user"; got != want {
		t.Errorf("files = %s, want %s", got, want)
	}
}

// With no file of the user's, Load does not parse the default at all; the
// types and rules come when first asked for.
func TestLoadWithoutUserFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := catalog.Load(catalog.Options{Dir: dir, Default: defaultTOML(t), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Retry, catalog.DefaultRetry) || len(c.Files) != 0 {
		t.Fatalf("retry = %+v files = %v", c.Retry, c.Files)
	}
	cl, err := c.Classify(catalog.Failure{ExitCode: 127})
	if err != nil {
		t.Fatal(err)
	}
	if cl.FailureType != "command_not_found" || cl.Retryable {
		t.Errorf("exit 127 classified %+v", cl)
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"1.5s": 1500 * time.Millisecond, "2m": 2 * time.Minute, "3": 3 * time.Second, "0.25": 250 * time.Millisecond, " 10ms ": 10 * time.Millisecond} {
		got, err := catalog.ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "0s", "-1s", "-3", "soon", "1x", "1e300"} {
		if d, err := catalog.ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}

func TestRetryOn(t *testing.T) {
	t.Parallel()
	transient := &catalog.Classification{FailureType: "transient", Transient: true, Retryable: true, ExitCode: 1}
	flaky := &catalog.Classification{FailureType: "test_failure", Retryable: true, ExitCode: 1}
	permanent := &catalog.Classification{FailureType: "implementation_failure", ExitCode: 1}
	code75 := &catalog.Classification{FailureType: "unknown", Retryable: true, ExitCode: 75}
	tests := []struct {
		spec string
		want [4]bool // transient, flaky, permanent, code75
	}{
		{"any", [4]bool{true, true, false, true}},
		{"transient", [4]bool{true, false, false, false}},
		{"1", [4]bool{true, true, false, false}},
		{"75, 137", [4]bool{false, false, false, true}},
	}
	for _, tt := range tests {
		ro, err := catalog.ParseRetryOn(tt.spec)
		if err != nil {
			t.Fatalf("ParseRetryOn(%q): %v", tt.spec, err)
		}
		for i, c := range []*catalog.Classification{transient, flaky, permanent, code75} {
			if got := ro.Allows(c); got != tt.want[i] {
				t.Errorf("retry_on %q allows %s exit %d = %v, want %v", tt.spec, c.FailureType, c.ExitCode, got, tt.want[i])
			}
		}
	}
	for _, bad := range []string{"", "all", "0", "256", "1,,2", "-1"} {
		if _, err := catalog.ParseRetryOn(bad); err == nil {
			t.Errorf("ParseRetryOn(%q) accepted", bad)
		}
	}
}

// Every failure type of the default has approaches an agent can act on, and
// a prompt that exists; the types the contract names are there.
func TestDefaultApproachesAndPrompts(t *testing.T) {
	t.Parallel()
	c := defaultConfig(t)
	types, _ := c.Types()
	prompts, _ := c.Prompts()
	names := map[string]bool{}
	for _, ft := range types {
		names[ft.Name] = true
		if len(ft.Approaches) < 2 {
			t.Errorf("%s has %d approaches, want at least 2", ft.Name, len(ft.Approaches))
		}
		for _, a := range ft.Approaches {
			if a.Name == "" || a.Description == "" || a.ImplementationPattern == "" || len(a.RequiredChanges) == 0 {
				t.Errorf("%s: incomplete approach %+v", ft.Name, a)
			}
		}
		if _, ok := prompts[ft.Prompt]; !ok {
			t.Errorf("%s names prompt %q, which does not exist", ft.Name, ft.Prompt)
		}
	}
	for _, want := range []string{"transient", "test_failure", "implementation_failure", "dependency_conflict", "timeout", "out_of_memory", "disk_full", "permission_denied", "lint_failure"} {
		if !names[want] {
			t.Errorf("no failure type %s", want)
		}
	}
	for name, p := range prompts {
		if p.Default == "" || len(p.Options) < 2 || p.Timeout <= 0 {
			t.Errorf("prompt %s: %+v: an unattended run needs a default, and a person a timeout", name, p)
		}
	}
}

func TestMalformedApproachesAndPrompts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ content, want string }{
		{"[failure_types.x]\n[[failure_types.x.approaches]]\ndescription = \"d\"\nimplementation_pattern = \"p\"\n", ":2: failure_types.x.approaches[0].name: missing"},
		{"[failure_types.x]\nprompt = \"nope\"\n", ":2: failure_types.x.prompt: unknown prompt \"nope\""},
		{"[prompts.p]\nissue = \"q?\"\noptions = [\"a\"]\n", ":3: prompts.p.options: a question needs at least two options"},
		{"[prompts.p]\nissue = \"q?\"\noptions = [\"a\", \"b\"]\ndefault = \"c\"\n", ":4: prompts.p.default: \"c\" is not one of the options"},
		{"[prompts.p]\noptions = [\"a\", \"b\"]\n", ":1: prompts.p: issue is missing"},
		{"[prompts.p]\nissue = \"q?\"\noptions = [\"a\", \"A\"]\n", ":3: prompts.p.options[1]: option \"A\" is empty or repeated"},
		{"[prompts.p]\nissue = \"q?\"\noptions = [\"a\", \"b\"]\ntimeout = \"-1s\"\n", ":4: prompts.p.timeout: \"-1s\" must be greater than zero"},
	} {
		_, err := load(t, tt.content)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %s", tt.content, err, tt.want)
		}
	}
}
