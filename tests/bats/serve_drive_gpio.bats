#!/usr/bin/env bats
# `vitool serve gpio` against `vitool drive gpio`: the config space, names,
# values and directions, every IRQ type with the level changed before and
# after the driver unmasks the line (levels set with `vitool inject` from
# another process), what serve --print shows, and the backend's robustness.

load gpio_helpers

NAMES=led,button,irq-a,irq-b

setup() {
	gpio_setup
}

teardown() {
	gpio_teardown
}

# ---- config space and names --------------------------------------------------

@test "info: ngpio, the size of the names block, irq" {
	start_gpio_serve --names "$NAMES"
	gdrive info
	assert_success
	# led\0 button\0 irq-a\0 irq-b\0 = 4 + 7 + 6 + 6
	assert_output - <<-EOF
	ngpio: 4
	gpio_names_size: 23
	irq: yes
	EOF
	assert_stderr ""
}

# names_csv N LEN SIZE: N unique names of LEN characters, the last one cut
# so that the names block (each name and its NUL) is SIZE bytes.
names_csv() {
	python3 - "$@" <<'PY'
import sys
n, ln, size = map(int, sys.argv[1:])
names = [("n%04d" % i).ljust(ln, "x") for i in range(n)]
names[-1] = names[-1][:ln - (n * (ln + 1) - size)]
print(",".join(names))
PY
}

@test "names block: serve and drive keep one limit, 65535 bytes (gpio_names_size)" {
	command -v python3 >/dev/null || skip "python3 not installed"
	# serve took 1024 names of 100 characters (103,424 bytes) that drive
	# then refused, at most 65,535 (issue 16)
	run_vitool serve gpio --socket "$SOCK" --names "$(names_csv 1024 100 103424)"
	assert_failure 2
	assert_stderr "vitool: serve: --names: 103424 bytes of names (with a NUL each), at most 65535 (gpio_names_size, the names block)"
	run_vitool serve gpio --socket "$SOCK" --names "$(names_csv 1024 63 65536)"
	assert_failure 2
	[ ! -e "$SOCK" ] || fail "a refused serve left $SOCK"
	# exactly at the limit: served, and drive reads every name
	start_gpio_serve --names "$(names_csv 1024 63 65535)"
	gdrive info names
	assert_success
	assert_line --index 1 "gpio_names_size: 65535"
	assert_line --index 3 --regexp $'^0\tn0000x{58}$'
	assert_line --index 1026 --regexp $'^1023\tn1023x{57}$'
}

@test "info: a chip without names has gpio_names_size 0; --lines sets ngpio" {
	start_gpio_serve --lines 13
	gdrive info
	assert_success
	assert_output - <<-EOF
	ngpio: 13
	gpio_names_size: 0
	irq: yes
	EOF
}

@test "info: without --lines or --names the chip has 8 lines" {
	start_gpio_serve
	gdrive info
	assert_success
	assert_line --index 0 "ngpio: 8"
}

@test "names: one line per line, offset TAB name" {
	start_gpio_serve --names "$NAMES"
	gdrive names
	assert_success
	assert_output "0	led${NL}1	button${NL}2	irq-a${NL}3	irq-b"
	assert_stderr ""
}

@test "names on a chip without names: empty names, exit 0" {
	start_gpio_serve --lines 3
	gdrive names
	assert_success
	assert_output "0	${NL}1	${NL}2	"
}

# ---- values and directions -----------------------------------------------------

@test "set on an output, then get: the value reads back; the next drive starts from reset" {
	start_gpio_serve --names "$NAMES"
	gdrive dir 2 out set 2=1 get 2 set 2=0 get 2
	assert_success
	assert_output "1${NL}0"
	assert_stderr ""
	gdrive set irq-a=1 dir irq-a out get irq-a
	assert_success
	assert_output "1"
	# a new front-end is a new driver: the line is released, no longer driven
	gdrive get irq-a
	assert_success
	assert_output "0"
}

@test "SET_VALUE before the line is an output is stored, and driven at dir out" {
	need_socat
	start_gpio_serve --names "$NAMES"
	# not an output yet: the line is not driven (it reads its input level)
	gdrive set led=1 get led dir led out get led
	assert_success
	assert_output "0${NL}1"
	# the state stays until the next front-end comes
	run ctl_line 0
	assert_success
	assert_output '{"line":0,"name":"led","direction":"out","value":1,"irq":"none","armed":false,"latched":false,"irqs":0}'
}

