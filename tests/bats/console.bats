#!/usr/bin/env bats
# `vitool console`: a shell on a running instance.  Non-interactive runs
# (-c, -f, a pipe) are checked on their output and exit status; the
# readline shell through a pseudo-terminal (pty_session.py), on what the
# screen shows: completion, history across sessions, trace records above a
# half-typed line, Ctrl-C, Ctrl-D, the instance's exit and `connect`.

load gpio_helpers

NAMES=led,reset,button

setup() {
	gpio_setup
	# The history of this test only; no ~/.inputrc of whoever runs it.
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/state"
	export HOME="$BATS_TEST_TMPDIR/home"
	export INPUTRC=/dev/null
	mkdir -p "$HOME"
}

teardown() {
	gpio_teardown
}

console() {
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" console "$@"
}

# pty STEPS...: `vitool console ARGS` (from $PTY_ARGS) on a pty, the steps
# of pty_session.py on standard input; bounded.
pty() {
	# shellcheck disable=SC2086
	run timeout 90 python3 "$BATS_TEST_DIRNAME/pty_session.py" --limit 80 -- "$VITOOL" console $PTY_ARGS
}

PTY_ARGS=

# ---- -c, -f, pipes -------------------------------------------------------------

@test "console -c: replies as tables and key/value lines, not JSON" {
	start_gpio_serve --names "$NAMES"
	console -c 'info; lines'
	assert_success
	assert_stderr ""
	assert_line --regexp '^device +gpio$'
	assert_line --regexp '^ngpio +3$'
	assert_line --regexp '^simulated +yes$'
	assert_line --regexp '^LINE +NAME +DIRECTION +VALUE +IRQ +ARMED +LATCHED +IRQS$'
	assert_line --regexp '^2 +button +none +0 +none +no +no +0$'
	refute_output --partial '{'
}

@test "console -c 'inject button=1; inflight': both run, the level is set" {
	start_gpio_serve --names "$NAMES"
	console -c 'inject button=1; inflight'
	assert_success
	assert_output "set; 0 interrupts delivered${NL}no requests in flight"
	run ctl_line 2
	assert_output --partial '"value":1'
}

@test "console -c: the first failing command ends it with status 1" {
	start_gpio_serve --names "$NAMES"
	console -c 'inject button=1; inject nosuch=1; inject led=1'
	assert_failure 1
	assert_output "set; 0 interrupts delivered"
	assert_stderr "vitool: console: inject: unknown line 'nosuch'"
	# the command after the failure did not run
	run ctl_line 0
	assert_output --partial '"value":0'
}

@test "console from a pipe: same output as -c, status 1 at an unknown command" {
	start_gpio_serve --names "$NAMES"
	console -c 'lines; fault list; info'
	assert_success
	local want=$output
	run --separate-stderr bash -c "printf 'lines\nfault list\ninfo\n' | timeout $VT_FG_LIMIT '$VITOOL' console"
	assert_success
	assert_output "$want"
	run --separate-stderr bash -c "printf 'lines\nbogus\ninfo\n' | timeout $VT_FG_LIMIT '$VITOOL' console"
	assert_failure 1
	assert_stderr "vitool: console: bogus: unknown command 'bogus' (try help)"
	assert_output "$(head -n 4 <<<"$want")"
}

@test "console -f FILE runs the file's commands; a last line without newline counts" {
	start_gpio_serve --names "$NAMES"
	printf 'inject led=1\n\n  lines' >"$BATS_TEST_TMPDIR/cmds"
	console -f "$BATS_TEST_TMPDIR/cmds"
	assert_success
	assert_line --regexp '^0 +led +none +1 '
	console -f "$BATS_TEST_TMPDIR/nonexistent"
	assert_failure 1
	assert_stderr_contains "nonexistent: No such file or directory"
}

@test "console -f /dev/zero: a line longer than the control socket takes ends it, in bounded memory" {
	start_gpio_serve --names "$NAMES"
	# The batch reader grew its buffer for as long as no newline came.
	run --separate-stderr timeout "$VT_FG_LIMIT" bash -c 'ulimit -v "$1" && exec "$VITOOL" console -f /dev/zero' \
		_ "$(vt_mem_limit_kb 300000)"
	assert_failure 1
	assert_stderr_contains "line 1: longer than 4096 bytes"
	# a line just within the limit still goes to the instance (which says
	# what it is)
	{ printf 'frob'; printf ' %.0s' {1..4092}; printf '\n'; } >"$BATS_TEST_TMPDIR/long"
	console -f "$BATS_TEST_TMPDIR/long"
	assert_failure 1
	assert_stderr_contains "unknown command 'frob'"
}

@test "console: json on (and -j) prints the instance's replies unchanged" {
	need_socat
	start_gpio_serve --names "$NAMES"
	local want
	want=$(ctl_cmd lines)
	console -c 'json on; lines'
	assert_success
	assert_output "$want"
	console -j -c 'lines; json off; json'
	assert_success
	assert_output "$want${NL}json off"
	# a failure is shown raw too, and still fails
	console -j -c 'bogus'
	assert_failure 1
	assert_output '{"ok":false,"error":"unknown command '"'"'bogus'"'"' (try help)"}'
}

