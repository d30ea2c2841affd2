package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/fork"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	ucli "github.com/urfave/cli/v2"
)

func (e *env) forkCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:      "fork",
			Usage:     "make linked worktrees at a checkpoint's exact state, to try alternatives apart",
			UsageText: "maestro fork [CHECKPOINT | --green [--command CMD]] [--name NAME] [--count N] [--session-id ID] [--json]\nmaestro fork --remove NAME... | --all [--force] [--json]",
			Description: `Each fork is a linked worktree (git worktree) in the forks folder, by default
../<repository>.maestro-forks/ ([checkpoints] forks_dir), with HEAD detached
at the checkpoint's commit and exactly its state: the index (staged and
unstaged changes apart, intent-to-add entries), tracked changes, deletions,
untracked files, modes and symbolic links. Without CHECKPOINT, the newest
checkpoint of the session made on the current branch, as rollback takes it;
--green, the newest green one. The main worktree, its index and its refs are
not touched. Forks are named f1, f2, ... unless --name NAME (with --count,
NAME-1 ... NAME-N); a fork named after one of the catalog's approaches
records the outcome of 'maestro race' against it.

--remove removes forks, their worktrees and records. A fork holding changes
of its own that were neither adopted (maestro adopt) nor recorded as a
checkpoint is refused, unless --force: maestro exits 1 and names it.`,
			Flags: []ucli.Flag{
				&ucli.BoolFlag{Name: "green", Usage: "fork the newest green checkpoint of the current branch, of any session"},
				&ucli.StringFlag{Name: "command", Usage: "with --green, the newest green checkpoint of `CMD`"},
				&ucli.StringFlag{Name: "name", Usage: "name the fork `NAME` (default: f1, f2, ...)"},
				&ucli.StringFlag{Name: "count", Aliases: []string{"n"}, Usage: "make `N` forks at once (default 1)"},
				sessionFlag(),
				&ucli.BoolFlag{Name: "remove", Usage: "remove the forks named"},
				&ucli.BoolFlag{Name: "all", Usage: "with --remove, every fork"},
				&ucli.BoolFlag{Name: "force", Usage: "with --remove, remove a fork even though it holds changes nobody adopted or recorded"},
				configFlag,
				jsonFlag,
			},
			OnUsageError: commandUsageError("fork"),
			Action:       e.fork,
		},
		{
			Name:      "forks",
			Usage:     "list the forks: path, checkpoint, changed files, last race result",
			UsageText: "maestro forks [--json]",
			Description: `CHANGED counts the files whose content, mode or staging differ from the
checkpoint the fork was made at ("gone" when its folder is); LAST RUN is the
result of the last 'maestro race' in it.`,
			Flags:        []ucli.Flag{jsonFlag},
			OnUsageError: commandUsageError("forks"),
			Action:       e.forks,
		},
	}
}

func (e *env) fork(c *ucli.Context) error {
	if c.Bool("remove") {
		return e.removeForks(c)
	}
	switch {
	case c.NArg() > 1:
		return usageError(ExitUsage, "fork", fmt.Errorf("unexpected argument %q: fork one checkpoint at a time", c.Args().Get(1)))
	case c.Bool("all") || c.Bool("force"):
		return usageError(ExitUsage, "fork", errors.New("--all and --force go with --remove"))
	case c.Bool("green") && c.NArg() > 0:
		return usageError(ExitUsage, "fork", errors.New("--green and a checkpoint id contradict each other"))
	case c.IsSet("command") && !c.Bool("green"):
		return usageError(ExitUsage, "fork", errors.New("--command goes with --green"))
	}
	count := 1
	if v := c.String("count"); v != "" {
		n, err := parseCount(v)
		if err != nil || n == 0 {
			return usageError(ExitUsage, "fork", fmt.Errorf("--count: %q is not a whole number of at least 1", v))
		}
		count = n
	}
	cfg, err := e.loadCatalog(c)
	if err != nil {
		return err
	}
	var approaches []string
	if types, err := cfg.Types(); err == nil {
		for _, t := range types {
			for _, a := range t.Approaches {
				approaches = append(approaches, a.Name)
			}
		}
	}
	s, err := openStore("fork")
	if err != nil {
		return err
	}
	session := sessionID(c)
	if err := checkSession("fork", session, s); err != nil && c.NArg() == 0 {
		return err
	}
	sd, err := stateDir()
	if err != nil {
		return err
	}
	dir, err := fork.ForksDir(s, cfg.Checkpoints.ForksDir)
	if err != nil {
		return storeError("fork", err)
	}
	made, err := fork.Create(s, fork.Options{StateDir: sd, Dir: dir, Name: c.String("name"), Count: count, Approaches: approaches,
		At: checkpoint.RollbackOptions{SessionID: session, CheckpointID: c.Args().First(), Green: c.Bool("green"), Command: c.String("command")}})
	if err != nil {
		var taken *fork.TakenError
		if errors.As(err, &taken) {
			return &Error{Code: ExitFailed, Err: err, Hint: taken.Hints()}
		}
		return storeError("fork", err)
	}
	if c.Bool("json") {
		return writeJSON(os.Stdout, made)
	}
	for _, f := range made.Forks {
		fmt.Printf("forked %s at %s: %s\n", f.Name, textsafe.Visible(f.CheckpointID), textsafe.Visible(f.Path))
	}
	return nil
}