@test "dir in, dir none: the lines JSON follows" {
	need_socat
	start_gpio_serve --names "$NAMES"
	gdrive dir 1 in
	assert_success
	run ctl_line 1
	assert_output --partial '"direction":"in"'
	gdrive dir 1 none
	assert_success
	run ctl_line 1
	assert_output --partial '"direction":"none"'
}

@test "an input reads the level injected from outside" {
	start_gpio_serve --names "$NAMES"
	gdrive dir button in get button
	assert_success
	assert_output "0"
	ginject button=1
	assert_success
	gdrive get button
	assert_success
	assert_output "1"
}

@test "serve --print: every message type drive sends, decoded" {
	start_gpio_serve --names "$NAMES" --print
	bg_drive w names set led=1 dir led out get led dir button in irq button rising wait button --timeout 5000
	wait_armed 1
	ginject button=1
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$(tail -1 <<<"$BG_OUT")")" 'event: RISING EDGE offset: 1 name: "button"'
	wait_serve_line 'irq line 1 armed'
	run gpio_requests
	# the IRQ type was set in the same run: no level read to name the edge
	assert_output - <<-'EOF'
	gpio q0 #1 used GET_LINE_NAMES -> OK 4 names [led button irq-a irq-b]
	gpio q0 #2 used SET_VALUE line 0 = 1 -> OK
	gpio q0 #3 used SET_DIRECTION line 0 out -> OK
	gpio q0 #4 used GET_VALUE line 0 -> OK value 1
	gpio q0 #5 used SET_DIRECTION line 1 in -> OK
	gpio q0 #6 used SET_IRQ_TYPE line 1 edge-rising -> OK
	gpio q1 #7 used irq line 1 armed -> VALID
	EOF
	# every line ends with a latency
	run grep -cE "^$VT_TS "'gpio q[01] #[0-9]+ used .* [0-9]+(\.[0-9])?(us|ms)$' "$SERVE_OUT"
	assert_output 7
}

@test "serve --print: every IRQ type and dir none by name" {
	start_gpio_serve --lines 2 --print
	gdrive dir 0 in irq 0 falling irq 0 both irq 0 high irq 0 low irq 0 none dir 0 none
	assert_success
	wait_serve_line 'SET_DIRECTION line 0 none'
	run gpio_requests
	assert_output - <<-'EOF'
	gpio q0 #1 used SET_DIRECTION line 0 in -> OK
	gpio q0 #2 used SET_IRQ_TYPE line 0 edge-falling -> OK
	gpio q0 #3 used SET_IRQ_TYPE line 0 edge-both -> OK
	gpio q0 #4 used SET_IRQ_TYPE line 0 level-high -> OK
	gpio q0 #5 used SET_IRQ_TYPE line 0 level-low -> OK
	gpio q0 #6 used SET_IRQ_TYPE line 0 none -> OK
	gpio q0 #7 used SET_DIRECTION line 0 none -> OK
	EOF
}

@test "serve without --print prints nothing on stdout" {
	start_gpio_serve --names "$NAMES"
	gdrive names dir 0 out set 0=1 get 0
	assert_success
	stop_serve
	assert_equal "$SERVE_STATUS" 0
	assert_equal "$(cat "$SERVE_OUT")" ""
}

# ---- errors ----------------------------------------------------------------------

@test "get 99: no such line: exit 2 (usage, man page), the message names the range" {
	start_gpio_serve --names "$NAMES"
	gdrive get 99
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: drive: get 99: no line 99 (the device has 4 lines, 0-3)"
}

@test "a bad line after good operations: those were performed" {
	need_socat
	start_gpio_serve --names "$NAMES"
	gdrive dir 0 out set 0=1 get 4
	assert_failure 2
	assert_stderr "vitool: drive: get 4: no line 4 (the device has 4 lines, 0-3)"
	run ctl_line 0
	assert_output --partial '"direction":"out","value":1'
}

@test "an unknown line name: exit 2 and the message" {
	start_gpio_serve --names "$NAMES"
	gdrive get nosuch
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: drive: get nosuch: no line named 'nosuch'"
	gdrive set nosuch=1
	assert_failure 2
	assert_stderr "vitool: drive: set nosuch=1: no line named 'nosuch'"
}

@test "names are not offsets on a chip without names" {
	start_gpio_serve --lines 4
	gdrive get button
	assert_failure 2
	assert_stderr "vitool: drive: get button: no line named 'button'"
}

