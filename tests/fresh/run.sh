#!/usr/bin/env bash
# The fresh-machine check (issue 8, item 5): README's two commands on a new
# Debian 12 machine.
#
#   tests/fresh/run.sh [CLONE_PATH...]          (as root; 15-30 minutes)
#
# Debootstraps a minimal bookworm (variant minbase plus gcc, make, git: what a
# new machine has) into a scratch folder outside the tree, clones the
# repository this script lives in (its committed HEAD, not the working tree)
# to CLONE_PATH inside it (default /root/vitool; /root is mode 0700 there),
# and runs, as root in a clean environment with chroot, `make demo` then
# `make check` in the clone.  Several CLONE_PATHs run one after the other on
# the same machine, each a new clone, e.g.
#   tests/fresh/run.sh /root/vitool "/root/my vitool" /tmp/private/vitool
# (missing parent folders are made mode 0700, like mktemp -d).  Exit 0 only
# when, for every path, the demo exited 0 and printed `vitool loopback`'s
# request lines, and the check's last line is "N passed, 0 failed[, N
# skipped]".
#
# Environment:
#   FRESH_KEEP=1        keep the chroot (printed at the end) for debugging
#   FRESH_TIMEOUT=MIN   bound on the whole run, default 60 per CLONE_PATH + 15
#   FRESH_CACHE=DIR     .deb cache shared by runs (debootstrap and apt), default
#                       /var/tmp/vitool-fresh-cache; FRESH_CACHE= downloads all
#   FRESH_REPO=URL      what to clone, default the repository holding this script
#   FRESH_REV=REV       branch to check out, default that repository's HEAD
#   FRESH_LOG=DIR       where each step's full output goes (kept), default a
#                       new folder under ${TMPDIR:-/var/tmp}
#   FRESH_COLD=1        empty the chroot's /root/.cache before each CLONE_PATH
#                       after the first (VM kernel, gpiod prefixes): each one
#                       then builds everything itself, as on a new machine,
#                       instead of finding the first one's caches (slower)
#   FRESH_OFFLINE=1     also run `make check-quick` in the first clone with no
#                       network (a new network namespace): once the packages
#                       are in, the quick suites must not need it
# The whole run sits in its own mount and PID namespaces (unshare): whatever
# ends it, even SIGKILL, no mount is left behind on the host and no process
# started in the chroot survives it.  The scratch folder is removed on every
# exit path the script sees (EXIT, INT, TERM, HUP); after a SIGKILL, the next
# run removes it.
set -u

me=$(readlink -f "$0")
here=$(dirname "$me")
tmpbase=${TMPDIR:-/var/tmp}
say() { printf 'fresh: %s\n' "$*"; }
die() { printf 'fresh: error: %s\n' "$*" >&2; exit 2; }

