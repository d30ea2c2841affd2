#!/bin/sh
# Captures this folder's fixtures from jest on ./suite (see README.md).
# JS_DIR: a folder where `npm install jest` was run.
set -u
cd "$(dirname "$0")"
out=$PWD
jest="${JS_DIR:?set JS_DIR to a folder with node_modules/.bin/jest}/node_modules/.bin/jest"
cap() { # name, then the arguments
	name=$1; shift
	(cd suite && "$jest" --ci "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"); echo "$name: exit $?"
}
marker=$(mktemp -u)
FLAKY_MARKER=$marker cap all
rm -f "$marker"
FLAKY_MARKER=$marker cap verbose math.test.js
cap bail --bail
cap rerun --verbose '(?:^|/)math\.test\.js$' '(?:^|/)other\.test\.js$' --testNamePattern '^(?:math flaky \(once\)|math nested \[deep\] \* fails \$1\.50 \+ \(x\)\?|adds|gone)$'
rm -f "$marker"
# A describe block's beforeAll throws; a test logs what looks like a pass.
(cd hooksuite && "$jest" --ci --verbose >"$out/hook.stdout" 2>"$out/hook.stderr"); echo "hook: exit $?"
# In colour, as on a terminal, with the escape sequences removed as maestro
# removes them before a parser reads a line.
(cd suite && FORCE_COLOR=1 "$jest" --ci --verbose math.test.js 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >"$out/color.stderr"); echo "color: done"
