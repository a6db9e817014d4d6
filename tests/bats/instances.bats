#!/usr/bin/env bats
# Instances have names (issue 10): `vitool list` and `trace -D` print the
# running ones; trace and inject take -i NAME, --control PATH (a name given
# there is taken as the name) or, for inject, a bare name, and pick the only
# instance of their device type when none is given; a vhost-user socket
# given as control socket is said at once; a second serve on a name in use
# refuses.  Each test has its own XDG_RUNTIME_DIR (helpers.bash): instances
# anybody else runs never show.

load gpio_helpers

I2C_SOCK=

setup() {
	gpio_setup
	I2C_SOCK="$BATS_TEST_TMPDIR/i2c.sock"
}

teardown() {
	gpio_teardown
}

# start_i2c [ARGS...]: a `serve i2c` on $I2C_SOCK (name i2c) in the
# background, as bg_start's "i2c"; waits for its control socket.
start_i2c() {
	bg_start i2c "$VITOOL" serve i2c --socket "$I2C_SOCK" --target 0x50=24c02 "$@"
	wait_for 5 test -S "$XDG_RUNTIME_DIR/vitool/i2c.ctl" ||
		fail "serve i2c did not start: $(cat "$BATS_TEST_TMPDIR/i2c.err")"
}

# timed_inject MS ARGS...: ginject ARGS, failing the test when it took MS
# or longer (a mistaken socket must not hang).
timed_inject() {
	local limit=$1 t0 t1
	shift
	t0=$(now_ms)
	ginject "$@"
	t1=$(now_ms)
	(((t1 - t0) < limit)) || fail "inject $* took $((t1 - t0)) ms"
}

serve_pid() {
	pgrep -P "$1" || fail "no serve process under $1"
}

# ---- list ------------------------------------------------------------------------

@test "list: none running prints nothing on stdout (a note on stderr), exit 0; --json an empty array" {
	run_vitool list
	assert_success
	assert_output ""
	assert_stderr "vitool: list: no running instance (looked in $XDG_RUNTIME_DIR/vitool)"
	run_vitool trace -D
	assert_success
	assert_output ""
	assert_stderr "vitool: trace: no running instance (looked in $XDG_RUNTIME_DIR/vitool)"
	run_vitool list --json
	assert_success
	assert_output "[]"
}

@test "list: name, device, pid, front-end, socket and control of each instance" {
	start_gpio_serve --lines 2
	start_i2c
	local gpid ipid dir="$XDG_RUNTIME_DIR/vitool"
	gpid=$(serve_pid "$SERVE_PID")
	ipid=$(serve_pid "${BG_PID[i2c]}")
	run_vitool list
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_regex "${lines[0]}" '^NAME +DEVICE +PID +FRONT-END +SOCKET +CONTROL$'
	assert_regex "${lines[1]}" "^gpio +gpio +$gpid +- +$SOCK +$dir/gpio.ctl\$"
	assert_regex "${lines[2]}" "^i2c +i2c +$ipid +- +$I2C_SOCK +$dir/i2c.ctl\$"
	run_vitool list --json
	assert_success
	assert_output "[{\"name\":\"gpio\",\"device\":\"gpio\",\"socket\":\"$SOCK\",\"control\":\"$dir/gpio.ctl\",\"connected\":false,\"pid\":$gpid},{\"name\":\"i2c\",\"device\":\"i2c\",\"socket\":\"$I2C_SOCK\",\"control\":\"$dir/i2c.ctl\",\"connected\":false,\"pid\":$ipid}]"
}

@test "list: a connected front-end shows; the socket path is absolute when serve got a relative one" {
	cd "$BATS_TEST_TMPDIR"
	SOCK=gpio.sock
	start_gpio_serve --lines 2
	SOCK="$BATS_TEST_TMPDIR/gpio.sock"
	bg_drive w dir 1 in irq 1 rising wait 1 --timeout 20000
	wait_armed 1
	run_vitool list
	assert_success
	assert_regex "${lines[1]}" "^gpio +gpio +[0-9]+ +connected +$SOCK "
}

