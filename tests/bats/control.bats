#!/usr/bin/env bats
# The control socket of `vitool serve`: one command per line, one JSON
# object per reply line, typed with socat the way a person would; where it
# lives, its name, its modes, and who may use it.

load gpio_helpers

NAMES=led,button,irq-a,irq-b

setup() {
	gpio_setup
	need_socat
}

teardown() {
	gpio_teardown
}

# serve_child_pid: the vitool process under the `timeout` that leads it.
serve_child_pid() {
	pgrep -P "$SERVE_PID" || fail "cannot find the serve process under $SERVE_PID"
}

# value_of_line1: line 1's level as the instance reports it.
value_of_line1() {
	ctl_line 1 | grep -oE '"value":[0-9]+' | cut -d: -f2
}

# ---- commands ------------------------------------------------------------------

@test "help: the commands of a gpio instance" {
	start_gpio_serve --names "$NAMES"
	run ctl_cmd help
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^\{"ok":true,"commands":\[\{"name":"help","args":"","help":"[^"]+"\},'
	local c
	for c in help info stats inflight lines inject; do
		assert_output --partial '{"name":"'"$c"'","args":'
	done
	run ctl_cmd help
	assert_output --partial '{"name":"inject","args":"LINE=LEVEL... [pulse MS] [wait MS]",'
}

@test "info: name, pid, device, socket, connected" {
	start_gpio_serve --names "$NAMES"
	local pid
	pid=$(serve_child_pid)
	run ctl_cmd info
	assert_success
	assert_output --regexp '^\{"ok":true,"name":"gpio","pid":'"$pid"',"version":"[^"]+","control":"'"$CTL"'","device":"gpio","socket":"'"$SOCK"'","connected":false,"ngpio":4,"chip":"sim","simulated":true\}$'
}

@test "info: connected is true while a front-end is connected" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 1 in irq 1 rising wait 1 --timeout 20000
	wait_armed 1
	run ctl_cmd info
	assert_output --partial '"connected":true'
	bg_kill w
	wait_for 5 eval 'ctl_cmd info | grep -qF "\"connected\":false"' ||
		fail "still connected after the drive was killed: $(ctl_cmd info)"
}

@test "lines: every line, its name, direction, level, irq type, armed, latched, irqs" {
	start_gpio_serve --names a,b
	run ctl_cmd lines
	assert_success
	assert_output '{"ok":true,"lines":[{"line":0,"name":"a","direction":"none","value":0,"irq":"none","armed":false,"latched":false,"irqs":0},{"line":1,"name":"b","direction":"none","value":0,"irq":"none","armed":false,"latched":false,"irqs":0}]}'
	gdrive dir 0 out set 0=1 dir 1 in irq 1 falling
	assert_success
	ginject b=1
	ginject b=0
	run ctl_cmd lines
	assert_output '{"ok":true,"lines":[{"line":0,"name":"a","direction":"out","value":1,"irq":"none","armed":false,"latched":false,"irqs":0},{"line":1,"name":"b","direction":"in","value":0,"irq":"edge-falling","armed":false,"latched":true,"irqs":0}]}'
}

@test "stats: per-queue counters that grow after a drive" {
	start_gpio_serve --names "$NAMES"
	run ctl_cmd stats
	assert_success
	assert_output --regexp '^\{"ok":true,"connected":false,"uptime_ms":[0-9]+,"features":"0x0","feature_names":"none","queues":\[\{"queue":0,"started":false,"broken":false,"why":null,"size":0,"kicks":0,"calls":0,"avail":0,"used":0,"inflight":0,"max_latency_us":0,"p50_latency_us":0,"p99_latency_us":0,"latency_hist":\[\]\},\{"queue":1,"started":false,"broken":false,"why":null,"size":0,"kicks":0,"calls":0,"avail":0,"used":0,"inflight":0,"max_latency_us":0,"p50_latency_us":0,"p99_latency_us":0,"latency_hist":\[\]\}\],"vhost_user":\{"accepted":0,"accept_failures":0,"accept_backoffs":0\},"faults":\[\],"control":\{"clients":1,"clients_max":64,.*\},"trace":\{"subscribers":0,"subscribers_max":16,.*\}\}$'
	gdrive get 0 get 1 get 2
	assert_success
	run ctl_cmd stats
	assert_output --regexp '^\{"ok":true,"connected":false,"uptime_ms":[0-9]+,"features":"0x[0-9a-f]+","feature_names":"[^"]*","queues":\[\{"queue":0,"started":false,"broken":false,"why":null,"size":0,"kicks":[1-3],"calls":[1-3],"avail":3,"used":3,"inflight":0,"max_latency_us":[0-9]+,"p50_latency_us":[0-9]+,"p99_latency_us":[0-9]+,"latency_hist":\[[0-9,]+\]\},\{"queue":1,[^}]*"avail":0,"used":0,'
	gdrive get 3 get 0
	assert_success
	run ctl_cmd stats
	assert_output --regexp '"queue":0,[^}]*"avail":5,"used":5,"inflight":0,'
}

@test "stats: the latency histogram counts every completion; p50, p99 and max agree with it" {
	start_gpio_serve --names "$NAMES" --fault 'delay 30ms line 2'
	gdrive get 0 get 1 get 0 get 2
	assert_success
	local q0
	q0=$(ctl_cmd stats | jq -c '.queues[0]')
	# 4 completions; the delayed one (30 ms or a little more: element 15,
	# [16384, 32768) us, or later) is the last element, the others far below
	assert_equal "$(jq '.latency_hist | add' <<<"$q0")" 4
	[ "$(jq '.latency_hist | length' <<<"$q0")" -ge 16 ] || fail "$q0"
	assert_equal "$(jq '[.latency_hist | to_entries[] | select(.key >= 15) | .value] | add' <<<"$q0")" 1
	assert_equal "$(jq '.latency_hist[-1]' <<<"$q0")" 1
	local max p50 p99
	max=$(jq .max_latency_us <<<"$q0") p50=$(jq .p50_latency_us <<<"$q0") p99=$(jq .p99_latency_us <<<"$q0")
	[ "$max" -ge 30000 ] || fail "max latency $max us, the delay was 30 ms"
	assert_equal "$p99" "$max"   # the 99th of 4 is the slowest
	[ "$p50" -lt 16384 ] || fail "p50 $p50 us: 3 of 4 were not delayed"
}

@test "stats reset and trace-stats reset: the counters start again from 0; what is in flight stays" {
	start_gpio_serve --names "$NAMES" --fault 'fail line 1' --fault 'hold line 3'
	bg_start tr "$VITOOL" trace
	wait_for 5 eval 'ctl_cmd trace-stats | grep -q "\"subscribers\":1"' || fail "trace did not attach"
	gdrive get 0 get 1
	bg_drive held --timeout 20000 get 3
	wait_for 5 eval 'ctl_cmd inflight | grep -q "GET_VALUE line 3"' || fail "get 3 not in flight"
	run ctl_cmd trace-stats
	assert_output --regexp '"queue":0,"inflight":1,"timeouts":0,"late":0,"out_of_order":0,"errors":1,"drops":0'
	run ctl_cmd "stats reset"
	assert_output --regexp '^\{"ok":true,"reset":true,"connected":true,.*"queue":0,[^}]*"kicks":0,"calls":0,"avail":0,"used":0,"inflight":1,"max_latency_us":0,"p50_latency_us":0,"p99_latency_us":0,"latency_hist":\[\]'
	run ctl_cmd "trace-stats reset"
	assert_output --regexp '^\{"ok":true,"reset":true,.*"queue":0,"inflight":1,"timeouts":0,"late":0,"out_of_order":0,"errors":0,"drops":0'
	run ctl_cmd "stats again"
	assert_output '{"ok":false,"error":"stats: unexpected '"'again'"' (usage: stats [reset])"}'
	run ctl_cmd "trace-stats x"
	assert_output '{"ok":false,"error":"trace-stats: unexpected '"'x'"' (usage: trace-stats [reset])"}'
	ctl_cmd "release all" >/dev/null
	bg_wait held
}

@test "inflight ID: one held request with its chain, segment by segment, bytes in hex" {
	start_gpio_serve --names "$NAMES" --fault 'hold line 3 type get-value'
	bg_drive held --timeout 20000 get 3
	wait_for 5 eval 'ctl_cmd inflight | grep -q "GET_VALUE line 3"' || fail "get 3 not in flight"
	local id
	id=$(ctl_cmd inflight | jq '.requests[0].id')
	run ctl_cmd "inflight $id"
	assert_output --regexp '"summary":"GET_VALUE line 3","chain":\{"indirect":false,"read_len":8,"write_len":2,"segments":\[\{"gpa":[0-9]+,"len":8,"writable":false,"data":"0400030000000000"\},\{"gpa":[0-9]+,"len":2,"writable":true,"data":"[0-9a-f]{4}"\}\]\},"fault":\{"rule":1,"kind":"hold"'
	ctl_cmd "release all" >/dev/null
	bg_wait held
}

@test "stats while a wait is in flight: started queues, one buffer in flight on the eventq" {
	start_gpio_serve --names "$NAMES"
	bg_drive w dir 1 in irq 1 rising wait 1 --timeout 20000
	wait_armed 1
	run ctl_cmd stats
	assert_output --regexp '^\{"ok":true,"connected":true,"uptime_ms":[0-9]+,"features":"0x[0-9a-f]+","feature_names":"[^"]*","queues":\[\{"queue":0,"started":true,'
	assert_output --regexp '\{"queue":1,"started":true,"broken":false,"why":null,"size":64,[^}]*"avail":1,"used":0,"inflight":1,'
	ginject 1=1
	bg_wait w
	assert_equal "$BG_STATUS" 0
}

@test "inflight: a gpio wait made before the caller connected is listed with queue, id, head, age and summary" {
	start_gpio_serve --names "$NAMES"
	run ctl_cmd inflight
	assert_success
	assert_output '{"ok":true,"requests":[]}'
	bg_drive w dir 1 in irq 1 rising wait 1 --timeout 20000
	wait_armed 1
	sleep 0.2
	# A new connection: the request started before it.
	run ctl_cmd inflight
	assert_success
	assert_output --regexp '^\{"ok":true,"requests":\[\{"queue":1,"id":[0-9]+,"head":[0-9]+,"age_ms":[0-9]+,"timed_out":false,"summary":"irq line 1 armed"\}\]\}$'
	local age
	age=$(grep -oE '"age_ms":[0-9]+' <<<"$output" | cut -d: -f2)
	[ "$age" -ge 100 ] || fail "age $age ms, the wait is older than 200 ms"
	ginject 1=1
	bg_wait w
	assert_equal "$BG_STATUS" 0
	run ctl_cmd inflight
	assert_output '{"ok":true,"requests":[]}'
}

@test "inflight takes at most a request id" {
	start_gpio_serve --names "$NAMES"
	run ctl_cmd "inflight x"
	assert_output '{"ok":false,"error":"inflight: unexpected '"'x'"' (usage: inflight [ID])"}'
	run ctl_cmd "inflight 1 2"
	assert_output '{"ok":false,"error":"inflight: unexpected '"'2'"' (usage: inflight [ID])"}'
	run ctl_cmd "inflight 99"
	assert_output '{"ok":false,"error":"inflight: no request 99 in flight"}'
}

@test "unknown command: an error JSON, the connection goes on" {
	start_gpio_serve --names "$NAMES"
	run ctl_cmd frob
	assert_success
	assert_output '{"ok":false,"error":"unknown command '"'frob'"' (try help)"}'
	run ctl_cmd "lines extra"
	assert_output '{"ok":false,"error":"lines takes no arguments"}'
	# every command with an empty synopsis, the built-in ones too (issue 16)
	run ctl_cmd "help x"
	assert_output '{"ok":false,"error":"help takes no arguments"}'
	run ctl_cmd "info x"
	assert_output '{"ok":false,"error":"info takes no arguments"}'
	run ctl_cmd "stats extra"
	assert_output '{"ok":false,"error":"stats: unexpected '"'extra'"' (usage: stats [reset])"}'
	run ctl_cmd "inject"
	assert_output '{"ok":false,"error":"nothing to inject: give LINE=LEVEL (LEVEL 0, 1, low, high, off, on, inactive, active or toggle)"}'
	run ctl_cmd "inject 1=1 wait 0"
	assert_output '{"ok":false,"error":"wait wants milliseconds, 1-3600000"}'
}

@test "several lines on one connection: one reply each, in order; empty lines are skipped" {
	start_gpio_serve --lines 2
	run bash -c "printf 'frob\n\n   \ninject 1=1\nlines\n' | timeout 5 socat - 'UNIX-CONNECT:$CTL'"
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 '{"ok":false,"error":"unknown command '"'frob'"' (try help)"}'
	assert_line --index 1 '{"ok":true,"irqs":0}'
	assert_line --index 2 --partial '{"line":1,"name":"","direction":"none","value":1,'
}

@test "inject typed into socat: ok, and the level changes" {
	start_gpio_serve --names "$NAMES"
	run ctl_cmd "inject button=1 irq-a=high"
	assert_output '{"ok":true,"irqs":0}'
	run ctl_line 2
	assert_output --partial '"value":1'
	run ctl_cmd "inject led=2"
	assert_output '{"ok":false,"error":"bad level '"'2'"' for line '"'led'"' (0, 1, low, high, off, on, inactive, active or toggle)"}'
}

# ---- where and how the socket is made --------------------------------------------

@test "the socket is mode 0600, its directory 0700" {
	start_gpio_serve --names "$NAMES"
	assert_equal "$(stat -c %a "$CTL")" 600
	assert_equal "$(stat -c %a "$XDG_RUNTIME_DIR/vitool")" 700
	[ -S "$CTL" ] || fail "$CTL is not a socket"
}

@test "the socket is 0600 even under a permissive umask" {
	(umask 000 && start_gpio_serve --names "$NAMES" && echo "$SERVE_PID" >"$BATS_TEST_TMPDIR/pid")
	SERVE_PID=$(cat "$BATS_TEST_TMPDIR/pid")
	assert_equal "$(stat -c %a "$CTL")" 600
	assert_equal "$(stat -c %a "$XDG_RUNTIME_DIR/vitool")" 700
}

@test "default name: socket /x/gpio.sock -> \$XDG_RUNTIME_DIR/vitool/gpio.ctl, name gpio" {
	start_gpio_serve --names "$NAMES"
	[ -S "$XDG_RUNTIME_DIR/vitool/gpio.ctl" ] || fail "no $XDG_RUNTIME_DIR/vitool/gpio.ctl"
	run ctl_cmd info
	assert_output --partial '"name":"gpio",'
	run ls "$XDG_RUNTIME_DIR/vitool"
	assert_output "gpio.ctl"
}

@test "default name: a socket without extension names itself; only the last dot goes" {
	SOCK="$BATS_TEST_TMPDIR/my.dev.sock"
	CTL="$XDG_RUNTIME_DIR/vitool/my.dev.ctl"
	start_gpio_serve --lines 2
	run ctl_cmd info
	assert_output --partial '"name":"my.dev",'
	stop_serve
	SOCK="$BATS_TEST_TMPDIR/plain"
	CTL="$XDG_RUNTIME_DIR/vitool/plain.ctl"
	start_gpio_serve --lines 2
	run ctl_cmd info
	assert_output --partial '"name":"plain",'
}

@test "a second serve with the same default name refuses (no silent NAME-PID)" {
	start_gpio_serve --names "$NAMES"
	local pid
	pid=$(pgrep -P "$SERVE_PID") || fail "no serve process"
	mkdir "$BATS_TEST_TMPDIR/b"
	run_vitool serve gpio --socket "$BATS_TEST_TMPDIR/b/gpio.sock" --lines 2
	assert_failure 1
	assert_stderr "vitool: serve: instance gpio is already running (gpio, pid $pid, socket $SOCK, control $CTL): give this one another name with --name NAME (-i NAME)"
	[ -z "$(ls "$XDG_RUNTIME_DIR/vitool" | grep -v '^gpio.ctl$')" ] ||
		fail "a second control socket appeared: $(ls "$XDG_RUNTIME_DIR/vitool")"
	# the first keeps its name
	run ctl_cmd info
	assert_output --partial '"name":"gpio",'
}

@test "an explicit --name that is taken: exit 1 with a message" {
	start_gpio_serve --names "$NAMES"
	run_vitool serve gpio --socket "$BATS_TEST_TMPDIR/other.sock" --name gpio --lines 2
	assert_failure 1
	assert_stderr_regex "^vitool: serve: instance gpio is already running \\(gpio, pid [0-9]+, socket $SOCK, control $CTL\\): give this one another name with --name NAME \\(-i NAME\\)\$"
	# the first instance is untouched
	run ctl_cmd info
	assert_output --partial '"socket":"'"$SOCK"'"'
}

@test "a serve refused for a taken --name leaves no vhost-user socket behind" {
	start_gpio_serve --names "$NAMES"
	run_vitool serve gpio --socket "$BATS_TEST_TMPDIR/other.sock" --name gpio --lines 2
	assert_failure 1
	[ ! -e "$BATS_TEST_TMPDIR/other.sock" ] ||
		fail "the refused serve left its socket $BATS_TEST_TMPDIR/other.sock behind"
}

@test "an explicit --control that is taken: exit 1 with a message" {
	start_gpio_serve --names "$NAMES"
	run_vitool serve gpio --socket "$BATS_TEST_TMPDIR/other.sock" --control "$CTL" --lines 2
	assert_failure 1
	assert_stderr_regex "^vitool: serve: instance gpio is already running \\(gpio, pid [0-9]+, socket $SOCK, control $CTL\\): give this one another --control PATH\$"
}

@test "--name NAME and --control PATH place the socket" {
	CTL="$XDG_RUNTIME_DIR/vitool/board1.ctl"
	start_gpio_serve --names "$NAMES" --name board1
	run ctl_cmd info
	assert_output --partial '"name":"board1",'
	stop_serve
	mkdir "$BATS_TEST_TMPDIR/c"
	CTL="$BATS_TEST_TMPDIR/c/x.ctl"
	start_gpio_serve --names "$NAMES" --control "$CTL"
	run ctl_cmd info
	assert_output --partial '"control":"'"$CTL"'"'
	# not in the default directory: inject needs --control
	ginject 1=1
	assert_failure 1
	assert_stderr_contains "no running gpio instance"
	ginject --control "$CTL" 1=1
	assert_success
}

@test "--name with a '/': exit 2" {
	run_vitool serve gpio --socket "$SOCK" --name a/b
	assert_failure 2
	assert_stderr "vitool: serve: --name a/b: want a name without '/'"
}

@test "a stale control socket of a killed instance is replaced" {
	start_gpio_serve --names "$NAMES"
	kill -KILL "$(serve_child_pid)"
	wait_exit "$SERVE_PID" 5 || fail "serve did not die"
	SERVE_PID=
	[ -S "$CTL" ] || fail "expected the stale control socket to remain"
	start_gpio_serve --names "$NAMES"
	# Both socket files were there before it started: start_gpio_serve's
	# wait for them proves nothing here, an answer does.
	wait_for 5 eval 'ctl_cmd info 2>/dev/null | grep -q "\"name\":\"gpio\","' ||
		fail "the new instance did not answer on the replaced socket"
	run ctl_cmd info
	assert_output --partial '"name":"gpio",'
}

# ---- other users ------------------------------------------------------------------

@test "another uid, socket as made: refused by the file permissions, exit 1" {
	need_nobody
	start_gpio_serve --names "$NAMES"
	o_plus_x "$BATS_TEST_TMPDIR"
	o_plus_x "$XDG_RUNTIME_DIR"
	# $XDG_RUNTIME_DIR/vitool stays 0700: nobody cannot even look
	run --separate-stderr as_nobody "$NOBODY_BIN" inject gpio 1=1
	assert_failure 1
	assert_stderr "vitool: inject: cannot read $XDG_RUNTIME_DIR/vitool: Permission denied"
	run --separate-stderr as_nobody "$NOBODY_BIN" inject gpio --control "$CTL" 1=1
	assert_failure 1
	assert_stderr_regex "^vitool: inject: .*[Pp]ermission denied"
	# the directory opened for traversal, the socket still 0600: connect
	# is refused by the kernel
	chmod 0711 "$XDG_RUNTIME_DIR/vitool"
	run --separate-stderr as_nobody "$NOBODY_BIN" inject gpio --control "$CTL" 1=1
	assert_failure 1
	assert_stderr "vitool: inject: permission denied: cannot connect to $CTL"
	assert_equal "$(value_of_line1)" 0
}

@test "another uid with the modes opened up: the server itself refuses, exit 1" {
	need_nobody
	start_gpio_serve --names "$NAMES"
	o_plus_x "$BATS_TEST_TMPDIR"
	o_plus_x "$XDG_RUNTIME_DIR"
	chmod 0777 "$XDG_RUNTIME_DIR/vitool"
	chmod 0666 "$CTL"
	run --separate-stderr as_nobody "$NOBODY_BIN" inject gpio --control "$CTL" 1=1
	assert_failure 1
	assert_output ""
	assert_stderr "vitool: inject: permission denied: uid 65534 is not the owner of this instance"
	# discovery finds it, and is refused the same way
	run --separate-stderr as_nobody "$NOBODY_BIN" inject gpio 1=1
	assert_failure 1
	assert_stderr "vitool: inject: permission denied: uid 65534 is not the owner of this instance"
	# socat as nobody gets the refusal as JSON
	# (socat sends nothing: the refusal comes unasked, then the close)
	run as_nobody sh -c "sleep 1 | socat - UNIX-CONNECT:$CTL"
	assert_output '{"ok":false,"error":"permission denied: uid 65534 is not the owner of this instance"}'
	# nothing changed, the server logged the refusals and serves its owner
	assert_equal "$(value_of_line1)" 0
	# (discovery's probe connection is refused too)
	run grep -c "control: refused a client with uid 65534" "$SERVE_ERR"
	((output >= 3)) || fail "expected at least 3 refusals logged, got $output"
	ginject 1=1
	assert_success
}

# ---- limits ------------------------------------------------------------------

@test "out of descriptors: accept backs off (one log line per burst), the instance keeps serving" {
	command -v python3 >/dev/null || skip "python3 not installed"
	# 32 descriptors: the clients below use the rest up, and accept fails
	# with EMFILE while they stay connected.  It used to spin on the ready
	# listening socket, one log line per attempt (issue 16).
	bg_start emfile bash -c 'ulimit -n 32 && exec "$VITOOL" serve gpio --socket "$1"' _ "$SOCK"
	wait_for 5 test -S "$CTL" || fail "no control socket"
	run timeout 20 python3 - "$CTL" <<'PY'
import socket, sys, time
held = []
for _ in range(40):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])   # the backlog takes them even when accept cannot
    held.append(s)
