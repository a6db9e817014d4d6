#!/usr/bin/env bats
# `vitool serve i2c` against `vitool drive i2c`: simulated targets, what a
# user sees on stdout/stderr, exit statuses, and the backend's robustness.

load helpers

setup() {
	vt_setup
}

teardown() {
	vt_teardown
}

# ---- EEPROM and register file semantics ----------------------------------

@test "24c02: write then read back" {
	start_serve --target 0x50=24c02
	drive w3@0x50 0x10 0xaa 0xbb
	assert_success
	assert_output ""
	assert_stderr ""
	drive w1@0x50 0x10 r2
	assert_success
	assert_output "0xaa 0xbb"
	assert_stderr ""
}

@test "24c02: erased EEPROM reads 0xff" {
	start_serve --target 0x50=24c02
	drive w1@0x50 0x00 r4
	assert_success
	assert_output "0xff 0xff 0xff 0xff"
}

@test "24c02: a page write wraps inside its 8-byte page" {
	start_serve --target 0x50=24c02
	drive w5@0x50 0x06 0xa1 0xa2 0xa3 0xa4
	assert_success
	drive w1@0x50 0x00 r8
	assert_success
	assert_output "0xa3 0xa4 0xff 0xff 0xff 0xff 0xa1 0xa2"
	# nothing spilled into the next page
	drive w1@0x50 0x08 r2
	assert_success
	assert_output "0xff 0xff"
}

@test "24c02: sequential read wraps at the end of the memory" {
	start_serve --target 0x50=24c02
	drive w3@0x50 0xfe 0x11 0x22
	assert_success
	drive w3@0x50 0x00 0x33 0x44
	assert_success
	drive w1@0x50 0xfe r4
	assert_success
	assert_output "0x11 0x22 0x33 0x44"
}

@test "24c02: the address pointer carries over between transfers" {
	start_serve --target 0x50=24c02
	drive w5@0x50 0x20 0x01 0x02 0x03 0x04
	assert_success
	drive w1@0x50 0x20 r2
	assert_success
	assert_output "0x01 0x02"
	# a plain read continues where the last one stopped (current address read)
	drive r2@0x50
	assert_success
	assert_output "0x03 0x04"
}

@test "24c02: a whole-memory read in one message" {
	start_serve --target 0x50=24c02
	drive w1@0x50 0x00 r256
	assert_success
	local expect
	expect=$(printf '0xff %.0s' $(seq 256))
	assert_output "${expect% }"
}

@test "24c32: two-byte word address" {
	start_serve --target 0x51=24c32
	drive w4@0x51 0x0f 0xfe 0x12 0x34
	assert_success
	drive w2@0x51 0x0f 0xfe r2
	assert_success
	assert_output "0x12 0x34"
	# the high address byte matters: 0x00fe was not written
	drive w2@0x51 0x00 0xfe r2
	assert_success
	assert_output "0xff 0xff"
}

@test "24c32: 32-byte page: wraps at 32, not at 8" {
	start_serve --target 0x51=24c32
	# 10 bytes at 0x0040 cross an 8-byte boundary without wrapping
	drive w12@0x51 0x00 0x40 1 2 3 4 5 6 7 8 9 10
	assert_success
	drive w2@0x51 0x00 0x40 r10
	assert_success
	assert_output "0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08 0x09 0x0a"
	# 5 bytes at 0x001e: 0x1e 0x1f, then back to 0x00 0x01 0x02 of the page
	drive w7@0x51 0x00 0x1e 0xb1 0xb2 0xb3 0xb4 0xb5
	assert_success
	drive w2@0x51 0x00 0x00 r32
	assert_success
	assert_output "0xb3 0xb4 0xb5$(printf ' 0xff%.0s' $(seq 27)) 0xb1 0xb2"
	drive w2@0x51 0x00 0x20 r1
	assert_success
	assert_output "0xff"
}

@test "regs: auto-increment on write and read" {
	start_serve --target 0x20=regs
	drive w1@0x20 0x10 r4
	assert_success
	assert_output "0x00 0x00 0x00 0x00"
	# no paging: 10 bytes at 0x10 land at 0x10-0x19
	drive w11@0x20 0x10 1 2 3 4 5 6 7 8 9 10
	assert_success
	drive w1@0x20 0x10 r10
	assert_success
	assert_output "0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08 0x09 0x0a"
	drive w1@0x20 0x15 r2
	assert_success
	assert_output "0x06 0x07"
	# the register pointer wraps at 256
	drive w3@0x20 0xff 0xaa 0xbb
	assert_success
	drive w1@0x20 0xff r2
	assert_success
	assert_output "0xaa 0xbb"
}

@test "one line per read message, in order" {
	start_serve --target 0x50=24c02 --target 0x20=regs
	drive w4@0x50 0x00 0x0a 0x0b 0x0c
	assert_success
	drive w4@0x20 0x00 0x1a 0x1b 0x1c
	assert_success
	drive w1@0x50 0x00 r1 r2 w1@0x20 0x01 r2 r1@0x50
	assert_success
	assert_output - <<-EOF
	0x0a
	0x0b 0x0c
	0x1b 0x1c
	0xff
	EOF
}

