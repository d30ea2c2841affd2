package cli

import (
	"fmt"
	"os"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/doctor"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) doctorCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "doctor",
		Usage:     "check that maestro can work here, and say how to fix what is wrong",
		UsageText: "maestro doctor [--config FILE] [--json]",
		Description: `Checks, changing nothing: maestro, maestro-run and git-maestro on PATH (one
binary), git's version, where git looks for hooks (core.hooksPath), each of
maestro's hooks (installed, of this version, executable, the hook it kept
still running), that every checkpoint under refs/maestro/ has its record,
the state directories (folders maestro can write, no symbolic link), the
configuration (valid, the repository's file trusted) and the temporary files
a stopped maestro left. Outside a repository, what applies there.

Each check is ok, a warning or a problem, with the command that fixes it.
Exit 0 when no problem is found (warnings allowed), 1 otherwise.`,
		Flags:        []ucli.Flag{configFlag, jsonFlag},
		OnUsageError: commandUsageError("doctor"),
		Action:       e.doctor,
	}
}

func (e *env) doctor(c *ucli.Context) error {
	if err := noArgs(c, "doctor"); err != nil {
		return err
	}
	o := doctor.Options{Config: catalog.Options{ConfigFlag: c.String("config"), Default: e.defaultCatalog}}
	if exe, err := os.Executable(); err == nil {
		o.Executable = exe
	}
	if p, err := hookProgram(); err == nil {
		o.Program = p
	}
	checks := doctor.Run(o)
	problems, warnings := 0, 0
	for _, ch := range checks {
		switch ch.Status {
		case doctor.Problem:
			problems++
		case doctor.Warning:
			warnings++
		}
	}
	if c.Bool("json") {
		if err := writeJSON(os.Stdout, checks); err != nil {
			return err
		}
	} else {
		width := 0
		for _, ch := range checks {
			width = max(width, len(ch.Name))
		}
		for _, ch := range checks {
			fmt.Printf("%-7s  %-*s  %s\n", ch.Status, width, ch.Name, ch.Detail)
			if ch.Fix != "" && ch.Status != doctor.OK {
				fmt.Printf("%-7s  %-*s  fix: %s\n", "", width, "", ch.Fix)
			}
		}
		switch {
		case problems > 0:
			fmt.Printf("%d problem%s, %d warning%s: run the fix lines above\n", problems, plural(problems), warnings, plural(warnings))
		case warnings > 0:
			fmt.Printf("no problem, %d warning%s\n", warnings, plural(warnings))
		default:
			fmt.Println("no problem found")
		}
	}
	if problems > 0 {
		return &Status{Code: ExitFailed}
	}
	return nil
}
