#!/usr/bin/env bats
# `vitool serve rng` against `vitool drive rng`: the seeded stream is the
# documented splitmix64 one, byte for byte across requests; getrandom
# without --seed; the rate limit seen in the device's counters (`info` on
# the control socket), never in timings; --print and trace lines; bad
# command lines.

load helpers

setup() {
	vt_setup
	SOCK="$BATS_TEST_TMPDIR/rng.sock"
	CTL="$XDG_RUNTIME_DIR/vitool/rng.ctl"
}

teardown() {
	vt_teardown
}

# start_rng ARGS...: `vitool serve rng --socket $SOCK ARGS...` in the
# background, like start_serve.
start_rng() {
	: >"$SERVE_OUT"
	: >"$SERVE_ERR"
	timeout "$VT_BG_LIMIT" "$VITOOL" serve rng --socket "$SOCK" "$@" \
		>"$SERVE_OUT" 2>"$SERVE_ERR" </dev/null 3>&- &
	SERVE_PID=$!
	wait_for 5 test -S "$SOCK" || { dump_serve; fail "serve rng did not create $SOCK"; }
}

rdrive() {
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive rng --socket "$SOCK" "$@"
}

# predict SEED N: the first N bytes of the --seed SEED stream, in hex pairs
# on one line (tests/rng-stream.py, shared with the VM suite).
predict() {
	python3 "$BATS_TEST_DIRNAME/../rng-stream.py" "$1" "$2"
}

# info_field KEY: KEY's value in the `info` reply of the control socket.
info_field() {
	python3 - "$CTL" "$1" <<-'PY'
	import json, socket, sys
	s = socket.socket(socket.AF_UNIX)
	s.settimeout(5)
	s.connect(sys.argv[1])
	s.sendall(b"info\n")
	buf = b""
	while not buf.endswith(b"\n"):
	    buf += s.recv(4096)
	print(json.loads(buf)[sys.argv[2]])
	PY
}

@test "rng --seed: the bytes are the predicted splitmix64 stream, across requests" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_rng --seed 42
	rdrive read 8 read 3 read 5 read 100
	assert_success
	assert_stderr ""
	local got want
	got=$(printf '%s\n' "$output" | tr '\n' ' ' | xargs)
	want=$(predict 42 116)
	assert_equal "$got" "$want"
	# one line per read
	assert_equal "${#lines[@]}" 4
	assert_equal "$(wc -w <<<"${lines[1]}")" 3
	# a front-end that reconnects (no RESET_DEVICE) continues the stream
	rdrive read 8
	assert_success
	assert_output "$(predict 42 124 | cut -d' ' -f117-)"
}

@test "rng --seed: 0 and the largest seed work too" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_rng --seed 0
	rdrive read 24
	assert_success
	assert_output "$(predict 0 24)"
	stop_serve
	start_rng --seed 0xffffffffffffffff
	rdrive read 16
	assert_success
	assert_output "$(predict 0xffffffffffffffff 16)"
}

@test "rng without --seed: getrandom bytes, all of each buffer" {
	start_rng
	rdrive read 32 read 32
	assert_success
	assert_equal "$(wc -w <<<"${lines[0]}")" 32
	assert_equal "$(wc -w <<<"${lines[1]}")" 32
	[ "${lines[0]}" != "${lines[1]}" ] || fail "two reads of getrandom gave the same 32 bytes"
}

@test "rng --print: one line per request, decoded" {
	start_rng --seed 7 --print
	rdrive read 4 read 20
	assert_success
	wait_serve_line "^$VT_TS rng q0 #2 used "
	run bash -c 'grep -E "^$1 rng q0 " "$2" | sed -E "s/^$1 //"' _ "$VT_TS" "$SERVE_OUT"
	assert_line --index 0 --regexp "^rng q0 #1 used request 4 -> 4 bytes \[$(predict 7 4)\] [0-9.]+(ns|us|ms|s)\$"
	assert_line --index 1 --regexp '^rng q0 #2 used request 20 -> 20 bytes \[[0-9a-f ]+\.\.\.\] '
}

