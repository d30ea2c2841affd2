// Package nearest finds the name a user most likely meant: a configuration
// key, a command or a flag given with a typo.
package nearest

import "strings"

// Name returns the candidate closest to s, if it is close enough to be a
// likely typo, else "".
func Name(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		d := Distance(s, c)
		if len(s) >= 3 && (strings.HasPrefix(c, s) || strings.HasPrefix(s, c)) {
			d = 1 // "retry" for "retryable": a cut-short name
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
