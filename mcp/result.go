package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolError is a failure a tool reports: maestro's message and what to do,
// as the command line prints them.
type toolError struct {
	Err  error
	Hint []string
}

func (e *toolError) Error() string { return e.Err.Error() }
func (e *toolError) Unwrap() error { return e.Err }

// fail makes a tool error of err, keeping the hints the feature package
// gave it, then hint.
func fail(err error, hint ...string) *toolError {
	var te *toolError
	if errors.As(err, &te) {
		te.Hint = append(te.Hint, hint...)
		return te
	}
	var h interface{ Hints() []string }
	var own []string
	if errors.As(err, &h) {
		own = h.Hints()
	}
	return &toolError{Err: err, Hint: append(append([]string(nil), own...), hint...)}
}

func failf(format string, args ...any) *toolError {
	return &toolError{Err: fmt.Errorf(format, args...)}
}

// storeFail is fail for what the checkpoint package returned, with the
// command line's hint for a folder outside any repository.
func storeFail(err error) *toolError {
	if errors.Is(err, git.ErrNotRepo) {
		return fail(err, "maestro mcp works in the folder it was started in: start it inside a git working tree (the agent starts it in its project folder)")
	}
	return fail(err)
}

// errorResult is a tool result that says what failed: the lines maestro
// prints on stderr, with the control characters of what it quotes made
// visible, and the same as structured content.
func errorResult(err error) *sdk.CallToolResult {
	te := fail(err)
	msg := strings.TrimSpace(te.Err.Error())
	first, rest, _ := strings.Cut(msg, "\n")
	hints := []string{}
	for _, l := range strings.Split(rest, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			hints = append(hints, textsafe.Visible(l))
		}
	}
	for _, h := range te.Hint {
		hints = append(hints, textsafe.Visible(h))
	}
	first = textsafe.Visible(first)
	var b strings.Builder
	fmt.Fprintf(&b, "maestro: error: %s", first)
	for _, h := range hints {
		fmt.Fprintf(&b, "\nmaestro: hint: %s", h)
	}
	res := &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: b.String()}}}
	if data, err := encode(map[string]any{"error": first, "hint": hints}); err == nil {
		res.StructuredContent = json.RawMessage(data)
	}
	return res
}

// okResult is a tool result holding v as one JSON document.
func okResult(v any) (*sdk.CallToolResult, error) {
	data, err := encode(v)
	if err != nil {
		return nil, err
	}
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(data)}}, StructuredContent: json.RawMessage(data)}, nil
}

// encode writes v as JSON for a model to read: <, > and & as themselves
// (a command's output is full of them), and every character a terminal or
// a model's reader would not show as itself (bidi overrides, zero-width
// and tag characters, C1 controls: textsafe.Hidden) as a \u escape, so the
// text cannot hide or reorder what it says. JSON escapes the C0 controls.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	data := bytes.TrimRight(buf.Bytes(), "\n")
	if !bytes.ContainsFunc(data, textsafe.Hidden) {
		return data, nil
	}
	var out bytes.Buffer
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError:
			out.Write(data[:n])
		case textsafe.Hidden(r) && r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		case textsafe.Hidden(r):
			fmt.Fprintf(&out, `\u%04x`, r)
		default:
			out.Write(data[:n])
		}
		data = data[n:]
	}
	return out.Bytes(), nil
}
