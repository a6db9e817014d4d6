#!/bin/bash
# `make bench`: vitool's speed against the physical limit and a peer, each
# ratio from figures measured in this one run (the machines are shared and
# noisy: absolute figures from one run to the next mean little).  Every
# figure is the median of ROUNDS rounds; a round measures each figure
# once, so a figure and its baseline are measured minutes apart at most.
# Prints one table, writes $BUILD/bench.json (one number per key) and the
# latency distribution plot $BUILD/bench-latency.svg (gnuplot).
#   tests/bench/run.sh    (VITOOL, BUILD, ROUNDS=3, SECS=1 from the Makefile)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VITOOL=${VITOOL:-$PWD/$BUILD/vitool}
BIN=$PWD/$BUILD/bench
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-1}
OUT=$PWD/$BUILD/bench.json
PLOT=$PWD/$BUILD/bench-latency.svg

d=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || :; done
	wait 2>/dev/null || :
	rm -rf "$d"
}
trap cleanup EXIT INT TERM
export XDG_RUNTIME_DIR="$d/run"
mkdir -m 0700 "$XDG_RUNTIME_DIR"

# bg NAME CMD...: CMD in the background, its pid in pids and in $d/NAME.pid.
bg() {
	local name=$1
	shift
	"$@" >"$d/$name.out" 2>"$d/$name.err" </dev/null &
	pids+=($!)
	echo $! >"$d/$name.pid"
}
stop() {  # stop NAME: ends what bg NAME started
	local p
	p=$(cat "$d/$1.pid")
	kill "$p" 2>/dev/null || :
	wait "$p" 2>/dev/null || :
}
wait_sock() {
	local i
	for ((i = 0; i < 200; i++)); do [ -S "$1" ] && return 0; sleep 0.05; done
	echo "bench: $1 did not appear" >&2
	exit 1
}
# rate SOCK DEV ARGS...: one drive --bench; its requests/s.  The JSON goes
# to $d/last.json (the plot's data).
rate() {
	local sock=$1 dev=$2
	shift 2
	"$VITOOL" drive "$dev" -S "$sock" --bench --duration "${SECS}s" --json "$@" >"$d/last.json"
	jq -r .requests_per_s "$d/last.json"
}
median() {  # median of the numbers on stdin
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
record() {  # record KEY VALUE: one measurement of KEY
	echo "$2" >>"$d/fig.$1"
}
fig() {  # fig KEY: the median of KEY's measurements
	median <"$d/fig.$1"
}

# ---- the back-ends: each its own instance, started once ----
I2C="--target 0x50=24c02"
bg alone "$VITOOL" serve i2c -S "$d/alone.sock" -q $I2C
bg traced "$VITOOL" serve i2c -S "$d/traced.sock" -q $I2C
bg capt "$VITOOL" serve i2c -S "$d/capt.sock" -q $I2C -w "$d/capt.pcap" -s 128
bg vblk "$VITOOL" serve blk -S "$d/vblk.sock" -q --null --size 1G
bg qsd qemu-storage-daemon --blockdev driver=null-co,node-name=n,size=1073741824,read-zeroes=off \
	--export "type=vhost-user-blk,id=e,node-name=n,addr.type=unix,addr.path=$d/qsd.sock"
for s in alone traced capt vblk qsd; do wait_sock "$d/$s.sock"; done
# A live subscriber, as `vitool trace` on another terminal: everything it
# prints goes to /dev/null.
"$VITOOL" trace -i traced -q >/dev/null 2>"$d/sub.err" &
pids+=($!)
sleep 0.3

proxied() {  # proxied ARGS...: requests/s through a recording proxy to qsd
	bg proxy "$VITOOL" proxy --listen "$d/px.sock" --backend "$d/qsd.sock" -q -w "$d/px.pcap" -s 128
	wait_sock "$d/px.sock"
	rate "$d/px.sock" blk "$@"
	stop proxy
}

for ((r = 1; r <= ROUNDS; r++)); do
	echo "bench: round $r of $ROUNDS" >&2
	record eventfd_roundtrips_per_s "$("$BIN/eventfd_pingpong" "$SECS" | jq -r .roundtrips_per_s)"
	record i2c_unbatched_per_s "$(rate "$d/alone.sock" i2c)"
	cp "$d/last.json" "$d/unbatched.$r.json"
	record i2c_batched_per_s "$(rate "$d/alone.sock" i2c --batch 64 --depth 64 --indirect)"
	cp "$d/last.json" "$d/batched.$r.json"
	record serve_alone_per_s "$(rate "$d/alone.sock" i2c)"
	record serve_traced_per_s "$(rate "$d/traced.sock" i2c)"
	record serve_capturing_per_s "$(rate "$d/capt.sock" i2c)"
	record blk_vitool_qd1_per_s "$(rate "$d/vblk.sock" blk)"
	record blk_qsd_qd1_per_s "$(rate "$d/qsd.sock" blk)"
	record blk_vitool_qd32_per_s "$(rate "$d/vblk.sock" blk --depth 32)"
	record blk_qsd_qd32_per_s "$(rate "$d/qsd.sock" blk --depth 32)"
	# the proxy's cost: calls coalesced, so that direct does not pay a
	# wake-up per request that the proxy in between would save it (README)
	record direct_per_s "$(rate "$d/qsd.sock" blk --depth 32 --coalesce-calls)"
	record proxy_per_s "$(proxied --depth 32 --coalesce-calls)"
done

# ---- reading a capture: the batched run's records ----
echo "bench: reading captures" >&2
bg big "$VITOOL" serve i2c -S "$d/big.sock" -q $I2C -w "$d/big.pcap" -s 128
wait_sock "$d/big.sock"
"$VITOOL" drive i2c -S "$d/big.sock" --bench --duration 1s --batch 64 --indirect >/dev/null
stop big
"$VITOOL" trace -r "$d/big.pcap" -c 200000 -w "$d/mid.pcap" 2>/dev/null
"$VITOOL" trace -r "$d/big.pcap" -c 20000 -w "$d/small.pcap" 2>/dev/null
count() { "$VITOOL" trace -r "$1" 2>/dev/null | wc -l; }
nbig=$(count "$d/big.pcap") nmid=200000 nsmall=20000
# cpu_rate N CMD...: N records over CMD's CPU time (user + system), which
# another agent's load on the machine does not stretch.
cpu_rate() {
	local n=$1 t TIMEFORMAT='%U %S'
	shift
	t=$( { time "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -n 1 | awk '{ print $1 + $2 }')
	awk -v n="$n" -v t="$t" 'BEGIN { printf "%.0f", n / (t > 0.005 ? t : 0.005) }'
}
LUA=$PWD/lib/trace/wireshark/vitool.lua
for ((r = 1; r <= ROUNDS; r++)); do
	record trace_read_records_per_s "$(cpu_rate "$nbig" "$VITOOL" trace -r "$d/big.pcap")"
	record trace_json_records_per_s "$(cpu_rate "$nbig" "$VITOOL" trace -r "$d/big.pcap" --json)"
	record tcpdump_read_records_per_s "$(cpu_rate "$nmid" tcpdump -r "$d/mid.pcap")"
	record tshark_read_records_per_s "$(cpu_rate "$nsmall" tshark -X "lua_script:$LUA" -r "$d/small.pcap")"
done

# ---- start-up and idle memory against the minimal listener ----
echo "bench: start-up" >&2
for ((r = 1; r <= 5; r++)); do
	"$BIN/startup" "$d/su.sock" "$VITOOL" serve i2c -S "$d/su.sock" -q $I2C >"$d/su.json"
	record serve_startup_ms "$(jq -r '.startup_ns / 1e4 | round / 100' "$d/su.json")"
	record serve_idle_rss_kib "$(jq -r .rss_kib "$d/su.json")"
	"$BIN/startup" "$d/li.sock" "$BIN/listener" "$d/li.sock" >"$d/li.json"
	record listener_startup_ms "$(jq -r '.startup_ns / 1e4 | round / 100' "$d/li.json")"
	record listener_idle_rss_kib "$(jq -r .rss_kib "$d/li.json")"
done

# ---- instructions per request: the difference of two runs under
# callgrind, so that start-up and shut-down cancel ----
echo "bench: callgrind" >&2
irs() {  # irs SECONDS: "instructions requests" of serve i2c under callgrind
	local n
	bg vg valgrind --tool=callgrind --callgrind-out-file="$d/cg.out" "$VITOOL" serve i2c -S "$d/vg.sock" -q \
		--once $I2C
	wait_sock "$d/vg.sock"
	n=$("$VITOOL" drive i2c -S "$d/vg.sock" --bench --duration "$1" --timeout 20000 --json | jq -r .requests)
	wait "$(cat "$d/vg.pid")" 2>/dev/null || :
	echo "$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\).*/\1/p' "$d/vg.err") $n"
}
read -r ir1 n1 < <(irs 0.5s)
read -r ir2 n2 < <(irs 2s)
record i2c_instructions_per_request "$(awk -v a="$ir1" -v b="$ir2" -v m="$n1" -v n="$n2" \
	'BEGIN { printf "%.0f", (n > m) ? (b - a) / (n - m) : 0 }')"

# ---- syscalls per request, unbatched (strace -c), for the notes ----
echo "bench: strace" >&2
sys_total() { awk '$NF == "total" { print $4 }' "$1"; }   # % time, seconds, usecs/call, calls
bg st strace -f -c -o "$d/serve.strace" "$VITOOL" serve i2c -S "$d/st.sock" -q --once $I2C
wait_sock "$d/st.sock"
n_st=$(strace -f -c -o "$d/drive.strace" "$VITOOL" drive i2c -S "$d/st.sock" --bench --duration 0.5s --json |
	jq -r .requests)
wait "$(cat "$d/st.pid")" 2>/dev/null || :
serve_sys=$(awk -v s="$(sys_total "$d/serve.strace")" -v n="$n_st" 'BEGIN { printf "%.2f", s / n }')
drive_sys=$(awk -v s="$(sys_total "$d/drive.strace")" -v n="$n_st" 'BEGIN { printf "%.2f", s / n }')

# ---- the JSON: exactly these keys ----
keys="eventfd_roundtrips_per_s i2c_unbatched_per_s i2c_batched_per_s blk_vitool_qd1_per_s blk_qsd_qd1_per_s
blk_vitool_qd32_per_s blk_qsd_qd32_per_s serve_alone_per_s serve_traced_per_s serve_capturing_per_s proxy_per_s
direct_per_s trace_read_records_per_s tshark_read_records_per_s tcpdump_read_records_per_s
trace_json_records_per_s serve_idle_rss_kib listener_idle_rss_kib serve_startup_ms listener_startup_ms
i2c_instructions_per_request"
{
	echo "{"
	sep=""
	for k in $keys; do
		printf '%s  "%s": %s' "$sep" "$k" "$(fig "$k")"
		sep=$',\n'
	done
	printf '\n}\n'
} >"$OUT"
jq -e . "$OUT" >/dev/null

# ---- the table ----
J() { jq -r ".$1" "$OUT"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
loss() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", (b > 0 ? (b - a) * 100 / b : 0) }'; }
si() { awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2fM", v / 1e6; else if (v >= 1e3) printf "%.1fk", v / 1e3; else printf "%.0f", v }'; }
ub=$(J i2c_unbatched_per_s) b=$(J i2c_batched_per_s) ev=$(J eventfd_roundtrips_per_s) al=$(J serve_alone_per_s)
{
	echo
	echo "vitool bench: $ROUNDS rounds, median of each; $(nproc) CPUs, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "| what | figure | ratio | target |"
	echo "|---|---|---|---|"
	echo "| eventfd ping-pong, two processes | $(si "$ev") round trips/s | 1 | |"
	echo "| i2c unbatched, drive -> serve | $(si "$ub") req/s; syscalls/request: serve $serve_sys, drive $drive_sys | $(ratio "$ub" "$ev") of ping-pong | >= 0.8 |"
	echo "| i2c, 64 per kick, indirect, EVENT_IDX | $(si "$b") req/s | $(ratio "$b" "$ub")x unbatched | >= 50x, >= 1M/s |"
	echo "| blk depth 1: vitool serve blk --null / qemu-storage-daemon null-co | $(si "$(J blk_vitool_qd1_per_s)") / $(si "$(J blk_qsd_qd1_per_s)") req/s | $(ratio "$(J blk_vitool_qd1_per_s)" "$(J blk_qsd_qd1_per_s)")x | >= 1.0x |"
	echo "| blk depth 32: vitool / qemu-storage-daemon | $(si "$(J blk_vitool_qd32_per_s)") / $(si "$(J blk_qsd_qd32_per_s)") req/s | $(ratio "$(J blk_vitool_qd32_per_s)" "$(J blk_qsd_qd32_per_s)")x | >= 1.0x |"
	echo "| serve alone / live trace subscriber / -w capture (i2c unbatched) | $(si "$al") / $(si "$(J serve_traced_per_s)") / $(si "$(J serve_capturing_per_s)") req/s | loss $(loss "$(J serve_traced_per_s)" "$al") / $(loss "$(J serve_capturing_per_s)" "$al") | <= 10 % |"
	echo "| proxy -w against direct, qemu-storage-daemon depth 32, calls coalesced | $(si "$(J proxy_per_s)") / $(si "$(J direct_per_s)") req/s | loss $(loss "$(J proxy_per_s)" "$(J direct_per_s)") | <= 10 % |"
	echo "| trace -r / --json / tcpdump -r / tshark + Lua (records per CPU second) | $(si "$(J trace_read_records_per_s)") / $(si "$(J trace_json_records_per_s)") / $(si "$(J tcpdump_read_records_per_s)") / $(si "$(J tshark_read_records_per_s)") | trace -r $(ratio "$(J trace_read_records_per_s)" "$(J tshark_read_records_per_s)")x tshark | >= 3M, >= 1M, >= 100x |"
	echo "| serve start-up to an answered message / idle RSS | $(J serve_startup_ms) ms / $(J serve_idle_rss_kib) KiB | $(ratio "$(J serve_startup_ms)" "$(J listener_startup_ms)")x / $(ratio "$(J serve_idle_rss_kib)" "$(J listener_idle_rss_kib)")x the minimal listener ($(J listener_startup_ms) ms / $(J listener_idle_rss_kib) KiB) | <= 1.2x each |"
	echo "| serve instructions per request, i2c (callgrind) | $(J i2c_instructions_per_request) | | |"
	echo
	echo "figures: $OUT; latency plot: $PLOT"
} | tee "$PWD/$BUILD/bench.txt"

# ---- the plot: latency distribution of the median round's runs ----
pick() {  # the round whose run was the median for KEY
	local want r
	want=$(fig "$1")
	for ((r = 1; r <= ROUNDS; r++)); do
		[ "$(jq -r .requests_per_s "$d/$2.$r.json")" = "${want%.*}" ] && { echo "$r"; return; }
	done
	echo 1
}
for c in unbatched batched; do
	key=i2c_${c}_per_s
	jq -r '.requests as $n | foreach .histogram[] as $b (0; . + $b[2]; [($b[0] + $b[1]) / 2000, . * 100 / $n]) | @tsv' \
		"$d/$c.$(pick "$key" "$c").json" >"$d/$c.dat"
done
gnuplot <<EOF
set terminal svg size 800,450 dynamic font "sans,12"
set output "$PLOT"
set title "drive i2c --bench against serve i2c: latency distribution ($(date -u +%Y-%m-%d), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
set logscale x
set xlabel "latency (us, log scale)"
set ylabel "requests at or below (%)"
set yrange [0:100]
set grid
set key bottom right
plot "$d/unbatched.dat" using 1:2 with steps lw 2 title "unbatched (depth 1)", \
     "$d/batched.dat" using 1:2 with steps lw 2 title "64 per kick, indirect, EVENT_IDX"
EOF
