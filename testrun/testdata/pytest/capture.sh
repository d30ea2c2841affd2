#!/bin/sh
# Captures the fixtures of this folder from pytest on ./suite (see README.md).
set -u
cd "$(dirname "$0")"
out=$PWD
work=$(mktemp -d)
export PYTHONDONTWRITEBYTECODE=1 PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 COLUMNS=80
export HOME="$work/home" XDG_CACHE_HOME="$work/cache" FLAKY_MARK="$work/flaky-mark"
unset PYTEST_ADDOPTS
suite() { # a fresh copy of the suite in $work/suite, with the extra files named
	rm -rf "$work/suite" "$FLAKY_MARK"; cp -r suite "$work/suite"
	cp suite/dash.py.in "$work/suite/-dash_test.py"
	for f in "$@"; do cp "suite/$f.py.in" "$work/suite/test_$f.py"; done
	rm -f "$work/suite"/*.in
}
cap() { # name, then the command (run in the suite); the temporary folder becomes /tmp/suite
	name=$1; shift
	(cd "$work/suite" && "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"); echo "$name: exit $?"
	sed -i "s#$work/suite#/tmp/suite#g; s#$work#/tmp#g" "$out/$name.stdout" "$out/$name.stderr"
}
suite; cap whole pytest -p no:cacheprovider
suite; cap verbose pytest -p no:cacheprovider -v
suite; cap quiet pytest -p no:cacheprovider -q
suite; cap quiet2 pytest -p no:cacheprovider -qq
# The rerun Rerun builds for the failures of "whole"; the flaky test has
# failed once, so it passes now.
cap rerun pytest -p no:cacheprovider -rfEpxX -- './-dash_test.py::test_dash' 'test_main.py::test_flaky' 'test_main.py::test_bad' 'test_main.py::test_param[x - y]' 'test_main.py::test_param[[z]]' 'test_main.py::test_param[\u7121]' 'test_main.py::test_param[ok] - [no]' 'test_main.py::TestC::test_m[2]' 'test_main.py::TestC::TestInner::test_deep' 'test_main.py::test_skippable' 'test_main.py::test_setup_err' 'test_main.py::test_teardown_err'
SKIP_BAD=1 cap rerun-skipped pytest -p no:cacheprovider -rfEpxX -- test_main.py::test_ok test_main.py::test_skippable
cap rerun-not-found pytest -p no:cacheprovider -rfEpxX -- test_main.py::test_ok test_main.py::test_gone 'test_main.py::test_param[gone]'
cap rerun-no-file pytest -p no:cacheprovider -rfEpxX -- test_main.py::test_ok gone_test.py::test_x
suite; cap exitfirst pytest -p no:cacheprovider -x
suite; cap maxfail pytest -p no:cacheprovider --maxfail=2
suite broken; cap collection-error pytest -p no:cacheprovider
suite crash; cap crash pytest -p no:cacheprovider test_crash.py
suite crash; cap crash-quiet pytest -p no:cacheprovider -q -p no:faulthandler test_crash.py
suite; INTERNAL_ERROR=1 cap internal-error pytest -p no:cacheprovider
pytest --version >"$out/version.txt" 2>&1
rm -rf "$work"
