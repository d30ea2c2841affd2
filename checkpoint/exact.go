package checkpoint

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// exactBytes makes sn.workTree hold the working tree's exact bytes. git
// add stores a file as its clean form: end of lines normalised (text,
// eol, core.autocrlf), a clean filter applied, ident collapsed, an encoding
// converted; and a checkout writes it back through the smudge side, which
// need not give the same bytes. The files whose bytes differ from their
// clean form are stored as they are, and listed in sn.rawPaths, so that a
// move back writes those bytes itself. With no attributes and no
// core.autocrlf, as in most repositories, nothing converts anything and
// this costs one git process. inTree says the working tree or the index
// holds a .gitattributes file.
func (s *Store) exactBytes(sn *snapshot, inTree bool) error {
	autocrlf, attributes, err := s.repo.Conversion()
	if err != nil || !autocrlf && !attributes && !inTree {
		return err
	}
	entries, err := s.repo.Entries(sn.tmpIndex)
	if err != nil {
		return err
	}
	var files []git.Entry
	var paths []string
	for _, e := range entries {
		if e.Regular() {
			files = append(files, e)
			paths = append(paths, e.Path)
		}
	}
	if !autocrlf {
		conv, err := s.repo.Converted(sn.tmpIndex, paths)
		if err != nil {
			return err
		}
		files, paths = files[:0], paths[:0]
		for _, e := range entries {
			if e.Regular() && conv[e.Path] {
				files = append(files, e)
				paths = append(paths, e.Path)
			}
		}
	}
	ids, err := s.repo.HashFiles(paths)
	if err != nil {
		return err
	}
	var raw []git.Entry
	for i, e := range files {
		if ids[i] != e.SHA {
			raw = append(raw, git.Entry{Mode: e.Mode, SHA: ids[i], Path: e.Path})
			sn.rawPaths = append(sn.rawPaths, e.Path)
		}
	}
	if len(raw) == 0 {
		return nil
	}
	exact := sn.tmpIndex + "-exact"
	defer os.Remove(exact)
	if err := copyFile(sn.tmpIndex, exact); err != nil {
		return err
	}
	if err := s.repo.SetEntries(exact, raw); err != nil {
		return err
	}
	sn.workTree, err = s.repo.WriteTree(exact)
	return err
}

// rewriteSkipped checks out again the files git's switch left alone
// because their clean forms did not change, though their bytes must: a file
// kept as its exact bytes in the recorded state (CRLF line ends under
// text=auto, say) that the target has as git would check it out. The
// temporary index describes the target by now.
func (s *Store) rewriteSkipped(before *snapshot, to target, changes []git.Change) error {
	if len(before.rawPaths) == 0 {
		return nil
	}
	raw := map[string]bool{}
	for _, p := range before.rawPaths {
		raw[p] = true
	}
	for _, p := range to.RawPaths {
		delete(raw, string(p)) // writeRaw writes them
	}
	var paths []string
	for _, c := range changes {
		if raw[c.Path] && (c.Mode == "100644" || c.Mode == "100755") {
			// git checks out only a file whose stat data says it changed.
			if err := os.Remove(filepath.Join(s.repo.TopLevel, c.Path)); err != nil && !os.IsNotExist(err) {
				return err
			}
			paths = append(paths, c.Path)
		}
	}
	return s.repo.CheckoutIndex(before.tmpIndex, paths)
}

// stateNotes is what a snapshot's index commit says beyond its tree, one
// line per path, quoted (Go syntax, lossless for any bytes).
func stateNotes(raw, intentToAdd []string) string {
	if len(raw) == 0 && len(intentToAdd) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n")
	for _, p := range raw {
		b.WriteString("raw-path " + strconv.Quote(p) + "\n")
	}
	for _, p := range intentToAdd {
		b.WriteString("intent-to-add " + strconv.Quote(p) + "\n")
	}
	return b.String()
}

// parseNotes reads what stateNotes wrote.
func parseNotes(message string) (raw, intentToAdd []textsafe.Path) {
	for _, line := range strings.Split(message, "\n") {
		key, q, _ := strings.Cut(line, " ")
		p, err := strconv.Unquote(q)
		if err != nil || p == "" {
			continue
		}
		switch key {
		case "raw-path":
			raw = append(raw, textsafe.Path(p))
		case "intent-to-add":
			intentToAdd = append(intentToAdd, textsafe.Path(p))
		}
	}
	return raw, intentToAdd
}

// writeRaw writes, for the changes that have a file on their new side (or,
// with old, their old side) and are in raw, that side's blob exactly as it
// is, over what git's checkout wrote.
func (s *Store) writeRaw(changes []git.Change, raw []textsafe.Path, old bool) error {
	if len(raw) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, p := range raw {
		want[string(p)] = true
	}
	var paths, shas []string
	for _, c := range changes {
		mode, sha := c.Mode, c.SHA
		if old {
			mode, sha = c.OldMode, c.OldSHA
		}
		if want[c.Path] && (mode == "100644" || mode == "100755") {
			paths, shas = append(paths, c.Path), append(shas, sha)
		}
	}
	if len(paths) == 0 {
		return nil
	}
	objs, err := s.repo.Objects(shas)
	if err != nil {
		return err
	}
	for i, o := range objs {
		if o.Type != "blob" {
			return errors.New("object " + shas[i] + " is missing")
		}
		// The file is one git has just written: never follow a link there.
		f, err := os.OpenFile(filepath.Join(s.repo.TopLevel, paths[i]), os.O_WRONLY|os.O_TRUNC|syscall.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		_, err = f.Write(o.Content)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies src to dst, keeping src's modification time: git trusts
// an index entry's stat data only when the file was not modified in the
// same second the index was written (the "racily clean" check), and a copy
// with a fresh time would make every entry look safe.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(dst, info.ModTime(), info.ModTime())
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}