@test "list and trace -D skip a killed instance's stale control socket" {
	start_gpio_serve --lines 2
	start_i2c
	kill -KILL "$(serve_pid "${BG_PID[i2c]}")"
	wait_for 5 eval '! bg_alive i2c' || fail "serve i2c did not die"
	[ -S "$XDG_RUNTIME_DIR/vitool/i2c.ctl" ] || fail "expected the stale control socket to remain"
	run_vitool list
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[1]}" '^gpio '
	local listed=$output
	run_vitool trace -D
	assert_success
	assert_output "$listed"
}

@test "list: usage errors exit 2" {
	run_vitool list extra
	assert_failure 2
	assert_stderr "vitool: list: unexpected argument 'extra'"
	run_vitool list --frob
	assert_failure 2
	assert_stderr "vitool: list: unknown option '--frob' (see 'vitool list --help')"
	run_vitool list --help
	assert_success
	assert_output --partial "usage: vitool list [--json]"
}

# ---- serve: names are not shared -------------------------------------------------

@test "a second serve on a default name in use refuses, naming the running one" {
	start_gpio_serve --lines 2
	local pid
	pid=$(serve_pid "$SERVE_PID")
	mkdir "$BATS_TEST_TMPDIR/b"
	run_vitool serve gpio --socket "$BATS_TEST_TMPDIR/b/gpio.sock" --lines 2
	assert_failure 1
	assert_stderr "vitool: serve: instance gpio is already running (gpio, pid $pid, socket $SOCK, control $CTL): give this one another name with --name NAME (-i NAME)"
	[ ! -e "$BATS_TEST_TMPDIR/b/gpio.sock" ] || fail "the refused serve left its vhost-user socket behind"
	# with --name it runs next to the first
	bg_start second "$VITOOL" serve gpio --socket "$BATS_TEST_TMPDIR/b/gpio.sock" -i gpio2 --lines 2
	wait_for 5 test -S "$XDG_RUNTIME_DIR/vitool/gpio2.ctl" || fail "serve -i gpio2 did not start"
	run_vitool list
	assert_equal "${#lines[@]}" 3
	assert_regex "${lines[2]}" "^gpio2 +gpio .* $BATS_TEST_TMPDIR/b/gpio.sock "
}

@test "serve says its name, device and sockets at start-up without -v; --quiet does not" {
	start_gpio_serve --lines 2
	wait_for 5 test -s "$SERVE_ERR" || fail "serve printed nothing on stderr"
	assert_equal "$(cat "$SERVE_ERR")" "vitool: serve: gpio instance gpio listening on $SOCK${NL}vitool: serve: control socket $CTL"
	stop_serve
	start_gpio_serve --lines 2 --quiet
	sleep 0.2
	assert_equal "$(cat "$SERVE_ERR")" ""
}

# ---- serve: the command line ----------------------------------------------------

@test "serve: the device word may follow options (-S X i2c)" {
	bg_start i2c "$VITOOL" serve -S "$I2C_SOCK" --target 0x50=24c02 i2c
	wait_for 5 test -S "$XDG_RUNTIME_DIR/vitool/i2c.ctl" ||
		fail "serve -S X --target T i2c did not start: $(cat "$BATS_TEST_TMPDIR/i2c.err")"
	run_vitool drive i2c --socket "$I2C_SOCK" w1@0x50 0x00 r1
	assert_success
	run_vitool serve --quiet -S "$BATS_TEST_TMPDIR/x.sock"
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "vitool: serve: which device? (i2c, gpio, scmi, blk, rng)"
	run_vitool serve -S "$BATS_TEST_TMPDIR/x.sock" nosuch
	assert_failure 2
	assert_stderr "vitool: serve: unknown device 'nosuch' (i2c, gpio, scmi, blk, rng)"
}

