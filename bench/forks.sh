#!/usr/bin/env bash
# bench/forks.sh: what maestro's forks cost, against baselines measured in
# the same run (see bench/README.md). Run it from anywhere:
#
#   bash bench/forks.sh               # full run: 20,000 files, about a minute on 2 cores
#   BENCH_QUICK=1 bash bench/forks.sh # 2,000 files, fewer rounds: a smoke run
#
# == fork: maestro fork --count 4 of a dirty checkpoint of 20,000 files
#    (staged, unstaged and untracked changes) against four git worktree add
#    of the same commit, one after the other, in alternating rounds; the
#    median of each, and their ratio (goal: at most 1.5x).
# == race: maestro race --keep-going over 4 forks of a 2-second command
#    (sleep 2; git status and short sleeps) against the slowest run of the
#    same command alone in each fork; the median of each, and their ratio
#    (goal: at most 1.3x).
#
# It builds maestro with ./install.sh into a temporary PREFIX put first on
# PATH, works in a temporary folder with a git configuration of its own, and
# removes it on exit. Missed goals are reported, not fatal.
#
# Knobs (environment): BENCH_QUICK=1, BENCH_FORK_ROUNDS (5), BENCH_RACE_ROUNDS
# (as BENCH_FORK_ROUNDS).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '%s\n' "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
section() { printf '\n== %s\n\n' "$*"; }
commas() { local n=$1 s=; while [ ${#n} -gt 3 ]; do s=,${n: -3}$s n=${n:0:${#n}-3}; done; printf '%s' "$n$s"; }
now_ms() { local t; t=$(date +%s%N); printf '%s' $((t / 1000000)); }
# median of the numbers given
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
# ratio NUM DEN: NUM/DEN with two decimals, in integer arithmetic
ratio() { local r=$(( ($1 * 100 + $2 / 2) / $2 )); printf '%d.%02d' $((r / 100)) $((r % 100)); }
# goal WHAT VALUE MAX: one line of the summary, met when VALUE <= MAX
summary=()
goal() {
  local met=no
  # 10#: a ratio such as 0.68 reads 068, which bash would take for octal.
  [ "$(( 10#${2/./} <= 10#${3/./} ))" = 1 ] && met=yes
  summary+=("$(printf '%-58s %6sx  goal <= %sx  %s' "$1" "$2" "$3" "$met")")
}

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
  dirs=20 per=100 rounds=${BENCH_FORK_ROUNDS:-3}
else
  dirs=100 per=200 rounds=${BENCH_FORK_ROUNDS:-5}
fi
files=$((dirs * per))

command -v go >/dev/null 2>&1 || die "go is not on PATH"
command -v git >/dev/null 2>&1 || die "git is not on PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/maestro-forkbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

section "build"
PREFIX=$work/prefix "$root/install.sh" 2>&1 | sed -e '/is not on your PATH/d' -e '/hint: add it/d' -e 's/^/  /'
[ -x "$work/prefix/bin/maestro" ] || die "install.sh did not install $work/prefix/bin/maestro"
export PATH=$work/prefix/bin:$PATH
mkdir -p "$work/xdg/config" "$work/xdg/state"
export XDG_CONFIG_HOME=$work/xdg/config XDG_STATE_HOME=$work/xdg/state
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(MAESTRO_|GIT_)' || true)
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$work/gitconfig
cat >"$GIT_CONFIG_GLOBAL" <<'CFG'
[user]
	name = bench
	email = bench@localhost
[init]
	defaultBranch = main
[gc]
	auto = 0
[commit]
	gpgsign = false
CFG
say "  $(command -v maestro), $(git --version), $(nproc) CPUs"

section "fork: maestro fork --count 4 against 4 x git worktree add, $(commas "$files") files"
repo=$work/repo
mkdir -p "$repo"
(
  cd "$repo"
  git init -q
  for ((d = 0; d < dirs; d++)); do
    mkdir -p "d$d"
    for ((f = 0; f < per; f++)); do printf 'file %d %d\n' "$d" "$f" >"d$d/f$f.txt"; done
  done
  git add -A && git commit -q -m files
  # A dirty checkpoint: staged, unstaged and untracked changes, a deletion.
  for ((d = 0; d < 10; d++)); do echo staged >>"d$d/f0.txt"; done
  git add -A
  for ((d = 0; d < 10; d++)); do echo unstaged >>"d$d/f1.txt"; echo new >"d$d/new.txt"; done
  rm d0/f2.txt
  maestro checkpoint -d bench >/dev/null
)
head=$(git -C "$repo" rev-parse HEAD)
say "  checkpoint of HEAD plus 10 staged, 10 unstaged, 10 untracked files and a deletion"
fork_ms=() git_ms=()
for ((r = 1; r <= rounds; r++)); do
  t0=$(now_ms)
  (cd "$repo" && maestro fork --count 4 >/dev/null)
  t1=$(now_ms)
  fork_ms+=($((t1 - t0)))
  (cd "$repo" && maestro fork --remove --all --force >/dev/null)
  t0=$(now_ms)
  for i in 1 2 3 4; do git -C "$repo" worktree add -q --detach "$work/wt/w$i" "$head"; done
  t1=$(now_ms)
  git_ms+=($((t1 - t0)))
  for i in 1 2 3 4; do git -C "$repo" worktree remove --force "$work/wt/w$i"; done
done
# Exactness, checked once outside the timings: a fork's status is the main one's.
(cd "$repo" && maestro fork --name check >/dev/null)
if [ "$(git -C "$repo" status --porcelain)" != "$(git -C "$repo/../repo.maestro-forks/check" status --porcelain)" ]; then
  die "the fork's git status differs from the checkpoint's"
fi
(cd "$repo" && maestro fork --remove check >/dev/null)
fm=$(median "${fork_ms[@]}") gm=$(median "${git_ms[@]}")
say "  maestro fork --count 4:   ${fork_ms[*]} ms (median $fm)"
say "  4 x git worktree add:     ${git_ms[*]} ms (median $gm)"
fr=$(ratio "$fm" "$gm")
say "  ratio: ${fr}x (goal <= 1.5x)"
goal "fork --count 4 / 4 x git worktree add ($(commas "$files") files)" "$fr" 1.50

# == race: maestro race --keep-going over 4 forks of a 2-second command
# against the slowest of the same command run alone (without maestro) in
# each fork, one after the other; the median of each over the rounds.
race_rounds=${BENCH_RACE_ROUNDS:-$rounds}
section "race: maestro race over 4 forks against the slowest single run, 2-second commands"
(cd "$repo" && maestro fork --count 4 >/dev/null)
forkdir=$repo/../repo.maestro-forks
# sleep: waiting only. status: light work in the fork's worktree (git
# reading its 20,000 files' index) between short sleeps.
race_cmds=("sleep 2" "for i in 1 2 3 4 5 6 7 8; do git status --short >/dev/null; sleep 0.2; done")
race_names=("sleep 2" "git status + sleeps")
for c in 0 1; do
  cmd=${race_cmds[$c]}
  race_ms=() single_ms=()
  for ((r = 1; r <= race_rounds; r++)); do
    t0=$(now_ms)
    (cd "$repo" && maestro race --keep-going --jobs 4 --output "$work/race-out" -- sh -c "$cmd" 2>/dev/null) \
      || die "maestro race of '$cmd' failed"
    t1=$(now_ms)
    race_ms+=($((t1 - t0)))
    slowest=0
    for f in f1 f2 f3 f4; do
      t0=$(now_ms)
      (cd "$forkdir/$f" && sh -c "$cmd")
      t1=$(now_ms)
      [ $((t1 - t0)) -gt "$slowest" ] && slowest=$((t1 - t0))
    done
    single_ms+=("$slowest")
  done
  rm_=$(median "${race_ms[@]}") sm=$(median "${single_ms[@]}")
  say "  ${race_names[$c]}:"
  say "    maestro race, 4 forks:   ${race_ms[*]} ms (median $rm_)"
  say "    slowest single run:      ${single_ms[*]} ms (median $sm)"
  rr=$(ratio "$rm_" "$sm")
  say "    ratio: ${rr}x (goal <= 1.3x)"
  goal "race of 4 forks / slowest single run (${race_names[$c]})" "$rr" 1.30
done
(cd "$repo" && maestro fork --remove --all --force >/dev/null)

section "summary"
for line in "${summary[@]}"; do say "  $line"; done