time.sleep(1.5)
for s in held:
    s.close()
PY
	assert_success
	# Descriptors are free again: it accepts and answers.
	run ctl_cmd stats
	assert_output --partial '{"ok":true,"connected":false,'
	bg_alive emfile || fail "serve exited"
	local n
	n=$(grep -c 'accept.*Too many open files' "$BATS_TEST_TMPDIR/emfile.err" || true)
	[ "$n" -ge 1 ] && [ "$n" -le 3 ] ||
		{ head -5 "$BATS_TEST_TMPDIR/emfile.err" >&2; fail "$n accept log lines, expected 1 per burst"; }
}

@test "out of descriptors: the vhost-user socket's failed accepts are counted in stats, then it accepts" {
	command -v python3 >/dev/null || skip "python3 not installed"
	bg_start emfile bash -c 'ulimit -n 32 && exec "$VITOOL" serve gpio --socket "$1"' _ "$SOCK"
	wait_for 5 test -S "$CTL" || fail "no control socket"
	# Control clients use the descriptors up; a front-end then waits in
	# the vhost-user socket's backlog while accept fails.
	run timeout 20 python3 - "$CTL" "$SOCK" <<'PY'
import socket, sys, time
held = []
for _ in range(40):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    held.append(s)
time.sleep(0.5)
fe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
fe.connect(sys.argv[2])
time.sleep(1.5)
for s in held:
    s.close()
time.sleep(1)   # the back-off ends: the front-end is accepted
fe.close()
PY
	assert_success
	bg_alive emfile || fail "serve exited"
	(($(stat_member vhost_user accept_failures) >= 1)) || fail "no failed accept counted: $(ctl_cmd stats)"
	(($(stat_member vhost_user accept_backoffs) >= 1)) || fail "no back-off counted"
	assert_equal "$(stat_member vhost_user accepted)" 1
}

