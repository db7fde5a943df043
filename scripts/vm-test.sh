#!/usr/bin/env bash
# Usage: scripts/vm-test.sh [--lessons|--record] [STEP...]
# Boots a throwaway qemu VM whose kernel has pure cgroup v2, set up as the
# workshop's Vagrant box is: '/' a shared mount (as systemd leaves it), the
# hostname 'workshop', the repository in /vagrant, a busybox rootfs in
# /var/lib/container/rootfs, and the tools an Ubuntu host has (bash,
# coreutils, util-linux, iproute2, procps...: copied from this host) ahead
# of busybox in PATH. Then, for each STEP (as 5 or step05-cgroups; all by
# default):
#   (no option)  runs the step's tests (in /vagrant/STEP, as go test does);
#                prints each suite's result and 'N passed, N failed'
#   --lessons    builds the step's program in its folder and checks the "Try
#                it" transcripts of its README.md ('lesson transcript
#                --check'); prints ok or the differences
#   --record     records them ('lesson transcript --record') and writes the
#                README.md back into this repository
# Fails on any failed test or transcript, a kernel panic, or a VM that does
# not finish in VM_TIMEOUT seconds (default 900). The kernel is cached in
# .cache/vm. qemu emulates (tcg); VM_ACCEL=kvm uses KVM instead. amd64 only.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

timeout_s=${VM_TIMEOUT:-900}
accel=${VM_ACCEL:-tcg}
cache=$repo/.cache/vm
# The modules the tests load: veth and bridge for step04's network, and
# what iptables (nf_tables flavour) needs for NAT, their dependencies added.
# libcrc32c asks the kernel for crc32c, which no modprobe answers here.
modules=(veth bridge crc32c_generic nf_tables nft_compat nft_chain_nat nf_nat nf_conntrack xt_MASQUERADE)
# The host tools a lesson may run, copied with their libraries: an Ubuntu
# host has these, and busybox's applets print differently.
tools=(bash dash env cat ls cp mv rm ln mkdir rmdir touch chmod chown readlink realpath stat id whoami
	echo printf head tail sort uniq cut tr wc tee seq sleep timeout date dd df du nproc uname basename
	dirname mktemp mkfifo true false test yes base64 sha256sum md5sum chroot od paste comm join fold nl tac
	unshare nsenter setpriv findmnt mount umount lsns ipcs ipcmk ipcrm mountpoint pivot_root prlimit setsid flock
	rev ps pgrep pkill kill free sysctl ip bridge ss ping hostname grep sed awk find xargs which diff cmp gzip
	zcat ldd capsh getpcaps strace)
# Where a tool that Debian does not always install comes from.
declare -A tool_package=([ps]=procps [pgrep]=procps [pkill]=procps [kill]=procps [free]=procps
	[sysctl]=procps [ip]=iproute2 [bridge]=iproute2 [ss]=iproute2 [ping]=iputils-ping [hostname]=hostname
	[diff]=diffutils [cmp]=diffutils [capsh]=libcap2-bin [getpcaps]=libcap2-bin [strace]=strace)
# An Ubuntu user's PATH (and sudo's): the copied tools come before /bin,
# which holds busybox's applets for what is not copied.
vm_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

unpack="" work=""
trap 'rm -rf "$unpack" "$work"' EXIT

[ "$(uname -m)" = x86_64 ] || die "the test VM is built for amd64 hosts (this is $(uname -m))"
mode=tests
case ${1:-} in
--lessons) mode=check && shift ;;
--record) mode=record && shift ;;
-*) die "no option '$1': usage: scripts/vm-test.sh [--lessons|--record] [STEP...]" ;;
esac
selected=()
for arg in "$@"; do
	step=$(step_dir "$arg") || die "no step '$arg': the steps are $(steps | tr '\n' ' ')"
	selected+=("$step")
