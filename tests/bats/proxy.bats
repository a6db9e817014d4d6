#!/usr/bin/env bats
# `vitool proxy` between vitool's own front-end (drive) and real back-ends:
# qemu-storage-daemon's vhost-user-blk export and vitool serve i2c.  What
# goes through arrives (the image holds what was written, reads return it),
# the proxy instance is traced, listed, counted and faulted like a serve,
# the back-end it starts with --exec never outlives it, and a back-end that
# dies under a running front-end is started again (or reconnected to) with
# the front-end's set-up replayed: its held requests submitted again (blk)
# or failed (gpio).

load helpers
load qsd

setup() {
	vt_setup
	IMG="$BATS_TEST_TMPDIR/disk.img"
	QSOCK="$BATS_TEST_TMPDIR/blk.sock"
	PSOCK="$BATS_TEST_TMPDIR/px.sock"
	PX_OUT="$BATS_TEST_TMPDIR/px.out"
	PX_ERR="$BATS_TEST_TMPDIR/px.err"
	PX_CTL="$XDG_RUNTIME_DIR/vitool/px.ctl"
	PX_PID=
	new_image "$IMG" 1M
}

teardown() {
	if [ -s "$PX_ERR" ] && grep -qE 'Sanitizer|runtime error:' "$PX_ERR"; then
		sed 's/^/#   /' "$PX_ERR" >&2
		vt_teardown
		fail "the proxy reported a sanitizer error"
	fi
	vt_teardown
}

# start_proxy ARGS...: the proxy on $PSOCK in the background; waits for its
# socket (the back-end was reached and asked by then).
start_proxy() {
	start_bg "$PX_OUT" "$PX_ERR" "$VITOOL" proxy --listen "$PSOCK" "$@"
	PX_PID=$BG_PID
	wait_for 10 test -S "$PSOCK" || fail "the proxy did not listen: $(cat "$PX_ERR")"
}

px_ctl() {
	printf '%s\n' "$1" | timeout 5 socat - "UNIX-CONNECT:$PX_CTL" 3>&-
}

pdrive() {
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive "$1" --socket "$PSOCK" "${@:2}"
}

@test "proxy to qemu-storage-daemon: writes land in the image, reads return them; -p prints decoded blk requests" {
	start_qsd "$IMG" "$QSOCK"
	start_proxy --backend "$QSOCK" -p -v
	printf 'through the proxy' >"$BATS_TEST_TMPDIR/data"
	pdrive blk write 8 "$BATS_TEST_TMPDIR/data" flush
	assert_success
	[ "$(image_bytes "$IMG" 4096 17)" = "$(printf 'through the proxy' | od -An -v -tx1 | tr -d ' \n')" ] ||
		fail "the image does not hold the write"
	pdrive blk read 8
	assert_success
	assert_line --index 0 "0x00001000:  74 68 72 6f 75 67 68 20 74 68 65 20 70 72 6f 78  through the prox"
	wait_for 5 grep -q 'used read sector 8 len 512 -> OK \[74 68 72' "$PX_OUT" || fail "$(cat "$PX_OUT")"
	grep -q 'blk q0 #1 used write sector 8 len 512 \[74 68 72 6f' "$PX_OUT" || fail "$(cat "$PX_OUT")"
	grep -q 'used flush -> OK' "$PX_OUT" || fail "$(cat "$PX_OUT")"
	grep -q 'vhost-msg < GET_CONFIG reply 36 bytes' "$PX_OUT" || fail "no config space read: $(cat "$PX_OUT")"
	# 600 sectors in 128 KiB requests, both ways
	head -c $((600 * 512)) /dev/urandom >"$BATS_TEST_TMPDIR/big"
	pdrive blk write 100 "$BATS_TEST_TMPDIR/big"
	assert_success
	cmp <(od -An -v -tx1 -j $((100 * 512)) -N $((600 * 512)) "$IMG") <(od -An -v -tx1 "$BATS_TEST_TMPDIR/big") ||
		fail "the image does not hold the written bytes"
	pdrive blk --indirect read 100 600
	assert_success
	[ "$(hexdump_bytes <<<"$output")" = "$(image_bytes "$BATS_TEST_TMPDIR/big" 0 $((600 * 512)))" ]
}