@test "a group of 16 messages" {
	start_serve --target 0x50=24c02
	drive w9@0x50 0x00 1 2 3 4 5 6 7 8
	assert_success
	drive w1@0x50 0x00 r1 r1 r1 r1 r1 r1 r1 r1 r1 r1 r1 r1 r1 r1 r1
	assert_success
	assert_output - <<-EOF
	0x01
	0x02
	0x03
	0x04
	0x05
	0x06
	0x07
	0x08
	0xff
	0xff
	0xff
	0xff
	0xff
	0xff
	0xff
	EOF
}

# ---- seeding from a file ---------------------------------------------------

@test "seeding a 24c02 from a file" {
	local f="$BATS_TEST_TMPDIR/eeprom.bin"
	{ printf 'vitool'; head -c 250 /dev/zero; } >"$f"
	start_serve --target "0x50=24c02:file=$f"
	drive w1@0x50 0x00 r8
	assert_success
	assert_output "0x76 0x69 0x74 0x6f 0x6f 0x6c 0x00 0x00"
}

@test "seeding: the whole image reads back byte for byte" {
	local f="$BATS_TEST_TMPDIR/eeprom.bin" expect
	head -c 256 /dev/urandom >"$f"
	expect=$(od -An -v -tx1 "$f" | tr -s ' \n' '  ' | sed -e 's/^ //; s/ $//; s/\([0-9a-f][0-9a-f]\)/0x\1/g')
	start_serve --target "0x50=24c02:file=$f"
	drive w1@0x50 0x00 r256
	assert_success
	assert_output "$expect"
}

@test "seeding: a 4 KiB 24c32 image reads back, a short file fills the start" {
	local big="$BATS_TEST_TMPDIR/big.bin" small="$BATS_TEST_TMPDIR/small.bin" expect
	head -c 4096 /dev/urandom >"$big"
	printf '\x01\x02\x03' >"$small"
	expect=$(od -An -v -tx1 "$big" | tr -s ' \n' '  ' | sed -e 's/^ //; s/ $//; s/\([0-9a-f][0-9a-f]\)/0x\1/g')
	start_serve --target "0x51=24c32:file=$big" --target "0x50=24c02:file=$small"
	drive w2@0x51 0x00 0x00 r4096
	assert_success
	assert_output "$expect"
	drive w1@0x50 0x00 r5
	assert_success
	assert_output "0x01 0x02 0x03 0xff 0xff"
}

@test "seeding: writes go to memory, not back to the file" {
	local f="$BATS_TEST_TMPDIR/eeprom.bin" before
	printf '\x10\x20\x30\x40' >"$f"
	before=$(od -An -tx1 "$f")
	start_serve --target "0x50=24c02:file=$f"
	drive w2@0x50 0x00 0x99
	assert_success
	drive w1@0x50 0x00 r2
	assert_success
	assert_output "0x99 0x20"
	assert_equal "$(od -An -tx1 "$f")" "$before"
}

# ---- probing ---------------------------------------------------------------

@test "detect shows exactly the configured addresses" {
	start_serve --target 0x50=24c02 --target 0x51=24c32
	drive detect
	assert_success
	assert_output "$(expected_grid 0x08 0x77 0x50 0x51)"
	assert_line "50: 50 51 -- -- -- -- -- -- -- -- -- -- -- -- -- --"
	assert_line "00:                         -- -- -- -- -- -- -- --"
	assert_line "70: -- -- -- -- -- -- -- --$(printf '%24s' '')"
	assert_stderr ""
}

@test "detect with a register file at 0x20 and a 24c02 at 0x57" {
	start_serve --target 0x20=regs --target 0x57=24c02
	drive detect
	assert_success
	assert_output "$(expected_grid 0x08 0x77 0x20 0x57)"
	assert_line "20: 20 -- -- -- -- -- -- -- -- -- -- -- -- -- -- --"
	assert_line "50: -- -- -- -- -- -- -- 57 -- -- -- -- -- -- -- --"
}

@test "detect FIRST LAST restricts the grid" {
	start_serve --target 0x50=24c02 --target 0x51=24c32 --target 0x20=regs
	drive detect 0x50 0x57
	assert_success
	assert_output "$(expected_grid 0x50 0x57 0x50 0x51)"
	assert_line "50: 50 51 -- -- -- -- -- --$(printf '%24s' '')"
	assert_line "40:$(printf '%48s' '')"
	assert_line "20:$(printf '%48s' '')"
}

@test "detect on a bus with no targets: an empty grid" {
	start_serve
	drive detect
	assert_success
	assert_output "$(expected_grid 0x08 0x77)"
}

@test "detect sends one zero-length probe per address (serve --print)" {
	start_serve --target 0x50=24c02 --print
	drive detect 0x4e 0x51
	assert_success
	wait_serve_line '0x51 probe'
	run serve_requests
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --regexp '^i2c q0 #[0-9]+ used 0x4e probe( fail-next)? -> ERR$'
	assert_line --index 1 --regexp '^i2c q0 #[0-9]+ used 0x4f probe( fail-next)? -> ERR$'
	assert_line --index 2 --regexp '^i2c q0 #[0-9]+ used 0x50 probe( fail-next)? -> OK$'
	assert_line --index 3 --regexp '^i2c q0 #[0-9]+ used 0x51 probe( fail-next)? -> ERR$'
}

# ---- failures ----------------------------------------------------------------

@test "a read from an absent address fails: exit 1 and the message" {
	start_serve --target 0x50=24c02
	drive r1@0x30
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: message 1 (read 1 byte at 0x30) failed: ERR"
}

