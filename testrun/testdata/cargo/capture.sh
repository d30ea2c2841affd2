#!/bin/sh
# Captures the fixtures of this folder from cargo test on ./crate (see README.md).
set -u
cd "$(dirname "$0")"
out=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(mktemp -d)}" RUST_BACKTRACE=0
cap() { # name, then the command (run in ./crate)
	name=$1; shift
	(cd crate && "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"); echo "$name: exit $?"
}
marker=$(mktemp -u)
FLAKY_MARKER=$marker cap fail-fast cargo test
FLAKY_MARKER=$marker cap no-fail-fast cargo test --no-fail-fast
rm -f "$marker"
FLAKY_MARKER=$marker cap quiet cargo test -q
CRASH=1 cap crash cargo test --no-fail-fast --test crash --test it
cap rerun cargo test --no-fail-fast -- --exact tests::flaky tests::nested::deep_fails integration_ok tests::gone
cp crate/src/lib.rs "$out/lib.rs.orig"
echo 'fn bad() -> i32 { undefined_x }' >>crate/src/lib.rs
cap build-error cargo test
mv "$out/lib.rs.orig" crate/src/lib.rs
# Doc-tests: a failing one.
sed -i 's/add(1, 1), 2)/add(1, 1), 3)/' crate/src/lib.rs
cap doctest cargo test --doc
sed -i 's/add(1, 1), 3)/add(1, 1), 2)/' crate/src/lib.rs
# Test output not captured: it mixes with libtest's lines.
cap nocapture cargo test --lib -- --nocapture --test-threads 4
