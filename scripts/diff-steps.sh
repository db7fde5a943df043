#!/usr/bin/env bash
# Usage: scripts/diff-steps.sh A B [--tests|--all]
# Shows what step B adds to step A, for readers: 'scripts/diff-steps.sh 1 2'
# or 'scripts/diff-steps.sh step01-uts step02-pid'. First a summary of every
# changed file (go.sum and build outputs left out), then the program's code:
# the files both steps have (where the new feature hooks in), then the new
# files; then go.mod. --tests adds the tests (*_test.go, testdata); --all
# adds everything else too (README.md).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage="usage: scripts/diff-steps.sh A B [--tests|--all] (for example: 1 2)"
scope=code
operands=()
for arg in "$@"; do
	case $arg in
	--tests) scope=tests ;;
	--all) scope=all ;;
	-h | --help)
		echo "$usage"
		exit 0
		;;
	-*) die "unknown option '$arg' ($usage)" ;;
	*) operands+=("$arg") ;;
	esac
done
[ ${#operands[@]} -eq 2 ] || die "$usage"
a=$(step_dir "${operands[0]}") || die "no step '${operands[0]}': the steps are $(steps | tr '\n' ' ')"
b=$(step_dir "${operands[1]}") || die "no step '${operands[1]}': the steps are $(steps | tr '\n' ' ')"
cd "$repo"

# files_of STEP lists a step's files, relative to it, without go.sum,
# build outputs and hidden files.
files_of() {
	(cd "$1" && find . -type f ! -name go.sum ! -name container ! -name '*.test' ! -path '*/.*' |
		sed 's|^\./||' | LC_ALL=C sort)
}
mapfile -t files < <({
	files_of "$a"
	files_of "$b"
} | LC_ALL=C sort -u)

# kind FILE: code, test, mod or other.
kind() {
	case $1 in
	*_test.go | testdata/*) echo test ;;
	*.go) echo code ;;
	go.mod) echo mod ;;
	*) echo other ;;
	esac
}

# file_diff FILE prints the unified diff of FILE from A to B, headed by
# step-relative names (no dates, no temporary paths).
file_diff() {
	local old=$a/$1 new=$b/$1 old_label=$a/$1 new_label=$b/$1
	[ -f "$old" ] || { old=/dev/null old_label=/dev/null; }
	[ -f "$new" ] || { new=/dev/null new_label=/dev/null; }
	# diff exits 1 when the files differ, which is the point.
	diff -u --label "$old_label" --label "$new_label" "$old" "$new" || [ $? -eq 1 ]
}

# The summary: each changed file with its lines added and removed.
summary() {
	local file counts added removed total_added=0 total_removed=0 changed=0
	for file in "${files[@]}"; do
		counts=$(file_diff "$file" | awk '
			/^(\+\+\+|---) / && NR <= 2 { next }
			/^\+/ { added++ } /^-/ { removed++ }
			END { print added + 0, removed + 0 }')
		read -r added removed <<<"$counts"
		if [ "$added" -eq 0 ] && [ "$removed" -eq 0 ]; then
			cmp -s "$a/$file" "$b/$file" 2>/dev/null && continue
		fi
		local state=""
		[ -f "$a/$file" ] || state=" (new)"
		[ -f "$b/$file" ] || state=" (removed)"
		printf ' %-32s %5s %5s%s\n' "$file" "+$added" "-$removed" "$state"
		total_added=$((total_added + added))
		total_removed=$((total_removed + removed))
		changed=$((changed + 1))
	done
	echo " $changed files changed, $total_added lines added, $total_removed removed ($a -> $b)"
}

# section TITLE KIND prints the diffs of the files of KIND: first those
# both steps have, then the new ones, then any removed.
section() {
	local title=$1 want=$2 file printed=""
	local -a both=() new=() removed=()
	for file in "${files[@]}"; do
		[ "$(kind "$file")" = "$want" ] || continue
		cmp -s "$a/$file" "$b/$file" 2>/dev/null && continue
		if [ -f "$a/$file" ] && [ -f "$b/$file" ]; then
			both+=("$file")
		elif [ -f "$b/$file" ]; then
			new+=("$file")
		else
			removed+=("$file")
		fi
	done
	for file in "${both[@]}" "${new[@]}" "${removed[@]}"; do
		[ -n "$printed" ] || { echo && echo "# $title" && printed=1; }
		file_diff "$file"
	done
}

summary
section "the code: where the feature hooks in (files of both steps), then the new files" code
section "go.mod" mod
if [ "$scope" != code ]; then
	section "the tests" test
fi
if [ "$scope" = all ]; then
	section "the rest (the lesson)" other
fi
