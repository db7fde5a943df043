#!/usr/bin/env bash
# Usage: sudo scripts/cleanup.sh
# Removes what containers share or what a killed runtime left: the bridge
# ctr0, the NAT and forwarding rules for its subnet, and the address
# records and cgroups whose runtime is gone. Containers still running keep
# theirs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
need_root

bridge=ctr0
subnet=10.203.47.0/24
records=/run/container/net

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
for record in "$records"/*.*.*.*; do
	[ -f "$record" ] || continue
	read -r owner veth <"$record" || true
	if ! kill -0 "$owner" 2>/dev/null; then
		if [ -n "${veth:-}" ] && ip link delete "$veth" 2>/dev/null; then
			echo "cleanup: removed $veth"
		fi
		rm -f "$record"
		echo "cleanup: freed $(basename "$record") (its runtime, PID $owner, is gone)"
	fi
done
# Container cgroups are named after their runtime's PID, under 'container'
# at the top of each hierarchy (v2), or of memory, pids and cpu (v1).
for parent in /sys/fs/cgroup/container /sys/fs/cgroup/{memory,pids,cpu}/container; do
	[ -d "$parent" ] || continue
	for cgroup in "$parent"/*/; do
		cgroup=${cgroup%/}
		owner=$(basename "$cgroup")
		[[ $owner =~ ^[0-9]+$ ]] || continue
		kill -0 "$owner" 2>/dev/null && continue
		echo 1 2>/dev/null >"$cgroup/cgroup.kill" ||
			xargs -r kill -9 <"$cgroup/cgroup.procs" 2>/dev/null || true
		for _ in $(seq 50); do
			rmdir "$cgroup" 2>/dev/null && break
			sleep 0.1
		done
		if [ -d "$cgroup" ]; then
			echo "cleanup: could not remove cgroup $cgroup: $(wc -l <"$cgroup/cgroup.procs") processes left" >&2
		else
			echo "cleanup: removed cgroup $cgroup (its runtime, PID $owner, is gone)"
		fi
	done
	rmdir "$parent" 2>/dev/null && echo "cleanup: removed cgroup $parent"
done
echo "cleanup: done"
