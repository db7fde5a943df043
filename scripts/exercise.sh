#!/usr/bin/env bash
# Usage: scripts/exercise.sh N [--reset]
# Makes workshop/stepNN-name/, a copy of step N in which the code that the
# step adds is stubbed out (derived from the step's source by
# scripts/exercise), and says what to write, in order, and how to check it.
# The folder is yours: it refuses to overwrite it unless --reset, which
# throws your work away and starts again.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage="usage: scripts/exercise.sh N [--reset] (for example: scripts/exercise.sh 3)"
want="" reset=""
for arg in "$@"; do
	case $arg in
	--reset) reset=1 ;;
	-h | --help) echo "$usage" && exit 0 ;;
	-*) die "unknown option '$arg': $usage" ;;
	*) [ -z "$want" ] || die "$usage"; want=$arg ;;
	esac
done
[ -n "$want" ] || die "$usage"
step=$(step_dir "$want") || die "no step '$want': the steps are $(steps | tr '\n' ' ')"
prev=-
for s in $(steps); do
	[ "$s" = "$step" ] && break
	prev="$repo/$s"
done
number=$((10#${step:4:2}))
command -v go >/dev/null || die "go not found: install it with 'sudo scripts/setup.sh'"

workshop="$repo/workshop"
out="$workshop/$step"
if [ -e "$out" ]; then
	[ -n "$reset" ] || die "workshop/$step already exists: carry on with it, or start again with 'scripts/exercise.sh $number --reset' (which throws it away)"
	rm -rf "$out"
fi
mkdir -p "$workshop"
# The tests build their rootfs with ../scripts/rootfs.sh.
[ -e "$workshop/scripts" ] || ln -s ../scripts "$workshop/scripts"

# The generator has no dependencies: it needs no workspace.
plan=$(GOWORK=off go run -C "$repo/scripts/exercise" . make "$repo/$step" "$prev" "$out") ||
	die "could not make workshop/$step (see above)"

# A workspace of the exercises, so that go (and an editor) inside
# workshop/ does not stop at the repository's go.work, which lists the steps.
{
	printf 'go 1.22\n\nuse (\n'
	for dir in "$workshop"/step[0-9][0-9]-*/; do
		[ -f "$dir/go.mod" ] && printf '\t./%s\n' "$(basename "$dir")"
	done
	printf ')\n'
} >"$workshop/go.work"

# Under sudo, the exercise belongs to whoever is to edit it.
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_UID:-}" ]; then
	chown -hR "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$workshop"
fi

if [ "$prev" = - ]; then
	expect="Its tests fail, naming what is missing, until the feature works: every run goes through it."
else
	expect="The tests that step $number adds fail, naming what is missing, until the feature works;
  the tests of the steps before pass from the start."
fi
cat <<EOF
exercise: made workshop/$step: step $number with its feature left out.
$plan
Check your work: sudo scripts/test.sh --exercise $number
  $expect
  The solution is $step/.
Start again: scripts/exercise.sh $number --reset
EOF
