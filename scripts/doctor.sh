#!/usr/bin/env bash
# Usage: sudo scripts/doctor.sh [--quiet]
# A preflight check: can this machine run every step? One line per check,
# 'ok', 'warn' or 'FAIL', and for a warning or a failure what to do. Exits 1
# when a check fails. --quiet prints only warnings and failures (run.sh and
# test.sh run it so first). Without root the checks that need it are skipped.
#
# Tests simulate another machine by changing what it reads: DOCTOR_PROC
# (/proc), DOCTOR_SYS (/sys), DOCTOR_CGROUP ($DOCTOR_SYS/fs/cgroup),
# DOCTOR_ROOT (the / of /.dockerenv, /lib/modules and /boot), BUSYBOX (the
# busybox to judge, as rootfs.sh) and PATH (the tools it runs). With a
# simulated /sys, modules are judged from files alone, never by trying one.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

quiet=
case ${1:-} in
--quiet) quiet=1 ;;
'') ;;
*) die "usage: scripts/doctor.sh [--quiet]" ;;
esac

proc=${DOCTOR_PROC:-/proc}
sys=${DOCTOR_SYS:-/sys}
cgroup=${DOCTOR_CGROUP:-$sys/fs/cgroup}
root=${DOCTOR_ROOT:-}
controllers="memory pids cpu" # what step05 limits
failures=0
warnings=0
passes=0
uid=$(id -u)

# report LEVEL CHECK WHAT [FIX]: one line; --quiet keeps warnings and failures.
report() {
	case $1 in
	ok) passes=$((passes + 1)) ;;
	warn) warnings=$((warnings + 1)) ;;
	FAIL) failures=$((failures + 1)) ;;
	esac
	[ "$1" != ok ] || [ -z "$quiet" ] || return 0
	printf '%-4s  %-12s  %s%s\n' "$1" "$2" "$3" "${4:+. Fix: $4}"
}

# version_at_least A B: is version A >= B?
version_at_least() {
	[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]
}

# has_cap N: does this process (as root) or root (from here, via sudo) have capability N?
has_cap() {
	local field=CapEff mask
	[ "$uid" -eq 0 ] || field=CapBnd # what sudo would give
	mask=$(sed -n "s/^$field:[[:space:]]*//p" "$proc/self/status")
	[ -n "$mask" ] && [ $((0x$mask >> $1 & 1)) -eq 1 ]
}

# container prints what container this runs in, if any. /.dockerenv alone is
# not enough: a VM built from a container image keeps it. Inside a container's
# PID namespace the kernel's threads (kthreadd is PID 2) are out of sight.
container() {
	local init_cgroup marker=
	init_cgroup=$(cat "$proc/1/cgroup" 2>/dev/null || true)
	case $init_cgroup in
	*docker*) echo Docker && return ;;
	*libpod*) echo Podman && return ;;
	*kubepods*) echo Kubernetes && return ;;
	*lxc*) echo LXC && return ;;
	esac
	[ -e "$root/.dockerenv" ] && marker=Docker
	[ -e "$root/run/.containerenv" ] && marker=Podman
	if [ -n "$marker" ] && [ "$(cat "$proc/2/comm" 2>/dev/null)" != kthreadd ]; then
		echo "$marker"
	fi
}

release() {
	cat "$proc/sys/kernel/osrelease"
}

# check_linux stops here on another system: nothing else applies.
check_linux() {
	local system
	system=$(uname -s)
	[ "$system" = Linux ] && return
	report FAIL system "$system, not Linux: containers are made of Linux kernel features" \
		"use the Vagrant VM (see README)"
	exit 1
}

check_root() {
	if [ "$uid" -eq 0 ]; then
		report ok root "running as root"
	else
		report FAIL root "uid $uid: the steps and most checks need root" "run it with sudo, or in the Vagrant VM (see README)"
	fi
}

