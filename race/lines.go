package race

import (
	"bytes"
	"io"
	"sync"
)

// locked is a writer several forks share: each Write reaches it whole,
// so their lines never mix mid-line.
type locked struct {
	mu sync.Mutex
	w  io.Writer
}

func newLocked(w io.Writer) *locked {
	if w == nil {
		w = io.Discard
	}
	return &locked{w: w}
}

func (l *locked) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// lineWriter writes what it is given as whole lines, each with its prefix,
// in one Write: a line longer than max is cut into lines of max bytes, so
// memory stays bounded whatever the command writes.
type lineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix []byte
	max    int
	buf    []byte
	muted  bool
}

func (l *lineWriter) setWriter(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w = w
}

// mute drops every line from now on.
func (l *lineWriter) mute() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.muted = true
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		room := l.max - len(l.buf)
		i := bytes.IndexByte(p, '\n')
		if i < 0 || i > room {
			if len(p) < room {
				l.buf = append(l.buf, p...)
				return n, nil
			}
			l.buf = append(l.buf, p[:room]...)
			p = p[room:]
		} else {
			l.buf = append(l.buf, p[:i]...)
			p = p[i+1:]
		}
		if err := l.emit(); err != nil {
			return n - len(p), err
		}
	}
	return n, nil
}

// flush writes a last line that had no newline.
func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		_ = l.emit()
	}
}

func (l *lineWriter) emit() error {
	defer func() { l.buf = l.buf[:0] }()
	if l.muted || l.w == nil {
		return nil
	}
	line := make([]byte, 0, len(l.prefix)+len(l.buf)+1)
	line = append(append(append(line, l.prefix...), l.buf...), '\n')
	_, err := l.w.Write(line)
	return err
}
