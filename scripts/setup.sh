#!/usr/bin/env bash
# Usage: sudo scripts/setup.sh [--quiet]
# Installs what the steps need and is missing: busybox-static, iproute2 and
# iptables with apt, and Go when it is absent or older than go.work needs
# (the distribution's when new enough, else the official release, checked
# against its SHA-256). Safe to run again: it says what it did. With
# --quiet it says nothing when nothing was missing (run.sh runs it so
# every time: it takes a tenth of a second then).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

quiet=
case ${1:-} in
--quiet) quiet=1 ;;
'') ;;
*) die "usage: sudo scripts/setup.sh [--quiet]" ;;
esac
need_root

go_needed=$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$repo/go.work")
# The official release used when the distribution's Go is too old.
go_release=1.23.6
declare -A go_release_sha256=(
	[amd64]=9379441ea310de000f33a4dc767bd966e72ab2826270e038e78b2c53c2e7802d
	[arm64]=561c780e8f4a8955d32bf72e46af0b5ee5e0debe1e4633df9a03781878219202
)

# version_at_least A B: is version A >= B?
version_at_least() {
	[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]
}

installed() {
	dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

# A fresh cloud machine may be upgrading itself at boot: wait for its lock.
apt_options=(-o DPkg::Lock::Timeout=300)

# apt_update once: a fresh machine's package lists may be empty or old.
apt_update() {
	[ -z "${apt_updated:-}" ] || return 0
	apt-get "${apt_options[@]}" update -qq
	apt_updated=1
}

apt_install() {
	echo "setup: installing $*"
	installed_any=1
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
}

go_version() {
	go env GOVERSION 2>/dev/null | sed 's/^go//'
}

install_go() {
	local candidate arch tarball
	apt_update
	candidate=$(apt-cache policy golang-go 2>/dev/null | sed -n 's/ *Candidate: \(2:\)\?\([0-9.]*\).*/\2/p')
	if [ -n "$candidate" ] && version_at_least "$candidate" "$go_needed"; then
		apt_install golang-go
		return
	fi
	arch=$(dpkg --print-architecture)
	[ -n "${go_release_sha256[$arch]:-}" ] || die "no Go release known for $arch: install Go $go_needed or newer by hand"
	tarball=$(mktemp)
	# shellcheck disable=SC2064 # expand now: the variable is local
	trap "rm -f '$tarball'" EXIT
	echo "setup: installing Go $go_release from go.dev (the distribution's is older than $go_needed)"
	installed_any=1
	command -v curl >/dev/null || apt_install curl ca-certificates
	curl -fsSL -o "$tarball" "https://go.dev/dl/go$go_release.linux-$arch.tar.gz"
	echo "${go_release_sha256[$arch]}  $tarball" | sha256sum -c --quiet - || die "Go download failed its checksum"
	rm -rf /usr/local/go
	tar -C /usr/local -xzf "$tarball"
	ln -sf /usr/local/go/bin/go /usr/local/go/bin/gofmt /usr/local/bin/
}

missing=()
for pkg in busybox-static iproute2 iptables; do
	installed "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

if [ -n "$(go_version)" ] && version_at_least "$(go_version)" "$go_needed"; then
	:
else
	install_go
fi
[ -z "$quiet" ] || [ -n "${installed_any:-}" ] || exit 0
echo "setup: ready (busybox-static, iproute2, iptables, Go $(go_version))"
