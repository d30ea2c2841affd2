package checkpoint

import (
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Green checkpoints: the states in which a test command passed. maestro
// run records one after a passing run (RecordGreen), and a rollback goes
// back to the newest (RollbackOptions.Green): agents edit first and test
// after, so the state before a failing run is usually broken already, and
// the state people want back is the last one where the tests passed.

// TagGreen is the tag of a green checkpoint.
const TagGreen = "green"

// SourceRun is the source of the checkpoints maestro run makes.
const SourceRun = "run"

// ErrNoGreen is in the error of a rollback to a green checkpoint when there
// is none to go to (errors.Is): none at all, none of the command, or none
// on the current branch.
var ErrNoGreen = errors.New("no green checkpoint")

// GreenOptions describe a passing run.
type GreenOptions struct {
	SessionID string
	// Command is the command that passed, as run (its argv).
	Command []string
	// TestRunner is the test runner recognised in it ("pytest"), "" for
	// none.
	TestRunner string
}

// RecordGreen makes a green checkpoint of the working tree after a passing
// run of o.Command: a safe_state checkpoint tagged green, whose
// state_snapshot holds the command (and the test runner). It makes none,
// and returns ErrUnchanged, when neither HEAD nor the working tree changed
// since the previous green checkpoint of the same command on the current
// branch: a rollback to that one returns to the same state. HEAD counts
// too: after a commit of the very tree of the previous green, a rollback to
// that one would move the branch back past the commit.
//
// It runs after every passing test run, so it costs a few git processes:
// the refs and the newest records, HEAD, and, when HEAD has not moved, a
// git status (clean tree) or the capture of the working tree a checkpoint
// of a dirty tree needs anyway.
func (s *Store) RecordGreen(o GreenOptions) (*Record, error) {
	if len(o.Command) == 0 {
		return nil, &InputError{"a green checkpoint needs the command that passed"}
	}
	if err := ValidateID("session id", o.SessionID); err != nil {
		return nil, err
	}
	head, err := s.headCommit()
	if err != nil {
		return nil, err
	}
	// Strictly the current branch, also at a detached HEAD (branch ""):
	// the skip below compares HEAD, which another branch's green is not at.
	prev, err := s.previousGreen(head.Branch, o.Command)
	if err != nil {
		return nil, err
	}
	unless := ""
	if prev != nil && prev.HeadSHA == head.SHA {
		if !prev.Snapshot {
			unless = head.Tree // the previous green is HEAD itself
		} else if cs, err := s.repo.Commits(prev.CommitSHA); err == nil {
			unless = cs[0].Tree
		} else {
			return nil, err
		}
	}
	state := map[string]any{"command": append([]string{}, o.Command...)}
	if o.TestRunner != "" {
		state["test_runner"] = o.TestRunner
	}
	return s.create(CreateOptions{
		SessionID:   o.SessionID,
		Description: "green: " + CommandLine(o.Command),
		Type:        "safe_state",
		State:       state,
		Tags:        []string{TagGreen},
		Source:      SourceRun,
		UnlessTree:  unless,
	}, "safe_state", head)
}

// previousGreen is the newest green checkpoint of argv made here on
// branch, nil when there is none. It reads the records newest first, a
// batch at a time, rather than all of them as Load does: the previous green
// is usually among the last few checkpoints, and this runs after every
// passing test run, in a repository that may hold thousands.
func (s *Store) previousGreen(branch string, argv []string) (*Record, error) {
	refs, err := s.repo.Refs(RefRoot)
	if err != nil {
		return nil, err
	}
	commits := map[refKey]string{}
	type blobRef struct {
		key refKey
		sha string
	}
	var recs []blobRef
	for _, r := range refs {
		k, ok := parseRef(r.Name)
		switch {
		case !ok || k.origin != "":
		case k.kind == "checkpoints" && r.Type == "commit":
			k.kind = "records"
			commits[k] = r.Object
		case k.kind == "records" && r.Type == "blob":
			recs = append(recs, blobRef{k, r.Object})
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].key.id > recs[j].key.id })
	match := exactly(argv)
	for start, n := 0, 16; start < len(recs); start, n = start+n, n*4 {
		var batch []blobRef
		var names []string
		for _, b := range recs[start:min(start+n, len(recs))] {
			if _, ok := commits[b.key]; ok { // else pruned
				batch = append(batch, b)
				names = append(names, b.sha)
			}
		}
		objs, err := s.repo.Objects(names)
		if err != nil {
			return nil, err
		}
		for i, o := range objs {
			if o.Type != "blob" {
				continue
			}
			st, ok := decodeRecord(o.Content, batch[i].key)
			if ok && st.Branch == branch && IsGreen(&st.Record) && match(&st.Record) {
				st.Record.CommitSHA = commits[batch[i].key]
				return &st.Record, nil
			}
		}
	}
	return nil, nil
}

