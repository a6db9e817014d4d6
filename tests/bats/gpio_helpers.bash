# Shared helpers for the gpio, inject and control-socket suites.  Builds on
# helpers.bash (wait_for, wait_exit, kill_group, wait_serve_line, the
# $SERVE_* logs and the assertions on $stderr):
#
#   load gpio_helpers
#
# A gpio test runs one `vitool serve gpio` on $SOCK ($BATS_TEST_TMPDIR/gpio.sock)
# with its control socket at $CTL, and any number of further background
# processes (drives that wait, more serves) through bg_start; teardown kills
# every one of them.

load helpers
load users

# Background processes started by bg_start: name -> pid.
declare -gA BG_PID=()

gpio_setup() {
	vt_setup
	SOCK="$BATS_TEST_TMPDIR/gpio.sock"
	# The default control socket of a serve on $SOCK: the socket's file name
	# without extension, in $XDG_RUNTIME_DIR/vitool.
	CTL="$XDG_RUNTIME_DIR/vitool/gpio.ctl"
	BG_PID=()
}

gpio_teardown() {
	local n
	for n in "${!BG_PID[@]}"; do
		kill_group "${BG_PID[$n]}"
	done
	BG_PID=()
	vt_teardown
}

# bg_start NAME CMD [ARGS...]: CMD in the background, bounded by VT_BG_LIMIT,
# stdout to $BATS_TEST_TMPDIR/NAME.out, stderr to NAME.err.
bg_start() {
	local name=$1
	shift
	[ -z "${BG_PID[$name]:-}" ] || fail "bg_start: '$name' already started"
	: >"$BATS_TEST_TMPDIR/$name.out"
	: >"$BATS_TEST_TMPDIR/$name.err"
	# 3>&-: bats waits for fd 3 to close; a background job must not hold it.
	timeout "$VT_BG_LIMIT" "$@" >"$BATS_TEST_TMPDIR/$name.out" \
		2>"$BATS_TEST_TMPDIR/$name.err" </dev/null 3>&- &
	BG_PID[$name]=$!
}

# bg_wait NAME [SECONDS]: waits (bounded, default 10 s) for NAME to exit;
# its status goes to $BG_STATUS, its output to $BG_OUT and $BG_ERR.
bg_wait() {
	local name=$1 secs=${2:-10} pid=${BG_PID[$1]:-}
	[ -n "$pid" ] || fail "bg_wait: '$name' was not started"
	if ! wait_exit "$pid" "$secs"; then
		echo "# $name stdout:" >&2
		cat "$BATS_TEST_TMPDIR/$name.out" >&2
		echo "# $name stderr:" >&2
		cat "$BATS_TEST_TMPDIR/$name.err" >&2
		fail "$name did not exit within $secs s"
	fi
	unset "BG_PID[$name]"
	BG_STATUS=$WAIT_STATUS
	BG_OUT=$(cat "$BATS_TEST_TMPDIR/$name.out")
	BG_ERR=$(cat "$BATS_TEST_TMPDIR/$name.err")
}

# bg_alive NAME: true while NAME runs.
bg_alive() {
	[ -n "${BG_PID[$1]:-}" ] && proc_alive "${BG_PID[$1]}"
}

# bg_kill NAME: SIGKILL to NAME's process group, reaped.
bg_kill() {
	local pid=${BG_PID[$1]:-}
	[ -n "$pid" ] || fail "bg_kill: '$1' was not started"
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
	wait_for 5 eval '! proc_alive '"$pid" || fail "$1 (pid $pid) survived SIGKILL"
	# reap it; its status (137) is no news
	local rc=0
	wait "$pid" 2>/dev/null || rc=$?
	unset "BG_PID[$1]"
}

# start_gpio_serve ARGS...: `vitool serve gpio --socket $SOCK ARGS...` in the
# background (the helpers' $SERVE_PID/$SERVE_OUT/$SERVE_ERR, so stop_serve
# and wait_serve_line apply); waits up to 5 s for the vhost-user socket and
# the control socket $CTL (set CTL first when --name/--control moves it).
start_gpio_serve() {
	[ -z "$SERVE_PID" ] || fail "start_gpio_serve: a serve is already running (pid $SERVE_PID)"
	: >"$SERVE_OUT"
	: >"$SERVE_ERR"
	timeout "$VT_BG_LIMIT" "$VITOOL" serve gpio --socket "$SOCK" "$@" \
		>"$SERVE_OUT" 2>"$SERVE_ERR" </dev/null 3>&- &
	SERVE_PID=$!
	# The control socket comes after the vhost-user one.
	if ! wait_for 5 test -S "$SOCK" || ! wait_for 5 test -S "$CTL"; then
		dump_serve >&2
		fail "serve gpio did not create $SOCK and $CTL within 5 s"
	fi
}

# gdrive OP...: one bounded `vitool drive gpio --socket $SOCK $DRIVE_OPTS
# OP...` through bats' run, stderr apart in $stderr.
gdrive() {
	# shellcheck disable=SC2086
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive gpio --socket "$SOCK" $DRIVE_OPTS "$@"
}

# bg_drive NAME OP...: a drive in the background (e.g. one that waits).
bg_drive() {
	local name=$1
	shift
	# shellcheck disable=SC2086
	bg_start "$name" "$VITOOL" drive gpio --socket "$SOCK" $DRIVE_OPTS "$@"
}

# ginject ARGS...: one bounded `vitool inject gpio ARGS...` through run.
ginject() {
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" inject gpio "$@"
}

need_socat() {
	command -v socat >/dev/null || skip "socat not installed"
}

# ctl_cmd LINE [PATH]: sends LINE to the control socket (default $CTL) the
# way a person types it into socat; prints the reply.  Bounded.
ctl_cmd() {
	printf '%s\n' "$1" | timeout 5 socat - "UNIX-CONNECT:${2:-$CTL}" 3>&-
}

# ctl_line N: line N's object from the control socket's `lines` reply, e.g.
# {"line":3,"name":"b","direction":"in","value":1,"irq":"edge-rising",...}
ctl_line() {
	local reply
	reply=$(ctl_cmd lines) || return 1
	grep -oE "\\{\"line\":$1,[^}]*\\}" <<<"$reply"
}

# line_is N FRAGMENT: line N's object contains FRAGMENT ('"armed":true').
line_is() {
	local obj
	obj=$(ctl_line "$1") || return 1
	[[ $obj == *"$2"* ]]
}

# wait_armed N [SECONDS]: waits until the driver has unmasked line N (its
# eventq buffer is queued), so that what follows happens "after unmask".
wait_armed() {
	local secs=${2:-5}
	if ! wait_for "$secs" line_is "$1" '"armed":true'; then
		echo "# lines: $(ctl_cmd lines)" >&2
		dump_serve >&2
		fail "line $1 was not armed within $secs s"
	fi
}

# gpio_requests: the request and event lines `serve --print` wrote so far
# ("TIME gpio q0 ..." / "TIME gpio q1 ..."), time and latency field removed.
gpio_requests() {
	grep -E "^$VT_TS gpio q[01] #[0-9]+ " "$SERVE_OUT" | strip_time | sed -E 's/ [0-9.]+(us|ms|s)$//'
}

# gpio_events: only the eventq lines, request ids kept.
gpio_events() {
	gpio_requests | grep -E '^gpio q1 '
}


# no_ts TEXT: TEXT with drive's event timestamps (" timestamp: [  12.345678901]",
# gpiomon 1.6's) taken out, for tests that compare the rest of event lines.
no_ts() {
	sed -E 's/ timestamp: \[ *[0-9]+\.[0-9]{9}\]$//' <<<"$1"
}
