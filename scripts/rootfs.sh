#!/usr/bin/env bash
# Usage: sudo scripts/rootfs.sh DIR
# Builds a small root filesystem in DIR, offline, from a statically linked
# busybox (Debian and Ubuntu package busybox-static): bin/ with busybox and
# a relative link per applet, etc/passwd, etc/group, etc/hosts, and empty
# proc, sys, dev, tmp and root. Running it again refreshes DIR.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: scripts/rootfs.sh DIR"
dir=$1

busybox=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$busybox" ] || die "no busybox found: install the package busybox-static (sudo apt-get install busybox-static)"
# A dynamically linked busybox would need the host's libraries inside.
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked: install the package busybox-static (sudo apt-get install busybox-static)"
fi

mkdir -p "$dir"/{bin,etc,proc,sys,dev,tmp,root}
chmod 1777 "$dir/tmp"
chmod 700 "$dir/root"
cp "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -sfn busybox "$dir/bin/$applet"
done
cat >"$dir/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$dir/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
# The runtime of step04 on mounts its own over these.
: >"$dir/etc/resolv.conf"
cat >"$dir/etc/hosts" <<'HOSTS'
127.0.0.1	localhost
::1	localhost
HOSTS
echo "rootfs: built $dir (busybox $("$busybox" | head -n 1 | cut -d' ' -f2))"
