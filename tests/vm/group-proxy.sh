# The VM suite's proxy group (VM_ONLY=proxy), sourced by run-vm.sh: one
# guest with a vhost-user-blk disk served by qemu-storage-daemon and a
# vhost-user-i2c device served by `vitool serve i2c`, each behind a
# `vitool proxy` that starts it (--exec; vitool-proxy(1)).  The guest
# (scenarios/proxy.sh) writes and reads its disk with dd and checksums, runs
# the i2c tools, then reads both in a loop while the host kills both
# back-ends; the host checks the image, the proxies' traces and --print
# lines, the restarts, and that an --exec back-end ends with its proxy.
# The proxy group also runs the i2c and gpio groups' guests through a
# proxy (device_start), with every check of theirs.

# proxy_start NAME proxy-ARGS...: like serve_start (its log NAME.serve.log,
# its control socket NAME.ctl; serve_stop ends it)
proxy_start() {
	local name=$1; shift
	local log=$W/$name.serve.log ctlp=$W/$name.ctl
	timeout -k 2 "$VM_PROC_MAX" "$VITOOL" proxy "$@" --control "$ctlp" --print \
		</dev/null >>"$log" 2>&1 &
	SERVE_PID[$name]=$!
	disown $!
	if ! wait_until 10 eval "ctl '$ctlp' info | grep -q '\"ok\":true'"; then
		echo "# proxy $name did not come up: $*"
		diag_file "$log"
		return 1
	fi
}

# device_start NAME DEVICE serve-ARGS...: vitool serve DEVICE on
# $W/NAME.sock (serve_start); with VIA_PROXY set (group_i2c proxy,
# group_gpio proxy), a vitool proxy on $W/NAME.sock instead, which starts
# the serve (--exec) on $W/NAME-be.sock with its own control socket
# $W/NAME-be.ctl: NAME's log (--print) and control socket are the proxy's.
device_start() {
	local name=$1 dev=$2 cmd
	shift 2
	if [ -z "${VIA_PROXY:-}" ]; then
		serve_start "$name" "$dev" --socket "$W/$name.sock" "$@"
		return
	fi
	cmd=$(printf '%q ' "$VITOOL" serve "$dev" --socket "$W/$name-be.sock" --control "$W/$name-be.ctl" -q "$@")
	proxy_start "$name" --listen "$W/$name.sock" --backend "$W/$name-be.sock" --connect-timeout 10000 \
		--exec "exec $cmd"
}

# blk_bytes TRACE KIND FIRST END: bytes of the OK KIND (read/write)
# requests of a trace that fall in sectors [FIRST, END)
blk_bytes() {
	awk -v k="$2" -v a=$(($3 * 512)) -v b=$(($4 * 512)) '
		$0 ~ (" used " k " sector [0-9]+ len [0-9]+ .*-> OK") {
			for (i = 1; i <= NF; i++) if ($i == "sector") { s = $(i + 1) * 512; l = $(i + 3) }
			lo = s > a ? s : a; hi = s + l < b ? s + l : b
			if (hi > lo) n += hi - lo
		} END { print n + 0 }' "$1"
}

