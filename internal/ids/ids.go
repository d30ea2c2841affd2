// Package ids makes maestro's ids: checkpoints, events, questions,
// sessions. They sort by creation time and stay unique when many processes
// make them at once.
package ids

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// New returns prefix, the time to the nanosecond (UTC, fixed width, so ids
// sort as text), then 32 random bits.
func New(prefix string, now time.Time) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return prefix + now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}
