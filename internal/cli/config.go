package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/notify"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) configCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "config",
		Usage:     "print the effective configuration and where each part came from; trust a repository's",
		UsageText: "maestro config [--config FILE] [--json]\nmaestro config --default > recovery.toml\nmaestro config trust [--json]\nmaestro config untrust [--json]",
		Description: `Reads the configuration files in order of precedence: --config FILE,
$MAESTRO_CONFIG, recovery.toml at the repository root,
$XDG_CONFIG_HOME/maestro/recovery.toml (~/.config when unset), then the
default built into maestro. Each table comes from the first file that has it;
rules add up, earlier files' first. The output is itself a valid recovery.toml.

A repository's recovery.toml comes with a clone, so it is used only once you
have trusted that exact content with 'maestro config trust' (or when
MAESTRO_TRUST_REPO_CONFIG=1, for CI); until then it is ignored, with a
warning. The list of files says which are used.`,
		Flags: []ucli.Flag{
			configFlag,
			jsonFlag,
			&ucli.BoolFlag{Name: "default", Usage: "print the built-in recovery.toml, a starting point for your own"},
		},
		Subcommands: []*ucli.Command{
			{
				Name:  "trust",
				Usage: "use the repository's recovery.toml as it is now (read it first)",
				Description: `Records the SHA-256 of the repository's recovery.toml, with its path, in
your state ($XDG_STATE_HOME/maestro/trust, ~/.local/state when unset), once
the file is checked valid. maestro uses the file while its content is one you
trusted; any change makes it ignored again until you trust it again.`,
				UsageText:    "maestro config trust [--json]",
				Flags:        []ucli.Flag{jsonFlag},
				OnUsageError: commandUsageError("config trust"),
				Action:       e.configTrust,
			},
			{
				Name:         "untrust",
				Usage:        "stop using the repository's recovery.toml, whatever content of it you trusted",
				UsageText:    "maestro config untrust [--json]",
				Flags:        []ucli.Flag{jsonFlag},
				OnUsageError: commandUsageError("config untrust"),
				Action:       e.configUntrust,
			},
		},
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return usageError(ExitUsage, "config", flagError(err))
		},
		Action: e.config,
	}
}

func (e *env) configTrust(c *ucli.Context) error {
	if c.Args().Present() {
		return usageError(ExitUsage, "config trust", fmt.Errorf("unexpected argument %q: trust takes the recovery.toml of the repository you are in", c.Args().First()))
	}
	f, err := catalog.TrustRepo(catalog.Options{Default: e.defaultCatalog})
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, fileJSON(f))
	}
	fmt.Printf("trusted %s (sha256 %s)\n", textsafe.Visible(f.Path), f.SHA256)
	return nil
}

func (e *env) configUntrust(c *ucli.Context) error {
	if c.Args().Present() {
		return usageError(ExitUsage, "config untrust", fmt.Errorf("unexpected argument %q: untrust takes the recovery.toml of the repository you are in", c.Args().First()))
	}
	f, was, err := catalog.UntrustRepo(catalog.Options{})
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, struct {
			Path       textsafe.Path `json:"path"`
			WasTrusted bool          `json:"was_trusted"`
		}{textsafe.Path(f.Path), was})
	}
	if was {
		fmt.Printf("untrusted %s: maestro ignores it from now on\n", textsafe.Visible(f.Path))
	} else {
		fmt.Printf("%s was not trusted: nothing to do\n", textsafe.Visible(f.Path))
	}
	return nil
}

// configFileJSON is a configuration file in maestro config --json.
type configFileJSON struct {
	Origin string        `json:"origin"`
	Path   textsafe.Path `json:"path"`
	// Trust is own, trusted, trusted_by_env, same_as_default or not_trusted.
	Trust  string  `json:"trust"`
	Used   bool    `json:"used"`
	SHA256 *string `json:"sha256"`
}

func fileJSON(f catalog.File) configFileJSON {
	j := configFileJSON{Origin: f.Origin, Path: textsafe.Path(f.Path), Trust: f.Trust, Used: f.Used()}
	if f.SHA256 != "" {
		j.SHA256 = &f.SHA256
	}
	return j
}

// trustText is what maestro config says of a file that is not the user's own.
func trustText(f catalog.File) string {
	switch f.Trust {
	case catalog.TrustTrusted:
		return " (trusted)"
	case catalog.TrustByEnv:
		return " (trusted by " + catalog.TrustEnv + ")"
	case catalog.TrustDefault:
		return " (the built-in default, byte for byte: used without trust)"
	case catalog.TrustNone:
		return " (ignored: not trusted; read it, then run 'maestro config trust' to use it)"
	}
	return ""
}