@test "set 3=2: refused before connecting (no backend needed): exit 2" {
	# no serve at all: the words are checked first
	gdrive --connect-timeout 0 set 3=2
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: drive: set 3=2: the value must be 0, 1, low, high, off, on, inactive or active"
}

@test "bad operation words: exit 2 before connecting, nothing sent" {
	start_gpio_serve --names "$NAMES" --print
	gdrive dir 3 sideways
	assert_failure 2
	assert_stderr "vitool: drive: dir 3 sideways: 'sideways' is not one of in|out|none"
	gdrive irq 3 up
	assert_failure 2
	assert_stderr "vitool: drive: irq 3 up: 'up' is not one of rising|falling|both|high|low|none"
	gdrive wait 3 --timeout x
	assert_failure 2
	assert_stderr "vitool: drive: wait 3: --timeout wants milliseconds"
	gdrive set 3
	assert_failure 2
	assert_stderr "vitool: drive: set 3: expected N=V (e.g. led=1, led=high)"
	gdrive frob 3
	assert_failure 2
	assert_stderr_regex "^vitool: drive: frob: unknown operation "
	gdrive get 0
	assert_success
	wait_serve_line 'GET_VALUE line 0'
	run gpio_requests
	assert_output "gpio q0 #1 used GET_VALUE line 0 -> OK value 0"
}

@test "irq on an output line: the device answers ERR, exit 1" {
	start_gpio_serve --names "$NAMES" --print
	gdrive dir 3 out irq 3 rising
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: irq 3 rising: SET_IRQ_TYPE line 3: the device answered ERR: line 3 is an output, and an interrupt needs an input (dir 3 in first)"
	wait_serve_line 'SET_IRQ_TYPE line 3'
	run gpio_requests
	assert_line "gpio q0 #2 used SET_IRQ_TYPE line 3 edge-rising -> ERR"
	# serve says why on its stderr, and keeps serving
	run grep -F "SET_IRQ_TYPE line 3: the line is an output" "$SERVE_ERR"
	assert_success
	gdrive get 3
	assert_success
	assert_output "0"
}

@test "wait on a line whose interrupt is off: the buffer comes back INVALID, exit 1" {
	start_gpio_serve --names "$NAMES" --print
	gdrive dir 2 in wait 2 --timeout 5000
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: wait 2: the device returned the buffer INVALID: line 2's interrupt is off (a front-end starts with every interrupt off: irq 2 TYPE first, in the same run)"
	wait_serve_line 'irq line 2'
	run gpio_events
	assert_output "gpio q1 #2 used irq line 2 armed -> INVALID"
}

@test "wait --timeout: no interrupt: exit 1 and the message" {
	start_gpio_serve --names "$NAMES"
	gdrive dir 1 in irq 1 rising wait 1 --timeout 300
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: wait 1: no interrupt within 300 ms"
}

# ---- interrupts: edge types -------------------------------------------------------

@test "edge-rising, edge before unmask: latched, wait returns it at once" {
	need_socat
	start_gpio_serve --names "$NAMES" --print
	# irq-b is the gate: the drive waits on it while button is masked
	bg_drive w dir button in irq button rising dir irq-b in irq irq-b rising \
		wait irq-b --timeout 20000 wait button --timeout 3000 wait button --timeout 300
	wait_armed 3
	ginject button=1
	assert_success
	run ctl_line 1
	assert_output '{"line":1,"name":"button","direction":"in","value":1,"irq":"edge-rising","armed":false,"latched":true,"irqs":0}'
	ginject irq-b=1
	assert_success
	bg_wait w
	# --timeout 3000: if the latched edge were lost, the first wait would fail;
	# delivered once: the second one times out
	assert_equal "$BG_STATUS" 1
	assert_equal "$(no_ts "$BG_OUT")" "event: RISING EDGE offset: 3 name: \"irq-b\"${NL}event: RISING EDGE offset: 1 name: \"button\""
	assert_equal "$BG_ERR" "vitool: drive: wait button: no interrupt within 300 ms"
	run ctl_line 1
	assert_output '{"line":1,"name":"button","direction":"in","value":1,"irq":"edge-rising","armed":false,"latched":false,"irqs":1}'
}