group_proxy() {
	local f=$TAP_FAILED img=$W/px-disk.img bc=$W/pxb.ctl ic=$W/pxi.ctl qpf=$W/qsd.pid spf=$W/pxi-serve.pid
	if ! command -v qemu-storage-daemon >/dev/null; then
		tap_fail "proxy: qemu-storage-daemon is installed" "run 'make deps' (qemu-utils)"; return
	fi
	truncate -s 8M "$img"
	printf '\022\064' >"$W/pxi-eeprom.bin"   # 0x12 0x34 at 0x00, after every restart too
	# both back-ends started by their proxies (--exec), which start them
	# again when the host kills them
	proxy_start pxb --listen "$W/pxb.sock" --backend "$W/qsd.sock" --connect-timeout 10000 \
		--exec "echo \$\$ >'$qpf'; exec qemu-storage-daemon --blockdev driver=file,node-name=disk,filename='$img' --export type=vhost-user-blk,id=blk0,node-name=disk,addr.type=unix,addr.path='$W/qsd.sock',writable=on" ||
		{ tap_fail "proxy: vitool proxy --exec 'qemu-storage-daemon ...' starts"; return; }
	proxy_start pxi --listen "$W/pxi.sock" --backend "$W/pxi-serve.sock" --connect-timeout 10000 \
		--exec "echo \$\$ >'$spf'; exec '$VITOOL' serve i2c --socket '$W/pxi-serve.sock' --target 0x50=24c02:file=$W/pxi-eeprom.bin --target 0x20=regs -q" || {
		tap_fail "proxy: vitool proxy --exec 'vitool serve i2c ...' starts"; serve_stop pxb; return
	}
	trace_start pxb-text "$bc" -U
	if ! wait_until 5 trace_subscribers "$bc" 1; then
		tap_fail "proxy: a trace client attaches to the blk proxy before the guest boots" "$(ctl "$bc" trace-stats)"
		diag_file "$W/pxb-text.trace.err" 5; trace_stop pxb-text; serve_stop pxi; serve_stop pxb; return
	fi
	vm_boot proxy proxy.sh --timeout 180 -- \
		-chardev "socket,id=b0,path=$W/pxb.sock" -device vhost-user-blk-pci,chardev=b0 \
		-chardev "socket,id=c0,path=$W/pxi.sock" -device vhost-user-i2c-pci,chardev=c0 || {
		tap_fail "proxy: QEMU starts"; group_logs proxy pxb pxi
		trace_stop pxb-text; serve_stop pxi; serve_stop pxb; return
	}
	# while the guest reads in a loop: kill both back-ends
	local q1= s1= q2= s2= killed=0
	if vm_wait_marker proxy "@@ restart-ready" 150; then
		sleep 1
		q1=$(cat "$qpf") s1=$(cat "$spf")
		kill -KILL "$q1" "$s1" 2>/dev/null && killed=1
		wait_until 15 eval 'grep -q "the back-end is back" "$W/pxb.serve.log" && grep -q "the back-end is back" "$W/pxi.serve.log"'
		q2=$(cat "$qpf") s2=$(cat "$spf")
	fi
	local st; vm_finish proxy 150; st=$?
	wait_until 10 grep -qE "^$TRACE_TIME blk disconnect\$" "$W/pxb-text.trace"
	trace_stop pxb-text
	if [ "$st" = 0 ]; then tap_ok "proxy: guest boots, runs the scenario, exits 0"
	else tap_fail "proxy: guest boots, runs the scenario, exits 0" "scenario exit $st"; fi

	# blk: what the guest wrote is on the disk and came back
	local sum rsum hsum
	sum=$(vm_section proxy blk-sum) rsum=$(vm_section proxy blk-read)
	hsum=$(dd if="$img" bs=4096 skip=256 count=256 2>/dev/null | sha256sum | cut -d' ' -f1)
	if rc_is proxy blk-size 0 && section_is proxy blk-size 16384; then
		tap_ok "proxy blk: the guest's virtio-blk disk has the image's 16384 sectors (config space through the proxy)"
	else tap_fail "proxy blk: the guest's virtio-blk disk has the image's 16384 sectors (config space through the proxy)"; fi
	local n="proxy blk: guest dd writes 1 MiB at sector 2048, reads it back past the page cache: one sha256 in the guest and in qemu-storage-daemon's image"
	if rc_is proxy blk-write 0 && rc_is proxy blk-read 0 && [ ${#sum} = 64 ] && [ "$sum" = "$rsum" ] && [ "$sum" = "$hsum" ]; then
		tap_ok "$n"
	else tap_fail "$n" "written: ${sum:-?}" "read back: ${rsum:-?}" "image: $hsum" "$(vm_section proxy blk-write)"; fi

	# the trace: the guest's writes and reads decoded, every byte of the
	# 1 MiB in OK requests (QEMU's disk has no write cache the guest
	# flushes: no FLUSH is expected)
	local t=$W/pxb-text.trace wb rb
	wb=$(blk_bytes "$t" write 2048 4096) rb=$(blk_bytes "$t" read 2048 4096)
	n="proxy blk: vitool trace decodes the guest's requests: writes and reads of sectors 2048-4095 (1 MiB written, read back 41 times), all OK"
	if [ "$wb" = 1048576 ] && [ "$rb" -ge $((41 * 1048576)) ] && ! grep -qE ' used .*-> (IOERR|UNSUPP)' "$t"; then
		tap_ok "$n"; diag "$(grep -cE ' used ' "$t") requests traced; e.g. $(grep -m1 -E ' used write sector 2048 ' "$t" | cut -c1-100)"
	else tap_fail "$n" "write bytes in range: $wb, read bytes: $rb"; diag_file "$t" 15; diag_file "$W/pxb-text.trace.err" 5; fi

	# i2c through the --exec proxy
	local found
	found=$(vm_section proxy i2c-detect | awk -F: '/^[0-7]0:/ { n = split($2, a, " ");
		for (i = 1; i <= n; i++) if (a[i] ~ /^[0-9a-f][0-9a-f]$/) printf "%s ", a[i] }')
	n="proxy i2c (--exec vitool serve i2c): i2cdetect shows 0x20 and 0x50, i2ctransfer writes and reads back 0xaa 0xbb, 0x30 NACKs"
	if [ "$found" = "20 50 " ] && rc_is proxy i2c-write 0 && section_is proxy i2c-readback "0xaa 0xbb" &&
		rc_nonzero proxy i2c-absent; then
		tap_ok "$n"
	else tap_fail "$n" "i2cdetect found: ${found:-nothing}" "$(vm_section proxy i2c-readback)"; fi
	log_has "$W/pxi.serve.log" "i2c q0 #[0-9]+ used 0x50 read 2 -> OK \\[aa bb\\]" &&
		tap_ok "proxy i2c: the proxy's --print decodes the guest's read of 0x50 (-> OK [aa bb])" ||
		tap_fail "proxy i2c: the proxy's --print decodes the guest's read of 0x50 (-> OK [aa bb])"

	# the restart: both back-ends new processes, set up again by the proxies
	n="proxy restart: qemu-storage-daemon and vitool serve i2c killed (SIGKILL) while the guest reads: each proxy starts its back-end again and replays the VMM's set-up"
	if [ "$killed" = 1 ] && [ -n "$q2" ] && [ "$q2" != "$q1" ] && [ -n "$s2" ] && [ "$s2" != "$s1" ] &&
		log_has "$W/pxb.serve.log" "the back-end is back \(restart 1\): the VMM's set-up replayed" &&
		log_has "$W/pxi.serve.log" "the back-end is back \(restart 1\): the VMM's set-up replayed"; then
		tap_ok "$n"; diag "$(grep -h 'the back-end is back' "$W/pxb.serve.log" "$W/pxi.serve.log")"
	else tap_fail "$n" "killed: $killed, qemu-storage-daemon $q1 -> ${q2:-?}, serve $s1 -> ${s2:-?}"; fi
	local loop; loop=$(vm_section proxy restart-loop)
	n="proxy restart: the guest goes on without a reboot: its 40 reads of the 1 MiB all give the written sha256, i2c transfers pass again (at most the one in flight failed)"
	local bok bbad iok ierr last
	read -r _ bok bbad _ iok ierr _ last <<<"$loop"
	if [ "$bok" = 40 ] && [ "$bbad" = 0 ] && [ -n "$ierr" ] && ((ierr <= 1)) && [ "$last" = ok ]; then
		tap_ok "$n"; diag "$loop"
	else tap_fail "$n" "guest: ${loop:-no result}"; fi
	n="proxy restart: the blk proxy's trace shows it: the set-up replayed to the new back-end mid-run (SET_VRING_BASE at the ring's position)"
	if grep -qE "^$TRACE_TIME blk vhost-msg > SET_VRING_BASE q0 base [1-9][0-9]*\$" "$t"; then tap_ok "$n"
	else tap_fail "$n"; grep -E "vhost-msg" "$t" | tail -n 12 | while IFS= read -r l; do diag "$l"; done; fi

	# the --exec back-end ends with its proxy
	local epid; epid=$(cat "$spf" 2>/dev/null)
	serve_stop pxi
	n="proxy: the --exec back-end (vitool serve i2c, pid ${epid:-?}) ends with its proxy"
	if [ -n "$epid" ] && wait_until 5 eval '! kill -0 '"$epid"' 2>/dev/null'; then tap_ok "$n"
	else tap_fail "$n"; fi
	serve_stop pxb
	[ "$TAP_FAILED" = "$f" ] || group_logs proxy pxb pxi
}
