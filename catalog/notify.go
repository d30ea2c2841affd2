package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/maestro-recovery/maestro/notify"
)

type notifyTable struct {
	Command []string `toml:"command"`
	Events  []string `toml:"events"`
	Timeout *string  `toml:"timeout"`
}

// notify is the [notify] table: a program to tell of events. It runs a
// program, so a repository's file gives it only once trusted, as any
// other of its tables.
func (d *document) notify() (notify.Config, error) {
	t := d.file.Notify
	n := notify.Config{Timeout: notify.DefaultTimeout}
	at := func(key ...any) []any { return append([]any{"notify"}, key...) }
	if len(t.Command) == 0 || strings.TrimSpace(t.Command[0]) == "" {
		return n, d.errorAt(at("command"), "missing: the program to run, and its arguments, as an array",
			`command = ["notify-send", "maestro"] (no shell: the event comes as JSON on its stdin)`)
	}
	n.Command = slices.Clone(t.Command)
	for i, e := range t.Events {
		if !slices.Contains(notify.Events, e) {
			hint := []string{"the events are: " + strings.Join(notify.Events, ", ")}
			if s := suggest(e, notify.Events); s != "" {
				hint = append([]string{fmt.Sprintf("did you mean %q?", s)}, hint...)
			}
			return n, d.errorAt(at("events", i), fmt.Sprintf("unknown event %q", e), hint...)
		}
	}
	if t.Events != nil && len(t.Events) == 0 {
		return n, d.errorAt(at("events"), "an empty list sends nothing: leave events out to send every event, or remove [notify]")
	}
	n.Events = slices.Clone(t.Events)
	if t.Timeout != nil {
		v, err := ParseDuration(*t.Timeout)
		if err != nil {
			return n, d.errorAt(at("timeout"), err.Error())
		}
		if v > notify.MaxTimeout {
			return n, d.errorAt(at("timeout"), fmt.Sprintf("%q is longer than %s: a notifier must not hold up what it reports", *t.Timeout, FormatDuration(notify.MaxTimeout)))
		}
		n.Timeout = v
	}
	return n, nil
}