@test "proxy: the VMM is offered what the proxy can follow (no packed ring, logging, host notifiers, memory slots)" {
	start_qsd "$IMG" "$QSOCK"
	# qemu-storage-daemon serves one front-end at a time: asked first
	run timeout 5 "$VITOOL" drive blk --socket "$QSOCK" -v id
	[[ "$output" == *"protocol features offered: MQ LOG_SHMFD REPLY_ACK BACKEND_REQ PAGEFAULT CONFIG BACKEND_SEND_FD HOST_NOTIFIER CONFIGURE_MEM_SLOTS"* ]] ||
		fail "qemu-storage-daemon itself offers: $output"
	start_proxy --backend "$QSOCK"
	pdrive blk -v id
	assert_success
	assert_output "vhost_user_blk"
	[[ "$stderr" == *"protocol features offered: MQ REPLY_ACK BACKEND_REQ CONFIG BACKEND_SEND_FD"$'\n'* ]] ||
		fail "stderr: $stderr"
}

# drive_waits_config: drive blk through the proxy prints the capacity, waits
# for a config change and prints it again ($BG_PID, d.out); returns once the
# first capacity is out (the back-end channel is set up by then).
drive_waits_config() {
	start_bg "$BATS_TEST_TMPDIR/d.out" "$BATS_TEST_TMPDIR/d.err" "$VITOOL" drive blk -S "$PSOCK" --timeout 20000 \
		capacity wait-config capacity
	wait_for 10 grep -q . "$BATS_TEST_TMPDIR/d.out" || fail "drive: $(cat "$BATS_TEST_TMPDIR/d.err")"
}

# drive_saw_resize PID LINE: drive_waits_config's drive ended well after it
# printed the 1 MiB image's capacity, then LINE.
drive_saw_resize() {
	wait_exit "$1" 15 || fail "drive still waits for the config change: $(cat "$PX_ERR")"
	assert_equal "$WAIT_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/d.out"
	assert_output "2048 sectors (1048576 bytes)
$2"
}

@test "back-end channel: qemu-storage-daemon's CONFIG_CHANGE_MSG after a block_resize reaches the front-end through the proxy, recorded" {
	QSD_QMP="$BATS_TEST_TMPDIR/qmp.sock" start_qsd "$IMG" "$QSOCK"
	start_proxy --backend "$QSOCK" -p -v -w "$BATS_TEST_TMPDIR/px.pcap"
	drive_waits_config
	local dpid=$BG_PID
	qsd_qmp "$BATS_TEST_TMPDIR/qmp.sock" block_resize '{"node-name":"disk","size":2097152}' || fail "QMP: $output"
	drive_saw_resize "$dpid" "4096 sectors (2097152 bytes)"
	# the back-end got the proxy's end of a pair, not drive's socket
	grep -q 'vhost-msg > SET_BACKEND_REQ_FD need-reply fds 1' "$PX_OUT" || fail "$(cat "$PX_OUT")"
	grep -q 'vhost-msg < SET_BACKEND_REQ_FD reply 0x0' "$PX_OUT" || fail "$(cat "$PX_OUT")"
	wait_for 5 grep -q 'vhost-msg << CONFIG_CHANGE_MSG$' "$PX_OUT" || fail "$(cat "$PX_OUT")"
	run px_ctl info
	assert_output --partial '"channel_requests":1'   # drive has gone: the channel with it
	# the capture has it, and the filter word channel finds it alone
	kill -TERM "$PX_PID"
	wait_exit "$PX_PID" 10 || fail "the proxy did not exit"
	run --separate-stderr "$VITOOL" trace -r "$BATS_TEST_TMPDIR/px.pcap" channel
	assert_success
	assert_output --regexp '^[0-9:.]+ blk vhost-msg << CONFIG_CHANGE_MSG$'
	run --separate-stderr "$VITOOL" trace -r "$BATS_TEST_TMPDIR/px.pcap" -v 'channel and to-frontend'
	assert_line --index 1 $'\tvhost-user to front-end (back-end channel) flags 0x1 size 0 fds 0'
}

@test "back-end channel after a restart: the new qemu-storage-daemon gets a channel of its own; its config change reaches the front-end" {
	local pidfile="$BATS_TEST_TMPDIR/qsd.pid" qpid qmp="$BATS_TEST_TMPDIR/qmp.sock"
	start_proxy --backend "$QSOCK" -v --exec "$(qsd_exec "$pidfile") --chardev socket,id=m,path='$qmp',server=on,wait=off --monitor chardev=m"
	qpid=$(cat "$pidfile")
	drive_waits_config
	local dpid=$BG_PID
	kill -KILL "$qpid"
	wait_for 10 grep -q "the back-end is back (restart 1)" "$PX_ERR" || fail "$(cat "$PX_ERR")"
	wait_for 5 test -S "$qmp"
	qsd_qmp "$qmp" block_resize '{"node-name":"d","size":3145728}' || fail "QMP: $output"
	drive_saw_resize "$dpid" "6144 sectors (3145728 bytes)"
	[ "$(cat "$pidfile")" != "$qpid" ] || fail "not a new back-end"
}

