#!/usr/bin/env bash
# Usage: scripts/check-steps.sh
# Checks that each step keeps what the step before it has: every .go file,
# every test function, and every go.mod line but the module line.
# Prints what was lost and fails if anything was.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

tests_of() {
	sed -n 's/^func \(Test[A-Za-z0-9_]*\)(.*/\1/p' "$repo/$1"/*_test.go | sort -u
}

lost=0
prev=""
for step in $(steps); do
	if [ -n "$prev" ]; then
		for file in "$repo/$prev"/*.go; do
			file=$(basename "$file")
			[ -f "$repo/$step/$file" ] || { echo "$step lost $file (from $prev)"; lost=1; }
		done
		for test in $(comm -23 <(tests_of "$prev") <(tests_of "$step")); do
			echo "$step lost $test (from $prev)"
			lost=1
		done
		while read -r line; do
			echo "$step/go.mod lost or changed '$line' (from $prev): only the module line may differ"
			lost=1
		done < <(comm -23 <(grep -v '^module ' "$repo/$prev/go.mod" | sort -u) <(sort -u "$repo/$step/go.mod"))
	fi
	prev=$step
done
[ "$lost" -eq 0 ] && echo "check-steps: every step keeps the files, tests and go.mod lines of the step before"
exit "$lost"