@test "a write to an absent address fails" {
	start_serve --target 0x50=24c02
	drive w2@0x31 0x00 0x01
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: message 1 (write 2 bytes at 0x31) failed: ERR"
}

@test "a group whose second message fails: message 2 reported, the rest not performed" {
	start_serve --target 0x50=24c02 --print
	drive w1@0x50 0x00 r1@0x30 r1@0x50
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: message 2 (read 1 byte at 0x30) failed: ERR (the rest of the group was not performed)"
	wait_serve_line '0x50 read 1'
	run serve_requests
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^i2c q0 #[0-9]+ used 0x50 write 1 \[00\] fail-next -> OK$'
	assert_line --index 1 --regexp '^i2c q0 #[0-9]+ used 0x30 read 1 fail-next -> ERR$'
	assert_line --index 2 --regexp '^i2c q0 #[0-9]+ used 0x50 read 1 -> ERR$'
}

@test "a failed group does not perform the messages after the failure" {
	start_serve --target 0x50=24c02
	drive w1@0x50 0x40 r1@0x30 w2@0x50 0x40 0x55
	assert_failure 1
	drive w1@0x50 0x40 r1
	assert_success
	assert_output "0xff"
}

@test "drive after a failed drive works" {
	start_serve --target 0x50=24c02
	drive r1@0x30
	assert_failure 1
	drive w1@0x50 0x00 r1
	assert_success
	assert_output "0xff"
}

# ---- connections ---------------------------------------------------------------

@test "two drives in a row against one serve: the second sees the first's data" {
	start_serve --target 0x50=24c02
	drive w4@0x50 0x80 0xde 0xad 0xbe
	assert_success
	drive w1@0x50 0x80 r3
	assert_success
	assert_output "0xde 0xad 0xbe"
	drive w1@0x50 0x81 r2
	assert_success
	assert_output "0xad 0xbe"
	serve_alive
}

@test "ten drives in a row against one serve" {
	start_serve --target 0x20=regs
	local i
	for i in 0 1 2 3 4 5 6 7 8 9; do
		drive w2@0x20 $i $((i + 100))
		assert_success
	done
	drive w1@0x20 0 r10
	assert_success
	assert_output "0x64 0x65 0x66 0x67 0x68 0x69 0x6a 0x6b 0x6c 0x6d"
}

@test "drive waits for a backend that appears within --connect-timeout" {
	start_bg "$BATS_TEST_TMPDIR/drive.out" "$BATS_TEST_TMPDIR/drive.err" \
		"$VITOOL" drive i2c --socket "$SOCK" --connect-timeout 5000 w1@0x50 0x00 r2
	local dpid=$BG_PID
	sleep 0.5
	start_serve --target 0x50=24c02
	wait_exit "$dpid" 8 || fail "drive did not finish"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/drive.out")" "0xff 0xff"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/drive.err")" ""
}

@test "drive with no backend fails after --connect-timeout with a clear message" {
	local t0 t1
	t0=$(now_ms)
	drive --connect-timeout 300 w1@0x50 0x00 r1
	t1=$(now_ms)
	assert_failure 1
	assert_output ""
	assert_stderr_regex "^vitool: drive: .*$SOCK"
	# exactly one line
	assert_equal "${#stderr_lines[@]}" 1
	# it did wait (about 300 ms), and not much longer
	(((t1 - t0) >= 250)) || fail "gave up after $((t1 - t0)) ms, before --connect-timeout 300"
	(((t1 - t0) < 3000)) || fail "took $((t1 - t0)) ms for --connect-timeout 300"
}

@test "drive to a socket path that is a regular file fails cleanly" {
	: >"$SOCK"
	drive --connect-timeout 200 r1@0x50
	assert_failure 1
	assert_output ""
	assert_stderr_regex "^vitool: drive: .*$SOCK"
}

# ---- --indirect ---------------------------------------------------------------

@test "--indirect: write, read back, page wrap" {
	DRIVE_OPTS=--indirect
	start_serve --target 0x50=24c02 --target 0x51=24c32
	drive w3@0x50 0x10 0xaa 0xbb
	assert_success
	drive w1@0x50 0x10 r2
	assert_success
	assert_output "0xaa 0xbb"
	drive w5@0x50 0x06 0xa1 0xa2 0xa3 0xa4
	assert_success
	drive w1@0x50 0x00 r8
	assert_success
	assert_output "0xa3 0xa4 0xff 0xff 0xff 0xff 0xa1 0xa2"
	drive w4@0x51 0x0f 0xfe 0x12 0x34
	assert_success
	drive w2@0x51 0x0f 0xfe r2
	assert_success
	assert_output "0x12 0x34"
}

@test "--indirect: detect and a failing group" {
	DRIVE_OPTS=--indirect
	start_serve --target 0x50=24c02 --target 0x51=24c32 --print
	drive detect
	assert_success
	assert_output "$(expected_grid 0x08 0x77 0x50 0x51)"
	drive w1@0x50 0x00 r1@0x30 r1@0x50
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: message 2 (read 1 byte at 0x30) failed: ERR (the rest of the group was not performed)"
	wait_serve_line '0x30 read 1'
	assert_equal "$(grep -cE '0x30 read 1 fail-next -> ERR' "$SERVE_OUT")" 1
}

@test "--indirect and direct drives mix against one serve" {
	start_serve --target 0x50=24c02
	DRIVE_OPTS=--indirect
	drive w3@0x50 0x30 0x01 0x02
	assert_success
	DRIVE_OPTS=
	drive w1@0x50 0x30 r2
	assert_success
	assert_output "0x01 0x02"
}

