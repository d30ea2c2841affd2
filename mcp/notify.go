package mcp

import (
	"fmt"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/notify"
)

// notifier is the configuration's [notify], read as each call reads it. A
// configuration that cannot be read costs the notification, never the
// call.
func (t *tools) notifier() *notify.Notifier {
	cfg, err := catalog.Load(catalog.Options{ConfigFlag: t.o.ConfigFlag, Default: t.o.Default, Warn: t.o.Log})
	if err != nil {
		fmt.Fprintf(t.o.Log, "maestro: warning: notify: no notification: %v\n", err)
		return nil
	}
	return t.notifierOf(cfg)
}

// notifierOf is cfg's notifier, its warning in the server's log.
func (t *tools) notifierOf(cfg *catalog.Config) *notify.Notifier {
	n := notify.New(cfg.Notify)
	if n != nil {
		n.Stderr = t.o.Log
	}
	return n
}
