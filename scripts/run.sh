#!/usr/bin/env bash
# Usage: sudo scripts/run.sh [STEP] [OPTIONS] [COMMAND [ARG...]]
# The README's run command: builds a step (default: the newest) and runs
# COMMAND in its container (default: an interactive shell). STEP is 1 to 6
# or a folder name; OPTIONS are the step's 'container run' options. First
# it installs what is missing (setup.sh) and checks the machine (doctor.sh),
# both silent when all is well, so that it is the only command a fresh
# machine needs.
#   sudo scripts/run.sh                 a shell in the newest step
#   sudo scripts/run.sh 1 uname -n      a command in step01
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

step=$(steps | tail -n 1)
if [ $# -gt 0 ] && chosen=$(step_dir "$1"); then
	step=$chosen
	shift
elif [ $# -gt 0 ] && [[ $1 =~ ^(step)?[0-9]+ ]]; then
	die "no step '$1': the steps are $(steps | tr '\n' ' ')"
fi
need_root
[ $# -gt 0 ] || set -- sh

"$repo/scripts/setup.sh" --quiet
"$repo/scripts/doctor.sh" --quiet || die "this machine cannot run the steps yet: fix what failed above ('sudo scripts/doctor.sh' shows every check)"

(cd "$repo/$step" && go build -o container .)
# From step03 on the container needs a root filesystem at the default place.
if [ -f "$repo/$step/mount.go" ] && [ ! -d /var/lib/container/rootfs ]; then
	"$repo/scripts/rootfs.sh" /var/lib/container/rootfs
fi
exec "$repo/$step/container" run "$@"
