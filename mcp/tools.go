package mcp

import (
	"context"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/state"
	sessionlog "github.com/maestro-recovery/maestro/session"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Bounds of what a tool takes and gives: a model's arguments and a
// command's output are not trusted to be small.
const (
	maxText     = 4096    // a description, a question, an id
	maxOutput   = 1 << 20 // classify's output
	maxItems    = 200     // checkpoints listed, paths of a rollback or diff
	maxPatch    = 64 << 10
	maxArgs     = 256 // run's command words
	maxArg      = 8192
	maxRuns     = 4 // runs at once
	maxLineSize = 512
)

// tools are the server's tools, sharing its options.
type tools struct {
	o    Options
	runs chan struct{} // a slot per run under way
}

// toolFunc is a tool's handler: what it returns is the result's JSON (or
// the result itself), its error an error result.
type toolFunc[In any] func(ctx context.Context, req *sdk.CallToolRequest, in In) (any, error)

// addTool registers a tool whose input schema is inferred from In, then
// bounded by limit, and whose handler's error becomes an error result.
func addTool[In any](s *sdk.Server, t *sdk.Tool, limit func(props map[string]*jsonschema.Schema), h toolFunc[In]) {
	schema, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("tool %s: %v", t.Name, err))
	}
	if limit != nil {
		limit(schema.Properties)
	}
	t.InputSchema = schema
	sdk.AddTool(s, t, func(ctx context.Context, req *sdk.CallToolRequest, in In) (res *sdk.CallToolResult, _ any, _ error) {
		defer func() {
			// A tool's bug is the call's failure, never the server's end.
			if r := recover(); r != nil {
				res = errorResult(fmt.Errorf("maestro mcp: tool %s failed: %v", t.Name, r))
			}
		}()
		out, err := h(ctx, req, in)
		if err != nil {
			return errorResult(err), nil, nil
		}
		if r, ok := out.(*sdk.CallToolResult); ok {
			return r, nil, nil
		}
		r, err := okResult(out)
		if err != nil {
			return errorResult(err), nil, nil
		}
		return r, nil, nil
	})
}

func ptr[T any](v T) *T { return &v }

// maxLen bounds the string properties named.
func maxLen(props map[string]*jsonschema.Schema, n int, names ...string) {
	for _, name := range names {
		p := props[name]
		if p.Items != nil {
			p = p.Items
		}
		p.MaxLength = ptr(n)
	}
}

func between(props map[string]*jsonschema.Schema, name string, lo, hi float64) {
	props[name].Minimum, props[name].Maximum = ptr(lo), ptr(hi)
}

func enum(props map[string]*jsonschema.Schema, name string, values ...string) {
	for _, v := range values {
		props[name].Enum = append(props[name].Enum, v)
	}
}

func readOnly(title string) *sdk.ToolAnnotations {
	return &sdk.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)}
}

func changes(title string, destructive bool) *sdk.ToolAnnotations {
	return &sdk.ToolAnnotations{Title: title, DestructiveHint: ptr(destructive), OpenWorldHint: ptr(false)}
}

const sessionDoc = "the maestro session (default: the one maestro mcp --session-id names, else $MAESTRO_SESSION_ID, else the repository's current session, else \"default\")"