@test "inflight fds through the proxy: qemu-storage-daemon's GET_INFLIGHT_FD region reaches the front-end, SET_INFLIGHT_FD hands it back" {
	start_qsd "$IMG" "$QSOCK"
	# what the back-end itself answers, asked directly
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive blk -S "$QSOCK" --inflight -v id
	assert_success
	local size
	size=$(sed -n 's/^vitool: drive: inflight region: \([0-9]*\) bytes$/\1/p' <<<"$stderr")
	[ -n "$size" ] && [ "$size" -gt 0 ] || fail "direct: $stderr"
	start_proxy --backend "$QSOCK" -p -v
	printf 'inflight' >"$BATS_TEST_TMPDIR/data"
	pdrive blk --inflight -v write 2 "$BATS_TEST_TMPDIR/data" read 2
	assert_success
	assert_line --index 0 --partial "69 6e 66 6c 69 67 68 74"
	[[ "$stderr" == *"vitool: drive: inflight region: $size bytes"* ]] || fail "$stderr"
	grep -q 'vhost-msg < GET_INFLIGHT_FD reply 24 bytes fds 1$' "$PX_OUT" || fail "$(cat "$PX_OUT")"
	grep -q 'vhost-msg > SET_INFLIGHT_FD 24 bytes need-reply fds 1$' "$PX_OUT" || fail "$(cat "$PX_OUT")"
	grep -q 'vhost-msg < SET_INFLIGHT_FD reply 0x0$' "$PX_OUT" || fail "$(cat "$PX_OUT")"
}

@test "trace on a proxy instance: live blk requests with sector, length and status, filtered" {
	start_qsd "$IMG" "$QSOCK"
	start_proxy --backend "$QSOCK"
	start_bg "$BATS_TEST_TMPDIR/trace.out" "$BATS_TEST_TMPDIR/trace.err" "$VITOOL" trace -i px -c 2 -l 'used and type read'
	local tpid=$BG_PID
	wait_for 5 eval 'px_ctl trace-stats | grep -q "\"subscribers\":1"' ||
		fail "trace did not attach: $(cat "$BATS_TEST_TMPDIR/trace.err")"
	pdrive blk write 3 - <<<"x"
	pdrive blk read 3 read 5000
	assert_failure 1
	assert_stderr "vitool: drive: read sector 5000: the device answered IOERR (capacity 2048 sectors)"
	wait_exit "$tpid" 10 || fail "trace did not stop after 2 records"
	run cat "$BATS_TEST_TMPDIR/trace.out"
	assert_line --index 0 --regexp '^[0-9:.]+ blk q0 #[0-9]+ used read sector 3 len 512 -> OK \[78 0a 00 '
	assert_line --index 1 --regexp '^[0-9:.]+ blk q0 #[0-9]+ used read sector 5000 len 512 -> IOERR'
	[ "${#lines[@]}" -eq 2 ]
	grep -q "listening on px (blk)" "$BATS_TEST_TMPDIR/trace.err" || fail "$(cat "$BATS_TEST_TMPDIR/trace.err")"
}

@test "proxy instance: vitool list, info (device told from the offers, the back-end), stats, drive -i" {
	start_qsd "$IMG" "$QSOCK"
	start_proxy --backend "$QSOCK"
	run_vitool list
	assert_success
	assert_line --regexp "^px +blk +[0-9]+ +- +$PSOCK +$PX_CTL\$"
	run px_ctl info
	assert_output --partial '"device":"blk"'
	assert_output --partial "\"proxy\":true,\"backend\":\"$QSOCK\""
	assert_output --partial '"device_from":"offers"'
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive blk -i px read 0 2
	assert_success
	[ "${#lines[@]}" -eq 64 ]
	run px_ctl stats
	# the last front-end's connection: one request of 2 sectors
	assert_output --regexp '"queue":0,[^}]*"avail":1,"used":1,'
	grep -q "vitool: proxy: blk instance px listening on $PSOCK, back-end $QSOCK (device told from its offers)" "$PX_ERR"
}