// IsGreen reports whether r is a green checkpoint: tagged green.
func IsGreen(r *Record) bool {
	for _, t := range r.Tags {
		if t == TagGreen {
			return true
		}
	}
	return false
}

// GreenCommand is the command a green checkpoint records, nil when it
// records none (a checkpoint tagged green by hand).
func GreenCommand(r *Record) []string {
	switch v := r.StateSnapshot["command"].(type) {
	case []string:
		return v
	case []any: // as read back from JSON
		out := make([]string, len(v))
		for i, a := range v {
			s, ok := a.(string)
			if !ok {
				return nil
			}
			out[i] = s
		}
		return out
	}
	return nil
}

// MatchCommand reports whether cmd, as a person types it after --command,
// names the recorded argv: the arguments joined by spaces
// ("pytest -q tests/test_x.py"), or each argument quoted for a POSIX shell
// where it needs it, as CommandLine shows it (sh -c 'exit 0'). Spaces
// around cmd do not count; spaces inside it do.
func MatchCommand(argv []string, cmd string) bool {
	if len(argv) == 0 {
		return false
	}
	cmd = strings.TrimSpace(cmd)
	return cmd == strings.Join(argv, " ") || cmd == CommandLine(argv)
}

// CommandLine is argv as a POSIX shell would read it back: each argument
// that needs it in single quotes. It is what a green checkpoint's
// description shows. Control characters are kept as they are: whoever
// prints it shows them visibly.
func CommandLine(argv []string) string { return textsafe.ShellJoin(argv) }

// exactly matches a green checkpoint of argv itself.
func exactly(argv []string) func(*Record) bool {
	return func(r *Record) bool { return slices.Equal(GreenCommand(r), argv) }
}

// newestGreen is the newest green checkpoint made here, of any session,
// that match accepts (nil: any command), made on branch; with anyBranch,
// whatever its branch. nil when there is none.
func (c *Catalog) newestGreen(branch string, anyBranch bool, match func(*Record) bool) *Record {
	for i := range c.Records {
		r := &c.Records[i]
		if IsGreen(r) && (match == nil || match(r)) && (anyBranch || r.Branch == branch) {
			return r
		}
	}
	return nil
}

// greenFor is the checkpoint a rollback to the last green takes: the
// newest green checkpoint made here, of any session, of the command asked
// for, on branch (at a detached HEAD, or with force, on any branch). The
// refusals carry ErrNoGreen.
func greenFor(cat *Catalog, o RollbackOptions, branch string) (*Record, error) {
	var match func(*Record) bool
	of := ""
	switch {
	case o.Argv != nil:
		match, of = exactly(o.Argv), " of `"+CommandLine(o.Argv)+"`"
	case o.Command != "":
		match = func(r *Record) bool { return MatchCommand(GreenCommand(r), o.Command) }
		of = " of `" + strings.TrimSpace(o.Command) + "`"
	}
	anyBranch := branch == "" || o.Force
	if r := cat.newestGreen(branch, anyBranch, match); r != nil {
		return r, nil
	}
	hints := []string{"a passing `maestro-run -- <test command>` records one; `maestro list --all-sessions` shows the checkpoints"}
	if match != nil {
		if known := greenCommands(cat, branch, anyBranch); len(known) > 0 {
			hints = append([]string{"the green checkpoints here are of: " + strings.Join(known, ", ")}, hints...)
		}
	}
	if other := cat.newestGreen("", true, match); other != nil {
		return nil, &Error{kind: ErrNoGreen, Msg: "no green checkpoint" + of + " on " + branchName(branch),
			Hint: append([]string{"the newest is " + other.CheckpointID + ", made on " + branchName(other.Branch) + ": switch to it first, or take it here with --force"}, hints...)}
	}
	return nil, &Error{kind: ErrNoGreen, Msg: "no green checkpoint" + of + " in this repository", Hint: hints}
}

// greenCommands lists, newest first, the commands of the green
// checkpoints on branch (any branch with anyBranch), at most five, for a
// --command that named none of them.
func greenCommands(cat *Catalog, branch string, anyBranch bool) []string {
	var out []string
	seen := map[string]bool{}
	for i := range cat.Records {
		r := &cat.Records[i]
		if !IsGreen(r) || !anyBranch && r.Branch != branch {
			continue
		}
		argv := GreenCommand(r)
		if argv == nil {
			continue
		}
		if line := "`" + CommandLine(argv) + "`"; !seen[line] {
			seen[line] = true
			if out = append(out, line); len(out) == 5 {
				break
			}
		}
	}
	return out
}