@test "console help: every command of the instance's own help, and the console's" {
	need_socat
	start_gpio_serve --names "$NAMES"
	console -c help
	assert_success
	local names n
	names=$(ctl_cmd help | python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(sys.stdin)["commands"]))')
	for n in $names; do
		assert_line --regexp "^  $n( |$)"
	done
	for n in connect instances json quit; do
		assert_line --regexp "^  $n( |$)"
	done
	assert_line '  inject LINE=LEVEL... [pulse MS] [wait MS]'
	console -c 'help fault'
	assert_success
	assert_line 'fault add RULE | list | del ID | clear'
	assert_line '  kind: delay, fail, hold, reorder'
	assert_line '  selector: line, value'
	console -c 'help inject'
	assert_success
	assert_line '  level: 0, 1, low, high, off, on, inactive, active, toggle'
	console -c 'help nosuch'
	assert_failure 1
	assert_stderr "vitool: console: help: no command 'nosuch'"
}

@test "console: a held request in inflight, fault list, release" {
	start_gpio_serve --names "$NAMES" --fault 'hold line 1 type get-value'
	bg_drive held --timeout 20000 get 1
	wait_for 5 eval '[[ $(ctl_cmd inflight) == *GET_VALUE* ]]' || fail "the get was not held"
	console -c 'inflight; fault list'
	assert_success
	assert_line --regexp '^Q +ID +HEAD +AGE +FAULT +SUMMARY$'
	assert_line --regexp '^0 +[0-9]+ +[0-9]+ +[0-9]+ms +hold \(rule 1\) +GET_VALUE line 1$'
	assert_line --regexp '^1 +hold line 1 type get-value +hold +1 +1 +1$'
	console -c 'release all; fault clear; fault list'
	assert_success
	assert_output "released 1 request${NL}ok${NL}no fault rules"
	bg_wait held
	assert_equal "$BG_STATUS" 0
}

@test "console: i2c info lists the simulated targets" {
	timeout "$VT_BG_LIMIT" "$VITOOL" serve i2c --socket "$BATS_TEST_TMPDIR/i2c.sock" \
		--target 0x50=24c02 --target 0x20=regs >"$SERVE_OUT" 2>"$SERVE_ERR" </dev/null 3>&- &
	SERVE_PID=$!
	wait_for 5 test -S "$XDG_RUNTIME_DIR/vitool/i2c.ctl" || fail "no i2c instance"
	console -c info
	assert_success
	assert_line --regexp '^bus +sim$'
	assert_line 'targets:'
	assert_line --regexp '^  ADDR +MODEL$'
	assert_line --regexp '^  0x20 +regs$'
	assert_line --regexp '^  0x50 +24c02$'
}

@test "console -c 'trace used': records until SIGINT, then the count" {
	start_gpio_serve --names "$NAMES"
	bg_start tr "$VITOOL" console -c 'trace used'
	wait_for 5 grep -q 'listening on gpio' "$BATS_TEST_TMPDIR/tr.err" || fail "trace did not start"
	gdrive get 2
	assert_success
	wait_for 5 grep -q 'used GET_VALUE line 2' "$BATS_TEST_TMPDIR/tr.out" || fail "no record"
	kill -INT "${BG_PID[tr]}"
	bg_wait tr
	assert_equal "$BG_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/tr.out"
	assert_output --regexp "^$VT_TS gpio q0 #[0-9]+ used GET_VALUE line 2 -> OK value 0 [0-9.]+[mun]?s$"
	run cat "$BATS_TEST_TMPDIR/tr.err"
	assert_line '1 record captured, 0 dropped'
}

@test "console: usage errors exit 2, no instance exits 1" {
	console -i a -C b
	assert_failure 2
	assert_stderr "vitool: console: -i and --control both name the instance: give one"
	console -c x -f y
	assert_failure 2
	console --bogus
	assert_failure 2
	assert_stderr "vitool: console: unknown option '--bogus' (see 'vitool console --help')"
	console -c info
	assert_failure 1
	assert_stderr_contains "vitool: console: no running vitool instance"
	console --help
	assert_success
	assert_output --partial 'usage: vitool console'
}

# ---- the readline shell ----------------------------------------------------------

@test "console on a terminal: Tab completes command names and line names" {
	start_gpio_serve --names "$NAMES"
	pty <<'EOF'
expect_row '^gpio>$'
send 'inf\t\t'
expect '^inflight +info$'
send 'l\t'
expect_row '^gpio> inflight$'
send '\x15inject bu\t'
expect_row '^gpio> inject button=$'
send '\t\t'
expect '^button=0 +button=active +button=inactive +button=off +button=toggle$'
expect '^button=1 +button=high +button=low +button=on$'
send 'hi\t'
expect_row '^gpio> inject button=high$'
send '\r'
expect 'set; 0 interrupts delivered'
expect_row '^gpio>$'
send '\x04'
exit 0
EOF
	assert_success
	run ctl_line 2
	assert_output --partial '"value":1'
}

