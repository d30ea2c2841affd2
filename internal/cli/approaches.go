package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	"github.com/maestro-recovery/maestro/wrapper"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) catalogCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:      "approaches",
			Usage:     "list the failure types, or the alternative approaches for one",
			UsageText: "maestro approaches [--failure-type T] [--json]",
			Flags: []ucli.Flag{
				&ucli.StringFlag{Name: "failure-type", Aliases: []string{"t"}, Usage: "the failure type `T`"},
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
	if err := noArgs(c, "approaches"); err != nil {
		return err
	}
	cfg, err := e.loadCatalog(c)
	if err != nil {
		return err
	}
	types, err := cfg.Types()
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	name := c.String("failure-type")
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
	if c.Bool("json") {
		return writeJSON(os.Stdout, struct {
			FailureType string             `json:"failure_type"`
			Description string             `json:"description"`
			Transient   bool               `json:"transient"`
			Retryable   bool               `json:"retryable"`
			Approaches  []catalog.Approach `json:"approaches"`
		}{t.Name, t.Description, t.Transient, t.Retryable, t.Approaches})
	}
	fmt.Printf("%s: %s\n", t.Name, textsafe.Visible(t.Description))
	printApproaches(os.Stdout, t.Approaches)
	return nil
}

// printApproaches shows a catalog's approaches, whose text a configuration
// file supplied: one line each, control characters shown, not obeyed.
func printApproaches(w io.Writer, as []catalog.Approach) {
	v := textsafe.Visible
	for i, a := range as {
		fmt.Fprintf(w, "\n%d. %s\n   %s\n   how: %s\n", i+1, v(a.Name), v(a.Description), v(a.ImplementationPattern))
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
	if c.Bool("json") {
		return writeJSON(os.Stdout, cl)
	}
	fmt.Printf("failure_type: %s\ntransient: %t\nretryable: %t\nexit_code: %d\n", cl.FailureType, cl.Transient, cl.Retryable, cl.ExitCode)
	if cl.Line != "" {
		// The line is the command's output; the pattern, a configuration's.
		fmt.Printf("line: %s\npattern: %s\n", textsafe.Visible(cl.Line), textsafe.Visible(cl.Pattern))
	}
	printApproaches(os.Stdout, cl.Approaches)
	return nil
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
