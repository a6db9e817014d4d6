#!/usr/bin/env bats
# Restart soak (issue 16 item 4), run by `make check-vm-soak`, not by every
# make check: one `vitool serve` per device lives through SOAK_CYCLES (100)
# front-ends that connect, make traffic and die of SIGKILL in the middle of
# it.  Between cycles the instance must be alive and back where it was:
# the same open descriptors and mappings (counted in /proc), resident
# memory that does not grow, no file left in its runtime directory; at the
# end it exits 0 on SIGTERM and removes its sockets.

load ../bats/helpers

CYCLES=${SOAK_CYCLES:-100}
# Resident memory may move by allocator noise; a leak of a few KiB a cycle
# over CYCLES cycles does not fit in this.
RSS_SLACK_KIB=${SOAK_RSS_SLACK_KIB:-256}

setup() {
	vt_setup
	command -v socat >/dev/null || fail "socat not installed (make deps)"
	command -v jq >/dev/null || fail "jq not installed (make deps)"
	# The serve outlives many cycles: bound it by the whole test instead.
	VT_BG_LIMIT=$((CYCLES * 10 + 60))
}

teardown() {
	vt_teardown
}

ctl() {
	echo "$1" | timeout 5 socat - "UNIX-CONNECT:$CTL"
}

# The requests the device completed so far, over all its queues.
served() {
	ctl stats | jq '[.queues[].used] | add'
}

connected() {
	[ "$(ctl stats | jq -r .connected)" = "$1" ]
}

fds_of() { ls "/proc/$1/fd" | wc -l; }
maps_of() { wc -l <"/proc/$1/maps"; }
rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# soak DEV [SERVE-ARG...] -- DRIVE-ARG...: the cycles against one serve DEV.
soak() {
	local dev=$1 sargs=() dargs=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sargs+=("$1"); shift; done
	shift
	dargs=("$@")
	SOCK=$BATS_TEST_TMPDIR/$dev.sock
	CTL=$XDG_RUNTIME_DIR/vitool/$dev.ctl
	start_device_serve "$dev" "${sargs[@]}"
	wait_for 5 test -S "$CTL" || fail "no control socket"
	local pid files0 fd0= map0= rss0= rss before c drv n
	pid=$(pgrep -P "$SERVE_PID" -x vitool) || fail "no serve process under $SERVE_PID"
	files0=$(ls -A "$XDG_RUNTIME_DIR/vitool" "$BATS_TEST_TMPDIR")
	for ((c = 1; c <= CYCLES; c++)); do
		before=$(served)
		start_bg "$BATS_TEST_TMPDIR/drive.out" "$BATS_TEST_TMPDIR/drive.err" \
			"$VITOOL" drive "$dev" --socket "$SOCK" "${dargs[@]}"
		wait_for 5 eval '[ "$(served)" -gt "$before" ]' ||
			{ dump_serve; cat "$BATS_TEST_TMPDIR/drive.err" >&2; fail "cycle $c: no traffic from the front-end"; }
		drv=$(pgrep -P "$BG_PID" -x vitool) || fail "cycle $c: the front-end ended before its SIGKILL"
		kill -KILL "$drv"
		wait "$BG_PID" 2>/dev/null || :   # 137: timeout(1) saw its child killed
		wait_for 5 connected false || fail "cycle $c: the instance still counts the killed front-end"
		proc_alive "$pid" || { dump_serve; fail "cycle $c: the instance is gone"; }
		# The first cycles warm the allocator up; from the 5th on
		# nothing may grow.
		if [ "$c" -eq 5 ]; then
			fd0=$(fds_of "$pid") map0=$(maps_of "$pid") rss0=$(rss_of "$pid")
		elif [ "$c" -gt 5 ]; then
			n=$(fds_of "$pid")
			[ "$n" -eq "$fd0" ] || { ls -l "/proc/$pid/fd" >&2; fail "cycle $c: $n descriptors open, $fd0 after cycle 5"; }
			n=$(maps_of "$pid")
			[ "$n" -eq "$map0" ] || fail "cycle $c: $n mappings, $map0 after cycle 5"
		fi
	done
	rss=$(rss_of "$pid")
	echo "# $dev: $CYCLES cycles; $fd0 descriptors and $map0 mappings throughout; RSS $rss0 -> $rss KiB" >&3
	((rss - rss0 <= RSS_SLACK_KIB)) || fail "resident memory grew from $rss0 to $rss KiB over $((CYCLES - 5)) cycles"
	assert_equal "$(ls -A "$XDG_RUNTIME_DIR/vitool" "$BATS_TEST_TMPDIR" | grep -vx 'drive\.\(out\|err\)')" \
		"$(grep -vx 'drive\.\(out\|err\)' <<<"$files0")"
	# One more front-end after all that is served as the first was.
	before=$(served)
	start_bg "$BATS_TEST_TMPDIR/drive.out" "$BATS_TEST_TMPDIR/drive.err" \
		"$VITOOL" drive "$dev" --socket "$SOCK" "${dargs[@]}"
	wait_for 5 eval '[ "$(served)" -gt "$before" ]' || fail "no traffic after the soak"
	kill -TERM "$(pgrep -P "$BG_PID" -x vitool)"
	wait "$BG_PID" 2>/dev/null || :
	stop_serve
	assert_equal "$SERVE_STATUS" 0
	[ ! -e "$SOCK" ] || fail "the vhost-user socket was left behind"
	assert_equal "$(ls -A "$XDG_RUNTIME_DIR/vitool")" ""
}

@test "soak i2c: front-ends killed with SIGKILL mid-traffic; nothing lost, leaked or left" {
	soak i2c --target 0x50=24c02 -- --bench --duration 60s
}

@test "soak gpio: front-ends killed with SIGKILL mid-traffic; nothing lost, leaked or left" {
	soak gpio -- --bench --duration 60s
}

@test "soak blk: front-ends killed with SIGKILL mid-traffic; nothing lost, leaked or left" {
	soak blk -- --bench --duration 60s --depth 8
}

@test "soak rng: front-ends killed with SIGKILL mid-traffic; nothing lost, leaked or left" {
	soak rng -- --bench --duration 60s
}

@test "soak scmi: front-ends killed with SIGKILL mid-traffic; nothing lost, leaked or left" {
	# scmi has no --bench: sensor reads, then a wait on the eventq that
	# keeps the front-end connected until its SIGKILL.
	local ops=() k
	for ((k = 0; k < 50; k++)); do ops+=(sensor read 0); done
	soak scmi -- "${ops[@]}" events 1 60000
}
