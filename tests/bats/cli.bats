#!/usr/bin/env bats
# Command lines: help, version, usage errors (exit 2, "vitool: ..." on
# stderr), and the options each command documents.

load helpers

setup() {
	vt_setup
}

teardown() {
	vt_teardown
}

SRC_DIR="$BATS_TEST_DIRNAME/../.."

# long_options FILE: the long option names in FILE's getopt_long table.
long_options() {
	sed -n 's/^[[:space:]]*{ *"\([a-z][a-z0-9-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' "$1"
}

# ---- the dispatcher ----------------------------------------------------------

@test "vitool --help: usage on stdout, exit 0, every command listed" {
	run_vitool --help
	assert_success
	assert_stderr ""
	assert_line --index 0 --regexp '^usage: vitool '
	assert_line --regexp '^  serve +[a-z]'
	assert_line --regexp '^  drive +[a-z]'
	assert_line --regexp '^  loopback +[a-z]'
	assert_line --regexp '^  help +[a-z]'
}

@test "vitool -h is --help" {
	run_vitool -h
	assert_success
	local h=$output
	run_vitool --help
	assert_equal "$output" "$h"
}

@test "vitool --version: one line, exit 0" {
	run_vitool --version
	assert_success
	assert_stderr ""
	assert_output --regexp '^vitool [0-9]+\.[0-9]+'
	assert_equal "${#lines[@]}" 1
}

@test "vitool with no command: usage on stderr, exit 2" {
	run_vitool
	assert_failure 2
	assert_output ""
	assert_stderr_regex '^usage: vitool '
}

@test "unknown command: exit 2 and 'vitool: unknown command'" {
	run_vitool frobnicate
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: unknown command 'frobnicate' (see 'vitool --help')"
}

@test "unknown global option: exit 2, message names the option" {
	run_vitool --frobnicate
	assert_failure 2
	assert_output ""
	assert_stderr_contains "--frobnicate"
}

@test "vitool help with an unknown command: exit 2" {
	run_vitool help frobnicate
	assert_failure 2
	assert_stderr "vitool: help: unknown command 'frobnicate'"
}

@test "vitool help COMMAND without an installed man page: the command's usage, exit 0" {
	mkdir -p "$BATS_TEST_TMPDIR/man/man1"
	MANPATH="$BATS_TEST_TMPDIR/man" MANPAGER=cat PAGER=cat run_vitool help serve
	assert_success
	assert_line --index 0 --regexp '^usage: vitool serve'
}

@test "vitool help help: the command list, exit 0" {
	run_vitool help help
	assert_success
	assert_line --index 0 --regexp '^usage: vitool '
}

@test "vitool help (no argument): the command list, exit 0" {
	run_vitool help
	assert_success
	assert_line --index 0 --regexp '^usage: vitool '
}

# ---- usage errors: every message is "vitool: ..." --------------------------

# check_unknown_option CMD...: `vitool CMD... --frobnicate` exits 2 and says
# so in a "vitool: ..." line first (getopt's own message names argv[0]).
check_unknown_option() {
	run_vitool "$@" --frobnicate
	assert_failure 2
	assert_output ""
	assert_stderr_contains "--frobnicate"
	[[ ${stderr_lines[0]} == "vitool: "* ]] ||
		fail "'vitool $* --frobnicate': first stderr line is '${stderr_lines[0]}', want 'vitool: ...'"
}

@test "serve: an unknown option is reported as 'vitool: ...', exit 2" {
	check_unknown_option serve i2c --socket "$SOCK"
	[ ! -e "$SOCK" ] || fail "socket created"
}

@test "drive: an unknown option is reported as 'vitool: ...', exit 2" {
	check_unknown_option drive i2c --socket "$SOCK"
}

@test "loopback: an unknown option is reported as 'vitool: ...', exit 2" {
	check_unknown_option loopback
}