@test "small queue: --queue-size 4 still performs a 1-message transfer" {
	DRIVE_OPTS="--queue-size 4"
	start_serve --target 0x50=24c02
	drive w2@0x50 0x00 0x42
	assert_success
	drive r1@0x50
	assert_success
	assert_output "0xff"
	drive w1@0x50 0x00
	assert_success
	drive r1@0x50
	assert_success
	assert_output "0x42"
}

@test "zero-length messages: w0 probes, an absent address fails" {
	start_serve --target 0x50=24c02
	drive w0@0x50
	assert_success
	assert_output ""
	drive w0@0x30
	assert_failure 1
	assert_stderr "vitool: drive: message 1 (write 0 bytes at 0x30) failed: ERR"
}

@test "--queue-size 1024 works; larger sizes are the backend's to refuse" {
	start_serve --target 0x50=24c02
	DRIVE_OPTS="--queue-size 1024"
	drive w1@0x50 0x00 r2
	assert_success
	assert_output "0xff 0xff"
	# vitool serve, like QEMU, takes at most 1024 entries per queue
	DRIVE_OPTS="--queue-size 2048"
	drive w1@0x50 0x00 r2
	assert_failure 1
	assert_stderr "vitool: drive: backend refused SET_VRING_NUM (error 22)"
	# drive accepts up to 32768 (the virtio maximum): it must get as far as
	# asking the backend, not fail on its own
	DRIVE_OPTS="--queue-size 4096"
	drive w1@0x50 0x00 r2
	assert_failure 1
	assert_stderr "vitool: drive: backend refused SET_VRING_NUM (error 22)"
	DRIVE_OPTS="--queue-size 32768"
	drive w1@0x50 0x00 r2
	assert_failure 1
	assert_stderr "vitool: drive: backend refused SET_VRING_NUM (error 22)"
}

@test "a group larger than the ring (--queue-size 4) keeps its meaning" {
	start_serve --target 0x50=24c02
	DRIVE_OPTS="--queue-size 4"
	drive w5@0x50 0x00 1 2 3 4
	assert_success
	drive w1@0x50 0x00 r1 r1 r1 r1 r1
	assert_success
	assert_output - <<-EOF
	0x01
	0x02
	0x03
	0x04
	0xff
	EOF
	# the failure is in the first ring-full, the write in a later one: not performed
	drive w1@0x50 0x40 r1@0x30 w1@0x50 0x41 w2@0x50 0x40 0x55
	assert_failure 1
	assert_stderr "vitool: drive: message 2 (read 1 byte at 0x30) failed: ERR (the rest of the group was not performed)"
	drive detect
	assert_success
	assert_output "$(expected_grid 0x08 0x77 0x50)"
	DRIVE_OPTS=
	drive w1@0x50 0x40 r1
	assert_success
	assert_output "0xff"
}

@test "--queue-size 2 cannot hold a virtio-i2c request: a message that says so" {
	start_serve --target 0x50=24c02
	local o
	for o in "--queue-size 2" "--queue-size 1 --indirect"; do
		DRIVE_OPTS=$o
		drive w1@0x50 0x00 r1
		assert_failure
		assert_output ""
		assert_stderr_contains "queue"
		[[ $stderr != *"Invalid argument"* ]] ||
			fail "drive $o: unexplained '$stderr'"
	done
}

# ---- robustness: hostile front-ends ------------------------------------------

need_socat() {
	command -v socat >/dev/null || skip "socat not installed"
}

# send_raw FILE: FILE's bytes to the socket, then close (bounded).
send_raw() {
	timeout 5 socat -u "OPEN:$1" "UNIX-CONNECT:$SOCK" 3>&-
}

@test "garbage on the socket: serve survives, the next drive works" {
	need_socat
	start_serve --target 0x50=24c02
	local i
	for i in 1 2 3; do
		head -c 100 /dev/urandom >"$BATS_TEST_TMPDIR/garbage"
		send_raw "$BATS_TEST_TMPDIR/garbage"
		head -c 5000 /dev/urandom >"$BATS_TEST_TMPDIR/garbage"
		send_raw "$BATS_TEST_TMPDIR/garbage"
	done
	sleep 0.2
	serve_alive || { dump_serve; fail "serve died after garbage"; }
	drive w3@0x50 0x00 0x5a 0xa5
	assert_success
	drive w1@0x50 0x00 r2
	assert_success
	assert_output "0x5a 0xa5"
}

@test "a header claiming 0xffffffff bytes of payload: serve survives" {
	need_socat
	start_serve --target 0x50=24c02
	# GET_FEATURES (1), flags version 1, size 0xffffffff
	printf '\x01\x00\x00\x00\x01\x00\x00\x00\xff\xff\xff\xff' >"$BATS_TEST_TMPDIR/hdr"
	send_raw "$BATS_TEST_TMPDIR/hdr"
	# SET_MEM_TABLE (5) with a huge size and some payload after it
	{ printf '\x05\x00\x00\x00\x01\x00\x00\x00\xff\xff\xff\xff'; head -c 64 /dev/zero; } \
		>"$BATS_TEST_TMPDIR/hdr2"
	send_raw "$BATS_TEST_TMPDIR/hdr2"
	sleep 0.2
	serve_alive || { dump_serve; fail "serve died"; }
	drive w1@0x50 0x00 r1
	assert_success
	assert_output "0xff"
}