@test "serve i2c behind the proxy: drive i2c's EEPROM writes and reads pass, decoded as i2c" {
	start_serve --target 0x50=24c02
	start_proxy --backend "$SOCK" -p
	pdrive i2c w3@0x50 0x10 0xaa 0xbb
	assert_success
	pdrive i2c w1@0x50 0x10 r2
	assert_success
	assert_output "0xaa 0xbb"
	pdrive i2c detect 0x48 0x57
	assert_success
	assert_output --partial "50: 50 -- -- -- -- -- -- --"
	wait_for 5 grep -q 'i2c q0 #[0-9]* used 0x50 read 2 -> OK \[aa bb\]' "$PX_OUT" || fail "$(cat "$PX_OUT")"
	run px_ctl info
	assert_output --partial '"device":"i2c"'
}

@test "faults in the proxy: 'fail type read' answers IOERR to the driver; writes pass and reach the disk" {
	start_qsd "$IMG" "$QSOCK"
	start_proxy --backend "$QSOCK" --fault 'fail type read'
	printf 'written' >"$BATS_TEST_TMPDIR/data"
	pdrive blk write 1 "$BATS_TEST_TMPDIR/data"
	assert_success
	[ "$(image_bytes "$IMG" 512 7)" = "$(printf written | od -An -v -tx1 | tr -d ' \n')" ]
	pdrive blk read 1
	assert_failure 1
	assert_stderr "vitool: drive: read sector 1: the device answered IOERR (capacity 2048 sectors)"
	run px_ctl "fault list"
	assert_output --partial '"rule":"fail type read","kind":"fail","matches":1,"hits":1'
	run px_ctl "fault clear"
	pdrive blk read 1
	assert_success
	assert_line --index 0 --partial "77 72 69 74 74 65 6e 00"
}

@test "hold in the proxy: the read waits, inflight lists it, release completes it with the disk's bytes" {
	printf 'held' | dd of="$IMG" bs=1 seek=1536 conv=notrunc status=none
	start_qsd "$IMG" "$QSOCK"
	start_proxy --backend "$QSOCK"
	run px_ctl 'fault add hold type read sector 3'
	assert_output '{"ok":true,"id":1,"rule":"hold type read sector 3"}'
	start_bg "$BATS_TEST_TMPDIR/d.out" "$BATS_TEST_TMPDIR/d.err" "$VITOOL" drive blk -S "$PSOCK" --timeout 20000 read 3
	local dpid=$BG_PID
	wait_for 10 eval 'px_ctl inflight | grep -q "\"summary\":\"read sector 3 len 512\""' ||
		fail "not held: $(px_ctl inflight)"
	run px_ctl inflight
	assert_output --partial '"fault":{"rule":1,"kind":"hold","text":"hold type read sector 3"'
	proc_alive "$dpid" || fail "drive did not wait"
	run px_ctl "release all"
	assert_output '{"ok":true,"released":1}'
	wait_exit "$dpid" 10 || fail "drive still waits"
	assert_equal "$WAIT_STATUS" 0
	run head -n 1 "$BATS_TEST_TMPDIR/d.out"
	assert_output "0x00000600:  68 65 6c 64 00 00 00 00 00 00 00 00 00 00 00 00  held............"
}

@test "--exec starts the back-end; it ends with the proxy, and when the proxy cannot start" {
	local pidfile="$BATS_TEST_TMPDIR/qsd.pid"
	start_proxy --backend "$QSOCK" --exec "echo \$\$ >'$pidfile'; exec qemu-storage-daemon --blockdev driver=file,node-name=d,filename='$IMG' --export type=vhost-user-blk,id=e,node-name=d,addr.type=unix,addr.path='$QSOCK',writable=on"
	local qpid
	qpid=$(cat "$pidfile")
	proc_alive "$qpid" || fail "no back-end running"
	pdrive blk id
	assert_success
	assert_output "vhost_user_blk"
	run px_ctl info
	assert_output --partial "\"backend_pid\":$qpid"
	kill -TERM "$PX_PID"
	wait_exit "$PX_PID" 10 || fail "the proxy did not exit on SIGTERM"
	assert_equal "$WAIT_STATUS" 0
	wait_for 5 eval '! proc_alive '"$qpid" || fail "the back-end outlived the proxy"
	[ ! -e "$PSOCK" ] || fail "the proxy left its socket"
	# A back-end that never listens: the proxy gives up and ends it.
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" proxy --listen "$PSOCK" --backend "$QSOCK.none" \
		--connect-timeout 300 --exec "echo \$\$ >'$pidfile'; exec sleep 30"
	assert_failure 1
	assert_stderr_regex "^vitool: proxy: cannot connect to the back-end at $QSOCK.none: "
	qpid=$(cat "$pidfile")
	wait_for 5 eval '! proc_alive '"$qpid" || fail "sleep outlived the proxy"
	# One that exits at once is said at once.
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" proxy --listen "$PSOCK" --backend "$QSOCK.none" --exec "exit 3"
	assert_failure 1
	assert_stderr "vitool: proxy: the back-end command exited with status 3 before connecting: 'exit 3'"
	# A bad --fault after the start: usage, and the back-end is ended.
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" proxy --listen "$PSOCK" --backend "$QSOCK" \
		--fault 'fail addr 0x50' --exec "echo \$\$ >'$pidfile'; exec qemu-storage-daemon --blockdev driver=file,node-name=d,filename='$IMG' --export type=vhost-user-blk,id=e,node-name=d,addr.type=unix,addr.path='$QSOCK',writable=on"
	assert_failure 2
	assert_stderr_regex "^vitool: proxy: --fault 'fail addr 0x50': .*\\(device blk\\)\$"
	qpid=$(cat "$pidfile")
	wait_for 5 eval '! proc_alive '"$qpid" || fail "the back-end outlived the refused proxy"
}