# stat_member OBJ KEY: the number KEY of the "OBJ" object in a `stats` reply.
stat_member() {
	ctl_cmd stats | jq -er ".$1.$2"
}

@test "the word limit is the one the reply and vitool-control(7) say: 128 words, the command included" {
	start_gpio_serve --lines 2
	# 128 words pass the splitter (the command is then unknown) ...
	run ctl_cmd "frob$(printf ' w%.0s' {1..127})"
	assert_output '{"ok":false,"error":"unknown command '"'frob'"' (try help)"}'
	# ... 129 do not, and the message says 128 (it said 127, issue 16)
	run ctl_cmd "frob$(printf ' w%.0s' {1..128})"
	assert_output '{"ok":false,"error":"too many words (at most 128)"}'
	run grep -c 'up to 128 words' "$BATS_TEST_DIRNAME/../../man/vitool-control.7"
	assert_output 1
	assert_equal "$(stat_member control too_many_words)" 1
	assert_equal "$(stat_member control words_max)" 128
}

@test "a client that pipelines faster than it reads is slowed down, never dropped; the waits are counted" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_gpio_serve --lines 2
	# 4000 help lines (7 MB of replies) sent at once; the replies are read
	# only after a pause.  The instance used to drop the client at 1 MiB of
	# unread replies although it was reading (issue 16).
	run timeout 30 python3 - "$CTL" <<'PY'