@test "a connection closed mid-header: serve survives" {
	need_socat
	start_serve --target 0x50=24c02
	printf '\x01\x00\x00' >"$BATS_TEST_TMPDIR/half"
	send_raw "$BATS_TEST_TMPDIR/half"
	: >"$BATS_TEST_TMPDIR/empty"
	send_raw "$BATS_TEST_TMPDIR/empty"
	sleep 0.2
	serve_alive || { dump_serve; fail "serve died"; }
	drive w1@0x50 0x00 r1
	assert_success
	assert_output "0xff"
}

@test "a front-end that does not read its replies: the instance serves on meanwhile, the front-end is dropped after 5 s" {
	command -v python3 >/dev/null || skip "python3 not installed"
	need_socat
	start_serve --target 0x50=24c02
	# GET_FEATURES until the instance reads no more, and never a read: the
	# replies fill the socket.  A reply that could not be sent used to hold
	# the whole loop for 5 s (the control socket went unanswered).
	cat >"$BATS_TEST_TMPDIR/deaf.py" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.setblocking(False)
msg = struct.pack("<III", 1, 1, 0)
# until the instance has stopped reading for a second: its replies wait
sent, last = 0, time.monotonic()
while time.monotonic() - last < 1 and sent < 1000000:
    try:
        s.send(msg)
        sent += 1
        last = time.monotonic()
    except BlockingIOError:
        time.sleep(0.01)
print(sent, flush=True)
time.sleep(10)
PY
	start_bg "$BATS_TEST_TMPDIR/deaf.out" "$BATS_TEST_TMPDIR/deaf.err" python3 "$BATS_TEST_TMPDIR/deaf.py" "$SOCK"
	wait_for 5 test -s "$BATS_TEST_TMPDIR/deaf.out" || fail "the front-end did not connect"
	local ctl="$XDG_RUNTIME_DIR/vitool/i2c.ctl"
	run timeout 10 socat - "UNIX-CONNECT:$ctl" <<<"stats"
	assert_output --partial '{"ok":true,"connected":true,'
	# answered before the front-end's deadline, not after it
	run ! grep -E 'did not read its replies|sending the reply failed' "$SERVE_ERR"
	wait_for 10 grep -q 'did not read its replies' "$SERVE_ERR" || { dump_serve; fail "not dropped"; }
	run grep -cE 'vhost-user: the front-end did not read its replies for 5000 ms \([0-9]+ messages waiting\)' "$SERVE_ERR"
	assert_output 1
	# and the next front-end is served
	drive w1@0x50 0x00 r1
	assert_success
	assert_output "0xff"
}

@test "a front-end that stops inside a message: the instance serves on meanwhile, the front-end is dropped after 5 s" {
	command -v python3 >/dev/null || skip "python3 not installed"
	need_socat
	start_serve --target 0x50=24c02
	# One byte of a header every 3 s: each used to hold the whole loop for
	# up to 5 s (so the control socket went unanswered, issue 16).
	cat >"$BATS_TEST_TMPDIR/stall.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
for b in b"\x01\x00\x00\x00\x01":
    s.send(bytes([b]))
    time.sleep(3)
PY
	start_bg "$BATS_TEST_TMPDIR/stall.out" "$BATS_TEST_TMPDIR/stall.err" python3 "$BATS_TEST_TMPDIR/stall.py" "$SOCK"
	local ctl="$XDG_RUNTIME_DIR/vitool/i2c.ctl"
	wait_for 5 eval 'echo info | timeout 5 socat - "UNIX-CONNECT:$ctl" | grep -q "\"connected\":true"' ||
		fail "no front-end connected"
	# the loop is free: the control socket answers at once, twice
	run timeout 2 socat - "UNIX-CONNECT:$ctl" <<<"stats"
	assert_success
	assert_output --partial '{"ok":true,"connected":true,'
	run timeout 2 socat - "UNIX-CONNECT:$ctl" <<<"info"
	assert_output --partial '"connected":true'
	wait_for 10 grep -q 'the front-end stopped inside a message' "$SERVE_ERR" || { dump_serve; fail "not dropped"; }
	run grep -c 'vhost-user: the front-end stopped inside a message ([0-9] of 12 bytes in 5000 ms)' "$SERVE_ERR"
	assert_output 1
	drive w1@0x50 0x00 r1
	assert_success
	assert_output "0xff"
}

@test "a front-end that connects and says nothing does not block serve forever after it leaves" {
	need_socat
	start_serve --target 0x50=24c02
	# hold a silent connection for 1 s, then go away
	start_bg /dev/null /dev/null timeout 1 socat -u "UNIX-CONNECT:$SOCK" -
	sleep 0.2
	# waits for the socket to be served (backend takes one front-end at a time)
	drive --connect-timeout 5000 w1@0x50 0x00 r1
	assert_success
	assert_output "0xff"
}

@test "a front-end killed in the middle of a transfer: serve survives" {
	start_serve --target 0x51=24c32 --target 0x50=24c02
	local ops=(w2@0x51 0 0) i t rc
	for ((i = 0; i < 40; i++)); do ops+=(r65535); done
	for t in 0.005 0.01 0.02 0.04 0.08; do
		rc=0
		timeout -s KILL "$t" "$VITOOL" drive i2c --socket "$SOCK" "${ops[@]}" >/dev/null 2>&1 3>&- || rc=$?
		# killed (137), or it was quick enough to finish
		[[ $rc == 137 || $rc == 0 ]] || fail "drive exited $rc"
	done
	serve_alive || { dump_serve; fail "serve died"; }
	drive w3@0x50 0x00 0x12 0x34
	assert_success
	drive w1@0x50 0x00 r2
	assert_success
	assert_output "0x12 0x34"
}

