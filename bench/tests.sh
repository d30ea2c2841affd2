#!/usr/bin/env bash
# bench/tests.sh: what a test-aware retry saves (issue 11), against
# baselines measured in the same run (see bench/README.md). Run it from
# anywhere:
#
#   bash bench/tests.sh               # full run: about 6.5 minutes on 2 quiet
#                                     # cores (8.5 with a load of 10)
#   BENCH_QUICK=1 bash bench/tests.sh # one round of each: about 4 minutes
#
# Two generated suites of the same shape: 200 tests that each sleep 50 ms,
# one after the other (~10 s), one of which fails on its first run only (it
# creates a marker file, which the script removes before each measurement
# that wants it to fail once) or, in the deterministic scenario, on every
# run. Each line is the wall time of one command, from its start to its
# exit, with maestro's default retry settings (3 attempts, base delay 1s,
# jitter): nothing is tuned to make a line look good.
#
# 0. start-up: `maestro-run true`, this build against the build before
#    issue 11 (BENCH_BASELINE, default 9413927), interleaved (bench/timeit):
#    a test-aware maestro must cost a command that is not a test nothing.
# 1. pytest, in turns, each round:
#    - clean:      `pytest -q`, nothing fails: one run of the suite, the
#                  denominator of every ratio below;
#    - flaky:      `maestro-run -- pytest -q`, one test fails once: time to
#                  green (goal <= 1.1x the clean run);
#    - flaky:      `maestro-run --rerun all -- pytest -q`: the same with a
#                  whole-suite retry, what maestro did before issue 11;
#    - flaky:      `pytest -q --reruns 2` (pytest-rerunfailures), for
#                  reference; left out, with a note, when it is missing;
#    - fail:       `maestro-run -- pytest -q`, one test fails every time:
#                  all 3 attempts and maestro's delays (goal <= 1.2x one run:
#                  one run of this suite costs what the clean run does, the
#                  failing test sleeps as the others do);
#    - fail:       `maestro-run --rerun all -- pytest -q`, for reference.
# 2. go test, the same lines on a generated Go package (GOFLAGS=-count=1,
#    so no line gets a cached result), with `gotestsum --rerun-fails` in
#    place of --reruns (installed from the module proxy at a fixed version
#    into the temporary folder; left out, with a note, when it cannot be).
#    One untimed run first builds the package into Go's build cache, so no
#    line pays for compiling; each `go test`, a rerun's included, still
#    links its test binary, as it does for a user.
# Then a summary of the goals, met or not.
#
# It builds maestro with ./install.sh into a temporary PREFIX (exactly what
# users install) and the helpers under bench/ into the same temporary folder
# with install.sh's flags, runs everything there (HOME, XDG folders and
# git's configuration of its own; Go's caches are the user's) in git
# repositories, as a project's tests run, and removes it on exit. It leaves
# nothing in the repository. Missed goals are reported, not fatal: the exit
# status is 0 unless the benchmark itself cannot run.
#
# Knobs (environment): BENCH_QUICK=1, BENCH_TESTS_ROUNDS (3: rounds of the
# clean and maestro-run lines), BENCH_TESTS_REF_ROUNDS (1: rounds of the
# reference lines, which cost 2x to 3x a run each), BENCH_SUITE_TESTS (200),
# BENCH_SUITE_SLEEP (50ms), BENCH_STARTUP_RUNS (500), BENCH_BASELINE (a
# revision of this repository; empty: no start-up comparison), BENCH_PYTEST
# (the pytest program, default pytest on PATH), BENCH_GOTESTSUM_VERSION
# (v1.13.0). Needs bash, Go and git; installs Debian's python3-pytest and
# python3-pytest-rerunfailures with apt-get when they are missing (sudo when
# not root) and says so.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '%s\n' "$*"; }
warn() { printf 'bench: warning: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
section() { printf '\n== %s\n\n' "$*"; }

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
  rounds=${BENCH_TESTS_ROUNDS:-1} startup_runs=${BENCH_STARTUP_RUNS:-100}
else
  rounds=${BENCH_TESTS_ROUNDS:-3} startup_runs=${BENCH_STARTUP_RUNS:-500}
fi
ref_rounds=${BENCH_TESTS_REF_ROUNDS:-1}
suite_tests=${BENCH_SUITE_TESTS:-200} suite_sleep=${BENCH_SUITE_SLEEP:-50ms}
# The build before issue 11's work (main's HEAD when it began).
baseline=${BENCH_BASELINE-9413927}
gotestsum_version=${BENCH_GOTESTSUM_VERSION:-v1.13.0}
[ "$rounds" -ge 1 ] && [ "$ref_rounds" -ge 0 ] || die "BENCH_TESTS_ROUNDS must be at least 1, BENCH_TESTS_REF_ROUNDS at least 0"

command -v go >/dev/null 2>&1 || die "go is not on PATH (install Go 1.26 or later)"
command -v git >/dev/null 2>&1 || die "git is not on PATH"

# pytest and pytest-rerunfailures from Debian, as .ci/run installs them.
pytest=${BENCH_PYTEST:-$(type -P pytest || true)}
# From /: no conftest.py or pytest.ini of the folder it is run from.
has_reruns() { case $(cd / && "$pytest" --help 2>/dev/null) in *--reruns*) ;; *) return 1 ;; esac; }
if { [ -z "$pytest" ] || ! has_reruns; } && [ -z "${BENCH_PYTEST:-}" ] && command -v apt-get >/dev/null 2>&1; then
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  pkgs="python3-pytest python3-pytest-rerunfailures"
  say "bench: pytest or pytest-rerunfailures is missing: installing them with: $sudo apt-get install -y $pkgs"
  if ! { $sudo apt-get install -y -q $pkgs >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q $pkgs >/dev/null 2>&1; }; }; then
    warn "could not install $pkgs"
  fi
  pytest=$(type -P pytest || true)
