// Command agentfloor is the floor for an agent hook written in Go: it reads
// its standard input to the end, as a hook reads the event the agent pipes
// in, and exits 0. bench/agent.sh times each `maestro agent hook` event
// against it, fed the same payload, so the ratio is what maestro adds on top
// of starting a Go program that reads the event.
package main

import (
	"io"
	"os"
)

func main() {
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		os.Exit(1)
	}
}
