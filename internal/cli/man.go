package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/maestro-recovery/maestro/internal/lazy"
	ucli "github.com/urfave/cli/v2"
)

// The man pages are written from the command definitions that --help
// shows, so the two cannot drift. urfave/cli's ToMan makes one page of the
// whole app and needs go-md2man, left out of maestro's build to keep its
// start fast (install.sh: urfave_cli_no_docs); roff is simple enough to
// write directly.

func manCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "man",
		Usage:     "write the man pages, or print one",
		UsageText: "maestro man --dir DIR\nmaestro man [COMMAND]",
		Description: `With --dir, writes maestro.1, maestro-run.1, git-maestro.1 and a
maestro-COMMAND.1 for each command into DIR (install.sh puts them in
$PREFIX/share/man/man1, where 'man git-maestro' and therefore
'git maestro --help' find them). Without it, prints maestro's page, or
COMMAND's, as roff.`,
		Flags:        []ucli.Flag{&ucli.StringFlag{Name: "dir", Usage: "write every page into `DIR`"}},
		OnUsageError: commandUsageError("man"),
		Action:       writeMan,
	}
}

func writeMan(c *ucli.Context) error {
	pages := manPages(c.App)
	if dir := c.String("dir"); dir != "" {
		if c.Args().Present() {
			return usageError(ExitUsage, "man", fmt.Errorf("unexpected argument %q: --dir writes every page", c.Args().First()))
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return &Error{Code: ExitFailed, Err: err}
		}
		for _, p := range pages {
			path := filepath.Join(dir, p.name+".1")
			if err := writeFileAtomic(path, []byte(p.roff)); err != nil {
				return &Error{Code: ExitFailed, Err: err}
			}
			fmt.Println(path)
		}
		return nil
	}
	want := "maestro"
	switch c.NArg() {
	case 0:
	case 1:
		want = "maestro-" + c.Args().First()
		if c.Args().First() == "maestro-run" || c.Args().First() == "git-maestro" {
			want = c.Args().First()
		}
	default:
		return usageError(ExitUsage, "man", fmt.Errorf("unexpected argument %q", c.Args().Get(1)))
	}
	for _, p := range pages {
		if p.name == want {
			_, err := fmt.Print(p.roff)
			return err
		}
	}
	return usageError(ExitUsage, "man", fmt.Errorf("no man page for %q", c.Args().First()))
}

// writeFileAtomic writes the page under a temporary name and renames it,
// so that man never reads half a page.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".maestro-man-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	err = errors.Join(err, f.Chmod(0o644), f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

type manPage struct{ name, roff string }

// manPages are maestro.1, git-maestro.1 (the same, under git's name, for
// 'git maestro --help'), maestro-run.1 and maestro-COMMAND.1 for each
// visible command.
func manPages(app *ucli.App) []manPage {
	version, _ := version(false)
	var cmds []*ucli.Command
	for _, cmd := range app.VisibleCommands() {
		if cmd.Name != "help" {
			cmds = append(cmds, cmd)
		}
	}
	// maestro-run.1 is the page of maestro run, under both its names.
	see := []string{"maestro", "git-maestro"}
	for _, cmd := range cmds {
		see = append(see, "maestro-"+cmd.Name)
	}
	seeAlso := func(self string) string {
		var refs []string
		for _, s := range see {
			if s != self {
				refs = append(refs, fmt.Sprintf(".BR %s (1)", s))
			}
		}
		for i := range len(refs) - 1 {
			refs[i] += " ,"
		}
		return ".SH SEE ALSO\n" + strings.Join(refs, "\n") + "\n"
	}

	top := func(name string) manPage {
		var b strings.Builder
		header(&b, name, app.Usage, version)
		synopsis(&b, ".SH SYNOPSIS\n", app.UsageText)
		b.WriteString(".SH DESCRIPTION\n")
		paragraphs(&b, app.Description)
		b.WriteString(".SH COMMANDS\n")
		for _, cmd := range cmds {
			fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffText(cmd.Name), roffText(cmd.Usage))
			for _, sub := range cmd.VisibleCommands() {
				if sub.Name != "help" {
					fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffText(cmd.Name+" "+sub.Name), roffText(sub.Usage))
				}
			}
		}
		b.WriteString(".PP\nEach command has a page of its own: \\fBmaestro\\-\\fICOMMAND\\fR(1).\n")
		exitStatus(&b, otherExitCodes(), "maestro run has its own: see \\fBmaestro\\-run\\fR(1).")
		b.WriteString(seeAlso(name))
		return manPage{name, b.String()}
	}
	command := func(name string, cmd *ucli.Command) manPage {
		var b strings.Builder
		header(&b, name, cmd.Usage, version)
		synopsis(&b, ".SH SYNOPSIS\n", cmd.UsageText)
		if cmd.Description != "" {
			b.WriteString(".SH DESCRIPTION\n")
			paragraphs(&b, cmd.Description)
		}
		options(&b, ".SH OPTIONS\n", cmd.Flags)
		if subs := cmd.VisibleCommands(); len(subs) > 0 {
			b.WriteString(".SH COMMANDS\n")
			for _, sub := range subs {
				if sub.Name == "help" {
					continue
				}
				fmt.Fprintf(&b, ".SS %s\n", roffText(cmd.Name+" "+sub.Name))
				synopsis(&b, "", sub.UsageText)
				paragraphs(&b, sub.Usage)
				if sub.Description != "" {
					paragraphs(&b, sub.Description)
				}
				options(&b, "", sub.Flags)
			}
		}
		switch cmd.Name {
		case "run":
			exitStatus(&b, runExitCodes(), "")
		default:
			exitStatus(&b, otherExitCodes(), "")
		}
		b.WriteString(seeAlso(name))
		return manPage{name, b.String()}
	}

	pages := []manPage{top("maestro"), top("git-maestro")}
	for _, cmd := range cmds {
		pages = append(pages, command("maestro-"+cmd.Name, cmd))
	}
	return pages
}

