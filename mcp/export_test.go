package mcp

import "time"

// SetProgressEvery makes progress notifications come every d, for a test.
func SetProgressEvery(d time.Duration) (restore func()) {
	old := progressEvery
	progressEvery = d
	return func() { progressEvery = old }
}