@test "the back-end dies and stays away: the proxy tries to reach it again, then says so and exits 1" {
	# a path longer than the 64 bytes the message once had room for
	QSOCK="$BATS_TEST_TMPDIR/a-back-end-socket-whose-path-is-longer-than-64-bytes-of-message.sock"
	start_qsd "$IMG" "$QSOCK"
	start_proxy --backend "$QSOCK" --connect-timeout 500
	pdrive blk read 0
	assert_success
	kill -KILL -- "-$QSD_PID"   # its group: timeout(1) and the daemon
	wait_exit "$PX_PID" 10 || fail "the proxy still runs"
	assert_equal "$WAIT_STATUS" 1
	grep -q "^vitool: proxy: the back-end at $QSOCK closed its connection\$" "$PX_ERR" || fail "$(cat "$PX_ERR")"
	grep -q "^vitool: proxy: the back-end at $QSOCK closed its connection, and then: cannot connect to the back-end at $QSOCK: " "$PX_ERR" ||
		fail "$(cat "$PX_ERR")"
}

@test "a back-end that stops inside a reply: the proxy serves on meanwhile, gives it up after 5 s and says so" {
	command -v python3 >/dev/null || skip "python3 not installed"
	local fake="$BATS_TEST_TMPDIR/fake.sock"
	# A back-end that answers the proxy's probe (GET_FEATURES: VERSION_1
	# only), then sends the reply to the next GET_FEATURES one byte a
	# second; it takes no second connection.
	cat >"$BATS_TEST_TMPDIR/fake.py" <<'PY'
import socket, struct, sys, time
ls = socket.socket(socket.AF_UNIX)
ls.bind(sys.argv[1])
ls.listen(1)
c, _ = ls.accept()
ls.close()
n = 0
while True:
    hdr = b""
    while len(hdr) < 12:
        b = c.recv(12 - len(hdr))
        if not b:
            sys.exit(0)
        hdr += b
    req, flags, size = struct.unpack("<III", hdr)
    while size:
        size -= len(c.recv(size))
    if req != 1:
        continue
    reply = struct.pack("<IIIQ", 1, 0x5, 8, 1 << 32)
    n += 1
    if n == 1:
        c.send(reply)
        continue
    for b in reply:
        try:
            c.send(bytes([b]))
        except OSError:
            sys.exit(0)
        time.sleep(1)
PY
	start_bg "$BATS_TEST_TMPDIR/fake.out" "$BATS_TEST_TMPDIR/fake.err" python3 "$BATS_TEST_TMPDIR/fake.py" "$fake"
	wait_for 5 test -S "$fake" || fail "the fake back-end did not listen"
	start_proxy --backend "$fake" --device blk --connect-timeout 500
	start_bg "$BATS_TEST_TMPDIR/d.out" "$BATS_TEST_TMPDIR/d.err" "$VITOOL" drive blk -S "$PSOCK" --timeout 20000 id
	local dpid=$BG_PID
	wait_for 10 eval 'px_ctl info | grep -q "\"connected\":true"' || fail "no front-end: $(px_ctl info)"
	# the reply trickles in: the loop is free, the control socket answers at once, twice
	run timeout 2 socat - "UNIX-CONNECT:$PX_CTL" <<<"info"
	assert_success
	assert_output --partial '"backend_connected":true'
	run timeout 2 socat - "UNIX-CONNECT:$PX_CTL" <<<"stats"
	assert_success
	assert_output --partial '"ok":true'
	wait_exit "$PX_PID" 20 || fail "the proxy still runs: $(cat "$PX_ERR")"
	assert_equal "$WAIT_STATUS" 1
	grep -qE '^vitool: proxy: the back-end stopped inside a message \([0-9]+ of (12|20) bytes in 5000 ms\)$' "$PX_ERR" ||
		fail "$(cat "$PX_ERR")"
	grep -q "^vitool: proxy: the back-end at $fake stopped inside a message, and then: cannot connect to the back-end at $fake: " "$PX_ERR" ||
		fail "$(cat "$PX_ERR")"
	wait_exit "$dpid" 10 || fail "drive still waits"
	[ "$WAIT_STATUS" != 0 ] || fail "drive got an answer: $(cat "$BATS_TEST_TMPDIR/d.out")"
}