@test "serve: short options per vitool(1)'s table: -S socket, -i name, -s snaplen; the old ones say their new form" {
	bg_start a "$VITOOL" serve gpio -S "$SOCK" -i board -w "$BATS_TEST_TMPDIR/c.pcap" -s 100 --lines 2
	wait_for 5 test -S "$XDG_RUNTIME_DIR/vitool/board.ctl" || fail "serve -S -i -w -s did not start: $(cat "$BATS_TEST_TMPDIR/a.err")"
	run_vitool serve gpio -s "$SOCK"
	assert_failure 2
	assert_stderr "vitool: serve: -s $SOCK: -s is the snap length now; the socket is -S, --socket"
	run_vitool serve gpio -S "$SOCK" -n x
	assert_failure 2
	assert_stderr "vitool: serve: -n is now -i, --name (see 'vitool serve --help')"
	run_vitool serve gpio -S "$SOCK" -l 4
	assert_failure 2
	assert_stderr "vitool: serve: -l is now --lines (see 'vitool serve --help')"
	run_vitool serve gpio -S "$SOCK" -c gpiochip0
	assert_failure 2
	assert_stderr "vitool: serve: -c is now --chip (see 'vitool serve --help')"
	run_vitool serve i2c -S "$SOCK" -t 0x50=24c02
	assert_failure 2
	assert_stderr "vitool: serve: -t is now --target (see 'vitool serve --help')"
}

@test "a message longer than 512 bytes reaches stderr whole" {
	local long="$BATS_TEST_TMPDIR/$(printf 'd%.0s' {1..700}).sock"
	run_vitool serve i2c --socket "$long"
	assert_failure 1
	assert_stderr "vitool: serve: cannot listen on $long: socket path too long (at most 107 bytes)"
}

# ---- which instance: inject ------------------------------------------------------

@test "inject with an i2c and a gpio instance running picks the gpio one" {
	need_socat
	start_i2c
	start_gpio_serve --lines 2
	ginject 1=1
	assert_success
	assert_stderr ""
	run ctl_line 1
	assert_output --partial '"value":1'
}

@test "inject on an i2c instance says so, by name, bare name, --control PATH or as the only one" {
	start_i2c
	local want="vitool: inject: i2c is an i2c instance; inject needs a gpio instance"
	ginject -i i2c 1=1
	assert_failure 1
	assert_stderr "$want"
	run_vitool inject i2c 1=1
	assert_failure 2
	assert_stderr "vitool: inject: an i2c device takes no inject: inject needs a gpio instance"
	ginject --control "$XDG_RUNTIME_DIR/vitool/i2c.ctl" 1=1
	assert_failure 1
	assert_stderr "$want"
	ginject 1=1
	assert_failure 1
	assert_stderr "vitool: inject: no running gpio instance (running: i2c (i2c))"
}

@test "inject: -i NAME, a bare NAME, and -C NAME (a name where a path was expected)" {
	need_socat
	start_gpio_serve --lines 2
	mkdir "$BATS_TEST_TMPDIR/b"
	bg_start b "$VITOOL" serve gpio --socket "$BATS_TEST_TMPDIR/b/gpio.sock" --name board --lines 2
	local bctl="$XDG_RUNTIME_DIR/vitool/board.ctl"
	wait_for 5 test -S "$bctl" || fail "serve --name board did not start"
	ginject 1=1
	assert_failure 1
	assert_stderr "vitool: inject: several gpio instances running: board (gpio), gpio (gpio); choose one with -i NAME"
	ginject -i board 1=1
	assert_success
	run ctl_cmd lines "$bctl"
	assert_output --partial '{"line":1,"name":"","direction":"none","value":1,'
	assert_equal "$(ctl_line 1 | grep -o '"value":[0-9]')" '"value":0'
	run_vitool inject board 0=1
	assert_success
	ginject board 1=0
	assert_success
	run ctl_cmd lines "$bctl"
	assert_output --partial '{"line":0,"name":"","direction":"none","value":1,'
	assert_output --partial '{"line":1,"name":"","direction":"none","value":0,'
	cd "$BATS_TEST_TMPDIR"
	ginject -C gpio 1=1
	assert_success
	assert_equal "$(ctl_line 1 | grep -o '"value":[0-9]')" '"value":1'
	ginject -i nosuch 1=1
	assert_failure 1
	assert_stderr "vitool: inject: no running instance named 'nosuch' (running: board (gpio), gpio (gpio))"
	ginject -C nosuch 1=1
	assert_failure 1
	assert_stderr "vitool: inject: no control socket at nosuch, and no running instance named 'nosuch' (running: board (gpio), gpio (gpio))"
	ginject board -i gpio 1=1
	assert_failure 2
	assert_stderr "vitool: inject: 'board' and --name both name the instance: give one"
}

