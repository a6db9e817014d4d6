#!/usr/bin/env bats
# `vitool drive DEVICE --bench` for a fraction of a second against each
# device vitool serves and against qemu-storage-daemon, so the benchmark
# code keeps working (`make bench` runs it for real).  Nothing here looks
# at a speed: what is checked is that the requests were made and answered
# (the back-end's own counters agree), the report's form, the options'
# effect on what goes on the ring, and the errors.

load gpio_helpers
load qsd

setup() {
	gpio_setup
	need_socat
	SOCK="$BATS_TEST_TMPDIR/dev.sock"
	CTL="$XDG_RUNTIME_DIR/vitool/dev.ctl"
}

teardown() {
	gpio_teardown
}

# bench DEVICE ARGS...: a bounded `vitool drive DEVICE --bench --duration
# 200ms` on $SOCK, stderr apart.
bench() {
	local dev=$1
	shift
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive "$dev" --socket "$SOCK" --bench \
		--duration 200ms "$@"
}

# start_qsd_null: qemu-storage-daemon's null-co export (1 GiB) on $SOCK.
start_qsd_null() {
	command -v qemu-storage-daemon >/dev/null || fail "qemu-storage-daemon not installed (make deps: qemu-utils)"
	start_bg "$BATS_TEST_TMPDIR/qsd.out" "$BATS_TEST_TMPDIR/qsd.err" qemu-storage-daemon \
		--blockdev driver=null-co,node-name=n,size=1073741824 \
		--export "type=vhost-user-blk,id=e,node-name=n,addr.type=unix,addr.path=$SOCK"
	wait_for 10 test -S "$SOCK" || fail "qemu-storage-daemon did not create $SOCK"
}

# jfield EXPR: jq EXPR over the JSON report in $output.
jfield() {
	jq -r "$1" <<<"$output"
}

# served: the requests the serve completed on queue 0 (its `stats`).
served() {
	ctl_cmd stats | jq -r '.queues[0].used'
}

@test "drive i2c --bench: the report's lines; every request counted was served and answered OK" {
	start_device_serve i2c --target 0x50=24c02
	bench i2c
	assert_success
	assert_stderr ""
	assert_line --index 0 "i2c bench: r1@0x50, depth 1, batch 1, EVENT_IDX on"
	assert_line --index 1 --regexp '^  [1-9][0-9]* requests in 0\.[0-9]{3} s: [0-9]+ requests/s$'
	assert_line --index 2 --regexp '^  latency: min [0-9.]+ [mun]?s, p50 [0-9.]+ [mun]?s, p99 [0-9.]+ [mun]?s, p99.9 [0-9.]+ [mun]?s, max [0-9.]+ [mun]?s$'
	assert_line --index 3 --regexp '^  per request: 1\.000 kicks, [01]\.[0-9]{3} calls waited for$'
	[ "${#lines[@]}" -eq 4 ]
	local n
	n=$(sed -n 's/^  \([0-9]*\) requests in.*/\1/p' <<<"$output")
	assert_equal "$(served)" "$n"
}

@test "drive i2c --bench --json: one object; the histogram holds every request; messages take turns" {
	start_device_serve i2c --target 0x50=24c02 --print
	bench i2c --json w1@0x50 0x10 r2@0x50
	assert_success
	assert_equal "$(jfield '.device, .requests_as_words, .depth, .batch, .event_idx, .indirect, .errors' | xargs)" \
		"i2c w1@0x50 0x10 r2@0x50 1 1 true false 0"
	assert_equal "$(jfield '[.histogram[][2]] | add')" "$(jfield .requests)"
	assert_equal "$(jfield '.latency_ns | (.min <= .p50 and .p50 <= .p99 and .p99 <= .p999 and .p999 <= .max)')" true
	# depth 1: each request its own batch, and at most one kick each (fewer
	# when the serve was still looking at the ring: EVENT_IDX)
	assert_equal "$(jfield '.batches')" "$(jfield '.requests')"
	assert_equal "$(jfield '.kicks <= .requests and .kicks > 0')" true
	# each message its own request, no FAIL_NEXT: a write, a read, a write...
	wait_serve_line 'i2c q0 #4 '
	run bash -c "grep -E ' i2c q0 #[1-4] ' '$SERVE_OUT' | sed -E 's/^[^ ]+ //; s/ [0-9.]+(us|ms|s)\$//'"
	assert_line --index 0 "i2c q0 #1 used 0x50 write 1 [10] -> OK"
	assert_line --index 1 --regexp '^i2c q0 #2 used 0x50 read 2 -> OK \[[0-9a-f]{2} [0-9a-f]{2}\]$'
	assert_line --index 2 "i2c q0 #3 used 0x50 write 1 [10] -> OK"
}

@test "drive i2c --bench --batch 64 --depth 128 --indirect: 64 requests a kick, at most 128 in flight" {
	start_device_serve i2c --target 0x50=24c02
	bench i2c --json --batch 64 --depth 128 --indirect
	assert_success
	assert_equal "$(jfield '.depth, .batch, .indirect, .errors' | xargs)" "128 64 true 0"
	local req batches kicks
	req=$(jfield .requests) batches=$(jfield .batches) kicks=$(jfield .kicks)
	assert_equal "$req" $((batches * 64))
	((kicks <= batches)) || fail "$kicks kicks for $batches batches"
	assert_equal "$(served)" "$req"
}

@test "drive --bench --no-event-idx: EVENT_IDX is not negotiated, and the requests still flow" {
	start_device_serve i2c --target 0x50=24c02
	bench i2c --json --no-event-idx --depth 8
	assert_success
	assert_equal "$(jfield '.event_idx, .errors' | xargs)" "false 0"
	run ctl_cmd stats
	[[ $(jq -r .feature_names <<<"$output") != *EVENT_IDX* ]] || fail "negotiated: $output"
}

