package wrapper

import (
	"os"
	"os/signal"
	"syscall"
)

// Signals maestro passes on to the command and treats as an interruption.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// Signals catches the signals a run needs. Making the Go runtime catch a
// signal costs a round trip to its signal thread per signal, about a third
// of a millisecond for the six here: CatchSignals starts that in the
// background, so the caller can overlap it with parsing its flags and
// configuration, and Run waits for it only before starting the command.
type Signals struct {
	c     chan os.Signal
	ready chan struct{}
}

// CatchSignals starts catching, in the background, SIGINT, SIGTERM, SIGHUP
// and SIGQUIT (to pass on), and SIGWINCH when stdout or stderr is a
// terminal (to pass resizes on). A signal the caller ignored (nohup, a
// background job) stays ignored, for maestro and the command alike: Notify
// would undo that. SIGPIPE is left alone: Run writes through descriptors
// other than 1 and 2, where a closed pipe is an EPIPE error, not death.
func CatchSignals() *Signals {
	s := &Signals{c: make(chan os.Signal, 8), ready: make(chan struct{})}
	go func() {
		defer close(s.ready)
		var sigs []os.Signal
		for _, sig := range forwarded {
			if !signal.Ignored(sig) {
				sigs = append(sigs, sig)
			}
		}
		if IsTerminal(os.Stdout) || IsTerminal(os.Stderr) {
			sigs = append(sigs, syscall.SIGWINCH)
		}
		signal.Notify(s.c, sigs...)
	}()
	return s
}

// SignalsFrom is Signals fed by the caller instead of the process's own
// signals: a server running commands for its clients (maestro mcp) stops
// one by sending on c, and its own signals stay its own.
func SignalsFrom(c chan os.Signal) *Signals {
	s := &Signals{c: c, ready: make(chan struct{})}
	close(s.ready)
	return s
}

// wait returns once the signals are caught.
func (s *Signals) wait() { <-s.ready }

// stop stops catching, in the background: a process about to exit need not
// wait for the runtime's round trips.
func (s *Signals) stop() {
	go func() {
		s.wait()
		signal.Stop(s.c)
	}()
}

// Guard runs fn, the work maestro does before the command runs (reading
// the configuration, making a checkpoint), and returns 0 once it is done,
// or, as soon as a signal that interrupts comes first, that signal: fn is
// then left to finish in the background, or to end with maestro, which
// stops at once. Such work must be safe to abandon: what it writes, it
// writes atomically. A nil Signals runs fn and returns 0.
func (s *Signals) Guard(fn func()) syscall.Signal {
	if s == nil {
		fn()
		return 0
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	for {
		select {
		case <-done:
			return 0
		case sig := <-s.c:
			if sig == syscall.SIGWINCH {
				// The command's terminal gets maestro's size when it starts.
				continue
			}
			return sig.(syscall.Signal)
		}
	}
}
