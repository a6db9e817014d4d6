#!/usr/bin/env bats
# A stalled consumer never stalls the device (issue 16 item 5): a --write -
# pipe whose reader stops, a trace subscriber stopped with SIGSTOP, and a
# control client that never reads.  In each case the device goes on
# serving, and what was lost is counted (trace-stats, stats) and said in
# band (a DROPS record).

load helpers

setup() {
	vt_setup
	command -v socat >/dev/null || skip "socat not installed"
	command -v jq >/dev/null || skip "jq not installed"
	CTL="$XDG_RUNTIME_DIR/vitool/i2c.ctl"
	# 30 transfers of 2 messages: each drive makes ~150 records.
	OPS=()
	local k
	for ((k = 0; k < 30; k++)); do
		OPS+=(w1@0x50 0x00 r8)
	done
	STOPPED=
}

teardown() {
	# a stopped process must run again to die of its SIGTERM
	[ -z "$STOPPED" ] || kill -CONT "$STOPPED" 2>/dev/null
	vt_teardown
}

ctl() {
	echo "$1" | timeout 5 socat - "UNIX-CONNECT:$CTL"
}

# drives N: N drives of $OPS, each must succeed (the device serves on).
drives() {
	local nth   # not i: bats' run sets that one
	for ((nth = 0; nth < $1; nth++)); do
		drive "${OPS[@]}"
		[ "$status" -eq 0 ] || { dump_serve; fail "drive $nth failed while the consumer was stopped: $stderr"; }
	done
}

@test "--write - into a pipe whose reader stopped: the device serves on, records are dropped and counted" {
	start_serve_into 'cat >"$BATS_TEST_TMPDIR/w.pcap"' --target 0x50=24c02 -w -
	wait_for 5 test -S "$CTL" || fail "no control socket"
	local cat
	cat=$(pgrep -P "$SERVE_PID" -x cat || pgrep -f "^cat$" -n)
	[ -n "$cat" ] || fail "no reader"
	kill -STOP "$cat"
	STOPPED=$cat
	# The blocking pcap writer used to stop the device here, once the
	# pipe was full.
	drives 100
	local st
	st=$(ctl trace-stats)
	assert_equal "$(jq -r .file <<<"$st")" "standard output"
	(($(jq -r .file_drops <<<"$st") > 0)) || fail "no drops counted: $st"
	assert_equal "$(jq -r .file_error <<<"$st")" null
	kill -CONT "$cat"
	STOPPED=
	drive w1@0x50 0x00 r1
	assert_success
	# the reader gets a valid capture that says what it missed
	wait_for 10 eval '"$VITOOL" trace -r "$BATS_TEST_TMPDIR/w.pcap" drops 2>/dev/null | grep -q "records dropped"' ||
		fail "no DROPS record in the capture"
}

@test "a trace subscriber stopped with SIGSTOP: the device serves on, the subscriber learns what it lost" {
	start_serve --target 0x50=24c02
	wait_for 5 test -S "$CTL" || fail "no control socket"
	start_bg "$BATS_TEST_TMPDIR/trace.out" "$BATS_TEST_TMPDIR/trace.err" "$VITOOL" trace -l -C "$CTL" drops
	local tr=$BG_PID sub
	wait_for 5 eval '[ "$(ctl stats | jq -r .trace.subscribers)" = 1 ]' || fail "trace did not subscribe"
	sub=$(pgrep -P "$tr" -f "vitool trace" || echo "$tr")
	kill -STOP "$sub"
	STOPPED=$sub
	drives 100
	(($(ctl stats | jq -r .trace.drops) > 0)) || fail "no drops counted: $(ctl stats | jq -c .trace)"
	kill -CONT "$sub"
	STOPPED=
	drive w1@0x50 0x00 r1
	assert_success
	wait_for 10 grep -q 'records dropped' "$BATS_TEST_TMPDIR/trace.out" ||
		fail "trace never said what it lost: $(cat "$BATS_TEST_TMPDIR/trace.out")"
}

@test "a control client that never reads: its commands wait, the device and the other clients go on" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_serve --target 0x50=24c02
	wait_for 5 test -S "$CTL" || fail "no control socket"
	cat >"$BATS_TEST_TMPDIR/mute.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.setblocking(False)
sent = 0
try:
    while sent < 20000:
        sent += s.send(b"help\n" * 100)
except BlockingIOError:
    pass
print(sent, flush=True)
time.sleep(60)
PY
	start_bg "$BATS_TEST_TMPDIR/mute.out" "$BATS_TEST_TMPDIR/mute.err" python3 "$BATS_TEST_TMPDIR/mute.py" "$CTL"
	wait_for 10 grep -q . "$BATS_TEST_TMPDIR/mute.out" || fail "the client did not start"
	drives 5
	run ctl stats
	assert_output --partial '"ok":true'
	(($(jq -r .control.backlog_waits <<<"$output") >= 1)) || fail "no backlog wait: $output"
	assert_equal "$(jq -r .control.clients <<<"$output")" 2
	serve_alive || fail "serve exited"
}
