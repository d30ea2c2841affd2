package wrapper

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Signals maestro passes on to the command and treats as an interruption.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// Signals catches the signals a run needs. Making the Go runtime catch a
// signal costs round trips to a signal thread it starts for the purpose
// (os/signal's Notify): about a third of a millisecond of maestro-run's
// start-up for the four here, on two cores, whatever work it overlaps
// with. So it happens in the background, in two steps: SIGINT (what a
// person or a test sends first) and SIGQUIT (which, left to Go, would
// dump maestro's goroutines) at once, then SIGTERM, SIGHUP and SIGWINCH.
// CatchSignals takes both steps at once and Run waits for them before the
// first command starts. CatchInterrupt leaves the second to Run, which on
// Linux takes it as the first command starts, when maestro mostly waits:
// until then a SIGTERM or SIGHUP ends maestro at once, by that signal, and
// Pdeathsig ends the command with it (the command itself: what it started
// meanwhile is left to its own group). Elsewhere, without Pdeathsig, Run
// waits for both steps before starting.
type Signals struct {
	c     chan os.Signal
	first chan struct{} // closed once the first step's signals are caught
	ready chan struct{} // closed once every signal is caught, or never will be
	// rest gets true to catch the others, false to catch no more.
	rest     chan bool
	restOnce sync.Once
	// late lets Run start its first command before the others are caught.
	late bool
}

// CatchSignals starts catching, in the background, SIGINT, SIGTERM, SIGHUP
// and SIGQUIT (to pass on), and SIGWINCH when stdout or stderr is a
// terminal (to pass resizes on). A signal the caller ignored (nohup, a
// background job) stays ignored, for maestro and the command alike: Notify
// would undo that. SIGPIPE is left alone: Run writes through descriptors
// other than 1 and 2, where a closed pipe is an EPIPE error, not death.
func CatchSignals() *Signals {
	s := catch(false)
	s.CatchAll()
	return s
}

// CatchInterrupt starts catching SIGINT and SIGQUIT, in the background, and
// leaves the other signals of CatchSignals to Run, which catches them as
// its first command starts (see Signals), or to CatchAll.
func CatchInterrupt() *Signals { return catch(true) }

func catch(late bool) *Signals {
	s := &Signals{c: make(chan os.Signal, 8), first: make(chan struct{}), ready: make(chan struct{}), rest: make(chan bool, 1), late: late}
	go func() {
		defer close(s.ready)
		var sigs []os.Signal
		for _, sig := range forwarded {
			if !signal.Ignored(sig) {
				sigs = append(sigs, sig)
			}
		}
		// The first step: the signals whose default ending would not be
		// maestro's (a SIGQUIT left to Go dumps its goroutines).
		var first, rest []os.Signal
		for _, sig := range sigs {
			if sig == syscall.SIGINT || sig == syscall.SIGQUIT {
				first = append(first, sig)
			} else {
				rest = append(rest, sig)
			}
		}
		if len(first) > 0 {
			signal.Notify(s.c, first...)
		}
		close(s.first)
		if !<-s.rest {
			return
		}
		if IsTerminal(os.Stdout) || IsTerminal(os.Stderr) {
			rest = append(rest, syscall.SIGWINCH)
		}
		if len(rest) > 0 {
			signal.Notify(s.c, rest...)
		}
	}()
	return s
}

// CatchAll catches the other signals now, in the background, and makes Run
// wait for them before its first command: for a run with more at stake
// than its command (a --report to write, a --checkpoint being made). A
// nil Signals is left nil: Run then catches them all itself.
func (s *Signals) CatchAll() {
	if s == nil {
		return
	}
	s.late = false
	s.more(true)
}

// more tells the background catching whether to go on with the other
// signals; only the first word counts.
func (s *Signals) more(yes bool) {
	if s.rest != nil {
		s.restOnce.Do(func() { s.rest <- yes })
	}
}

// SignalsFrom is Signals fed by the caller instead of the process's own
// signals: a server running commands for its clients (maestro mcp) stops
// one by sending on c, and its own signals stay its own.
func SignalsFrom(c chan os.Signal) *Signals {
	s := &Signals{c: c, first: make(chan struct{}), ready: make(chan struct{})}
	close(s.first)
	close(s.ready)
	return s
}

// wait returns once the signals are caught.
func (s *Signals) wait() { <-s.ready }

// Stop stops catching, in the background: a process about to exit need
// not wait for the runtime's round trips. A nil Signals is left nil.
func (s *Signals) Stop() {
	if s == nil {
		return
	}
	s.more(false)
	go func() {
		s.wait()
		signal.Stop(s.c)
	}()
}

// Pending returns a signal that interrupts (not SIGWINCH) caught and not yet
// taken, 0 when there is none, without waiting. A nil Signals has none.
func (s *Signals) Pending() syscall.Signal {
	if s == nil {
		return 0
	}
	for {
		select {
		case sig := <-s.c:
			if sig != syscall.SIGWINCH {
				return sig.(syscall.Signal)
			}
		default:
			return 0
		}
	}
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
