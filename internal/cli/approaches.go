package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/internal/state"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/outcome"
	"github.com/maestro-recovery/maestro/wrapper"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) catalogCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:      "approaches",
			Usage:     "list the failure types, or the alternative approaches for one, best first here",
			UsageText: "maestro approaches [FAILURE_TYPE | --failure-type T] [--json]\nmaestro approaches --tried NAME [--failure-type T] [--session-id ID] [--json] [-- COMMAND [ARGS...]]",
			Description: `With a failure type, its approaches are ordered by how often they worked in
this repository, (successes+1)/(tries+2), the catalog's order breaking ties.
--tried marks an approach as tried: the session's next run of COMMAND (of
any command, without one) records whether it worked.`,
			Flags: []ucli.Flag{
				&ucli.StringFlag{Name: "failure-type", Aliases: []string{"t"}, Usage: "the failure type `T`"},
				&ucli.StringFlag{Name: "tried", Usage: "mark the approach `NAME` as tried in the session"},
				sessionFlag(),
				configFlag,
				jsonFlag,
			},
			OnUsageError: commandUsageError("approaches"),
			Action:       e.approaches,
		},
		{
			Name:      "classify",
			Usage:     "classify a failure's output: its type, whether another try can help, and what to try instead",
			UsageText: "maestro classify [--exit-code N] [--json] [FILE | -]",
			Description: `Reads FILE, or stdin, to the end as maestro run reads a command's output:
streaming, keeping only the first and last 64 KiB, where tools print their
errors and summaries, so memory stays flat whatever its size. It prints the
failure type, whether it is transient, the pattern and the line that matched,
and the approaches.`,
			Flags: []ucli.Flag{
				&ucli.StringFlag{Name: "exit-code", Usage: "the command's exit code `N` (default 1)"},
				configFlag,
				jsonFlag,
			},
			OnUsageError: commandUsageError("classify"),
			Action:       e.classify,
		},
	}
}

func (e *env) loadCatalog(c *ucli.Context) (*catalog.Config, error) {
	cfg, err := catalog.Load(catalog.Options{ConfigFlag: c.String("config"), Default: e.defaultCatalog})
	if err != nil {
		return nil, &Error{Code: ExitFailed, Err: err}
	}
	return cfg, nil
}