@test "edge-rising, edge after unmask: a waiting drive gets it" {
	start_gpio_serve --names "$NAMES" --print
	bg_drive w dir 1 in irq 1 rising wait 1 --timeout 20000
	wait_armed 1
	ginject 1=1
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$BG_OUT")" 'event: RISING EDGE offset: 1 name: "button"'
	assert_equal "$BG_ERR" ""
	wait_serve_line 'irq line 1 armed'
	run gpio_events
	assert_output --regexp '^gpio q1 #[0-9]+ used irq line 1 armed -> VALID$'
}

@test "edge-rising ignores a falling edge, before and after unmask" {
	need_socat
	start_gpio_serve --names "$NAMES"
	ginject 1=1
	assert_success
	# irq-b gates: first while button is masked, then the wait on button
	bg_drive w dir 1 in irq 1 rising dir irq-b in irq irq-b rising wait irq-b --timeout 20000 \
		irq 1 none irq 1 rising wait irq-b --timeout 20000 wait 1 --timeout 1500
	wait_armed 3
	# before unmask: not latched
	ginject 1=0
	assert_success
	run ctl_line 1
	assert_output --partial '"latched":false'
	# high again without an edge the type counts: a new type starts afresh
	ginject 1=1
	assert_success
	ginject irq-b=1 --wait
	assert_success
	ginject irq-b=0
	assert_success
	wait_armed 3
	ginject irq-b=1 --wait
	assert_success
	# after unmask: the wait sees nothing
	wait_armed 1
	ginject 1=0
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 1
	assert_equal "$(no_ts "$BG_OUT")" "event: RISING EDGE offset: 3 name: \"irq-b\"${NL}event: RISING EDGE offset: 3 name: \"irq-b\""
	assert_equal "$BG_ERR" "vitool: drive: wait 1: no interrupt within 1500 ms"
	run ctl_line 1
	assert_output --partial '"irqs":0'
}

@test "edge-falling: latched before unmask, and delivered after unmask" {
	start_gpio_serve --names "$NAMES"
	ginject irq-b=1
	assert_success
	# button gates while irq-b is masked
	bg_drive w dir irq-b in irq irq-b falling dir button in irq button rising \
		wait button --timeout 20000 wait irq-b --timeout 3000 wait 3 --timeout 20000
	wait_armed 1
	# before unmask
	ginject irq-b=0
	assert_success
	ginject button=1
	assert_success
	# the latched fall is delivered; then a rising edge is not latched...
	wait_armed 3
	ginject irq-b=1
	assert_success
	# ...and a fall after unmask fires
	ginject irq-b=0
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$BG_OUT")" "event: RISING EDGE offset: 1 name: \"button\"${NL}event: FALLING EDGE offset: 3 name: \"irq-b\"${NL}event: FALLING EDGE offset: 3 name: \"irq-b\""
}

@test "edge-both: a rise before unmask, a fall after unmask" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 2 in irq 2 both dir irq-b in irq irq-b rising \
		wait irq-b --timeout 20000 wait 2 --timeout 3000 wait 2 --timeout 20000
	wait_armed 3
	ginject 2=1
	assert_success
	ginject irq-b=1 --wait
	assert_success
	wait_armed 2
	ginject 2=0
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$BG_OUT")" "event: RISING EDGE offset: 3 name: \"irq-b\"${NL}event: RISING EDGE offset: 2 name: \"irq-a\"${NL}event: FALLING EDGE offset: 2 name: \"irq-a\""
}

@test "edge-both: a pulse seen as both edges by one drive waiting twice" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 2 in irq 2 both wait 2 --timeout 20000 wait 2 --timeout 20000
	wait_armed 2
	# long pulse: the first event is read (GET_VALUE) while the line is high
	ginject 2=1 --pulse 1500
	assert_success
	bg_wait w 25
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$BG_OUT")" "event: RISING EDGE offset: 2 name: \"irq-a\"${NL}event: FALLING EDGE offset: 2 name: \"irq-a\""
}

@test "a new IRQ type drops an edge latched under the old one" {
	need_socat
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 1 in irq 1 rising dir irq-b in irq irq-b rising wait irq-b --timeout 20000 \
		irq 1 both wait 1 --timeout 300
	wait_armed 3
	ginject 1=1
	run ctl_line 1
	assert_output --partial '"latched":true'
	ginject irq-b=1
	bg_wait w
	assert_equal "$BG_STATUS" 1
	assert_equal "$BG_ERR" "vitool: drive: wait 1: no interrupt within 300 ms"
	run ctl_line 1
	assert_output --partial '"irq":"edge-both","armed":false,"latched":false'
}

# ---- interrupts: level types -------------------------------------------------------