done
[ ${#selected[@]} -gt 0 ] || mapfile -t selected < <(steps)

# What the host needs. Installing takes root; running qemu does not.
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
[ -x /usr/sbin/xtables-nft-multi ] || need+=(iptables)
for tool in "${tools[@]}"; do
	PATH=$vm_path type -P "$tool" >/dev/null && continue
	[ -n "${tool_package[$tool]:-}" ] || die "this host has no $tool, which the VM copies from it"
	need+=("${tool_package[$tool]}")
done
command -v go >/dev/null || die "Go is missing: run 'sudo scripts/setup.sh'"
if [ ${#need[@]} -gt 0 ]; then
	mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
	[ "$(id -u)" -eq 0 ] || die "missing ${need[*]}: run as root once to install them, or 'sudo apt-get install ${need[*]}'"
	echo "vm-test: installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# load_order NAME prints the files of module NAME's dependencies, each
# after its own, then NAME's: the order insmod needs. The package leaves
# modules.dep to depmod, so this reads each module's own "depends=".
load_order() {
	local name=$1 file dep
	file=$(find "$moddir" \( -name "$name.ko" -o -name "${name//_/-}.ko" \) -print -quit)
	[ -n "$file" ] || die "$package has no module $name"
	for dep in $(tr '\0' '\n' <"$file" | sed -n 's/^depends=//p' | tr ',' ' '); do
		load_order "$dep"
	done
	echo "$file"
}

# The kernel: the package linux-image-amd64 depends on, unpacked once.
package=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -n 1)
if [ -z "$package" ] && [ "$(id -u)" -eq 0 ]; then
	apt-get update -qq
	package=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -n 1)
fi
[ -n "$package" ] || die "apt knows no linux-image-amd64: run 'sudo apt-get update'"
kernel=$cache/$package
if [ ! -f "$kernel/vmlinuz" ]; then
	echo "vm-test: fetching $package"
	unpack=$(mktemp -d)
	(cd "$unpack" && apt-get download -q "$package" >/dev/null 2>&1) || die "apt-get download $package failed"
	dpkg-deb -x "$unpack"/*.deb "$unpack/x"
	# Keep only the kernel and the modules listed above, with their dependencies.
	moddir=$(echo "$unpack"/x/lib/modules/*)
	mkdir -p "$kernel.partial/modules"
	for module in "${modules[@]}"; do load_order "$module"; done | awk '!seen[$0]++' >"$kernel.partial/modules/order"
	while read -r module; do
		cp "$module" "$kernel.partial/modules/"
	done <"$kernel.partial/modules/order"
	sed -i 's|.*/||' "$kernel.partial/modules/order"
	cp "$unpack"/x/boot/vmlinuz-* "$kernel.partial/vmlinuz"
	rm -rf "$kernel" "$unpack"
	mv "$kernel.partial" "$kernel"
fi

work=$(mktemp -d)
root=$work/root
mkdir -p "$root"/{bin,sbin,tests,proc,sys,dev,tmp,run,new,etc,root,home/vagrant,usr/sbin,usr/bin,vagrant,mnt,opt,srv,media}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"

# The repository where the Vagrant box mounts it, without what git ignores.
tar -C "$repo" --exclude=./.git --exclude=./.cache --exclude=./.vagrant --exclude='./step*/container' \
	--exclude='*.test' -cf - . | tar -C "$root/vagrant" -xf -
export CGO_ENABLED=0
if [ "$mode" = tests ]; then
	echo "vm-test: building ${selected[*]}"
	for step in "${selected[@]}"; do
		(
			cd "$repo/$step"
			go test -c -o "$root/tests/$step.test" .
			go build -o "$root/tests/$step.container" .
			if [ -d testdata/helper ]; then
				go build -o "$root/tests/$step.helper" ./testdata/helper
			fi
		)
	done
else
	# Each step's program built in its folder, as a lesson does.
	echo "vm-test: building the lesson tool and ${selected[*]}"
	for step in "${selected[@]}"; do
		(cd "$repo/$step" && go build -trimpath -o "$root/vagrant/$step/container" .)
		cp "$root/vagrant/$step/README.md" "$work/$step.README.md" # to see whether it changes meanwhile
	done
	(cd "$repo/scripts/lesson" && go build -trimpath -o "$root/usr/local/bin/lesson" .)
fi
mkdir -p "$root/var/lib/container"
"$repo/scripts/rootfs.sh" "$root/var/lib/container/rootfs" >/dev/null
cp /bin/busybox "$root/bin/busybox"
cp -r "$kernel/modules" "$root/modules"

# copy_binary FILE copies FILE and the libraries it loads, each at its path.
copy_binary() {
	local file=$1 lib
	mkdir -p "$root$(dirname "$file")"
	cp -L "$file" "$root$file"
	for lib in $(ldd "$file" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for tool in "${tools[@]}"; do
	copy_binary "$(PATH=$vm_path type -P "$tool")"
done
# Ubuntu's sh is dash; /bin holds what Ubuntu's merged /usr puts there.
ln -s dash "$root/usr/bin/sh"
ln -s /usr/bin/dash "$root/bin/sh"
ln -s /usr/bin/bash "$root/bin/bash"
[ -d /etc/iproute2 ] && cp -r /etc/iproute2 "$root/etc/"

# iptables (nf_tables flavour) with its extensions.
copy_binary /usr/sbin/xtables-nft-multi
ln -s xtables-nft-multi "$root/usr/sbin/iptables"
xtables=$(dirname "$(find /usr/lib /lib -name libxt_MASQUERADE.so -print -quit)")
mkdir -p "$root$xtables"
cp "$xtables"/*.so "$root$xtables/"

# The files of an Ubuntu box that the tools and the runtime read. Its
# resolver is systemd-resolved: a stub in /etc/resolv.conf, the upstream
# server (VirtualBox's NAT resolver) in /run, written at boot.
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
vagrant:x:1000:1000:vagrant:/home/vagrant:/bin/bash
EOF
printf 'root:x:0:\nnogroup:x:65534:\nvagrant:x:1000:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n127.0.1.1 workshop\n::1 localhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
echo workshop >"$root/etc/hostname"
ln -s ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
ln -s ../proc/self/mounts "$root/etc/mtab"
printf 'mode=%s\nsteps="%s"\nvm_path=%s\n' "$mode" "${selected[*]}" "$vm_path" >"$root/etc/vm-test.conf"

# The initramfs is not a mount, and pivot_root refuses to leave it: /init
# copies everything onto a tmpfs and switches to it.
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t tmpfs -o size=90% tmpfs /new
for f in /*; do
	case $f in /new | /proc | /sys | /dev | /init) ;; *) cp -a "$f" /new/ ;; esac
done
mkdir -p /new/proc /new/sys /new/dev
exec switch_root /new /sbin/init
EOF
# The second stage is the VM's PID 1: "init" in ps.
cat >"$root/sbin/init" <<'EOF'
#!/bin/busybox sh
. /etc/vm-test.conf
export PATH=$vm_path HOME=/root CONTAINER_CGROUP_MODE=v2
unset TERM
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
# The links that systemd makes (bash's <(...) needs /dev/fd).
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs /run
# Only the v2 hierarchy, with systemd's options, but no controller enabled
# as in a minimal VM (the runtime enables what it needs).
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
# As systemd leaves it: every mount shared, so that a runtime that does not
# make its own mounts private spills them onto the host.
mount --make-rshared /
mkdir -p /run/systemd/resolve
printf 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n' >/run/systemd/resolve/stub-resolv.conf
printf 'nameserver 10.0.2.3\nsearch .\n' >/run/systemd/resolve/resolv.conf
hostname workshop
# systemd's sysctl: PIDs up to 7 digits, so that ps pads as on the box.
echo 4194304 >/proc/sys/kernel/pid_max
ip link set lo up
while read -r module; do insmod "/modules/$module" || echo "vm: insmod $module failed"; done </modules/order
echo
echo "vm: $(uname -r), $(nproc) CPUs, $(grep ' /sys/fs/cgroup ' /proc/mounts), / $(findmnt -no PROPAGATION /), hostname $(hostname)"
if [ "$mode" = tests ]; then
	for step in $steps; do
		echo "vm: suite $step"
		# In the step's folder, as go test runs it.
		cd "/vagrant/$step" || exit 1
		CONTAINER_BINARY=/tests/$step.container CONTAINER_HELPER=/tests/$step.helper \
			CONTAINER_ROOTFS=/var/lib/container/rootfs \
			/tests/$step.test -test.v -test.count=1 -test.timeout=10m 2>&1
		echo "vm: suite $step exit $?"
	done
else
	# What the box's user has: /vagrant is theirs; sudo makes them root
	# (the lesson tool's sudo runs the command as it is).
	chown -R 1000:1000 /vagrant /home/vagrant
	chown -R 0:0 /var/lib/container
	cd /vagrant || exit 1
	for step in $steps; do
		echo "vm: lesson $step"
		env -i PATH="$vm_path" HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8 \
			lesson transcript "--$mode" --skip-build "$step" 2>&1
		rc=$?
		echo "vm: lesson $step exit $rc"
		if [ "$mode" = record ] && [ "$rc" -eq 0 ]; then
			echo "vm: readme $step $(sha256sum <"$step/README.md" | cut -d' ' -f1)"
			base64 "$step/README.md"
			echo "vm: readme $step end"
		fi
	done
fi
echo "vm: done"
poweroff -f
EOF
chmod +x "$root/init" "$root/sbin/init"
(cd "$root" && find . -print | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initramfs.gz")

echo "vm-test: booting $package under qemu ($accel, timeout ${timeout_s}s)"
console=$cache/console.log # the last run's, kept for a closer look
status=0
timeout "$timeout_s" qemu-system-x86_64 -accel "$accel" -m 2048 -smp 2 -nographic -no-reboot -nic none \
	-kernel "$kernel/vmlinuz" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init" </dev/null >"$console" 2>&1 || status=$?
tr -d '\r' <"$console" >"$work/console.txt"
console=$work/console.txt

# section STEP prints what the lesson tool said about STEP.
section() {
	awk -v start="vm: lesson $1" -v end="vm: lesson $1 exit " \
		'index($0, end) == 1 {exit} on {print} $0 == start {on = 1}' "$console"
}

# record_readme STEP decodes the README.md recorded for STEP and writes it
# back, unless the host's changed meanwhile. It says what it did.
record_readme() {
	local step=$1 sum got=$work/$1.recorded
	sum=$(sed -n "s/^vm: readme $step \([0-9a-f]\{64\}\)$/\1/p" "$console")
	awk -v start="vm: readme $step $sum" -v end="vm: readme $step end" \
		'$0 == end {exit} on {print} $0 == start {on = 1}' "$console" | base64 -d >"$got" 2>/dev/null || true
	if [ -z "$sum" ] || [ "$(sha256sum <"$got" | cut -d' ' -f1)" != "$sum" ]; then
		echo "vm-test: $step: the recorded README.md did not come back whole from the VM"
		return 1
	elif cmp -s "$got" "$repo/$step/README.md"; then
		echo "vm-test: $step: recorded, README.md unchanged"
	elif ! cmp -s "$work/$step.README.md" "$repo/$step/README.md"; then
		echo "vm-test: $step: README.md changed during the run: not overwritten (run --record again)"
		return 1
	else
		cat "$got" >"$repo/$step/README.md"
		echo "vm-test: $step: recorded, README.md updated"
	fi
}

if [ "$mode" = tests ]; then
	# Each suite's top-level results, failures in full, and the verdict.
	grep -E '^(vm: |--- FAIL|FAIL|panic:|Kernel panic)' "$console" || true
	if grep -q -- '--- FAIL' "$console"; then
		echo "vm-test: failures in detail:"
		awk '/^=== RUN/ {block=""} {block=block $0 "\n"} /^--- FAIL/ {printf "%s", block; block=""}' "$console" | grep -vE '^=== (RUN|PAUSE|CONT|NAME)' | head -n 300
	fi
	passed=$(grep -c '^--- PASS' "$console" || true)
	failed=$(grep -c '^--- FAIL' "$console" || true)
	runs_ok=$(grep -c '^vm: suite .* exit 0$' "$console" || true)
else
	# Each lesson's verdict, after what the lesson tool said.
	grep -E '^vm: ([0-9]|insmod)' "$console" || true
	passed=0 failed=0
	for step in "${selected[@]}"; do
		section "$step"
		rc=$(sed -n "s/^vm: lesson $step exit \([0-9]*\)$/\1/p" "$console")
		if [ "$rc" = 0 ] && [ "$mode" = check ]; then
			echo "vm-test: $step: ok"
		elif [ "$rc" = 0 ] && record_readme "$step"; then
			:
		else
			case $rc in
			"") echo "vm-test: $step: did not run" ;;
			0) ;;
			*) echo "vm-test: $step: $([ "$mode" = check ] && echo mismatch || echo not recorded)" ;;
			esac
			failed=$((failed + 1))
			continue
		fi
		passed=$((passed + 1))
	done
	runs_ok=$passed
fi
if [ "$status" -eq 124 ]; then
	echo "vm-test: the VM did not finish within ${timeout_s}s"
elif grep -q 'Kernel panic' "$console"; then
	echo "vm-test: the kernel panicked"
	status=1
elif ! grep -q '^vm: done' "$console"; then
	echo "vm-test: the VM stopped before the end (qemu status $status); its last words:"
	tail -n 20 "$console"
	status=1
elif [ "$runs_ok" -ne "${#selected[@]}" ]; then
	[ "$failed" -gt 0 ] || failed=1 # a suite that stopped without a failed test
	status=1
fi
case $mode in
tests) echo "$passed passed, $failed failed" ;;
check) echo "$passed lesson(s) ok, $failed failed" ;;
record) echo "$passed lesson(s) recorded, $failed failed" ;;
esac
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