fi
if [ -n "$pytest" ] && ! "$pytest" --version >/dev/null 2>&1; then
  warn "$pytest --version fails: the pytest section is left out"
  pytest=
fi
reruns=
[ -n "$pytest" ] && has_reruns && reruns=yes

work=$(mktemp -d "${TMPDIR:-/tmp}/maestro-testbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bin=$work/bin kv=$work/results/results.kv
mkdir -p "$bin" "$work/results" "$work/home" "$work/xdg/config" "$work/xdg/state" "$work/xdg/cache"

section "build"
# Exactly what users get: install.sh into a temporary PREFIX. Its warnings
# are about that PREFIX (not on PATH, completions nobody reads): left out.
PREFIX=$work/prefix "$root/install.sh" 2>&1 | sed -e '/: warning: /d' -e '/: hint: /d' -e '/is not on your PATH/d' -e 's/^/  /'
mr=$work/prefix/bin/maestro-run
[ -x "$mr" ] || die "install.sh did not install $mr"
# The helpers with install.sh's flags.
for h in testbench timeit ckbench measure; do
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$bin/$h" "./bench/$h")
done
say "  helpers: $bin/{testbench,timeit,ckbench,measure}"
tb=$bin/testbench
# gotestsum, at a fixed version, into the temporary folder only.
gotestsum=
if GOBIN=$bin GOFLAGS= go install "gotest.tools/gotestsum@$gotestsum_version" >"$work/gotestsum-install.log" 2>&1; then
  gotestsum=$bin/gotestsum
  say "  gotestsum $gotestsum_version: $gotestsum"
else
  warn "could not install gotest.tools/gotestsum@$gotestsum_version (its line is left out):"
  sed 's/^/  /' "$work/gotestsum-install.log" | tail -5 >&2
fi
base_mr=
if [ -n "$baseline" ]; then
  BENCH_BASELINE=$baseline
  . "$root/bench/baseline.sh"
  # Its install.sh warns about its temporary PREFIX too: left out.
  base_mr=$(build_baseline 2>"$work/baseline.log")-run || { cat "$work/baseline.log" >&2; exit 1; }
  sed -e '/: warning: /d' -e '/: hint: /d' "$work/baseline.log"
fi

# No user configuration: neither maestro's nor git's. Go's caches stay the
# user's (a cold build cache would only slow the warm-up run). PATH starts
# with this maestro.
export GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE) GOPATH=$(go env GOPATH)
export PATH=$work/prefix/bin:$PATH HOME=$work/home
export XDG_CONFIG_HOME=$work/xdg/config XDG_STATE_HOME=$work/xdg/state XDG_CACHE_HOME=$work/xdg/cache
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(MAESTRO_|GIT_|PYTEST_)' || true)
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
# No cached test results (every line runs the tests), and Go as it is.
export GOFLAGS=-count=1 GOTOOLCHAIN=local

