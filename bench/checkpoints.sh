#!/usr/bin/env bash
# bench/checkpoints.sh: what maestro's checkpoints cost, against baselines
# measured in the same run (see bench/README.md). Run it from anywhere:
#
#   bash bench/checkpoints.sh               # full run, about 2 minutes on 2 cores
#   BENCH_QUICK=1 bash bench/checkpoints.sh # smaller counts, about 20 seconds:
#                                           # a smoke run, not the figures
#
# 1. the post-commit hook: commits with it against commits without, in two
#    identical repositories, alternately (10 files, then 20,000 files);
# 2. scale: the 10,000th checkpoint of a session against the 10th, and
#    maestro list --json of 10,000 checkpoints against git for-each-ref;
# 3. rollback and undo between two commits of 20,000 files against
#    git reset --hard between the same two.
#
# It builds maestro with ./install.sh into a temporary PREFIX put first on
# PATH (install writes that maestro's path into the hook) and the helpers
# under bench/ into
# the same temporary folder, runs everything there with a git configuration
# of its own, and removes it on exit. It leaves nothing in the repository.
# Missed goals are reported, not fatal: the exit status is 0 unless the
# benchmark itself cannot run.
#
# Knobs (environment): BENCH_QUICK=1, BENCH_HOOK_COMMITS (100),
# BENCH_CHECKPOINTS (10000), BENCH_LIST_RUNS (9), BENCH_ROLLBACK_ROUNDS (5),
# BENCH_BASELINE=REV (also build revision REV of this repository and time
# its post-commit hook against this build's, alternately: 1.x),
# BENCH_HOOK_ONLY=1 (section 1 only).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '%s\n' "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
section() { printf '\n== %s\n\n' "$*"; }
# commas 20000 -> 20,000
commas() { local n=$1 s=; while [ ${#n} -gt 3 ]; do s=,${n: -3}$s n=${n:0:${#n}-3}; done; printf '%s' "$n$s"; }

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
  hook_commits=${BENCH_HOOK_COMMITS:-20}
  big_dirs=20 big_per=100                      # 2,000 files
  modify=200 delete=50 add=50
  total_cps=${BENCH_CHECKPOINTS:-1000}
  list_runs=${BENCH_LIST_RUNS:-3}
  rb_rounds=${BENCH_ROLLBACK_ROUNDS:-2}
else
  hook_commits=${BENCH_HOOK_COMMITS:-100}
  big_dirs=100 big_per=200                     # 20,000 files
  modify=2000 delete=500 add=500
  total_cps=${BENCH_CHECKPOINTS:-10000}
  list_runs=${BENCH_LIST_RUNS:-9}
  rb_rounds=${BENCH_ROLLBACK_ROUNDS:-5}
fi
big_files=$((big_dirs * big_per))
[ "$total_cps" -ge 20 ] || die "BENCH_CHECKPOINTS must be at least 20"

command -v go >/dev/null 2>&1 || die "go is not on PATH (install Go 1.26 or later)"
command -v git >/dev/null 2>&1 || die "git is not on PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/maestro-ckbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bin=$work/bin kv=$work/results.kv
mkdir -p "$bin" "$work/xdg/config" "$work/xdg/state"

section "build"
# Exactly what users get: install.sh into a temporary PREFIX.
PREFIX=$work/prefix "$root/install.sh" 2>&1 | sed -e '/is not on your PATH/d' -e '/hint: add it/d' -e 's/^/  /'
[ -x "$work/prefix/bin/maestro" ] || die "install.sh did not install $work/prefix/bin/maestro"
for h in ckbench timeit measure; do
  (cd "$root" && go build -trimpath -o "$bin/$h" "./bench/$h")
done
say "  helpers: $bin/{ckbench,timeit,measure}"
# The previous build, to measure against (bench/baseline.sh).
base_bin=
if [ -n "${BENCH_BASELINE:-}" ]; then
  . "$root/bench/baseline.sh"
  base_bin=$(build_baseline) || exit 1
fi

# git maestro install writes the maestro it runs as into the hook: this one
# first on PATH. No user configuration:
# neither maestro's nor git's (a global core.hooksPath or commit signing
# would change what is measured). gc.auto=0: a background git gc started
# by a commit would land in the middle of later timings.
export PATH=$work/prefix/bin:$PATH
export XDG_CONFIG_HOME=$work/xdg/config XDG_STATE_HOME=$work/xdg/state
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(MAESTRO_|GIT_)' || true)
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$work/gitconfig
cat >"$GIT_CONFIG_GLOBAL" <<'EOF'
[user]
	name = bench
	email = bench@localhost
[init]
	defaultBranch = main
[gc]
	auto = 0
[commit]
	gpgsign = false
EOF
[ "$(type -P maestro)" = "$work/prefix/bin/maestro" ] || die "maestro on PATH is $(type -P maestro), not the one just built"
cd "$work"
ck=$bin/ckbench

section "machine"
say "  $(uname -srm), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say "  $(go version), $(git --version)"
say "  $(maestro version 2>&1 | head -1)"
say "  temporary folder on $(df -P "$work" | awk 'NR==2 {print $1}') ($(stat -f -c %T "$work"))"
if [ "$quick" = 1 ]; then
  say "  mode: QUICK (BENCH_QUICK=1): smaller counts for a smoke run; these are NOT the issue's figures"
else
  say "  mode: full"
fi
say "  $hook_commits commits per hook test, $(commas "$total_cps") checkpoints, $list_runs list runs,"
say "  $(commas "$big_files") files for the large repositories, $rb_rounds rollback rounds"

section "1. post-commit hook: $hook_commits commits with it against $hook_commits without, alternately"
say "  Two identical repositories, one with 'git maestro install'; each commit appends a line to"
say "  one file (a different one each time), then 'git commit -q -am MSG' is timed (no shell)."
say "  2 untimed commits in each first."
say
hook_test() { # NAME DIRS PER LABEL GOAL
  "$ck" mkrepo -dir "$work/hook-$1-plain" -dirs "$2" -per "$3"
  cp -a "$work/hook-$1-plain" "$work/hook-$1-hooked"
  (cd "$work/hook-$1-hooked" && git maestro install >/dev/null)
  [ -x "$work/hook-$1-hooked/.git/hooks/post-commit" ] || die "git maestro install wrote no post-commit hook"
  "$ck" commits -plain "$work/hook-$1-plain" -hooked "$work/hook-$1-hooked" -n "$hook_commits" \
    -label "$4" -key "hook.$1" -kv "$kv" -goal "$5"
  rm -rf "$work/hook-$1-plain" "$work/hook-$1-hooked"
}
# Goals of issue 8: the hook's fixed cost weighs less on a larger commit.
hook_test small 1 10 "10 files" 1.3
say
# The floor, in the same run: a hook that only starts /usr/bin/true (a
# "#!" line, as maestro's). No hook that runs a program can cost less.
"$ck" mkrepo -dir "$work/floor-plain" -dirs 1 -per 10
cp -a "$work/floor-plain" "$work/floor-hooked"
printf '#!%s\n' "$(type -P true)" >"$work/floor-hooked/.git/hooks/post-commit"
chmod +x "$work/floor-hooked/.git/hooks/post-commit"
"$ck" commits -plain "$work/floor-plain" -hooked "$work/floor-hooked" -n "$hook_commits" \
  -label "10 files, floor" -key hook.floor -kv "$kv" -floor
rm -rf "$work/floor-plain" "$work/floor-hooked"
say
hook_test large "$big_dirs" "$big_per" "$(commas "$big_files") files in $big_dirs folders" 1.1
if [ -n "$base_bin" ]; then
  say
  say "  The same commits with the hook of ${BENCH_BASELINE} (its own 'git maestro install', its shim"
  say "  calling its binary) against this build's hook, alternately, 10 files:"
  "$ck" mkrepo -dir "$work/hook-base" -dirs 1 -per 10
  cp -a "$work/hook-base" "$work/hook-new"
  (cd "$work/hook-base" && "$base_bin" install >/dev/null)
  # A v1 shim runs maestro from PATH (this build): point it at the
  # baseline's. A later hook names the binary that installed it.
  sed -i.orig "s#^\([[:space:]]*\)maestro hook #\1$base_bin hook #" "$work/hook-base/.git/hooks/post-commit"
  rm -f "$work/hook-base/.git/hooks/post-commit.orig"
  grep -q "$base_bin hook" "$work/hook-base/.git/hooks/post-commit" || die "could not point the baseline's hook at $base_bin"
  (cd "$work/hook-new" && git maestro install >/dev/null)
  "$ck" commits -plain "$work/hook-base" -hooked "$work/hook-new" -n "$hook_commits" \
    -label "10 files" -key hook.baseline -kv "$kv" -goal 1.05 -baseline
  rm -rf "$work/hook-base" "$work/hook-new"
fi

if [ "${BENCH_HOOK_ONLY:-0}" = 1 ]; then
  section "summary"
  "$bin/measure" summary -kv "$kv"
  say "  HOOK ONLY (BENCH_HOOK_ONLY=1): sections 2 and 3 left out"
  exit 0
fi

fab=$((total_cps - 15))
section "2. scale: the $(commas "$total_cps")th checkpoint against the 10th; list against for-each-ref"
"$ck" mkrepo -dir "$work/scale" -dirs 1 -per 10
say "  A repository of 10 files, clean tree; session 'scale'. maestro checkpoint -d TEXT, timed:"
"$ck" cpseries -dir "$work/scale" -session scale -n 10 -first 1 -from 6 -key scale.cp10 -kv "$kv"
say "  then $(commas "$fab") checkpoints FABRICATED with plain git (not made by maestro): each record is a copy"
say "  of checkpoint #10's with its own checkpoint_id (later than #10's), timestamp and description;"
say "  one hash-object --stdin-paths, one update-ref --stdin transaction of $(commas $((2 * fab))) refs, loose"
start=$(date +%s.%N)
"$ck" fabricate -dir "$work/scale" -session scale -n "$fab" -tmp "$work/records"
say "  (took $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s), then maestro checkpoint again, timed:"
"$ck" cpseries -dir "$work/scale" -session scale -n 5 -first $((total_cps - 4)) -from $((total_cps - 4)) \
  -key scale.cpN -ids "$work/newest.ids" -kv "$kv"
say
"$ck" ratio -kv "$kv" -num scale.cpN.median_ms -den scale.cp10.median_ms -goal 1.5 -section scale \
  -what "checkpoint #$(commas "$total_cps") / #10 (medians)" \
  -label "#$(commas $((total_cps - 4)))..#$(commas "$total_cps") / #6..#10 (medians)"
"$ck" listcheck -dir "$work/scale" -session scale -want "$total_cps" -newest "$work/newest.ids" -kv "$kv"
say
say "  $(commas "$total_cps") checkpoints ($(commas $((2 * total_cps))) refs under refs/maestro/), $list_runs interleaved runs after 1 warm-up:"
(cd "$work/scale" && "$bin/timeit" -n "$list_runs" -warmup 1 -kv "$kv" -prefix scale.list \
  "for_each_ref=git for-each-ref refs/maestro/" "maestro_list=maestro list --json --session-id scale")
"$ck" ratio -kv "$kv" -num scale.list.maestro_list.median_ms -den scale.list.for_each_ref.median_ms -goal 5 \
  -section scale -what "list --json of $(commas "$total_cps") / for-each-ref"
say
say "  Informational, no goal: the same after 'git pack-refs --all' (what git gc does to these refs)."
say "  maestro checkpoint, timed:"
git -C "$work/scale" pack-refs --all
"$ck" cpseries -dir "$work/scale" -session scale -n 5 -first $((total_cps + 1)) -from $((total_cps + 1)) \
  -key scale.packed.cp -kv "$kv"
"$ck" ratio -kv "$kv" -num scale.packed.cp.median_ms -den scale.cp10.median_ms -info -section scale \
  -what "packed refs: checkpoint #$(commas $((total_cps + 5))) / #10" \
  -label "#$(commas $((total_cps + 1)))..#$(commas $((total_cps + 5))) / #6..#10 (medians)"
(cd "$work/scale" && "$bin/timeit" -n "$list_runs" -warmup 1 -kv "$kv" -prefix scale.packed.list \
  "for_each_ref=git for-each-ref refs/maestro/" "maestro_list=maestro list --json --session-id scale")
"$ck" ratio -kv "$kv" -num scale.packed.list.maestro_list.median_ms -den scale.packed.list.for_each_ref.median_ms -info \
  -section scale -what "packed refs: list --json / for-each-ref"
rm -rf "$work/scale"

section "3. rollback and undo against git reset --hard, $(commas "$big_files") files"
"$ck" mkrepo -dir "$work/rb" -dirs "$big_dirs" -per "$big_per"
a=$(git -C "$work/rb" rev-parse HEAD)
cp_a=$(cd "$work/rb" && maestro checkpoint --session-id bench -d A)
"$ck" mkchange -dir "$work/rb" -modify "$modify" -delete "$delete" -add "$add"
b=$(git -C "$work/rb" rev-parse HEAD)
say "  A: $(commas "$big_files") files in $big_dirs folders, checkpoint $cp_a (clean tree: A itself)"
say "  B: A with $(commas "$modify") files modified, $(commas "$delete") deleted, $(commas "$add") added"
say "  Each timed step starts from a clean tree at B (B -> A) or at A (A -> B)."
say
"$ck" rollback -dir "$work/rb" -a "$a" -b "$b" -cp "$cp_a" -session bench -rounds "$rb_rounds" -warmup 1 -goal 3 -kv "$kv"
rm -rf "$work/rb"

section "summary"
"$bin/measure" summary -kv "$kv"
[ "$quick" = 1 ] && say "  QUICK MODE: smaller counts than the issue asks for; run without BENCH_QUICK for the figures"
exit 0