@test "four drives at once against one serve: all succeed" {
	start_serve --target 0x20=regs
	local pids=() i
	for i in 1 2 3 4; do
		start_bg "$BATS_TEST_TMPDIR/d$i.out" "$BATS_TEST_TMPDIR/d$i.err" \
			"$VITOOL" drive i2c --socket "$SOCK" --connect-timeout 5000 w2@0x20 "$i" $((i * 16))
		pids+=("$BG_PID")
	done
	for i in 0 1 2 3; do
		wait_exit "${pids[$i]}" 10 || fail "drive $((i + 1)) did not finish"
		[ "$WAIT_STATUS" = 0 ] ||
			fail "drive $((i + 1)) exited $WAIT_STATUS: $(cat "$BATS_TEST_TMPDIR/d$((i + 1)).err")"
	done
	drive w1@0x20 1 r4
	assert_success
	assert_output "0x10 0x20 0x30 0x40"
}

@test "a backend that never answers: drive gives up with a clear message" {
	need_socat
	# a listener that accepts and reads, but never replies
	start_bg /dev/null /dev/null socat -u "UNIX-LISTEN:$SOCK" -
	wait_for 5 test -S "$SOCK" || fail "socat did not listen"
	local t0 t1
	t0=$(now_ms)
	drive --timeout 500 w1@0x50 0x00 r1
	t1=$(now_ms)
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: no reply to GET_FEATURES"
	(((t1 - t0) < 8000)) || fail "took $((t1 - t0)) ms to give up"
}

@test "the vhost-user handshake: GET_FEATURES offers what virtio-i2c needs" {
	need_socat
	start_serve --target 0x50=24c02
	local reply
	# GET_FEATURES (1), flags: version 1, size 0; keep the connection open
	# long enough for the reply
	reply=$( (printf '\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00'; sleep 0.5) |
		timeout 5 socat -t 0.5 - "UNIX-CONNECT:$SOCK" 3>&- | od -An -v -tu1 | tr -s ' \n' '  ')
	read -r -a b <<<"$reply"
	assert_equal "${#b[@]}" 20
	# header: request 1, flags version 1 | reply (0x5), size 8
	assert_equal "${b[*]:0:12}" "1 0 0 0 5 0 0 0 8 0 0 0"
	# u64 features, little-endian at byte 12
	(((b[12] & 0x01) != 0)) || fail "VIRTIO_I2C_F_ZERO_LENGTH_REQUEST (bit 0) not offered"
	(((b[15] & 0x10) != 0)) || fail "VIRTIO_RING_F_INDIRECT_DESC (bit 28) not offered"
	(((b[15] & 0x40) != 0)) || fail "VHOST_USER_F_PROTOCOL_FEATURES (bit 30) not offered"
	(((b[16] & 0x01) != 0)) || fail "VIRTIO_F_VERSION_1 (bit 32) not offered"
	serve_alive
	drive w1@0x50 0x00 r1
	assert_success
}

# ---- lifecycle -----------------------------------------------------------------

@test "SIGTERM: serve exits 0 and removes its socket" {
	start_serve --target 0x50=24c02
	local child
	child=$(pgrep -P "$SERVE_PID") || fail "cannot find the serve process under $SERVE_PID"
	kill -TERM "$child"
	wait_exit "$SERVE_PID" "$VT_STOP_LIMIT" || fail "serve did not exit within $VT_STOP_LIMIT s of SIGTERM"
	SERVE_PID=
	assert_equal "$WAIT_STATUS" 0
	[ ! -e "$SOCK" ] || fail "socket $SOCK still exists"
}

@test "SIGINT: serve exits 0 and removes its socket" {
	start_serve --target 0x50=24c02
	local child
	child=$(pgrep -P "$SERVE_PID") || fail "cannot find the serve process under $SERVE_PID"
	kill -INT "$child"
	wait_exit "$SERVE_PID" 5 || fail "serve did not exit within 5 s of SIGINT"
	SERVE_PID=
	assert_equal "$WAIT_STATUS" 0
	[ ! -e "$SOCK" ] || fail "socket $SOCK still exists"
}

@test "SIGTERM after drives: exit 0, no error output" {
	start_serve --target 0x50=24c02
	drive w1@0x50 0x00 r1
	assert_success
	stop_serve
	assert_equal "$SERVE_STATUS" 0
	[ ! -e "$SOCK" ] || fail "socket $SOCK still exists"
	# nothing but the two start-up lines (name, sockets)
	assert_equal "$(sed 1,2d "$SERVE_ERR")" ""
}

@test "serve --once exits 0 after the first drive disconnects" {
	start_serve --target 0x50=24c02 --once
	drive w1@0x50 0x00 r1
	assert_success
	assert_output "0xff"
	wait_exit "$SERVE_PID" 5 || fail "serve --once still running 5 s after the drive ended"
	SERVE_PID=
	assert_equal "$WAIT_STATUS" 0
	[ ! -e "$SOCK" ] || fail "socket $SOCK still exists"
}