# --- outside the namespaces: prerequisites, then re-exec inside them -------
if [ "${_FRESH_INNER:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, mount, chroot); try: sudo $0 $*"
	for c in unshare chroot mount umount git timeout; do
		command -v "$c" >/dev/null || die "the host lacks '$c'"
	done
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap on the host"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap ||
			die "debootstrap is missing and 'apt-get install debootstrap' failed"
	fi
	# Leftovers of runs that were killed (SIGKILL, power loss): their
	# mounts died with their namespace; the folder is only removed when
	# its owner is gone and nothing is mounted under it.
	for old in "$tmpbase"/vitool-fresh.*; do
		[ -d "$old" ] && [ -f "$old/.fresh-owner" ] || continue
		pid=$(cat "$old/.fresh-owner" 2>/dev/null)
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && continue
		[ -f "$old/.fresh-keep" ] && continue
		if grep -qF " $old/" /proc/self/mountinfo || grep -qF " $old " /proc/self/mountinfo; then
			say "not removing $old: something is mounted under it"
			continue
		fi
		say "removing $old (left by a run that was killed)"
		rm -rf --one-file-system "$old"
	done
	# The scratch folder is made here so that its owner file holds a pid
	# the next run can see: unshare's, which exec keeps.
	_FRESH_ROOT=$(mktemp -d "$tmpbase/vitool-fresh.XXXXXX") || die "cannot create a scratch folder under $tmpbase"
	echo $$ >"$_FRESH_ROOT/.fresh-owner"
	export _FRESH_INNER=1 _FRESH_ROOT
	# The inner script runs under unshare, which ignores SIGINT and SIGTERM;
	# this shell stays outside to pass them on.  A pipe (a FIFO, opened
	# and unlinked at once) ties the two: the inner script's watchdog reads
	# it and ends the run when this shell goes, however it goes (SIGKILL
	# included), because the pipe's only writer is this shell.
	fifo=$_FRESH_ROOT/.fresh-fifo
	mkfifo "$fifo" || die "mkfifo $fifo failed"
	# --kill-child: if unshare itself is killed, the script inside gets
	# SIGTERM and cleans up; when the script (PID 1 there) ends, the
	# kernel kills every process left in the namespace.
	unshare --mount --propagation private --pid --fork --mount-proc \
		--kill-child=SIGTERM "$me" "$@" 5<"$fifo" &
	upid=$!
	exec 6>"$fifo"
	rm -f "$fifo"
	stop() { exec 6>&-; trap '' INT TERM HUP; }
	trap stop INT TERM HUP
	while :; do
		wait "$upid"; rc=$?
		kill -0 "$upid" 2>/dev/null || exit "$rc"
	done
fi

# --- inside: PID 1 of a private PID namespace, private mounts ---------------
root=$_FRESH_ROOT mounts=() bgpid=""

chroot_pids() {  # processes whose root is the chroot
	local d r
	for d in /proc/[0-9]*; do
		r=$(readlink "$d/root" 2>/dev/null) || continue
		[ "$r" = "$root" ] && echo "${d#/proc/}"
	done
}

kill_chroot() {  # ends every process in the chroot: TERM, then KILL
	local pids i
	[ -n "$root" ] || return 0
	pids=$(chroot_pids)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.5
		pids=$(chroot_pids)
		[ -n "$pids" ] || return 0
	done
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null
	sleep 0.5
}

kill_all() {  # ends every other process of this PID namespace: TERM, then KILL
	local d p st i sig=TERM
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21; do
		o=()
		for d in /proc/[0-9]*; do
			p=${d#/proc/}
			[ "$p" = 1 ] || [ "$p" = "$BASHPID" ] && continue
			read -r st <"$d/stat" 2>/dev/null || continue
			st=${st##*) }
			[ "${st%% *}" = Z ] && continue
			o+=("$p")
		done
		[ ${#o[@]} -gt 0 ] || break
		[ "$i" = 21 ] && sig=KILL
		kill -"$sig" "${o[@]}" 2>/dev/null
		[ "$i" = 1 ] || [ "$i" = 21 ] || sleep 0.5
		sleep 0.1
	done
}

cleanup() {
	local rc=$? i m left
	trap '' INT TERM HUP
	kill_all
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		m=${mounts[i]}
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			printf 'fresh: error: cannot unmount %s\n' "$m" >&2
	done
	# and whatever else is mounted under it (debootstrap's own, if killed)
	if [ -n "$root" ]; then
		awk -v r="$root/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null; done
	fi
	if [ -n "$root" ] && [ -d "$root" ]; then
		left=$(awk -v r="$root/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo)
		if [ -n "$left" ]; then
			printf 'fresh: error: still mounted, %s not removed:\n%s\n' "$root" "$left" >&2
		elif [ "${keep:-0}" = 1 ]; then
			touch "$root/.fresh-keep"
			say "kept the chroot: $root (FRESH_KEEP=1; remove it with rm -rf --one-file-system '$root')"
			say "  enter it: mount -t proc proc $root/proc; chroot $root /bin/bash"
		else
			rm -rf --one-file-system "$root"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted (SIGINT)"; exit 130' INT
trap 'say "terminated (SIGTERM)"; exit 143' TERM
trap 'say "hung up (SIGHUP)"; exit 129' HUP
# The watchdog: EOF on fd 5 when the shell outside is gone.
{ read -r -u 5 _; say "the outer shell is gone: stopping"; kill -TERM 1; } 5<&5 &
exec 5<&-

[ $# -gt 0 ] || set -- /root/vitool
for p in "$@"; do
	case "$p" in /*) ;; *) die "CLONE_PATH must be absolute: '$p'" ;; esac
done
repo=${FRESH_REPO:-$(git -C "$here" rev-parse --show-toplevel 2>/dev/null)} ||
	die "cannot find the repository holding $me; set FRESH_REPO"
[ -n "$repo" ] || die "cannot find the repository holding $me; set FRESH_REPO"
rev=${FRESH_REV:-}
keep=${FRESH_KEEP:-0}
cache=${FRESH_CACHE-/var/tmp/vitool-fresh-cache}
limit_min=${FRESH_TIMEOUT:-$((60 * $# + 15))}
case "$limit_min" in ''|*[!0-9]*) die "FRESH_TIMEOUT must be minutes, got '$limit_min'" ;; esac
deadline=$(($(date +%s) + limit_min * 60))
logdir=${FRESH_LOG:-$(mktemp -d "$tmpbase/vitool-fresh-log.XXXXXX")} || die "cannot create a log folder"
mkdir -p "$logdir" || die "cannot create $logdir"


remaining() {  # seconds until the deadline
	local r=$((deadline - $(date +%s)))
	[ "$r" -gt 0 ] || r=1
	echo "$r"
}

# step NAME CMD...: runs CMD bounded by the deadline, output to
# $logdir/NAME.log and to stdout as it comes.  Returns CMD's status (124:
# timed out).
step() {
	local name=$1 log rc; shift
	log=$logdir/$name.log
	: >"$log"
	say "== $name  ($(date +%T), full output in $log)"
	timeout --kill-after=20 "$(remaining)" "$@" >"$log" 2>&1 </dev/null &
	local pid=$!
	tail -n +1 -f --pid="$pid" "$log" & bgpid=$!
	wait "$pid"; rc=$?
	wait "$bgpid" 2>/dev/null; bgpid=""
	[ "$rc" = 124 ] && say "$name: TIMED OUT (FRESH_TIMEOUT=$limit_min minutes)"
	return "$rc"
}

# "${CH[@]}" DIR CMD: CMD run by bash in DIR inside the chroot, as root, in a
# clean environment.
CH=()
in_chroot() { "${CH[@]}" "$@"; }

# The host's Debian mirrors, as tests/deps.sh reads them.
srcs() { grep -rhs -e '^URIs:' -e '^deb ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	sed -e 's/^URIs: *//' -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\).*/\2/' -e 's,/*$,,'; }
mirror=$(srcs | grep -m1 '/debian$')
security=$(srcs | grep -m1 '/debian-security$')
mirror=${mirror:-http://deb.debian.org/debian}
security=${security:-http://security.debian.org/debian-security}

CH=(chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	/bin/bash -c 'cd "$1" && shift && eval "$*"' in_chroot)
chmod 755 "$root"    # man-db's triggers drop privileges to user man
say "chroot: $root  mirror: $mirror  security: $security"
say "repository: $repo ${rev:+(rev $rev)}  paths: $*  limit: $limit_min min"

include=gcc,make,git
case "$mirror" in https:*) include=$include,ca-certificates ;; esac
dbargs=(--variant=minbase --include="$include" --components=main)
if [ -n "$cache" ]; then
	mkdir -p "$cache/debootstrap" "$cache/apt/partial" || die "cannot create $cache"
	dbargs+=(--cache-dir="$cache/debootstrap")
fi
step debootstrap debootstrap "${dbargs[@]}" bookworm "$root" "$mirror" ||
	die "debootstrap failed (see $logdir/debootstrap.log)"

# What an installed machine has on top of debootstrap's: its security and
# updates suites, a resolver, and no daemons started from a chroot.
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

mnt() {  # mnt TARGET MOUNT-ARGS...: mounts and remembers it for cleanup
	local t=$1; shift
	mkdir -p "$t"
	mount "$@" "$t" || die "mount $* $t failed"
	mounts+=("$t")
}
mnt "$root/proc" -t proc proc
mnt "$root/sys" --bind /sys
mnt "$root/dev" --bind /dev
mnt "$root/dev/pts" --bind /dev/pts
mnt "$root/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev shm
if [ -n "$cache" ]; then
	mnt "$root/var/cache/apt/archives" --bind "$cache/apt"
fi

step apt-update "${CH[@]}" / apt-get update -q || die "apt-get update failed in the chroot"
in_chroot / 'dpkg-query -W -f="\${Package}\n"' >"$logdir/packages-before.txt" 2>&1

verdicts=() allok=1 n=0
for path in "$@"; do
	n=$((n + 1))
	say "=== configuration $n: clone at '$path'"
	if [ "$n" -gt 1 ] && [ "${FRESH_COLD:-0}" = 1 ]; then
		say "FRESH_COLD=1: emptying /root/.cache"
		rm -rf --one-file-system "$root/root/.cache"
	fi
	parent=$(dirname "$root$path")
	[ -d "$parent" ] || (umask 077 && mkdir -p "$parent")
	rm -rf --one-file-system "$root$path"
	if ! git clone -q --no-hardlinks ${rev:+--branch "$rev"} "$repo" "$root$path"; then
		verdicts+=("FAIL  $path: git clone $repo failed"); allok=0; continue
	fi
	head=$(git -C "$root$path" log -1 --format='%h')
	say "commit: $(git -C "$root$path" log -1 --format="%h %s")"

	step "demo-$n" "${CH[@]}" "$path" make demo; drc=$?
	demo_ok=0
	if [ "$drc" = 0 ] && grep -Eq '^[0-9:.]+ (i2c|gpio) q[0-9]+ #[0-9]+ ' "$logdir/demo-$n.log"; then
		demo_ok=1
	fi
	left=$(chroot_pids); [ -n "$left" ] && say "demo left processes behind: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" 2>/dev/null | tr '\n' ';')"
	kill_chroot

	step "check-$n" "${CH[@]}" "$path" make check; crc=$?
	left=$(chroot_pids); [ -n "$left" ] && say "check left processes behind: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" 2>/dev/null | tr '\n' ';')"
	kill_chroot
	last=$(grep -v '^[[:space:]]*$' "$logdir/check-$n.log" | grep -v '^make\(\[[0-9]*\]\)\{0,1\}: ' | tail -n 1)
	check_ok=0
	if [ "$crc" = 0 ] && printf '%s\n' "$last" | grep -Eq '^[0-9]+ passed, 0 failed(, [0-9]+ skipped)?$'; then
		check_ok=1
	fi

	echo
	say "--- last lines of make check ($path):"
	tail -n 12 "$logdir/check-$n.log"
	grep '^not ok' "$logdir/check-$n.log" >"$logdir/failed-$n.txt"
	if [ -s "$logdir/failed-$n.txt" ]; then
		say "--- failed tests ($path):"
		cat "$logdir/failed-$n.txt"
	fi
	v="$path @ $head: demo "
	if [ "$demo_ok" = 1 ]; then v+="ok"; else v+="FAILED (exit $drc)"; fi
	v+=", check "
	if [ "$check_ok" = 1 ]; then v+="ok ($last)"; else v+="FAILED (exit $crc, last line: ${last:-none})"; fi
	if [ "$demo_ok" = 1 ] && [ "$check_ok" = 1 ]; then verdicts+=("PASS  $v"); else verdicts+=("FAIL  $v"); allok=0; fi
done

if [ "${FRESH_OFFLINE:-0}" = 1 ]; then
	path=$1
	say "=== offline: make check-quick in '$path' without network"
	step offline-check-quick unshare --net "${CH[@]}" "$path" make check-quick; orc=$?
	kill_chroot
	last=$(grep -v '^[[:space:]]*$' "$logdir/offline-check-quick.log" | grep -v '^make\(\[[0-9]*\]\)\{0,1\}: ' | tail -n 1)
	tail -n 5 "$logdir/offline-check-quick.log"
	if [ "$orc" = 0 ] && printf '%s\n' "$last" | grep -Eq '^[0-9]+ passed, 0 failed(, [0-9]+ skipped)?$'; then
		verdicts+=("PASS  offline make check-quick in $path: $last")
	else
		verdicts+=("FAIL  offline make check-quick in $path: exit $orc, last line: ${last:-none}"); allok=0
	fi
fi

in_chroot / 'dpkg-query -W -f="\${Package}\n"' >"$logdir/packages-after.txt" 2>&1
echo
say "logs: $logdir"
for v in "${verdicts[@]}"; do say "$v"; done
if [ "$allok" = 1 ]; then
	say "VERDICT: PASS — make demo and make check are green on a fresh Debian 12"
	exit 0
fi
say "VERDICT: FAIL — see the lines above and $logdir"
exit 1