@test "level-high: fires on unmask while high, and again on every unmask" {
	need_socat
	start_gpio_serve --names "$NAMES" --print
	bg_drive w dir 2 in irq 2 high dir irq-b in irq irq-b rising wait irq-b --timeout 20000 \
		wait 2 --timeout 3000 wait 2 --timeout 3000 wait 2 --timeout 3000 wait irq-b --timeout 20000 \
		wait 2 --timeout 300
	wait_armed 3
	ginject 2=1
	assert_success
	# level interrupts are not latched
	run ctl_line 2
	assert_output --partial '"latched":false'
	ginject irq-b=1 --wait
	assert_success
	ginject irq-b=0
	assert_success
	# still high: fires again at every unmask; then low: nothing
	wait_armed 3
	run ctl_line 2
	assert_output --partial '"irqs":3'
	ginject 2=0
	ginject irq-b=1
	bg_wait w
	assert_equal "$BG_STATUS" 1
	local hi='event: HIGH LEVEL offset: 2 name: "irq-a"' gate='event: RISING EDGE offset: 3 name: "irq-b"'
	assert_equal "$(no_ts "$BG_OUT")" "$gate${NL}$hi${NL}$hi${NL}$hi${NL}$gate"
	assert_equal "$BG_ERR" "vitool: drive: wait 2: no interrupt within 300 ms"
}

@test "level-high: a change into high while unmasked fires" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 2 in irq 2 high wait 2 --timeout 20000
	wait_armed 2
	ginject 2=high
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$BG_OUT")" 'event: HIGH LEVEL offset: 2 name: "irq-a"'
}

@test "level-high: a pulse while masked is not remembered" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 2 in irq 2 high dir irq-b in irq irq-b rising wait irq-b --timeout 20000 \
		wait 2 --timeout 300
	wait_armed 3
	ginject 2=1 --pulse 50
	assert_success
	ginject irq-b=1
	bg_wait w
	assert_equal "$BG_STATUS" 1
	assert_equal "$BG_ERR" "vitool: drive: wait 2: no interrupt within 300 ms"
}

@test "level-low: fires on unmask while low, and on a change into low" {
	start_gpio_serve --names "$NAMES"
	# the line is low: fires at once, every time; then high: nothing
	bg_drive w dir 3 in irq 3 low wait 3 --timeout 3000 wait 3 --timeout 3000 \
		dir button in irq button rising wait button --timeout 20000 wait 3 --timeout 20000
	wait_armed 1
	ginject 3=1
	assert_success
	ginject button=1 --wait
	assert_success
	wait_armed 3
	ginject 3=low
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	local lo='event: LOW LEVEL offset: 3 name: "irq-b"'
	assert_equal "$(no_ts "$BG_OUT")" "$lo${NL}$lo${NL}event: RISING EDGE offset: 1 name: \"button\"${NL}$lo"
}

@test "irq high on a line that is already high: the first unmask fires" {
	start_gpio_serve --names "$NAMES"
	ginject 1=1
	gdrive dir 1 in irq 1 rising irq 1 high wait 1 --timeout 3000
	assert_success
	# a level interrupt: no edge to name
	assert_equal "$(no_ts "$output")" 'event: HIGH LEVEL offset: 1 name: "button"'
}

# ---- one front-end at a time ---------------------------------------------------------

@test "a second drive while one waits is served only after the first leaves" {
	# vhost-user has one front-end per socket: a second drive cannot reach
	# a wait in progress; it runs once the first is gone (its wait timed
	# out, not INVALID), and starts from the device's reset state.
	need_socat
	start_gpio_serve --names "$NAMES" --print
	bg_drive w1 dir 1 in irq 1 rising wait 1 --timeout 2000
	wait_armed 1
	bg_drive w2 --timeout 20000 get 1
	bg_wait w1 15
	assert_equal "$BG_STATUS" 1
	assert_equal "$BG_ERR" "vitool: drive: wait 1: no interrupt within 2000 ms"
	bg_wait w2 15
	assert_equal "$BG_STATUS" 0
	assert_equal "$BG_ERR" ""
	run ctl_line 1
	assert_output --partial '"direction":"none","value":0,"irq":"none","armed":false'
	# the first drive's buffer went away with its ring: never completed
	run gpio_events
	assert_output ""
}

# ---- robustness ------------------------------------------------------------------------

