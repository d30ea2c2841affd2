// Package kv is the results file the benchmark helpers share: one
// key=value line per figure, and goal=... lines, which measure summary
// prints as the table of goals. Each helper appends to it; nothing
// rewrites it.
package kv

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// File is what a results file holds.
type File struct {
	Values map[string]string
	Goals  []string // section|what|measured|target|met, in the order written
}

// Read reads the results file path; a missing one holds nothing yet.
func Read(path string) (*File, error) {
	kv := &File{Values: map[string]string{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return kv, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		switch {
		case !ok:
		case k == "goal":
			kv.Goals = append(kv.Goals, v)
		default:
			kv.Values[k] = v
		}
	}
	return kv, sc.Err()
}

// Float returns the figure key as a number.
func (kv *File) Float(key string) (float64, bool) {
	s, ok := kv.Values[key]
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// Append adds lines to the results file path; no path, no file.
func Append(path string, lines ...string) error {
	if path == "" || len(lines) == 0 {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, strings.Join(lines, "\n")+"\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Goal is one line of the summary: section, what, measured, target
// ("(check)" in it for a check rather than a goal) and whether it was met
// ("yes", "NO", or "-" for a figure without a goal).
func Goal(section, what, measured, target, met string) string {
	return "goal=" + strings.Join([]string{section, what, measured, target, met}, "|")
}

// YesNo is met or not, as the summary prints it.
func YesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}
