package notify

import "sync/atomic"

// OwnWarning gives n a warning of its own, as if it were alone in its
// process: tests run side by side.
func OwnWarning(n *Notifier) { n.warned = new(atomic.Bool) }

var OneLine = oneLine
