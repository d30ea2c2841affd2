package wrapper

import (
	"bytes"
	"io"
)

// Sizes of what is kept of each output stream of an attempt. The head holds
// the first errors a compiler prints; the tail the summary a test runner
// prints last. Memory stays flat whatever the command writes.
const (
	headSize = 64 << 10
	// The ring is read into directly, so it is also the read buffer: large
	// enough for few system calls, while only its last tailSize bytes are
	// searched by the classifier.
	ringSize = 1 << 20
	tailSize = 64 << 10
	// The ring starts small and grows to ringSize only for a command that
	// writes that much: a large allocation costs a command that prints
	// nothing a measurable part of maestro's start-up.
	firstRing = 16 << 10
)

// capture streams one output of the command to its destination and keeps a
// bounded head and tail of it.
type capture struct {
	head  []byte
	ring  []byte
	pos   int   // next write position in ring
	total int64 // bytes seen
	// werr is the first error writing to the destination; once it happens
	// the stream is no longer read, so the command meets a closed pipe.
	werr error
	// grow, when set, is called once the stream passes growAfter bytes.
	grow func()
	// tap, when set, gets the stream's lines: a test runner's output is
	// read as it passes, for the failed tests.
	tap *lineTap
}

// growAfter is the output past which a stream counts as heavy: its pipes
// are then enlarged, for with 64 KiB pipes a fast writer, maestro and the
// reader after it wake each other for every few kilobytes. Small outputs
// leave the pipes as they are.
const growAfter = 1 << 20

func newCapture() *capture {
	return &capture{ring: make([]byte, firstRing)}
}

func (c *capture) reset() {
	c.head = c.head[:0]
	c.pos = 0
	c.total = 0
	c.werr = nil
	c.tap.reset()
}

// pump copies r to w until r ends or fails, keeping head and tail. Reading
// straight into the ring makes keeping the tail cost no copy.
func (c *capture) pump(r io.Reader, w io.Writer) error {
	for {
		if c.pos == len(c.ring) {
			if len(c.ring) < ringSize {
				// Nothing has wrapped yet, so the ring holds all output so far.
				c.ring = append(c.ring, make([]byte, min(len(c.ring), ringSize-len(c.ring)))...)
			} else {
				c.pos = 0
			}
		}
		n, err := r.Read(c.ring[c.pos:])
		if n > 0 {
			chunk := c.ring[c.pos : c.pos+n]
			if room := headSize - len(c.head); room > 0 {
				c.head = append(c.head, chunk[:min(n, room)]...)
			}
			c.pos += n
			if c.total < growAfter && c.total+int64(n) >= growAfter && c.grow != nil {
				c.grow()
			}
			c.total += int64(n)
			if c.tap != nil {
				c.tap.write(chunk)
			}
			if _, werr := w.Write(chunk); werr != nil {
				c.werr = werr
				return werr
			}
		}
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// tail returns the last tailSize bytes seen, oldest first.
func (c *capture) tail() []byte {
	n := min(int64(tailSize), c.total)
	out := make([]byte, 0, n)
	if int64(c.pos) >= n {
		return append(out, c.ring[c.pos-int(n):c.pos]...)
	}
	// The tail wraps around the end of the ring.
	older := int(n) - c.pos
	out = append(out, c.ring[len(c.ring)-older:]...)
	return append(out, c.ring[:c.pos]...)
}

// blocks returns what was kept as whole lines: everything when it all fit,
// else the head and the tail, each cut at a line boundary so no pattern sees
// half a line.
func (c *capture) blocks() [][]byte {
	if c.total <= headSize {
		return [][]byte{c.head}
	}
	tail := c.tail()
	if c.total <= int64(headSize+len(tail)) {
		// head and tail meet or overlap: rebuild the whole from the tail's end.
		whole := append(append([]byte(nil), c.head...), tail[int64(headSize+len(tail))-c.total:]...)
		return [][]byte{whole}
	}
	head := c.head
	if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
		head = head[:i+1]
	}
	if i := bytes.IndexByte(tail, '\n'); i >= 0 {
		tail = tail[i+1:]
	}
	return [][]byte{head, tail}
}

// Keep reads r to the end, keeping what maestro run keeps of a command's
// output, and returns it as Classify wants it: memory stays flat whatever r
// holds.
func Keep(r io.Reader) ([][]byte, error) {
	c := newCapture()
	err := c.pump(r, io.Discard)
	return c.blocks(), err
}
