package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/nearest"
	"github.com/maestro-recovery/maestro/notify"
	toml "github.com/pelletier/go-toml/v2"
)

// FileName is the name of the configuration file in a repository and in the
// user's configuration directory.
const FileName = "recovery.toml"

// Origins of a configuration file, in order of precedence.
const (
	OriginFlag    = "--config"
	OriginEnv     = "MAESTRO_CONFIG"
	OriginRepo    = "repository"
	OriginUser    = "user"
	OriginDefault = "default"
)

// Source is one configuration file that was read.
type Source struct {
	Origin string `json:"origin"`
	Path   string `json:"path"` // empty for the embedded default
}

func (s Source) String() string {
	if s.Path == "" {
		return "embedded default"
	}
	return s.Path
}

// Options say where to look for configuration.
type Options struct {
	ConfigFlag string              // --config FILE, "" when not given
	Getenv     func(string) string // os.Getenv unless set
	Dir        string              // where the repository search starts; "." unless set
	Default    []byte              // the embedded recovery.toml
	// Warn receives the warning that a repository's file is ignored, given
	// once per content of the file; os.Stderr unless set.
	Warn io.Writer
	// Location, when set, is Dir's already found (git.Locate): maestro run
	// finds it once for its configuration and its state.
	Location *git.Location

	// repo and repoData are the repository's file as TrustRepo read it: used
	// as trusted, without reading the file again.
	repo     *File
	repoData []byte
}

func (o Options) getenv() func(string) string {
	if o.Getenv == nil {
		return os.Getenv
	}
	return o.Getenv
}

// Config is the effective configuration: for each table, the first file in
// order of precedence that has it; rules add up, earlier files' first.
type Config struct {
	Retry             Retry
	RetrySource       Source
	Checkpoints       Checkpoints
	CheckpointsSource Source
	Share             Share
	ShareSource       Source
	Sessions          Sessions
	SessionsSource    Source
	Agent             Agent
	AgentSource       Source
	// Notify is the [notify] table; its Command is empty without one.
	Notify       notify.Config
	NotifySource Source
	// Escalate is the [escalate] table, DefaultEscalate without one.
	Escalate       Escalate
	EscalateSource Source
	// Files are the files that were found, in order of precedence, with
	// those ignored (a repository's file not trusted).
	Files []File

	types   map[string]FailureType
	prompts map[string]Prompt
	rules   []*rule

	// The embedded default is parsed only when something needs more than the
	// retry settings, so a command that succeeds never pays for it.
	lazyOnce    sync.Once
	lazyDefault []byte
	lazyErr     error

	// Patterns are compiled once, when the first failure is classified;
	// Classify may be called from several goroutines.
	compileOnce sync.Once
	compileErr  error

	// now is the clock of the classification budget; time.Now unless a
	// test sets it.
	now func() time.Time
}

