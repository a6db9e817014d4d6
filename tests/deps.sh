#!/bin/sh
# Installs the Debian packages given as arguments that are not installed yet
# (as root), or prints the exact apt-get line to run (as anyone else).
#   tests/deps.sh PKG... [PKG/bookworm-backports...]
# A PKG/bookworm-backports argument (QEMU 10, linux-source-6.12) is taken
# from bookworm-backports and counts as installed only when its installed
# version is a backport ("~bpo"): Debian 12's own QEMU 7.2 does not do.
# Everything else comes from the release itself: installing with
# `-t bookworm-backports` would pull newer versions of other libraries too
# (libgpiod 2.x replacing the libgpiod-dev 1.6 the build was configured for).
# The suite is added to apt's sources, with the mirror the existing Debian
# entry uses, only when a backport is missing.
set -e
missing="" need_bpo=0
for spec in "$@"; do
	p=${spec%%/*}
	st=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null || true)
	case "$st" in
	"install ok installed "*)
		case "$spec" in
		*/bookworm-backports) case "$st" in *bpo*) continue ;; esac ;;
		*) continue ;;
		esac ;;
	esac
	missing="$missing $spec"
	case "$spec" in */bookworm-backports) need_bpo=1 ;; esac
done
[ -n "$missing" ] || exit 0
# Two apt-get lines: the release's packages, then the backports with
# `-t bookworm-backports`, which takes the new dependencies those need
# (seabios, qemu-system-data, ...) from the same suite and leaves what is
# installed alone.
plain="" bpo=""
for spec in $missing; do
	case "$spec" in
	*/bookworm-backports) bpo="$bpo ${spec%%/*}" ;;
	*) plain="$plain $spec" ;;
	esac
done
apt="apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600"
lines=""
[ -n "$plain" ] && lines="$apt$plain"
[ -n "$bpo" ] && lines="${lines:+$lines && }$apt -t bookworm-backports$bpo"
if [ "$(id -u)" != 0 ]; then
	echo "vitool: missing packages:$missing"
	if [ "$need_bpo" = 1 ]; then
		echo "(add bookworm-backports to apt's sources first: the /bookworm-backports ones come from there)"
	fi
	echo "run as root:  apt-get update && $lines"
	exit 1
fi
echo "vitool: installing:$missing"
if [ "$need_bpo" = 1 ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mirror=$(grep -rhs '^URIs:.*debian/*$\|^deb .*debian/* ' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null |
		head -n 1 | sed -e 's/^URIs: *//' -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\).*/\2/')
	echo "deb ${mirror:-http://deb.debian.org/debian} bookworm-backports main" >/etc/apt/sources.list.d/vitool-backports.list
	apt-get update -q
fi
install() {  # install PKG...: one apt-get line, retried once after an update
	DEBIAN_FRONTEND=noninteractive $apt -q "$@" || { apt-get update -q && DEBIAN_FRONTEND=noninteractive $apt -q "$@"; }
}
[ -z "$plain" ] || install $plain
[ -z "$bpo" ] || install -t bookworm-backports $bpo
