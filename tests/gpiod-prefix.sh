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
if [ -f "$dir/.stamp" ]; then
	echo "$dir"
	exit 0
fi

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || true)
[ -n "$ma" ] || die "cannot tell the multiarch directory (dpkg-architecture from dpkg-dev, or gcc)"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
	die "needs apt-get and dpkg-deb (a Debian system)"

# Backports must be a source apt knows; say how to get it rather than let
# apt print "Release ... not found".
if [ "$suite" = bookworm-backports ] &&
	! apt-cache madison libgpiod-dev 2>/dev/null | grep -q bookworm-backports; then
	die "bookworm-backports is not in apt's sources (or apt-get update has not run since):" \
		"run \`make deps-vm\` as root, or add" \
		"'deb http://deb.debian.org/debian bookworm-backports main' and run apt-get update"
fi

mkdir -p "$cache"
# Unpacked beside the final place and moved in at the end: a run that dies
# half-way, or a second one at the same time, never leaves a half prefix.
tmp=$(mktemp -d "$cache/gpiod-$major.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debs" "$tmp/root"
specs=""
for p in $pkgs; do specs="$specs $p/$suite"; done
# apt's download sandbox user cannot write into our mktemp dir: as root,
# download as root instead (apt would only warn, but say nothing needless).
sandbox=""
[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
# shellcheck disable=SC2086
if ! (cd "$tmp/debs" && apt-get download -q $sandbox $specs >"$tmp/apt.log" 2>&1); then
	cat "$tmp/apt.log" >&2
	die "apt-get download$specs failed (network, or stale lists: apt-get update)"
fi
versions=""
for deb in "$tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$tmp/root" || die "dpkg-deb -x $deb failed"
	versions="$versions $(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)"
done

pc=$tmp/root/usr/lib/$ma/pkgconfig/libgpiod.pc
[ -f "$pc" ] || die "no usr/lib/$ma/pkgconfig/libgpiod.pc in$specs"
sed -i "s|^prefix=.*|prefix=$dir/usr|" "$pc"
grep -q "^prefix=$dir/usr\$" "$pc" || die "could not point $pc at $dir"
for t in gpiodetect gpioinfo gpioget gpioset gpiomon; do
	[ -x "$tmp/root/usr/bin/$t" ] || die "$t missing from the unpacked gpiod package"
done
echo "${versions# }" >"$tmp/root/.stamp"

rm -rf "$dir.old"
[ -d "$dir" ] && mv "$dir" "$dir.old"   # a prefix without a stamp: unfinished
if ! mv -T "$tmp/root" "$dir" 2>/dev/null; then
	# someone else finished first: theirs is as good as ours
	[ -f "$dir/.stamp" ] || die "cannot move the prefix into $dir"
fi
rm -rf "$dir.old"
echo "gpiod-prefix: unpacked$versions into $dir" >&2
echo "$dir"