func (e *env) config(c *ucli.Context) error {
	if c.Args().Present() {
		return usageError(ExitUsage, "config", fmt.Errorf("unexpected argument %q", c.Args().First()))
	}
	if c.Bool("default") {
		_, err := os.Stdout.Write(e.defaultCatalog)
		return err
	}
	cfg, err := catalog.Load(catalog.Options{ConfigFlag: c.String("config"), Default: e.defaultCatalog})
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	types, err := cfg.Types()
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	rules, err := cfg.Rules()
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	prompts, err := cfg.Prompts()
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, configJSON(cfg, types, rules, prompts))
	}
	printConfig(os.Stdout, cfg, types, rules, prompts)
	return nil
}

type retryJSON struct {
	Source           string  `json:"source"`
	MaxAttempts      int     `json:"max_attempts"`
	BaseDelay        string  `json:"base_delay"`
	MaxDelay         string  `json:"max_delay"`
	ExponentialBase  float64 `json:"exponential_base"`
	Jitter           bool    `json:"jitter"`
	RetryOn          string  `json:"retry_on"`
	AttemptTimeout   *string `json:"attempt_timeout"`
	TotalTimeout     *string `json:"total_timeout"`
	KillAfter        string  `json:"kill_after"`
	Rerun            string  `json:"rerun"`
	RerunMaxFailures int     `json:"rerun_max_failures"`
}

type promptJSON struct {
	catalog.Prompt
	Timeout *string `json:"timeout"`
}

type checkpointsJSON struct {
	Source       string  `json:"source"`
	AutoOnCommit bool    `json:"auto_on_commit"`
	DefaultType  string  `json:"default_type"`
	Keep         int     `json:"keep"`
	OlderThan    *string `json:"older_than"`
	OnGreen      string  `json:"on_green"`
	ForksDir     string  `json:"forks_dir"`
}

type sessionsJSON struct {
	Source    string  `json:"source"`
	Keep      int     `json:"keep"`
	OlderThan *string `json:"older_than"`
}

// escalateJSON is [escalate]; absent from the output without one.
type escalateJSON struct {
	Source string `json:"source"`
	Remote string `json:"remote"`
	Poll   string `json:"poll"`
}

func escalateOf(cfg *catalog.Config) *escalateJSON {
	if cfg.EscalateSource.Origin == "" {
		return nil
	}
	return &escalateJSON{Source: cfg.EscalateSource.String(), Remote: cfg.Escalate.Remote, Poll: catalog.FormatDuration(cfg.Escalate.Poll)}
}

// notifyJSON is [notify]; absent from the output without one.
type notifyJSON struct {
	Source  string   `json:"source"`
	Command []string `json:"command"`
	Events  []string `json:"events"`
	Timeout string   `json:"timeout"`
}

func notifyOf(cfg *catalog.Config) *notifyJSON {
	n := cfg.Notify
	if len(n.Command) == 0 {
		return nil
	}
	events := n.Events
	if len(events) == 0 {
		events = notify.Events
	}
	return &notifyJSON{Source: cfg.NotifySource.String(), Command: n.Command, Events: events, Timeout: catalog.FormatDuration(n.Timeout)}
}

type agentJSON struct {
	Source        string   `json:"source"`
	RiskyCommands []string `json:"risky_commands"`
	BlockRisky    bool     `json:"block_risky"`
	RollbackAfter int      `json:"rollback_after"`
}

