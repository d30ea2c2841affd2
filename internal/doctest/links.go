package doctest

import (
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Link is a link target written in a page, outside code.
type Link struct {
	Line   int
	Target string
}

var (
	inlineLink = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	refDef     = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$`)
	codeSpan   = regexp.MustCompile("`+[^`]*`+")
	heading    = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	htmlAnchor = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
	linkText   = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	htmlTag    = regexp.MustCompile(`<[^>]+>`)
)

// Links returns the links of a page: inline ones and reference
// definitions, leaving out code blocks and code spans, where brackets are
// code, not links.
func Links(src []byte) []Link {
	var links []Link
	for n, line := range proseLines(src) {
		if line == "" {
			continue
		}
		if m := refDef.FindStringSubmatch(line); m != nil {
			links = append(links, Link{n + 1, m[1]})
			continue
		}
		line = codeSpan.ReplaceAllString(line, "")
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			links = append(links, Link{n + 1, m[1]})
		}
	}
	return links
}

// Anchors returns the fragment names a page's headings get on GitHub, and
// any explicit <a name> or id.
func Anchors(src []byte) map[string]bool {
	anchors := map[string]bool{}
	for _, line := range proseLines(src) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			anchors[m[1]] = true
		}
	}
	for _, a := range headingAnchors(src) {
		if a != "" {
			anchors[a] = true
		}
	}
	return anchors
}

// headingAnchors gives, for each line of a page, the anchor of the heading
// on it ("" for other lines). GitHub numbers repeated headings: x, x-1, x-2.
func headingAnchors(src []byte) []string {
	prose := proseLines(src)
	out := make([]string, len(prose))
	seen := map[string]int{}
	for i, line := range prose {
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		slug := Slug(m[2])
		out[i] = slug
		if n := seen[slug]; n > 0 {
			out[i] = slug + "-" + strconv.Itoa(n)
		}
		seen[slug]++
	}
	return out
}

// Slug is GitHub's anchor for a heading: the text as shown (links and
// code marks taken off), lowercased, spaces to hyphens, and punctuation
// other than hyphens and underscores dropped.
func Slug(text string) string {
	text = linkText.ReplaceAllString(text, "$1")
	text = htmlTag.ReplaceAllString(text, "")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// proseLines returns the page's lines with those inside fenced code blocks
// blanked, keeping line numbers.
func proseLines(src []byte) []string {
	ls := lines(src)
	fence := ""
	for i, l := range ls {
		if fence == "" {
			if f, _, _, ok := openingFence(l); ok {
				fence = f
				ls[i] = ""
			}
			continue
		}
		if closingFence(l, fence) {
			fence = ""
		}
		ls[i] = ""
	}
	return ls
}

// FlagTableLinks maps each command whose flag table a page holds
// (<!-- maestro:flags CMD -->) to that page and the heading the table is
// under, as a link from the page named from: the index links each command
// to where it is explained. pages maps paths to contents.
func FlagTableLinks(pages map[string][]byte, from string) map[string]string {
	links := map[string]string{}
	paths := make([]string, 0, len(pages))
	for p := range pages {
		paths = append(paths, p)
	}
	sort.Strings(paths) // a command with two tables links to the same one each time
	for _, path := range paths {
		src := pages[path]
		anchor := "" // of the heading the table is under
		headings := headingAnchors(src)
		for i, line := range proseLines(src) {
			if headings[i] != "" {
				anchor = headings[i]
				continue
			}
			m := flagsMarker.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if _, ok := links[m[1]]; ok {
				continue
			}
			rel, err := filepath.Rel(filepath.Dir(from), path)
			if err != nil {
				continue
			}
			link := filepath.ToSlash(rel)
			if anchor != "" {
				link += "#" + anchor
			}
			links[m[1]] = link
		}
	}
	return links
}

var flagsMarker = regexp.MustCompile(`^<!-- maestro:flags ([a-z -]+?) -->$`)