# qsd_exec PIDFILE: an --exec command line for qemu-storage-daemon on
# $QSOCK that writes its pid to PIDFILE
qsd_exec() {
	printf "echo \$\$ >'%s'; exec qemu-storage-daemon --blockdev driver=file,node-name=d,filename='%s' --export type=vhost-user-blk,id=e,node-name=d,addr.type=unix,addr.path='%s',writable=on" \
		"$1" "$IMG" "$QSOCK"
}

# hold_then_stop PID...: with the first read held by the proxy (completed by
# the back-end), stop the back-end, then release: the next request goes to
# a back-end that takes it and never answers.  $1: what inflight shows of
# the request that reaches the stopped back-end.
hold_then_stop() {
	local next=$1
	shift
	wait_for 10 eval 'px_ctl inflight | grep -q "\"kind\":\"hold\""' || fail "nothing held: $(px_ctl inflight)"
	kill -STOP "$@"
	run px_ctl "release all"
	assert_output '{"ok":true,"released":1}'
	wait_for 10 eval 'px_ctl inflight | grep -qF "$next"' ||
		fail "the next request did not reach the back-end: $(px_ctl inflight)"
}

# resubmitted_once DPID SECTOR3: drive DPID (read 1 read 3 into d.out)
# ended well after one restart, its second read (SECTOR3: its first line's
# hex and text) submitted again to the new back-end.
resubmitted_once() {
	wait_exit "$1" 30 || fail "drive still waits: $(cat "$PX_ERR")"
	assert_equal "$WAIT_STATUS" 0
	run sed -n 33p "$BATS_TEST_TMPDIR/d.out"
	assert_output "0x00000600:  $2"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/d.out")" -eq 64 ] || fail "not both reads: $(cat "$BATS_TEST_TMPDIR/d.out")"
	grep -q "^vitool: proxy: the back-end is back (restart 1): the VMM's set-up replayed, 1 requests it held submitted again, 0 failed\$" "$PX_ERR" ||
		fail "$(cat "$PX_ERR")"
}

@test "back-end restart (--exec): a read it held when it died is submitted again to the new one; the front-end never notices" {
	local pidfile="$BATS_TEST_TMPDIR/qsd.pid" qpid npid
	printf 'survives' | dd of="$IMG" bs=1 seek=1536 conv=notrunc status=none
	start_proxy --backend "$QSOCK" --exec "$(qsd_exec "$pidfile")" --fault 'hold type read sector 1'
	qpid=$(cat "$pidfile")
	start_bg "$BATS_TEST_TMPDIR/d.out" "$BATS_TEST_TMPDIR/d.err" "$VITOOL" drive blk -S "$PSOCK" --timeout 20000 read 1 read 3
	local dpid=$BG_PID
	hold_then_stop '"summary":"read sector 3 len 512"' "$qpid"
	kill -KILL "$qpid"
	resubmitted_once "$dpid" "73 75 72 76 69 76 65 73 00 00 00 00 00 00 00 00  survives........"
	grep -qxF "vitool: proxy: the back-end ($(qsd_exec "$pidfile")) was killed by signal 9" "$PX_ERR" ||
		fail "not the whole command: $(cat "$PX_ERR")"
	npid=$(cat "$pidfile")
	[ "$npid" != "$qpid" ] && proc_alive "$npid" || fail "no new back-end (old $qpid, new $npid)"
	run px_ctl info
	assert_output --partial "\"backend_pid\":$npid,"
	assert_output --partial '"backend_restarts":1'
	# and the next front-end meets it as usual
	run px_ctl "fault clear"
	pdrive blk read 3
	assert_success
	assert_line --index 0 --partial "73 75 72 76 69 76 65 73"
}

