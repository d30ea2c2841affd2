// Command emptyfloor is the floor for starting any Go program: it does
// nothing. The start-up benchmark compares `maestro version` against it, so
// what is left is maestro's own size and initialisation, not the runtime's.
package main

func main() {}
