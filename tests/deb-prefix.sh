# Unpacks Debian packages into a prefix outside the tree; sourced (POSIX sh)
# by tests/gpiod-prefix.sh and tests/vm/busybox-prefix.sh.  Nothing is
# installed on the system.
#
#   deb_prefix DIR ARCH FIXUP SPEC...
#     DIR    the prefix; once DIR/.stamp exists it is printed and nothing
#            else happens: no network, no apt.  Delete DIR to fetch again.
#     ARCH   a Debian architecture other than the host's ("arm64"), or "":
#            the host's.  A foreign one is read from lists of its own,
#            fetched into DIR's parent (apt-ARCH/, removed when done) with
#            the system's apt sources: the system's dpkg and apt
#            configuration stay as they are (no dpkg --add-architecture).
#     FIXUP  a function run as `FIXUP ROOT` on the unpacked tree before it
#            is moved into DIR (it may patch files; non-zero fails), or "".
#     SPEC   PKG or PKG/SUITE, as apt-get download takes them.
# Prints DIR on stdout (nothing else), progress and errors on stderr; the
# caller's die() reports a failure.
deb_prefix() {
	_dp_dir=$1 _dp_arch=$2 _dp_fix=$3 _dp_lists=""
	shift 3
	if [ -f "$_dp_dir/.stamp" ]; then
		echo "$_dp_dir"
		return 0
	fi
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		die "needs apt-get and dpkg-deb (a Debian system)"
	_dp_cache=$(dirname "$_dp_dir")
	mkdir -p "$_dp_cache"
	# apt's download sandbox user cannot write into our mktemp dir: as
	# root, download as root instead (apt would only warn).
	_dp_apt=""
	[ "$(id -u)" = 0 ] && _dp_apt="-o APT::Sandbox::User=root"
	if [ -n "$_dp_arch" ] && [ "$_dp_arch" != "$(dpkg --print-architecture)" ]; then
		_dp_lists=$_dp_cache/apt-$_dp_arch
		mkdir -p "$_dp_lists/lists/partial" "$_dp_lists/cache/archives/partial"
		: >>"$_dp_lists/status"
		_dp_apt="$_dp_apt -o APT::Architecture=$_dp_arch -o APT::Architectures::=$_dp_arch
			-o Dir::State::Lists=$_dp_lists/lists -o Dir::Cache=$_dp_lists/cache
			-o Dir::State::status=$_dp_lists/status"
		echo "deb-prefix: apt-get update of the $_dp_arch lists in $_dp_lists" >&2
		# shellcheck disable=SC2086
		apt-get -q $_dp_apt update >"$_dp_lists/update.log" 2>&1 || {
			cat "$_dp_lists/update.log" >&2
			die "apt-get update of the $_dp_arch lists failed (network?)"
		}
	fi
	# Unpacked beside the final place and moved in at the end: a run that
	# dies half-way, or a second one at the same time, never leaves a half
	# prefix.
	_dp_tmp=$(mktemp -d "$_dp_dir.tmp.XXXXXX")
	trap 'rm -rf "$_dp_tmp"' EXIT
	mkdir "$_dp_tmp/debs" "$_dp_tmp/root"
	# shellcheck disable=SC2086
	if ! (cd "$_dp_tmp/debs" && apt-get download -q $_dp_apt "$@" >"$_dp_tmp/apt.log" 2>&1); then
		cat "$_dp_tmp/apt.log" >&2
		die "apt-get download $* failed (network, or stale lists: apt-get update)"
	fi
	_dp_versions=""
	for _dp_deb in "$_dp_tmp"/debs/*.deb; do
		dpkg-deb -x "$_dp_deb" "$_dp_tmp/root" || die "dpkg-deb -x $_dp_deb failed"
		_dp_versions="$_dp_versions $(dpkg-deb -f "$_dp_deb" Package)=$(dpkg-deb -f "$_dp_deb" Version)"
	done
	[ -z "$_dp_fix" ] || "$_dp_fix" "$_dp_tmp/root" || die "could not prepare the unpacked $*"
	echo "${_dp_versions# }" >"$_dp_tmp/root/.stamp"

	rm -rf "$_dp_dir.old"
	[ -d "$_dp_dir" ] && mv "$_dp_dir" "$_dp_dir.old"   # a prefix without a stamp: unfinished
	if ! mv -T "$_dp_tmp/root" "$_dp_dir" 2>/dev/null; then
		# someone else finished first: theirs is as good as ours
		[ -f "$_dp_dir/.stamp" ] || die "cannot move the prefix into $_dp_dir"
	fi
	rm -rf "$_dp_dir.old" "$_dp_tmp"
	trap - EXIT
	# The foreign lists served this one download: 20 MB not worth keeping.
	[ -z "${_dp_lists:-}" ] || rm -rf "$_dp_lists"
	echo "deb-prefix: unpacked$_dp_versions into $_dp_dir" >&2
	echo "$_dp_dir"
}
