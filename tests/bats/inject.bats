#!/usr/bin/env bats
# `vitool inject gpio`: sets simulated input levels of a running `serve gpio`
# through its control socket.  Silent on success; exit 1 error, 2 usage,
# 3 --wait timed out.

load gpio_helpers

NAMES=led,button,irq-a,irq-b

setup() {
	gpio_setup
}

teardown() {
	gpio_teardown
}

# value_of N: line N's level as the instance reports it.
value_of() {
	ctl_line "$1" | grep -oE '"value":[0-9]+' | cut -d: -f2
}

# ---- levels ------------------------------------------------------------------

@test "inject by offset: silent, exit 0, the level changes" {
	need_socat
	start_gpio_serve --names "$NAMES"
	ginject 1=1
	assert_success
	assert_output ""
	assert_stderr ""
	run ctl_line 1
	assert_output '{"line":1,"name":"button","direction":"none","value":1,"irq":"none","armed":false,"latched":false,"irqs":0}'
	# and the guest reads it
	gdrive dir 1 in get 1
	assert_success
	assert_output "1"
}

@test "inject by name" {
	need_socat
	start_gpio_serve --names "$NAMES"
	ginject irq-b=1
	assert_success
	assert_output ""
	assert_stderr ""
	assert_equal "$(value_of 3)" 1
	assert_equal "$(value_of 2)" 0
}

@test "levels: 0, 1, low, high, off, on, inactive, active (drive set's and gpioset's words), toggle (and any case)" {
	need_socat
	start_gpio_serve --names "$NAMES"
	local word want
	for word in 1:1 0:0 high:1 low:0 on:1 off:0 active:1 inactive:0 toggle:1 toggle:0 HIGH:1 Low:0 ON:1 Toggle:0; do
		want=${word#*:}
		ginject "button=${word%%:*}"
		assert_success
		assert_output ""
		assert_stderr ""
		assert_equal "$(value_of 1)" "$want"
	done
}

@test "several pairs in one inject all apply" {
	need_socat
	start_gpio_serve --names "$NAMES"
	ginject 1=1 irq-a=high 3=toggle
	assert_success
	assert_output ""
	assert_equal "$(value_of 0)" 0
	assert_equal "$(value_of 1)" 1
	assert_equal "$(value_of 2)" 1
	assert_equal "$(value_of 3)" 1
}

@test "all or nothing: a pair on an output line refuses the whole inject" {
	need_socat
	start_gpio_serve --names "$NAMES"
	gdrive dir led out
	assert_success
	ginject button=1 led=1
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: inject: line 0 (led) is an output: the guest drives it"
	assert_equal "$(value_of 1)" 0
}

@test "an output line: exit 1 and the message" {
	start_gpio_serve --lines 4
	gdrive dir 2 out
	assert_success
	ginject 2=1
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: inject: line 2 is an output: the guest drives it"
}

@test "an unknown line: exit 1, by name and by offset" {
	start_gpio_serve --names "$NAMES"
	ginject nosuch=1
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: inject: unknown line 'nosuch'"
	ginject 4=1
	assert_failure 1
	assert_stderr "vitool: inject: unknown line '4'"
}

@test "the same line twice: exit 1" {
	start_gpio_serve --names "$NAMES"
	ginject 1=1 button=0
	assert_failure 1
	assert_stderr "vitool: inject: line 1 given twice"
}

# ---- --pulse -------------------------------------------------------------------

@test "--pulse MS: the line returns to its previous level, after MS" {
	need_socat
	start_gpio_serve --names "$NAMES"
	local t0 t1
	t0=$(now_ms)
	ginject 1=1 --pulse 300
	t1=$(now_ms)
	assert_success
	assert_output ""
	assert_stderr ""
	# inject returns once the pulse is over
	(((t1 - t0) >= 290)) || fail "returned after $((t1 - t0)) ms, before the 300 ms pulse ended"
	assert_equal "$(value_of 1)" 0
	# from high: a low pulse
	ginject 1=1
	ginject 1=0 --pulse 100
	assert_success
	assert_equal "$(value_of 1)" 1
	# toggle pulses to the other level and back
	ginject 1=toggle --pulse 50
	assert_success
	assert_equal "$(value_of 1)" 1
}

@test "--pulse: a drive waiting with irq both sees both edges" {
	need_socat
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 2 in irq 2 both wait 2 --timeout 20000 wait 2 --timeout 20000
	wait_armed 2
	ginject irq-a=1 --pulse 200
	assert_success
	bg_wait w 25
	assert_equal "$BG_STATUS" 0
	# two events (the edge names come from the level read afterwards)
	run cat "$BATS_TEST_TMPDIR/w.out"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^event: (RISING|FALLING) EDGE offset: 2 name: "irq-a" timestamp: \[ *[0-9]+\.[0-9]{9}\]$'
	assert_equal "$(no_ts "${lines[1]}")" 'event: FALLING EDGE offset: 2 name: "irq-a"'
	run ctl_line 2
	assert_output '{"line":2,"name":"irq-a","direction":"in","value":0,"irq":"edge-both","armed":false,"latched":false,"irqs":2}'
}

# ---- --wait ----------------------------------------------------------------------

@test "--wait returns 0 once a waiting drive consumed the interrupt" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 1 in irq 1 rising wait 1 --timeout 20000
	wait_armed 1
	ginject button=1 --wait --timeout 10000
	assert_success
	assert_output ""
	assert_stderr ""
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$BG_OUT")" 'event: RISING EDGE offset: 1 name: "button"'
}

