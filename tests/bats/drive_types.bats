#!/usr/bin/env bats
# `vitool drive DEVICE` against a backend of another device type: the
# backend never names its type (vhost-user has no message for it), so drive
# tells it from what the backend says of itself (queue count, config space,
# device feature bits) and refuses before any request with
#   vitool: drive: SOCK serves DEVICE, not WANTED
# and exit 1.  Every ordered pair of the types vitool serves, each against a
# real serve instance.

load helpers

setup() {
	vt_setup
	declare -gA TSOCK=()
	local t
	for t in i2c gpio rng; do
		TSOCK[$t]="$BATS_TEST_TMPDIR/$t.sock"
		start_bg "$BATS_TEST_TMPDIR/$t.serve.out" "$BATS_TEST_TMPDIR/$t.serve.err" \
			"$VITOOL" serve "$t" --socket "${TSOCK[$t]}"
	done
	for t in i2c gpio rng; do
		wait_for 5 test -S "${TSOCK[$t]}" || fail "serve $t did not create ${TSOCK[$t]}"
	done
}

teardown() {
	vt_teardown
}

# An operation each type's drive accepts.
declare -gA OP=([i2c]="r1@0x50" [gpio]="get 0" [rng]="read 4")

# tdrive WANT ON: `drive WANT` on the serve of type ON.
tdrive() {
	# shellcheck disable=SC2086
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive "$1" --socket "${TSOCK[$2]}" ${OP[$1]}
}

# refused WANT ON: the mismatch message naming ON, exit 1, nothing on stdout.
refused() {
	tdrive "$1" "$2"
	assert_failure 1
	assert_output ""
	[ "$stderr" = "vitool: drive: ${TSOCK[$2]} serves $2, not $1" ] ||
		fail "stderr: '$stderr'"
}

@test "drive i2c on a gpio backend: 'serves gpio, not i2c' (was: 0x01, exit 0)" {
	refused i2c gpio
}

@test "drive i2c on an rng backend: 'serves rng, not i2c'" {
	refused i2c rng
}

@test "drive gpio on an i2c backend: 'serves i2c, not gpio' (was: backend has 1 queues, 2 wanted)" {
	refused gpio i2c
}

@test "drive gpio on an rng backend: 'serves rng, not gpio'" {
	refused gpio rng
}

@test "drive rng on an i2c backend: 'serves i2c, not rng' (was: random-looking bytes, exit 0)" {
	refused rng i2c
}

@test "drive rng on a gpio backend: 'serves gpio, not rng'" {
	refused rng gpio
}

@test "each drive on its own type's backend still works" {
	tdrive i2c i2c
	# no target at 0x50: the device's own ERR, not a type mismatch
	assert_failure 1
	[[ $stderr == *"failed: ERR"* ]] || fail "stderr: '$stderr'"
	tdrive gpio gpio
	assert_success
	assert_output 0
	tdrive rng rng
	assert_success
	[[ $output =~ ^[0-9a-f]{2}( [0-9a-f]{2}){3}$ ]] || fail "output: '$output'"
}

@test "a refused drive left the backend serving: the right front-end follows" {
	refused i2c gpio
	refused rng gpio
	tdrive gpio gpio
	assert_success
}