@test "serve keeps serving after a drive is killed mid-wait" {
	need_socat
	start_gpio_serve --names "$NAMES" --print
	bg_drive w dir 1 in irq 1 rising wait 1
	wait_armed 1
	bg_kill w
	# the ring is gone: the line is no longer armed
	wait_for 5 line_is 1 '"armed":false' || fail "line 1 still armed: $(ctl_line 1)"
	serve_alive || { dump_serve; fail "serve died"; }
	# an edge with nobody connected is latched...
	ginject 1=1
	assert_success
	run ctl_line 1
	assert_output --partial '"latched":true'
	# ...but it was the killed driver's: a new front-end does not get it
	gdrive dir 1 in irq 1 rising wait 1 --timeout 300
	assert_failure 1
	assert_stderr "vitool: drive: wait 1: no interrupt within 300 ms"
	gdrive dir 1 in get 1
	assert_success
	assert_output "1"
}

@test "reconnect: a second drive starts from the device's reset state" {
	start_gpio_serve --names "$NAMES" --print
	gdrive dir 0 out set 0=1
	assert_success
	gdrive get 0 info
	assert_success
	assert_output "0${NL}ngpio: 4${NL}gpio_names_size: 23${NL}irq: yes"
	wait_serve_line 'GET_VALUE line 0'
	# request ids keep counting across connections
	run gpio_requests
	assert_output - <<-'EOF'
	gpio q0 #1 used SET_DIRECTION line 0 out -> OK
	gpio q0 #2 used SET_VALUE line 0 = 1 -> OK
	gpio q0 #3 used GET_VALUE line 0 -> OK value 0
	EOF
	serve_alive
}

@test "ten drives in a row against one serve" {
	start_gpio_serve --lines 10
	local ln expect
	for ln in 0 1 2 3 4 5 6 7 8 9; do
		# (bats' run uses a variable i of its own)
		expect=$((ln % 2))
		gdrive dir "$ln" out set "$ln=$expect" get "$ln"
		assert_success
		assert_output "$expect"
	done
}

@test "serve gpio --once exits 0 after the first drive" {
	start_gpio_serve --names "$NAMES" --once
	gdrive get 0
	assert_success
	wait_exit "$SERVE_PID" 5 || fail "serve --once still running"
	SERVE_PID=
	assert_equal "$WAIT_STATUS" 0
	[ ! -e "$SOCK" ] || fail "socket $SOCK left behind"
	[ ! -e "$CTL" ] || fail "control socket $CTL left behind"
}

@test "SIGTERM: serve gpio exits 0, removes both sockets" {
	start_gpio_serve --names "$NAMES"
	gdrive get 0
	assert_success
	stop_serve
	assert_equal "$SERVE_STATUS" 0
	[ ! -e "$SOCK" ] || fail "socket $SOCK left behind"
	[ ! -e "$CTL" ] || fail "control socket $CTL left behind"
	# nothing but the two start-up lines (name, sockets)
	assert_equal "$(sed 1,2d "$SERVE_ERR")" ""
}

@test "serve gpio: bad --names and --lines: exit 2 with the reason" {
	run_vitool serve gpio --socket "$SOCK" --names a,a
	assert_failure 2
	assert_stderr "vitool: serve: --names: line name 'a' given twice (lines 0 and 1)"
	run_vitool serve gpio --socket "$SOCK" --names a,,c
	assert_failure 2
	assert_stderr "vitool: serve: --names: name 2 (line 1) is empty"
	run_vitool serve gpio --socket "$SOCK" --names a,b --lines 3
	assert_failure 2
	assert_stderr "vitool: serve: --names has 2 names but --lines is 3"
	run_vitool serve gpio --socket "$SOCK" --lines 0
	assert_failure 2
	assert_stderr "vitool: serve: --lines 0: want 1-1024"
	[ ! -e "$SOCK" ] || fail "a refused serve left $SOCK"
}

# ---- drive -v / -vv ------------------------------------------------------------

@test "drive gpio -v: IRQ among the negotiated features; -vv: each request and eventq buffer" {
	start_gpio_serve --names "$NAMES"
	gdrive -v get button
	assert_success
	[[ $stderr == *"vitool: drive: features negotiated: IRQ INDIRECT_DESC EVENT_IDX PROTOCOL_FEATURES VERSION_1"* ]] ||
		fail "stderr: $stderr"
	[[ $stderr == *"vitool: drive: protocol features negotiated: MQ REPLY_ACK CONFIG"* ]] || fail "stderr: $stderr"
	gdrive -vv dir button in irq button rising wait button --timeout 100
	assert_failure 1
	local want
	for want in "vitool: > GET_CONFIG" "vitool: gpio: requestq: GET_LINE_NAMES line 0" \
		"vitool: gpio: requestq: SET_DIRECTION line 1 value 2" "vitool: gpio: requestq: SET_IRQ_TYPE line 1 value 1" \
		"vitool: gpio: eventq: buffer for line 1"; do
		[[ $stderr == *"$want"* ]] || fail "no '$want' in: $stderr"
	done
}

