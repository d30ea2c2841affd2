package wrapper

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// drainLimit bounds how long output is still read once the command has
// exited: a background process it left behind may hold the pipe open
// forever, and maestro must not hang on it.
const drainLimit = 2 * time.Second

// pollGroup is how often a signalled process group is checked for
// stragglers while its grace period runs.
const pollGroup = 10 * time.Millisecond

// attemptResult is what one run of the command came to.
type attemptResult struct {
	started  time.Time
	duration time.Duration
	exitCode int
	signal   syscall.Signal // the signal that ended the command, 0 if none
	timedOut bool
	// startErr is set when the command could not be started; exitCode is
	// then 126, 127 or 125.
	startErr error
	// outputClosed: writing the command's output failed (the reader of
	// maestro's output went away), so another attempt is pointless.
	outputClosed bool
}

// stream is one output of the command: where maestro reads it, where it
// goes, and what is kept of it.
type stream struct {
	r    *os.File
	dest io.Writer
	keep *capture
}

// StartError is a command that could not be started. Code is 127 when it was
// not found, 126 when it cannot be executed, 125 otherwise.
type StartError struct {
	Name string
	Code int
	Err  error
}

func (e *StartError) Error() string {
	switch e.Code {
	case 127:
		return "run " + strconv.Quote(e.Name) + ": command not found"
	case 126:
		return "run " + strconv.Quote(e.Name) + ": cannot execute: " + errText(e.Err)
	}
	return "run " + strconv.Quote(e.Name) + ": " + errText(e.Err)
}

func (e *StartError) Unwrap() error { return e.Err }

// Hints say what to do about it.
func (e *StartError) Hints() []string {
	switch e.Code {
	case 127:
		return []string{"check the command's name and $PATH; maestro runs the command directly, without a shell (use sh -c '...' for shell syntax)"}
	case 126:
		return []string{"check that the file is a program or a script with a #! line, and that it has execute permission (chmod +x)"}
	}
	return nil
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	return err.Error()
}

func startError(name string, err error) *StartError {
	code := 125
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, syscall.ENOENT):
		// ENOENT from execve also means a missing #! interpreter: sh says 127 too.
		code = 127
	case errors.Is(err, exec.ErrDot), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM),
		errors.Is(err, syscall.ENOEXEC), errors.Is(err, syscall.EISDIR):
		code = 126
	}
	return &StartError{Name: name, Code: code, Err: err}
}

// runAttempt runs an attempt's commands one after the other: the user's
// command, or the commands that rerun only the failed tests (one per
// package for go). The attempt fails with the first command that fails, and
// the others still run, to learn which of their tests still fail; a start
// failure, a timeout, a signal or a closed output ends it at once.
func (r *runner) runAttempt(n int, cmds [][]string, deadline time.Time) attemptResult {
	for _, c := range []*capture{r.out, r.err} {
		c.reset()
	}
	var res attemptResult
	for i, args := range cmds {
		one := r.runCommand(n, args, deadline)
		switch {
		case i == 0:
			res = one
		case res.exitCode == 0 || one.startErr != nil || one.timedOut || one.signal != 0:
			started, closed := res.started, res.outputClosed
			res, res.started, res.outputClosed = one, started, closed || one.outputClosed
		default:
			res.outputClosed = res.outputClosed || one.outputClosed
		}
		res.duration = time.Since(res.started)
		if one.startErr != nil || one.timedOut || one.signal != 0 || one.outputClosed || r.interrupted != nil {
			break
		}
	}
	return res
}

