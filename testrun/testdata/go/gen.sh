#!/bin/sh
# Captures the fixtures of this folder from real runs of go test on the
# module in suite/ (see README.md). Run it from this folder:  sh gen.sh
# Output is stdout and stderr merged, as a terminal shows them.
set -u
here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r suite "$work/suite"
cd "$work/suite"
export GOFLAGS=-count=1 MARK_DIR="$work" GOCACHE="${GOCACHE:-$work/cache}" LC_ALL=C
cap() { # cap FIXTURE ARGS...: runs go test ARGS, keeps its output and exit code
	f=$1; shift
	go test "$@" >"$here/$f" 2>&1
	echo "$f: go test $* (exit $?)"
}
rm -f "$work/flaky"
cap plain.txt ./a ./b ./d ./p ./tm ./nt ./s
rm -f "$work/flaky"
cap verbose.txt -v ./a ./b
rm -f "$work/flaky"
cap json.txt -json ./a ./b ./d ./p ./tm ./nt ./s
cap rerun_a.txt '-run=^TestFlaky$|^TestDeterministic$|^TestTable$/^a_b\[1\]\+\(x\)$|^TestTable$/^ü$/^ß$|^TestTable$/^-dash$|^TestTable$/^back\\slash\|pipe$|^TestTable$/^\^\$\.\*$|^TestTable$/^\{2\}\?$|^TestTable$/^\\x01_z$|^TestTable$/^dup$|^TestTable$/^dup#01$|^TestParentOnly$' -v ./a
cap rerun_b.txt '-run=^TestDeep$/^x$/^y$' -v ./b
cap rerun_json.txt '-run=^TestFlaky$|^TestDeep$/^x$/^y$' -json ./a
cap notests.txt -run=^TestMissing$ -v ./b
cap failfast.txt -failfast ./a ./b
cap filemode.txt b/b_test.go
cap panic_v.txt -v ./p
cap timeout.txt -timeout 1s ./slow
cap timeout_json.txt -json -timeout 1s ./slow
cap fatal.txt ./fatal
cap killed.txt -v ./kill
