package session

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/maestro-recovery/maestro/recovery"
	"github.com/maestro-recovery/maestro/wrapper"
)

// clipped returns a copy of e whose texts are at most limit bytes (and an
// ellipsis) long, marked Truncated. The recovery results' details (the
// approaches, whose texts come from any catalog) are clipped in their JSON
// form, as a reader of the log decodes them anyway.
func (e Entry) clipped(limit int) Entry {
	e.Truncated = true
	e.Description = clip(e.Description, limit)
	if e.Run != nil {
		r := *e.Run
		r.Command = clipAll(r.Command, limit)
		r.Line = clip(r.Line, limit)
		r.Recovery = make([]recovery.Result, len(e.Run.Recovery))
		for i, res := range e.Run.Recovery {
			res.Message = clip(res.Message, limit)
			res.Details = clipJSON(res.Details, limit)
			r.Recovery[i] = res
		}
		r.FailedTests, r.FlakyTests = clipTests(r.FailedTests, limit), clipTests(r.FlakyTests, limit)
		e.Run = &r
	}
	if e.Human != nil {
		h := *e.Human
		h.Issue, h.Default, h.Option = clip(h.Issue, limit), clip(h.Default, limit), clip(h.Option, limit)
		h.Justification = clip(h.Justification, limit)
		h.Options = clipAll(h.Options, limit)
		e.Human = &h
	}
	if e.Agent != nil {
		e.Agent = e.Agent.clipped(limit)
	}
	return e
}

func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for i := 1; i < utf8.UTFMax && cut > 0 && !utf8.RuneStart(s[cut]); i++ {
		cut-- // no rune cut in two
	}
	return s[:cut] + "…"
}

func clipAll(list []string, limit int) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = clip(s, limit)
	}
	return out
}

// clipJSON clips every string inside v, as JSON sees it.
func clipJSON(v any, limit int) any {
	data, err := json.Marshal(v)
	if err != nil || len(data) <= limit {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return v
	}
	return clipValue(generic, limit)
}

func clipValue(v any, limit int) any {
	switch v := v.(type) {
	case string:
		return clip(v, limit)
	case []any:
		for i := range v {
			v[i] = clipValue(v[i], limit)
		}
	case map[string]any:
		for k := range v {
			v[k] = clipValue(v[k], limit)
		}
	}
	return v
}

// clipTests clips the names of tests (a test id can be a few KiB long,
// and a run names up to MaxTests of them).
func clipTests(ts []wrapper.TestOutcome, limit int) []wrapper.TestOutcome {
	if ts == nil {
		return nil
	}
	out := make([]wrapper.TestOutcome, len(ts))
	for i, t := range ts {
		t.ID, t.Package, t.File = clip(t.ID, limit), clip(t.Package, limit), clip(t.File, limit)
		out[i] = t
	}
	return out
}