@test "an option missing its argument: exit 2" {
	run_vitool serve i2c --socket
	assert_failure 2
	assert_stderr_contains "socket"
	run_vitool drive i2c --socket "$SOCK" --timeout
	assert_failure 2
	assert_stderr_contains "timeout"
}

@test "a long option given a value it does not take is named as typed, not by its internal letter" {
	# "--json=1" was "unknown option '-j'", "--once=x" "'-O'" (issue 16)
	run_vitool --version=1
	assert_failure 2
	assert_stderr "vitool: option '--version' takes no argument (see 'vitool --help')"
	run_vitool trace --json=1
	assert_failure 2
	assert_stderr "vitool: trace: option '--json' takes no argument (see 'vitool trace --help')"
	run_vitool trace --js=1
	assert_stderr "vitool: trace: option '--json' takes no argument (see 'vitool trace --help')"
	run_vitool top --once=x
	assert_failure 2
	assert_stderr "vitool: top: option '--once' takes no argument (see 'vitool top --help')"
	run_vitool serve gpio --print=1 --socket "$SOCK"
	assert_failure 2
	assert_stderr "vitool: serve: option '--print' takes no argument (see 'vitool serve --help')"
	run_vitool loopback --indirect=1
	assert_stderr "vitool: loopback: option '--indirect' takes no argument (see 'vitool loopback --help')"
	run_vitool drive i2c --indirect=yes --socket "$SOCK" detect
	assert_stderr "vitool: drive: option '--indirect' takes no argument (see 'vitool drive --help')"
	run_vitool console --json=on
	assert_stderr "vitool: console: option '--json' takes no argument (see 'vitool console --help')"
	run_vitool list --json=1
	assert_stderr "vitool: list: option '--json' takes no argument (see 'vitool list --help')"
	run_vitool inject --wait=1 1=1
	assert_stderr "vitool: inject: option '--wait' takes no argument (see 'vitool inject --help')"
	# a short option in a cluster after a long one is still the short one
	run_vitool trace --write=x -Zq
	assert_stderr "vitool: trace: unknown option '-Z' (see 'vitool trace --help')"
}

@test "an empty socket path is refused, exit 2, before anything starts" {
	# serve -S '' ran for ever on an abstract socket, its control socket
	# named "..ctl" (issue 16)
	run_vitool serve gpio -S ''
	assert_failure 2
	assert_stderr "vitool: serve: --socket: want a socket path, not an empty one"
	run_vitool serve gpio -S "$SOCK" --control ''
	assert_failure 2
	assert_stderr "vitool: serve: --control: want a socket path, not an empty one"
	[ ! -e "$SOCK" ] || fail "a socket was created"
	local c
	for c in "drive gpio -S '' get 0" "loopback -S ''" "proxy --listen '' --backend x" \
		"proxy --listen x --backend ''" "trace -C ''" "top -C '' --once" "console -C '' -c info" \
		"inject -C '' 1=1"; do
		eval "run_vitool $c"
		assert_failure 2
		assert_stderr_regex "^vitool: [a-z]+: --[a-z]+: want a socket path, not an empty one$"
	done
}

# ---- serve ------------------------------------------------------------------

@test "serve without a device: exit 2" {
	run_vitool serve
	assert_failure 2
	assert_output ""
	assert_regex "${stderr_lines[0]}" '^vitool: serve: which device\? \((.*, )?i2c(, .*)?\)$'
	assert_stderr_contains "usage: vitool serve"
}

@test "serve with only options: exit 2, asks for the device" {
	run_vitool serve --socket "$SOCK"
	assert_failure 2
	assert_regex "${stderr_lines[0]}" '^vitool: serve: which device\? \((.*, )?i2c(, .*)?\)$'
	[ ! -e "$SOCK" ] || fail "socket created"
}

@test "serve with an unknown device: exit 2" {
	run_vitool serve frob --socket "$SOCK"
	assert_failure 2
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr_regex "^vitool: serve: unknown device 'frob' \\((.*, )?i2c(, .*)?\\)\$"
	[ ! -e "$SOCK" ] || fail "socket created"
}

