package textsafe

import "bytes"

// Plain returns a line of a command's output as a terminal shows it: what
// follows the last carriage return (a pty ends lines with \r\n, a progress
// bar redraws its line after \r), without escape sequences (colours, cursor
// moves, titles, links). The classifier's patterns and the test runners'
// parsers read what the user reads. line is not changed; the result
// shares its memory unless an escape sequence had to be cut out.
func Plain(line []byte) []byte {
	if i := bytes.LastIndexByte(line, '\r'); i >= 0 {
		if rest := bytes.TrimRight(line[i+1:], " "); len(rest) > 0 {
			line = line[i+1:]
		} else {
			// A line ending in \r (\r\n from a pty): what shows is the
			// part before, after any earlier \r.
			line = line[:i]
			if j := bytes.LastIndexByte(line, '\r'); j >= 0 {
				line = line[j+1:]
			}
		}
	}
	if bytes.IndexByte(line, 0x1b) < 0 {
		return line
	}
	out := make([]byte, 0, len(line))
	for i := 0; i < len(line); i++ {
		if line[i] != 0x1b {
			out = append(out, line[i])
			continue
		}
		if i+1 >= len(line) {
			break
		}
		j := i + 2
		switch line[i+1] {
		case '[': // CSI: parameters, then a final byte in @ to ~
			for j < len(line) && (line[j] < 0x40 || line[j] > 0x7e) {
				j++
			}
		case ']': // OSC: up to BEL or ESC \
			for j < len(line) && line[j] != 0x07 && !(line[j] == 0x1b && j+1 < len(line) && line[j+1] == '\\') {
				j++
			}
			if j < len(line) && line[j] == 0x1b {
				j++
			}
		default: // intermediate bytes (ESC ( B), then a final byte
			for j = i + 1; j < len(line) && line[j] >= 0x20 && line[j] <= 0x2f; j++ {
			}
		}
		i = j
	}
	return out
}
