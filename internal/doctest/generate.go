package doctest

import (
	"fmt"
	"regexp"
	"strings"
)

// Generated tables sit between a start marker and <!-- maestro:end -->,
// each on a line of its own, outside code blocks: a marker shown inside a
// code block (docs/development.md shows one) is an example, not a table.
var (
	markerStart = regexp.MustCompile(`^<!-- maestro:([a-z-]+)((?: [a-z-]+)*) -->$`)
	markerEnd   = "<!-- maestro:end -->"
)

// Regenerate returns page with the content of every generated table
// replaced by what table gives for the marker's kind and words. A marker
// without its end, or a table that table cannot make, is an error naming
// the line.
func Regenerate(page []byte, table func(kind string, args []string) (string, error)) ([]byte, error) {
	// The page is written back as it was outside the tables: its own line
	// endings included.
	if len(page) == 0 {
		return page, nil
	}
	ls := strings.Split(strings.TrimSuffix(string(page), "\n"), "\n")
	prose := proseLines(page)
	for len(prose) < len(ls) {
		prose = append(prose, "") // a page of blank lines has no prose lines
	}
	for i := range prose {
		prose[i] = strings.TrimSuffix(prose[i], "\r")
	}
	var out strings.Builder
	for i := 0; i < len(ls); i++ {
		out.WriteString(ls[i] + "\n")
		m := markerStart.FindStringSubmatch(prose[i])
		if m == nil {
			continue
		}
		end := -1
		for j := i + 1; j < len(ls); j++ {
			if prose[j] == markerEnd {
				end = j
				break
			}
			if markerStart.MatchString(prose[j]) {
				return nil, fmt.Errorf("line %d: a generated table starts inside this one, before its %q", i+1, markerEnd)
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("line %d: no %q line closes this generated table", i+1, markerEnd)
		}
		body, err := table(m[1], strings.Fields(m[2]))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		out.WriteString(body)
		out.WriteString(markerEnd + "\n")
		i = end
	}
	if len(page) > 0 && page[len(page)-1] != '\n' {
		return []byte(strings.TrimSuffix(out.String(), "\n")), nil
	}
	return []byte(out.String()), nil
}

// FlagTables lists the commands whose flag table a page holds.
func FlagTables(page []byte) []string {
	var cmds []string
	for _, l := range proseLines(page) {
		if m := flagsMarker.FindStringSubmatch(l); m != nil {
			cmds = append(cmds, m[1])
		}
	}
	return cmds
}
