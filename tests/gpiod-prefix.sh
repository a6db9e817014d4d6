#!/bin/sh
# Unpacks one libgpiod API's Debian packages into a scratch prefix outside
# the tree, and prints that prefix's path on stdout (nothing else goes to
# stdout).  The build of the other API's vitool (`make check-gpiod-other`)
# and the VM suite's guest use it; nothing is installed on the system.
#   tests/gpiod-prefix.sh MAJOR      MAJOR 1 or 2
#
#   1: bookworm's 1.6.3           libgpiod-dev libgpiod2 gpiod
#   2: bookworm-backports' 2.x    libgpiod-dev libgpiod3 gpiod
#      (the suite is in apt's sources once `make deps-vm` ran: tests/deps.sh)
#
# Layout of the prefix DIR = ${VITOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vitool}/gpiod-MAJOR
# (MA is the multiarch triplet, `dpkg-architecture -qDEB_HOST_MULTIARCH`):
#   DIR/usr/bin/gpio*                  the gpiod tools of that version
#   DIR/usr/include/gpiod.h
#   DIR/usr/lib/MA/libgpiod.so*        the library (the tools need it:
#                                      LD_LIBRARY_PATH=DIR/usr/lib/MA)
#   DIR/usr/lib/MA/pkgconfig/libgpiod.pc   prefix= points into DIR, so
#                                      PKG_CONFIG_PATH=DIR/usr/lib/MA/pkgconfig
#                                      gives working --cflags and --libs
#   DIR/.stamp                         the unpacked packages' versions
# Once DIR/.stamp exists the script prints DIR and touches nothing: no
# network, no apt.  Delete DIR to fetch again.
set -eu

major=${1:-}
case "$major" in
1) suite=bookworm pkgs="libgpiod-dev libgpiod2 gpiod" ;;
2) suite=bookworm-backports pkgs="libgpiod-dev libgpiod3 gpiod" ;;
*) echo "usage: $0 1|2   (the libgpiod API major version)" >&2; exit 2 ;;
esac

die() { echo "gpiod-prefix: $*" >&2; exit 1; }

cache=${VITOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vitool}
dir=$cache/gpiod-$major
. "$(dirname "$0")/deb-prefix.sh"
if [ -f "$dir/.stamp" ]; then
	echo "$dir"
	exit 0
fi

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || true)
[ -n "$ma" ] || die "cannot tell the multiarch directory (dpkg-architecture from dpkg-dev, or gcc)"

# Backports must be a source apt knows; say how to get it rather than let
# apt print "Release ... not found".
if [ "$suite" = bookworm-backports ] &&
	! apt-cache madison libgpiod-dev 2>/dev/null | grep -q bookworm-backports; then
	die "bookworm-backports is not in apt's sources (or apt-get update has not run since):" \
		"run \`make deps-vm\` as root, or add" \
		"'deb http://deb.debian.org/debian bookworm-backports main' and run apt-get update"
fi

# The unpacked tree, before it becomes DIR: libgpiod.pc's prefix points into
# DIR, and the tools are there.
gpiod_fixup() {
	pc=$1/usr/lib/$ma/pkgconfig/libgpiod.pc
	[ -f "$pc" ] || die "no usr/lib/$ma/pkgconfig/libgpiod.pc in $pkgs"
	sed -i "s|^prefix=.*|prefix=$dir/usr|" "$pc"
	grep -q "^prefix=$dir/usr\$" "$pc" || die "could not point $pc at $dir"
	for t in gpiodetect gpioinfo gpioget gpioset gpiomon; do
		[ -x "$1/usr/bin/$t" ] || die "$t missing from the unpacked gpiod package"
	done
}
specs=""
for p in $pkgs; do specs="$specs $p/$suite"; done
# shellcheck disable=SC2086
deb_prefix "$dir" "" gpiod_fixup $specs
