#!/usr/bin/env bats
# `vitool drive blk` against qemu-storage-daemon's vhost-user-blk export of
# a raw image file: what drive reads is what the file holds, what it writes
# lands in the file, and the device's own answers (IOERR past the end,
# read-only, its id) come back as a user sees them.

load helpers
load qsd

setup() {
	vt_setup
	IMG="$BATS_TEST_TMPDIR/disk.img"
	BSOCK="$BATS_TEST_TMPDIR/blk.sock"
	new_image "$IMG" 1M
}

teardown() {
	vt_teardown
}

bdrive() {
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive blk --socket "$BSOCK" "$@"
}

@test "drive blk read: the image's bytes as a hex dump, disk offsets and an ASCII column" {
	printf 'hello vitool blk' | dd of="$IMG" bs=1 seek=1024 conv=notrunc status=none
	start_qsd "$IMG" "$BSOCK"
	bdrive read 2
	assert_success
	assert_line --index 0 "0x00000400:  68 65 6c 6c 6f 20 76 69 74 6f 6f 6c 20 62 6c 6b  hello vitool blk"
	assert_line --index 1 "0x00000410:  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................"
	assert_line --index 31 "0x000005f0:  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................"
	[ "${#lines[@]}" -eq 32 ] || fail "one sector is 32 lines, got ${#lines[@]}"
}

@test "drive blk write FILE: the file's bytes land at the sector, the last sector padded with zeros" {
	# Non-zero bytes after the write's end show the padding overwrote them.
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/junk"
	dd if="$BATS_TEST_TMPDIR/junk" of="$IMG" bs=512 seek=8 conv=notrunc status=none
	printf 'new data here\n' >"$BATS_TEST_TMPDIR/data"
	start_qsd "$IMG" "$BSOCK"
	bdrive write 8 "$BATS_TEST_TMPDIR/data" flush
	assert_success
	assert_output ""
	[ "$(image_bytes "$IMG" 4096 14)" = "$(printf 'new data here\n' | od -An -v -tx1 | tr -d ' \n')" ]
	[ "$(image_bytes "$IMG" 4110 498)" = "$(head -c 498 /dev/zero | od -An -v -tx1 | tr -d ' \n')" ]
	# The sector after is untouched.
	[ "$(image_bytes "$IMG" 4608 512)" = "$(od -An -v -tx1 -j 512 -N 512 "$BATS_TEST_TMPDIR/junk" | tr -d ' \n')" ]
}

@test "drive blk write -: standard input; read back in the same run" {
	start_qsd "$IMG" "$BSOCK"
	run --separate-stderr bash -c "printf 'from stdin' | timeout $VT_FG_LIMIT '$VITOOL' drive blk -S '$BSOCK' write 3 - read 3"
	assert_success
	assert_line --index 0 "0x00000600:  66 72 6f 6d 20 73 74 64 69 6e 00 00 00 00 00 00  from stdin......"
}

@test "drive blk: 600 sectors written and read in 128 KiB requests, the same bytes both ways" {
	head -c $((600 * 512)) /dev/urandom >"$BATS_TEST_TMPDIR/big"
	start_qsd "$IMG" "$BSOCK"
	bdrive write 100 "$BATS_TEST_TMPDIR/big"
	assert_success
	cmp <(od -An -v -tx1 -j $((100 * 512)) -N $((600 * 512)) "$IMG") <(od -An -v -tx1 "$BATS_TEST_TMPDIR/big") ||
		fail "the image does not hold the written bytes"
	bdrive --indirect read 100 600
	assert_success
	[ "$(hexdump_bytes <<<"$output")" = "$(image_bytes "$BATS_TEST_TMPDIR/big" 0 $((600 * 512)))" ] ||
		fail "the dump is not the bytes written"
	assert_line --index 0 --regexp '^0x0000c800: '
	[ "${#lines[@]}" -eq $((600 * 32)) ]
}

@test "drive blk id, flush: the device's id string; -v says capacity and what was negotiated" {
	start_qsd "$IMG" "$BSOCK"
	bdrive -v id flush
	assert_success
	assert_output "vhost_user_blk"   # qemu-storage-daemon's fixed serial
	[[ "$stderr" == *"vitool: drive: blk: capacity 2048 sectors (1048576 bytes), block size 512, flush"* ]] ||
		fail "stderr: $stderr"
	[[ "$stderr" == *"features negotiated: "*"FLUSH"* ]] || fail "stderr: $stderr"
}

