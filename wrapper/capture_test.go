package wrapper

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// chunky hands out its data in reads of random sizes, as a pipe does.
type chunky struct {
	data []byte
	rnd  *rand.Rand
}

func (c *chunky) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rnd.IntN(200<<10))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestCaptureKeepsHeadAndTail(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 100, headSize - 1, headSize, headSize + 1, headSize + tailSize - 7, headSize + tailSize + 13, firstRing*3 + 5, ringSize - 1, ringSize, ringSize + 1, 3*ringSize + 12345} {
		var data bytes.Buffer
		for i := 0; data.Len() < size; i++ {
			fmt.Fprintf(&data, "line %d of output\n", i)
		}
		want := data.Bytes()[:size]
		var out bytes.Buffer
		c := newCapture()
		// Reused across attempts: a second pump must not see the first's data.
		c.pump(&chunky{data: []byte("previous attempt\n"), rnd: rnd}, io.Discard)
		c.reset()
		if err := c.pump(&chunky{data: want, rnd: rnd}, &out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("size %d: output differs from input", size)
		}
		if c.total != int64(size) {
			t.Errorf("size %d: total %d", size, c.total)
		}
		if !bytes.Equal(c.head, want[:min(size, headSize)]) {
			t.Errorf("size %d: head differs", size)
		}
		if tail := c.tail(); !bytes.Equal(tail, want[size-min(size, tailSize):]) {
			t.Errorf("size %d: tail differs (%d bytes)", size, len(tail))
		}
		blocks := c.blocks()
		if size <= headSize+tailSize {
			if len(blocks) != 1 || !bytes.Equal(blocks[0], want) {
				t.Errorf("size %d: a short output is kept whole", size)
			}
			continue
		}
		head, tail := blocks[0], blocks[1]
		if !bytes.HasPrefix(want, head) || !bytes.HasSuffix(want, tail) {
			t.Errorf("size %d: blocks are not the ends of the output", size)
		}
		if len(head) > 0 && head[len(head)-1] != '\n' {
			t.Errorf("size %d: head ends in the middle of a line", size)
		}
		if i := len(want) - len(tail); i > 0 && want[i-1] != '\n' {
			t.Errorf("size %d: tail starts in the middle of a line", size)
		}
	}
}

// A capture's memory is bounded whatever the command writes.
func TestCaptureMemoryIsBounded(t *testing.T) {
	t.Parallel()
	c := newCapture()
	c.pump(io.LimitReader(zeros{}, 64<<20), io.Discard)
	if len(c.ring) != ringSize || cap(c.head) > 2*headSize {
		t.Errorf("ring %d bytes, head capacity %d", len(c.ring), cap(c.head))
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
