package catalog_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/notify"
)

func TestNotifyTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noenv := func(string) string { return "" }
	c, err := catalog.Load(catalog.Options{Default: defaultTOML(t), Dir: dir, Getenv: noenv})
	if err != nil {
		t.Fatal(err)
	}
	if c.Notify.Command != nil || notify.New(c.Notify) != nil {
		t.Errorf("without [notify]: %+v, want nothing to run", c.Notify)
	}
	p := writeFile(t, dir, "recovery.toml", "[notify]\ncommand = ['notify-send', 'maestro']\nevents = ['rollback', 'run_failed']\ntimeout = '200ms'\n")
	c, err = catalog.Load(catalog.Options{ConfigFlag: p, Default: defaultTOML(t), Dir: dir, Getenv: noenv})
	if err != nil {
		t.Fatal(err)
	}
	want := notify.Config{Command: []string{"notify-send", "maestro"}, Events: []string{"rollback", "run_failed"}, Timeout: 200 * time.Millisecond}
	if !reflect.DeepEqual(c.Notify, want) || c.NotifySource.Path != p {
		t.Errorf("Notify = %+v from %v, want %+v from %s", c.Notify, c.NotifySource, want, p)
	}
	p = writeFile(t, dir, "default.toml", "[notify]\ncommand = ['true']\n")
	if c, err = catalog.Load(catalog.Options{ConfigFlag: p, Default: defaultTOML(t), Dir: dir, Getenv: noenv}); err != nil {
		t.Fatal(err)
	}
	if c.Notify.Timeout != notify.DefaultTimeout || c.Notify.Events != nil {
		t.Errorf("defaults: %+v", c.Notify)
	}
	for _, tc := range []struct{ file, want string }{
		{"[notify]\nevents = ['rollback']\n", ":1: notify.command: missing"},
		{"[notify]\ncommand = []\n", ":2: notify.command: missing"},
		{"[notify]\ncommand = ['']\n", "notify.command: missing"},
		{"[notify]\ncommand = 'notify-send hi'\n", "expected an array of strings"},
		{"[notify]\ncommand = ['x']\nevents = ['rollbak']\n", `:3: notify.events[0]: unknown event "rollbak"`},
		{"[notify]\ncommand = ['x']\nevents = ['rollbak']\n", `did you mean "rollback"?`},
		{"[notify]\ncommand = ['x']\nevents = ['asked']\n", "the events are: question_asked, run_failed, rollback"},
		{"[notify]\ncommand = ['x']\nevents = []\n", "notify.events: an empty list sends nothing"},
		{"[notify]\ncommand = ['x']\ntimeout = '0s'\n", `:3: notify.timeout: "0s" must be greater than zero`},
		{"[notify]\ncommand = ['x']\ntimeout = '2m'\n", `:3: notify.timeout: "2m" is longer than 1m`},
		{"[notify]\ncommand = ['x']\ntimout = '2s'\n", `unknown key`},
	} {
		p := writeFile(t, dir, "bad.toml", tc.file)
		_, err := catalog.Load(catalog.Options{ConfigFlag: p, Default: defaultTOML(t), Dir: dir, Getenv: noenv})
		text := ""
		var ce *catalog.Error
		if errors.As(err, &ce) {
			text = ce.Error() + "\n" + strings.Join(ce.Hint, "\n")
		}
		if !strings.Contains(text, tc.want) {
			t.Errorf("%q: error %v, want one with %q", tc.file, err, tc.want)
		}
	}
}