check_environment() {
	local version kind
	version=$(cat "$proc/version")
	kind=$(container)
	if [[ $version == *Microsoft* && $version != *WSL2* ]]; then
		report FAIL environment "WSL 1: it has no namespaces or cgroups" \
			"in PowerShell 'wsl --set-version <distribution> 2', or use the Vagrant VM"
	elif [ -n "$kind" ] && has_cap 21; then
		report warn environment "inside a privileged $kind container: its cgroups and network are not the host's" \
			"for the workshop as written use the Vagrant VM or a Linux host"
	elif [ -n "$kind" ]; then
		report FAIL environment "inside a $kind container without privileges" \
			"start it with 'docker run --privileged --cgroupns=host', or use the Vagrant VM"
	elif [[ $version == *WSL2* ]]; then
		report ok environment "WSL 2"
	else
		report ok environment "a Linux host or VM"
	fi
}

# check_capabilities: a container's "root" may lack what namespaces need.
check_capabilities() {
	local who="root"
	[ "$uid" -eq 0 ] || who="root (via sudo)"
	if ! has_cap 21; then
		report FAIL capabilities "$who has no CAP_SYS_ADMIN: an unprivileged container" \
			"run the container with --privileged, or use the Vagrant VM"
	elif ! has_cap 12; then
		report FAIL capabilities "$who has no CAP_NET_ADMIN: step04 cannot make its network" \
			"run the container with --privileged, or use the Vagrant VM"
	else
		report ok capabilities "$who has CAP_SYS_ADMIN and CAP_NET_ADMIN"
	fi
}

check_kernel() {
	local release version
	release=$(release)
	version=$(echo "$release" | grep -oE '^[0-9]+\.[0-9]+')
	if ! version_at_least "$version" 5.11; then
		report FAIL kernel "$release: the steps need 5.11 or newer (close_range, openat2, fsopen and clone3 into a cgroup)" \
			"upgrade the kernel, or use the Vagrant VM"
	elif ! version_at_least "$version" 5.14; then
		report warn kernel "$release: no cgroup.kill before 5.14, so step05 kills a container's processes one by one" \
			"nothing to do; a 5.14 or newer kernel (the Vagrant VM's) kills them at once"
	else
		report ok kernel "$release"
	fi
}

# check_namespaces tries each kind for real, as unshare(1) makes it.
check_namespaces() {
	local kind flags err
	if [ "$uid" -ne 0 ]; then
		report warn namespaces "not tried: making them needs root" "sudo scripts/doctor.sh"
		return
	fi
	if ! command -v unshare >/dev/null; then
		report FAIL namespaces "no unshare(1) to try them with" "sudo apt-get install util-linux"
		return
	fi
	for kind in uts pid ipc mnt net cgroup; do
		case $kind in
		pid) flags="--pid --fork" ;;
		mnt) flags=--mount ;;
		*) flags=--$kind ;;
		esac
		# shellcheck disable=SC2086 # flags are words
		if err=$(unshare $flags true 2>&1); then
			report ok "ns $kind" "unshare $flags works"
		else
			report FAIL "ns $kind" "unshare $flags: $(echo "$err" | tail -n 1)" \
				"the kernel lacks it or a container or policy forbids it: use the Vagrant VM"
		fi
	done
}

# cgroup_mode: v2 (unified), hybrid (controllers on v1, an empty v2 beside), v1, or none.
cgroup_mode() {
	case $(stat -fc %T "$cgroup" 2>/dev/null) in
	cgroup2fs) echo v2 ;;
	tmpfs)
		if [ "$(stat -fc %T "$cgroup/unified" 2>/dev/null)" = cgroup2fs ]; then
			echo hybrid
		else
			echo v1
		fi
		;;
	*) echo none ;;
	esac
}

