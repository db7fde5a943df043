#!/usr/bin/env bash
# Usage: sudo scripts/cleanup.sh
# Removes what containers share or what a killed runtime left: the bridge
# ctr0, the NAT and forwarding rules for its subnet, and the address
# records (and veths) whose runtime is gone. Containers still running keep
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
echo "cleanup: done"
