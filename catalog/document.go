package catalog

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/internal/lazy"
	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// fileDoc is the shape of recovery.toml. Every key is a pointer or a
// collection so that a missing key can be told from a zero one.
type fileDoc struct {
	Retry        *retryTable                 `toml:"retry"`
	Checkpoints  *checkpointsTable           `toml:"checkpoints"`
	FailureTypes map[string]failureTypeTable `toml:"failure_types"`
	Prompts      map[string]promptTable      `toml:"prompts"`
	Rules        []ruleTable                 `toml:"rules"`
	Share        *shareTable                 `toml:"share"`
	Sessions     *sessionsTable              `toml:"sessions"`
	Agent        *agentTable                 `toml:"agent"`
	Notify       *notifyTable                `toml:"notify"`
	Escalate     *escalateTable              `toml:"escalate"`
}

type retryTable struct {
	MaxAttempts      *int64   `toml:"max_attempts"`
	BaseDelay        *string  `toml:"base_delay"`
	MaxDelay         *string  `toml:"max_delay"`
	ExponentialBase  *float64 `toml:"exponential_base"`
	Jitter           *bool    `toml:"jitter"`
	RetryOn          *string  `toml:"retry_on"`
	AttemptTimeout   *string  `toml:"attempt_timeout"`
	TotalTimeout     *string  `toml:"total_timeout"`
	KillAfter        *string  `toml:"kill_after"`
	Rerun            *string  `toml:"rerun"`
	RerunMaxFailures *int64   `toml:"rerun_max_failures"`
}

type checkpointsTable struct {
	AutoOnCommit *bool   `toml:"auto_on_commit"`
	DefaultType  *string `toml:"default_type"`
	Keep         *int64  `toml:"keep"`
	OlderThan    *string `toml:"older_than"`
	OnGreen      *string `toml:"on_green"`
	ForksDir     *string `toml:"forks_dir"`
}

type failureTypeTable struct {
	Description *string         `toml:"description"`
	Transient   *bool           `toml:"transient"`
	Retryable   *bool           `toml:"retryable"`
	Prompt      *string         `toml:"prompt"`
	Approaches  []approachTable `toml:"approaches"`
}

type approachTable struct {
	Name                  *string  `toml:"name"`
	Description           *string  `toml:"description"`
	ImplementationPattern *string  `toml:"implementation_pattern"`
	RequiredChanges       []string `toml:"required_changes"`
}

type promptTable struct {
	Issue                *string  `toml:"issue"`
	Options              []string `toml:"options"`
	Default              *string  `toml:"default"`
	RequireJustification *bool    `toml:"require_justification"`
	Timeout              *string  `toml:"timeout"`
}

type ruleTable struct {
	FailureType *string  `toml:"failure_type"`
	Patterns    []string `toml:"patterns"`
	ExitCodes   []int64  `toml:"exit_codes"`
}

// Keys each table accepts, for "did you mean" hints. Built on first use: a
// map literal is built at every start of maestro, which needs this only for
// a file with an unknown key.
var tableKeys = lazy.Value[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"":              {"retry", "checkpoints", "failure_types", "prompts", "rules", "share", "sessions", "agent", "notify", "escalate"},
		"sessions":      {"keep", "older_than"},
		"agent":         {"risky_commands", "block_risky", "rollback_after"},
		"notify":        {"command", "events", "timeout"},
		"escalate":      {"remote", "poll"},
		"share":         {"never_push"},
		"checkpoints":   {"auto_on_commit", "default_type", "keep", "older_than", "on_green", "forks_dir"},
		"retry":         {"max_attempts", "base_delay", "max_delay", "exponential_base", "jitter", "retry_on", "attempt_timeout", "total_timeout", "kill_after", "rerun", "rerun_max_failures"},
		"failure_types": {"description", "transient", "retryable", "prompt", "approaches"},
		"prompts":       {"issue", "options", "default", "require_justification", "timeout"},
		"rules":         {"failure_type", "patterns", "exit_codes"},
	}
}}