# Does this maestro have --rerun? (Builds before issue 11 do not: their
# maestro-run always reruns the whole command.)
rerun_all=(--rerun all)
if ! "$mr" --rerun all --explain >/dev/null 2>&1; then
  rerun_all=()
  warn "this maestro-run has no --rerun flag: its lines rerun the whole suite, as the --rerun all lines do"
fi

section "machine"
say "  $(uname -srm), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "  $(go version), $(git --version)"
say "  $("$work/prefix/bin/maestro" version 2>&1 | head -1)"
[ -n "$pytest" ] && say "  $("$pytest" --version 2>&1 | head -1) ($pytest)$([ -n "$reruns" ] && echo ", with pytest-rerunfailures")"
[ -n "$gotestsum" ] && say "  gotestsum $gotestsum_version"
if [ "$quick" = 1 ]; then
  say "  mode: QUICK (BENCH_QUICK=1): one round of each line; medians of one run"
else
  say "  mode: full"
fi
say "  suites: $suite_tests tests of $suite_sleep each, one after the other; $rounds round(s) of the clean and"
say "  maestro-run lines, $ref_rounds of the reference lines; maestro's default retry settings"

if [ -n "$base_mr" ]; then
  section "0. start-up: maestro-run true, this build against $baseline, $startup_runs interleaved runs of each"
  true_bin=$(type -P true) || die "no true executable on PATH"
  (cd "$work" && "$bin/timeit" -cpu -n "$startup_runs" -warmup 20 -kv "$kv" -prefix startup \
    "baseline=$base_mr $true_bin" "this=$mr $true_bin")
  say "  (the first line is $baseline's maestro-run, the second this build's)"
  say
  # 3%: about what these medians move between runs of one binary here
  # (bench/README.md, start-up).
  "$bin/ckbench" ratio -kv "$kv" -num startup.this.median_ms -den startup.baseline.median_ms \
    -goal 1.03 -section start-up -what "maestro-run true: this build / $baseline (medians)"
fi

# suite RUNNER DIR: generate a suite in DIR, a git repository of its own
# (maestro's green checkpoints and session records go there, as in a
# project), and print the id of the test that fails.
suite() {
  local id
  id=$("$tb" gen -runner "$1" -dir "$2" -tests "$suite_tests" -sleep "$suite_sleep" -flaky $(((suite_tests * 7 + 11) / 12)))
  printf '__pycache__/\n.pytest_cache/\n' >"$2/.gitignore"
  git -C "$2" init -q
  git -C "$2" add -A
  git -C "$2" commit -q -m "the generated suite"
  printf '%s\n' "$id"
}