@test "drive gpio --bench: get and set take turns on the requestq" {
	start_device_serve gpio --lines 4
	bench gpio --json --depth 4 get 1 set 2=1
	assert_success
	assert_equal "$(jfield '.device, .requests_as_words, .errors' | xargs)" "gpio get 1 set 2=1 0"
	assert_equal "$(served)" "$(jfield .requests)"
}

@test "drive rng --bench: read N against serve rng" {
	start_device_serve rng --seed 1
	bench rng --json --depth 16 read 32
	assert_success
	assert_equal "$(jfield '.device, .requests_as_words, .depth, .errors' | xargs)" "rng read 32 16 0"
	assert_equal "$(ctl_cmd info | jq -r .bytes)" $(($(jfield .requests) * 32))
}

@test "drive blk --bench: reads and writes against serve blk --null, and the RAM disk holds the pattern" {
	start_device_serve blk --null --size 1G
	bench blk --json --depth 32
	assert_success
	assert_equal "$(jfield '.requests_as_words, .depth, .errors' | xargs)" "read 0 8 32 0"
	assert_equal "$(ctl_cmd info | jq -r .reads)" "$(jfield .requests)"
	stop_serve
	start_device_serve blk --size 1M
	bench blk --json --depth 4 write 16 2 read 16 flush
	assert_success
	assert_equal "$(jfield .errors)" 0
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive blk --socket "$SOCK" read 16 2
	assert_line --index 0 "0x00002000:  a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5  ................"
	assert_line --index 63 "0x000023f0:  a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5  ................"
}

@test "drive blk --bench against qemu-storage-daemon's null-co export" {
	start_qsd_null
	bench blk --json --depth 32 --batch 4
	assert_success
	assert_equal "$(jfield '.depth, .batch, .errors' | xargs)" "32 4 0"
	[ "$(jfield .requests)" -gt 0 ]
}

@test "drive blk --bench --coalesce-calls: qemu-storage-daemon, which calls at each completion, wakes the driver once for many" {
	start_qsd_null
	bench blk --json --depth 32 --coalesce-calls
	assert_success
	assert_equal "$(jfield '.depth, .coalesce_calls, .event_idx, .errors' | xargs)" "32 true true 0"
	local req calls
	req=$(jfield .requests) calls=$(jfield .calls)
	((req > 0)) || fail "no requests"
	# a call only once 3/4 of the 32 in flight are back (fewer at the end)
	((calls * 4 <= req)) || fail "$calls calls for $req requests"
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive blk --socket "$SOCK" --bench \
		--duration 200ms --depth 4 --coalesce-calls
	assert_success
	assert_line --index 0 "blk bench: read 0 8, depth 4, batch 1, EVENT_IDX on, calls coalesced"
	run_vitool drive blk -S "$SOCK" --coalesce-calls read 0
	assert_failure 2
	assert_stderr "vitool: drive: --coalesce-calls is an option of --bench"
}

@test "drive --bench: failed answers are counted and make the exit status 1" {
	start_device_serve i2c --target 0x50=24c02 --fault 'fail every 2'
	bench i2c --json
	assert_failure 1
	local req err
	req=$(jfield .requests) err=$(jfield .errors)
	# every 2nd request of the serve fails; the run ends on either
	((err * 2 == req || err * 2 + 1 == req || err * 2 - 1 == req)) || fail "$err of $req failed"
	assert_stderr "vitool: drive: --bench: $err of $req requests failed (the first: status 0x01, used length 2)"
}

@test "drive --bench: a request that never completes ends the run after --timeout" {
	start_device_serve i2c --target 0x50=24c02 --fault 'hold every 3'
	bench i2c --depth 1 --timeout 300
	assert_failure 1
	assert_stderr "vitool: drive: --bench: no completion within 300 ms (1 requests in flight)"
	assert_output ""
}

@test "drive --bench: bad options and words are usage errors" {
	run_vitool drive i2c -S "$SOCK" --depth 4 r1@0x50
	assert_failure 2
	assert_stderr "vitool: drive: --depth is an option of --bench"
	run_vitool drive i2c -S "$SOCK" --bench --batch 8 --depth 4
	assert_failure 2
	assert_stderr "vitool: drive: --batch 8 is more than --depth 4 (a batch is that many requests in flight)"
	run_vitool drive i2c -S "$SOCK" --bench --depth 0
	assert_failure 2
	assert_stderr "vitool: drive: --depth 0: want 1-1024"
	run_vitool drive i2c -S "$SOCK" --bench --duration 5
	assert_failure 2
	assert_stderr "vitool: drive: --duration 5: want a duration with its unit (500ms, 2s), at most 1 hour"
	run_vitool drive i2c -S "$SOCK" --bench detect
	assert_failure 2
	assert_stderr_contains "vitool: drive: --bench: detect: expected rLEN[@ADDR] or wLEN[@ADDR]"
	run_vitool drive blk -S "$SOCK" --bench read 0 300
	assert_failure 2
	assert_stderr "vitool: drive: --bench: read 0 300: a bench request has 1-256 sectors"
	run_vitool drive gpio -S "$SOCK" --bench get button
	assert_failure 2
	assert_stderr "vitool: drive: --bench: get button: want a line offset"
	run_vitool drive rng -S "$SOCK" --bench read 0
	assert_failure 2
	assert_stderr "vitool: drive: --bench: read: want a byte count, 1-65536"
}
