#!/bin/sh
# Captures this folder's fixtures from vitest on ./suite (see README.md).
# JS_DIR: a folder where `npm install vitest` was run.
set -u
cd "$(dirname "$0")"
out=$PWD
vitest="${JS_DIR:?set JS_DIR to a folder with node_modules/.bin/vitest}/node_modules/.bin/vitest"
cap() { # name, then the arguments
	name=$1; shift
	(cd suite && "$vitest" run --globals "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"); echo "$name: exit $?"
}
marker=$(mktemp -u)
FLAKY_MARKER=$marker cap all
rm -f "$marker"
FLAKY_MARKER=$marker cap verbose math.test.js
cap bail --bail 1
cap rerun --reporter=verbose math.test.js other.test.js -t '^(?:math flaky \(once\)|math nested \[deep\] \* fails \$1\.50 \+ \(x\)\?|adds|gone)$'
rm -f "$marker"
# A describe block's beforeAll throws; a test logs what looks like a pass.
(cd hooksuite && "$vitest" run --globals >"$out/hook.stdout" 2>"$out/hook.stderr"); echo "hook: exit $?"
