// Package builtin holds the built-in recovery.toml for the programs that
// are not package main at the repository's root, which alone can embed the
// file where it lives: maestro-mcp. go generate copies it here;
// TestSameAsRecoveryTOML fails when the copy is stale.
package builtin

//go:generate go run gen.go