func configJSON(cfg *catalog.Config, types []catalog.FailureType, rules []catalog.Rule, prompts map[string]catalog.Prompt) any {
	r := cfg.Retry
	fd := catalog.FormatDuration
	opt := func(d time.Duration) *string {
		if d == 0 {
			return nil
		}
		s := fd(d)
		return &s
	}
	files := []configFileJSON{}
	for _, f := range cfg.Files {
		files = append(files, fileJSON(f))
	}
	tm := map[string]catalog.FailureType{}
	for _, t := range types {
		tm[t.Name] = t
	}
	pm := map[string]promptJSON{}
	for name, p := range prompts {
		pm[name] = promptJSON{Prompt: p, Timeout: opt(p.Timeout)}
	}
	cp := cfg.Checkpoints
	return struct {
		Files        []configFileJSON               `json:"files"`
		Retry        retryJSON                      `json:"retry"`
		Checkpoints  checkpointsJSON                `json:"checkpoints"`
		Sessions     sessionsJSON                   `json:"sessions"`
		Agent        agentJSON                      `json:"agent"`
		Notify       *notifyJSON                    `json:"notify,omitempty"`
		Escalate     *escalateJSON                  `json:"escalate,omitempty"`
		Share        map[string]any                 `json:"share"`
		FailureTypes map[string]catalog.FailureType `json:"failure_types"`
		Prompts      map[string]promptJSON          `json:"prompts"`
		Rules        []catalog.Rule                 `json:"rules"`
	}{
		Files:       files,
		Checkpoints: checkpointsJSON{Source: cfg.CheckpointsSource.String(), AutoOnCommit: cp.AutoOnCommit, DefaultType: cp.DefaultType, Keep: cp.Keep, OlderThan: opt(cp.OlderThan), OnGreen: cp.OnGreen, ForksDir: cp.ForksDir},
		Prompts:     pm,
		Share:       map[string]any{"source": cfg.ShareSource.String(), "never_push": cfg.Share.NeverPush},
		Sessions:    sessionsJSON{Source: cfg.SessionsSource.String(), Keep: cfg.Sessions.Keep, OlderThan: opt(cfg.Sessions.OlderThan)},
		Agent:       agentJSON{Source: cfg.AgentSource.String(), RiskyCommands: cfg.Agent.RiskyCommands, BlockRisky: cfg.Agent.BlockRisky, RollbackAfter: cfg.Agent.RollbackAfter},
		Notify:      notifyOf(cfg),
		Escalate:    escalateOf(cfg),
		Retry: retryJSON{
			Source:           cfg.RetrySource.String(),
			MaxAttempts:      r.MaxAttempts,
			BaseDelay:        fd(r.BaseDelay),
			MaxDelay:         fd(r.MaxDelay),
			ExponentialBase:  r.ExponentialBase,
			Jitter:           r.Jitter,
			RetryOn:          r.RetryOn.String(),
			AttemptTimeout:   opt(r.AttemptTimeout),
			TotalTimeout:     opt(r.TotalTimeout),
			KillAfter:        fd(r.KillAfter),
			Rerun:            r.Rerun,
			RerunMaxFailures: r.RerunMaxFailures,
		},
		FailureTypes: tm,
		Rules:        rules,
	}
}