// MaxAttemptsLimit bounds max_attempts: past it a typo is likelier than intent.
const MaxAttemptsLimit = 10000

// document is one parsed file, kept with its bytes so that a problem found
// after decoding can still be reported at its line.
type document struct {
	src  Source
	data []byte
	file fileDoc
}

func parse(src Source, data []byte) (*document, error) {
	d := &document{src: src, data: data}
	err := decodeStrict(data, &d.file)
	if err == nil {
		return d, nil
	}
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		de := &strict.Errors[0]
		line, _ := de.Position()
		key := []string(de.Key())
		e := &Error{File: src.String(), Line: line, Key: strings.Join(key, "."), Msg: "unknown key"}
		table := ""
		if len(key) > 1 {
			table = key[0]
		}
		if known := tableKeys.Get()[table]; known != nil {
			if s := suggest(key[len(key)-1], known); s != "" {
				e.Hint = append(e.Hint, fmt.Sprintf("did you mean %q?", s))
			}
			where := "at the top level"
			if table != "" {
				where = "in [" + table + "]"
			}
			e.Hint = append(e.Hint, fmt.Sprintf("the keys allowed %s are: %s", where, strings.Join(known, ", ")))
		}
		return nil, e
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		return nil, &Error{File: src.String(), Line: line, Key: strings.Join(de.Key(), "."), Msg: decodeMessage(de.Error()),
			Hint: []string{"'maestro config --default' prints a valid recovery.toml to compare with"}}
	}
	return nil, &Error{File: src.String(), Msg: decodeMessage(err.Error())}
}

// goTypeMessage is compiled on first use: package initialisation is on
// maestro-run's start-up path, and this is needed only for a bad file.
var goTypeMessage = lazy.Regexp{Expr: `cannot decode TOML (\w+) into .* of type (\S+)`}

// decodeMessage rewrites go-toml's messages so they speak of TOML, never of
// Go types.
func decodeMessage(msg string) string {
	msg = strings.TrimPrefix(msg, "toml: ")
	if m := goTypeMessage.Get().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("a %s is not allowed here: expected %s", strings.ToLower(m[1]), tomlTypeName(m[2]))
	}
	if strings.Contains(msg, "out of range") || strings.Contains(msg, "overflow") {
		return "number out of range"
	}
	return msg
}

func tomlTypeName(goType string) string {
	goType = strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(goType, "[]int"):
		return "an array of integers"
	case strings.HasPrefix(goType, "[]string"):
		return "an array of strings"
	case strings.HasPrefix(goType, "[]"):
		return "an array of tables"
	case strings.HasPrefix(goType, "int"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "map"), strings.Contains(goType, "Table"):
		return "a table"
	}
	return "another type"
}

// errorAt builds an Error located at path ("retry", "base_delay") in d.
func (d *document) errorAt(path []any, msg string, hint ...string) *Error {
	return &Error{File: d.src.String(), Line: locate(d.data, path), Key: formatPath(path), Msg: msg, Hint: hint}
}

func formatPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		}
	}
	return b.String()
}

