# bench/baseline.sh, sourced by bench/run.sh and bench/checkpoints.sh:
# build_baseline builds revision $BENCH_BASELINE of the repository at $root
# the way users get maestro (the revision's own install.sh on its own
# sources, exported with git archive, so the repository is left as it is)
# into $work/base-prefix, and prints the binary's path. It needs the
# scripts' say and die.
build_baseline() {
  local rev
  rev=$(git -C "$root" rev-parse --verify --end-of-options "${BENCH_BASELINE}^{commit}") ||
    die "BENCH_BASELINE=$BENCH_BASELINE is not a commit of $root"
  mkdir -p "$work/base-src"
  git -C "$root" archive "$rev" | tar -x -C "$work/base-src"
  PREFIX=$work/base-prefix "$work/base-src/install.sh" 2>&1 |
    sed -e '/is not on your PATH/d' -e '/hint: add it/d' -e 's/^/  baseline: /' >&2
  [ -x "$work/base-prefix/bin/maestro" ] || die "the baseline's install.sh did not install $work/base-prefix/bin/maestro"
  say "  baseline: ${BENCH_BASELINE} = ${rev:0:12}" >&2
  printf '%s\n' "$work/base-prefix/bin/maestro"
}
