package session

import (
	"encoding/json"
	"time"

	"github.com/maestro-recovery/maestro/internal/jsonenc"
)

// encoding/json builds an encoder for a struct type by reflection the first
// time it meets it, and maestro-run is a new process every time: for Entry
// and Run that cost about 0.3 ms of every run's start-up budget, more than
// the rest of logging the run. So the two are written by hand, field by
// field, in the order and with the names of their tags, their strings,
// numbers and lists with jsonenc; only what a failed run or maestro ask
// brings (recovery results, questions, tests) is still json's to encode.
// TestEncodingMatchesTags checks the bytes are those reflection gives.

// MarshalJSON writes e as its struct tags say.
func (e Entry) MarshalJSON() ([]byte, error) {
	var w objectWriter
	w.String("time", e.Time.Format(time.RFC3339Nano))
	w.String("session_id", e.SessionID)
	w.String("type", e.Type)
	if e.Description != "" {
		w.String("description", e.Description)
	}
	if e.Run != nil {
		w.object("run", e.Run.MarshalJSON)
	}
	if e.Human != nil {
		w.field("human", e.Human)
	}
	if e.Agent != nil {
		w.object("agent", e.Agent.MarshalJSON)
	}
	if e.Truncated {
		w.Bool("truncated", true)
	}
	return w.close()
}

// MarshalJSON writes r as its struct tags say.
func (r Run) MarshalJSON() ([]byte, error) {
	var w objectWriter
	w.Raw("command", jsonenc.Strings(nil, r.Command))
	w.Int("exit_code", r.ExitCode)
	w.String("outcome", r.Outcome)
	w.Int("attempts_made", r.AttemptsMade)
	w.Raw("failures", jsonenc.Counts(nil, r.Failures))
	if f, ok := jsonenc.Float(nil, r.TotalTimeSeconds); ok {
		w.Raw("total_time_seconds", f)
	} else {
		w.field("total_time_seconds", r.TotalTimeSeconds) // json's error
	}
	if r.Recovery == nil {
		w.Raw("recovery", []byte("null"))
	} else if len(r.Recovery) == 0 {
		w.Raw("recovery", []byte("[]"))
	} else {
		w.field("recovery", r.Recovery)
	}
	if r.FailureType != "" {
		w.String("failure_type", r.FailureType)
	}
	if r.Line != "" {
		w.String("line", r.Line)
	}
	if r.TestRunner != "" {
		w.String("test_runner", r.TestRunner)
	}
	if len(r.FailedTests) > 0 {
		w.field("failed_tests", r.FailedTests)
	}
	if r.FailedTestsCount != 0 {
		w.Int("failed_tests_count", r.FailedTestsCount)
	}
	if len(r.FlakyTests) > 0 {
		w.field("flaky_tests", r.FlakyTests)
	}
	if r.FlakyTestsCount != 0 {
		w.Int("flaky_tests_count", r.FlakyTestsCount)
	}
	return w.close()
}

// objectWriter is a jsonenc.Object that also writes what json encodes (the
// recovery results, questions, tests), keeping json's first error.
type objectWriter struct {
	jsonenc.Object
	err error
}

func (w *objectWriter) field(name string, v any) {
	if w.err != nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		w.err = err
		return
	}
	w.Raw(name, data)
}

// object writes what marshal gives, called directly: json.Marshal would
// find the same method by reflection, then check its bytes again.
func (w *objectWriter) object(name string, marshal func() ([]byte, error)) {
	if w.err != nil {
		return
	}
	data, err := marshal()
	if err != nil {
		w.err = err
		return
	}
	w.Raw(name, data)
}

func (w *objectWriter) close() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.Bytes(), nil
}
