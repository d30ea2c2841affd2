package proctest

import (
	"os/exec"
	"testing"
	"time"
)

// Linux asks /proc, the other systems ps: both answer alike for a running
// process, a zombie and a process that is no more.
func TestAlive(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	defer cmd.Process.Kill()
	if !aliveProc(pid) || !alivePS(pid) {
		t.Fatalf("running: aliveProc %v, alivePS %v", aliveProc(pid), alivePS(pid))
	}
	// Killed and not yet waited for, it is a zombie.
	cmd.Process.Kill()
	for deadline := time.Now().Add(5 * time.Second); aliveProc(pid); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the killed process still runs")
		}
	}
	if alivePS(pid) {
		t.Error("alivePS takes a zombie for a live process")
	}
	cmd.Wait()
	if aliveProc(pid) || alivePS(pid) || Alive(pid) {
		t.Errorf("gone: aliveProc %v, alivePS %v", aliveProc(pid), alivePS(pid))
	}
}
