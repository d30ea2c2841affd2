// Command static declares lazy values the way maestro's packages do, for
// TestStaticLayout: run with GODEBUG=inittrace=1, its package main must do
// no work at start-up.
package main

import (
	"fmt"

	"github.com/maestro-recovery/maestro/internal/lazy"
)

var (
	word  = lazy.Regexp{Expr: `^[a-z]+$`}
	known = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"a": true, "b": true}
	}}
	nested = lazy.Value[map[string]map[string]string]{New: func() map[string]map[string]string {
		return map[string]map[string]string{"x": {"y": "z"}}
	}}
)

func main() {
	fmt.Println(word.Get().MatchString("abc"), known.Get()["a"], nested.Get()["x"]["y"])
}
