// Command maestro makes long automated coding sessions recoverable. One
// binary answers to three names: maestro, maestro-run (= maestro run) and
// git-maestro (= maestro, for git's subcommand lookup).
package main

import (
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/maestro-recovery/maestro/internal/cli"
)

func main() {
	args := os.Args[1:]
	if filepath.Base(os.Args[0]) == "maestro-run" {
		args = append([]string{"run"}, args...)
	}
	if len(args) > 0 && args[0] == "hook" {
		// git's hooks, on every commit: without building the command line.
		os.Exit(cli.Hook(args[1:], recoveryTOML))
	}
	if len(args) > 1 && args[0] == "agent" && args[1] == "hook" {
		// Coding agents' hooks, on every tool call: the same.
		os.Exit(cli.AgentHook(args[2:], recoveryTOML))
	}
	os.Exit(exitCode(cli.Run(args, recoveryTOML)))
}

// exitCode maps what the command returned to maestro's exit code, printing
// the error first unless it is only a status.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var status *cli.Status
	if errors.As(err, &status) {
		if status.Signal != 0 && status.Signal != syscall.SIGQUIT {
			// End as the signal would have ended us, so a calling shell or
			// loop sees that it was interrupted, not only the code 128+N.
			signal.Reset(status.Signal)
			_ = syscall.Kill(os.Getpid(), status.Signal)
			// The signal is handled on another thread; give it the moment
			// it needs before falling back to the plain exit code.
			time.Sleep(time.Second)
		}
		return status.Code
	}
	cli.PrintError(os.Stderr, err)
	var coded *cli.Error
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return cli.ExitFailed
}
