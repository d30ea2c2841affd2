#!/usr/bin/env bash
# bench/run.sh: maestro-run's performance against baselines measured in the
# same run (see bench/README.md). Run it from anywhere:
#
#   bash bench/run.sh               # full run, about 1 minute on 2 cores
#   BENCH_QUICK=1 bash bench/run.sh # fewer repetitions, about 30 seconds
#
# It builds maestro with ./install.sh into a temporary PREFIX (so it measures
# exactly what users install) and the helpers under bench/ into the same
# temporary folder, runs everything there, and removes it on exit. It leaves
# nothing in the repository. Missed goals are reported, not fatal: the exit
# status is 0 unless the benchmark itself cannot run.
#
# Knobs (environment): BENCH_QUICK=1, BENCH_STARTUP_RUNS, BENCH_STREAM_RUNS,
# BENCH_INITTRACE_RUNS (GODEBUG=inittrace=1 runs of maestro version),
# BENCH_STREAM_BYTES and BENCH_CLASSIFY_BYTES (default 1073741824 = 1 GiB),
# BENCH_BASELINE=REV (also build revision REV of this repository, the same
# way, and time its maestro-run in the same start-up rounds: a regression
# shows as a ratio above 1). Needs Go; installs Debian's
# retry with apt-get when it is missing (sudo when not root) and says so.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '%s\n' "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
section() { printf '\n== %s\n\n' "$*"; }

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  startup_runs=${BENCH_STARTUP_RUNS:-200} startup_warmup=20
  stream_runs=${BENCH_STREAM_RUNS:-3} inittrace_runs=${BENCH_INITTRACE_RUNS:-20}
else
  startup_runs=${BENCH_STARTUP_RUNS:-1000} startup_warmup=50
  stream_runs=${BENCH_STREAM_RUNS:-9} inittrace_runs=${BENCH_INITTRACE_RUNS:-100}
fi
stream_bytes=${BENCH_STREAM_BYTES:-1073741824}
classify_bytes=${BENCH_CLASSIFY_BYTES:-1073741824}

command -v go >/dev/null 2>&1 || die "go is not on PATH (install Go 1.26 or later)"

# Debian's retry (C) is the reference wrapper. Install it when missing.
if ! command -v retry >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  say "bench: Debian's retry is missing: installing it with: $sudo apt-get install -y retry"
  if ! { $sudo apt-get install -y retry >/dev/null || { $sudo apt-get update >/dev/null && $sudo apt-get install -y retry >/dev/null; }; }; then
    say "bench: warning: could not install retry; the figures that compare with it are left out" >&2
  fi
fi
retry=$(type -P retry || true)
if [ -n "$retry" ] && ! "$retry" --help 2>&1 | grep -q -- "--times"; then
  say "bench: warning: $retry is not Debian's retry (no --times in its help); the figures that compare with it are left out" >&2
  retry=
fi
true_bin=$(type -P true) || die "no true executable on PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/maestro-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bin=$work/bin kv=$work/results.kv
mkdir -p "$bin" "$work/run" "$work/xdg/config" "$work/xdg/state"

section "build"
# Exactly what users get: install.sh into a temporary PREFIX.
PREFIX=$work/prefix "$root/install.sh" 2>&1 | sed -e '/is not on your PATH/d' -e '/hint: add it/d' -e 's/^/  /'
mr=$work/prefix/bin/maestro-run
[ -x "$mr" ] || die "install.sh did not install $mr"
# The helpers, built like maestro (the floor must not be handicapped).
for h in execfloor emptyfloor urfavefloor inittrace timeit measure ckbench; do
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$bin/$h" "./bench/$h")
done
say "  helpers: $bin/{execfloor,emptyfloor,urfavefloor,inittrace,timeit,measure,ckbench}"
# The previous build, to measure against (bench/baseline.sh).
base_mr=
if [ -n "${BENCH_BASELINE:-}" ]; then
  . "$root/bench/baseline.sh"
  base_mr=$(build_baseline)-run || exit 1
