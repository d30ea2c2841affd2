package testrun

import "hash/fnv"

// What the parsers share about the watched tests of a narrowed rerun.

// sameAsWatched returns the watched test t is, when the rerun names it
// more fully than the run before did (cargo -q names no binary, and the
// rerun drops -q): a test keeps one identity across attempts.
func sameAsWatched(t Test, watch []Test) Test {
	for _, w := range watch {
		if w.ID == t.ID && (w.Package == "" || w.Package == t.Package) && (w.File == "" || w.File == t.File) {
			return w
		}
	}
	return t
}

// seenAs says whether w is among tests, its package compared only when
// both say it.
func seenAs(w Test, tests []Test) bool {
	for _, t := range tests {
		if t.ID == w.ID && (w.Package == "" || t.Package == "" || t.Package == w.Package) && (w.File == "" || t.File == "" || t.File == w.File) {
			return true
		}
	}
	return false
}

// maxDistinct bounds the failed tests a parser tells apart past the
// MaxKept it names (by a hash of each, 8 bytes and the map's own): runners
// name a failed test more than once (its line, then a summary of the
// failures), and past this bound such a test counts twice.
const maxDistinct = 100 * MaxKept

// distinct tells the failed tests a parser has seen.
type distinct map[uint64]struct{}

// first says whether key is seen for the first time.
func (d distinct) first(key string) bool {
	h := fnv.New64a()
	h.Write([]byte(key))
	k := h.Sum64()
	if _, ok := d[k]; ok {
		return false
	}
	if len(d) < maxDistinct {
		d[k] = struct{}{}
	}
	return true
}
