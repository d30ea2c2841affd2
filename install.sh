#!/bin/sh
# install.sh: build maestro with this machine's Go and install it as maestro,
# maestro-run and git-maestro (two symbolic links to maestro) into
# ${PREFIX:-$HOME/.local}/bin, with its shell completions and man pages under
# $PREFIX/share. Run it again to update: it is idempotent.
#
# POSIX sh and POSIX utilities only: it runs under dash, macOS's bash 3.2
# and BSD userland (CI checks it with shellcheck -s sh and runs it under
# dash). No arrays, no local, no GNU-only flags.
set -eu

cd "$(dirname "$0")"
prefix=${PREFIX:-$HOME/.local}
bindir=$prefix/bin
say() { printf 'install.sh: %s\n' "$*"; }

if ! command -v go >/dev/null 2>&1; then
  say "error: go is not on PATH" >&2
  say "hint: install Go 1.26 or later (https://go.dev/dl/) and run install.sh again" >&2
  exit 1
fi

version=$(git describe --tags --always --dirty 2>/dev/null || echo devel)
mkdir -p "$bindir"

# Build next to the target and rename over it, so a maestro that is running
# meanwhile keeps its binary and nobody ever runs half a file.
tmp=
trap 'rm -f "${tmp:-}"' EXIT
# dash runs the EXIT trap on exit only, not when a signal ends it.
trap 'exit 1' HUP INT TERM
# urfave_cli_no_docs leaves out urfave/cli's man-page and Markdown
# generators, which maestro does not use and which cost every start of
# maestro-run about half a millisecond. CGO_ENABLED=0 keeps the binaries
# static: no dynamic loader at each start.
# Symbols and debugging information are kept (no -s -w): they are not
# loaded, so they cost no start-up time (measured side by side), and a
# debugger (delve, gdb) or perf can then name maestro's functions,
# variables and lines. Go's own tracebacks and pprof need neither.
build() { # OUT PACKAGE
  CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs \
    -ldflags "-X github.com/maestro-recovery/maestro/internal/cli.Version=$version" \
    -o "$1" "$2"
}
# install NAME PACKAGE: build next to the target and rename over it.
install_bin() {
  tmp=$(mktemp "$bindir/.$1.XXXXXX")
  build "$tmp" "$2"
  if [ -f "$bindir/$1" ] && cmp -s "$tmp" "$bindir/$1"; then
    rm -f "$tmp"
    say "$bindir/$1 is already maestro $version"
  else
    mv -f "$tmp" "$bindir/$1"
    say "installed $bindir/$1 ($version)"
  fi
  tmp=
}
# maestro-mcp is the MCP server that 'maestro mcp' runs, maestro-ui the web
# page's server that 'maestro ui' runs: binaries of their own, so that
# maestro does not carry the MCP SDK or net/http into every start.
install_bin maestro .
install_bin maestro-mcp ./cmd/maestro-mcp
install_bin maestro-ui ./cmd/maestro-ui

for name in maestro-run git-maestro; do
  link=$bindir/$name
  if [ -L "$link" ] && [ "$(readlink "$link")" = maestro ]; then
    say "$link -> maestro (already there)"
  else
    ln -sfn maestro "$link"
    say "linked $link -> maestro"
  fi
done

# Completion scripts and man pages come from the binary just installed, so
# they match it. Each file is found by the name of the command completed
# (bash-completion and fish load lazily by name; zsh's and bash's git
# completions look for _git-maestro and git-maestro).
share=$prefix/share
bashdir=$share/bash-completion/completions
zshdir=$share/zsh/site-functions
fishdir=$share/fish/vendor_completions.d
mandir=$share/man/man1
mkdir -p "$bashdir" "$zshdir" "$fishdir" "$mandir"
"$bindir/maestro" completion bash >"$bashdir/maestro"
"$bindir/maestro" completion zsh >"$zshdir/_maestro"
"$bindir/maestro" completion fish >"$fishdir/maestro.fish"
ln -sfn maestro "$bashdir/maestro-run"
ln -sfn maestro "$bashdir/git-maestro"
ln -sfn _maestro "$zshdir/_git-maestro"
ln -sfn maestro.fish "$fishdir/maestro-run.fish"
ln -sfn maestro.fish "$fishdir/git-maestro.fish"
"$bindir/maestro" man --dir "$mandir" >/dev/null
say "completions for bash, zsh and fish in $bashdir, $zshdir, $fishdir"
say "man pages in $mandir"

# Warn when a shell or man does not look there by default.
reads() { # reads DIR LIST: DIR is in LIST, a list of folders split by ':'
  case ":$2:" in *":$1:"* | *":$1/:"*) return 0 ;; esac
  return 1
}
bash_dirs=${BASH_COMPLETION_USER_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion}/completions
set -f
old_ifs=$IFS
IFS=:
for d in ${XDG_DATA_DIRS:-/usr/local/share:/usr/share}; do
  bash_dirs=$bash_dirs:$d/bash-completion/completions
done
IFS=$old_ifs
set +f
if ! reads "$bashdir" "$bash_dirs"; then
  say "warning: bash-completion does not read $bashdir" >&2
  say "hint: in ~/.bashrc: source $bashdir/maestro" >&2
fi
if command -v zsh >/dev/null 2>&1 && ! reads "$zshdir" "$(zsh -fc 'print -r -- ${(j.:.)fpath}')"; then
  say "warning: zsh does not read $zshdir" >&2
  say "hint: in ~/.zshrc, before compinit: fpath=($zshdir \$fpath)" >&2
fi
# shellcheck disable=SC2016 # fish expands $fish_complete_path
if command -v fish >/dev/null 2>&1 && ! reads "$fishdir" "$(fish -c 'string join : $fish_complete_path' 2>/dev/null)"; then
  say "warning: fish does not read $fishdir" >&2
  say "hint: ln -s $fishdir/*.fish ~/.config/fish/completions/" >&2
fi
if command -v manpath >/dev/null 2>&1 && ! reads "$share/man" "$(PATH=$bindir:$PATH manpath 2>/dev/null)"; then
  say "warning: man does not read $share/man" >&2
  say "hint: export MANPATH=\"$share/man:\" (the final colon keeps the other pages)" >&2
fi
# Homebrew's bash-completion (the one for macOS's bash 3.2, and
# bash-completion@2 too) reads etc/bash_completion.d under Homebrew's
# prefix, and Homebrew's zsh share/zsh/site-functions: say how to use them.
# One bash file completes all three names; zsh needs _git-maestro too,
# which git's completion looks for.
if command -v brew >/dev/null 2>&1 && brew=$(brew --prefix 2>/dev/null) && [ -n "$brew" ]; then
  say "hint: for Homebrew's bash completion: ln -sf $bashdir/maestro $brew/etc/bash_completion.d/maestro" >&2
  say "hint: for Homebrew's zsh: ln -sf $zshdir/_maestro $zshdir/_git-maestro $brew/share/zsh/site-functions/" >&2
fi

case ":$PATH:" in
  *":$bindir:"*) ;;
  *)
    say "warning: $bindir is not on your PATH" >&2
    say "hint: add it, e.g. in ~/.profile: export PATH=\"$bindir:\$PATH\"" >&2
    ;;
esac
