package cli

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/lazy"
	"github.com/maestro-recovery/maestro/internal/state"
	sessionlog "github.com/maestro-recovery/maestro/session"
	ucli "github.com/urfave/cli/v2"
)

// The scripts are thin: each asks `maestro __complete WORDS...` for the
// candidates, so commands, flags and checkpoint ids come from the binary
// the user has, never from a list that drifts.
var (
	//go:embed completion/maestro.bash
	bashCompletion string
	//go:embed completion/_maestro
	zshCompletion string
	//go:embed completion/maestro.fish
	fishCompletion string
)

func completionCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		UsageText: "maestro completion bash|zsh|fish",
		Description: `Completes commands, subcommands and flags, for maestro, maestro-run and
git maestro, and the ids they take: checkpoints (of the session the command
would work in, or of --session-id), sessions, questions waiting for an
answer (answer, ask --wait, questions) and operations (undo --to).
install.sh installs the scripts; to try one in the current shell:

   bash: eval "$(maestro completion bash)"
   zsh:  source <(maestro completion zsh)
   fish: maestro completion fish | source`,
		OnUsageError: commandUsageError("completion"),
		Action: func(c *ucli.Context) error {
			scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
			if c.NArg() != 1 {
				return usageError(ExitUsage, "completion", fmt.Errorf("give the shell: bash, zsh or fish"))
			}
			script, ok := scripts[c.Args().First()]
			if !ok {
				return usageError(ExitUsage, "completion", fmt.Errorf("no completion for shell %q: bash, zsh or fish", c.Args().First()))
			}
			_, err := fmt.Fprint(os.Stdout, script)
			return err
		},
	}
}

// completeCommand is what the scripts call: the words after the program
// name, the one being completed last. It prints one candidate a line and
// never an error, which would land in the user's command line.
func completeCommand() *ucli.Command {
	return &ucli.Command{
		Name:            "__complete",
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *ucli.Context) error {
			words := c.Args().Slice()
			if len(words) == 0 {
				words = []string{""}
			}
			for _, s := range complete(c.App.Commands, words, localIDs{}) {
				fmt.Println(s)
			}
			return nil
		},
	}
}

// idSource lists the ids completion offers. Each one has passed its
// validator: what reaches the shell is never a hostile name.
type idSource interface {
	// checkpoints of session, newest first; "" is the session the
	// command would choose (sessionlog.Choose).
	checkpoints(session string) []string
	sessions() []string
	// questions waiting for an answer.
	questions() []string
	// operations that undo --to takes, of session ("" for every one),
	// newest first.
	operations(session string) []string
}

type idKind int

const (
	noIDs idKind = iota
	checkpointIDs
	sessionIDs
	questionIDs
	operationIDs
)

// argIDs are the ids each command takes as its first argument, by the
// command's path; questions takes any number. Built on first use, as is
// flagIDs: a map literal is built at every start of maestro, and only
// completion reads these.
var argIDs = lazy.Value[map[string]idKind]{New: func() map[string]idKind {
	return map[string]idKind{
		"show":           checkpointIDs,
		"diff":           checkpointIDs,
		"answer":         questionIDs,
		"questions":      questionIDs,
		"session show":   sessionIDs,
		"session switch": sessionIDs,
	}
}}

// flagIDs are the ids a flag takes, by "PATH --NAME" or, for every
// command, "--NAME".
var flagIDs = lazy.Value[map[string]idKind]{New: func() map[string]idKind {
	return map[string]idKind{
		"--checkpoint-id": checkpointIDs,
		"--session-id":    sessionIDs,
		"ask --wait":      questionIDs,
		"undo --to":       operationIDs,
	}
}}

func flagKind(path, a string) idKind {
	name, _, _ := strings.Cut(flagName(a), "=")
	if k, ok := flagIDs.Get()[path+" --"+name]; ok {
		return k
	}
	return flagIDs.Get()["--"+name]
}

// complete returns the candidates for the last of words.
func complete(cmds []*ucli.Command, words []string, src idSource) []string {
	cur, before := words[len(words)-1], words[:len(words)-1]
	var cmd *ucli.Command
	var path []string
	var args []string
	session := ""
	dashes := false
	for j := 0; j < len(before); j++ {
		a := before[j]
		switch {
		case a == "--" && !dashes:
			dashes = true
		case isFlag(a) && !dashes:
			if name, v, ok := strings.Cut(flagName(a), "="); ok && name == "session-id" {
				session = v
			}
			if flagWords(cmd, a) == 2 {
				if j+1 == len(before) {
					return filter(idsOf(src, flagKind(strings.Join(path, " "), a), session), cur)
				}
				j++
				if flagName(a) == "session-id" {
					session = before[j]
				}
			}
		case len(args) == 0 && findCommand(cmds, a) != nil:
			cmd = findCommand(cmds, a)
			cmds = cmd.Subcommands
			path = append(path, cmd.Name)
			if cmd.SkipFlagParsing {
				return nil
			}
		default:
			if cmd != nil && ownArgs(cmd) {
				return nil // the words of the command maestro run runs
			}
			args = append(args, a)
		}
	}
	if strings.HasPrefix(cur, "-") && !dashes {
		return filter(flagNames(commandFlags(cmd)), cur)
	}
	if len(args) == 0 && len(cmds) > 0 {
		return filter(commandNames(cmds), cur)
	}
	p := strings.Join(path, " ")
	if kind := argIDs.Get()[p]; kind != noIDs && (len(args) == 0 || p == "questions") {
		var out []string
		for _, id := range filter(idsOf(src, kind, session), cur) {
			if !slices.Contains(args, id) {
				out = append(out, id)
			}
		}
		return out
	}
	return nil
}