# ---- libgpiod habits: several lines, level words, gpiomon's wait ----------------

@test "get takes several lines and prints their values on one line, like gpioget" {
	start_gpio_serve --names "$NAMES"
	ginject button=1 irq-b=1
	assert_success
	gdrive dir button in dir irq-b in get 0 button 2 irq-b
	assert_success
	assert_output "0 1 0 1"
	# a bad name anywhere: nothing is read, exit 2
	gdrive get 0 nosuch
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: drive: get 0 nosuch: no line named 'nosuch'"
}

@test "set takes several N=V, and V is 0/1, low/high, off/on or inactive/active" {
	start_gpio_serve --lines 8
	gdrive set 0=1 1=high 2=on 3=active 4=0 5=LOW 6=off 7=inactive \
		dir 0 out dir 1 out dir 2 out dir 3 out dir 4 out dir 5 out dir 6 out dir 7 out \
		get 0 1 2 3 4 5 6 7
	assert_success
	assert_output "1 1 1 1 0 0 0 0"
	gdrive set 0=high 1=maybe
	assert_failure 2
	assert_stderr "vitool: drive: set 1=maybe: the value must be 0, 1, low, high, off, on, inactive or active"
}

@test "wait: gpiomon's timestamp on each event line" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir button in irq button rising wait button --timeout 20000
	wait_armed 1
	ginject button=1
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	[[ $BG_OUT =~ ^event:\ RISING\ EDGE\ offset:\ 1\ name:\ \"button\"\ timestamp:\ \[\ *[0-9]+\.[0-9]{9}\]$ ]] ||
		fail "event line: '$BG_OUT'"
}

@test "wait -n COUNT: that many events, both edges named by the level as Linux does" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir button in irq button both wait button -n 3 --timeout 20000
	wait_armed 1
	ginject button=1 --wait
	assert_success
	wait_armed 1
	ginject button=0 --wait
	assert_success
	wait_armed 1
	ginject button=1 --wait
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$BG_OUT")" "event: RISING EDGE offset: 1 name: \"button\"${NL}event: FALLING EDGE offset: 1 name: \"button\"${NL}event: RISING EDGE offset: 1 name: \"button\""
	# timestamps never go back
	local t
	t=$(sed -E 's/.*timestamp: \[ *([0-9.]+)\]$/\1/' <<<"$BG_OUT" | sort -n -c && echo sorted)
	[ "$t" = sorted ] || fail "timestamps out of order: $BG_OUT"
}

@test "wait -n COUNT with too few events: the count is said, exit 1" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir button in irq button rising wait button -n 2 --timeout 1500
	wait_armed 1
	ginject button=1 --wait
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 1
	assert_equal "$(no_ts "$BG_OUT")" 'event: RISING EDGE offset: 1 name: "button"'
	assert_equal "$BG_ERR" "vitool: drive: wait button: 1 of 2 events within 1500 ms"
}

@test "wait -n 0: every event until the timeout, exit 0" {
	start_gpio_serve --names "$NAMES"
	gdrive dir button in irq button rising wait button -n 0 --timeout 300
	assert_success
	assert_output ""
}

@test "wait on several lines: whichever fires, with its offset and name" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 2 in dir 3 in irq 2 falling irq 3 rising wait irq-a irq-b -n 2 --timeout 20000
	wait_armed 2
	wait_armed 3
	ginject irq-b=1 --wait
	assert_success
	ginject irq-a=1
	assert_success
	ginject irq-a=0 --wait
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	assert_equal "$(no_ts "$BG_OUT")" "event: RISING EDGE offset: 3 name: \"irq-b\"${NL}event: FALLING EDGE offset: 2 name: \"irq-a\""
}

