#!/usr/bin/env bats
# Fault injection: `serve --fault RULE` and the control commands fault
# add/list/del/clear and release, against real serves driven by `vitool
# drive`.  What a user sees: the driver's results and timing, `inflight`,
# `stats`, and the timeout, late and out-of-order marks in a capture read
# back with `vitool trace`.

load gpio_helpers

setup() {
	gpio_setup
	need_socat
	CAP="$BATS_TEST_TMPDIR/cap.pcap"
}

teardown() {
	gpio_teardown
}

# start_i2c ARGS...: serve i2c on $SOCK ($BATS_TEST_TMPDIR/i2c.sock) with
# two EEPROMs, its capture in $CAP; $CTL is its control socket.
start_i2c() {
	SOCK="$BATS_TEST_TMPDIR/i2c.sock"
	CTL="$XDG_RUNTIME_DIR/vitool/i2c.ctl"
	start_serve --target 0x50=24c02 --target 0x51=24c02 --write "$CAP" "$@"
	wait_for 5 test -S "$CTL" || fail "no control socket $CTL"
}

# marks FILTER: the request ids of the capture's records that FILTER selects
# ("timeout", "late", "ooo"), one line each: "EVENT #ID".
marks() {
	timeout 5 "$VITOOL" trace --json -r "$CAP" "$1" 2>/dev/null |
		python3 -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l); print(o["event"], "#%d" % o["req_id"])'
}