@test "serve --once stays up until a front-end has come and gone" {
	start_serve --target 0x50=24c02 --once
	sleep 0.5
	serve_alive || fail "serve --once exited before any front-end connected"
	drive w1@0x50 0x00 r1
	assert_success
	wait_exit "$SERVE_PID" 5 || fail "serve --once did not exit"
	SERVE_PID=
	assert_equal "$WAIT_STATUS" 0
}

@test "serve replaces a stale socket file left by a killed instance" {
	start_serve --target 0x50=24c02
	local child
	child=$(pgrep -P "$SERVE_PID") || fail "no serve process"
	kill -KILL "$child"
	wait_exit "$SERVE_PID" 5 || fail "serve did not die"
	SERVE_PID=
	[ -S "$SOCK" ] || fail "expected the killed instance's socket to remain"
	start_serve --target 0x50=24c02
	drive w1@0x50 0x00 r1
	assert_success
	assert_output "0xff"
}

@test "a second serve on a socket in use is refused; the first keeps serving" {
	start_serve --target 0x50=24c02
	run --separate-stderr timeout 5 "$VITOOL" serve i2c --socket "$SOCK" --target 0x51=24c32
	assert_failure 1
	assert_stderr_regex "(^|$NL)vitool: serve: cannot listen on $SOCK: "
	assert_stderr_contains "another process is listening there"
	drive detect 0x50 0x51
	assert_success
	assert_line "50: 50 --$(printf '%42s' '')"
}

@test "serve refuses to replace a file that is not a socket" {
	echo precious >"$SOCK"
	run --separate-stderr timeout 5 "$VITOOL" serve i2c --socket "$SOCK" --target 0x50=24c02
	assert_failure 1
	assert_stderr_regex "(^|$NL)vitool: serve: cannot listen on $SOCK: "
	assert_equal "$(cat "$SOCK")" precious
}

@test "serve: socket in a directory that does not exist fails with exit 1" {
	run --separate-stderr timeout 5 "$VITOOL" serve i2c --socket "$BATS_TEST_TMPDIR/nodir/s.sock"
	assert_failure 1
	assert_stderr_regex "(^|$NL)vitool: serve: cannot listen on $BATS_TEST_TMPDIR/nodir/s.sock: No such file or directory"
}

@test "a socket path longer than sun_path: serve and drive fail with exit 1 and say why" {
	local long
	long="$BATS_TEST_TMPDIR/$(printf 'a%.0s' $(seq 120)).sock"
	run --separate-stderr timeout 5 "$VITOOL" serve i2c --socket "$long" --target 0x50=24c02
	assert_failure 1
	assert_stderr_contains "too long"
	assert_stderr_regex "(^|$NL)vitool: serve: cannot listen on $long"
	SOCK=$long
	drive --connect-timeout 100 r1@0x50
	assert_failure 1
	assert_stderr "vitool: drive: $long: socket path too long"
}

# ---- serve --print --------------------------------------------------------------

@test "serve --print: a write and a read, decoded" {
	start_serve --target 0x50=24c02 --print
	drive w3@0x50 0x10 0xaa 0xbb
	assert_success
	drive w1@0x50 0x10 r2
	assert_success
	assert_output "0xaa 0xbb"
	wait_serve_line '0x50 read 2'
	run serve_requests
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^i2c q0 #1 used 0x50 write 3 \[10 aa bb\] -> OK$'
	assert_line --index 1 --regexp '^i2c q0 #2 used 0x50 write 1 \[10\] fail-next -> OK$'
	assert_line --index 2 --regexp '^i2c q0 #3 used 0x50 read 2 -> OK \[aa bb\]$'
	# every line ends with a latency
	run grep -cE "^$VT_TS "'i2c q0 #[0-9]+ used .* [0-9]+(\.[0-9])?(us|ms)$' "$SERVE_OUT"
	assert_output 3
}

@test "serve --print: request ids keep counting across reconnects" {
	start_serve --target 0x50=24c02 --print
	drive w1@0x50 0x00
	assert_success
	drive w1@0x50 0x00
	assert_success
	wait_serve_line '#2 '
	run serve_requests
	assert_line --index 0 --regexp '^i2c q0 #1 used 0x50 write 1 \[00\] -> OK$'
	assert_line --index 1 --regexp '^i2c q0 #2 used 0x50 write 1 \[00\] -> OK$'
}

@test "serve --print: long data is abbreviated with ..." {
	start_serve --target 0x51=24c32 --print
	drive w2@0x51 0x00 0x00 r40
	assert_success
	wait_serve_line '0x51 read 40'
	run serve_requests
	assert_line --index 1 --regexp "^i2c q0 #2 used 0x51 read 40 -> OK \\[(ff ){31}ff \\.\\.\\.\\]$"
}

@test "serve --print keeps serving after its stdout reader goes away" {
	# `serve --print | head -1`: the pipe closes after the first line
	start_bg /dev/null "$SERVE_ERR" sh -c \
		'"$0" serve i2c --socket "$1" --target 0x50=24c02 --print | head -1 >/dev/null' \
		"$VITOOL" "$SOCK"
	wait_for 5 test -S "$SOCK" || fail "serve did not create its socket"
	local i
	for i in 1 2 3; do
		drive w1@0x50 0x00 r1
		assert_success
		assert_output "0xff"
	done
}

@test "serve without --print prints nothing on stdout" {
	start_serve --target 0x50=24c02
	drive w1@0x50 0x00 r1
	assert_success
	stop_serve
	assert_equal "$(cat "$SERVE_OUT")" ""
}

