// Command maestro-mcp is maestro's Model Context Protocol server, which
// maestro mcp runs (see package mcp for why it is a binary of its own).
// install.sh installs it next to maestro.
package main

import (
	"os"

	"github.com/maestro-recovery/maestro/internal/builtin"
	"github.com/maestro-recovery/maestro/mcp"
)

func main() {
	os.Exit(mcp.Main(os.Args[1:], builtin.RecoveryTOML))
}