@test "inject: short options per vitool(1)'s table; the old ones say their long form" {
	need_socat
	start_gpio_serve --lines 2
	ginject -C "$CTL" 1=1
	assert_success
	local o now
	for o in "-c $CTL:-C, --control" "-p 100:--pulse" "-w:--wait" "-t 100:--timeout"; do
		now=${o#*:}
		# shellcheck disable=SC2086
		ginject 1=1 ${o%%:*}
		assert_failure 2
		assert_stderr "vitool: inject: -${o:1:1} is now $now (see 'vitool inject --help')"
	done
}

# ---- a vhost-user socket where a control socket is expected ------------------------

@test "a vhost-user socket given as control socket is said at once, for inject and trace" {
	start_gpio_serve --lines 2
	timed_inject 1000 --control "$SOCK" 1=1
	assert_failure 1
	assert_stderr "vitool: inject: $SOCK is the vhost-user socket of instance gpio; its control socket is $CTL (or use -i gpio)"
	run_vitool trace --control "$SOCK"
	assert_failure 1
	assert_stderr "vitool: trace: $SOCK is the vhost-user socket of instance gpio; its control socket is $CTL (or use -i gpio)"
	# the serve is untouched: no front-end got connected by the mistake
	run_vitool list --json
	assert_output --partial '"connected":false'
}

@test "a socket that is no control socket (another vhost-user backend) gives up after 1 s, not 5" {
	command -v python3 >/dev/null || skip "python3 not installed"
	local other="$BATS_TEST_TMPDIR/other.sock"
	bg_start other python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
c=s.accept(); time.sleep(30)' "$other"
	wait_for 5 test -S "$other" || fail "no listener"
	timed_inject 3000 --control "$other" 1=1
	assert_failure 1
	assert_stderr_regex "^vitool: inject: $other does not answer as a vitool control socket \\("
}

# ---- which instance: trace -------------------------------------------------------

@test "trace -i NAME attaches to that instance; unknown names list the running ones" {
	start_gpio_serve --lines 2
	start_i2c
	run_vitool trace -i nosuch
	assert_failure 1
	assert_stderr "vitool: trace: no running instance named 'nosuch' (running: gpio (gpio), i2c (i2c))"
	run_vitool trace
	assert_failure 1
	assert_stderr "vitool: trace: several vitool instances running: gpio (gpio), i2c (i2c); choose one with -i NAME"
	need_socat
	bg_start t "$VITOOL" trace -i i2c -c 1 -U
	# attached: the i2c instance counts a trace subscriber
	wait_for 5 eval 'printf "trace-stats\n" | timeout 2 socat - "UNIX-CONNECT:$XDG_RUNTIME_DIR/vitool/i2c.ctl" |
		grep -q "\"subscribers\":1"' || fail "trace -i i2c did not attach: $(cat "$BATS_TEST_TMPDIR/t.err")"
	run_vitool drive i2c --socket "$I2C_SOCK" w1@0x50 0x00 r1
	assert_success
	bg_wait t
	assert_equal "$BG_STATUS" 0
	[[ $BG_OUT == *i2c* ]] || fail "trace -i i2c printed: $BG_OUT"
	run_vitool trace -i i2c -C "$CTL"
	assert_failure 2
	assert_stderr "vitool: trace: -i and --control both name the instance: give one"
}

# ---- README ------------------------------------------------------------------------

@test "README's control-socket example works as written, with XDG_RUNTIME_DIR and without (root)" {
	need_socat
	local snippet
	snippet=$(grep -A1 '^    dir=\${XDG_RUNTIME_DIR' "$BATS_TEST_DIRNAME/../../README.md" | sed 's/^    //')
	[[ $snippet == *socat* ]] || fail "README has no dir=... / socat example: $snippet"
	start_gpio_serve --names led,button
	run bash -c "$snippet"
	assert_success
	assert_output --partial '{"ok":true,"lines":[{"line":0,"name":"led",'
	# where XDG_RUNTIME_DIR is unset it names vitool's fallback directory
	# (vt_ctl_dir: tests/unit/test_ctl.c)
	run env -u XDG_RUNTIME_DIR bash -c "${snippet%%$'\n'*}; echo \"\$dir\""
	assert_output "/tmp/vitool-$(id -u)"
	run env XDG_RUNTIME_DIR= bash -c "${snippet%%$'\n'*}; echo \"\$dir\""
	assert_output "/tmp/vitool-$(id -u)"
}