// idsOf are the ids of kind; session is the one --session-id gave.
func idsOf(src idSource, kind idKind, session string) []string {
	switch kind {
	case checkpointIDs:
		return src.checkpoints(session)
	case sessionIDs:
		return src.sessions()
	case questionIDs:
		return src.questions()
	case operationIDs:
		return src.operations(session)
	}
	return nil
}

func flagName(a string) string { return strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-") }

func filter(cands []string, prefix string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// localIDs reads the ids from the repository in the current directory
// and the local state. Ref and file names are anyone's (a fetch, a
// hand-made ref, a file planted in .git): only valid ids are offered.
// Outside a repository no git process starts.
type localIDs struct{}

// refIDs lists the session and id of the refs refs/maestro/KIND/SESSION/ID
// of the kinds given (fetched ones too with remotes), in one git process
// after the one that finds the repository. Both parts are valid ids.
func (localIDs) refIDs(remotes bool, kinds ...string) [][2]string {
	if _, ok := git.FindCommonDir("."); !ok {
		return nil
	}
	repo, err := git.Open(".")
	if err != nil {
		return nil
	}
	prefix := checkpoint.RefRoot
	if len(kinds) == 1 && !remotes {
		prefix += kinds[0] + "/"
	}
	refs, err := repo.Refs(prefix)
	if err != nil {
		return nil
	}
	var out [][2]string
	for _, r := range refs {
		parts := strings.Split(strings.TrimPrefix(r.Name, checkpoint.RefRoot), "/")
		if remotes && len(parts) == 5 && parts[0] == "remotes" {
			parts = parts[2:]
		}
		if len(parts) != 3 || !slices.Contains(kinds, parts[0]) ||
			checkpoint.ValidateID("session id", parts[1]) != nil || checkpoint.ValidateID("id", parts[2]) != nil {
			continue
		}
		out = append(out, [2]string{parts[1], parts[2]})
	}
	return out
}

func (l localIDs) checkpoints(session string) []string {
	if session == "" {
		ch, _ := sessionlog.Choose("", false, nil) // an unusable current session: default, as the command does
		session = ch.ID
	}
	var out []string
	for _, r := range l.refIDs(false, "checkpoints") {
		if r[0] == session {
			out = append(out, r[1])
		}
	}
	return newestFirst(out)
}

// sessions are those checkSession knows: with a log in the local state,
// or with refs, made here or fetched; and default.
func (l localIDs) sessions() []string {
	out := []string{sessionlog.Default}
	if dir, err := state.Dir(".", nil); err == nil {
		if es, err := state.ReadDir(filepath.Join(dir, "sessions")); err == nil {
			for _, e := range es {
				if e.IsDir() && checkpoint.ValidateID("session id", e.Name()) == nil {
					out = append(out, e.Name())
				}
			}
		}
	}
	for _, r := range l.refIDs(true, "checkpoints", "records", "events") {
		out = append(out, r[0])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (localIDs) questions() []string {
	dir, err := state.Dir(".", nil)
	if err != nil {
		return nil
	}
	qs, err := escalate.NewStore(dir).Open()
	if err != nil {
		return nil
	}
	var out []string
	for _, q := range qs {
		if checkpoint.ValidateID("question id", q.ID) == nil {
			out = append(out, q.ID)
		}
	}
	return newestFirst(out)
}

// operations are the events and checkpoints made here: fetched events are
// never undone here.
func (l localIDs) operations(session string) []string {
	var out []string
	for _, r := range l.refIDs(false, "events", "checkpoints") {
		if session == "" || r[0] == session {
			out = append(out, r[1])
		}
	}
	return newestFirst(out)
}

// newestFirst sorts ids by the time they start with, after their prefix
// (cp-, ev-, q-), newest first, and drops repeats.
func newestFirst(list []string) []string {
	key := func(id string) string {
		if _, t, ok := strings.Cut(id, "-"); ok {
			return t
		}
		return id
	}
	slices.SortFunc(list, func(a, b string) int {
		if c := strings.Compare(key(b), key(a)); c != 0 {
			return c
		}
		return strings.Compare(b, a)
	})
	return slices.Compact(list)
}
