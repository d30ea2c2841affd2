#!/usr/bin/env bash
# bench/agent.sh: what maestro's agent hooks cost, against baselines measured
# in the same run (see bench/README.md). Run it from anywhere:
#
#   bash bench/agent.sh               # full run, about 4 minutes on 2 cores
#   BENCH_QUICK=1 bash bench/agent.sh # fewer runs, smaller repository:
#                                     # a smoke run, not the figures
#
# 1. each event an agent sends on every prompt and every tool call
#    (`maestro agent hook claude-code UserPromptSubmit`, PreToolUse,
#    PostToolUse, and SessionStart), fed Claude Code's payloads from
#    agent/testdata/payloads/claude-code/, against the Go floor
#    (bench/agentfloor: a Go program that reads the same stdin and exits),
#    interleaved;
# 2. the events that do more (an end of turn that changed nothing, a failed
#    command classified, a risky command checkpointed) against the same
#    floor, for reference;
# 3. the end-of-turn checkpoint (Stop) on a repository of 20,000 files with
#    1,000 checkpoints against `git stash create` on the same tree.
#
# It builds maestro with ./install.sh into a temporary PREFIX and the helpers
# under bench/ into the same temporary folder with install.sh's flags, runs
# everything there (HOME, XDG folders and git's configuration of its own),
# and removes it on exit. It leaves nothing in the repository. Missed goals
# are reported, not fatal: the exit status is 0 unless the benchmark itself
# cannot run.
#
# Knobs (environment): BENCH_QUICK=1, BENCH_EVENT_RUNS (500),
# BENCH_STOP_ROUNDS (15), BENCH_STOP_FILES (20000), BENCH_STOP_CHECKPOINTS
# (1000), BENCH_PAYLOADS (the fixture folder, default
# agent/testdata/payloads/claude-code).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '%s\n' "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
section() { printf '\n== %s\n\n' "$*"; }
# commas 20000 -> 20,000
commas() { local n=$1 s=; while [ ${#n} -gt 3 ]; do s=,${n: -3}$s n=${n:0:${#n}-3}; done; printf '%s' "$n$s"; }

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
  event_runs=${BENCH_EVENT_RUNS:-100} event_warmup=5 more_runs=20
  stop_rounds=${BENCH_STOP_ROUNDS:-5} stop_warmup=1
  stop_files=${BENCH_STOP_FILES:-2000} stop_cps=${BENCH_STOP_CHECKPOINTS:-100}
else
  event_runs=${BENCH_EVENT_RUNS:-500} event_warmup=20 more_runs=100
  stop_rounds=${BENCH_STOP_ROUNDS:-15} stop_warmup=2
  stop_files=${BENCH_STOP_FILES:-20000} stop_cps=${BENCH_STOP_CHECKPOINTS:-1000}
fi
payloads=${BENCH_PAYLOADS:-$root/agent/testdata/payloads/claude-code}
[ "$stop_files" -ge 100 ] && [ $((stop_files % 100)) = 0 ] || die "BENCH_STOP_FILES must be a multiple of 100"
[ "$stop_cps" -ge 2 ] || die "BENCH_STOP_CHECKPOINTS must be at least 2"

command -v go >/dev/null 2>&1 || die "go is not on PATH (install Go 1.26 or later)"
command -v git >/dev/null 2>&1 || die "git is not on PATH"

# fixture EVENT: the fixture of Claude Code's EVENT (the first file named
# after it), so the payloads are exactly the ones the tests pipe in.
fixture() {
  local f
  for f in "$payloads/$1.json" "$payloads/$1"*.json; do
    [ -f "$f" ] && { printf '%s\n' "$f"; return; }
  done
  die "no fixture for $1 in $payloads"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/maestro-agentbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bin=$work/bin kv=$work/results.kv
mkdir -p "$bin" "$work/home" "$work/xdg/config" "$work/xdg/state" "$work/xdg/cache" "$work/payloads"

section "build"
# Exactly what users get: install.sh into a temporary PREFIX.
# Its warnings are about the temporary PREFIX (not on PATH, completions and
# man pages where nothing reads them): left out.
PREFIX=$work/prefix "$root/install.sh" 2>&1 | sed -e '/: warning: /d' -e '/: hint: /d' -e 's/^/  /'
maestro=$work/prefix/bin/maestro
[ -x "$maestro" ] || die "install.sh did not install $maestro"
# The helpers with install.sh's flags: the floor must not be handicapped.
for h in agentfloor agentbench ckbench timeit measure; do
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$bin/$h" "./bench/$h")
done
say "  helpers: $bin/{agentfloor,agentbench,ckbench,timeit,measure}"
"$maestro" agent hook --help >/dev/null 2>&1 || die "this maestro has no 'agent hook' command"
floor=$bin/agentfloor ab=$bin/agentbench ck=$bin/ckbench

# No user configuration: neither maestro's nor git's nor the agent's. PATH
# starts with this maestro (ckbench runs "maestro" from PATH).
export PATH=$work/prefix/bin:$PATH HOME=$work/home
export XDG_CONFIG_HOME=$work/xdg/config XDG_STATE_HOME=$work/xdg/state XDG_CACHE_HOME=$work/xdg/cache
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(MAESTRO_|GIT_|CLAUDE_)' || true)
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
say "  temporary folder on $(df -P "$work" | awk 'NR==2 {print $1}') ($(stat -f -c %T "$work"))"
if [ "$quick" = 1 ]; then
  say "  mode: QUICK (BENCH_QUICK=1): fewer runs, a smaller repository; these are NOT the issue's figures"
else
  say "  mode: full"
fi
say "  $event_runs runs of each event, $more_runs of the costlier ones; Stop: $stop_rounds rounds on"
say "  $(commas "$stop_files") files with $(commas "$stop_cps") checkpoints; payloads from ${payloads#"$root"/}"

# mkpayloads REPO SID: this run's copy of each fixture, pointed at REPO and
# at agent session SID (the fields Claude Code fills in for the machine it
# runs on); everything else as the fixture has it.
mkpayloads() {
  local repo=$1 sid=$2 ev
  : >"$work/transcript.jsonl"
  for ev in SessionStart UserPromptSubmit PreToolUse PostToolUse Stop; do
    "$ab" payload -in "$(fixture "$ev")" -out "$work/payloads/$ev.json" \
      -set "cwd=$repo" -set "session_id=$sid" -set "transcript_path=$work/transcript.jsonl"
  done
  # The common case of each: a command that is not risky; one that passed.
  # maestro registers its tool hooks for Bash only (matcher "Bash"), so a
  # PostToolUse it gets is Bash's: tool_response as the hooks page shows a
  # Bash call's (stdout, stderr, interrupted, isImage), whatever tool the
  # fixture shows. https://code.claude.com/docs/en/hooks#posttooluse-input
  "$ab" payload -in "$work/payloads/PreToolUse.json" -out "$work/payloads/PreToolUse.json" \
    -set 'tool_input.command=go test ./...'
  "$ab" payload -in "$work/payloads/PostToolUse.json" -out "$work/payloads/PostToolUse.json" \
    -put tool_name=Bash -put 'tool_input={"command":"go test ./...","description":"Run the tests"}' \
    -put 'tool_response={"stdout":"ok  \texample.com/calc\t0.012s\n","stderr":"","interrupted":false,"isImage":false}'
}
hook() { printf '%s' "$maestro agent hook claude-code $1 <$work/payloads/$1.json"; }

section "1. events on every prompt and tool call against the Go floor: $event_runs interleaved runs of each"
# A repository of 10 files, as a hook sees most often: the events below
# must not depend on its size (they start no git process they do not need).
"$ck" mkrepo -dir "$work/small" -dirs 1 -per 10
export CLAUDE_PROJECT_DIR=$work/small
sid=5f8e2c1a-0b7d-4e3f-9a6c-2d1b8e4f7a90
mkpayloads "$work/small" "$sid"
say "  In a repository of 10 files, Claude Code session $sid; each payload is its fixture"
say "  with cwd, session_id and transcript_path of this run; PreToolUse and PostToolUse: Bash running"
say "  'go test ./...' (not risky; it passed)."
say "  Each event run once first, checked: exit 0, nothing on stderr."
for ev in SessionStart UserPromptSubmit PreToolUse PostToolUse Stop; do
  (cd "$work/small" && "$ab" once -dir . -in "$work/payloads/$ev.json" -- "$maestro" agent hook claude-code "$ev" >/dev/null) ||
    die "maestro agent hook claude-code $ev failed on its fixture (above)"
done
say
(cd "$work/small" && "$bin/timeit" -cpu -n "$event_runs" -warmup "$event_warmup" -kv "$kv" -prefix events \
  "floor_prompt=$floor <$work/payloads/UserPromptSubmit.json" "prompt=$(hook UserPromptSubmit)" \
  "floor_pre=$floor <$work/payloads/PreToolUse.json" "pre=$(hook PreToolUse)" \
  "floor_post=$floor <$work/payloads/PostToolUse.json" "post=$(hook PostToolUse)" \
  "floor_start=$floor <$work/payloads/SessionStart.json" "start=$(hook SessionStart)")
say
for p in "prompt UserPromptSubmit" "pre PreToolUse" "post PostToolUse"; do
  set -- $p
  "$ck" ratio -kv "$kv" -num "events.$1.median_ms" -den "events.floor_$1.median_ms" -goal 1.3 -section events \
    -what "$2 / Go floor (medians)"
done
"$ck" ratio -kv "$kv" -num events.start.median_ms -den events.floor_start.median_ms -info -section events \
  -what "SessionStart / Go floor (medians)"

section "2. events that do more, for reference: $more_runs interleaved runs of each"
# Apart from section 1: a run right after one of these (git processes,
# files written) is slower, and in turns that would be the next floor's.
# The end of a turn that changed nothing: no checkpoint. A failed command:
# classified, its block for the model written (and the failures in a row
# counted, so most runs also name the rollback). A risky command: a
# checkpoint first (of a clean tree here: HEAD).
"$ab" payload -in "$work/payloads/PreToolUse.json" -out "$work/payloads/PreToolUse-risky.json" \
  -set 'tool_input.command=rm -rf build'
# The error text of a real run: "Exit code N", then the command's output
# (agent/testdata/payloads/README.md), here pytest's report of one failure.
pytest_out='Exit code 1\n============================= test session starts ==============================\ncollected 12 items\n\ntests/test_calc.py ...........F                                          [100%]\n\n=================================== FAILURES ===================================\n________________________________ test_divide ___________________________________\n\n    def test_divide():\n>       assert divide(1, 0) == 0\nE       ZeroDivisionError: division by zero\n\ntests/test_calc.py:31: ZeroDivisionError\n=========================== short test summary info ============================\nFAILED tests/test_calc.py::test_divide - ZeroDivisionError: division by zero\n========================= 1 failed, 11 passed in 0.04s ========================='
"$ab" payload -in "$(fixture PostToolUseFailure)" -out "$work/payloads/PostToolUseFailure.json" \
  -set "cwd=$work/small" -set "session_id=$sid" -set "transcript_path=$work/transcript.jsonl" \
  -set 'tool_input.command=pytest tests/' -set "error=\"$pytest_out\""
for ev in PostToolUseFailure PreToolUse-risky; do
  out=$(cd "$work/small" && "$ab" once -dir . -in "$work/payloads/$ev.json" -- "$maestro" agent hook claude-code "${ev%-risky}") ||
    die "maestro agent hook claude-code ${ev%-risky} failed on its fixture (above)"
  [ "$ev" = PostToolUseFailure ] && [ -z "$out" ] && die "PostToolUseFailure: the hook said nothing to the model"
done
cps=$("$ab" count -dir "$work/small" -prefix refs/maestro/checkpoints/)
[ "$cps" -ge 1 ] || die "PreToolUse of 'rm -rf build' made no checkpoint"
say "  Stop: the tree unchanged since the last checkpoint (none is made)."
say "  PostToolUseFailure: 'pytest tests/' failed (its error text a real one: 'Exit code 1' and pytest's"
say "  report); PreToolUse: Bash running 'rm -rf build' (risky: a checkpoint each time)."
say
(cd "$work/small" && "$bin/timeit" -cpu -n "$more_runs" -warmup 2 -kv "$kv" -prefix more \
  "floor_stop=$floor <$work/payloads/Stop.json" "stop=$(hook Stop)" \
  "floor_fail=$floor <$work/payloads/PostToolUseFailure.json" \
  "fail=$maestro agent hook claude-code PostToolUseFailure <$work/payloads/PostToolUseFailure.json" \
  "floor_risky=$floor <$work/payloads/PreToolUse-risky.json" \
  "risky=$maestro agent hook claude-code PreToolUse <$work/payloads/PreToolUse-risky.json")
say
"$ck" ratio -kv "$kv" -num more.stop.median_ms -den more.floor_stop.median_ms -info -section events \
  -what "Stop, tree unchanged / Go floor (medians)"
"$ck" ratio -kv "$kv" -num more.fail.median_ms -den more.floor_fail.median_ms -info -section events \
  -what "PostToolUseFailure (classified) / Go floor (medians)"
"$ck" ratio -kv "$kv" -num more.risky.median_ms -den more.floor_risky.median_ms -info -section events \
  -what "PreToolUse, risky (checkpoint) / Go floor (medians)"

section "3. end of turn: the Stop checkpoint against git stash create, $(commas "$stop_files") files, $(commas "$stop_cps") checkpoints"
big=$work/big
"$ck" mkrepo -dir "$big" -dirs 100 -per $((stop_files / 100))
# The index as a repository that has been worked in has it: its entries'
# times older than the index itself, so no command re-reads every file
# ("racily clean" entries, when files and index share the same second).
while [ "$(date +%s)" = "$(stat -c %Y "$big/.git/index")" ]; do sleep 0.1; done
git -C "$big" update-index -q --really-refresh
export CLAUDE_PROJECT_DIR=$big
sid=0c9b7a65-3d2e-4f10-8a4b-6e5d7c8b9a01
mkpayloads "$big" "$sid"
for ev in SessionStart UserPromptSubmit; do
  "$ab" once -dir "$big" -in "$work/payloads/$ev.json" -- "$maestro" agent hook claude-code "$ev" >/dev/null
done
# One real end-of-turn checkpoint, then its record copied to make the rest
# (ckbench fabricate, as bench/checkpoints.sh does for 10,000).
printf 'turn 0\n' >>"$big/d000/f0000.txt"
"$ab" once -dir "$big" -in "$work/payloads/Stop.json" -- "$maestro" agent hook claude-code Stop >/dev/null
session=$(git -C "$big" for-each-ref --format='%(refname)' refs/maestro/checkpoints/ | sed -n 's#^refs/maestro/checkpoints/\([^/]*\)/.*#\1#p' | sort -u)
[ -n "$session" ] && [ "$(printf '%s\n' "$session" | wc -l)" = 1 ] ||
  die "expected the Stop event to make one checkpoint in one session; refs/maestro/checkpoints/ has: ${session:-nothing}"
start=$(date +%s.%N)
"$ck" fabricate -dir "$big" -session "$session" -n $((stop_cps - 1)) -tmp "$work/records"
say "  A repository of $(commas "$stop_files") files in 100 folders, its agent session bound to maestro session"
say "  $session; 1 real Stop checkpoint and $(commas $((stop_cps - 1))) FABRICATED with plain git (copies of its record;"
say "  $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s). Each round appends a line to one tracked file (a turn's change), then"
say "  times 'git stash create' and the Stop hook on that same tree, in turns; $stop_warmup untimed rounds first."
say
"$ab" stop -dir "$big" -in "$work/payloads/Stop.json" -session "$session" -rounds "$stop_rounds" -warmup "$stop_warmup" \
  -goal 1.5 -label "$(commas "$stop_files") files, $(commas "$stop_cps") checkpoints" -key stop -kv "$kv" \
  -- "$maestro" agent hook claude-code Stop

section "summary"
"$bin/measure" summary -kv "$kv"
[ "$quick" = 1 ] && say "  QUICK MODE: fewer runs and a smaller repository than the issue asks for; run without BENCH_QUICK for the figures"
exit 0