@test "--wait: a latched edge counts once the guest unmasks the line" {
	need_socat
	start_gpio_serve --names "$NAMES"
	# the drive waits on irq-b (the gate) while button is masked
	bg_drive w dir 1 in irq 1 rising dir irq-b in irq irq-b rising wait irq-b --timeout 20000 \
		wait 1 --timeout 5000
	wait_armed 3
	bg_start inj "$VITOOL" inject gpio button=1 --wait --timeout 20000
	wait_for 5 line_is 1 '"latched":true' || fail "the edge was not latched: $(ctl_line 1)"
	bg_alive inj || fail "inject --wait returned before the guest took the interrupt"
	ginject irq-b=1
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$(tail -1 <<<"$BG_OUT")")" 'event: RISING EDGE offset: 1 name: "button"'
	bg_wait inj
	assert_equal "$BG_STATUS" 0
	assert_equal "$BG_OUT" ""
	assert_equal "$BG_ERR" ""
}

@test "--pulse with --wait: the interrupt of either edge counts" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 3 in irq 3 falling wait 3 --timeout 20000
	wait_armed 3
	# the rise is ignored, the fall at the pulse's end fires
	ginject irq-b=1 --pulse 100 --wait --timeout 10000
	assert_success
	assert_output ""
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$BG_OUT")" 'event: FALLING EDGE offset: 3 name: "irq-b"'
}

@test "--wait --timeout 300 against a front-end that never arms: exit 3 and the message" {
	need_socat
	start_gpio_serve --names "$NAMES"
	# a front-end is connected, but unmasks line 2 only
	bg_drive w dir 1 in irq 1 rising irq 2 rising wait 2 --timeout 3000
	wait_armed 2
	ginject button=1 --wait --timeout 300
	assert_failure 3
	assert_output ""
	assert_stderr "vitool: inject: timed out after 300 ms waiting for the guest to take the interrupt on line 1 (button); line 1 (button): masked: the guest has no eventq buffer queued for it (the edge is latched for the next unmask)"
	bg_wait w
	assert_equal "$BG_STATUS" 1
	# the level was applied all the same, and the edge latched
	run ctl_line 1
	assert_output --partial '"value":1,"irq":"edge-rising","armed":false,"latched":true'
}

# A front-end that stays connected (it waits on line 2) while line 1 is
# set up as each test says.
wait_reason() {
	local setup=$1 pair=$2
	start_gpio_serve --names "$NAMES"
	# shellcheck disable=SC2086
	bg_drive w dir 1 in $setup dir 2 in irq 2 rising wait 2 --timeout 20000
	wait_armed 2
	ginject "$pair" --wait --timeout 200
	assert_failure 3
}

@test "--wait timeout: a line with IRQ type none is not armed" {
	need_socat
	wait_reason "" button=1
	assert_stderr "vitool: inject: timed out after 200 ms waiting for the guest to take the interrupt on line 1 (button); line 1 (button): not armed: the guest set no IRQ type (none)"
}

