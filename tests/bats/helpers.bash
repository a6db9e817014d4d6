# Shared helpers for vitool's bats suites (libgpiod gpio-tools-test style):
# long-running tools run in the background with their output captured to a
# file, waits are bounded, and teardown kills whatever a test started.
#
#   load helpers
#
# Environment:
#   VITOOL   the binary under test (default: ./vitool at the top of the tree)

bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

VITOOL=${VITOOL:-"$BATS_TEST_DIRNAME/../../vitool"}
# Absolute: tests cd around.
case "$VITOOL" in
/*) ;;
*) VITOOL="$(cd "$(dirname "$VITOOL")" && pwd)/$(basename "$VITOOL")" ;;
esac
export VITOOL

# Hard upper bound for any background vitool process (seconds).
VT_BG_LIMIT=${VT_BG_LIMIT:-60}
# Bound for one foreground command (seconds).
VT_FG_LIMIT=${VT_FG_LIMIT:-10}
# Bound for a serve to exit after SIGTERM (seconds): a hang detector, not a
# speed check; a sanitizer build's leak scan on a loaded machine takes
# seconds of its own.
VT_STOP_LIMIT=${VT_STOP_LIMIT:-15}

# The test's socket and the serve instance's logs.
SOCK=
SERVE_PID=
SERVE_OUT=
SERVE_ERR=
SERVE_STATUS=

# Every test file calls this from setup().
vt_setup() {
	[ -x "$VITOOL" ] || fail "vitool binary not found or not executable: $VITOOL (run make)"
	SOCK="$BATS_TEST_TMPDIR/i2c.sock"
	SERVE_OUT="$BATS_TEST_TMPDIR/serve.out"
	SERVE_ERR="$BATS_TEST_TMPDIR/serve.err"
	SERVE_PID=
	SERVE_STATUS=
	VT_BG_PIDS=()
	# Control sockets ($XDG_RUNTIME_DIR/vitool/NAME.ctl) per test, so that
	# instances of parallel runs never meet.
	export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
}

# Every test file calls this from teardown(): nothing it started survives.
vt_teardown() {
	local pid
	if [ -n "$SERVE_PID" ]; then
		kill_group "$SERVE_PID"
		SERVE_PID=
	fi
	for pid in "${VT_BG_PIDS[@]}"; do
		kill_group "$pid"
	done
	VT_BG_PIDS=()
	# A sanitizer build (make SAN=1; VITOOL=build-san/vitool) reports on
	# stderr: a report from the background serve fails the test too.
	if [ -s "$SERVE_ERR" ] && grep -qE 'Sanitizer|runtime error:' "$SERVE_ERR"; then
		echo "# serve stderr:" >&2
		sed 's/^/#   /' "$SERVE_ERR" >&2
		fail "the background serve reported a sanitizer error"
	fi
}

# start_bg OUT ERR COMMAND [ARGS...]: COMMAND in the background, bounded by
# VT_BG_LIMIT (through timeout(1), which leads its own process group),
# stdout to OUT, stderr to ERR, stdin /dev/null.  Its pid goes to $BG_PID;
# teardown kills it if it is still running.
start_bg() {
	local out=$1 err=$2
	shift 2
	timeout "$VT_BG_LIMIT" "$@" >"$out" 2>"$err" </dev/null 3>&- &
	BG_PID=$!
	VT_BG_PIDS+=("$BG_PID")
}

# True while pid is a live (not zombie) process.
proc_alive() {
	local pid=$1 state
	[ -r "/proc/$pid/stat" ] || return 1
	state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# wait_for SECONDS COMMAND [ARGS...]: polls COMMAND every 50 ms until it
# succeeds; fails after SECONDS (fractions allowed: 0.5).
wait_for() {
	local secs=$1 n i
	shift
	n=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 20 }')
	for ((i = 0; i <= n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# wait_exit PID SECONDS: waits (bounded) for a background child to exit and
# reaps it; its status goes to $WAIT_STATUS.  Fails when still running.
wait_exit() {
	local pid=$1 secs=$2
	WAIT_STATUS=
	if ! wait_for "$secs" eval '! proc_alive '"$pid"; then
		return 1
	fi
	wait "$pid"
	WAIT_STATUS=$?
	return 0
}

# Kills pid's process group (background jobs started through `timeout` lead
# their own group): TERM, then KILL after 3 s.  Reaps it.
kill_group() {
	local pid=$1
	if proc_alive "$pid"; then
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
		if ! wait_for 3 eval '! proc_alive '"$pid"; then
			kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
			wait_for 2 eval '! proc_alive '"$pid"
		fi
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# start_serve ARGS...: `vitool serve i2c --socket $SOCK ARGS...` in the
# background (bounded by VT_BG_LIMIT), stdout to $SERVE_OUT, stderr to
# $SERVE_ERR; waits up to 5 s for the socket to appear.  SERVE_DEV=gpio
# (and a SOCK of its own) serves another device the same way.
start_serve() {
	start_device_serve "${SERVE_DEV:-i2c}" "$@"
}

# start_device_serve DEV ARGS...: the same for `vitool serve DEV`.  Its
# control socket is there once the vhost-user socket is.
start_device_serve() {
	local dev=$1
	shift
	[ -z "$SERVE_PID" ] || fail "start_serve: a serve is already running (pid $SERVE_PID)"
	: >"$SERVE_OUT"
	: >"$SERVE_ERR"
	# 3>&-: bats waits for fd 3 to close; a background job must not hold it.
	timeout "$VT_BG_LIMIT" "$VITOOL" serve "$dev" --socket "$SOCK" "$@" \
		>"$SERVE_OUT" 2>"$SERVE_ERR" </dev/null 3>&- &
	SERVE_PID=$!
	if ! wait_for 5 test -S "$SOCK"; then
		echo "# serve stdout:" >&2
		cat "$SERVE_OUT" >&2
		echo "# serve stderr:" >&2
		cat "$SERVE_ERR" >&2
		fail "serve did not create its socket $SOCK within 5 s"
	fi
}

# start_serve_into SINK ARGS...: start_serve's serve i2c with its standard
# output into the shell command SINK (`head -1 >FILE`, `cat >FILE`): what
# a reader of a pipe does to it.  stderr to $SERVE_ERR.
start_serve_into() {
	local sink=$1
	shift
	[ -z "$SERVE_PID" ] || fail "start_serve_into: a serve is already running (pid $SERVE_PID)"
	: >"$SERVE_ERR"
	timeout "$VT_BG_LIMIT" bash -c '"$VITOOL" serve i2c --socket "$1" "${@:3}" | eval "$2"' \
		_ "$SOCK" "$sink" "$@" 2>"$SERVE_ERR" </dev/null 3>&- &
	SERVE_PID=$!
	wait_for 5 test -S "$SOCK" || { dump_serve >&2; fail "serve did not create $SOCK within 5 s"; }
}

# stop_serve: SIGTERM, then a bounded wait; the exit status goes to
# $SERVE_STATUS.  Fails when serve does not exit within 5 s.
stop_serve() {
	local pid=$SERVE_PID
	[ -n "$pid" ] || fail "stop_serve: no serve running"
	kill -TERM "$pid" 2>/dev/null
	if ! wait_exit "$pid" "$VT_STOP_LIMIT"; then
		kill_group "$pid"
		SERVE_PID=
		fail "serve did not exit within $VT_STOP_LIMIT s of SIGTERM"
	fi
	SERVE_STATUS=$WAIT_STATUS
	SERVE_PID=
}

# serve_alive: true while the background serve runs.
serve_alive() {
	[ -n "$SERVE_PID" ] && proc_alive "$SERVE_PID"
}

# drive OP...: one bounded `vitool drive i2c --socket $SOCK $DRIVE_OPTS OP...`
# through bats' run, stderr kept apart in $stderr.
DRIVE_OPTS=
drive() {
	# shellcheck disable=SC2086
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive i2c --socket "$SOCK" $DRIVE_OPTS "$@"
}

# loopback_split DEV SECONDS ARGS...: bounded `vitool loopback ARGS...`,
# stderr apart.  The child's served-request lines ("DEV q...") go to
# $be_lines, in the order the child printed them; everything else to
# $fe_lines.  The two processes share stdout, so only the order within each
# list is meaningful.
loopback_split() {
	local dev=$1 secs=$2 l
	shift 2
	run --separate-stderr timeout "$secs" "$VITOOL" loopback "$@"
	fe_lines=()
	be_lines=()
	for l in "${lines[@]}"; do
		if [[ $l =~ ^$VT_TS\ ($dev\ q[0-9]+\ .*)$ ]]; then
			be_lines+=("${BASH_REMATCH[1]}")
		else
			fe_lines+=("$l")
		fi
	done
}

# vt_sanitized: the binary under test is a sanitizer build (make SAN=1).
# ASan reserves terabytes of address space, so such a binary cannot run
# under a `ulimit -v` that bounds a normal one.
vt_sanitized() {
	ldd "$VITOOL" 2>/dev/null | grep -qE 'lib(a|ub)san'
}

# vt_mem_limit_kb KB: KB, or "unlimited" for a sanitizer build (see
# vt_sanitized), for `ulimit -v` around a command that must stay small.
vt_mem_limit_kb() {
	if vt_sanitized; then echo unlimited; else echo "$1"; fi
}

# run_vitool ARGS...: one bounded run of the binary, stderr kept apart.
run_vitool() {
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" "$@"
}

NL=$'\n'

# Assertions on $stderr (bats-assert 2.1 has none).
assert_stderr() {
	assert_equal "$stderr" "$1"
}
assert_stderr_regex() {
	if ! [[ $stderr =~ $1 ]]; then
		batslib_print_kv_single_or_multi 8 regex "$1" stderr "$stderr" |
			batslib_decorate 'stderr does not match regular expression' | fail
	fi
}
assert_stderr_contains() {
	if [[ $stderr != *"$1"* ]]; then
		batslib_print_kv_single_or_multi 9 substring "$1" stderr "$stderr" |
			batslib_decorate 'stderr does not contain substring' | fail
	fi
}

# expected_grid FIRST LAST ADDR...: the i2cdetect grid of [FIRST, LAST] with
# ADDRs present (what `drive i2c detect` must print).
expected_grid() {
	local first=$(($1)) last=$(($2)) row a
	shift 2
	local -A present=()
	for a in "$@"; do present[$((a))]=1; done
	printf '     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f\n'
	for ((row = 0; row < 128; row += 16)); do
		printf '%02x:' "$row"
		for ((a = row; a < row + 16; a++)); do
			if ((a < first || a > last)); then
				printf '   '
			elif [ -n "${present[$a]:-}" ]; then
				printf ' %02x' "$a"
			else
				printf ' --'
			fi
		done
		printf '\n'
	done
}

# The time that starts every `serve --print` and `trace` line
# (HH:MM:SS.uuuuuu, vitool-trace(1)), as an extended regex.
VT_TS='[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'

# strip_time: standard input with the leading time of each line removed.
strip_time() {
	sed -E "s/^$VT_TS //"
}

# serve_requests: the queue lines `serve --print` wrote so far ("TIME i2c
# q..."), time and latency field (last word) removed.
serve_requests() {
	grep -E "^$VT_TS i2c q[0-9]+ " "$SERVE_OUT" | strip_time | sed -E 's/ [0-9.]+(us|ms|s)$//'
}

# wait_serve_line REGEX [SECONDS]: waits until $SERVE_OUT has a line
# matching the extended REGEX.
wait_serve_line() {
	local re=$1 secs=${2:-5}
	if ! wait_for "$secs" grep -Eq -- "$re" "$SERVE_OUT"; then
		echo "# serve stdout:" >&2
		cat "$SERVE_OUT" >&2
		fail "no serve output line matches /$re/ within $secs s"
	fi
}

# now_ms: monotonic-enough wall clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# dump_serve: show serve's logs (useful in failure output).
dump_serve() {
	echo "# serve stdout:"
	sed 's/^/#   /' "$SERVE_OUT" 2>/dev/null
	echo "# serve stderr:"
	sed 's/^/#   /' "$SERVE_ERR" 2>/dev/null
}