func exitStatus(b *strings.Builder, codes []exitCode, after string) {
	b.WriteString(".SH EXIT STATUS\n")
	for _, c := range codes {
		fmt.Fprintf(b, ".TP\n.B %s\n%s\n", roffText(c.Code), roffLine(c.Meaning))
	}
	if after != "" {
		b.WriteString(".PP\n" + after + "\n")
	}
}

func header(b *strings.Builder, name, usage, version string) {
	fmt.Fprintf(b, ".TH %s 1 \"\" \"maestro %s\" \"maestro manual\"\n", roffText(strings.ToUpper(name)), roffText(version))
	// No hyphenation: it would cut flags and commands in two.
	fmt.Fprintf(b, ".nh\n.SH NAME\n%s \\- %s\n", roffText(name), roffText(usage))
}

func synopsis(b *strings.Builder, heading, usage string) {
	if usage == "" {
		return
	}
	b.WriteString(heading)
	b.WriteString(".nf\n")
	for _, l := range strings.Split(usage, "\n") {
		b.WriteString(roffLine(l) + "\n")
	}
	b.WriteString(".fi\n")
}

// paragraphs writes text as --help shows it: blank lines between
// paragraphs, indented lines (examples) kept as they are.
func paragraphs(b *strings.Builder, text string) {
	b.WriteString(".PP\n")
	verbatim := false
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		indented := strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")
		switch {
		case strings.TrimSpace(l) == "":
			if verbatim {
				b.WriteString(".fi\n")
				verbatim = false
			}
			b.WriteString(".PP\n")
			continue
		case indented && !verbatim:
			b.WriteString(".RS\n.nf\n")
			verbatim = true
		case !indented && verbatim:
			b.WriteString(".fi\n.RE\n")
			verbatim = false
		}
		b.WriteString(roffLine(l) + "\n")
	}
	if verbatim {
		b.WriteString(".fi\n.RE\n")
	}
}

// placeholder is compiled on first use, not at every start of maestro.
var placeholder = lazy.Regexp{Expr: "`([^`]*)`"}

func options(b *strings.Builder, heading string, flags []ucli.Flag) {
	docs := flagDocs(flags)
	if len(docs) == 0 {
		return
	}
	b.WriteString(heading)
	for _, d := range docs {
		var names []string
		for _, n := range d.Names {
			names = append(names, `\fB`+roffText(n)+`\fR`)
		}
		line := strings.Join(names, ", ")
		if d.Value != "" {
			line += ` \fI` + roffText(d.Value) + `\fR`
		}
		usage := d.Usage
		if d.Default != "" {
			usage += " (default: " + d.Default + ")"
		}
		fmt.Fprintf(b, ".TP\n%s\n%s\n", line, roffLine(usage))
	}
}

// flagDoc is what the man pages and the docs' flag tables say of a flag.
type flagDoc struct {
	Names   []string // dashed: --quiet, -q
	Value   string   // what a flag that takes one calls its value (DURATION, VALUE); "" for a switch
	Usage   string   // its usage line, without the backticks that mark the value
	Default string   // "" when there is none worth saying
}

// flagDocs describes the visible flags. A default comes from the flag, or,
// for those whose default is the configuration's, from the "(default X)"
// that ends their usage line for --help.
func flagDocs(flags []ucli.Flag) []flagDoc {
	var docs []flagDoc
	for _, f := range flags {
		if v, ok := f.(ucli.VisibleFlag); ok && !v.IsVisible() {
			continue
		}
		d, ok := f.(ucli.DocGenerationFlag)
		if !ok {
			continue
		}
		doc := flagDoc{Usage: d.GetUsage(), Default: d.GetDefaultText()}
		if d.TakesValue() {
			doc.Value = "VALUE"
			if m := placeholder.Get().FindStringSubmatch(doc.Usage); m != nil {
				doc.Value = m[1]
			}
		} else if doc.Default == "false" {
			doc.Default = "" // a switch is off unless given: saying so is noise
		}
		doc.Usage = placeholder.Get().ReplaceAllString(doc.Usage, "$1")
		if m := usageDefault.Get().FindStringSubmatchIndex(doc.Usage); m != nil && doc.Default == "" {
			doc.Default = doc.Usage[m[2]:m[3]]
			doc.Usage = doc.Usage[:m[0]]
		}
		if n := len(doc.Default); n > 1 && doc.Default[0] == '"' && doc.Default[n-1] == '"' {
			doc.Default = doc.Default[1 : n-1] // urfave/cli quotes a string's default
		}
		for _, n := range f.Names() {
			doc.Names = append(doc.Names, dashed(n))
		}
		docs = append(docs, doc)
	}
	return docs
}

// roffText escapes s for use inside a roff line: backslashes, and dashes,
// which roff would otherwise print as hyphens (and man -k would not find).
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	return strings.ReplaceAll(s, "-", `\-`)
}

// roffLine is roffText for a whole line, which roff would take for a
// request if it began with a dot or an apostrophe.
func roffLine(s string) string {
	s = roffText(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
