package ids

import (
	"fmt"
	"sort"
	"strings"

	"github.com/maestro-recovery/maestro/internal/nearest"
)

// MinAbbrev is the shortest part of an id that stands for it, as git asks
// for four hex digits of a hash: shorter ones match by chance.
const MinAbbrev = 4

// AmbiguousError is a part of an id that more than one id has.
type AmbiguousError struct {
	Given      string
	Candidates []string // sorted
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%q is ambiguous: it could be %s", e.Given, strings.Join(e.Candidates, ", "))
}

// UnknownError is an id that matches none.
type UnknownError struct {
	Given   string
	Nearest []string // closest first, at most three; none when there are no ids
}

func (e *UnknownError) Error() string { return fmt.Sprintf("no id %q", e.Given) }

// Resolve finds the id that given stands for among ids: the id itself, or,
// when it is at least MinAbbrev long, the start of one id (with or without
// its kind, "q-"), or the start of one id's random suffix. given is only
// compared with ids, never used as a path or an argument, so anything may
// come in.
func Resolve(given string, ids []string) (string, error) {
	for _, id := range ids {
		if id == given {
			return id, nil
		}
	}
	var found []string
	if len(given) >= MinAbbrev {
		for _, id := range ids {
			if Abbreviates(given, id) {
				found = append(found, id)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", &UnknownError{Given: given, Nearest: Nearest(given, ids, 3)}
	}
	sort.Strings(found)
	return "", &AmbiguousError{Given: given, Candidates: found}
}

// Abbreviates reports whether s is the start of id, of id without its kind,
// or of id's random suffix.
func Abbreviates(s, id string) bool {
	return strings.HasPrefix(id, s) || strings.HasPrefix(withoutKind(id), s) || strings.HasPrefix(suffix(id), s)
}

// withoutKind is id without "q-", "cp-", ...: an id's kind is a few letters
// and a dash.
func withoutKind(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 && i <= 3 {
		return id[i+1:]
	}
	return id
}

// suffix is id's random part, after its last dash.
func suffix(id string) string { return id[strings.LastIndexByte(id, '-')+1:] }

// Nearest returns up to n ids closest to s by edit distance, compared with
// as much of each form of the id (whole, without its kind, its suffix) as
// s is long: a typo in the time or in the suffix both find their id.
func Nearest(s string, ids []string, n int) []string {
	type scored struct {
		id string
		d  int
	}
	all := make([]scored, 0, len(ids))
	if len(s) > 256 {
		s = s[:256] // a hostile argument costs no more than an id's length
	}
	for _, id := range ids {
		d := -1
		for _, form := range []string{id, withoutKind(id), suffix(id)} {
			if len(form) > len(s) {
				form = form[:len(s)]
			}
			if e := nearest.Distance(s, form); d < 0 || e < d {
				d = e
			}
		}
		all = append(all, scored{id, d})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].d != all[j].d {
			return all[i].d < all[j].d
		}
		return all[i].id > all[j].id // the newer of two as near
	})
	out := make([]string, 0, n)
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.id)
	}
	return out
}
