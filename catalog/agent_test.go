package catalog_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/maestro-recovery/maestro/catalog"
)

// DefaultAgent is what the agent hooks use without parsing the embedded
// file (the hot path); the file must say the same.
func TestDefaultAgentMatchesFile(t *testing.T) {
	t.Parallel()
	c, err := catalog.LoadDefault(defaultTOML(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Agent, catalog.DefaultAgent; !reflect.DeepEqual(got, want) {
		t.Errorf("[agent] in recovery.toml = %+v,\nDefaultAgent = %+v", got, want)
	}
}

// The list: each must be caught by the default patterns, and the
// everyday commands beside them must not.
func TestDefaultRiskyCommands(t *testing.T) {
	t.Parallel()
	a := catalog.DefaultAgent
	for _, cmd := range []string{
		"rm -rf build", "rm -fr /tmp/x", "rm -Rf node_modules", "sudo rm -v -rf dist", "rm --recursive --force x",
		"git reset --hard", "git reset --hard HEAD~3", "git reset -q --hard origin/main",
		"git clean -fd", "git clean -xdf", "git clean --force",
		"git checkout -- .", "git checkout HEAD -- .", "git checkout .",
		"git restore .", "git restore --staged --worktree .",
		"git push --force", "git push -f origin main", "git push --force-with-lease", "git push origin +main",
		"git branch -D feature", "git branch --delete --force old",
		"psql -c 'DROP TABLE users'", "echo 'drop database prod;' | mysql", "psql -c 'TRUNCATE users'", "psql -c 'truncate table t'",
		"terraform destroy", "terraform apply -auto-approve", "terraform -chdir=infra apply",
		"kubectl delete pod web-1", "kubectl -n prod delete deploy api",
	} {
		if _, ok := a.Risky(cmd); !ok {
			t.Errorf("%q is not risky by the default patterns", cmd)
		}
	}
	for _, cmd := range []string{
		"rm build.log", "rm -r", "npm run format", "git reset HEAD file.go", "git clean -n", "git checkout main",
		"git checkout ./cmd/x.go", "git restore file.go", "git push origin feature-fix", "git push",
		"git branch -d merged", "go test ./...", "pytest -x", "terraform plan", "kubectl get pods",
		"truncate -s 0 app.log", "echo dropping tables is bad",
	} {
		if p, ok := a.Risky(cmd); ok {
			t.Errorf("%q is risky by %q", cmd, p)
		}
	}
}

func TestAgentTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "recovery.toml", "[agent]\nrisky_commands = ['\\bmake\\s+deploy\\b']\nblock_risky = true\nrollback_after = 2\n")
	c, err := catalog.Load(catalog.Options{ConfigFlag: p, Default: defaultTOML(t), Dir: dir, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Agent, (catalog.Agent{RiskyCommands: []string{`\bmake\s+deploy\b`}, BlockRisky: true, RollbackAfter: 2}); !reflect.DeepEqual(got, want) {
		t.Errorf("Agent = %+v, want %+v", got, want)
	}
	if c.AgentSource.Path != p {
		t.Errorf("AgentSource = %v, want %s", c.AgentSource, p)
	}
	for _, tc := range []struct{ file, want string }{
		{"[agent]\nrisky_commands = ['(unclosed']\n", ":2: agent.risky_commands[0]: bad regular expression"},
		{"[agent]\nrisky_commands = ['([a-z]{0,100}){9}']\n", "pattern too costly"},
		{"[agent]\nrollback_after = -1\n", ":2: agent.rollback_after: -1 is out of range"},
		{"[agent]\nblock_risk = true\n", "unknown key"},
	} {
		p := writeFile(t, dir, "bad.toml", tc.file)
		_, err := catalog.Load(catalog.Options{ConfigFlag: p, Default: defaultTOML(t), Dir: dir, Getenv: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one with %q", tc.file, err, tc.want)
		}
	}
}

// Risky skips compiling a pattern whose leading word the command lacks;
// it must never skip one that would match.
func TestRiskyPrefilter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, command string
		want             bool
	}{
		{`\bgit\s+reset`, "git reset", true},
		{`\bgit\s+reset`, "GIT reset", false},
		{`(?i)\bdrop\s+table`, "DROP TABLE x", true},
		{`\bgit\s+reset|\bfoo`, "foo", true},
		{`(\bgit\s+reset|\bfoo)`, "foo", true},
		{`\bgits?\s+x`, "git x", true},
		{`\bgit[|]\s`, "git| ", true},
		{`\bmake\b`, "cmake", false},
		{`\bmake\b`, "make", true},
	} {
		a := catalog.Agent{RiskyCommands: []string{tc.pattern}}
		if _, got := a.Risky(tc.command); got != tc.want {
			t.Errorf("%q on %q: %v, want %v", tc.pattern, tc.command, got, tc.want)
		}
	}
}

// The prefilter never changes the answer: Risky says what compiling every
// pattern and matching it says.
func FuzzRisky(f *testing.F) {
	for _, s := range []string{"rm -rf build", "git reset --hard", "npm test", "DROP TABLE x", "format", "kubectl -n x delete pod"} {
		f.Add(s)
	}
	a := catalog.DefaultAgent
	res := make([]*regexp.Regexp, len(a.RiskyCommands))
	for i, p := range a.RiskyCommands {
		res[i] = regexp.MustCompile(p)
	}
	f.Fuzz(func(t *testing.T, command string) {
		want := false
		for _, re := range res {
			want = want || re.MatchString(command)
		}
		if _, got := a.Risky(command); got != want {
			t.Errorf("Risky(%q) = %v, compiling every pattern says %v", command, got, want)
		}
	})
}
