#!/usr/bin/env bats
# `vitool serve blk` (a RAM or --null disk) against `vitool drive blk`:
# what is written is read back, across connections; the end of the disk
# answers IOERR; --null stores nothing; faults fail, delay and hold its
# requests like any device's; --print shows them decoded; `info` counts
# them; bad command lines.

load gpio_helpers
load qsd

setup() {
	gpio_setup
	SOCK="$BATS_TEST_TMPDIR/blk.sock"
	CTL="$XDG_RUNTIME_DIR/vitool/blk.ctl"
}

teardown() {
	gpio_teardown
}

# start_blk ARGS...: serve blk on $SOCK.
start_blk() {
	start_device_serve blk "$@"
}

bdrive() {
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive blk --socket "$SOCK" "$@"
}

# info_field KEY: KEY's value in the control socket's `info` reply.
info_field() {
	ctl_cmd info | jq -r ".$1"
}

@test "serve blk: a write is read back, by a later connection too; untouched sectors read zeros" {
	start_blk --size 1M
	head -c 1500 /dev/urandom >"$BATS_TEST_TMPDIR/data"
	bdrive write 100 "$BATS_TEST_TMPDIR/data" flush
	assert_success
	assert_output ""
	bdrive --indirect read 99 5
	assert_success
	[ "${#lines[@]}" -eq $((5 * 32)) ] || fail "5 sectors are 160 lines, got ${#lines[@]}"
	{ head -c 512 /dev/zero; cat "$BATS_TEST_TMPDIR/data"; head -c $((4 * 512 - 1500)) /dev/zero; } \
		>"$BATS_TEST_TMPDIR/want"
	[ "$(hexdump_bytes <<<"$output")" = "$(od -An -v -tx1 "$BATS_TEST_TMPDIR/want" | tr -d ' \n')" ] ||
		fail "sectors 99-103 are not zeros, the file's bytes, zeros"
	assert_line --index 0 --regexp '^0x0000c600: '
	assert_equal "$(info_field storage) $(info_field size) $(info_field writes) $(info_field bytes_written)" \
		"ram 1048576 1 1536"   # one request, the last sector padded
}

@test "serve blk: --size sets the capacity; the last sector works, one past it answers IOERR" {
	start_blk --size 64K
	bdrive -v read 127
	assert_success
	assert_stderr_contains "capacity 128 sectors (65536 bytes), block size 512, flush"
	bdrive read 127 2
	assert_failure 1
	assert_stderr "vitool: drive: read sector 127: the device answered IOERR (capacity 128 sectors)"
	bdrive write 128 /etc/hostname
	assert_failure 1
	assert_stderr "vitool: drive: write sector 128: the device answered IOERR (capacity 128 sectors)"
	assert_equal "$(info_field errors)" 2
}

@test "serve blk: id answers --serial, or vitool-blk" {
	start_blk --serial disk-0042
	bdrive id
	assert_success
	assert_output "disk-0042"
	stop_serve
	start_blk
	bdrive id
	assert_output "vitool-blk"
}

@test "serve blk --null: writes are dropped, a read leaves the driver's buffer as it was" {
	start_blk --null --size 1G
	printf 'lost' >"$BATS_TEST_TMPDIR/data"
	bdrive write 7 "$BATS_TEST_TMPDIR/data" read 2097151
	assert_success
	# drive's fresh guest memory is zeros: nothing was put there
	assert_line --index 0 "0x3ffffe00:  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................"
	bdrive read 7
	assert_line --index 0 "0x00000e00:  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................"
	assert_equal "$(info_field storage) $(info_field reads) $(info_field writes)" "null 2 1"
}

