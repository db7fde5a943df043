#!/usr/bin/env bash
# Usage: scripts/check-lessons.sh [--break-it] [STEP...]
# Checks the lessons (each step's README.md) of every step, or of the STEPs
# given (3 or step03-mount): every ```go block of the README must be in the
# step's .go files ('lesson check-code'). With --break-it, also applies each
# diff of "Break it" to a copy of the step and checks that the tests it names
# fail ('lesson break-it', which needs root and runs those tests).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

break_it=""
selected=()
for arg in "$@"; do
	case $arg in
	--break-it) break_it=1 ;;
	-h | --help)
		sed -n '2,7s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	-*) die "unknown option '$arg' (usage: scripts/check-lessons.sh [--break-it] [STEP...])" ;;
	*)
		step=$(step_dir "$arg") || die "no step '$arg': the steps are $(steps | tr '\n' ' ')"
		selected+=("$step")
		;;
	esac
done
[ ${#selected[@]} -gt 0 ] || mapfile -t selected < <(steps)
[ -z "$break_it" ] || need_root

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd "$repo/scripts/lesson" && go build -o "$bin/lesson" .) || die "could not build scripts/lesson"

cd "$repo"
status=0
"$bin/lesson" check-code "${selected[@]}" || status=1
if [ -n "$break_it" ]; then
	"$bin/lesson" break-it "${selected[@]}" || status=1
fi
exit "$status"