@test "back-end restart with an inflight region: SET_INFLIGHT_FD is replayed before the rings, the read the daemon had begun is done once" {
	local pidfile="$BATS_TEST_TMPDIR/qsd.pid" rate="$BATS_TEST_TMPDIR/rate" qpid
	printf 'begun' | dd of="$IMG" bs=1 seek=1536 conv=notrunc status=none
	printf 'second' | dd of="$IMG" bs=1 seek=2560 conv=notrunc status=none
	# The first daemon reads 1 byte/s: the first read passes, the next
	# waits in it (taken from the ring, in its inflight region) for minutes.
	# The second is not throttled: a read it did twice would come back
	# twice, and the proxy would say so.
	echo 1 >"$rate"
	start_proxy --backend "$QSOCK" -p -v --exec "echo \$\$ >'$pidfile'; exec qemu-storage-daemon --object throttle-group,id=tg,x-bps-total=\$(cat '$rate') --blockdev driver=file,node-name=f,filename='$IMG' --blockdev driver=throttle,node-name=d,throttle-group=tg,file=f --export type=vhost-user-blk,id=e,node-name=d,addr.type=unix,addr.path='$QSOCK',writable=on"
	qpid=$(cat "$pidfile")
	start_bg "$BATS_TEST_TMPDIR/d.out" "$BATS_TEST_TMPDIR/d.err" "$VITOOL" drive blk -S "$PSOCK" --inflight \
		--timeout 60000 read 1 read 3
	local dpid=$BG_PID
	wait_for 10 eval 'px_ctl inflight | grep -qF "\"summary\":\"read sector 3 len 512\""' ||
		fail "the second read did not reach the back-end: $(px_ctl inflight)"
	echo 1000000000 >"$rate"
	kill -KILL "$qpid"
	resubmitted_once "$dpid" "62 65 67 75 6e 00 00 00 00 00 00 00 00 00 00 00  begun..........."
	# the replay after the restart: the region before the ring's kick fd
	run sed -n '/SET_INFLIGHT_FD 24 bytes need-reply/,$p' "$PX_OUT"
	local replayed
	replayed=$(grep -n 'vhost-msg .* SET_INFLIGHT_FD 24 bytes fds 1$' <<<"$output" | head -n 1 | cut -d: -f1)
	[ -n "$replayed" ] || fail "no SET_INFLIGHT_FD replayed: $(cat "$PX_OUT")"
	sed -n "$replayed,\$p" <<<"$output" | grep -q 'SET_VRING_KICK' || fail "no ring after it: $output"
	# the next front-end's read is its own, and nothing came back twice
	pdrive blk read 5
	assert_success
	assert_line --index 0 --partial "73 65 63 6f 6e 64"
	! grep -q "not in flight" "$PX_ERR" || fail "a completion came twice: $(cat "$PX_ERR")"
}

@test "back-end restart without --exec: the proxy reconnects once it is back, and the held write is done" {
	start_qsd "$IMG" "$QSOCK"
	start_proxy --backend "$QSOCK" --connect-timeout 10000 --fault 'hold type read sector 1'
	local first=$QSD_PID
	printf 'after' >"$BATS_TEST_TMPDIR/data"
	start_bg "$BATS_TEST_TMPDIR/d.out" "$BATS_TEST_TMPDIR/d.err" "$VITOOL" drive blk -S "$PSOCK" --timeout 20000 \
		read 1 write 9 "$BATS_TEST_TMPDIR/data"
	local dpid=$BG_PID
	hold_then_stop '"summary":"write sector 9 len 512' -- "-$first"
	kill -KILL -- "-$first"
	wait_for 5 grep -q "closed its connection" "$PX_ERR" || fail "$(cat "$PX_ERR")"
	rm -f "$QSOCK"   # the killed daemon's socket file
	start_qsd "$IMG" "$QSOCK"
	wait_exit "$dpid" 15 || fail "drive still waits: $(cat "$PX_ERR")"
	[ "$WAIT_STATUS" = 0 ] || fail "drive: $(cat "$BATS_TEST_TMPDIR/d.err"); proxy: $(cat "$PX_ERR")"
	[ "$(image_bytes "$IMG" 4608 5)" = "$(printf after | od -An -v -tx1 | tr -d ' \n')" ] || fail "the write is not on the disk"
	grep -q "1 requests it held submitted again, 0 failed" "$PX_ERR" || fail "$(cat "$PX_ERR")"
}