func (d *document) retry() (Retry, error) {
	t := d.file.Retry
	r := DefaultRetry
	at := func(key string) []any { return []any{"retry", key} }
	if t.MaxAttempts != nil {
		// Clamped so that a huge number cannot wrap around to a small one.
		r.MaxAttempts = int(max(min(*t.MaxAttempts, MaxAttemptsLimit+1), 0))
		if r.MaxAttempts == MaxAttemptsLimit+1 || r.MaxAttempts == 0 {
			return r, d.errorAt(at("max_attempts"), fmt.Sprintf("%d is out of range: use 1 to %d (attempts, the first included)", *t.MaxAttempts, MaxAttemptsLimit))
		}
	}
	durations := []struct {
		key string
		v   *string
		dst *time.Duration
	}{
		{"base_delay", t.BaseDelay, &r.BaseDelay},
		{"max_delay", t.MaxDelay, &r.MaxDelay},
		{"attempt_timeout", t.AttemptTimeout, &r.AttemptTimeout},
		{"total_timeout", t.TotalTimeout, &r.TotalTimeout},
		{"kill_after", t.KillAfter, &r.KillAfter},
	}
	for _, dd := range durations {
		if dd.v == nil {
			continue
		}
		v, err := ParseDuration(*dd.v)
		if err != nil {
			return r, d.errorAt(at(dd.key), err.Error())
		}
		*dd.dst = v
	}
	if t.ExponentialBase != nil {
		r.ExponentialBase = *t.ExponentialBase
	}
	if t.Jitter != nil {
		r.Jitter = *t.Jitter
	}
	if t.RetryOn != nil {
		ro, err := ParseRetryOn(*t.RetryOn)
		if err != nil {
			return r, d.errorAt(at("retry_on"), err.Error())
		}
		r.RetryOn = ro
	}
	if t.Rerun != nil {
		v, err := ParseRerun(*t.Rerun)
		if err != nil {
			return r, d.errorAt(at("rerun"), err.Error(), `"failed" reruns only the failed tests, "all" the whole command`)
		}
		r.Rerun = v
	}
	if t.RerunMaxFailures != nil {
		// Clamped as max_attempts is, so that a huge number cannot wrap.
		r.RerunMaxFailures = int(max(min(*t.RerunMaxFailures, MaxAttemptsLimit+1), 0))
	}
	if e := r.Validate(); e != nil {
		return r, d.errorAt(at(e.Key), e.Msg, e.Hint...)
	}
	return r, nil
}

func (d *document) checkpoints() (Checkpoints, error) {
	t := d.file.Checkpoints
	c := DefaultCheckpoints
	at := func(key string) []any { return []any{"checkpoints", key} }
	if t.AutoOnCommit != nil {
		c.AutoOnCommit = *t.AutoOnCommit
	}
	if t.DefaultType != nil {
		v := strings.ToLower(strings.TrimSpace(*t.DefaultType))
		if !slices.Contains(CheckpointTypes, v) {
			return c, d.errorAt(at("default_type"), fmt.Sprintf("unknown checkpoint type %q", *t.DefaultType), "use one of "+strings.Join(CheckpointTypes, ", "))
		}
		c.DefaultType = v
	}
	if t.Keep != nil {
		if *t.Keep < 0 || *t.Keep > 1<<31 {
			return c, d.errorAt(at("keep"), fmt.Sprintf("%d is out of range: use 0 (keep all) or more", *t.Keep))
		}
		c.Keep = int(*t.Keep)
	}
	if t.OlderThan != nil {
		v, err := ParseDuration(*t.OlderThan)
		if err != nil {
			return c, d.errorAt(at("older_than"), err.Error())
		}
		c.OlderThan = v
	}
	if t.OnGreen != nil {
		v := strings.ToLower(strings.TrimSpace(*t.OnGreen))
		if v != OnGreenTests && v != OnGreenAlways && v != OnGreenNever {
			return c, d.errorAt(at("on_green"), fmt.Sprintf("%q is not tests, always or never", *t.OnGreen),
				`"tests": a passing run of a recognised test command records a green checkpoint; "always": any passing run; "never": none`)
		}
		c.OnGreen = v
	}
	if t.ForksDir != nil {
		if strings.TrimSpace(*t.ForksDir) == "" || strings.ContainsRune(*t.ForksDir, 0) {
			return c, d.errorAt(at("forks_dir"), fmt.Sprintf("%q is not a folder", *t.ForksDir), `a path, relative to the main worktree's top level ("../forks") or absolute`)
		}
		c.ForksDir = *t.ForksDir
	}
	return c, nil
}