@test "console on a terminal: fault words from the instance, request ids in flight" {
	start_gpio_serve --names "$NAMES" --fault 'hold line 1 type get-value'
	bg_drive held --timeout 20000 get 1
	wait_for 5 eval '[[ $(ctl_cmd inflight) == *GET_VALUE* ]]' || fail "the get was not held"
	local id
	id=$(ctl_cmd inflight | grep -oE '"id":[0-9]+' | head -n 1 | cut -d: -f2)
	pty <<EOF
expect_row '^gpio>$'
send 'fault add ho\t'
expect_row '^gpio> fault add hold$'
send 'type get-v\t'
expect_row '^gpio> fault add hold type get-value$'
send 'line \t\t'
expect '^0 +1 +2$'
send '\x15release \t\t'
expect '^$id +all$'
send '$id\r'
expect 'released 1 request'
expect_row '^gpio>$'
send '\x04'
exit 0
EOF
	assert_success
	bg_wait held
	assert_equal "$BG_STATUS" 0
}

@test "console on a terminal: history is recalled after a restart" {
	start_gpio_serve --names "$NAMES"
	pty <<'EOF'
expect_row '^gpio>$'
send 'inject reset=1\r'
expect 'set;'
expect_row '^gpio>$'
send 'quit\r'
exit 0
EOF
	assert_success
	[ -s "$XDG_STATE_HOME/vitool/history" ] || fail "no history file in $XDG_STATE_HOME/vitool"
	pty <<'EOF'
expect_row '^gpio>$'
send '\x1b[A'
expect_row '^gpio> quit$'
send '\x1b[A'
expect_row '^gpio> inject reset=1$'
send '\x15\x04'
exit 0
EOF
	assert_success
}

@test "console on a terminal: trace records arrive above a half-typed command, which survives" {
	start_gpio_serve --names "$NAMES"
	pty <<EOF
expect_row '^gpio>$'
send 'trace used\r'
expect "^listening on gpio \\(gpio\\), filter: used; 'trace off' or Ctrl-C stops$"
send 'inject butt'
expect_row '^gpio> inject butt$'
sh 'timeout 10 "$VITOOL" drive gpio --socket "$SOCK" get 2 >/dev/null'
expect 'gpio q0 #[0-9]+ used GET_VALUE line 2 -> OK value 0'
expect_row '^gpio> inject butt$'
send 'on=1\r'
expect 'set; 0 interrupts delivered'
expect_row '^gpio>$'
sh 'timeout 10 "$VITOOL" drive gpio --socket "$SOCK" get 2 >/dev/null'
expect 'used GET_VALUE line 2 -> OK value 1'
send '\x04'
exit 0
EOF
	assert_success
}

@test "console on a terminal: Ctrl-C stops a trace, then clears the line; Ctrl-D quits" {
	start_gpio_serve --names "$NAMES"
	pty <<EOF
expect_row '^gpio>$'
send 'trace used\r'
expect 'listening on gpio'
send 'lin'
expect_row '^gpio> lin$'
send '\x03'
expect '^0 records captured, 0 dropped$'
expect_row '^gpio> lin$'
sh 'timeout 10 "$VITOOL" drive gpio --socket "$SOCK" get 2 >/dev/null'
send 'es'
expect_row '^gpio> lines$'
send '\x03'
expect '^gpio> lines\\^C$'
expect_row '^gpio>$'
send '\r'
absent 'used GET_VALUE'
absent 'LINE +NAME'
send '\x04'
exit 0
EOF
	assert_success
}

@test "console on a terminal: the instance's exit is said; connect works once it is back" {
	start_gpio_serve --names "$NAMES"
	pty <<EOF
expect_row '^gpio>$'
send 'li'
sh 'kill $SERVE_PID'
expect "^vitool: console: instance gpio exited \\(its control socket closed\\); 'connect' when it is back$"
expect_row '^gpio \\(gone\\)> li$'
send 'nes\r'
expect 'lines: not connected: instance gpio exited'
send 'connect\r'
expect "connect: no running instance named 'gpio'"
sh 'timeout 60 "$VITOOL" serve gpio --socket "$SOCK" --names $NAMES -q >/dev/null 2>&1 </dev/null & echo \$! >"$BATS_TEST_TMPDIR/serve2.pid"; i=0; while [ ! -S "$CTL" ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i+1)); done'
send 'connect\r'
expect '^connected to gpio \\(gpio, pid [0-9]+\\)$'
expect_row '^gpio>$'
send 'lines\r'
expect '^2 +button +none'
expect_row '^gpio>$'
send '\x04'
exit 0
EOF
	local pid2
	pid2=$(cat "$BATS_TEST_TMPDIR/serve2.pid" 2>/dev/null) || true
	[ -z "$pid2" ] || VT_BG_PIDS+=("$pid2")
	assert_success
}