@test "back-end dies while the front-end waits for its reply: the new one is asked again, the front-end gets its answer" {
	local pidfile="$BATS_TEST_TMPDIR/qsd.pid" qpid
	printf 'answered' | dd of="$IMG" bs=1 seek=512 conv=notrunc status=none
	start_proxy --backend "$QSOCK" -p -v --exec "$(qsd_exec "$pidfile")"
	qpid=$(cat "$pidfile")
	# stopped: it takes drive's first request and never answers
	kill -STOP "$qpid"
	start_bg "$BATS_TEST_TMPDIR/d.out" "$BATS_TEST_TMPDIR/d.err" "$VITOOL" drive blk -S "$PSOCK" read 1
	local dpid=$BG_PID
	wait_for 10 grep -q 'vhost-msg > GET_FEATURES$' "$PX_OUT" || fail "drive did not ask: $(cat "$PX_OUT")"
	kill -KILL "$qpid"
	wait_exit "$dpid" 15 || fail "drive still waits: $(cat "$PX_ERR")"
	[ "$WAIT_STATUS" = 0 ] || fail "drive: $(cat "$BATS_TEST_TMPDIR/d.err"); proxy: $(cat "$PX_ERR")"
	run head -n 1 "$BATS_TEST_TMPDIR/d.out"
	assert_output "0x00000200:  61 6e 73 77 65 72 65 64 00 00 00 00 00 00 00 00  answered........"
	grep -q "the back-end is back (restart 1): .*, and asked again what the VMM waits for\$" "$PX_ERR" ||
		fail "$(cat "$PX_ERR")"
	# trace: GET_FEATURES sent twice, one answer
	[ "$(grep -c 'vhost-msg > GET_FEATURES$' "$PX_OUT")" -ge 2 ] || fail "$(cat "$PX_OUT")"
	proc_alive "$PX_PID" || fail "the proxy exited"
}

@test "back-end restart of serve gpio: the request it held fails (ERR: a request is not done twice), the next one passes" {
	local pidfile="$BATS_TEST_TMPDIR/serve.pid" spid
	start_proxy --backend "$SOCK" --fault 'hold type get-value line 0' \
		--exec "echo \$\$ >'$pidfile'; exec '$VITOOL' serve gpio --socket '$SOCK' --lines 4 -q"
	spid=$(cat "$pidfile")
	start_bg "$BATS_TEST_TMPDIR/d.out" "$BATS_TEST_TMPDIR/d.err" "$VITOOL" drive gpio -S "$PSOCK" --timeout 20000 get 0 get 1
	local dpid=$BG_PID
	hold_then_stop '"summary":"GET_VALUE line 1"' "$spid"
	kill -KILL "$spid"
	wait_exit "$dpid" 15 || fail "drive still waits: $(cat "$PX_ERR")"
	assert_equal "$WAIT_STATUS" 1
	grep -q "ERR" "$BATS_TEST_TMPDIR/d.err" || fail "$(cat "$BATS_TEST_TMPDIR/d.err")"
	grep -q "0 requests it held submitted again, 1 failed" "$PX_ERR" || fail "$(cat "$PX_ERR")"
	run px_ctl "fault clear"
	pdrive gpio get 1
	assert_success
}

@test "proxy: usage errors are said plainly" {
	run_vitool proxy --backend /tmp/x.sock
	assert_failure 2
	assert_stderr "vitool: proxy: --listen PATH is required (the socket the VMM connects to)"
	run_vitool proxy --listen /tmp/x.sock
	assert_failure 2
	assert_stderr "vitool: proxy: --backend PATH is required (the back-end's socket)"
	run_vitool proxy --listen /tmp/x.sock --exec true
	assert_failure 2
	assert_stderr "vitool: proxy: --backend PATH is required (the back-end's socket, where the --exec command listens)"
	run_vitool proxy --listen /tmp/x.sock --backend /tmp/x.sock
	assert_failure 2
	assert_stderr "vitool: proxy: --listen and --backend are the same socket"
	run_vitool proxy --listen /tmp/a.sock --backend /tmp/b.sock --device disk
	assert_failure 2
	assert_stderr "vitool: proxy: --device disk: unknown device type (i2c, gpio, scmi, blk, rng)"
	run_vitool proxy --listen "$PSOCK" --backend "$BATS_TEST_TMPDIR/none.sock" --connect-timeout 0
	assert_failure 1
	assert_stderr_regex "^vitool: proxy: cannot connect to the back-end at $BATS_TEST_TMPDIR/none.sock: "
}
