package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// companion finds one of maestro's companion binaries (maestro-mcp,
// maestro-ui: servers kept out of maestro so that every start of it, in
// each git hook and agent hook, stays small and fast): next to this
// maestro, else on PATH.
func companion(name string) (string, error) {
	if self, err := os.Executable(); err == nil {
		if p := filepath.Join(filepath.Dir(self), name); isExecutable(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is neither next to maestro nor on PATH", name)
	}
	return filepath.Abs(p)
}

func isExecutable(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0
}