@test "drive blk capacity, wait-config: qemu-storage-daemon's config-change notice after block_resize, the new size read" {
	QSD_QMP="$BATS_TEST_TMPDIR/qmp.sock" start_qsd "$IMG" "$BSOCK"
	start_bg "$BATS_TEST_TMPDIR/d.out" "$BATS_TEST_TMPDIR/d.err" "$VITOOL" drive blk -S "$BSOCK" --timeout 20000 \
		capacity wait-config capacity read 3000
	local dpid=$BG_PID
	wait_for 10 grep -q . "$BATS_TEST_TMPDIR/d.out" || fail "drive: $(cat "$BATS_TEST_TMPDIR/d.err")"
	qsd_qmp "$BATS_TEST_TMPDIR/qmp.sock" block_resize '{"node-name":"disk","size":2097152}' || fail "QMP: $output"
	wait_exit "$dpid" 15 || fail "drive still waits"
	assert_equal "$WAIT_STATUS" 0
	run head -n 2 "$BATS_TEST_TMPDIR/d.out"
	assert_output "2048 sectors (1048576 bytes)
4096 sectors (2097152 bytes)"
	# sector 3000 is inside the grown disk
	run sed -n 3p "$BATS_TEST_TMPDIR/d.out"
	assert_output --partial "0x00177000:  00 00 00 00"
	# none comes: said, exit 1
	bdrive --timeout 300 wait-config
	assert_failure 1
	assert_stderr "vitool: drive: wait-config: no config change within 300 ms"
}

@test "drive blk read past the end: the device's IOERR, with the capacity, exit 1" {
	start_qsd "$IMG" "$BSOCK"
	bdrive read 5000
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: read sector 5000: the device answered IOERR (capacity 2048 sectors)"
}

@test "drive blk write to a read-only export: refused before sending, exit 1" {
	printf 'keep' >"$BATS_TEST_TMPDIR/data"
	start_qsd "$IMG" "$BSOCK" off
	bdrive write 0 "$BATS_TEST_TMPDIR/data"
	assert_failure 1
	assert_stderr "vitool: drive: write sector 0: the device is read-only (VIRTIO_BLK_F_RO)"
	[ "$(image_bytes "$IMG" 0 4)" = 00000000 ]
}

@test "drive blk: bad words and files are said plainly, before or after connecting" {
	bdrive read
	assert_failure 2
	assert_stderr "vitool: drive: read: want a sector number, 0-36028797018963967"
	bdrive read 0 0
	assert_failure 2
	assert_stderr "vitool: drive: read 0 0: want a sector count, 1-65536"
	bdrive write 1
	assert_failure 2
	assert_stderr "vitool: drive: write 1: which FILE ('-': standard input)?"
	bdrive write 1 - write 2 -
	assert_failure 2
	assert_stderr "vitool: drive: write 2 -: standard input is read once only"
	bdrive trim 0
	assert_failure 2
	assert_stderr "vitool: drive: 'trim': expected read SECTOR [COUNT], write SECTOR FILE|-, flush, id, capacity or wait-config"
	start_qsd "$IMG" "$BSOCK"
	bdrive write 0 "$BATS_TEST_TMPDIR/missing"
	assert_failure 1
	assert_stderr "vitool: drive: write: $BATS_TEST_TMPDIR/missing: No such file or directory"
	: >"$BATS_TEST_TMPDIR/empty"
	bdrive write 0 "$BATS_TEST_TMPDIR/empty"
	assert_failure 1
	assert_stderr "vitool: drive: write: $BATS_TEST_TMPDIR/empty: empty: nothing to write"
}

@test "drive blk on a vitool serve i2c backend: 'serves i2c, not blk'" {
	start_bg "$BATS_TEST_TMPDIR/i2c.out" "$BATS_TEST_TMPDIR/i2c.err" "$VITOOL" serve i2c --socket "$SOCK"
	wait_for 5 test -S "$SOCK" || fail "serve did not start"
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive blk --socket "$SOCK" read 0
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: $SOCK serves i2c, not blk"
}