# json_get REPLY EXPR: a python expression over the reply object o.
json_get() {
	python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- rules on the command line -------------------------------------------------

@test "serve --fault: a bad rule is a usage error that names the word" {
	run_vitool serve i2c --socket "$BATS_TEST_TMPDIR/x.sock" --target 0x50=24c02 --fault 'delay 1500 addr 0x50'
	assert_failure 2
	assert_stderr "vitool: serve: --fault 'delay 1500 addr 0x50': delay wants a duration with its unit (1500ms, 20us, 1s), got '1500'"
	run_vitool serve gpio --socket "$BATS_TEST_TMPDIR/x.sock" --fault 'hold addr 0x50'
	assert_failure 2
	assert_stderr_contains "unknown word 'addr' in a gpio rule (queue N, type NAME, line N, value N,"
	run_vitool serve i2c --socket "$BATS_TEST_TMPDIR/x.sock" --fault 'fail every 2 probability 0.5'
	assert_failure 2
	assert_stderr_contains "every and probability exclude each other"
	[ ! -e "$BATS_TEST_TMPDIR/x.sock" ]
}

@test "delay 1500ms addr 0x50 read: the read answers right, 1.5 s late; trace marks timeout, then late" {
	start_i2c --fault 'delay 1500ms addr 0x50 read'
	drive w3@0x50 0x00 0x12 0x34
	assert_success
	local t0 t1
	t0=$(now_ms)
	drive --timeout 5000 w1@0x50 0x00 r2
	t1=$(now_ms)
	assert_success
	assert_output "0x12 0x34"
	((t1 - t0 >= 1450)) || fail "the read took $((t1 - t0)) ms, want >= 1500"
	# the other address and writes are not delayed
	t0=$(now_ms)
	drive w1@0x51 0x00 r2
	t1=$(now_ms)
	assert_success
	((t1 - t0 < 1000)) || fail "0x51 took $((t1 - t0)) ms"
	run ctl_cmd stats
	assert_output --partial '"faults":[{"id":1,"rule":"delay 1500ms addr 0x50 read","kind":"delay","matches":1,"hits":1,"holding":0}]'
	stop_serve
	# request #3 is the delayed read: timed out while it waited, then late
	run marks 'timeout or late'
	assert_output "timeout #3${NL}used #3${NL}late #3"
	# the timeout came while it waited: a second after it went out, half a
	# second before the answer
	run --separate-stderr bash -c 'timeout 5 "$VITOOL" trace --json -r "$1" "id 3 and (avail or timeout or used)" |
		python3 -c "import json,sys
t = [json.loads(l)[\"ts_ns\"] // 1000000 for l in sys.stdin]; print(t[1] - t[0], t[2] - t[1])"' _ "$CAP"
	assert_success
	local waited rest
	read -r waited rest <<<"$output"
	((waited >= 990 && waited < 1200 && rest >= 300)) || fail "timeout after $waited ms, answer $rest ms later"
}

@test "delay 20ms jitter 10ms: every request takes 10-30 ms, not all the same" {
	start_i2c --fault 'delay 20ms jitter 10ms'
	local nth
	for nth in 1 2 3 4 5 6; do
		drive r1@0x50
		assert_success
	done
	stop_serve
	run --separate-stderr bash -c 'timeout 5 "$VITOOL" trace --json -r "$1" used |
		python3 -c "import json,sys
for l in sys.stdin: print(json.loads(l)[\"latency_ns\"] // 1000000)"' _ "$CAP"
	assert_success
	assert_equal "${#lines[@]}" 6
	local ms distinct
	for ms in "${lines[@]}"; do
		# never early; late only by the loop's scheduling (a loaded machine)
		((ms >= 10 && ms <= 80)) || fail "latency $ms ms outside 10-30 ms (+50 ms slack): ${lines[*]}"
	done
	distinct=$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)
	((distinct > 1)) || fail "no jitter: ${lines[*]}"
}

@test "fail every 2: every 2nd request answers the device's ERR; i2cdetect misses the failed probe" {
	start_i2c --fault 'fail every 2'
	local nth   # not i: bats' run sets i
	for nth in 1 2 3 4; do
		drive r1@0x50
		if ((nth % 2)); then
			assert_success
			assert_output "0xff"
		else
			assert_failure 1
			assert_stderr "vitool: drive: message 1 (read 1 byte at 0x50) failed: ERR"
		fi
	done
	run ctl_cmd 'fault clear'
	assert_output '{"ok":true}'
	# detect probes 0x08..0x77 in order: 0x50 is the 1st match, 0x51 the 2nd
	run ctl_cmd 'fault add fail every 2 addr 0x50-0x51'
	assert_output '{"ok":true,"id":2,"rule":"fail every 2 addr 0x50-0x51"}'
	drive detect
	assert_success
	assert_output "$(expected_grid 0x08 0x77 0x50)"
	run ctl_cmd stats
	assert_output --partial '"faults":[{"id":2,"rule":"fail every 2 addr 0x50-0x51","kind":"fail","matches":2,"hits":1,"holding":0}]'
}

@test "fail probability 0.1 seed 7: the same requests fail on every run" {
	local run1 run2
	for pass in 1 2; do
		SOCK="$BATS_TEST_TMPDIR/rng$pass.sock"
		CTL="$XDG_RUNTIME_DIR/vitool/rng$pass.ctl"
		timeout "$VT_BG_LIMIT" "$VITOOL" serve rng --socket "$SOCK" --seed 1 --fault 'fail probability 0.1 seed 7' \
			>"$SERVE_OUT" 2>"$SERVE_ERR" </dev/null 3>&- &
		SERVE_PID=$!
		wait_for 5 test -S "$CTL" || fail "no serve rng"
		run --separate-stderr timeout 10 "$VITOOL" drive rng --socket "$SOCK" $(printf 'read 4 %.0s' {1..40})
		assert_success
		# a failed read is the shortest answer the spec allows: one byte
		local pattern="" l short=0
		for l in "${lines[@]}"; do
			if [ "${#l}" -eq 2 ]; then pattern+=x; short=$((short + 1)); else pattern+=.; fi
		done
		run ctl_cmd stats
		assert_output --partial '"matches":40,"hits":'"$short"','
		((short > 0 && short < 12)) || fail "$short of 40 failed: $pattern"
		stop_serve
		[ "$pass" = 1 ] && run1=$pattern || run2=$pattern
	done
	assert_equal "$run2" "$run1"
}

# ---- hold and release ---------------------------------------------------------

# held_get NAME LINE RULE: a background `drive gpio get LINE` that rule id
# RULE holds (or delays), waited for.
held_get() {
	bg_drive "$1" --timeout 40000 get "$2"
	wait_for 5 eval 'ctl_cmd "fault list" | grep -q "\"id\":'"$3"',[^}]*\"holding\":1"' ||
		fail "rule $3 does not hold line $2: $(ctl_cmd 'fault list')"
}

# answered NAME: NAME's get exits 0 within 5 s.
answered() {
	bg_wait "$1" 5
	assert_equal "$BG_STATUS" 0
}

@test "hold line 3 type get-value: gpioget blocks, inflight shows the rule and a growing age; release answers" {
	start_gpio_serve --lines 8 --fault 'hold line 3 type get-value'
	# line 3's input is high (a new front-end finds the lines released)
	ginject --control "$CTL" 3=1
	assert_success
	gdrive get 2
	assert_success
	assert_output "0"
	bg_drive held --timeout 20000 get 3
	local reply id age1 age2
	wait_for 5 eval 'ctl_cmd inflight | grep -q "\"fault\""' || fail "no held request: $(ctl_cmd inflight)"
	reply=$(ctl_cmd inflight)
	assert_equal "$(json_get "$reply" 'o["requests"][0]["summary"]')" "GET_VALUE line 3"
	assert_equal "$(json_get "$reply" 'o["requests"][0]["fault"]["kind"], o["requests"][0]["fault"]["text"]')" \
		"('hold', 'hold line 3 type get-value')"
	id=$(json_get "$reply" 'o["requests"][0]["id"]')
	age1=$(json_get "$reply" 'o["requests"][0]["age_ms"]')
	sleep 0.5
	age2=$(json_get "$(ctl_cmd inflight)" 'o["requests"][0]["age_ms"]')
	((age2 >= age1 + 400)) || fail "age went from $age1 to $age2 ms"
	bg_alive held || fail "drive did not block"
	run ctl_cmd "release 999"
	assert_output '{"ok":false,"error":"release 999: no request with that id is held (inflight shows them)"}'
	run ctl_cmd "release $id"
	assert_output '{"ok":true,"released":1}'
	bg_wait held
	assert_equal "$BG_STATUS" 0
	assert_equal "$BG_OUT" "1"
	run ctl_cmd inflight
	assert_output '{"ok":true,"requests":[]}'
	run ctl_cmd stats
	assert_output --partial '"faults":[{"id":1,"rule":"hold line 3 type get-value","kind":"hold","matches":1,"hits":1,"holding":0}]'
}

@test "release all, fault del and fault clear complete what the rules held" {
	start_gpio_serve --lines 8
	run ctl_cmd 'fault add hold line 1'
	assert_output '{"ok":true,"id":1,"rule":"hold line 1"}'
	run ctl_cmd 'fault add hold line 2'
	assert_output '{"ok":true,"id":2,"rule":"hold line 2"}'
	run ctl_cmd 'fault add delay 30s line 4'
	assert_output '{"ok":true,"id":3,"rule":"delay 30s line 4"}'
	held_get a 1 1
	run ctl_cmd 'release all'
	assert_output '{"ok":true,"released":1}'
	answered a
	# fault del releases what that rule held
	held_get b 2 2
	run ctl_cmd 'fault del 2'
	assert_output '{"ok":true,"id":2}'
	answered b
	# a delayed request: inflight says when it is due; fault clear completes it now
	held_get c 4 3
	local due
	due=$(json_get "$(ctl_cmd inflight)" 'o["requests"][0]["fault"]["due_ms"]')
	((due > 25000 && due <= 30000)) || fail "due in $due ms"
	run ctl_cmd 'fault clear'
	assert_output '{"ok":true}'
	answered c
	run ctl_cmd 'fault list'
	assert_output '{"ok":true,"faults":[]}'
	run ctl_cmd 'fault del 1'
	assert_output '{"ok":false,"error":"fault del 1: no such rule (fault list shows them)"}'
	run ctl_cmd 'fault add hold line 9x'
	assert_output '{"ok":false,"error":"fault add: line wants a number (0x50) or a range (0x50-0x57), got '"'"'9x'"'"'"}'
	run ctl_cmd 'fault'
	assert_output --partial '"ok":false'
	run ctl_cmd 'release'
	assert_output '{"ok":false,"error":"usage: release ID|all (the request ids inflight shows)"}'
}

# ---- reorder ---------------------------------------------------------------------

@test "reorder queue 0: a transfer's first message completes after its second; trace marks it out of order" {
	start_i2c --fault 'reorder queue 0'
	drive w3@0x50 0x00 0xab 0xcd w1@0x51 0x00
	assert_success
	drive w1@0x50 0x00 r2
	assert_success
	assert_output "0xab 0xcd"
	run ctl_cmd stats
	assert_output --partial '"kind":"reorder","matches":'
	stop_serve
	# each transfer's second message (#2, #4) overtook its first
	run marks ooo
	assert_output "used #2${NL}used #4"
	run --separate-stderr timeout 5 "$VITOOL" trace -r "$CAP" used
	assert_success
	assert_equal "$(printf '%s\n' "${lines[@]}" | grep -oE '#[0-9]+' | tr '\n' ' ')" "#2 #1 #4 #3 "
}

@test "reorder: a request alone on its queue completes, in order, after the window" {
	start_i2c --fault 'reorder queue 0 window 300ms'
	local t0 t1
	t0=$(now_ms)
	drive r2@0x50
	t1=$(now_ms)
	assert_success
	assert_output "0xff 0xff"
	((t1 - t0 >= 280 && t1 - t0 < 1000)) || fail "took $((t1 - t0)) ms, want the 300 ms window"
	# only a request the rule selects releases it: the write at 0x51 overtakes
	# the held read, which then still waits out its window
	run ctl_cmd 'fault clear'
	run ctl_cmd 'fault add reorder addr 0x50 read window 400ms'
	assert_success
	drive r1@0x50 w1@0x51 0x00
	assert_success
	stop_serve
	run marks ooo
	assert_output "used #3"
	run --separate-stderr bash -c 'timeout 5 "$VITOOL" trace --json -r "$1" "id 2 and used" |
		python3 -c "import json,sys; print(json.loads(sys.stdin.readline())[\"latency_ns\"] // 1000000)"' _ "$CAP"
	assert_success
	((output >= 390)) || fail "the held read completed after $output ms, before its 400 ms window"
}

@test "help lists fault and release; inflight and stats work without rules" {
	start_i2c
	run ctl_cmd help
	assert_output --partial '{"name":"fault","args":"add RULE | list | del ID | clear",'
	assert_output --partial '{"name":"release","args":"ID|all",'
	run ctl_cmd stats
	assert_output --partial '"faults":[]'
	run_vitool serve --help
	assert_output --partial "--fault RULE"
}

# ---- loopback ------------------------------------------------------------------

@test "loopback i2c --timeout-ms 200 -f examples/faults.txt: timeout, late and out-of-order lines in one short run" {
	local t0 t1
	t0=$(now_ms)
	loopback_split i2c 10 i2c --timeout-ms 200 -f "$BATS_TEST_DIRNAME/../../examples/faults.txt"
	t1=$(now_ms)
	assert_success
	assert_stderr ""
	((t1 - t0 < 3000)) || fail "the run took $((t1 - t0)) ms"
	local be fe
	be=$(printf '%s\n' "${be_lines[@]}")
	fe=$(printf '%s\n' "${fe_lines[@]}")
	# the delayed read (#3): timed out at 200 ms, answered, marked late
	assert_regex "$be" "(^|$NL)i2c q0 #3 timeout[: ][^$NL]*$NL[^$NL]*#3 used 0x50 read 2 -> OK \\[76 74\\][^$NL]* \\[LATE\\]${NL}i2c q0 #3 late"
	# the reordered transfer: its read (#7) before its write (#6), marked
	assert_regex "$be" "#7 used 0x50 read 2 -> OK \\[76 74\\][^$NL]* \\[OOO\\]${NL}i2c q0 #6 used 0x50 write 1"
	assert_regex "$be" "#5 used 0x20 write 1 \\[00\\] -> ERR"
	assert_equal "$(grep -c '^0x76 0x74$' <<<"$fe")" 2
	assert_regex "$fe" '\{"ok":true,"id":1,"rule":"delay 500ms addr 0x50 read"\}'
	assert_regex "$fe" "failed as expected: message 1 \\(write 1 byte at 0x20\\) failed: ERR"
	assert_regex "$fe" '"faults":\[\{"id":3,"rule":"reorder queue 0","kind":"reorder","matches":2,"hits":1,"holding":0\}\]'
	assert_regex "$fe" '# done: 11 steps, 7 requests, 0 errors \(1 failed as expected\)'
}

@test "loopback: a bad fault step is refused before anything runs; a refused release is an error of the run" {
	local f="$BATS_TEST_TMPDIR/bad.txt"
	printf '%s\n' 'r1@0x50' 'fault add delay soon' >"$f"
	loopback_split i2c 10 i2c -f "$f"
	assert_failure 2
	assert_stderr "vitool: loopback: $f:2: fault add: delay wants a duration with its unit (1500ms, 20us, 1s), got 'soon'"
	assert_equal "${#be_lines[@]}" 0
	printf '%s\n' 'fault frobnicate' >"$f"
	loopback_split gpio 10 gpio -f "$f"
	assert_failure 2
	assert_stderr "vitool: loopback: $f:1: want fault add RULE, fault list, fault del ID or fault clear"
	printf '%s\n' 'release 42' 'r1@0x50' >"$f"
	loopback_split i2c 10 i2c -f "$f"
	assert_failure 1
	assert_regex "$(printf '%s\n' "${fe_lines[@]}")" "error: $f:1: release 42: no request with that id is held"
	assert_regex "$(printf '%s\n' "${fe_lines[@]}")" "${NL}0xff${NL}"
	run_vitool loopback --timeout-ms 0
	assert_failure 2
	assert_stderr "vitool: loopback: --timeout-ms 0: want 1-86400000"
}