@test "serve without --socket: exit 2" {
	run_vitool serve i2c --target 0x50=24c02
	assert_failure 2
	assert_stderr "vitool: serve: --socket PATH is required"
}

@test "serve with an extra argument: exit 2" {
	run_vitool serve i2c --socket "$SOCK" extra
	assert_failure 2
	assert_stderr "vitool: serve: unexpected argument 'extra'"
	[ ! -e "$SOCK" ] || fail "socket created"
}

@test "serve --bus and --target together: exit 2" {
	run_vitool serve i2c --socket "$SOCK" --bus /dev/i2c-0 --target 0x50=24c02
	assert_failure 2
	assert_stderr "vitool: serve: --bus and --target exclude each other"
}

@test "serve --bus with a missing adapter: exit 1, names it" {
	run_vitool serve i2c --socket "$SOCK" --bus "$BATS_TEST_TMPDIR/no-i2c-7"
	assert_failure 1
	assert_stderr_regex "^vitool: serve: .*no-i2c-7"
	[ ! -e "$SOCK" ] || fail "socket created"
}

# check_bad_target SPEC SUBSTRING...: serve refuses SPEC with exit 2, one
# "vitool: serve: --target SPEC: ..." line containing each SUBSTRING, and
# creates no socket.
check_bad_target() {
	local spec=$1 s
	shift
	run_vitool serve i2c --socket "$SOCK" --target 0x50=24c02 --target "$spec"
	assert_failure 2
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == "vitool: serve: --target $spec: "* ]] ||
		fail "stderr '$stderr' does not start with 'vitool: serve: --target $spec: '"
	for s in "$@"; do
		assert_stderr_contains "$s"
	done
	[ ! -e "$SOCK" ] || fail "socket created despite a bad --target"
}

@test "bad --target: address out of range" {
	check_bad_target 0x99=24c02 "address must be 0x03-0x77"
	check_bad_target 0x78=24c02 "address must be 0x03-0x77"
	check_bad_target 0x02=regs "address must be 0x03-0x77"
	check_bad_target foo=24c02 "address must be 0x03-0x77"
}

@test "bad --target: unknown model" {
	check_bad_target 0x51=24c99 'unknown model "24c99"' 24c02 24c32 regs
}

# A seed file that cannot be used is a runtime failure (exit 1), not a usage
# error: the spec is well-formed.
check_bad_seed() {
	local spec=$1 s
	shift
	run_vitool serve i2c --socket "$SOCK" --target "$spec"
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == "vitool: serve: --target "* ]] ||
		fail "stderr '$stderr' does not start with 'vitool: serve: --target '"
	for s in "$@"; do
		assert_stderr_contains "$s"
	done
	[ ! -e "$SOCK" ] || fail "socket created despite a bad --target"
}

@test "--target with a missing seed file: exit 1, names the file" {
	check_bad_seed "0x51=24c02:file=$BATS_TEST_TMPDIR/nope.bin" "$BATS_TEST_TMPDIR/nope.bin: No such file or directory"
}

@test "--target with a seed file larger than the part: exit 1" {
	head -c 257 /dev/zero >"$BATS_TEST_TMPDIR/big.bin"
	check_bad_seed "0x51=24c02:file=$BATS_TEST_TMPDIR/big.bin" "larger than the 256 bytes of a 24c02"
	head -c 4097 /dev/zero >"$BATS_TEST_TMPDIR/big.bin"
	check_bad_seed "0x51=24c32:file=$BATS_TEST_TMPDIR/big.bin" "larger than the 4096 bytes of a 24c32"
}

@test "--target with a seed file that is a directory: exit 1" {
	check_bad_seed "0x51=24c02:file=$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR"
}

