#!/usr/bin/env bash
# Usage: sudo scripts/cleanup.sh
# Removes what a killed runtime left (address records, veths, cgroups,
# mounts under the default rootfs) and, when no container is running, what
# containers share: the bridge ctr0 and its NAT and forwarding rules. It
# takes the runtimes' lock, so a container that starts meanwhile waits.
# Running containers keep what they use, and it says so.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
need_root

bridge=ctr0
subnet=10.203.47.0/24
records=/run/container/net
rootfs=/var/lib/container/rootfs

# alive ID says whether the runtime that ID (PID-STARTTIME) names still
# runs: the same PID, started at the same time (field 22 of /proc/PID/stat).
# An older runtime named itself by its PID alone.
alive() {
	local pid=${1%%-*} start=${1#*-} stat
	[[ $1 =~ ^[0-9]+$ ]] && { kill -0 "$1" 2>/dev/null; return; }
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	read -r -a fields <<<"${stat##*) }"
	[ "${fields[19]}" = "$start" ]
}

mkdir -p "$records"
exec 9>"$records/lock"
flock 9

running=0
for record in "$records"/*.*.*.*; do
	[ -f "$record" ] || continue
	# A runtime that ends removes its record without the lock.
	owner='' veth=''
	read -r owner veth <"$record" 2>/dev/null || true
	[ -n "$owner" ] || continue
	if alive "$owner"; then
		running=$((running + 1))
		continue
	fi
	if [ -n "${veth:-}" ] && ip link delete "$veth" 2>/dev/null; then
		echo "cleanup: removed $veth"
	fi
	rm -f "$record"
	echo "cleanup: freed $(basename "$record") (its runtime, $owner, is gone)"
done

if [ "$running" -gt 0 ]; then
	echo "cleanup: kept bridge $bridge and its NAT rules: $running running containers use them"
else
	if ip link show "$bridge" >/dev/null 2>&1; then
		ip link delete "$bridge"
		echo "cleanup: removed bridge $bridge"
	fi
	if command -v iptables >/dev/null; then
		for rule in "-t nat POSTROUTING -s $subnet ! -o $bridge -j MASQUERADE" \
			"-t filter FORWARD -i $bridge -j ACCEPT" "-t filter FORWARD -o $bridge -j ACCEPT"; do
			read -r -a words <<<"$rule"
			table=("${words[@]:0:2}") chain=${words[2]} spec=("${words[@]:3}")
			while iptables -w "${table[@]}" -C "$chain" "${spec[@]}" 2>/dev/null; do
				iptables -w "${table[@]}" -D "$chain" "${spec[@]}"
				echo "cleanup: removed iptables rule: $rule"
			done
		done
	fi
fi

# Container cgroups are named after their runtime (PID-STARTTIME), under
# 'container' at the top of each hierarchy (v2), or of memory, pids and
# cpu (v1). A cgroup holds its command's cgroup: that goes first. The
# parents stay, as after any run: a runtime that starts meanwhile (one
# without a network takes no lock) makes its cgroup in them.
remove_cgroup() {
	local cgroup=$1 child
	for child in "$cgroup"/*/; do
		[ -d "$child" ] && remove_cgroup "${child%/}"
	done
	echo 1 2>/dev/null >"$cgroup/cgroup.kill" ||
		xargs -r kill -9 <"$cgroup/cgroup.procs" 2>/dev/null || true
	for _ in $(seq 50); do
		# Gone is fine too: a starting runtime may have removed it first.
		if rmdir "$cgroup" 2>/dev/null || [ ! -d "$cgroup" ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "cleanup: could not remove cgroup $cgroup: $(wc -l <"$cgroup/cgroup.procs") processes left" >&2
	return 1
}
for parent in /sys/fs/cgroup/container /sys/fs/cgroup/{memory,pids,cpu}/container; do
	[ -d "$parent" ] || continue
	for cgroup in "$parent"/*/; do
		cgroup=${cgroup%/}
		owner=$(basename "$cgroup")
		[[ $owner =~ ^[0-9]+(-[0-9]+)?$ ]] || continue
		if alive "$owner"; then
			echo "cleanup: kept cgroup $cgroup: its runtime runs"
			continue
		fi
		remove_cgroup "$cgroup" && echo "cleanup: removed cgroup $cgroup (its runtime, $owner, is gone)"
	done
done

# A broken build can leave mounts on the default rootfs, or on the rootfs
# of a test run (on a host whose / is shared, they reach the host):
# unmount them, deepest first.
while read -r target; do
	umount -l "$target" && echo "cleanup: unmounted $target"
done < <(awk -v r="$rootfs" '$5 == r || index($5, r "/") == 1 || $5 ~ "^/tmp/container-test-[^/]*/rootfs" {print $5}' /proc/self/mountinfo | sort -r)
echo "cleanup: done"