@test "rng --rate: a request past the budget waits (counted), a buffer larger than a second's worth gets that much" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_rng --seed 1 --rate 256
	# The bucket holds 256 bytes: the first read empties it, the second waits
	# for the refill on a timer, the third is cut to 256 bytes and waits too.
	rdrive --timeout 5000 read 256 read 128 read 1000
	assert_success
	assert_equal "$(wc -w <<<"${lines[0]}")" 256
	assert_equal "$(wc -w <<<"${lines[1]}")" 128
	assert_equal "$(wc -w <<<"${lines[2]}")" 256
	assert_equal "$(printf '%s\n' "$output" | tr '\n' ' ' | xargs)" "$(predict 1 640)"
	assert_equal "$(info_field requests)" 3
	assert_equal "$(info_field bytes)" 640
	assert_equal "$(info_field delayed)" 2
	assert_equal "$(info_field waiting)" 0
	assert_equal "$(info_field source)" splitmix64
	assert_equal "$(info_field rate)" 256
	# and the device kept serving while requests waited: serve never blocked
	serve_alive || fail "serve rng exited"
}

@test "rng: trace -r of serve -w decodes the requests, JSON has the lengths" {
	start_rng --seed 3 -w "$BATS_TEST_TMPDIR/rng.pcap"
	rdrive read 16
	assert_success
	stop_serve
	run_vitool trace -r "$BATS_TEST_TMPDIR/rng.pcap" 'rng and used'
	assert_success
	assert_output --regexp "rng q0 #1 used request 16 -> 16 bytes \[$(predict 3 16)\]"
	run_vitool trace -r "$BATS_TEST_TMPDIR/rng.pcap" --json 'device rng and used'
	assert_success
	assert_output --partial "\"rng\":{\"len\":16,\"got\":16,\"data\":\"$(predict 3 16 | tr -d ' ')\"}"
}

@test "rng: bad command lines say 'vitool: ...' and exit 2" {
	run_vitool serve rng --socket "$SOCK" --seed banana
	assert_failure 2
	assert_stderr_regex "^vitool: serve: --seed banana: want a number"
	run_vitool serve rng --socket "$SOCK" --seed 18446744073709551616
	assert_failure 2
	run_vitool serve rng --socket "$SOCK" --rate 0
	assert_failure 2
	assert_stderr_regex "^vitool: serve: --rate 0: want bytes per second"
	run_vitool serve rng --socket "$SOCK" --rate
	assert_failure 2
	assert_stderr_regex "^vitool: serve: option '--rate' needs an argument"
	run_vitool serve rng --socket "$SOCK" --lines 3
	assert_failure 2
	assert_stderr "vitool: serve rng: --lines is a gpio option"
	run_vitool serve i2c --socket "$SOCK" --seed 3
	assert_failure 2
	assert_stderr "vitool: serve i2c: --seed is a rng option"
	[ ! -e "$SOCK" ] || fail "a refused serve created its socket"
	run_vitool drive rng --socket "$SOCK" read 0
	assert_failure 2
	assert_stderr_regex "^vitool: drive: read: want a byte count"
	run_vitool drive rng --socket "$SOCK" write 3
	assert_failure 2
	assert_stderr "vitool: drive: 'write': expected 'read N'"
	run_vitool drive rng --socket "$SOCK" --indirect read 1
	assert_failure 2
	assert_stderr "vitool: drive: rng takes no --indirect"
}

@test "rng: serve --help shows the device's options" {
	run_vitool serve rng --help
	assert_success
	assert_line --index 0 --regexp '^usage: vitool serve rng '
	assert_output --partial "--seed N"
	assert_output --partial "--rate BYTES"
	assert_output --partial "splitmix64"
}

@test "drive rng -v: the negotiated features; -vv: each buffer and the messages" {
	start_rng --seed 1
	rdrive -v read 4
	assert_success
	[[ $stderr == *"vitool: drive: features negotiated: EVENT_IDX PROTOCOL_FEATURES VERSION_1"* ]] || fail "stderr: $stderr"
	[[ $stderr != *"> GET_FEATURES"* ]] || fail "-v printed messages: $stderr"
	rdrive -vv read 4 read 2
	assert_success
	[[ $stderr == *"vitool: rng: requestq: a device-writable buffer of 4 bytes"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"vitool: rng: requestq: a device-writable buffer of 2 bytes"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"vitool: > SET_FEATURES 0x"* ]] || fail "stderr: $stderr"
}
