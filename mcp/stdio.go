package mcp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sync"
)

// drain is the stdio connection as the server's SDK sees it. It hands the
// SDK only whole messages that are JSON: a line that is not, or is longer
// than MaxMessage, is answered with JSON-RPC's error for it and dropped,
// where the SDK would end the connection. And it counts the client's
// requests read and the responses written: at the end of the input it
// waits for the answers still owed before saying so, so that a client
// that sends its requests and closes stdin (a script, a shell pipeline)
// still gets every answer; the SDK would otherwise drop the calls under
// way.
type drain struct {
	in  io.ReadCloser
	br  *bufio.Reader
	out io.WriteCloser

	pending []byte // what is left of the line being handed out
	eof     error  // the input's end, or its error, once seen

	mu       sync.Mutex
	changed  *sync.Cond
	owed     int
	outLine  []byte
	finished bool

	writeMu sync.Mutex

	closeOnce sync.Once
	closeErr  error
}

func newDrain(in io.ReadCloser, out io.WriteCloser, done <-chan struct{}) *drain {
	d := &drain{in: in, br: bufio.NewReaderSize(in, 64<<10), out: out}
	d.changed = sync.NewCond(&d.mu)
	go func() {
		<-done
		d.finish()
	}()
	return d
}

func (d *drain) finish() {
	d.mu.Lock()
	d.finished = true
	d.changed.Broadcast()
	d.mu.Unlock()
}

// message is what tells a request from a response.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
}

// Read is called by the SDK's one reading goroutine.
func (d *drain) Read(p []byte) (int, error) {
	for len(d.pending) == 0 {
		if d.eof != nil {
			d.mu.Lock()
			for d.owed > 0 && !d.finished {
				d.changed.Wait()
			}
			d.mu.Unlock()
			return 0, d.eof
		}
		line, tooLong, err := d.readLine()
		if err != nil {
			d.eof = err
		}
		trimmed := bytes.TrimSpace(line)
		switch {
		case tooLong:
			d.respondError(-32600, "message longer than 4 MiB: dropped")
		case len(trimmed) == 0:
		case !json.Valid(trimmed):
			d.respondError(-32700, "parse error: the line is not JSON")
		case trimmed[0] != '{':
			// A batch, or a bare value: MCP's messages are single objects.
			d.respondError(-32600, "invalid request: a message is one JSON object")
		default:
			var m message
			// subscriptions/listen waits for the client to end it: no
			// answer is owed.
			if json.Unmarshal(trimmed, &m) == nil && len(m.ID) > 0 && m.Method != "" && m.Method != "subscriptions/listen" {
				d.mu.Lock()
				d.owed++
				d.mu.Unlock()
			}
			d.pending = append(trimmed, '\n')
		}
	}
	n := copy(p, d.pending)
	d.pending = d.pending[n:]
	return n, nil
}

// readLine reads one line, at most MaxMessage of it; the rest of a longer
// one is skipped.
func (d *drain) readLine() (line []byte, tooLong bool, err error) {
	for {
		chunk, err := d.br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > MaxMessage {
				line, tooLong = nil, true
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, tooLong, err
	}
}

// respondError answers a message the SDK never sees; its id is unknown.
func (d *drain) respondError(code int, msg string) {
	data, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": code, "message": msg}})
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	d.out.Write(append(data, '\n'))
}

func (d *drain) Write(p []byte) (int, error) {
	d.writeMu.Lock()
	n, err := d.out.Write(p)
	d.writeMu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	for rest := p[:n]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if len(d.outLine)+len(rest) <= 2*MaxMessage {
				d.outLine = append(d.outLine, rest...)
			}
			break
		}
		line := append(d.outLine, rest[:i]...)
		var m message
		if json.Unmarshal(line, &m) == nil && len(m.ID) > 0 && m.Method == "" && d.owed > 0 {
			d.owed--
			d.changed.Broadcast()
		}
		d.outLine = d.outLine[:0]
		rest = rest[i+1:]
	}
	return n, err
}

// Close closes both ends once: the SDK closes the connection as a reader
// and as a writer.
func (d *drain) Close() error {
	d.closeOnce.Do(func() {
		d.finish()
		d.closeErr = d.in.Close()
		if e := d.out.Close(); d.closeErr == nil {
			d.closeErr = e
		}
	})
	return d.closeErr
}
