#!/bin/sh
# The cost of `vitool proxy` (issue 14): reads/s of qemu-storage-daemon's
# null-co export (no disk: the back-end's and the transport's cost only) at
# queue depth 32, directly, through the proxy, and through the proxy while
# it records (a pcap being written, snapshot length 128), with
# tests/bench/blk_rate.c.  Prints each run and the loss against direct.
# A measurement, not a test.
#   tests/bench/proxy_cost.sh [SECONDS] [DEPTH] [SIZE]
set -e
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
secs=${1:-5} depth=${2:-32} size=${3:-4096}
make -s "$BUILD/libvitool.a" "$BUILD/vitool" >/dev/null
cc -std=c11 -O2 -D_GNU_SOURCE -Ilib -o "$BUILD/bench_blk_rate" tests/bench/blk_rate.c \
	"$BUILD/libvitool.a" $(pkg-config --libs libgpiod libpcap)
VITOOL=${VITOOL:-$PWD/$BUILD/vitool}
d=$(mktemp -d)
qpid= ppid=
cleanup() {
	[ -z "$ppid" ] || kill "$ppid" 2>/dev/null || :
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || :
	wait 2>/dev/null || :
	rm -rf "$d"
}
trap cleanup EXIT INT TERM
export XDG_RUNTIME_DIR="$d/run"
mkdir -m 0700 "$XDG_RUNTIME_DIR"
qemu-storage-daemon --blockdev driver=null-co,node-name=n,size=1073741824 \
	--export type=vhost-user-blk,id=e,node-name=n,addr.type=unix,addr.path="$d/qsd.sock" &
qpid=$!
i=0; while [ ! -S "$d/qsd.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

rate() {  # rate SOCKET LABEL: one run; its reads/s on stdout's last word
	line=$("$BUILD/bench_blk_rate" "$1" "$secs" "$depth" "$size")
	echo "$2: $line" >&2
	echo "$line" | sed -n 's/.*: \([0-9]*\) reads\/s.*/\1/p'
}
proxied() {  # proxied LABEL [proxy options]
	label=$1; shift
	"$VITOOL" proxy --listen "$d/px.sock" --backend "$d/qsd.sock" -q "$@" &
	ppid=$!
	i=0; while [ ! -S "$d/px.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	rate "$d/px.sock" "$label"
	kill "$ppid"; wait "$ppid" || :; ppid=
}
direct=$(rate "$d/qsd.sock" "direct")
plain=$(proxied "proxy")
rec=$(proxied "proxy, recording" -w "$d/px.pcap" -s 128)
direct2=$(rate "$d/qsd.sock" "direct again")
loss() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { m = (a + c) / 2; printf "%.1f", (m - b) * 100 / m }'; }
echo "loss against direct (the mean of both direct runs): proxy $(loss "$direct" "$plain" "$direct2") %, proxy recording $(loss "$direct" "$rec" "$direct2") %"