func (d *document) failureType(name string) (FailureType, error) {
	t := d.file.FailureTypes[name]
	at := func(key string) []any { return []any{"failure_types", name, key} }
	if !validName(name) {
		return FailureType{}, d.errorAt([]any{"failure_types", name}, "a failure type name must be lowercase letters, digits and underscores, starting with a letter")
	}
	ft := FailureType{Name: name, Retryable: true, Source: d.src.String()}
	if t.Description != nil {
		ft.Description = *t.Description
	}
	if t.Transient != nil {
		ft.Transient = *t.Transient
	}
	if t.Retryable != nil {
		ft.Retryable = *t.Retryable
	}
	if ft.Transient && !ft.Retryable {
		return ft, d.errorAt(at("retryable"), "false contradicts transient = true: a transient failure is one another try can fix")
	}
	if t.Prompt != nil {
		ft.Prompt = *t.Prompt
	}
	ft.Approaches = []Approach{}
	for i, a := range t.Approaches {
		path := func(key string) []any { return []any{"failure_types", name, "approaches", i, key} }
		ap := Approach{RequiredChanges: a.RequiredChanges}
		for _, f := range []struct {
			key string
			v   *string
			dst *string
		}{{"name", a.Name, &ap.Name}, {"description", a.Description, &ap.Description}, {"implementation_pattern", a.ImplementationPattern, &ap.ImplementationPattern}} {
			if f.v == nil || strings.TrimSpace(*f.v) == "" {
				return ft, d.errorAt(path(f.key), "missing: an approach needs a name, a description and an implementation_pattern")
			}
			*f.dst = strings.TrimSpace(*f.v)
		}
		if ap.RequiredChanges == nil {
			ap.RequiredChanges = []string{}
		}
		ft.Approaches = append(ft.Approaches, ap)
	}
	return ft, nil
}

func (d *document) prompt(name string) (Prompt, error) {
	t := d.file.Prompts[name]
	at := func(key string) []any { return []any{"prompts", name, key} }
	if !validName(name) {
		return Prompt{}, d.errorAt([]any{"prompts", name}, "a prompt name must be lowercase letters, digits and underscores, starting with a letter")
	}
	p := Prompt{Name: name, Options: t.Options, Source: d.src.String()}
	if t.Issue == nil || strings.TrimSpace(*t.Issue) == "" {
		return p, d.errorAt([]any{"prompts", name}, "issue is missing: the question to ask")
	}
	p.Issue = strings.TrimSpace(*t.Issue)
	if len(p.Options) < 2 {
		return p, d.errorAt(at("options"), "a question needs at least two options")
	}
	seen := map[string]bool{}
	for i, o := range p.Options {
		if strings.TrimSpace(o) == "" || seen[strings.ToLower(o)] {
			return p, d.errorAt([]any{"prompts", name, "options", i}, fmt.Sprintf("option %q is empty or repeated", o))
		}
		seen[strings.ToLower(o)] = true
	}
	if t.Default != nil {
		if !slices.Contains(p.Options, *t.Default) {
			return p, d.errorAt(at("default"), fmt.Sprintf("%q is not one of the options", *t.Default))
		}
		p.Default = *t.Default
	}
	if t.RequireJustification != nil {
		p.RequireJustification = *t.RequireJustification
	}
	if t.Timeout != nil {
		v, err := ParseDuration(*t.Timeout)
		if err != nil {
			return p, d.errorAt(at("timeout"), err.Error())
		}
		p.Timeout = v
	}
	return p, nil
}

