package main

import _ "embed"

// recoveryTOML is the default configuration. It lives at the top of the
// repository, where users look for it; go:embed reaches it only from this
// package.
//
//go:embed recovery.toml
var recoveryTOML []byte
