package cli

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	ucli "github.com/urfave/cli/v2"
)

// Version is set at build time by install.sh (-ldflags -X); otherwise it
// comes from the module version go install recorded, or "devel".
var Version = ""

// version returns the version and, when withCommit is set, the commit.
// The build information is read only when one of them needs it: parsing
// it is most of what a plain 'maestro version' would otherwise do.
func version(withCommit bool) (v, commit string) {
	v = Version
	if v == "" || withCommit {
		if info, ok := debug.ReadBuildInfo(); ok {
			if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
				v = info.Main.Version
			}
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" {
					commit = s.Value
				}
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	return v, commit
}

func versionCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "version",
		Usage:     "print maestro's version",
		UsageText: "maestro version [--json]",
		Flags:     []ucli.Flag{&ucli.BoolFlag{Name: "json", Usage: "print one JSON document"}},
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return usageError(ExitUsage, "version", flagError(err))
		},
		Action: func(c *ucli.Context) error {
			asJSON := c.Bool("json")
			v, commit := version(asJSON)
			if asJSON {
				return writeJSON(os.Stdout, map[string]string{"version": v, "commit": commit, "go_version": runtime.Version()})
			}
			fmt.Printf("maestro %s (%s)\n", v, runtime.Version())
			return nil
		},
	}
}
