package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/state"
	outcomes "github.com/maestro-recovery/maestro/outcome"
	"github.com/maestro-recovery/maestro/wrapper"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

type classifyIn struct {
	Output   string `json:"output" jsonschema:"the failed command's output, stderr and stdout (up to 1 MiB; maestro keeps its first and last 64 KiB, where tools print errors and summaries)"`
	ExitCode *int   `json:"exit_code,omitempty" jsonschema:"the command's exit code (default 1; 124 for a timeout)"`
}

func (t *tools) classify(_ context.Context, _ *sdk.CallToolRequest, in classifyIn) (any, error) {
	code := 1
	if in.ExitCode != nil {
		code = *in.ExitCode
	}
	cfg, err := t.catalog()
	if err != nil {
		return nil, err
	}
	blocks, err := wrapper.Keep(strings.NewReader(in.Output))
	if err != nil {
		return nil, fail(err)
	}
	cl, err := cfg.Classify(catalog.Failure{ExitCode: code, Output: blocks})
	if err != nil {
		return nil, fail(err)
	}
	return cl, nil
}

type approachesIn struct {
	FailureType string `json:"failure_type,omitempty" jsonschema:"a failure type, as classify names it (test_failure, dependency_conflict, ...)"`
}

type failureType struct {
	FailureType string            `json:"failure_type"`
	Description string            `json:"description"`
	Transient   bool              `json:"transient"`
	Retryable   bool              `json:"retryable"`
	Approaches  []outcomes.Ranked `json:"approaches,omitempty"`
}

func (t *tools) approaches(_ context.Context, _ *sdk.CallToolRequest, in approachesIn) (any, error) {
	cfg, err := t.catalog()
	if err != nil {
		return nil, err
	}
	types, err := cfg.Types()
	if err != nil {
		return nil, fail(err)
	}
	if in.FailureType == "" {
		out := []failureType{}
		for _, ft := range types {
			out = append(out, failureType{FailureType: ft.Name, Description: ft.Description, Transient: ft.Transient, Retryable: ft.Retryable})
		}
		return map[string]any{"failure_types": out}, nil
	}
	ft, ok, err := cfg.Type(in.FailureType)
	if err != nil {
		return nil, fail(err)
	}
	if !ok {
		names := make([]string, len(types))
		for i, ft := range types {
			names[i] = ft.Name
		}
		return nil, failf("unknown failure type %q; the known ones: %s", in.FailureType, strings.Join(names, ", "))
	}
	var counts []outcomes.Count
	if dir := state.DirOrEmpty(); dir != "" {
		if counts, err = outcomes.Counts(dir); err != nil {
			fmt.Fprintf(t.o.Log, "maestro: warning: approaches in the catalog's order: %v\n", err)
		}
	}
	return failureType{FailureType: ft.Name, Description: ft.Description, Transient: ft.Transient, Retryable: ft.Retryable,
		Approaches: outcomes.Rank(ft.Name, ft.Approaches, counts)}, nil
}
