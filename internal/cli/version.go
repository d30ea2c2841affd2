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

func version() (v, commit string) {
	v = Version
	info, ok := debug.ReadBuildInfo()
	if ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
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
			v, commit := version()
			if c.Bool("json") {
				return writeJSON(os.Stdout, map[string]string{"version": v, "commit": commit, "go_version": runtime.Version()})
			}
			fmt.Printf("maestro %s (%s)\n", v, runtime.Version())
			return nil
		},
	}
}