// runCommand runs one command, streaming its output, until it exits, times
// out or maestro is interrupted. deadline is zero for no timeout.
func (r *runner) runCommand(n int, args []string, deadline time.Time) (res attemptResult) {
	res.started = time.Now()
	defer func() { res.duration = time.Since(res.started) }()

	cmd := exec.Command(args[0], args[1:]...)
	if cmd.Err != nil {
		res.startErr = startError(args[0], cmd.Err)
		res.exitCode = res.startErr.(*StartError).Code
		return res
	}
	cmd.Env = append(r.env, "MAESTRO_ATTEMPT="+strconv.Itoa(n))
	cmd.Stdin = r.opts.Stdin
	cmd.Dir = r.opts.Dir

	streams, childEnds, err := r.openOutputs(cmd)
	if err != nil {
		res.startErr = &StartError{Name: args[0], Code: 125, Err: err}
		res.exitCode = 125
		return res
	}
	cmd.SysProcAttr = sysProcAttr()
	if r.armAtStart {
		// Started now, the catching runs while the command is being
		// started, and is done about when it begins (Signals).
		r.signals.more(true)
		r.armAtStart = false
	}
	err = cmd.Start()
	// The child has its own copies now; holding ours would keep the pipes
	// open after it exits, and reading would never end.
	for _, f := range childEnds {
		f.Close()
	}
	if err != nil {
		for _, s := range streams {
			s.r.Close()
		}
		se := startError(args[0], err)
		res.startErr, res.exitCode = se, se.Code
		return res
	}
	pgid := cmd.Process.Pid

	// Each pump says when it is done; counted here rather than by a
	// WaitGroup and one more goroutine to close a channel.
	pumpDone := make(chan struct{}, len(streams))
	for _, s := range streams {
		s.keep.grow = func() {
			growPipe(s.r)
			if f, ok := s.dest.(*os.File); ok {
				growPipe(f)
			}
		}
		go func() {
			defer func() { pumpDone <- struct{}{} }()
			if s.keep.pump(s.r, s.dest) != nil && s.keep.werr != nil {
				// Nobody reads maestro's output any more: stop reading, so
				// the command meets the closed pipe as it would have without
				// maestro in between.
				s.r.Close()
			}
		}()
	}
	pumping := len(streams)

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	var kill <-chan time.Time // the end of the grace period after TERM or a signal
	signalled := false        // TERM or a forwarded signal was sent: stragglers must go too
	onSignal := func(sig os.Signal) {
		if sig == syscall.SIGWINCH {
			r.resize(streams, pgid)
			return
		}
		if r.interrupted != nil {
			// A second interrupt: the user does not want to wait for the grace period.
			killGroup(pgid, syscall.SIGKILL)
			return
		}
		r.interrupted = sig
		killGroup(pgid, sig.(syscall.Signal))
		signalled = true
		if kill == nil {
			kill = time.After(r.opts.Retry.KillAfter)
		}
	}

wait:
	for {
		select {
		case <-waited:
			break wait
		case <-timeout:
			res.timedOut = true
			timeout = nil
			killGroup(pgid, syscall.SIGTERM)
			signalled = true
			kill = time.After(r.opts.Retry.KillAfter)
		case <-kill:
			killGroup(pgid, syscall.SIGKILL)
			kill = nil
		case sig := <-r.signals.c:
			onSignal(sig)
		}
	}
	// The command has exited. After a timeout or a signal, what it started
	// gets the rest of the grace period, then is killed, so nothing of the
	// attempt outlives it.
	r.reapOrphans(pgid)
	if signalled && kill != nil {
		tick := time.NewTicker(pollGroup)
	reap:
		for groupAlive(pgid) {
			select {
			case <-tick.C:
				r.reapOrphans(pgid)
			case <-kill:
				killGroup(pgid, syscall.SIGKILL)
				break reap
			case sig := <-r.signals.c:
				onSignal(sig)
			}
		}
		tick.Stop()
	}
	if signalled && (r.opts.Reap || r.opts.ReapGroup) {
		// What KILL ended may still be dying: collected, the group is gone
		// for whoever looks (maestro race goes on after a fork's end).
		for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(pollGroup) {
			if r.reapOrphans(pgid); !groupAlive(pgid) {
				break
			}
		}
	}
	// What is left of the output is read for drainLimit at most, and no
	// longer once a signal interrupts maestro meanwhile.
	drainTimer := time.NewTimer(drainLimit)
	defer drainTimer.Stop()
	for pumping > 0 {
		select {
		case <-pumpDone:
			pumping--
			continue
		case sig := <-r.signals.c:
			if onSignal(sig); r.interrupted == nil {
				continue
			}
		case <-drainTimer.C:
		}
		for _, s := range streams {
			s.r.SetReadDeadline(time.Now())
		}
		for ; pumping > 0; pumping-- {
			<-pumpDone
		}
	}
	for _, s := range streams {
		s.r.Close()
		if s.keep.werr != nil {
			res.outputClosed = true
		}
		// A last line without its newline is still a line.
		s.keep.tap.flush()
	}

	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		res.signal = ws.Signal()
		res.exitCode = 128 + int(ws.Signal())
	default:
		res.exitCode = ws.ExitStatus()
	}
	if res.timedOut {
		res.exitCode = 124
	}
	return res
}

