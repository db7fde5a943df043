#!/usr/bin/env bash
# Usage: sudo scripts/provision.sh
# What the Vagrant VM runs on 'vagrant up' (and safe to run again, on any
# Debian or Ubuntu machine): installs what the steps need with setup.sh,
# builds the default root filesystem, and says what to do next.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
need_root

"$repo/scripts/setup.sh"
[ -d /var/lib/container/rootfs ] || "$repo/scripts/rootfs.sh" /var/lib/container/rootfs

cgroups=v1
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && cgroups=v2
cat <<NEXT
provision: ready (cgroup $cgroups). Next:
  vagrant ssh          (if you are on the host)
  cd $repo
  sudo scripts/run.sh  a shell in the newest step's container
  sudo scripts/test.sh every step's tests
NEXT