// Error is a configuration file that cannot be used. It names the file, the
// line and the key, and carries hints on what to do.
type Error struct {
	File string // path, or "embedded default"
	Line int    // 0 when unknown
	Key  string // dotted key, "" when the problem is not one key
	Msg  string
	Hint []string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("load config ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Hints are printed after the error, one per line.
func (e *Error) Hints() []string { return e.Hint }

// Load finds and reads the configuration files, validates each one and
// returns the effective configuration. The embedded default is trusted (the
// test suite validates it) and read only when a user file exists or when
// something asks for more than the retry settings. A repository's file is
// used only when its content is trusted (see TrustRepo).
func Load(opts Options) (*Config, error) { return load(opts) }

func load(opts Options) (*Config, error) {
	getenv := opts.getenv()
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	warn := opts.Warn
	if warn == nil {
		warn = os.Stderr
	}
	var docs []*document
	var files []File
	seen := map[string]bool{}
	first := func(path string) bool {
		abs, err := filepath.Abs(path)
		if err == nil && seen[abs] {
			return false
		}
		seen[abs] = true
		return true
	}
	use := func(f File, data []byte) error {
		files = append(files, f)
		if !f.Used() {
			return nil
		}
		doc, err := parse(f.Source, data)
		if err != nil {
			return err
		}
		docs = append(docs, doc)
		return nil
	}
	add := func(origin, path string, required bool) error {
		if path == "" || !first(path) {
			return nil
		}
		data, err := readFile(path)
		if err != nil {
			if !required && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			e, ok := err.(*Error)
			if !ok {
				e = &Error{File: path, Msg: readError(err)}
			}
			switch origin {
			case OriginFlag:
				e.Hint = append(e.Hint, "check the path given to --config")
			case OriginEnv:
				e.Hint = append(e.Hint, "check $MAESTRO_CONFIG, or unset it")
			}
			return e
		}
		return use(File{Source: Source{Origin: origin, Path: path}, Trust: TrustOwn}, data)
	}
	if err := add(OriginFlag, opts.ConfigFlag, true); err != nil {
		return nil, err
	}
	if err := add(OriginEnv, getenv("MAESTRO_CONFIG"), true); err != nil {
		return nil, err
	}
	addRepo := func(path string) error {
		if !first(path) {
			return nil
		}
		if opts.repo != nil && opts.repo.Path == path {
			return use(*opts.repo, opts.repoData)
		}
		data, err := readFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		return use(repoTrust(getenv, warn, path, data, opts.Default), data)
	}
	root, ok := "", false
	if opts.Location != nil {
		root, ok = opts.Location.TopLevel, opts.Location.TopLevel != ""
	} else {
		root, ok = git.FindTopLevel(dir)
	}
	if ok {
		if err := addRepo(filepath.Join(root, FileName)); err != nil {
			return nil, err
		}
	}
	if err := add(OriginUser, userConfigPath(getenv), false); err != nil {
		return nil, err
	}

	c := newConfig()
	c.Files = files
	if len(docs) == 0 {
		c.lazyDefault = opts.Default
		return c, nil
	}
	def, err := parse(Source{Origin: OriginDefault}, opts.Default)
	if err != nil {
		return nil, err
	}
	docs = append(docs, def)
	if err := c.merge(docs); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadDefault reads only the embedded default, validating it fully. The
// tests and the fuzz target use it; it is also how a user file is checked.
func LoadDefault(data []byte) (*Config, error) {
	doc, err := parse(Source{Origin: OriginDefault}, data)
	if err != nil {
		return nil, err
	}
	c := newConfig()
	if err := c.merge([]*document{doc}); err != nil {
		return nil, err
	}
	if err := c.prepare(); err != nil {
		return nil, err
	}
	return c, nil
}

func newConfig() *Config {
	return &Config{Retry: DefaultRetry, RetrySource: Source{Origin: OriginDefault},
		Checkpoints: DefaultCheckpoints, CheckpointsSource: Source{Origin: OriginDefault}, Share: Share{NeverPush: slices.Clone(DefaultNeverPush)}, ShareSource: Source{Origin: OriginDefault}, Sessions: DefaultSessions, SessionsSource: Source{Origin: OriginDefault}, Agent: DefaultAgent, AgentSource: Source{Origin: OriginDefault}, Escalate: DefaultEscalate, types: map[string]FailureType{}, prompts: map[string]Prompt{}}
}

// firstWins adds to have each table of a file that no earlier file
// defined, parsed by parse, in name order so that the first error reported
// is the same every time.
func firstWins[T, V any](have map[string]V, tables map[string]T, parse func(name string) (V, error)) error {
	for _, name := range slices.Sorted(maps.Keys(tables)) {
		if _, ok := have[name]; ok {
			continue
		}
		v, err := parse(name)
		if err != nil {
			return err
		}
		have[name] = v
	}
	return nil
}

func userConfigPath(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "maestro", FileName)
}

func readError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file"
	}
	return err.Error()
}

// ensure parses the embedded default if Load deferred it.
func (c *Config) ensure() error {
	c.lazyOnce.Do(func() {
		if c.lazyDefault == nil {
			return
		}
		doc, err := parse(Source{Origin: OriginDefault}, c.lazyDefault)
		if err != nil {
			c.lazyErr = err
			return
		}
		c.lazyErr = c.merge([]*document{doc})
	})
	return c.lazyErr
}