// openOutputs gives the command its stdout and stderr: the slave of a
// pseudo-terminal for each that is a terminal for maestro (so colours and
// progress bars survive), a pipe for the others. It returns the ends maestro
// reads and the ends the child gets (to close once it has them).
//
// The pseudo-terminal is not made the command's controlling terminal: maestro
// passes output through, not input, so a program asking for a password on
// /dev/tty would wait for ever on it. Without one, /dev/tty fails at once,
// as it does when maestro runs unattended.
func (r *runner) openOutputs(cmd *exec.Cmd) (streams []stream, childEnds []*os.File, err error) {
	fail := func(err error) ([]stream, []*os.File, error) {
		for _, s := range streams {
			s.r.Close()
		}
		for _, f := range childEnds {
			f.Close()
		}
		return nil, nil, err
	}
	if r.outTTY || r.errTTY {
		master, slave, err := OpenPTY()
		if err == nil {
			term := r.opts.Stdout
			if !r.outTTY {
				term = r.opts.Stderr
			}
			_ = copySize(term, master)
			// One terminal for both when both are terminals, as without maestro.
			dest := r.opts.Stdout
			if r.outTTY {
				cmd.Stdout = slave
			} else {
				dest = r.opts.Stderr
			}
			if r.errTTY {
				cmd.Stderr = slave
			}
			streams = append(streams, stream{r: master, dest: dest, keep: r.out})
			childEnds = append(childEnds, slave)
		}
		// Without a pseudo-terminal the command still runs, on pipes.
	}
	for _, o := range []struct {
		set  bool
		dst  *io.Writer
		dest *os.File
		keep *capture
	}{
		{cmd.Stdout != nil, &cmd.Stdout, r.opts.Stdout, r.out},
		{cmd.Stderr != nil, &cmd.Stderr, r.opts.Stderr, r.err},
	} {
		if o.set {
			continue
		}
		pr, pw, err := outputPipe()
		if err != nil {
			return fail(err)
		}
		*o.dst = pw
		streams = append(streams, stream{r: pr, dest: o.dest, keep: o.keep})
		childEnds = append(childEnds, pw)
	}
	return streams, childEnds, nil
}

// resize passes a change of maestro's terminal size on to the command's.
// The kernel signals only a terminal's own session, which the command's
// pseudo-terminal has none of, so maestro sends SIGWINCH itself.
func (r *runner) resize(streams []stream, pgid int) {
	if !r.outTTY && !r.errTTY {
		return
	}
	term := r.opts.Stdout
	if !r.outTTY {
		term = r.opts.Stderr
	}
	if copySize(term, streams[0].r) == nil {
		killGroup(pgid, syscall.SIGWINCH)
	}
}

// pendingInterrupt takes the signals already received, and reports whether
// one of them interrupts the run.
func (r *runner) pendingInterrupt() bool {
	for sig := r.signals.Pending(); sig != 0; sig = r.signals.Pending() {
		if r.interrupted == nil {
			r.interrupted = sig
		}
	}
	return r.interrupted != nil
}

func (r *runner) reapOrphans(pgid int) {
	switch {
	case r.opts.Reap:
		reapOrphans(-1)
	case r.opts.ReapGroup:
		reapOrphans(-pgid)
	}
}

// control runs fn on f's descriptor without f.Fd(), which would switch the
// descriptor to blocking mode and disable read deadlines.
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// dupFile returns a copy of f's descriptor, closed on exec, or nil.
func dupFile(f *os.File) *os.File {
	if f == nil {
		return nil
	}
	var fd int
	err := control(f, func(src int) (err error) {
		fd, err = unix.FcntlInt(uintptr(src), unix.F_DUPFD_CLOEXEC, 3)
		return err
	})
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(fd), f.Name())
}

func killGroup(pgid int, sig syscall.Signal) {
	_ = syscall.Kill(-pgid, sig)
}

// groupAlive reports whether any process of the group is left.
func groupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}
