// Package catalog holds maestro's configuration, recovery.toml: the retry
// settings, the failure types and the rules that classify a failed command's
// output into one of them. It loads the files in their order of precedence,
// refuses anything it does not understand before a command runs, and
// classifies failures.
package catalog

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Names of the failure types maestro assigns itself, without a rule. The
// default catalog defines them; a user's file may redefine them.
const (
	// Unknown is a failure no rule matched.
	Unknown = "unknown"
	// Timeout is an attempt stopped by the per-attempt timeout.
	Timeout = "timeout"
	// TestFailure is the type after which a test command's retry reruns
	// only the failed tests (the default catalog's rules give it).
	TestFailure = "test_failure"
)

// Retry is the effective [retry] table.
type Retry struct {
	MaxAttempts     int           // attempts including the first
	BaseDelay       time.Duration // delay before the first retry
	MaxDelay        time.Duration // cap on any delay, jitter included
	ExponentialBase float64       // growth factor of the delay, >= 1
	Jitter          bool          // randomise each delay within [50%, 150%], capped
	RetryOn         RetryOn       // which failures are retried
	AttemptTimeout  time.Duration // 0: none
	TotalTimeout    time.Duration // 0: none
	KillAfter       time.Duration // grace between TERM and KILL
	// Rerun says what a later attempt of a recognised test command runs
	// after a test failure: RerunFailed (only the tests that failed) or
	// RerunAll (the whole command).
	Rerun string
	// RerunMaxFailures: past this many failed tests, the whole command
	// runs again, for so many failures rarely come from flaky tests.
	RerunMaxFailures int
}

// What a retry of a test command runs.
const (
	RerunFailed = "failed"
	RerunAll    = "all"
)

// ParseRerun reads --rerun and [retry] rerun.
func ParseRerun(s string) (string, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case RerunFailed, RerunAll:
		return v, nil
	}
	return "", fmt.Errorf("%q is not failed or all", s)
}

// DefaultRetry is the seed's RetryConfig; the embedded recovery.toml repeats
// it, and a test keeps the two equal.
var DefaultRetry = Retry{
	MaxAttempts:      3,
	BaseDelay:        time.Second,
	MaxDelay:         60 * time.Second,
	ExponentialBase:  2,
	Jitter:           true,
	RetryOn:          RetryOn{Mode: RetryAny},
	KillAfter:        10 * time.Second,
	Rerun:            RerunFailed,
	RerunMaxFailures: 20,
}

// SettingError is a retry setting out of range. Key names it as
// recovery.toml does ("max_delay").
type SettingError struct {
	Key  string
	Msg  string
	Hint []string
}

func (e *SettingError) Error() string { return e.Key + ": " + e.Msg }

// Validate checks the ranges of the retry settings, whether they came from
// a file or from flags.
func (r Retry) Validate() *SettingError {
	switch b := r.ExponentialBase; {
	case r.MaxAttempts < 1 || r.MaxAttempts > MaxAttemptsLimit:
		return &SettingError{Key: "max_attempts", Msg: fmt.Sprintf("%d is out of range: use 1 to %d (attempts, the first included)", r.MaxAttempts, MaxAttemptsLimit)}
	case r.BaseDelay <= 0:
		return &SettingError{Key: "base_delay", Msg: "must be greater than zero"}
	case r.MaxDelay < r.BaseDelay:
		return &SettingError{Key: "max_delay", Msg: fmt.Sprintf("%s is below base_delay (%s)", FormatDuration(r.MaxDelay), FormatDuration(r.BaseDelay)),
			Hint: []string{"max_delay caps every delay, so it must be at least base_delay"}}
	case math.IsNaN(b) || math.IsInf(b, 0) || b < 1:
		return &SettingError{Key: "exponential_base", Msg: fmt.Sprintf("%v is out of range: use a number of at least 1 (1 keeps the delay constant)", b)}
	case r.AttemptTimeout < 0:
		return &SettingError{Key: "attempt_timeout", Msg: "must be greater than zero"}
	case r.TotalTimeout < 0:
		return &SettingError{Key: "total_timeout", Msg: "must be greater than zero"}
	case r.KillAfter <= 0:
		return &SettingError{Key: "kill_after", Msg: "must be greater than zero"}
	case r.RerunMaxFailures < 1 || r.RerunMaxFailures > MaxAttemptsLimit:
		return &SettingError{Key: "rerun_max_failures", Msg: fmt.Sprintf("%d is out of range: use 1 to %d (failed tests a retry reruns alone)", r.RerunMaxFailures, MaxAttemptsLimit)}
	}
	return nil
}

// RetryMode says which failures are retried.
type RetryMode int

const (
	// RetryAny retries every failure except those of a type that is not
	// retryable.
	RetryAny RetryMode = iota
	// RetryTransient retries only failures of a transient type.
	RetryTransient
	// RetryCodes retries only the listed exit codes.
	RetryCodes
)

// RetryOn is the parsed form of retry_on / --retry-on.
type RetryOn struct {
	Mode  RetryMode
	Codes []int // with RetryCodes, sorted
}