import socket, sys, threading, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
n = 4000
t = threading.Thread(target=lambda: s.sendall(b"help\n" * n))
t.start()
time.sleep(1)
f = s.makefile("rb")
got = 0
for _ in range(n):
    line = f.readline()
    if not line.startswith(b'{"ok":true,"commands":'):
        break
    got += 1
t.join()
print(got)
PY
	assert_success
	assert_output 4000
	(($(stat_member control backlog_waits) >= 1)) || fail "no backlog wait counted: $(ctl_cmd stats)"
	assert_equal "$(stat_member control backlog_max)" 65536
	serve_alive || fail "serve exited"
}

@test "at most 64 clients at once: one more gets a clear reply and is counted; the instance serves on" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_gpio_serve --lines 2
	run timeout 30 python3 - "$CTL" <<'PY'
import socket, sys
held = []
for _ in range(64):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"info\n")
    assert s.makefile("rb").readline().startswith(b'{"ok":true,')
    held.append(s)
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
print(s.makefile("rb").readline().decode().strip())
PY
	assert_success
	assert_output '{"ok":false,"error":"too many clients (at most 64 at once)"}'
	assert_equal "$(stat_member control clients_refused)" 1
	assert_equal "$(stat_member control clients_max)" 64
	# the 64 are gone: one client (the stats call itself) is counted
	assert_equal "$(stat_member control clients)" 1
	run grep -c 'control: refusing clients over 64 at once' "$SERVE_ERR"
	assert_output 1
}

