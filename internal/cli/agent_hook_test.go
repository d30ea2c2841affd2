package cli

import (
	"os"
	"strings"
	"testing"
	"time"
)

// An agent that writes its event and leaves stdin open must not keep its
// hook waiting: the read gives up, and the hook goes on with a warning.
func TestReadPayloadStdinLeftOpen(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	w.WriteString(`{"session_id": "abc"}`)
	data, tooBig, err := readPayload(r, 50*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "stdin was not closed within 50ms") || data != nil || tooBig {
		t.Errorf("readPayload = %q, %v, %v; want a timeout error", data, tooBig, err)
	}
}

func TestReadPayloadClosed(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.WriteString(`{"session_id": "abc"}`)
	w.Close()
	data, tooBig, err := readPayload(r, time.Minute)
	if err != nil || tooBig || string(data) != `{"session_id": "abc"}` {
		t.Errorf("readPayload = %q, %v, %v", data, tooBig, err)
	}
}