check_cgroups() {
	local mode c missing=
	mode=$(cgroup_mode)
	case $mode in
	v2) report ok cgroups "v2 (unified) at $cgroup" ;;
	hybrid) report ok cgroups "hybrid: step05 uses the v1 hierarchies at $cgroup" ;;
	v1) report ok cgroups "v1 at $cgroup" ;;
	none)
		report FAIL cgroups "no cgroup file system at $cgroup" \
			"mount it ('sudo mount -t cgroup2 none /sys/fs/cgroup'), or use the Vagrant VM"
		return
		;;
	esac
	for c in $controllers; do
		if [ "$mode" = v2 ]; then
			grep -qw "$c" "$cgroup/cgroup.controllers" 2>/dev/null || missing="$missing $c"
		else
			[ "$(stat -fc %T "$cgroup/$c" 2>/dev/null)" = cgroupfs ] || missing="$missing $c"
		fi
	done
	if [ -z "$missing" ]; then
		report ok controllers "${controllers// /, } can be enabled"
	elif [ "$mode" = v2 ]; then
		report FAIL controllers "not available:$missing (step05 limits them)" \
			"boot with cgroup_enable=memory (a Raspberry Pi's cmdline.txt), or use the Vagrant VM"
	else
		report FAIL controllers "no v1 hierarchy for:$missing (step05 limits them)" \
			"mount one per controller (mount -t cgroup -o memory cgroup $cgroup/memory), or use the Vagrant VM"
	fi
}

# check_mounts: what findmnt -no PROPAGATION / says, from the mount table.
check_mounts() {
	local propagation
	propagation=$(awk '$5 == "/" {
		p = "private"
		for (i = 7; $i != "-"; i++) {
			if ($i ~ /^shared:/) p = "shared"
			else if ($i ~ /^master:/ && p != "shared") p = "slave"
		}
	} END { print p }' "$proc/self/mountinfo")
	case $propagation in
	shared) report ok mounts "/ is shared (systemd's default): fine, the runtime makes its own mounts private" ;;
	'') report warn mounts "/ is not a mount point here" "step03 pivots into its own rootfs, so this matters only inside a chroot" ;;
	*) report ok mounts "/ is $propagation" ;;
	esac
}

# module_builtin NAME CONFIG: is NAME part of the kernel itself?
module_builtin() {
	local release
	release=$(release)
	grep -q "/$1\.ko" "$root/lib/modules/$release/modules.builtin" 2>/dev/null && return
	grep -q "^$2=y" "$root/boot/config-$release" 2>/dev/null && return
	# grep reads it all: with -q, zcat's broken pipe would fail the pipeline.
	[ -r "$proc/config.gz" ] && zcat "$proc/config.gz" 2>/dev/null | grep "^$2=y" >/dev/null
}

# module_file NAME: is NAME's module among the kernel's modules?
module_file() {
	[ -n "$(find "$root/lib/modules/$(release)" -name "$1.ko*" -print -quit 2>/dev/null)" ]
}

# module_loadable NAME: would modprobe find it?
module_loadable() {
	command -v modprobe >/dev/null || return 1
	modprobe -n -q ${root:+-d "$root"} -S "$(release)" "$1" 2>/dev/null
}

# module_tried KIND: can this kernel make such a link? Tried in a network
# namespace of its own, so the link dies with it; the kernel may load the
# module meanwhile, as the runtime would. Not on a simulated /sys.
module_tried() {
	[ -z "${DOCTOR_SYS:-}" ] && [ "$uid" -eq 0 ] && command -v ip >/dev/null && command -v unshare >/dev/null || return 1
	case $1 in
	veth) unshare --net ip link add doctor0 type veth peer name doctor1 2>/dev/null ;;
	bridge) unshare --net ip link add doctor0 type bridge 2>/dev/null ;;
	esac
}

