// Command urfavefloor does nothing, like emptyfloor, but imports
// urfave/cli/v2, maestro's command-line library: Go initialises a linked
// package before main whether it is used or not, so the start-up benchmark
// shows what that initialisation alone costs any program built on it
// (bench/run.sh builds it with maestro's build tags).
package main

import _ "github.com/urfave/cli/v2"

func main() {}