@test "--wait timeout: a line already at that level made no edge" {
	need_socat
	wait_reason "irq 1 both" button=low
	assert_stderr "vitool: inject: timed out after 200 ms waiting for the guest to take the interrupt on line 1 (button); line 1 (button): it already was low: no edge"
}

@test "--wait timeout: an edge the IRQ type does not fire on" {
	need_socat
	wait_reason "irq 1 falling" button=1
	assert_stderr "vitool: inject: timed out after 200 ms waiting for the guest to take the interrupt on line 1 (button); line 1 (button): its IRQ type is edge-falling: a rising edge does not fire"
}

@test "--wait timeout names every line still missing; without a front-end it says so" {
	start_gpio_serve --names "$NAMES"
	ginject 1=1 2=1 --wait --timeout 300
	assert_failure 3
	assert_stderr "vitool: inject: timed out after 300 ms waiting for the guest to take the interrupt on lines 1 (button), 2 (irq-a): no front-end connected (no guest to take it)"
	ginject 3=1 --wait --timeout 200 --pulse 50
	assert_failure 3
	assert_stderr "vitool: inject: timed out after 200 ms waiting for the guest to take the interrupt on line 3 (irq-b): no front-end connected (no guest to take it)"
}

@test "--wait without --timeout waits 1000 ms by default" {
	start_gpio_serve --lines 2
	local t0 t1
	t0=$(now_ms)
	ginject 1=1 --wait
	t1=$(now_ms)
	assert_failure 3
	assert_stderr "vitool: inject: timed out after 1000 ms waiting for the guest to take the interrupt on line 1: no front-end connected (no guest to take it)"
	(((t1 - t0) >= 990)) || fail "gave up after $((t1 - t0)) ms"
}

# ---- which instance ------------------------------------------------------------------

@test "no instance: exit 1 'no running gpio instance'" {
	ginject 1=1
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: inject: no running gpio instance (none running in $XDG_RUNTIME_DIR/vitool)"
}

@test "a killed instance's stale control socket does not count" {
	start_gpio_serve --names "$NAMES"
	local child
	child=$(pgrep -P "$SERVE_PID") || fail "cannot find the serve process under $SERVE_PID"
	kill -KILL "$child"
	wait_exit "$SERVE_PID" 5 || fail "serve did not die"
	SERVE_PID=
	[ -S "$CTL" ] || fail "expected the killed instance's control socket to remain"
	ginject 1=1
	assert_failure 1
	assert_stderr "vitool: inject: no running gpio instance (none running in $XDG_RUNTIME_DIR/vitool)"
	ginject --control "$CTL" 1=1
	assert_failure 1
	assert_stderr "vitool: inject: no vitool instance at $CTL (stale socket: nothing listening)"
}

@test "two instances: exit 1 naming both" {
	start_gpio_serve --names "$NAMES"
	mkdir "$BATS_TEST_TMPDIR/b"
	bg_start second "$VITOOL" serve gpio --socket "$BATS_TEST_TMPDIR/b/other.sock" --lines 2
	wait_for 5 test -S "$XDG_RUNTIME_DIR/vitool/other.ctl" || fail "second serve did not start"
	ginject 1=1
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: inject: several gpio instances running: gpio (gpio), other (gpio); choose one with -i NAME"
}

@test "--control PATH picks one of two" {
	need_socat
	start_gpio_serve --names "$NAMES"
	mkdir "$BATS_TEST_TMPDIR/b"
	local other="$XDG_RUNTIME_DIR/vitool/other.ctl"
	bg_start second "$VITOOL" serve gpio --socket "$BATS_TEST_TMPDIR/b/other.sock" --lines 2
	wait_for 5 test -S "$other" || fail "second serve did not start"
	ginject --control "$other" 1=1
	assert_success
	assert_output ""
	assert_stderr ""
	run ctl_cmd lines "$other"
	assert_output --partial '{"line":1,"name":"","direction":"none","value":1,'
	assert_equal "$(value_of 1)" 0
	# options may come anywhere, also -C
	ginject 1=1 -C "$CTL"
	assert_success
	assert_equal "$(value_of 1)" 1
	# --control=PATH
	ginject --control="$CTL" 1=0
	assert_success
	assert_equal "$(value_of 1)" 0
}

