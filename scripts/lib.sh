# shellcheck shell=bash
# Helpers shared by the scripts: sourced, not run.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# sudo's PATH often lacks the official Go's folder.
PATH=$PATH:/usr/local/go/bin

# die prints one line on stderr and exits.
die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root: try 'sudo $0' or the Vagrant VM (see README)"
}

# steps lists the step folders in order: step01-uts step02-pid ...
steps() {
	local dir
	for dir in "$repo"/step[0-9][0-9]-*/; do
		[ -d "$dir" ] && basename "$dir"
	done
}

# step_dir turns "2", "02" or "step02-pid" into a step's folder name.
step_dir() {
	local want=$1 step
	[[ $want =~ ^[0-9]+$ ]] && want=$(printf 'step%02d-' "$((10#$want))")
	for step in $(steps); do
		if [ "$step" = "$want" ] || [[ $step == "$want"* && $want == *- ]]; then
			echo "$step"
			return 0
		fi
	done
	return 1
}