// ParseRetryOn reads "any", "transient" or a comma-separated list of exit
// codes such as "1,75,137".
func ParseRetryOn(s string) (RetryOn, error) {
	switch strings.TrimSpace(s) {
	case "any":
		return RetryOn{Mode: RetryAny}, nil
	case "transient":
		return RetryOn{Mode: RetryTransient}, nil
	case "":
		return RetryOn{}, fmt.Errorf(`empty: use "any", "transient" or exit codes such as "1,75"`)
	}
	var codes []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 255 {
			return RetryOn{}, fmt.Errorf(`%q is not "any", "transient" or an exit code from 1 to 255`, f)
		}
		codes = append(codes, n)
	}
	sort.Ints(codes)
	return RetryOn{Mode: RetryCodes, Codes: codes}, nil
}

// String gives the form ParseRetryOn reads.
func (r RetryOn) String() string {
	switch r.Mode {
	case RetryTransient:
		return "transient"
	case RetryCodes:
		s := make([]string, len(r.Codes))
		for i, c := range r.Codes {
			s[i] = strconv.Itoa(c)
		}
		return strings.Join(s, ",")
	}
	return "any"
}

// Allows reports whether the policy lets a failure with this classification
// be retried. A type that is not retryable is never retried, whatever the
// policy says.
func (r RetryOn) Allows(c *Classification) bool {
	if c == nil || !c.Retryable {
		return false
	}
	switch r.Mode {
	case RetryTransient:
		return c.Transient
	case RetryCodes:
		i := sort.SearchInts(r.Codes, c.ExitCode)
		return i < len(r.Codes) && r.Codes[i] == c.ExitCode
	}
	return true
}

// ParseDuration reads a duration such as "1.5s" or "2m"; a bare number is
// seconds, as in the seed's RetryConfig. It must be greater than zero.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, fmt.Errorf("%q is not a duration: write a number with a unit, such as \"1.5s\" or \"2m\"", s)
		}
		if f > float64(1<<63-1)/float64(time.Second) {
			return 0, fmt.Errorf("%q is too long a duration", s)
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be greater than zero", s)
	}
	return d, nil
}

// FormatDuration prints a duration the way ParseDuration reads it, short.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	s := d.String()
	// time.Duration prints 1m0s and 1h0m0s; trim the zero units users never write.
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// CheckpointTypes are the types of checkpoint, the seed's six.
var CheckpointTypes = []string{"phase_complete", "task_group_complete", "safe_state", "pre_risky_operation", "error_recovery", "manual"}

// Checkpoints is the effective [checkpoints] table.
type Checkpoints struct {
	AutoOnCommit bool          // the installed hooks make a checkpoint of each commit
	DefaultType  string        // their type when neither MAESTRO_CHECKPOINT_TYPE nor a trailer gives one
	Keep         int           // prune keeps the newest Keep of each session; 0 keeps all
	OlderThan    time.Duration // prune drops those older than this; 0: none by age
	// OnGreen says which passing runs of maestro run record a green
	// checkpoint: OnGreenTests (a recognised test command), OnGreenAlways
	// or OnGreenNever.
	OnGreen string
	// ForksDir is where maestro fork makes its worktrees, relative to the
	// main worktree's top level; "" is ../<repository>.maestro-forks.
	ForksDir string
}

// When maestro run records a green checkpoint.
const (
	OnGreenTests  = "tests"
	OnGreenAlways = "always"
	OnGreenNever  = "never"
)

// DefaultCheckpoints mirrors the embedded recovery.toml, as DefaultRetry.
var DefaultCheckpoints = Checkpoints{AutoOnCommit: true, DefaultType: "safe_state", Keep: 200, OnGreen: OnGreenTests}

// FailureType is one [failure_types.NAME] table.
type FailureType struct {
	Name        string `json:"-"`
	Description string `json:"description"`
	// Transient failures are the ones another try can fix: they are retried
	// even under retry_on = "transient".
	Transient bool `json:"transient"`
	// Retryable is false for failures no retry can fix: they stop the run at
	// once, whatever retry_on says.
	Retryable bool `json:"retryable"`
	// Prompt names the escalation prompt maestro run --on-failure ask puts
	// to a person for a failure of this type; "" for none.
	Prompt     string     `json:"prompt,omitempty"`
	Approaches []Approach `json:"approaches"`
	Source     string     `json:"source"`
}

// Approach is an alternative way to reach the goal after a failure that
// retrying will not fix, worded so that an agent can act on it.
type Approach struct {
	Name                  string   `json:"name"`
	Description           string   `json:"description"`
	ImplementationPattern string   `json:"implementation_pattern"`
	RequiredChanges       []string `json:"required_changes"`
}

// Prompt is a named question for a person: [prompts.NAME].
type Prompt struct {
	Name                 string        `json:"name"`
	Issue                string        `json:"issue"`
	Options              []string      `json:"options"`
	Default              string        `json:"default"`
	RequireJustification bool          `json:"require_justification"`
	Timeout              time.Duration `json:"-"` // 0: none
	Source               string        `json:"source"`
}

// Rule maps output patterns and/or exit codes to a failure type. Rules are
// tried in order; the first that matches classifies the failure.
type Rule struct {
	FailureType string   `json:"failure_type"`
	Patterns    []string `json:"patterns,omitempty"`
	ExitCodes   []int    `json:"exit_codes,omitempty"`
	Source      string   `json:"source"`
}
