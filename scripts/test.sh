#!/usr/bin/env bash
# Usage: sudo scripts/test.sh [STEP] [go test flags...]
#        sudo scripts/test.sh --exercise N [go test flags...]
# The README's test command: installs what is missing, checks formatting,
# vets every step, checks that each step keeps the step before it and that
# each lesson's code is in its source, then runs every step's tests against
# the real kernel (all steps at once, as users may run containers of several
# steps at once), and the unit tests of the tools in scripts/. With STEP (3
# or step03-mount), only that step's checks and tests:
# 'sudo scripts/test.sh 3 -run TestPivotRoot'.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

# --exercise N: step N's tests against the attendee's copy of it,
# workshop/stepNN-name (made by scripts/exercise.sh N).
if [ "${1:-}" = --exercise ]; then
	[ $# -ge 2 ] || die "usage: sudo scripts/test.sh --exercise N [go test flags...]"
	step=$(step_dir "$2") || die "no step '$2': the steps are $(steps | tr '\n' ' ')"
	shift 2
	[ -d "$repo/workshop/$step" ] || die "no workshop/$step: make it with 'scripts/exercise.sh $((10#${step:4:2}))'"
	need_root
	"$repo/scripts/setup.sh" --quiet
	# A stub that panics ends the test binary before its cleanups: what
	# the tests leave goes into a folder of ours.
	tmp=$(mktemp -d)
	chmod 755 "$tmp" # the tests run the binary as nobody too
	trap 'rm -rf --one-file-system "$tmp"' EXIT
	echo "test: go test workshop/$step"
	# Its own go.mod, not the repository's go.work (which lists the steps).
	(cd "$repo/workshop/$step" && TMPDIR=$tmp GOWORK=off go test -count=1 "$@" .)
	exit
fi

step=""
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
	step=$(step_dir "$1") || die "no step '$1': the steps are $(steps | tr '\n' ' ')"
	shift
fi
need_root
cd "$repo"

"$repo/scripts/setup.sh" --quiet
"$repo/scripts/doctor.sh" --quiet || die "this machine cannot run the tests yet: fix what failed above ('sudo scripts/doctor.sh' shows every check)"

if [ -n "$step" ]; then
	packages=("./$step/...")
else
	# The packages of every module that go.work lists (at a workspace root
	# without a module of its own, ./... matches nothing).
	mapfile -t packages < <(go list -f '{{.Dir}}' -m | sed "s|^$repo|.|; s|$|/...|")
fi

echo "test: gofmt"
unformatted=$(gofmt -l "${packages[@]%/...}")
[ -z "$unformatted" ] || die "gofmt would change these files (run 'gofmt -w' on them): $unformatted"
echo "test: go vet"
go vet "${packages[@]}"
echo "test: check-steps"
"$repo/scripts/check-steps.sh"
echo "test: check-lessons"
# A reader who applied a lesson's "Break it" changed lines the lesson shows:
# say so, and run the tests all the same.
lessons=0
"$repo/scripts/check-lessons.sh" ${step:+"$step"} || lessons=$?
if [ -z "$step" ]; then
	echo "test: doctor-test"
	"$repo/scripts/doctor-test.sh" | grep -v '^ok '
fi

echo "test: go test ${packages[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
go test -count=1 -v -p "${#packages[@]}" "$@" "${packages[@]}" >"$log" 2>&1 || status=$?
# Top-level results and anything that is not routine progress.
grep -vE '^(=== (RUN|PAUSE|CONT|NAME)|\s+--- PASS)' "$log" || true
passed=$(grep -c '^--- PASS' "$log" || true)
failed=$(grep -c '^--- FAIL' "$log" || true)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1 # a package that did not build or a TestMain that stopped
fi
echo "$passed passed, $failed failed"
[ "$lessons" -eq 0 ] || echo "test: a lesson shows code that is not in its step (above)"
[ "$status" -eq 0 ] && [ "$lessons" -eq 0 ]