func validName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (d *document) rule(i int, types map[string]FailureType) (*rule, error) {
	t := d.file.Rules[i]
	at := func(key string) []any { return []any{"rules", i, key} }
	if t.FailureType == nil {
		return nil, d.errorAt([]any{"rules", i}, "failure_type is missing", "each [[rules]] entry names the failure type it detects")
	}
	name := *t.FailureType
	if _, ok := types[name]; !ok {
		known := make([]string, 0, len(types))
		for n := range types {
			known = append(known, n)
		}
		sort.Strings(known)
		hint := []string{"known failure types: " + strings.Join(known, ", "), "or define it with a [failure_types." + name + "] table"}
		if s := suggest(name, known); s != "" {
			hint = append([]string{fmt.Sprintf("did you mean %q?", s)}, hint...)
		}
		return nil, d.errorAt(at("failure_type"), fmt.Sprintf("unknown failure type %q", name), hint...)
	}
	if len(t.Patterns) == 0 && len(t.ExitCodes) == 0 {
		return nil, d.errorAt([]any{"rules", i}, "a rule needs patterns, exit_codes or both")
	}
	r := &rule{Rule: Rule{FailureType: name, Patterns: t.Patterns, Source: d.src.String()}, doc: d, index: i}
	for j, c := range t.ExitCodes {
		if c < 1 || c > 255 {
			return nil, d.errorAt([]any{"rules", i, "exit_codes", j}, fmt.Sprintf("%d is not the exit code of a failure: use 1 to 255", c))
		}
		r.ExitCodes = append(r.ExitCodes, int(c))
	}
	for j, p := range t.Patterns {
		if p == "" {
			return nil, d.errorAt([]any{"rules", i, "patterns", j}, "an empty pattern matches every line")
		}
	}
	return r, nil
}

// patternError is a pattern that does not compile, with where it is.
type patternError struct {
	path []any
	msg  string
	hint []string
}

// locate returns the line of the key at path in data, or of the nearest
// table above it, or 0.
func locate(data []byte, path []any) int {
	var p unstable.Parser
	p.Reset(data)
	best := 0
	var table []any
	counts := map[string]int{}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = nil
			it := e.Key()
			for it.Next() {
				table = append(table, string(it.Node().Data))
			}
			if e.Kind == unstable.ArrayTable {
				name := formatPath(table)
				table = append(table, counts[name])
				counts[name]++
			}
			if hasPrefix(path, table) {
				best = nodeLine(&p, e.Child())
				if len(table) == len(path) {
					return best
				}
			}
		case unstable.KeyValue:
			full := append([]any(nil), table...)
			it := e.Key()
			first := (*unstable.Node)(nil)
			for it.Next() {
				if first == nil {
					first = it.Node()
				}
				full = append(full, string(it.Node().Data))
			}
			if !hasPrefix(path, full) {
				continue
			}
			line := nodeLine(&p, first)
			if n := descend(e.Value(), path[len(full):]); n != nil {
				if l := nodeLine(&p, n); l > 0 {
					line = l
				}
			}
			return line
		}
	}
	return best
}

func hasPrefix(path, prefix []any) bool {
	if len(prefix) > len(path) {
		return false
	}
	for i := range prefix {
		if path[i] != prefix[i] {
			return false
		}
	}
	return true
}

// descend follows the rest of a path into an array or inline table value.
func descend(v *unstable.Node, rest []any) *unstable.Node {
	if len(rest) == 0 || v == nil {
		return v
	}
	switch v.Kind {
	case unstable.Array:
		idx, ok := rest[0].(int)
		if !ok {
			return nil
		}
		it := v.Children()
		for i := 0; it.Next(); {
			if it.Node().Kind == unstable.Comment {
				continue
			}
			if i == idx {
				return descend(it.Node(), rest[1:])
			}
			i++
		}
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			kv := it.Node()
			if kv.Kind != unstable.KeyValue {
				continue
			}
			var key []any
			k := kv.Key()
			for k.Next() {
				key = append(key, string(k.Node().Data))
			}
			if hasPrefix(rest, key) {
				return descend(kv.Value(), rest[len(key):])
			}
		}
	}
	return nil
}

// nodeLine is the line a node starts on; containers without a range of their
// own take their first child's.
func nodeLine(p *unstable.Parser, n *unstable.Node) int {
	for n != nil && n.Raw.Length == 0 {
		n = n.Child()
	}
	if n == nil {
		return 0
	}
	return p.Shape(n.Raw).Start.Line
}
