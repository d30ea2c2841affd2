package agent

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/maestro-recovery/maestro/internal/gittest"
)

// The hook's own work on the events of every prompt and tool call, without
// the process start-up bench/agent.sh measures around it.
func BenchmarkHandle(b *testing.B) {
	dir := gittest.Init(b)
	def, err := os.ReadFile("../recovery.toml")
	if err != nil {
		b.Fatal(err)
	}
	for _, ev := range []string{"UserPromptSubmit", "PreToolUse", "PostToolUse"} {
		payload, err := os.ReadFile(filepath.Join("testdata/payloads/claude-code", ev+".json"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(ev, func(b *testing.B) {
			wd, _ := os.Getwd()
			os.Chdir(dir)
			defer os.Chdir(wd)
			for i := 0; i < b.N; i++ {
				if res := Handle(HookOptions{Agent: "claude-code", Event: ev, Payload: payload, Default: def}); res.Warning != "" {
					b.Fatal(res.Warning)
				}
			}
		})
	}
}
