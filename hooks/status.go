package hooks

import (
	"os"
	"path/filepath"
)

// States of a hook's path.
const (
	Missing = "missing" // no file there
	Current = "current" // maestro's, of this version
	Older   = "older"   // maestro's, of an earlier version: install upgrades it
	Newer   = "newer"   // maestro's, of a later version than this maestro
	Foreign = "foreign" // someone else's, or not a file maestro could have written
)

// HookStatus is what is at one hook's path, as maestro doctor reports it.
type HookStatus struct {
	Name  string
	Path  string
	State string
	// Version and Program are those of maestro's hook: the program it runs
	// ("" for v1, which ran maestro from PATH).
	Version    int
	Program    string
	Executable bool // git runs only an executable hook
	// Chained is the hook kept beside maestro's, "" when there is none;
	// maestro's hook runs it only when it is executable.
	Chained           string
	ChainedExecutable bool
}

// Status reads, without changing anything, what is installed as each of
// maestro's hooks in dir.
func Status(dir string) []HookStatus {
	var out []HookStatus
	for _, name := range Names {
		st := HookStatus{Name: name, Path: filepath.Join(dir, name), State: Missing}
		if info, ok := stat(st.Path); ok {
			st.State, st.Executable = Foreign, executable(info)
			// Only a regular file is opened: a named pipe planted there
			// would hold the read for ever.
			if info.Mode().IsRegular() {
				st.Version, st.Program = InstalledVersion(st.Path)
			}
			switch {
			case st.Version == Version:
				st.State = Current
			case st.Version > Version:
				st.State = Newer
			case st.Version > 0:
				st.State = Older
			}
		}
		if info, ok := stat(st.Path + ChainedSuffix); ok {
			st.Chained, st.ChainedExecutable = st.Path+ChainedSuffix, executable(info)
		}
		out = append(out, st)
	}
	return out
}

// stat follows a link, as git does to run a hook; a link to nothing is
// there all the same.
func stat(path string) (os.FileInfo, bool) {
	info, err := os.Stat(path)
	if err == nil {
		return info, true
	}
	info, err = os.Lstat(path)
	return info, err == nil
}

func executable(info os.FileInfo) bool {
	return info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}