func (t *tools) add(s *sdk.Server) {
	sessionLimit := func(props map[string]*jsonschema.Schema) {
		maxLen(props, checkpoint.MaxIDLen, "session_id")
		props["session_id"].Description = sessionDoc
	}
	addTool(s, &sdk.Tool{Name: "checkpoint", Annotations: changes("Make a checkpoint", false),
		Description: "Record the working tree as a checkpoint, a git ref, without touching any file, the index or the branch. " +
			"Make one before a risky change, and at each state worth returning to. Returns the checkpoint, with its checkpoint_id for rollback and diff_checkpoint."},
		func(p map[string]*jsonschema.Schema) {
			sessionLimit(p)
			maxLen(p, maxText, "description", "phase")
			maxLen(p, 100, "tags")
			p["tags"].MaxItems = ptr(20)
			p["state"].MaxProperties = ptr(50)
			enum(p, "type", catalog.CheckpointTypes...)
		}, t.checkpoint)
	addTool(s, &sdk.Tool{Name: "list_checkpoints", Annotations: readOnly("List checkpoints"),
		Description: "List the checkpoints of the session made in this repository, newest first: id, time, type, description, branch, and how often each was rolled back to."},
		func(p map[string]*jsonschema.Schema) {
			sessionLimit(p)
			enum(p, "type", catalog.CheckpointTypes...)
			between(p, "limit", 1, maxItems)
		}, t.list)
	addTool(s, &sdk.Tool{Name: "diff_checkpoint", Annotations: readOnly("What changed since a checkpoint"),
		Description: "List the files that changed in the working tree since a checkpoint, untracked files included; with patch, the patch too (bounded)."},
		func(p map[string]*jsonschema.Schema) {
			sessionLimit(p)
			maxLen(p, maxText, "checkpoint_id")
		}, t.diff)
	addTool(s, &sdk.Tool{Name: "rollback", Annotations: changes("Roll back to a checkpoint", true),
		Description: "Return the working tree, index and branch to a checkpoint (the session's newest on this branch unless checkpoint_id or type says). " +
			"Call it with dry_run true first: it lists what would be restored, removed and left alone, changing nothing. " +
			"Before a real rollback changes anything, the current state is recorded, so undo takes it back byte for byte; ignored files are never touched. " +
			"Refused in the middle of a merge or rebase, and for a checkpoint of another branch unless force."},
		func(p map[string]*jsonschema.Schema) {
			sessionLimit(p)
			maxLen(p, maxText, "checkpoint_id")
			enum(p, "type", catalog.CheckpointTypes...)
		}, t.rollback)
	addTool(s, &sdk.Tool{Name: "undo", Annotations: changes("Undo the last rollback", true),
		Description: "Take back the newest rollback (or prune, or fetch) not taken back yet, returning HEAD, branch, index and files to the state recorded before it, byte for byte. " +
			"Again to walk further back; redo takes back the last undo. Use dry_run to see what would change."},
		func(p map[string]*jsonschema.Schema) {
			maxLen(p, checkpoint.MaxIDLen, "session_id")
			maxLen(p, maxText, "to")
		}, t.undo)
	addTool(s, &sdk.Tool{Name: "classify", Annotations: readOnly("Classify a failure"),
		Description: "Classify a failed command's output with maestro's catalog: the failure type, whether it is transient (another try can help) or retryable, the line that matched, and the alternative approaches to try instead. " +
			"Pass the output as the command printed it (stderr and stdout) and its exit code."},
		func(p map[string]*jsonschema.Schema) {
			maxLen(p, maxOutput, "output")
			between(p, "exit_code", 0, 255)
		}, t.classify)
	addTool(s, &sdk.Tool{Name: "approaches", Annotations: readOnly("Alternative approaches"),
		Description: "Without failure_type, list the failure types maestro knows; with one, its alternative approaches: what to try instead when retrying cannot fix a failure of that type, " +
			"those that worked most often in this repository first (tries, successes and rate give the counts; pass an approach to run to have its outcome counted)."},
		func(p map[string]*jsonschema.Schema) { maxLen(p, 200, "failure_type") }, t.approaches)
	addTool(s, &sdk.Tool{Name: "run", Annotations: &sdk.ToolAnnotations{Title: "Run a command with retries", OpenWorldHint: ptr(true)},
		Description: "Run a command (no shell: pass the words, e.g. [\"go\", \"test\", \"./...\"]; use [\"sh\", \"-c\", \"...\"] for a pipeline) with maestro's retry policy: " +
			"a failed attempt is classified, and retried with backoff only when its type is worth another try (a network error, a timeout, a flaky test; never a build error, a missing command or a dependency conflict), as recovery.toml says. " +
			"Returns the retry result (attempts, exit code, outcome, the failure's classification and its alternative approaches) and the last lines of the output. Stdin is empty."},
		func(p map[string]*jsonschema.Schema) {
			sessionLimit(p)
			maxLen(p, maxArg, "command")
			p["command"].MinItems, p["command"].MaxItems = ptr(1), ptr(maxArgs)
			between(p, "max_attempts", 1, 10)
			between(p, "timeout_seconds", 0, 3600)
			between(p, "total_timeout_seconds", 1, 3600)
			between(p, "tail_lines", 0, 200)
			enum(p, "retry_on", "any", "transient")
			maxLen(p, 200, "approach")
		}, t.run)
	addTool(s, &sdk.Tool{Name: "ask_human", Annotations: &sdk.ToolAnnotations{Title: "Ask the user", OpenWorldHint: ptr(true)},
		Description: "Ask the user to choose between options, when a decision is theirs (a trade-off, a destructive step, an ambiguous requirement). " +
			"The client shows the question when it can; otherwise it waits for an answer given with 'maestro answer ID OPTION' in a terminal, up to timeout_seconds. " +
			"Returns the option chosen, who chose it (human, mcp, async, default, timeout), or that nobody answered in time (status timed_out: the question stays open)."},
		func(p map[string]*jsonschema.Schema) {
			sessionLimit(p)
			maxLen(p, maxText, "question")
			maxLen(p, 200, "options", "default")
			p["options"].MinItems, p["options"].MaxItems = ptr(2), ptr(20)
			between(p, "timeout_seconds", 1, 3600)
		}, t.askHuman)
	addTool(s, &sdk.Tool{Name: "session_stats", Annotations: readOnly("Sum the session up"),
		Description: "Sum the session up: runs, attempts and retries, failures by type, checkpoints, rollbacks, undos, questions asked and answered."},
		sessionLimit, t.sessionStats)
}

// session is the session a call works in: the one it names, else the
// server's --session-id, else the command line's choice. A current-session
// file maestro cannot use is reported on the server's log and the call
// goes on in default, as the command line does.
func (t *tools) session(given string) (sessionlog.Choice, error) {
	flag, set := given, given != ""
	if !set && t.o.SessionID != "" {
		flag, set = t.o.SessionID, true
	}
	ch, err := sessionlog.Choose(flag, set, nil)
	if err != nil {
		fmt.Fprintf(t.o.Log, "maestro: warning: working in session default: %v\n", err)
	}
	if err := checkpoint.ValidateID("session id", ch.ID); err != nil {
		return ch, fail(err)
	}
	return ch, nil
}

// known refuses a session maestro knows nothing of, naming the nearest,
// as the command line does for the commands that read a session: a typo
// would otherwise list nothing, or roll back nothing. store is nil
// outside a repository.
func known(id string, store *checkpoint.Store) error {
	dir, err := state.Dir(".", nil)
	if err != nil {
		return fail(err)
	}
	if err := sessionlog.Check(dir, id, store); err != nil {
		return fail(err)
	}
	return nil
}

// catalog reads the configuration, as each command does: a change to
// recovery.toml counts from the next call.
func (t *tools) catalog() (*catalog.Config, error) {
	cfg, err := catalog.Load(catalog.Options{ConfigFlag: t.o.ConfigFlag, Default: t.o.Default, Warn: t.o.Log})
	if err != nil {
		return nil, fail(err)
	}
	return cfg, nil
}