func (e *env) removeForks(c *ucli.Context) error {
	names := c.Args().Slice()
	switch {
	case c.Bool("all") && len(names) > 0:
		return usageError(ExitUsage, "fork", errors.New("--all and fork names contradict each other"))
	case !c.Bool("all") && len(names) == 0:
		return usageError(ExitUsage, "fork", errors.New("--remove needs the forks' names, or --all ('maestro forks' lists them)"))
	case c.Bool("green") || c.IsSet("name") || c.IsSet("count") || c.IsSet("command"):
		return usageError(ExitUsage, "fork", errors.New("--remove takes fork names, --all and --force only"))
	}
	s, err := openStore("fork")
	if err != nil {
		return err
	}
	sd, err := stateDir()
	if err != nil {
		return err
	}
	res, err := fork.Remove(s, fork.RemoveOptions{StateDir: sd, Names: names, All: c.Bool("all"), Force: c.Bool("force")})
	if errors.Is(err, fork.ErrNoFork) {
		return &Error{Code: ExitFailed, Err: err, Hint: []string{"'maestro forks' lists them"}}
	}
	if err != nil {
		return storeError("fork", err)
	}
	var refused []fork.Removal
	for _, r := range res {
		if !r.Removed {
			refused = append(refused, r)
		}
	}
	if c.Bool("json") {
		if err := writeJSON(os.Stdout, struct {
			Forks []fork.Removal `json:"forks"`
		}{res}); err != nil {
			return err
		}
	} else {
		for _, r := range res {
			if r.Removed {
				fmt.Printf("removed %s\n", r.Name)
			}
		}
		if len(res) == 0 {
			fmt.Println("no forks")
		}
	}
	if len(refused) == 0 {
		return nil
	}
	for _, r := range refused[:len(refused)-1] {
		PrintError(os.Stderr, fmt.Errorf("fork %s not removed: %s", r.Name, r.Reason))
	}
	last := refused[len(refused)-1]
	hints := []string{"'maestro adopt NAME' brings a fork's changes into the main worktree; --force removes it anyway"}
	if len(last.Changed) > 0 {
		hints = append([]string{"changed: " + listSome(last.Changed, 5)}, hints...)
	}
	return &Error{Code: ExitFailed, Err: fmt.Errorf("fork %s not removed: %s", last.Name, last.Reason), Hint: hints}
}

// listSome names the first n of paths, and how many more there are.
func listSome(paths []string, n int) string {
	shown := make([]string, 0, n+1)
	for i, p := range paths {
		if i == n {
			shown = append(shown, fmt.Sprintf("and %d more", len(paths)-n))
			break
		}
		shown = append(shown, textsafe.Visible(p))
	}
	return strings.Join(shown, ", ")
}

// forkStatus is a fork as maestro forks shows it.
type forkStatus struct {
	fork.Fork
	// ChangedFiles counts the files that differ from the checkpoint, nil
	// when the fork's folder is gone or cannot be read (Problem says why).
	ChangedFiles *int   `json:"changed_files"`
	HeadMoved    bool   `json:"head_moved"`
	Problem      string `json:"problem,omitempty"`
}

func (e *env) forks(c *ucli.Context) error {
	if err := noArgs(c, "forks"); err != nil {
		return err
	}
	s, err := openStore("forks")
	if err != nil {
		return err
	}
	sd, err := stateDir()
	if err != nil {
		return err
	}
	list, err := fork.List(sd)
	if err != nil {
		return &Error{Code: ExitFailed, Err: err}
	}
	out := make([]forkStatus, len(list))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i := range list {
		out[i].Fork = list[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			st := &out[i]
			if st.Unreadable != "" {
				st.Problem = "its record is unreadable: " + st.Unreadable
				return
			}
			if !s.Repo().IsWorktree(st.Path) {
				st.Problem = "its folder is gone, or is not a worktree of this repository"
				return
			}
			base, err := s.StateAt(st.CommitSHA, st.BaseStateCommit)
			var ch *checkpoint.ForkChanges
			if err == nil {
				ch, err = s.ChangesIn(st.Path, base)
			}
			if err != nil {
				st.Problem = err.Error()
				return
			}
			n := len(ch.Paths)
			st.ChangedFiles, st.HeadMoved = &n, ch.HeadMoved
		}()
	}
	wg.Wait()
	if c.Bool("json") {
		return writeJSON(os.Stdout, struct {
			Forks []forkStatus `json:"forks"`
		}{out})
	}
	if len(out) == 0 {
		fmt.Println("no forks: 'maestro fork' makes one")
		return nil
	}
	printForks(os.Stdout, out)
	return nil
}

func printForks(w io.Writer, forks []forkStatus) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCHECKPOINT\tCHANGED\tLAST RUN\tPATH")
	for _, f := range forks {
		changed := "gone"
		switch {
		case f.ChangedFiles != nil:
			changed = fmt.Sprint(*f.ChangedFiles)
			if f.HeadMoved {
				changed += " + commits"
			}
		case f.Unreadable != "":
			changed = "unreadable"
		case f.Problem != "" && !strings.HasPrefix(f.Problem, "its folder"):
			changed = "?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, textsafe.Visible(f.CheckpointID), changed, lastRun(f.LastRun), textsafe.Visible(f.Path))
	}
	tw.Flush()
	for _, f := range forks {
		if f.Problem != "" {
			fmt.Fprintf(os.Stderr, "maestro: note: fork %s: %s\n", f.Name, textsafe.Visible(f.Problem))
		}
	}
}

// lastRun says how the last race went in a fork: its outcome, time and,
// for a failure, its type.
func lastRun(r *fork.Run) string {
	if r == nil {
		return "-"
	}
	s := textsafe.Visible(r.Outcome)
	if r.FailureType != "" {
		s += " (" + textsafe.Visible(r.FailureType) + ")"
	}
	return fmt.Sprintf("%s %.1fs", s, r.DurationSeconds)
}