@test "serve --print -v also prints connects and vhost-user messages" {
	start_serve --target 0x50=24c02 --print -v
	drive w1@0x50 0x00 r1
	assert_success
	wait_serve_line ' i2c disconnect$'
	run cat "$SERVE_OUT"
	assert_line --regexp "^$VT_TS i2c connect\$"
	assert_line --regexp "^$VT_TS i2c vhost-msg [<>] [A-Z_]*FEATURES"
	assert_line --regexp "^$VT_TS "'i2c q0 #1 avail 0x50 write 1 \[00\] fail-next$'
	assert_line --regexp "^$VT_TS i2c q0 kick\$"
	assert_line --regexp "^$VT_TS i2c q0 call\$"
	assert_line --regexp "^$VT_TS i2c disconnect\$"
}

@test "serve --print | head -1: the lost output is said once and counted; the device serves on" {
	command -v jq >/dev/null || skip "jq not installed"
	need_socat
	# It went on silently with its output lost (issue 16).
	start_serve_into 'head -1 >"$BATS_TEST_TMPDIR/head.out"' --target 0x50=24c02 --print
	local i
	for i in 1 2 3 4; do
		drive w1@0x50 0x00 r2
		assert_success
	done
	wait_for 5 grep -q 'no longer printing' "$SERVE_ERR" || fail "nothing said: $(cat "$SERVE_ERR")"
	run grep -c -- '--print: standard output: Broken pipe: no longer printing' "$SERVE_ERR"
	assert_output 1
	local ctl="$XDG_RUNTIME_DIR/vitool/i2c.ctl" st
	st=$(echo trace-stats | timeout 5 socat - "UNIX-CONNECT:$ctl")
	assert_equal "$(jq -r .print.error <<<"$st")" "Broken pipe"
	(($(jq -r .print.lost <<<"$st") >= 1)) || fail "nothing lost counted: $st"
	assert_equal "$(($(jq -r .print.lines <<<"$st") + $(jq -r .print.lost <<<"$st")))" 8
	drive w1@0x50 0x00 r2
	assert_success
	run cat "$BATS_TEST_TMPDIR/head.out"
	assert_output --regexp "^$VT_TS i2c q0 #1 used 0x50 write 1 "
}

# ---- short options (vitool(1)'s table: one meaning across commands) ------

@test "drive -S is the vhost-user socket, as in serve and loopback" {
	start_serve --target 0x50=24c02
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive i2c -S "$SOCK" w1@0x50 0x00 r2
	assert_success
	assert_output "0xff 0xff"
}

@test "drive's dropped short options say their long form, exit 2" {
	local o want
	for o in "-s:-S, --socket" "-t:--timeout" "-c:--connect-timeout" "-q:--queue-size"; do
		want=${o#*:}
		run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive i2c "${o%%:*}" 5 r1@0x50
		assert_failure 2
		assert_stderr "vitool: drive: ${o%%:*} is now $want (see 'vitool drive --help')"
	done
}

@test "drive --help lists no short form of --timeout, --connect-timeout, --queue-size, --indirect" {
	run --separate-stderr "$VITOOL" drive --help
	assert_success
	assert_line --regexp '^  -S, --socket PATH'
	assert_line --regexp '^      --timeout MS'
	assert_line --regexp '^      --connect-timeout MS'
	assert_line --regexp '^      --queue-size N'
	assert_line --regexp '^      --indirect'
}

# ---- drive -v / -vv: what happens, at every level -------------------------

@test "drive -v prints the offered and negotiated features by name, not the messages" {
	start_serve --target 0x50=24c02
	drive -v w1@0x50 0x00 r1
	assert_success
	assert_output "0xff"
	[[ $stderr == *"vitool: drive: features offered: ZERO_LENGTH_REQUEST "*" VERSION_1"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"vitool: drive: features negotiated: ZERO_LENGTH_REQUEST INDIRECT_DESC EVENT_IDX PROTOCOL_FEATURES VERSION_1"* ]] ||
		fail "stderr: $stderr"
	[[ $stderr == *"vitool: drive: protocol features negotiated: MQ REPLY_ACK"* ]] || fail "stderr: $stderr"
	[[ $stderr != *"GET_FEATURES"* ]] || fail "-v printed messages: $stderr"
	[[ $stderr != *"msg 0"* ]] || fail "-v printed requests: $stderr"
}

@test "drive -vv also prints each vhost-user message both ways and each message of the transfer" {
	start_serve --target 0x50=24c02
	drive -vv w2@0x50 0x00 0xab r1
	assert_success
	assert_output "0xff"
	local want
	for want in "vitool: > GET_FEATURES" "vitool: < GET_FEATURES reply 0x" "vitool: > SET_VRING_NUM q0 num 64" \
		"vitool: > SET_MEM_TABLE 1 region" "vitool: < GET_VRING_BASE reply q0 base 2" \
		"vitool: i2c: msg 0: addr 0x50, write, len 2, buf 0x00 0xab" "vitool: i2c: msg 1: addr 0x50, read, len 1"; do
		[[ $stderr == *"$want"* ]] || fail "no '$want' in: $stderr"
	done
}

@test "drive without -v says nothing on stderr" {
	start_serve --target 0x50=24c02
	drive w1@0x50 0x00 r1
	assert_success
	assert_stderr ""
}