func printConfig(w io.Writer, cfg *catalog.Config, types []catalog.FailureType, rules []catalog.Rule, prompts map[string]catalog.Prompt) {
	fd := catalog.FormatDuration
	fmt.Fprintln(w, "# maestro's effective configuration. Each table comes from the first file")
	fmt.Fprintln(w, "# that has it; rules add up, earlier files' first. Files read:")
	for _, f := range cfg.Files {
		fmt.Fprintf(w, "#   %-14s %s%s\n", f.Origin, textsafe.Visible(f.Path), trustText(f))
	}
	fmt.Fprintf(w, "#   %-14s %s\n", catalog.OriginDefault, "built into maestro ('maestro config --default' prints it)")
	r := cfg.Retry
	fmt.Fprintf(w, "\n# from: %s\n[retry]\n", textsafe.Visible(cfg.RetrySource.String()))
	fmt.Fprintf(w, "max_attempts = %d\n", r.MaxAttempts)
	fmt.Fprintf(w, "base_delay = %s\n", tomlString(fd(r.BaseDelay)))
	fmt.Fprintf(w, "max_delay = %s\n", tomlString(fd(r.MaxDelay)))
	fmt.Fprintf(w, "exponential_base = %s\n", strconv.FormatFloat(r.ExponentialBase, 'f', -1, 64)+pointZero(r.ExponentialBase))
	fmt.Fprintf(w, "jitter = %t\n", r.Jitter)
	fmt.Fprintf(w, "retry_on = %s\n", tomlString(r.RetryOn.String()))
	if r.AttemptTimeout > 0 {
		fmt.Fprintf(w, "attempt_timeout = %s\n", tomlString(fd(r.AttemptTimeout)))
	} else {
		fmt.Fprintln(w, "# attempt_timeout: none")
	}
	if r.TotalTimeout > 0 {
		fmt.Fprintf(w, "total_timeout = %s\n", tomlString(fd(r.TotalTimeout)))
	} else {
		fmt.Fprintln(w, "# total_timeout: none")
	}
	fmt.Fprintf(w, "kill_after = %s\n", tomlString(fd(r.KillAfter)))
	fmt.Fprintf(w, "rerun = %s\nrerun_max_failures = %d\n", tomlString(r.Rerun), r.RerunMaxFailures)
	cp := cfg.Checkpoints
	fmt.Fprintf(w, "\n# from: %s\n[checkpoints]\n", textsafe.Visible(cfg.CheckpointsSource.String()))
	fmt.Fprintf(w, "auto_on_commit = %t\ndefault_type = %s\nkeep = %d\n", cp.AutoOnCommit, tomlString(cp.DefaultType), cp.Keep)
	if cp.OlderThan > 0 {
		fmt.Fprintf(w, "older_than = %s\n", tomlString(fd(cp.OlderThan)))
	}
	fmt.Fprintf(w, "on_green = %s\n", tomlString(cp.OnGreen))
	if cp.ForksDir != "" {
		fmt.Fprintf(w, "forks_dir = %s\n", tomlString(cp.ForksDir))
	} else {
		fmt.Fprintln(w, "# forks_dir: ../<repository>.maestro-forks")
	}
	ss := cfg.Sessions
	fmt.Fprintf(w, "\n# from: %s\n[sessions]\nkeep = %d\n", textsafe.Visible(cfg.SessionsSource.String()), ss.Keep)
	if ss.OlderThan > 0 {
		fmt.Fprintf(w, "older_than = %s\n", tomlString(fd(ss.OlderThan)))
	}
	ag := cfg.Agent
	fmt.Fprintf(w, "\n# from: %s\n[agent]\nrisky_commands = %s\nblock_risky = %t\nrollback_after = %d\n", textsafe.Visible(cfg.AgentSource.String()), tomlArray(ag.RiskyCommands), ag.BlockRisky, ag.RollbackAfter)
	if n := notifyOf(cfg); n != nil {
		fmt.Fprintf(w, "\n# from: %s\n[notify]\ncommand = %s\nevents = %s\ntimeout = %s\n", textsafe.Visible(n.Source), tomlArray(n.Command), tomlArray(n.Events), tomlString(n.Timeout))
	}
	if es := escalateOf(cfg); es != nil {
		fmt.Fprintf(w, "\n# from: %s\n[escalate]\nremote = %s\npoll = %s\n", textsafe.Visible(es.Source), tomlString(es.Remote), tomlString(es.Poll))
	}
	// [share] adds up: the built-in list, then every file's patterns.
	fmt.Fprintf(w, "\n# from: %s, and every file with [share]\n[share]\nnever_push = %s\n", textsafe.Visible(cfg.ShareSource.String()), tomlArray(cfg.Share.NeverPush))
	names := make([]string, 0, len(prompts))
	for name := range prompts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := prompts[name]
		fmt.Fprintf(w, "\n# from: %s\n[prompts.%s]\nissue = %s\noptions = %s\n", textsafe.Visible(p.Source), name, tomlString(p.Issue), tomlArray(p.Options))
		if p.Default != "" {
			fmt.Fprintf(w, "default = %s\n", tomlString(p.Default))
		}
		fmt.Fprintf(w, "require_justification = %t\n", p.RequireJustification)
		if p.Timeout > 0 {
			fmt.Fprintf(w, "timeout = %s\n", tomlString(fd(p.Timeout)))
		}
	}
	for _, t := range types {
		fmt.Fprintf(w, "\n# from: %s\n[failure_types.%s]\n", textsafe.Visible(t.Source), t.Name)
		fmt.Fprintf(w, "description = %s\ntransient = %t\nretryable = %t\n", tomlString(t.Description), t.Transient, t.Retryable)
		if t.Prompt != "" {
			fmt.Fprintf(w, "prompt = %s\n", tomlString(t.Prompt))
		}
		for _, a := range t.Approaches {
			fmt.Fprintf(w, "\n[[failure_types.%s.approaches]]\nname = %s\ndescription = %s\nimplementation_pattern = %s\nrequired_changes = %s\n",
				t.Name, tomlString(a.Name), tomlString(a.Description), tomlString(a.ImplementationPattern), tomlArray(a.RequiredChanges))
		}
	}
	for _, rl := range rules {
		fmt.Fprintf(w, "\n# from: %s\n[[rules]]\nfailure_type = %s\n", textsafe.Visible(rl.Source), tomlString(rl.FailureType))
		if len(rl.ExitCodes) > 0 {
			codes := make([]string, len(rl.ExitCodes))
			for i, c := range rl.ExitCodes {
				codes[i] = strconv.Itoa(c)
			}
			fmt.Fprintf(w, "exit_codes = [%s]\n", strings.Join(codes, ", "))
		}
		if len(rl.Patterns) > 0 {
			fmt.Fprintln(w, "patterns = [")
			for _, p := range rl.Patterns {
				fmt.Fprintf(w, "  %s,\n", tomlString(p))
			}
			fmt.Fprintln(w, "]")
		}
	}
}

func tomlArray(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = tomlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func pointZero(f float64) string {
	if f == float64(int64(f)) {
		return ".0"
	}
	return ""
}

// tomlString quotes s for TOML: a literal string when it can be one, so a
// regular expression reads as written; else a basic string.
func tomlString(s string) string {
	literal := !strings.ContainsAny(s, "'\n\r")
	for _, c := range s {
		// A description from a file may hide C1 controls or characters
		// that reorder text: escaped, the terminal shows them as text.
		if c < 0x20 && c != '\t' || c == 0x7f || textsafe.Hidden(c) {
			literal = false
		}
	}
	if literal {
		return "'" + s + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f || textsafe.Hidden(c) && c <= 0xffff:
			fmt.Fprintf(&b, `\u%04X`, c)
		case textsafe.Hidden(c):
			fmt.Fprintf(&b, `\U%08X`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
