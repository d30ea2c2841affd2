package ui

import (
	"bytes"
	"errors"
	"strings"
)

// Bounds of a diff shown on a page: past them the page stops and says
// which command shows the rest. git is stopped then too (its pipe is
// closed), so a diff of any size costs at most this much to read.
const (
	maxDiffBytes = 1 << 20
	maxDiffFiles = 300
	maxDiffLine  = 2 << 10 // a longer line is cut
)

// diffFile is a file of a diff as the page shows it.
type diffFile struct {
	Name   string // from the diff --git line, as git quotes it
	Header []string
	Lines  []diffLine
	Binary bool
}

type diffLine struct {
	Class string // add, del, hunk or ""
	Text  string
}

// diffView is the diff of a checkpoint against the working tree.
type diffView struct {
	Files     []*diffFile
	Truncated bool
}

// errDiffFull stops git's output once the page has enough.
var errDiffFull = errors.New("diff truncated")

// diffReader parses git diff's output as it streams, keeping at most the
// bounds above.
type diffReader struct {
	view    diffView
	read    int
	partial []byte // the line being read, at most maxDiffLine
	cut     bool   // the line being read was too long
}

func (d *diffReader) Write(p []byte) (int, error) {
	if d.view.Truncated {
		return 0, errDiffFull
	}
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxDiffLine - len(d.partial); len(chunk) > room {
			d.partial, d.cut = append(d.partial, chunk[:room]...), true
		} else {
			d.partial = append(d.partial, chunk...)
		}
		if i < 0 {
			break
		}
		p = p[i+1:]
		d.line(d.partial, d.cut)
		d.partial, d.cut = d.partial[:0], false
		if d.view.Truncated {
			return n - len(p), errDiffFull
		}
	}
	d.read += n
	if d.read > maxDiffBytes {
		d.view.Truncated = true
		return n, errDiffFull
	}
	return n, nil
}

// finish takes a last line without its newline.
func (d *diffReader) finish() *diffView {
	if len(d.partial) > 0 && !d.view.Truncated {
		d.line(d.partial, d.cut)
	}
	return &d.view
}

func (d *diffReader) line(b []byte, cut bool) {
	s := string(b)
	if cut {
		s += "…"
	}
	if name, ok := strings.CutPrefix(s, "diff --git "); ok {
		if len(d.view.Files) == maxDiffFiles {
			d.view.Truncated = true
			return
		}
		d.view.Files = append(d.view.Files, &diffFile{Name: name})
		return
	}
	if len(d.view.Files) == 0 {
		return // nothing git writes comes before the first file
	}
	f := d.view.Files[len(d.view.Files)-1]
	switch {
	case len(f.Lines) == 0 && !strings.HasPrefix(s, "@@"):
		// The header: index, modes, ---/+++, or git's word that the file
		// is binary, never its bytes.
		if strings.HasPrefix(s, "Binary files ") || strings.HasPrefix(s, "GIT binary patch") {
			f.Binary = true
			return
		}
		f.Header = append(f.Header, s)
	case f.Binary:
	case strings.HasPrefix(s, "@@"):
		f.Lines = append(f.Lines, diffLine{"hunk", s})
	case strings.HasPrefix(s, "+"):
		f.Lines = append(f.Lines, diffLine{"add", s})
	case strings.HasPrefix(s, "-"):
		f.Lines = append(f.Lines, diffLine{"del", s})
	default:
		f.Lines = append(f.Lines, diffLine{"", s})
	}
	// A file forced to a text diff (a .gitattributes saying so) may hold
	// NUL bytes: it is binary to the page, whatever git was told.
	if strings.IndexByte(s, 0) >= 0 {
		f.Binary, f.Lines = true, nil
	}
}