// merge applies the documents in order of precedence and validates what each
// contributes, naming the file and line of anything wrong.
func (c *Config) merge(docs []*document) error {
	retrySet, checkpointsSet, shareSet := false, false, false
	sessionsSet, agentSet := false, false
	for _, d := range docs {
		if d.file.Retry != nil && !retrySet {
			r, err := d.retry()
			if err != nil {
				return err
			}
			c.Retry, c.RetrySource, retrySet = r, d.src, true
		}
		if d.file.Checkpoints != nil && !checkpointsSet {
			cp, err := d.checkpoints()
			if err != nil {
				return err
			}
			c.Checkpoints, c.CheckpointsSource, checkpointsSet = cp, d.src, true
		}
		if d.file.Share != nil {
			if err := c.addShare(d, &shareSet); err != nil {
				return err
			}
		}
		if d.file.Sessions != nil && !sessionsSet {
			ss, err := d.sessions()
			if err != nil {
				return err
			}
			c.Sessions, c.SessionsSource, sessionsSet = ss, d.src, true
		}
		if d.file.Agent != nil && !agentSet {
			a, err := d.agent()
			if err != nil {
				return err
			}
			c.Agent, c.AgentSource, agentSet = a, d.src, true
		}
		if d.file.Notify != nil && c.NotifySource.Origin == "" {
			n, err := d.notify()
			if err != nil {
				return err
			}
			c.Notify, c.NotifySource = n, d.src
		}
		if d.file.Escalate != nil && c.EscalateSource.Origin == "" {
			e, err := d.escalate()
			if err != nil {
				return err
			}
			c.Escalate, c.EscalateSource = e, d.src
		}
		if err := firstWins(c.prompts, d.file.Prompts, d.prompt); err != nil {
			return err
		}
		if err := firstWins(c.types, d.file.FailureTypes, d.failureType); err != nil {
			return err
		}
	}
	// A failure type's prompt, and a rule's type, may be defined in another
	// file: they are checked once every file is read.
	for _, d := range docs {
		for name, t := range d.file.FailureTypes {
			if t.Prompt == nil || *t.Prompt == "" || c.types[name].Source != d.src.String() {
				continue
			}
			if _, ok := c.prompts[*t.Prompt]; !ok {
				return d.errorAt([]any{"failure_types", name, "prompt"}, fmt.Sprintf("unknown prompt %q", *t.Prompt), "define it with a [prompts."+*t.Prompt+"] table")
			}
		}
	}
	total := 0
	for _, d := range docs {
		for i := range d.file.Rules {
			r, err := d.rule(i, c.types)
			if err != nil {
				return err
			}
			// A user's patterns are compiled now, before the command runs;
			// the default's only when a failure needs them.
			if d.src.Origin != OriginDefault {
				if err := r.check(); err != nil {
					return err
				}
				if total += r.size; total > MaxPatternsSize {
					return d.errorAt([]any{"rules", i}, fmt.Sprintf("too many patterns: with this rule, the patterns of the configuration compile to more than %d instructions", MaxPatternsSize),
						"use fewer or simpler patterns")
				}
			}
			c.rules = append(c.rules, r)
		}
	}
	for _, name := range []string{Unknown, Timeout} {
		if _, ok := c.types[name]; !ok {
			src := docs[len(docs)-1]
			return &Error{File: src.src.String(), Key: "failure_types." + name,
				Msg: "missing: maestro assigns this type itself", Hint: []string{"define [failure_types." + name + "]"}}
		}
	}
	return nil
}

// prepare reads the deferred default, if any, and compiles every rule's
// patterns, naming the first bad one.
func (c *Config) prepare() error {
	if err := c.ensure(); err != nil {
		return err
	}
	c.compileOnce.Do(func() {
		for _, r := range c.rules {
			if c.compileErr = r.check(); c.compileErr != nil {
				return
			}
		}
	})
	return c.compileErr
}

// Types returns the failure types by name.
func (c *Config) Types() ([]FailureType, error) {
	if err := c.ensure(); err != nil {
		return nil, err
	}
	out := make([]FailureType, 0, len(c.types))
	for _, t := range c.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Type returns the failure type name.
func (c *Config) Type(name string) (FailureType, bool, error) {
	if err := c.ensure(); err != nil {
		return FailureType{}, false, err
	}
	t, ok := c.types[name]
	return t, ok, nil
}

// Prompts returns the escalation prompts by name.
func (c *Config) Prompts() (map[string]Prompt, error) {
	if err := c.ensure(); err != nil {
		return nil, err
	}
	return c.prompts, nil
}

// Rules returns the rules in the order they are tried.
func (c *Config) Rules() ([]Rule, error) {
	if err := c.ensure(); err != nil {
		return nil, err
	}
	out := make([]Rule, len(c.rules))
	for i, r := range c.rules {
		out[i] = r.Rule
	}
	return out, nil
}

// suggest returns the candidate closest to s, if it is close enough to be a
// likely typo.
func suggest(s string, candidates []string) string { return nearest.Name(s, candidates) }

// decodeStrict decodes data into v, refusing keys v does not have.
func decodeStrict(data []byte, v any) error {
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
