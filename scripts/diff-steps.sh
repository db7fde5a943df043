#!/usr/bin/env bash
# Usage: scripts/diff-steps.sh A B
# Shows what step B adds to step A, for readers: 'scripts/diff-steps.sh 1 2'
# or 'scripts/diff-steps.sh step01-uts step02-pid'. Leaves out go.sum and
# build outputs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: scripts/diff-steps.sh A B (for example: 1 2)"
a=$(step_dir "$1") || die "no step '$1': the steps are $(steps | tr '\n' ' ')"
b=$(step_dir "$2") || die "no step '$2': the steps are $(steps | tr '\n' ' ')"
cd "$repo"
# diff exits 1 when the steps differ, which is the point.
diff -ruN -x go.sum -x container -x '*.test' "$a" "$b" || [ $? -eq 1 ]
