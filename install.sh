#!/usr/bin/env bash
# install.sh: build maestro with this machine's Go and install it as maestro,
# maestro-run and git-maestro (two symbolic links to maestro) into
# ${PREFIX:-$HOME/.local}/bin. Run it again to update: it is idempotent.
set -euo pipefail

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
tmp=$(mktemp "$bindir/.maestro.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# urfave_cli_no_docs leaves out urfave/cli's man-page and Markdown
# generators, which maestro does not use and which cost every start of
# maestro-run about half a millisecond.
go build -trimpath -tags urfave_cli_no_docs \
  -ldflags "-s -w -X github.com/maestro-recovery/maestro/internal/cli.Version=$version" \
  -o "$tmp" .
if [ -f "$bindir/maestro" ] && cmp -s "$tmp" "$bindir/maestro"; then
  say "$bindir/maestro is already maestro $version"
else
  mv -f "$tmp" "$bindir/maestro"
  say "installed $bindir/maestro ($version)"
fi

for name in maestro-run git-maestro; do
  link=$bindir/$name
  if [ -L "$link" ] && [ "$(readlink "$link")" = maestro ]; then
    say "$link -> maestro (already there)"
  else
    ln -sfn maestro "$link"
    say "linked $link -> maestro"
  fi
done

case ":$PATH:" in
  *":$bindir:"*) ;;
  *)
    say "warning: $bindir is not on your PATH" >&2
    say "hint: add it, e.g. in ~/.profile: export PATH=\"$bindir:\$PATH\"" >&2
    ;;
esac