# timed KEY DIR SCENARIO EXPECT LABEL [-report] -- CMD...: one timed run.
timed() {
  local key=$1 dir=$2 scenario=$3 expect=$4 label=$5 report=()
  shift 5
  if [ "$1" = -report ]; then report=(-report "$work/results/$key.json"); shift; fi
  shift # --
  local cmd=("$@") must=()
  # The report file goes right after maestro-run.
  if [ ${#report[@]} -gt 0 ]; then cmd=("$1" --report "${report[1]}" "${@:2}"); fi
  # Without the clean run, no other line means anything.
  case $key in *.clean) must=(-must) ;; esac
  "$tb" time -dir "$dir" -marker "$work/marker" -scenario "$scenario" -expect "$expect" \
    -kv "$kv" -key "$key" -label "$label" "${report[@]}" "${must[@]}" -- "${cmd[@]}"
}

# shown CMD...: the command as printed, pytest without its folder.
shown() {
  local t=$*
  if [ -n "$pytest" ]; then t=${t/#"$pytest"/pytest}; fi
  printf '%s\n' "$t"
}

# runner_section P DIR REF RUN...: the rounds of one runner in suite DIR
# (RUN: the test command's words; REF: the reference line, reruns or
# gotestsum), then its table.
runner_section() {
  local p=$1 dir=$2 ref=$3
  shift 3
  local run=("$@") r
  local show
  show=$(shown "${run[@]}")
  # Untimed: what the first run pays once and a user's next runs do not
  # (pyc files; Go's build cache, a test binary built and linked).
  local warm
  case $ref in
    reruns) warm=("${run[@]}" --collect-only) ;;
    gotestsum) warm=("${run[@]:0:2}" -run='^$' "${run[@]:2}") ;;
  esac
  "$tb" time -dir "$dir" -marker "$work/marker" -scenario clean -expect 0 -kv "$kv" -key "$p.warmup" \
    -label "warm-up, untimed: $(shown "${warm[@]}")" -must -- "${warm[@]}"
  say "  Then in turns:"
  for ((r = 1; r <= rounds; r++)); do
    say "  round $r"
    timed "$p.clean" "$dir" clean 0 "clean: $show" -- "${run[@]}"
    timed "$p.mr_flaky" "$dir" flaky 0 "flaky: maestro-run -- $show" -report -- "$mr" -- "${run[@]}"
    if [ "$r" -le "$ref_rounds" ]; then
      timed "$p.all_flaky" "$dir" flaky 0 "flaky: maestro-run ${rerun_all[*]} -- $show" -report -- "$mr" "${rerun_all[@]}" -- "${run[@]}"
      case $ref in
        reruns) [ -z "$reruns" ] || timed "$p.ref_flaky" "$dir" flaky 0 "flaky: $show --reruns 2" -- "${run[@]}" --reruns 2 ;;
        gotestsum) [ -z "$gotestsum" ] || timed "$p.ref_flaky" "$dir" flaky 0 "flaky: gotestsum --rerun-fails --packages ./..." -- "$gotestsum" --rerun-fails --packages ./... ;;
      esac
    fi
    timed "$p.mr_fail" "$dir" fail 1 "fail: maestro-run -- $show" -report -- "$mr" -- "${run[@]}"
    [ "$r" -gt "$ref_rounds" ] ||
      timed "$p.all_fail" "$dir" fail 1 "fail: maestro-run ${rerun_all[*]} -- $show" -report -- "$mr" "${rerun_all[@]}" -- "${run[@]}"
  done
  say
  local refrow
  case $ref in
    reruns) refrow="$p.ref_flaky|flaky: $show --reruns 2|info" ;;
    gotestsum) refrow="$p.ref_flaky|flaky: gotestsum --rerun-fails|info" ;;
  esac
  "$tb" table -kv "$kv" -section "$p" -base "$p.clean" \
    "$p.clean|clean: $show|" \
    "$p.mr_flaky|flaky: maestro-run -- $show|1.1" \
    "$p.all_flaky|flaky: maestro-run ${rerun_all[*]} -- $show|info" \
    "$refrow" \
    "$p.mr_fail|fail: maestro-run -- $show (3 attempts)|1.2" \
    "$p.all_fail|fail: maestro-run ${rerun_all[*]} -- $show (3 attempts)|info"
}

section "1. pytest: $suite_tests tests of $suite_sleep, one fails once (flaky) or every time (fail)"
if [ -n "$pytest" ]; then
  id=$(suite pytest "$work/pysuite")
  say "  The failing test: $id; 'fail' runs use the same test, failing every time."
  [ -n "$reruns" ] || say "  pytest-rerunfailures is not installed: its line (pytest -q --reruns 2) is left out."
  runner_section pytest "$work/pysuite" reruns "$pytest" -q
else
  say "  pytest is not installed (and could not be): this section is left out."
fi

section "2. go test: $suite_tests tests of $suite_sleep, one fails once (flaky) or every time (fail)"
id=$(suite go "$work/gosuite")
say "  The failing test: $id; GOFLAGS=-count=1 (no cached results)."
[ -n "$gotestsum" ] || say "  gotestsum could not be installed: its line is left out."
runner_section go "$work/gosuite" gotestsum go test ./...

section "summary"
"$bin/measure" summary -kv "$kv"
# Other work on the machine slows some lines and not others (seconds each):
# the load says how far to trust one run.
say "  load at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
[ "$quick" = 1 ] && say "  QUICK MODE: medians of one run each; run without BENCH_QUICK for the figures"
exit 0