fi
# Every program timed is a copy, not the file the linker wrote: how a file
# came into the page cache changes how many page faults starting it takes
# (a freshly linked one took up to 10% more than its copy here), and the
# floors, maestro and the baseline must start on equal terms.
for f in "$bin"/* "$work/prefix/bin/maestro" ${base_mr:+"${base_mr%-run}"}; do
  cp "$f" "$f.copy" && mv -f "$f.copy" "$f"
done

# Measure in an empty folder outside any repository, with no user
# configuration: the plain path every maestro-run takes.
cd "$work/run"
export XDG_CONFIG_HOME=$work/xdg/config XDG_STATE_HOME=$work/xdg/state
while read -r v; do unset "$v"; done < <(compgen -e | grep '^MAESTRO_' || true)

section "machine"
say "  $(uname -srm), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say "  $(go version)"
say "  $("$work/prefix/bin/maestro" version 2>&1 | head -1)"
if [ -n "$retry" ]; then
  say "  retry $(dpkg-query -W -f '${Version}' retry 2>/dev/null || echo '(version unknown)') at $retry"
fi
say "  mode: $([ "${BENCH_QUICK:-0}" = 1 ] && echo quick || echo full): $startup_runs start-up runs, $stream_runs stream runs of $((stream_bytes >> 20)) MiB"

section "1. start-up overhead: $startup_runs interleaved runs of each, median wall time"
mv=$work/prefix/bin/maestro
startup_cmds=("true=$true_bin" "emptyfloor=$bin/emptyfloor" "urfavefloor=$bin/urfavefloor" "execfloor=$bin/execfloor $true_bin")
# Debian's retry: -t 1 is one try (-t counts tries, not retries).
[ -n "$retry" ] && startup_cmds+=("retry=$retry -t 1 -- $true_bin")
startup_cmds+=("maestro_version=$mv version" "maestro_run=$mr $true_bin")
[ -n "$base_mr" ] && startup_cmds+=("maestro_run_baseline=$base_mr $true_bin")
"$bin/timeit" -n "$startup_runs" -warmup "$startup_warmup" -kv "$kv" -prefix startup "${startup_cmds[@]}"
"$bin/measure" startup -kv "$kv" -floor-goal-ms 1 -retry-goal 1.5
# Issue 15's goals: getting to main (maestro version against a Go program
# that does nothing) and wrapping (maestro-run against the Go floor).
"$bin/ckbench" ratio -kv "$kv" -num startup.maestro_version.median_ms -den startup.emptyfloor.median_ms \
  -goal 1.5 -section start-up -what "maestro version / empty Go program (medians)" -label "maestro version / empty Go program"
"$bin/ckbench" ratio -kv "$kv" -num startup.maestro_run.median_ms -den startup.execfloor.median_ms \
  -goal 1.3 -section start-up -what "maestro-run true / execfloor true (medians)" -label "maestro-run true / execfloor true"
# What urfave/cli/v2's initialisation alone costs (urfavefloor imports it
# and does nothing): a part of maestro version's ratio that no code of
# maestro's runs.
"$bin/ckbench" ratio -kv "$kv" -num startup.urfavefloor.median_ms -den startup.emptyfloor.median_ms \
  -info -section start-up -what "empty program importing urfave/cli/v2 / empty Go program (medians)" -label "urfavefloor / empty Go program"
# Where the time before main goes, beside the ratios: package
# initialisation (GODEBUG=inittrace=1) and the binary's size.
say
"$bin/inittrace" -n "$inittrace_runs" -kv "$kv" -key maestro -label "maestro version" "$mv" version
if [ -n "$base_mr" ]; then
  "$bin/inittrace" -n "$inittrace_runs" -kv "$kv" -key maestro_baseline -label "${BENCH_BASELINE} maestro version" "${base_mr%-run}" version
fi
if [ -n "$base_mr" ]; then
  # Unchanged start-up is the goal; 3% is about what these medians move
  # between runs of the same binary on this kind of machine.
  "$bin/ckbench" ratio -kv "$kv" -num startup.maestro_run.median_ms -den startup.maestro_run_baseline.median_ms \
    -goal 1.03 -section start-up -what "maestro-run true: this build / ${BENCH_BASELINE} (medians)"
fi

section "2. streaming $((stream_bytes >> 20)) MiB of stdout, piped on to cat, $stream_runs interleaved runs of each"
stream_cmds=('cat=head -c $BYTES /dev/zero | cat | cat' "maestro=$mr -- head -c \$BYTES /dev/zero | cat")
[ -n "$retry" ] && stream_cmds+=("retry=$retry -t 1 -- head -c \$BYTES /dev/zero | cat")
"$bin/measure" stream -n "$stream_runs" -bytes "$stream_bytes" -fit retry -kv "$kv" \
  -subject maestro -ratio-goal 1.2 -rss-goal-mib 32 "${stream_cmds[@]}"
say "  (retry keeps the whole stream in memory and writes it out only when the command has"
say "   ended; it is there for reference, with no goal)"

section "3. schedule accuracy with --no-jitter: measured delays against --explain"
sched=(--no-jitter --max-attempts 6 --base-delay 100ms --max-delay 1s --exponential-base 2)
say "  maestro-run ${sched[*]} -- measure stamp FILE 20ms 1"
say "  (each attempt stamps its start, works 20 ms, stamps its end and exits 1)"
say
"$mr" "${sched[@]}" --explain --json >"$work/explain.json"
rc=0
"$mr" -q "${sched[@]}" --report "$work/report.json" -- "$bin/measure" stamp "$work/stamps" 20ms 1 || rc=$?
[ "$rc" = 1 ] || die "maestro-run exited $rc, expected the command's own 1"
"$bin/measure" schedule -explain "$work/explain.json" -report "$work/report.json" \
  -stamps "$work/stamps" -tolerance 50ms -kv "$kv"

section "4. maestro classify on a $((classify_bytes >> 20)) MiB log, $stream_runs interleaved runs of each"
# A CI log that ends in a failing test (measure genlog). cat reads it, grep
# scans it for one pattern, classify reads it and keeps what maestro run
# keeps (the head and the tail), then tries every rule of the catalog.
"$bin/measure" genlog -bytes "$classify_bytes" "$work/ci.log"
got=$("$work/prefix/bin/maestro" classify --exit-code 1 "$work/ci.log" | sed -n 's/^failure_type: //p')
[ "$got" = test_failure ] || die "maestro classify says $got of the log, expected test_failure"
say "  maestro classify --exit-code 1 ci.log: failure_type $got"
say
"$bin/measure" stream -n "$stream_runs" -bytes "$classify_bytes" -kv "$kv" -key classify \
  -subject classify -ratio-goal 0 -rss-goal-mib 32 -section classify \
  -label "log through maestro classify / through cat" -rss-label "maestro classify peak RSS" \
  "cat=cat $work/ci.log" "grep=grep -c ^FAILED $work/ci.log" \
  "classify=$work/prefix/bin/maestro classify --exit-code 1 $work/ci.log"
rm -f "$work/ci.log"

section "summary"
"$bin/measure" summary -kv "$kv"