@test "wait --format: gpiomon's specifiers %o %l %e %E %S %s %n %%" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir button in irq button falling wait button --format '%o|%l|%e|%E|%S|%s.%n|%%|%x' --timeout 20000
	ginject button=1
	assert_success
	wait_armed 1
	ginject button=0
	assert_success
	bg_wait w
	assert_equal "$BG_STATUS" 0
	[[ $BG_OUT =~ ^1\|button\|2\|falling\|([0-9]+)\.([0-9]{9})\|([0-9]+)\.([0-9]+)\|%\|%x$ ]] || fail "line: '$BG_OUT'"
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[3]}" ] || fail "%S and %s disagree: $BG_OUT"
	[ "$((10#${BASH_REMATCH[2]}))" = "${BASH_REMATCH[4]}" ] || fail "%S and %n disagree: $BG_OUT"
	# an unnamed line is "unnamed", as gpiomon prints it
	stop_serve
	start_gpio_serve --lines 2
	bg_drive w2 dir 1 in irq 1 rising wait 1 --format '%o %l %E' --timeout 20000
	wait_armed 1
	ginject 1=1
	assert_success
	bg_wait w2
	assert_equal "$BG_OUT" "1 unnamed rising"
}

@test "wait's options: bad values are refused before connecting" {
	gdrive --connect-timeout 0 wait 1 -n x
	assert_failure 2
	assert_stderr "vitool: drive: wait 1: -n wants a number of events (0: until the timeout)"
	gdrive --connect-timeout 0 wait 1 --frob 3
	assert_failure 2
	assert_stderr "vitool: drive: wait 1: unknown option '--frob' (--timeout MS, -n COUNT, --format FMT)"
	gdrive --connect-timeout 0 wait 1 --format
	assert_failure 2
	assert_stderr "vitool: drive: wait 1: --format wants a value"
}

# ---- a new front-end is a new driver ----------------------------------------------

@test "a new front-end finds the device as after a reset: no stale event, lines released" {
	need_socat
	start_gpio_serve --names "$NAMES"
	gdrive dir led out set led=1 dir button in irq button rising
	assert_success
	# an edge after the first driver left: latched for it
	ginject button=1
	assert_success
	run ctl_line 1
	assert_output --partial '"irq":"edge-rising","armed":false,"latched":true'
	# a second driver: its first ring resets the device
	gdrive get led
	assert_success
	assert_output "0"
	run ctl_cmd lines
	assert_output '{"ok":true,"lines":[{"line":0,"name":"led","direction":"none","value":0,"irq":"none","armed":false,"latched":false,"irqs":0},{"line":1,"name":"button","direction":"none","value":1,"irq":"none","armed":false,"latched":false,"irqs":0},{"line":2,"name":"irq-a","direction":"none","value":0,"irq":"none","armed":false,"latched":false,"irqs":0},{"line":3,"name":"irq-b","direction":"none","value":0,"irq":"none","armed":false,"latched":false,"irqs":0}]}'
	# the stale edge is not delivered; the interrupt is off
	gdrive wait button --timeout 3000
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: drive: wait button: the device returned the buffer INVALID: line 1's interrupt is off (a front-end starts with every interrupt off: irq 1 TYPE first, in the same run)"
}

@test "a new front-end's driver arms afresh: an edge before it armed is not its event" {
	start_gpio_serve --names "$NAMES"
	gdrive dir button in irq button rising
	assert_success
	ginject button=1
	assert_success
	# the same set-up again: the old latch is gone, nothing comes
	gdrive dir button in irq button rising wait button --timeout 300
	assert_failure 1
	assert_stderr "vitool: drive: wait button: no interrupt within 300 ms"
}

# ---- -i NAME: the instance's vhost-user socket ----------------------------------------

@test "drive -i NAME drives the running instance of that name" {
	start_gpio_serve --names "$NAMES"
	ginject button=1
	assert_success
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive gpio -i gpio dir button in get button
	assert_success
	assert_output "1"
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive gpio --name gpio info
	assert_success
	assert_line "ngpio: 4"
}

@test "drive -i: an unknown name, an instance of another type, -i with --socket" {
	start_gpio_serve --names "$NAMES"
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive gpio -i nosuch get 0
	assert_failure 1
	assert_output ""
	[[ $stderr == "vitool: drive: "*nosuch* ]] || fail "stderr: $stderr"
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive i2c -i gpio r1@0x50
	assert_failure 1
	assert_output ""
	[[ $stderr == "vitool: drive: "*gpio* ]] || fail "stderr: $stderr"
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive gpio -i gpio -S "$SOCK" get 0
	assert_failure 2
	assert_stderr "vitool: drive: --socket and --name both say where the backend is: give one"
}