@test "serve blk --print: each request decoded as trace shows it" {
	start_blk --size 1M --print
	printf 'abc' >"$BATS_TEST_TMPDIR/data"
	bdrive write 2 "$BATS_TEST_TMPDIR/data" read 2 flush id
	assert_success
	wait_serve_line 'get-id'
	run bash -c "grep -E ' blk q0 ' '$SERVE_OUT' | sed -E 's/^[^ ]+ //; s/ [0-9.]+(us|ms|s)\$//'"
	assert_line --index 0 "blk q0 #1 used write sector 2 len 512 [61 62 63 00 00 00 00 00 00 00 00 00 00 00 00 00 ...] -> OK"
	assert_line --index 1 "blk q0 #2 used read sector 2 len 512 -> OK [61 62 63 00 00 00 00 00 00 00 00 00 00 00 00 00 ...]"
	assert_line --index 2 "blk q0 #3 used flush -> OK"
	assert_line --index 3 'blk q0 #4 used get-id -> OK "vitool-blk"'
}

@test "serve blk --fault: fail sector and fail type write act on the disk's requests" {
	start_blk --size 1M --fault 'fail sector 8-9' --fault 'fail type write'
	bdrive read 7
	assert_success
	bdrive read 8
	assert_failure 1
	assert_stderr "vitool: drive: read sector 8: the device answered IOERR (capacity 2048 sectors)"
	bdrive write 20 /etc/hostname
	assert_failure 1
	assert_stderr_contains "write sector 20: the device answered IOERR"
	# fail rewrites the answer of a request the disk performed: the write
	# landed, its acknowledgement is what was lost
	bdrive read 20
	assert_success
	[ "$(hexdump_bytes <<<"$output" | cut -c1-$((2 * $(wc -c </etc/hostname))))" = \
		"$(od -An -v -tx1 /etc/hostname | tr -d ' \n')" ] || fail "sector 20 does not hold the write"
	run ctl_cmd stats
	assert_output --partial '"rule":"fail sector 8-9","kind":"fail","matches":1,"hits":1'
	assert_output --partial '"rule":"fail type write","kind":"fail","matches":1,"hits":1'
}

@test "serve blk --fault hold: the read blocks, inflight lists it decoded, release answers it" {
	start_blk --size 1M --fault 'hold type read'
	bg_start held "$VITOOL" drive blk --socket "$SOCK" --timeout 20000 read 3
	wait_for 5 eval 'ctl_cmd inflight | grep -q "\"fault\""' || fail "no held request: $(ctl_cmd inflight)"
	run ctl_cmd inflight
	assert_output --partial '"summary":"read sector 3 len 512"'
	assert_output --partial '"kind":"hold"'
	sleep 0.3
	bg_alive held || fail "the held read did not block"
	run ctl_cmd "release all"
	assert_output '{"ok":true,"released":1}'
	bg_wait held
	assert_equal "$BG_STATUS" 0
	[[ $BG_OUT == "0x00000600:  00 00 "* ]] || fail "drive printed: $BG_OUT"
}

@test "serve blk: bad options are usage errors that say what is wanted" {
	run_vitool serve blk --socket "$BATS_TEST_TMPDIR/x.sock" --size 1000
	assert_failure 2
	assert_stderr "vitool: serve: --size 1000: want bytes, a multiple of 512 up to 1T (e.g. 64M)"
	run_vitool serve blk --socket "$BATS_TEST_TMPDIR/x.sock" --size 2T
	assert_failure 2
	assert_stderr "vitool: serve: --size 2T: want bytes, a multiple of 512 up to 1T (e.g. 64M)"
	run_vitool serve blk --socket "$BATS_TEST_TMPDIR/x.sock" --size 0
	assert_failure 2
	run_vitool serve blk --socket "$BATS_TEST_TMPDIR/x.sock" --serial 123456789012345678901
	assert_failure 2
	assert_stderr "vitool: serve: --serial 123456789012345678901: at most 20 bytes"
	run_vitool serve blk --socket "$BATS_TEST_TMPDIR/x.sock" --lines 8
	assert_failure 2
	assert_stderr "vitool: serve blk: --lines is a gpio option"
	[ ! -e "$BATS_TEST_TMPDIR/x.sock" ]
}
