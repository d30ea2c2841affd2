// Command maestro-ui is maestro's local web page, which maestro ui runs
// (see package ui for why it is a binary of its own). install.sh installs
// it next to maestro.
package main

import (
	"os"

	"github.com/maestro-recovery/maestro/internal/builtin"
	"github.com/maestro-recovery/maestro/ui"
)

func main() {
	os.Exit(ui.Main(os.Args[1:], builtin.RecoveryTOML))
}
