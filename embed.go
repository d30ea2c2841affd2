package main

import _ "embed"

// recoveryTOML is the default configuration. It lives at the top of the
// repository, where users look for it; go:embed reaches it only from this
// package.
//
//go:embed recovery.toml
var recoveryTOML []byte

// The reference tables in README.md and docs/ (flags, commands, exit
// codes) are generated from the command definitions; TestDocReference
// fails when they are stale.
//
//go:generate go run ./internal/docgen
