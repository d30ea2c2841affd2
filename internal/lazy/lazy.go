// Package lazy holds values computed on first use.
//
// Every maestro command, git hook and agent hook starts the same binary,
// and Go initialises every linked package before main: a package-level map
// literal, compiled regular expression or sync.OnceValue runs code and
// allocates at each start, whether the command needs it or not. A Value or
// Regexp declared as a composite literal is laid out by the compiler
// instead, so it costs nothing until its first Get:
//
//	var version = lazy.Regexp{Expr: `^v(\d+)`}
//	var known = lazy.Value[map[string]bool]{New: func() map[string]bool {
//		return map[string]bool{"a": true}
//	}}
//
// sync.OnceValue would not do: it is a function call, made at start-up, and
// its closures are allocated then.
package lazy

import (
	"regexp"
	"sync"
)

// Value is the result of New, called on the first Get. It must not be
// copied after first use. Like sync.OnceValue, a New that panics makes
// every Get panic with the same value.
type Value[T any] struct {
	New func() T

	once     sync.Once
	ok       bool
	panicked any
	v        T
}

// Get returns New's result, calling it on the first Get only. It is safe
// for concurrent use.
func (l *Value[T]) Get() T { return l.get(l.New) }

func (l *Value[T]) get(f func() T) T {
	l.once.Do(func() {
		defer func() {
			if !l.ok {
				l.panicked = recover()
				panic(l.panicked)
			}
		}()
		l.v = f()
		l.ok = true
	})
	if !l.ok {
		panic(l.panicked)
	}
	return l.v
}

// Regexp is Expr, compiled by regexp.MustCompile on the first Get: a bad
// expression panics there, not at start-up. It must not be copied after
// first use.
type Regexp struct {
	Expr string

	re Value[*regexp.Regexp]
}

// Get returns the compiled expression. It is safe for concurrent use.
func (r *Regexp) Get() *regexp.Regexp {
	return r.re.get(func() *regexp.Regexp { return regexp.MustCompile(r.Expr) })
}
