#!/usr/bin/env bash
# Usage: scripts/vm-test.sh [STEP...]
# Runs every step's tests (or those of the STEPs given, as 5 or step05-cgroups)
# inside a throwaway qemu VM whose kernel has pure cgroup v2: Debian's kernel,
# and an initramfs with a static busybox, the modules the tests need, each
# step's statically built test binary, program and helper, and a rootfs.
# Prints each suite's result and 'N passed, N failed'; fails on any failed
# test, a kernel panic, or a VM that does not finish in VM_TIMEOUT seconds
# (default 900). The kernel is cached in .cache/vm. qemu emulates (tcg);
# VM_ACCEL=kvm uses KVM instead. amd64 hosts only.
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

unpack="" work=""
trap 'rm -rf "$unpack" "$work"' EXIT

[ "$(uname -m)" = x86_64 ] || die "the test VM is built for amd64 hosts (this is $(uname -m))"
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
command -v go >/dev/null || die "Go is missing: run 'sudo scripts/setup.sh'"
if [ ${#need[@]} -gt 0 ]; then
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
mkdir -p "$root"/{bin,tests,proc,sys,dev,tmp,run,new,etc,usr/sbin}

echo "vm-test: building ${selected[*]}"
for step in "${selected[@]}"; do
	(
		cd "$repo/$step"
		export CGO_ENABLED=0
		go test -c -o "$root/tests/$step.test" .
		go build -o "$root/tests/$step.container" .
		if [ -d testdata/helper ]; then
			go build -o "$root/tests/$step.helper" ./testdata/helper
		fi
	)
done
"$repo/scripts/rootfs.sh" "$root/rootfs" >/dev/null
cp /bin/busybox "$root/bin/busybox"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
cp -r "$kernel/modules" "$root/modules"

# iptables (nf_tables flavour) with its libraries and extensions.
cp /usr/sbin/xtables-nft-multi "$root/usr/sbin/"
ln -s xtables-nft-multi "$root/usr/sbin/iptables"
for lib in $(ldd /usr/sbin/xtables-nft-multi | grep -o '/[^ ]*'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
xtables=$(dirname "$(find /usr/lib /lib -name libxt_MASQUERADE.so -print -quit)")
mkdir -p "$root$xtables"
cp "$xtables"/*.so "$root$xtables/"

# The initramfs is not a mount, and pivot_root refuses to leave it: /init
# copies everything onto a tmpfs and switches to it.
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t tmpfs -o size=90% tmpfs /new
for f in bin etc lib lib64 usr tests rootfs modules stage2; do
	[ -e "/$f" ] && cp -a "/$f" /new/
done
mkdir -p /new/proc /new/sys /new/dev /new/tmp /new/run
exec switch_root /new /stage2
EOF
cat >"$root/stage2" <<EOF
#!/bin/sh
export PATH=/bin:/usr/sbin CONTAINER_CGROUP_MODE=v2 HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
# Only the v2 hierarchy: no controller enabled, as in a minimal VM (the
# runtime enables what it needs).
mount -t cgroup2 cgroup2 /sys/fs/cgroup
hostname vm
ip link set lo up
while read -r module; do insmod "/modules/\$module" || echo "vm: insmod \$module failed"; done </modules/order
echo
echo "vm: \$(uname -r), \$(nproc) CPUs, \$(grep ' /sys/fs/cgroup ' /proc/mounts)"
for step in ${selected[*]}; do
	echo "vm: suite \$step"
	CONTAINER_BINARY=/tests/\$step.container CONTAINER_HELPER=/tests/\$step.helper CONTAINER_ROOTFS=/rootfs \\
		/tests/\$step.test -test.v -test.count=1 -test.timeout=10m 2>&1
	echo "vm: suite \$step exit \$?"
done
echo "vm: done"
poweroff -f
EOF
chmod +x "$root/init" "$root/stage2"
(cd "$root" && find . -print | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initramfs.gz")

echo "vm-test: booting $package under qemu ($accel, timeout ${timeout_s}s)"
console=$cache/console.log # the last run's, kept for a closer look
status=0
timeout "$timeout_s" qemu-system-x86_64 -accel "$accel" -m 2048 -smp 2 -nographic -no-reboot -nic none \
	-kernel "$kernel/vmlinuz" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init" </dev/null >"$console" 2>&1 || status=$?
tr -d '\r' <"$console" >"$work/console.txt"
console=$work/console.txt

# Each suite's top-level results, failures in full, and the verdict.
grep -E '^(vm: |--- FAIL|FAIL|panic:|Kernel panic)' "$console" || true
if grep -q -- '--- FAIL' "$console"; then
	echo "vm-test: failures in detail:"
	awk '/^=== RUN/ {block=""} {block=block $0 "\n"} /^--- FAIL/ {printf "%s", block; block=""}' "$console" | grep -vE '^=== (RUN|PAUSE|CONT|NAME)' | head -n 300
fi
passed=$(grep -c '^--- PASS' "$console" || true)
failed=$(grep -c '^--- FAIL' "$console" || true)
suites_ok=$(grep -c '^vm: suite .* exit 0$' "$console" || true)
if [ "$status" -eq 124 ]; then
	echo "vm-test: the VM did not finish within ${timeout_s}s"
elif grep -q 'Kernel panic' "$console"; then
	echo "vm-test: the kernel panicked"
	status=1
elif ! grep -q '^vm: done' "$console"; then
	echo "vm-test: the VM stopped before the end (qemu status $status); its last words:"
	tail -n 20 "$console"
	status=1
elif [ "$suites_ok" -ne "${#selected[@]}" ]; then
	[ "$failed" -gt 0 ] || failed=1 # a suite that stopped without a failed test
	status=1
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
