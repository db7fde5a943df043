#!/usr/bin/env bash
# Usage: sudo scripts/doctor-test.sh
# Tests scripts/doctor.sh: this machine passes with a line per check, and
# simulated bad machines (not root, no iptables, no veth, inside Docker,
# WSL 1, not Linux, old kernels, a dynamic busybox, no cgroups) fail with
# the fix. Bad machines are files in a temporary folder that doctor.sh is
# pointed at (DOCTOR_PROC, DOCTOR_SYS, DOCTOR_ROOT, ...) or a PATH without a
# tool; nothing on this machine changes. Prints 'doctor-test: N passed,
# N failed' and exits 1 when a test fails.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
need_root

doctor=$repo/scripts/doctor.sh
tmp=$(mktemp -d /tmp/doctor-test.XXXX)
chmod 755 "$tmp" # the not-root test reads it
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
out=
status=0
why=

# run COMMAND...: keeps the output (both streams) and the exit status.
run() {
	status=0
	out=$("$@" 2>&1) || status=$?
}

fail() {
	why=$*
	return 1
}

# Assertions on the last run; each says why it failed.
exit_ok() { [ "$status" -eq 0 ] || fail "exited $status, want 0"; }
exit_fail() { [ "$status" -ne 0 ] || fail "exited 0, want a failure"; }
# line LEVEL CHECK [TEXT]: a line 'LEVEL  CHECK  ...TEXT...'.
line() {
	local want="'$1 $2' line"
	[ -z "${3:-}" ] || want="$want with '$3'"
	grep -E "^$1 +$2  " <<<"$out" | grep -qF -- "${3:-}" || fail "no $want"
}
# only LEVELS: every line is of these levels (an ERE alternation).
only() {
	[ -z "$out" ] || ! grep -vqE "^($1) " <<<"$out" || fail "a line that is not $1: $(grep -vE "^($1) " <<<"$out" | head -n 1)"
}

# fake_proc DIR [SKIP...]: copies the files of /proc that doctor.sh reads,
# but those named, into DIR.
fake_proc() {
	local dir=$1 file
	shift
	for file in sys/kernel/osrelease version self/status self/mountinfo 1/cgroup 2/comm config.gz; do
		if [[ " $* " == *" $file "* ]] || [ ! -e "/proc/$file" ]; then
			continue
		fi
		mkdir -p "$dir/$(dirname "$file")"
		cat "/proc/$file" >"$dir/$file"
	done
}

# path_without DIR NAME...: a folder DIR of links to every tool in PATH but
# the NAMEs (shell patterns), to stand for PATH.
path_without() {
	local dir=$1 folder tool skip pattern
	shift
	mkdir -p "$dir"
	local IFS=:
	for folder in $PATH; do
		for tool in "$folder"/*; do
			if [ ! -x "$tool" ] || [ -d "$tool" ]; then
				continue
			fi
			skip=
			for pattern in "$@"; do
				# shellcheck disable=SC2053 # a pattern on purpose
				[[ ${tool##*/} == $pattern ]] && skip=1
			done
			[ -n "$skip" ] || [ -e "$dir/${tool##*/}" ] || ln -s "$tool" "$dir/${tool##*/}"
		done
	done
}

# A docker-like /proc: its init's cgroup is its own root, the kernel's
# threads are out of sight, and CapEff is CAPS.
docker_proc() {
	fake_proc "$1" 2/comm
	echo '0::/' >"$1/1/cgroup"
	sed -i "s/^CapEff:.*/CapEff:\t$2/" "$1/self/status"
}

test_this_machine_passes() {
	local check
	run "$doctor"
	exit_ok || return
	for check in root environment capabilities kernel 'ns uts' 'ns pid' 'ns ipc' 'ns mnt' 'ns net' 'ns cgroup' \
		cgroups controllers mounts veth bridge iptables busybox go; do
		grep -qE "^(ok|warn) +$check  " <<<"$out" || fail "no line for '$check'" || return
	done
	only 'ok|warn|doctor:'
}

test_quiet_machine_prints_no_ok() {
	run "$doctor" --quiet
	exit_ok && only 'warn'
}

test_not_root() {
	# A copy that nobody can read: a clone in a home folder may be private.
	mkdir -p "$tmp/copy/scripts"
	cp "$repo/go.work" "$tmp/copy/"
	cp "$repo/scripts/lib.sh" "$doctor" "$tmp/copy/scripts/"
	chmod -R a+rX "$tmp/copy"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/copy/scripts/doctor.sh"
	exit_fail && line FAIL root 'Fix: run it with sudo, or in the Vagrant VM' && line warn namespaces 'needs root'
}

test_no_iptables() {
	path_without "$tmp/no-iptables" 'iptables*'
	run env PATH="$tmp/no-iptables" "$doctor"
	exit_fail && line FAIL iptables 'Fix: sudo scripts/setup.sh' && line ok busybox
}

test_quiet_prints_only_failures() {
	path_without "$tmp/no-iptables" 'iptables*'
	run env PATH="$tmp/no-iptables" "$doctor" --quiet
	exit_fail && line FAIL iptables 'Fix: sudo scripts/setup.sh' && only 'FAIL|warn'
}

