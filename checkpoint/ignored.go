package checkpoint

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// IgnoredFolder is a folder that holds nothing but ignored files (a
// .pytest_cache, a build output): a dry run names it once, with how many
// files it holds, rather than every one of them.
type IgnoredFolder struct {
	Path  string `json:"path"` // ends with '/'
	Files int    `json:"files"`
}

// groupIgnored finds in git's list of ignored files and folders the
// topmost folders that hold no file git sees (kept: the paths of the
// working tree that are not ignored).
func (s *Store) groupIgnored(ignored, kept []string) (folders []IgnoredFolder) {
	mixed := map[string]bool{}
	for _, p := range kept {
		for i := strings.IndexByte(p, '/'); i >= 0; i = nextSlash(p, i) {
			mixed[p[:i+1]] = true
		}
	}
	at := map[string]bool{}
	for _, p := range ignored {
		folder := ""
		for i := strings.IndexByte(p, '/'); i >= 0; i = nextSlash(p, i) {
			if d := p[:i+1]; !mixed[d] {
				folder = d
				break
			}
		}
		if folder == "" {
			continue
		}
		if _, ok := at[folder]; ok {
			continue
		}
		// git lists such a folder and, when it holds a .gitignore, what
		// is in it too: its files are counted once, from the folder.
		at[folder] = true
		folders = append(folders, IgnoredFolder{Path: folder, Files: countFiles(filepath.Join(s.repo.TopLevel, folder))})
	}
	return folders
}

func nextSlash(p string, i int) int {
	j := strings.IndexByte(p[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// countFiles counts what a folder holds that is not a folder, without
// following links.
func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
