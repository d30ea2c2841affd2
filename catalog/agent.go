package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Agent is the effective [agent] table: what the hooks of coding agents
// (maestro agent hook) do around the shell commands an agent runs.
type Agent struct {
	// RiskyCommands are regular expressions; a shell command one of them
	// matches gets a pre_risky_operation checkpoint before it runs.
	RiskyCommands []string
	// BlockRisky refuses such commands, in the agent's own way, instead of
	// letting them run after the checkpoint.
	BlockRisky bool
	// RollbackAfter is how many failures of the same type in a row make
	// the hook name the last good checkpoint and the rollback command; 0
	// never does.
	RollbackAfter int
}

// DefaultRiskyCommands mirror the embedded recovery.toml: commands that
// destroy work or state that git cannot give back by itself.
var DefaultRiskyCommands = []string{
	`\brm\s+(?:-\S+\s+)*-[a-zA-Z]*(?:[rR][a-zA-Z]*f|f[a-zA-Z]*[rR])`,
	`\brm\s+(?:\S+\s+)*--recursive\b`,
	`\bgit\s+reset\b.*\s--hard\b`,
	`\bgit\s+clean\b.*\s(?:-[a-zA-Z]*f|--force\b)`,
	`\bgit\s+checkout\b(?:.*\s--)?\s+\.(?:\s|$|[;&|])`,
	`\bgit\s+restore\b.*\s\.(?:\s|$|[;&|])`,
	`\bgit\s+push\b.*\s(?:--force(?:-with-lease)?\b|-[a-zA-Z]*f\b|\+\S)`,
	`\bgit\s+branch\b.*\s(?:-[a-zA-Z]*D\b|--delete\s+--force\b|--force\s+--delete\b)`,
	`(?i)\bdrop\s+(?:table|database|schema)\b`,
	`(?i)\btruncate\s+(?:table\s+)?[a-z_"\x60]`,
	`\bterraform\b.*\s(?:destroy|apply)\b`,
	`\bkubectl\b.*\sdelete\b`,
}

// DefaultAgent mirrors the embedded recovery.toml, as DefaultRetry.
var DefaultAgent = Agent{RiskyCommands: DefaultRiskyCommands, RollbackAfter: 3}

// maxRiskyMatch bounds how much of a command the patterns see: a command
// is typed text, and a longer one is data piped in by a script.
const maxRiskyMatch = 64 << 10

// Risky returns the first risky_commands pattern that matches command.
// The patterns were validated when the file was read; one that does not
// compile (only possible for a hand-built Agent) is skipped.
func (a Agent) Risky(command string) (pattern string, ok bool) {
	if len(command) > maxRiskyMatch {
		command = command[:maxRiskyMatch]
	}
	lower := ""
	for _, p := range a.RiskyCommands {
		// Compiling costs more than all the rest of a hook's work: a
		// pattern that starts with a word the command does not hold is not
		// compiled at all.
		if word, fold, ok := leadingWord(p); ok {
			if fold {
				if lower == "" {
					lower = strings.ToLower(command)
				}
				if !strings.Contains(lower, word) {
					continue
				}
			} else if !strings.Contains(command, word) {
				continue
			}
		}
		re, err := regexp.Compile(p)
		if err == nil && re.MatchString(command) {
			return p, true
		}
	}
	return "", false
}

// leadingWord is the word a pattern of the form `word\s...` or
// `(?i)word\s...` requires of what it matches (fold: in any case), read
// without compiling it.
func leadingWord(p string) (word string, fold, ok bool) {
	if rest, found := strings.CutPrefix(p, "(?i)"); found {
		p, fold = rest, true
	}
	p, found := strings.CutPrefix(p, `\b`)
	if !found {
		return "", false, false
	}
	n := 0
	for n < len(p) && (p[n] >= 'a' && p[n] <= 'z' || p[n] >= 'A' && p[n] <= 'Z') {
		n++
	}
	if n == 0 || !strings.HasPrefix(p[n:], `\s`) && !strings.HasPrefix(p[n:], `\b`) {
		return "", false, false
	}
	if topLevelAlternation(p) {
		return "", false, false // `\bgit\s|foo` matches foo alone
	}
	word = p[:n]
	if fold {
		word = strings.ToLower(word)
	}
	return word, fold, true
}

type agentTable struct {
	RiskyCommands []string `toml:"risky_commands"`
	BlockRisky    *bool    `toml:"block_risky"`
	RollbackAfter *int64   `toml:"rollback_after"`
}

func (d *document) agent() (Agent, error) {
	t := d.file.Agent
	a := DefaultAgent
	a.RiskyCommands = slices.Clone(a.RiskyCommands)
	at := func(key ...any) []any { return append([]any{"agent"}, key...) }
	if t.RiskyCommands != nil {
		for i, p := range t.RiskyCommands {
			size, err := programSize(p)
			if err == nil {
				_, err = regexp.Compile(p)
			}
			if err != nil {
				return a, d.errorAt(at("risky_commands", i), "bad regular expression: "+err.Error(),
					"patterns use Go's RE2 syntax (https://pkg.go.dev/regexp/syntax); start one with (?i) to ignore case")
			}
			if size > MaxPatternSize {
				return a, d.errorAt(at("risky_commands", i), fmt.Sprintf("pattern too costly to match: it compiles to %d instructions, more than the %d allowed", size, MaxPatternSize))
			}
		}
		a.RiskyCommands = slices.Clone(t.RiskyCommands)
	}
	if t.BlockRisky != nil {
		a.BlockRisky = *t.BlockRisky
	}
	if t.RollbackAfter != nil {
		if *t.RollbackAfter < 0 || *t.RollbackAfter > 1000 {
			return a, d.errorAt(at("rollback_after"), fmt.Sprintf("%d is out of range: use 0 (never) to 1000", *t.RollbackAfter))
		}
		a.RollbackAfter = int(*t.RollbackAfter)
	}
	return a, nil
}

// topLevelAlternation reports whether p has a | outside any group.
func topLevelAlternation(p string) bool {
	depth, class := 0, false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
			if i+1 < len(p) && p[i+1] == ']' {
				i++ // []...] holds a ]
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth <= 0:
			return true
		}
	}
	return false
}
