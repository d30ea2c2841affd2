package ui

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// Main is the maestro-ui program, which maestro ui runs in its place. It
// prints the URL alone on stdout, for a script to read, and serves until
// SIGINT or SIGTERM: an interrupt is how it is meant to end, so it exits
// 0 then, as maestro mcp does when its client leaves. defaults is the
// built-in recovery.toml.
func Main(args []string, defaults []byte) int {
	fs := flag.NewFlagSet("maestro ui", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:0", "")
	open := fs.Bool("open", false, "")
	noToken := fs.Bool("no-token", false, "")
	config := fs.String("config", "", "")
	usage := func(err error) int {
		fmt.Fprintf(os.Stderr, "maestro: error: ui: %v\nmaestro: hint: see 'maestro ui --help'\n", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		return usage(err)
	}
	if fs.NArg() > 0 {
		return usage(fmt.Errorf("unexpected argument %q", textsafe.Visible(fs.Arg(0))))
	}
	srv, err := New(Options{Addr: *addr, NoToken: *noToken, ConfigFlag: *config, Defaults: defaults})
	var bad *AddrError
	switch {
	case errors.As(err, &bad):
		return usage(err)
	case errors.Is(err, git.ErrNotRepo):
		fmt.Fprintf(os.Stderr, "maestro: error: ui: %v\nmaestro: hint: run maestro ui inside a git working tree: it serves that repository's sessions\n", err)
		return 1
	case err != nil:
		fmt.Fprintf(os.Stderr, "maestro: error: ui: %v\n", err)
		return 1
	}
	if srv.NonLoopback() {
		fmt.Fprintf(os.Stderr, "maestro: warning: serving on %s, beyond this machine: anyone who has the URL (its token) can roll back your work; the traffic is not encrypted\n", *addr)
	}
	fmt.Fprintf(os.Stderr, "maestro: serving %s at %s\n", textsafe.Visible(srv.Repo()), srv.URL())
	fmt.Println(srv.URL())
	if *open {
		openBrowser(srv.URL())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := srv.Serve(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintf(os.Stderr, "maestro: error: ui: %v\n", err)
		return 1
	}
	fmt.Fprintln(os.Stderr, "maestro: stopped serving")
	return 0
}

// openBrowser asks the desktop to open url; without one, says so and
// serves anyway.
func openBrowser(url string) {
	opener := "xdg-open"
	if runtime.GOOS == "darwin" {
		opener = "open"
	}
	cmd := exec.Command(opener, url)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "maestro: note: could not open a browser (%s: %v): open the URL yourself\n", opener, err)
		return
	}
	go cmd.Wait()
}