@test "--control to a path where nothing is: exit 1" {
	ginject --control "$BATS_TEST_TMPDIR/nope.ctl" 1=1
	assert_failure 1
	assert_stderr "vitool: inject: no control socket at $BATS_TEST_TMPDIR/nope.ctl: No such file or directory"
}

@test "a passthrough instance has nothing to inject: exit 1" {
	local chip
	chip=$(ls /dev/gpiochip* 2>/dev/null | head -n 1)
	[ -n "$chip" ] || skip "no /dev/gpiochip* on this machine: cannot start a passthrough instance"
	start_gpio_serve --chip "$chip"
	ginject 0=1
	assert_failure 1
	assert_stderr "vitool: inject: instance passes lines through to a host chip: nothing to inject"
}

# ---- usage: exit 2, nothing sent ----------------------------------------------------------

@test "usage errors: exit 2, checked before looking for an instance" {
	# no instance is running: these fail on the words alone
	ginject 1=2
	assert_failure 2
	assert_stderr "vitool: inject: '1=2': bad level '2' (0, 1, low, high, off, on, inactive, active or toggle)"
	ginject button=maybe
	assert_failure 2
	assert_stderr "vitool: inject: 'button=maybe': bad level 'maybe' (0, 1, low, high, off, on, inactive, active or toggle)"
	ginject
	assert_failure 2
	assert_stderr "vitool: inject: give LINE=LEVEL... (LEVEL 0, 1, low, high, off, on, inactive, active or toggle)"
	ginject 1=1 --timeout 500
	assert_failure 2
	assert_stderr "vitool: inject: --timeout only goes with --wait"
	ginject 1
	assert_failure 2
	assert_stderr "vitool: inject: '1': want LINE=LEVEL"
	ginject 1=1 --pulse 0
	assert_failure 2
	assert_stderr "vitool: inject: --pulse 0: want milliseconds, 1-3600000"
	ginject 1=1 --wait --timeout soon
	assert_failure 2
	assert_stderr "vitool: inject: --timeout soon: want milliseconds, 1-3600000"
	ginject 1=1 --frob
	assert_failure 2
	assert_stderr "vitool: inject: unknown option '--frob' (see 'vitool inject --help')"
	ginject 1=1 --pulse
	assert_failure 2
	assert_stderr "vitool: inject: --pulse needs a value"
}

@test "usage: pairs over the control line's budgets say which budget, exit 2" {
	# one 5000-character pair was "too many pairs" (issue 16)
	ginject "$(printf 'a%.0s' {1..5000})=1"
	assert_failure 2
	assert_stderr "vitool: inject: 'aaaaaaaaaaaaaaaaaaaaaaaa...': 5002 bytes, too long for a control line (at most 4096 bytes)"
	# shellcheck disable=SC2046
	ginject $(printf 'l%d=1 ' {1..200})
	assert_failure 2
	assert_stderr "vitool: inject: 200 pairs, more than one command takes (at most 123)"
	# shellcheck disable=SC2046
	ginject $(printf 'l%040d=1 ' {1..100})
	assert_failure 2
	assert_stderr "vitool: inject: the pairs take 4440 bytes, more than one control line holds (4096): split them over several injects"
}

@test "usage: an unknown device word, or none: exit 2" {
	run_vitool inject i2c 1=1
	assert_failure 2
	assert_stderr "vitool: inject: an i2c device takes no inject: inject needs a gpio instance"
	run_vitool inject
	assert_failure 2
	assert_stderr "vitool: inject: give LINE=LEVEL... (LEVEL 0, 1, low, high, off, on, inactive, active or toggle)"
}

@test "usage errors with an instance running: nothing changes" {
	need_socat
	start_gpio_serve --names "$NAMES"
	ginject button=1 irq-a=maybe
	assert_failure 2
	assert_equal "$(value_of 1)" 0
}

@test "inject --help: usage on stdout, exit 0" {
	run_vitool inject --help
	assert_success
	assert_line --index 0 --regexp '^usage: vitool inject gpio '
	assert_output --partial "--pulse MS"
	assert_output --partial "--wait"
	assert_stderr ""
}