@test "--target with a seed file that is a FIFO or a device: exit 1 at once, no hang in open()" {
	# a FIFO nobody writes to blocked start-up for ever (issue 16)
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	check_bad_seed "0x51=24c02:file=$BATS_TEST_TMPDIR/fifo" \
		"$BATS_TEST_TMPDIR/fifo: not a regular file (an image of the part)"
	check_bad_seed "0x51=24c02:file=/dev/zero" "/dev/zero: not a regular file"
}

@test "bad --target: no '=', unknown option, duplicate address" {
	check_bad_target 0x51 "expected ADDR=MODEL"
	check_bad_target 0x51=24c02:size=4 'unknown option "size=4"'
	check_bad_target 0x51=24c02:file= 'unknown option "file="'
	check_bad_target 0x50=regs "address 0x50 already has a target"
}

# ---- drive --------------------------------------------------------------------

@test "drive without a device: exit 2" {
	run_vitool drive
	assert_failure 2
	assert_regex "${stderr_lines[0]}" '^vitool: drive: which device\? \((.*, )?i2c(, .*)?\)$'
}

@test "drive with an unknown device: exit 2" {
	run_vitool drive frob --socket "$SOCK" r1@0x50
	assert_failure 2
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr_regex "^vitool: drive: unknown device 'frob' \\((.*, )?i2c(, .*)?\\)\$"
}

@test "drive without --socket: exit 2" {
	run_vitool drive i2c r1@0x50
	assert_failure 2
	assert_stderr "vitool: drive: --socket PATH is required"
}

@test "drive without an operation: exit 2" {
	run_vitool drive i2c --socket "$SOCK"
	assert_failure 2
	assert_stderr "vitool: drive: no operation given (e.g. 'r1@0x50' or 'detect')"
}

@test "drive --queue-size 100: exit 2" {
	run_vitool drive i2c --socket "$SOCK" --queue-size 100 r1@0x50
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: drive: --queue-size 100: want a power of two, 1-32768"
	run_vitool drive i2c --socket "$SOCK" --queue-size 0 r1@0x50
	assert_failure 2
	run_vitool drive i2c --socket "$SOCK" --queue-size 65536 r1@0x50
	assert_failure 2
}

@test "drive --timeout and --connect-timeout need milliseconds: exit 2" {
	run_vitool drive i2c --socket "$SOCK" --timeout 0 r1@0x50
	assert_failure 2
	assert_stderr "vitool: drive: --timeout 0: want milliseconds, 1-3600000"
	run_vitool drive i2c --socket "$SOCK" --timeout 1s r1@0x50
	assert_failure 2
	run_vitool drive i2c --socket "$SOCK" --connect-timeout soon r1@0x50
	assert_failure 2
	assert_stderr "vitool: drive: --connect-timeout soon: want milliseconds, 0-3600000"
}

# check_bad_ops MESSAGE WORD...: drive refuses the operation words with exit 2
# and exactly "vitool: drive: MESSAGE"; nothing on stdout.  Uses the backend
# when one runs, otherwise a socket that does not exist (words must be
# checked before connecting).
check_bad_ops() {
	local msg=$1
	shift
	drive --connect-timeout 100 "$@"
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: drive: $msg"
}

@test "drive: bad operation words are refused before connecting (no backend): exit 2" {
	check_bad_ops "x3@0x50: expected rLEN[@ADDR] or wLEN[@ADDR]" x3@0x50
	check_bad_ops "w2@0x50: expected 2 data bytes, got 1" w2@0x50 0x01
	check_bad_ops "r1@0x80: address must be 0x00-0x7f" r1@0x80
}

@test "drive: bad operation words with a backend running: exit 2, nothing sent" {
	start_serve --target 0x50=24c02 --print
	check_bad_ops "x3@0x50: expected rLEN[@ADDR] or wLEN[@ADDR]" x3@0x50
	check_bad_ops "w2@0x50: expected 2 data bytes, got 1" w2@0x50 0x01
	check_bad_ops "r1@0x80: address must be 0x00-0x7f" r1@0x80
	check_bad_ops 'w1@0x50: data byte "0x100" is not 0-255' w1@0x50 0x100
	check_bad_ops "r1: no address (give the first message one: r1@ADDR)" r1
	check_bad_ops "r70000@0x50: length must be 0-65535" r70000@0x50
	check_bad_ops "w2@0x50: expected 2 data bytes, got 1" w2@0x50 0x01 r1
	# nothing reached the device
	sleep 0.2
	assert_equal "$(serve_requests)" ""
	serve_alive
}

