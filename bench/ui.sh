#!/usr/bin/env bash
# bench/ui.sh: the web page's timeline on a big session, against the floor
# of the data it needs, measured in the same run (see bench/README.md). Run
# it from anywhere:
#
#   bash bench/ui.sh               # full run, about 15 seconds on 2 cores
#   BENCH_QUICK=1 bash bench/ui.sh # fewer rounds: a smoke run
#
# A session of 10,000 log entries and 2,000 checkpoints: a few real ones
# (maestro-run passing, flaky and failing, a question asked and answered,
# a checkpoint), copied by bench/uibench with new times and ids. Then, in
# each round, `maestro ui` is started, the timeline's first page (/s/bench)
# is requested once cold and then warm, then the sessions page (all the
# server reads in the background), the server's peak RSS read from /proc,
# and the server stopped; each round also times the floor: `git
# for-each-ref` of the session's ref names, `git cat-file --batch` of its
# newest 50 records and reading the log. Goals (issue 12): the first page
# in at most 100 ms, the server under 64 MiB. The same again, for
# reference, after git gc.
#
# It builds maestro with ./install.sh into a temporary PREFIX (maestro-ui
# with it) and the helpers under bench/ into the same temporary folder with
# install.sh's flags, runs everything there (HOME, XDG folders and git's
# configuration of its own), and removes it on exit. It leaves nothing in
# the repository. Missed goals are reported, not fatal: the exit status is 0
# unless the benchmark itself cannot run.
#
# Knobs (environment): BENCH_QUICK=1, BENCH_UI_ENTRIES (10000),
# BENCH_UI_CHECKPOINTS (2000), BENCH_UI_ROUNDS (7, quick 2: server starts),
# BENCH_UI_REQUESTS (20, quick 5: warm requests per start).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '%s\n' "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
section() { printf '\n== %s\n\n' "$*"; }
# commas 10000 -> 10,000
commas() { local n=$1 s=; while [ ${#n} -gt 3 ]; do s=,${n: -3}$s n=${n:0:${#n}-3}; done; printf '%s' "$n$s"; }

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
  rounds=${BENCH_UI_ROUNDS:-2} requests=${BENCH_UI_REQUESTS:-5}
else
  rounds=${BENCH_UI_ROUNDS:-7} requests=${BENCH_UI_REQUESTS:-20}
fi
entries=${BENCH_UI_ENTRIES:-10000} cps=${BENCH_UI_CHECKPOINTS:-2000}
[ "$entries" -ge 10 ] || die "BENCH_UI_ENTRIES must be at least 10"
[ "$cps" -ge 2 ] || die "BENCH_UI_CHECKPOINTS must be at least 2"

command -v go >/dev/null 2>&1 || die "go is not on PATH (install Go 1.26 or later)"
command -v git >/dev/null 2>&1 || die "git is not on PATH"
[ -r /proc/self/status ] || die "no /proc: the server's memory is read from /proc/PID/status"

work=$(mktemp -d "${TMPDIR:-/tmp}/maestro-uibench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bin=$work/bin kv=$work/results.kv
mkdir -p "$bin" "$work/home" "$work/xdg/config" "$work/xdg/state" "$work/xdg/cache"

section "build"
# Exactly what users get: install.sh into a temporary PREFIX. Its warnings
# are about the temporary PREFIX (not on PATH, completions and man pages
# where nothing reads them): left out.
PREFIX=$work/prefix "$root/install.sh" 2>&1 | sed -e '/: warning: /d' -e '/: hint: /d' -e 's/^/  /'
maestro=$work/prefix/bin/maestro
[ -x "$maestro" ] || die "install.sh did not install $maestro"
[ -x "$work/prefix/bin/maestro-ui" ] || die "install.sh did not install maestro-ui next to maestro"
for h in uibench measure; do
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$bin/$h" "./bench/$h")
done
say "  helpers: $bin/{uibench,measure}"
ub=$bin/uibench

# No user configuration: neither maestro's nor git's. PATH starts with this
# maestro (uibench runs "maestro ui" from PATH).
export PATH=$work/prefix/bin:$PATH HOME=$work/home
export XDG_CONFIG_HOME=$work/xdg/config XDG_STATE_HOME=$work/xdg/state XDG_CACHE_HOME=$work/xdg/cache
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
cd "$work"

section "machine"
say "  $(uname -srm), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say "  $(go version), $(git --version)"
say "  $("$maestro" version 2>&1 | head -1)"
if [ "$quick" = 1 ]; then
  say "  mode: QUICK (BENCH_QUICK=1): fewer rounds; these are NOT the issue's figures"
else
  say "  mode: full"
fi

section "1. a session of $(commas "$entries") log entries and $(commas "$cps") checkpoints"
repo=$work/repo
git init -q "$repo"
cd "$repo"
printf 'package main\n\nfunc main() {}\n' >main.go
git add main.go
git commit -q -m "first"
maestro session start --id bench "the benchmark's session" >/dev/null
# The real entries the copies are made of: a run that passes, a flaky one
# (a transient failure, then a pass), a failing one (its alternative
# approaches recorded too), a question deferred and answered.
maestro-run -- true
maestro-run --base-delay 1ms -- sh -c 'test -e "$1" || { : >"$1"; echo "dial tcp 10.0.0.7:5432: connect: connection refused" >&2; exit 1; }' sh "$work/tried" 2>/dev/null
maestro-run --max-attempts 2 --base-delay 1ms -- sh -c 'echo "--- FAIL: TestParse (0.00s)"; echo "    parse_test.go:12: got 3, want 4"; echo FAIL; exit 1' >/dev/null 2>&1 &&
  die "the failing command passed"
q=$(maestro ask --issue "Which database for the cache?" --option postgres --option sqlite --default postgres --no-tty defer 2>/dev/null) ||
  [ $? = 3 ] || die "maestro ask --no-tty defer did not defer"
maestro answer --justification "one file, no server" "$q" sqlite >/dev/null
maestro checkpoint -d "the parser passes its tests" --type phase_complete --phase parse >/dev/null
start=$(date +%s.%N)
"$ub" mkdata -dir "$repo" -session bench -entries "$entries" -checkpoints "$cps"
say "  (made in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s; refs loose, as maestro leaves them)"

section "2. the timeline's first page: $rounds starts of maestro ui, 1 cold + $requests warm requests each"
say "  cold: the first request after the server started (nothing cached by an earlier request);"
say "  warm: the next ones. First byte: the response's headers in; whole body: its last byte."
say "  The floor, in turns with the rounds: for-each-ref of the session's ref names, cat-file --batch of"
say "  its newest 50 records, the log's files read (what the first page must read)."
say
"$ub" serve -dir "$repo" -session bench -rounds "$rounds" -requests "$requests" -kv "$kv"

section "3. informational, no goal: the same after 'git gc' (refs packed, records in a pack)"
# What git gc (or gc.auto) does to these refs and objects sooner or later:
# the floor is then mostly reading the log, and what is left of the page's
# time is maestro-ui's own.
cp -a "$repo" "$work/packed"
git -C "$work/packed" gc -q
"$ub" serve -dir "$work/packed" -session bench -rounds "$rounds" -requests "$requests" -kv "$kv" -section ui.packed -info

section "summary"
"$bin/measure" summary -kv "$kv"
[ "$quick" = 1 ] && say "  QUICK MODE: fewer rounds; run without BENCH_QUICK for the figures"
exit 0
