#!/usr/bin/env bash
# Usage: sudo scripts/test.sh [go test flags...]
# The README's test command: installs what is missing, checks formatting,
# vets every step, checks that each step keeps the step before it, then runs
# every step's tests against the real kernel (all steps at once, as users
# may run containers of several steps at once).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
need_root
cd "$repo"

"$repo/scripts/setup.sh"

# The packages of every module that go.work lists (at a workspace root
# without a module of its own, ./... matches nothing).
mapfile -t packages < <(go list -f '{{.Dir}}' -m | sed "s|^$repo|.|; s|$|/...|")

echo "test: gofmt"
unformatted=$(gofmt -l "${packages[@]%/...}")
[ -z "$unformatted" ] || die "gofmt would change these files (run 'gofmt -w' on them): $unformatted"
echo "test: go vet"
go vet "${packages[@]}"
echo "test: check-steps"
"$repo/scripts/check-steps.sh"

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
[ "$status" -eq 0 ]
