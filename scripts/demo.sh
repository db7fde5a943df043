#!/usr/bin/env bash
# Usage: sudo scripts/demo.sh [STEP] [--auto]
# An instructor's walk through a step's "Try it" (STEP is 1 to 6 or a folder
# name; none: every step in order): each command is typed out, runs when you
# press Enter (q and Enter stops) and shows its real output. --auto types
# nothing and waits for nothing. Builds the step's program first and, from
# step03 on, /var/lib/container/rootfs when it is missing (as run.sh does).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage="usage: sudo scripts/demo.sh [STEP] [--auto]"
auto=()
selected=()
for arg in "$@"; do
	case $arg in
	--auto) auto=(--auto) ;;
	-h | --help)
		echo "$usage"
		exit 0
		;;
	-*) die "unknown option '$arg' ($usage)" ;;
	*)
		[ ${#selected[@]} -eq 0 ] || die "one STEP at most ($usage)"
		step=$(step_dir "$arg") || die "no step '$arg': the steps are $(steps | tr '\n' ' ')"
		selected=("$step")
		;;
	esac
done
[ ${#selected[@]} -gt 0 ] || mapfile -t selected < <(steps)
need_root

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd "$repo/scripts/lesson" && go build -o "$bin/lesson" .) || die "could not build scripts/lesson"

for step in "${selected[@]}"; do
	(cd "$repo/$step" && go build -o container .) || die "could not build $step"
	# From step03 on the container needs a root filesystem at the default place.
	if [ -f "$repo/$step/mount.go" ] && [ ! -d /var/lib/container/rootfs ]; then
		"$repo/scripts/rootfs.sh" /var/lib/container/rootfs
	fi
	status=0
	"$bin/lesson" demo "${auto[@]}" "$repo/$step" || status=$?
	case $status in
	0) ;;
	3) exit 0 ;; # q: the instructor is done
	*) exit "$status" ;;
	esac
done