@test "at most 16 trace subscribers: the 17th gets a clear reply, counted in stats; stuck readers cost bounded memory" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_gpio_serve --lines 2
	# Stuck readers used to have no cap: 300 of them held 310 MB (issue 16).
	cat >"$BATS_TEST_TMPDIR/subs.py" <<'PY'
import socket, sys, time
held = []
for _ in range(16):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"trace\n")
    held.append(s)          # never read: the subscriber is stuck
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"trace\n")
print(s.makefile("rb").readline().decode().strip(), flush=True)
time.sleep(30)
PY
	bg_start subs python3 "$BATS_TEST_TMPDIR/subs.py" "$CTL"
	wait_for 10 grep -q . "$BATS_TEST_TMPDIR/subs.out" || fail "no reply to the 17th trace"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/subs.out")" '{"ok":false,"error":"too many trace subscribers (at most 16)"}'
	assert_equal "$(stat_member trace subscribers)" 16
	assert_equal "$(stat_member trace subscribers_max)" 16
	assert_equal "$(stat_member trace subscribers_refused)" 1
	assert_equal "$(stat_member trace queue_bytes_max)" 1048576
	# the device serves on while they are stuck
	gdrive set 0=1
	assert_success
	bg_kill subs
	wait_for 5 eval '[ "$(stat_member trace subscribers)" = 0 ]' || fail "subscribers not released"
}
