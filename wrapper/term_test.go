package wrapper

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openTestPTY opens a pseudo-terminal pair as maestro gives one to the
// command, closed at the end of the test.
func openTestPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, slave, err := OpenPTY()
	if _, serr := os.Stat("/dev/ptmx"); err != nil && serr != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	return master, slave
}

// What TIOCPTYGNAME leaves in macOS's 128-byte buffer is a C string.
func TestCString(t *testing.T) {
	t.Parallel()
	name := make([]byte, 128)
	copy(name, "/dev/ttys003")
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{name, "/dev/ttys003"},
		{[]byte("/dev/ttys003\x00\x00junk"), "/dev/ttys003"},
		{[]byte("no nul"), "no nul"},
		{make([]byte, 128), ""},
		{nil, ""},
	} {
		if got := cString(c.in); got != c.want {
			t.Errorf("cString(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// IsTerminal asks the termios call of the system (TCGETS or TIOCGETA):
// false for a pipe, a file and /dev/null (a character device, yet no
// terminal), true for both ends of a pseudo-terminal.
func TestIsTerminal(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "file"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for _, f := range []*os.File{r, w, file, null} {
		if IsTerminal(f) {
			t.Errorf("IsTerminal(%s) = true", f.Name())
		}
	}
	master, slave := openTestPTY(t)
	for _, f := range []*os.File{master, slave} {
		if !IsTerminal(f) {
			t.Errorf("IsTerminal(%s) = false", f.Name())
		}
	}
}

// The master is served by Go's poller, so that a read deadline stops a
// read when a grandchild keeps the terminal open; the slave stays
// blocking, as the command expects its output to be; output passes.
func TestOpenPTY(t *testing.T) {
	t.Parallel()
	master, slave := openTestPTY(t)
	if err := master.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if _, err := master.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read of a silent terminal: %v, want a passed deadline", err)
	}
	if err := master.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := slave.SetReadDeadline(time.Now()); !errors.Is(err, os.ErrNoDeadline) {
		t.Errorf("the slave takes deadlines (%v): it is non-blocking", err)
	}
	if _, err := slave.Write([]byte("hi\n")); err != nil {
		t.Fatal(err)
	}
	// A terminal may hand the line over in pieces ("hi", then "\r\n").
	n, err := io.ReadFull(master, buf[:4])
	if err != nil || string(buf[:n]) != "hi\r\n" {
		t.Errorf("read %q, %v; want %q", buf[:n], err, "hi\r\n")
	}
}

// What Go's poller refuses (here a regular file, which epoll refuses) is
// closed, not handed over blocking: the command then gets pipes. Not
// parallel: another test could be given the closed descriptor's number.
func TestPollableRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := pollable(fd, path); err == nil {
		f.Close()
		t.Skip("this system polls regular files")
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); !errors.Is(err, unix.EBADF) {
		unix.Close(fd)
		t.Errorf("the refused descriptor is still open (fcntl: %v)", err)
	}
}

// The window size passes from maestro's terminal to the command's, as on a
// SIGWINCH, and termWidth reads it.
func TestCopySize(t *testing.T) {
	t.Parallel()
	user, _ := openTestPTY(t)
	master, slave := openTestPTY(t)
	err := control(user, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 33, Col: 101})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := copySize(user, master); err != nil {
		t.Fatal(err)
	}
	if got := termWidth(slave); got != 101 {
		t.Errorf("width %d, want 101", got)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if got := termWidth(w); got != 0 {
		t.Errorf("width of a pipe %d, want 0", got)
	}
	if err := copySize(w, master); err == nil {
		t.Error("copySize from a pipe did not fail")
	}
}
