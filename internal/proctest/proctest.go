// Package proctest helps tests check on real processes.
package proctest

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Alive reports whether process pid runs: it exists and is not a zombie
// waiting for a parent to collect it.
func Alive(pid int) bool {
	if runtime.GOOS == "linux" {
		return aliveProc(pid)
	}
	return alivePS(pid)
}

// aliveProc asks /proc, which only Linux has (in that form).
func aliveProc(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may
	// itself hold any character.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// alivePS asks ps, whose -o stat= -p means the same to procps, macOS and
// the BSDs: nothing for a process that does not exist, Z... for a zombie.
func alivePS(pid int) bool {
	out, err := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
	state := strings.TrimSpace(string(out))
	return err == nil && state != "" && state[0] != 'Z'
}

// Gone waits up to two seconds for process pid to stop running, for the
// kernel delivers a SIGKILL asynchronously; it reports whether it did.
func Gone(pid int) bool {
	for i := 0; i < 200; i++ {
		if !Alive(pid) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}
