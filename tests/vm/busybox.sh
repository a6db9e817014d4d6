#!/bin/sh
# Prints the path of a static busybox for a guest architecture:
#   tests/vm/busybox.sh ARCH        ARCH: a Debian architecture (amd64, arm64)
# The host's own architecture: /bin/busybox (busybox-static, make deps-vm).
# Another one: Debian's busybox-static for it, unpacked by tests/deb-prefix.sh
# into ${VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vitool-vm}/busybox-ARCH
# (the network once; `make deps-vm-arm64` does it, build-guest.sh when
# nobody did).
set -eu
arch=${1:-}
die() { echo "busybox: $*" >&2; exit 1; }
[ -n "$arch" ] || die "usage: $0 ARCH (a Debian architecture: amd64, arm64)"
if [ "$arch" = "$(dpkg --print-architecture)" ]; then
	[ -x /bin/busybox ] || die "/bin/busybox is missing: make deps-vm (busybox-static)"
	echo /bin/busybox
	exit 0
fi
cache=${VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vitool-vm}
. "$(dirname "$0")/../deb-prefix.sh"
busybox_fixup() { [ -x "$1/bin/busybox" ] || die "no bin/busybox in busybox-static:$arch"; }
dir=$(deb_prefix "$cache/busybox-$arch" "$arch" busybox_fixup busybox-static)
echo "$dir/bin/busybox"