test_no_veth() {
	mkdir -p "$tmp/no-veth/sys/module/bridge" "$tmp/no-veth/root"
	fake_proc "$tmp/no-veth/proc" config.gz
	run env DOCTOR_SYS="$tmp/no-veth/sys" DOCTOR_PROC="$tmp/no-veth/proc" DOCTOR_ROOT="$tmp/no-veth/root" \
		DOCTOR_CGROUP=/sys/fs/cgroup "$doctor"
	exit_fail && line FAIL veth 'linux-modules-extra' && line ok bridge 'module loaded'
}

test_veth_without_modprobe() {
	local release
	release=$(uname -r)
	mkdir -p "$tmp/no-kmod/sys/module/bridge" "$tmp/no-kmod/root/lib/modules/$release/kernel/drivers/net"
	: >"$tmp/no-kmod/root/lib/modules/$release/kernel/drivers/net/veth.ko.xz"
	fake_proc "$tmp/no-kmod/proc" config.gz
	path_without "$tmp/no-kmod/path" modprobe
	run env PATH="$tmp/no-kmod/path" DOCTOR_SYS="$tmp/no-kmod/sys" DOCTOR_PROC="$tmp/no-kmod/proc" \
		DOCTOR_ROOT="$tmp/no-kmod/root" DOCTOR_CGROUP=/sys/fs/cgroup "$doctor"
	exit_fail && line FAIL veth 'Fix: sudo apt-get install kmod'
}

test_in_docker() {
	mkdir -p "$tmp/docker/root"
	: >"$tmp/docker/root/.dockerenv"
	docker_proc "$tmp/docker/proc" 00000000a80425fb # docker run's default capabilities
	run env DOCTOR_ROOT="$tmp/docker/root" DOCTOR_PROC="$tmp/docker/proc" "$doctor"
	exit_fail && line FAIL environment 'Fix: start it with '\''docker run --privileged' &&
		line FAIL capabilities 'no CAP_SYS_ADMIN'
}

test_in_privileged_docker_warns() {
	mkdir -p "$tmp/privileged/root"
	: >"$tmp/privileged/root/.dockerenv"
	docker_proc "$tmp/privileged/proc" 000001ffffffffff
	run env DOCTOR_ROOT="$tmp/privileged/root" DOCTOR_PROC="$tmp/privileged/proc" "$doctor"
	exit_ok && line warn environment 'privileged Docker container'
}

# A VM built from a container image keeps /.dockerenv, and is no container.
test_dockerenv_in_a_vm() {
	mkdir -p "$tmp/image/root"
	: >"$tmp/image/root/.dockerenv"
	fake_proc "$tmp/image/proc"
	echo kthreadd >"$tmp/image/proc/2/comm"
	run env DOCTOR_ROOT="$tmp/image/root" DOCTOR_PROC="$tmp/image/proc" "$doctor"
	exit_ok && line ok environment
}

test_wsl1() {
	fake_proc "$tmp/wsl1"
	echo 'Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) #1237-Microsoft' \
		>"$tmp/wsl1/version"
	run env DOCTOR_PROC="$tmp/wsl1" "$doctor"
	exit_fail && line FAIL environment "wsl --set-version"
}

test_not_linux() {
	mkdir -p "$tmp/darwin"
	printf '#!/bin/sh\necho Darwin\n' >"$tmp/darwin/uname"
	chmod +x "$tmp/darwin/uname"
	run env PATH="$tmp/darwin:$PATH" "$doctor"
	exit_fail && line FAIL system 'use the Vagrant VM' && { [ "$(wc -l <<<"$out")" -eq 1 ] || fail "more than one line"; }
}

test_kernel_without_cgroup_kill_warns() {
	fake_proc "$tmp/kernel510"
	echo 5.13.0-52-generic >"$tmp/kernel510/sys/kernel/osrelease"
	run env DOCTOR_PROC="$tmp/kernel510" "$doctor" --quiet
	exit_ok && line warn kernel 'cgroup.kill'
}

test_old_kernel() {
	fake_proc "$tmp/kernel419"
	echo 5.10.0-28-amd64 >"$tmp/kernel419/sys/kernel/osrelease"
	run env DOCTOR_PROC="$tmp/kernel419" "$doctor" --quiet
	exit_fail && line FAIL kernel '5.11 or newer'
}

test_dynamic_busybox() {
	run env BUSYBOX="$(command -v ls)" "$doctor" --quiet
	exit_fail && line FAIL busybox 'Fix: sudo apt-get install busybox-static'
}

test_no_cgroups() {
	mkdir -p "$tmp/no-cgroups"
	run env DOCTOR_CGROUP="$tmp/no-cgroups" "$doctor" --quiet
	# An empty folder: no cgroup file system (or, on a tmpfs, no hierarchy).
	exit_fail && { line FAIL cgroups 'Vagrant VM' || line FAIL controllers 'Vagrant VM'; }
}

# Every test_ function, in the order of this file.
while read -r test; do
	why=
	if "$test"; then
		passed=$((passed + 1))
		echo "ok   ${test#test_}"
	else
		failed=$((failed + 1))
		echo "FAIL ${test#test_}: $why"
		while IFS= read -r output; do echo "     | $output"; done <<<"$out"
	fi
done < <(sed -n 's/^\(test_[a-z0-9_]*\)() {$/\1/p' "$0")
echo "doctor-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
