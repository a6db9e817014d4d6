#!/bin/sh
# Helpers for the guest side of the VM suite: tests/vm/lib.sh puts this file
# in front of the scenario as /scenario.sh.  Busybox sh.  The host reads the
# console: "@@ NAME" lines are markers it waits for, and
#   @@ begin NAME / ...output... / @@ end NAME rc=N
# frame a command's output and exit status.

mark() { echo "@@ $*"; }

# run NAME CMD...: CMD's output framed for the host, its status returned
run() {
	_n=$1; shift
	echo "@@ begin $_n"
	"$@" 2>&1
	_rc=$?
	echo "@@ end $_n rc=$_rc"
	return $_rc
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s for at most SECONDS
wait_for() {
	_i=$(($1 * 5)); shift
	while [ "$_i" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		_i=$((_i - 1))
		sleep 0.2
	done
	return 1
}

# wait_pid SECONDS PID: wait (bounded) for a background job to end; kills it
# and returns 1 when it did not
wait_pid() {
	_i=$(($1 * 5))
	while kill -0 "$2" 2>/dev/null; do
		_i=$((_i - 1))
		[ "$_i" -gt 0 ] || { kill "$2" 2>/dev/null; return 1; }
		sleep 0.2
	done
	return 0
}

# wait_line CHIP LINE VALUE SECONDS: host -> guest signal: the host injects
# VALUE on a simulated input line, the guest polls it
wait_line() {
	_i=$(($4 * 5))
	while [ "$_i" -gt 0 ]; do
		[ "$(gpioget "$1" "$2" 2>/dev/null)" = "$3" ] && return 0
		_i=$((_i - 1))
		sleep 0.2
	done
	return 1
}