func (e *env) approaches(c *ucli.Context) error {
	name := c.String("failure-type")
	if c.IsSet("tried") {
		return e.markTried(c, name)
	}
	switch {
	case c.NArg() > 1:
		return usageError(ExitUsage, "approaches", fmt.Errorf("unexpected argument %q", c.Args().Get(1)))
	case c.NArg() == 1 && name != "":
		return usageError(ExitUsage, "approaches", errors.New("give the failure type once: as an argument or with --failure-type"))
	case c.NArg() == 1:
		name = c.Args().First()
	}
	cfg, err := e.loadCatalog(c)
	if err != nil {
		return err
	}
	types, err := cfg.Types()
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if name == "" {
		if c.Bool("json") {
			type brief struct {
				FailureType string `json:"failure_type"`
				Description string `json:"description"`
				Transient   bool   `json:"transient"`
				Retryable   bool   `json:"retryable"`
				Approaches  int    `json:"approaches"`
			}
			out := []brief{}
			for _, t := range types {
				out = append(out, brief{t.Name, t.Description, t.Transient, t.Retryable, len(t.Approaches)})
			}
			return writeJSON(os.Stdout, out)
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		for _, t := range types {
			fmt.Fprintf(w, "%s\t%s\n", t.Name, textsafe.Visible(t.Description))
		}
		return w.Flush()
	}
	t, ok, err := cfg.Type(name)
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if !ok {
		names := make([]string, len(types))
		for i, t := range types {
			names[i] = t.Name
		}
		return usageError(ExitUsage, "approaches", fmt.Errorf("unknown failure type %q; the known ones: %s", name, strings.Join(names, ", ")))
	}
	ranked := rankHere(t.Name, t.Approaches)
	if c.Bool("json") {
		return writeJSON(os.Stdout, struct {
			FailureType string           `json:"failure_type"`
			Description string           `json:"description"`
			Transient   bool             `json:"transient"`
			Retryable   bool             `json:"retryable"`
			Approaches  []outcome.Ranked `json:"approaches"`
		}{t.Name, t.Description, t.Transient, t.Retryable, ranked})
	}
	fmt.Printf("%s: %s\n", t.Name, textsafe.Visible(t.Description))
	printApproaches(os.Stdout, ranked)
	return nil
}

// rankHere orders a failure type's approaches by their outcomes in this
// repository. Outcomes that cannot be read leave the catalog's order, with
// a warning: the approaches matter more than their order.
func rankHere(failureType string, as []catalog.Approach) []outcome.Ranked {
	var counts []outcome.Count
	if dir := state.DirOrEmpty(); dir != "" {
		var err error
		if counts, err = outcome.Counts(dir); err != nil {
			printWarning(os.Stderr, "approaches in the catalog's order", err)
		}
	}
	return outcome.Rank(failureType, as, counts)
}

// markTried is maestro approaches --tried: the arguments are the command
// whose next run settles the try.
func (e *env) markTried(c *ucli.Context, failureType string) error {
	approach := c.String("tried")
	session := sessionID(c)
	if err := checkpoint.ValidateID("session id", session); err != nil {
		return usageError(ExitUsage, "approaches", err)
	}
	cfg, err := e.loadCatalog(c)
	if err != nil {
		return err
	}
	ft, err := resolveApproach(cfg, approach, failureType)
	if err != nil {
		return approachError(ExitUsage, "approaches", fmt.Errorf("--tried: %w", err))
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	command := c.Args().Slice()
	if err := outcome.MarkTried(dir, session, approach, ft, command, outcome.SourceCLI); err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	if c.Bool("json") {
		if command == nil {
			command = []string{}
		}
		return writeJSON(os.Stdout, struct {
			Approach    string   `json:"approach"`
			FailureType string   `json:"failure_type"`
			SessionID   string   `json:"session_id"`
			Command     []string `json:"command"`
		}{approach, ft, session, command})
	}
	next := "of any command"
	if len(command) > 0 {
		next = "of `" + checkpoint.CommandLine(command) + "`"
	}
	fmt.Printf("%s marked as tried in session %s: its next run %s records whether it worked\n", approach, session, textsafe.Visible(next))
	return nil
}

// resolveApproach checks an approach name against the catalog: the failure
// type a try of it answers, or an error listing the known names.
func resolveApproach(cfg *catalog.Config, name, failureType string) (string, error) {
	types, err := cfg.Types()
	if err != nil {
		return "", err
	}
	return outcome.Resolve(types, name, failureType)
}

// approachError is a bad approach name: a usage error, the nearest known
// name first among its hints.
func approachError(code int, cmd string, err error) error {
	e := usageError(code, cmd, err)
	e.Hint = append(hintsOf(err), e.Hint...)
	return e
}

// settleApproaches records the end of a run against the approaches tried
// for its command (outcome.AfterRun). A log that cannot be written costs a
// warning, not the run's result.
// dir and err are the run's state directory, found once, and why it could
// not be.
func (e *env) settleApproaches(dir string, err error, session string, args []string, rep *wrapper.Report, interrupted bool, approach, approachType string) {
	if err == nil {
		err = outcome.AfterRun(dir, session, args, rep.Success, interrupted, approach, approachType, rep.Classification, outcome.SourceRun)
	}
	if err != nil {
		printWarning(os.Stderr, "the approach's outcome is not recorded", err)
	}
}

// printApproaches shows a catalog's approaches, whose text a configuration
// file supplied: one line each, control characters shown, not obeyed.
func printApproaches(w io.Writer, as []outcome.Ranked) {
	v := textsafe.Visible
	for i, a := range as {
		worked := ""
		if h := a.Summary(); h != "" {
			worked = " (" + h + ")"
		}
		fmt.Fprintf(w, "\n%d. %s%s\n   %s\n   how: %s\n", i+1, v(a.Name), worked, v(a.Description), v(a.ImplementationPattern))
		if len(a.RequiredChanges) > 0 {
			fmt.Fprintf(w, "   changes: %s\n", v(strings.Join(a.RequiredChanges, "; ")))
		}
	}
}

func (e *env) classify(c *ucli.Context) error {
	if c.NArg() > 1 {
		return usageError(ExitUsage, "classify", fmt.Errorf("unexpected argument %q: give one FILE, or - for stdin", c.Args().Get(1)))
	}
	code := 1
	if v := c.String("exit-code"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 255 {
			return usageError(ExitUsage, "classify", fmt.Errorf("--exit-code %q: use 0 to 255", v))
		}
		code = n
	}
	cfg, err := e.loadCatalog(c)
	if err != nil {
		return err
	}
	in := os.Stdin
	if name := c.Args().First(); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return &Error{Code: ExitFailed, Err: err}
		}
		defer f.Close()
		in = f
	}
	blocks, err := wrapper.Keep(in)
	if err != nil {
		return &Error{Code: ExitFailed, Err: fmt.Errorf("read: %w", err)}
	}
	cl, err := cfg.Classify(catalog.Failure{ExitCode: code, Output: blocks})
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	ranked := rankHere(cl.FailureType, cl.Approaches)
	cl.Approaches = outcome.Approaches(ranked)
	if c.Bool("json") {
		return writeJSON(os.Stdout, cl)
	}
	fmt.Printf("failure_type: %s\ntransient: %t\nretryable: %t\nexit_code: %d\n", cl.FailureType, cl.Transient, cl.Retryable, cl.ExitCode)
	if cl.Line != "" {
		// The line is the command's output; the pattern, a configuration's.
		fmt.Printf("line: %s\npattern: %s\n", textsafe.Visible(cl.Line), textsafe.Visible(cl.Pattern))
	}
	printApproaches(os.Stdout, ranked)
	return nil
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