# check_module NAME CONFIG: loaded (/sys/module, as insmod in the test VM
# leaves it), built in, loadable, or at least working.
check_module() {
	if [ -d "$sys/module/$1" ]; then
		report ok "$1" "module loaded"
	elif module_builtin "$1" "$2"; then
		report ok "$1" "built into the kernel"
	elif module_loadable "$1"; then
		report ok "$1" "module loadable (modprobe finds it)"
	elif module_tried "$1"; then
		report ok "$1" "the kernel makes $1 links"
	elif module_file "$1" && ! command -v modprobe >/dev/null; then
		report FAIL "$1" "module found but not loaded, and no modprobe to load it" "sudo apt-get install kmod"
	else
		report FAIL "$1" "module not loaded, built in or found for kernel $(release) (step04's network needs it)" \
			"install the kernel's modules (Ubuntu: linux-modules-extra-$(release)), or use the Vagrant VM"
	fi
}

check_iptables() {
	local version
	# sudo's PATH has the sbin folders; a user's may not.
	[ "$uid" -eq 0 ] || PATH=$PATH:/usr/sbin:/sbin
	if ! command -v iptables >/dev/null; then
		report FAIL iptables "not found (step04's NAT needs it)" "sudo scripts/setup.sh"
	elif ! version=$(iptables -V 2>&1); then
		report FAIL iptables "'iptables -V' failed: $version" "sudo scripts/setup.sh"
	else
		case $version in
		*nf_tables*) report ok iptables "$version: the nf_tables backend" ;;
		*) report ok iptables "$version: the legacy backend" ;;
		esac
	fi
}

# has_interp FILE: is FILE an ELF program with an interpreter (dynamically
# linked)? Reads the program headers for PT_INTERP (3); 'file' may be absent.
# Exit status 2 when FILE is not ELF.
has_interp() {
	local class phoff size count
	[ "$(od -An -c -N 4 "$1" | tr -d ' ')" = '177ELF' ] || return 2
	class=$(od -An -t u1 -j 4 -N 1 "$1" | tr -d ' ')
	if [ "$class" = 2 ]; then # 64-bit
		phoff=$(od -An -t u8 -j 32 -N 8 "$1")
		size=$(od -An -t u2 -j 54 -N 2 "$1")
		count=$(od -An -t u2 -j 56 -N 2 "$1")
	else
		phoff=$(od -An -t u4 -j 28 -N 4 "$1")
		size=$(od -An -t u2 -j 42 -N 2 "$1")
		count=$(od -An -t u2 -j 44 -N 2 "$1")
	fi
	# Each header starts with its type: one header a line, type first.
	od -An -v -t u4 -w"$((size))" -j "$((phoff))" -N "$((size * count))" "$1" |
		awk '$1 == 3 { found = 1 } END { exit !found }'
}

check_busybox() {
	local busybox=${BUSYBOX:-$(command -v busybox || true)} status=0
	if [ -z "$busybox" ]; then
		report FAIL busybox "not found (step03's root filesystem is made of it)" "sudo scripts/setup.sh"
		return
	fi
	has_interp "$busybox" || status=$?
	case $status in
	0) report FAIL busybox "$busybox is dynamically linked: a container cannot load the host's libraries" \
		"sudo apt-get install busybox-static" ;;
	1) report ok busybox "$busybox is statically linked" ;;
	*) report FAIL busybox "$busybox is not an ELF program" "sudo apt-get install busybox-static" ;;
	esac
}

check_go() {
	local need have
	need=$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$repo/go.work")
	have=$(go env GOVERSION 2>/dev/null | sed 's/^go//' || true)
	if [ -z "$have" ]; then
		report FAIL go "not found (looked in PATH and /usr/local/go/bin)" "sudo scripts/setup.sh"
	elif ! version_at_least "$have" "$need"; then
		report FAIL go "$have is older than $need, which go.work wants" "sudo scripts/setup.sh"
	else
		report ok go "$have (go.work wants $need or newer)"
	fi
}

check_linux
check_root
check_environment
check_capabilities
check_kernel
check_namespaces
check_cgroups
check_mounts
check_module veth CONFIG_VETH
check_module bridge CONFIG_BRIDGE
check_iptables
check_busybox
check_go

[ -n "$quiet" ] || echo "doctor: $passes ok, $warnings warned, $failures failed"
[ "$failures" -eq 0 ]