@test "drive: bad detect arguments: exit 2" {
	check_bad_ops "detect takes no argument or FIRST LAST" detect 0x50
	check_bad_ops "detect 0x60 0x50: want FIRST <= LAST within 0x00-0x7f" detect 0x60 0x50
	check_bad_ops "detect 0x00 0x80: want FIRST <= LAST within 0x00-0x7f" detect 0x00 0x80
}

@test "drive: more than 64 messages: exit 2" {
	local words=() i
	for ((i = 0; i < 65; i++)); do words+=(r1@0x50); done
	check_bad_ops "r1@0x50: too many messages (at most 64)" "${words[@]}"
}

# ---- loopback -----------------------------------------------------------------

@test "loopback with an unknown device: exit 2" {
	run_vitool loopback frob
	assert_failure 2
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr_regex "^vitool: loopback: unknown device 'frob' \\((.*, )?i2c(, .*)?\\)\$"
	run_vitool loopback --indirect frob
	assert_failure 2
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr_regex "^vitool: loopback: unknown device 'frob' \\((.*, )?i2c(, .*)?\\)\$"
}

@test "loopback with an extra argument: exit 2" {
	run_vitool loopback --indirect i2c extra
	assert_failure 2
	assert_stderr "vitool: loopback: unexpected argument 'extra'"
}

# ---- every command's --help ----------------------------------------------------

# check_help CMD SOURCE: `vitool CMD --help` and `-h` exit 0, print usage on
# stdout, nothing on stderr, and mention every long option of SOURCE's table.
check_help() {
	local cmd=$1 src=$2 opt n=0
	run_vitool "$cmd" --help
	assert_success
	assert_stderr ""
	assert_line --index 0 --regexp "^usage: vitool $cmd"
	local help=$output
	for opt in $(long_options "$src"); do
		n=$((n + 1))
		[[ $help == *"--$opt"* ]] || fail "'vitool $cmd --help' does not mention --$opt"
	done
	((n >= 3)) || fail "found only $n long options in $src"
	run_vitool "$cmd" -h
	assert_success
	assert_equal "$output" "$help"
}

@test "serve --help mentions every option" {
	check_help serve "$SRC_DIR/cmd/serve.c"
	local o
	for o in --socket --target --bus --print --once --verbose --help; do
		assert_output --partial -- "$o"
	done
	# and the target models
	assert_output --partial 24c02
	assert_output --partial 24c32
	assert_output --partial regs
}

@test "serve i2c --help works after the device too" {
	run_vitool serve i2c --help
	assert_success
	assert_line --index 0 --regexp '^usage: vitool serve'
}

@test "drive --help mentions every option" {
	check_help drive "$SRC_DIR/cmd/drive.c"
	local o
	for o in --socket --timeout --connect-timeout --queue-size --indirect --verbose --help; do
		assert_output --partial -- "$o"
	done
	assert_output --partial "exit status"
}

@test "drive i2c --help works after the device too" {
	run_vitool drive i2c --help
	assert_success
	assert_line --index 0 --regexp '^usage: vitool drive'
}

@test "loopback --help mentions every option" {
	check_help loopback "$SRC_DIR/cmd/loopback.c"
	local o
	for o in --script --socket --indirect --verbose --help; do
		assert_output --partial -- "$o"
	done
}

@test "the global options are in vitool --help" {
	run_vitool --help
	local o
	for o in $(long_options "$SRC_DIR/cmd/vitool.c"); do
		assert_output --partial -- "--$o"
	done
}
