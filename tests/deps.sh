#!/bin/sh
# Installs the Debian packages given as arguments that are not installed yet
# (as root), or prints the exact apt-get line to run (as anyone else).
#   tests/deps.sh [--vm] PKG...
# --vm: QEMU comes from bookworm-backports; the suite is added to apt's
# sources with the mirror the existing Debian entry uses.
set -e
vm=0
[ "${1:-}" = "--vm" ] && { vm=1; shift; }
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0
line="apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600$missing"
[ "$vm" = 1 ] && line="apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 -t bookworm-backports$missing"
if [ "$(id -u)" != 0 ]; then
	echo "vitool: missing packages:$missing"
	echo "run as root:  apt-get update && $line"
	exit 1
fi
echo "vitool: installing:$missing"
if [ "$vm" = 1 ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mirror=$(grep -rhs '^URIs:.*debian$\|^deb .*debian ' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null |
		head -n 1 | sed -e 's/^URIs: *//' -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\).*/\2/')
	echo "deb ${mirror:-http://deb.debian.org/debian} bookworm-backports main" >/etc/apt/sources.list.d/vitool-backports.list
	apt-get update -q
fi
DEBIAN_FRONTEND=noninteractive $line -q || { apt-get update -q && DEBIAN_FRONTEND=noninteractive $line -q; }
