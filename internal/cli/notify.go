package cli

import (
	"os"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/notify"
)

// loadNotifier reads the configuration for its [notify] table, in a
// command that needs nothing else of it. A configuration that cannot be
// read costs the notification, with a warning, never the command.
func (e *env) loadNotifier(configFlag string) *notify.Notifier {
	cfg, err := catalog.Load(catalog.Options{ConfigFlag: configFlag, Default: e.defaultCatalog})
	if err != nil {
		printWarning(os.Stderr, "notify: no notification", err)
		return nil
	}
	return notify.New(cfg.Notify)
}
