#!/usr/bin/env bats
# Shell completion (completions/vitool.bash, completions/_vitool) and the man
# pages: the bash function is called the way bash calls it, with COMP_WORDS
# split at COMP_WORDBREAKS; the zsh file must parse; every man page must
# render without a groff warning; options in the getopt tables of cmd/*.c
# must be offered by completion and documented in the man pages.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

SRC_DIR="$BATS_TEST_DIRNAME/../.."
# The binary of the build under test (make passes VITOOL: SAN=1, BUILD=...).
VT=${VITOOL:-"$SRC_DIR/vitool"}

setup() {
	# shellcheck source=../../completions/vitool.bash
	source "$SRC_DIR/completions/vitool.bash"
	# Control sockets of the instances a test starts, and only those.
	export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xdg"
	mkdir -p "$XDG_RUNTIME_DIR"
	SERVE_PIDS=()
}

teardown() {
	local pid
	for pid in "${SERVE_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || :
		wait "$pid" 2>/dev/null || :
	done
}

# start_gpio NAME [SERVE OPTION...]: a `vitool serve gpio` with socket
# $BATS_TEST_TMPDIR/NAME.sock, bounded by a timeout, killed in teardown;
# returns once its control socket answers (at most 5 s).
start_gpio() {
	local name=$1 i
	shift
	[ -x "$VT" ] || fail "vitool is not built: $VT"
	timeout 60 "$VT" serve gpio --socket "$BATS_TEST_TMPDIR/$name.sock" "$@" \
		>/dev/null 2>&1 3>&- &
	SERVE_PIDS+=($!)
	for ((i = 0; i < 50; i++)); do
		[ -S "$XDG_RUNTIME_DIR/vitool/$name.ctl" ] && return 0
		sleep 0.1
	done
	fail "vitool serve gpio $name: no control socket after 5 s"
}

# complete WORD...: sets COMP_WORDS to the words (the last one is the word
# under the cursor), calls the completion function and leaves the reply in
# COMPREPLY.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_vitool 2>/dev/null
}

# The long options of a command's option table in cmd/CMD.c, sorted:
# getopt_long rows ({ "socket", required_argument, ... }) and inject's own
# rows ({ "control", 'C', true, set_control }, { "wait", 0, false, set_wait }).
getopt_long_options() {
	sed -n -e 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument,.*/--\1/p' \
		-e "s/^[[:space:]]*{ \"\([a-z-]*\)\", \('.'\|0\), \(true\|false\), .*/--\1/p" \
		"$SRC_DIR/cmd/$1.c" | sort
}

# The devices `vitool serve --help` lists (the registry's servable types).
serve_devices() {
	"$VT" serve --help | sed -n 's/^\(usage:\)\{0,1\} *vitool serve \([a-z0-9]*\) .*/\2/p'
}

# The long options of one device's registry row, as `vitool serve DEV
# --help` prints them (its "DEV:" section), sorted.
device_serve_options() {
	"$VT" serve "$1" --help | sed -n "/^$1:\$/,/^common:\$/p" |
		sed -n 's/^ *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p' | sort
}

# The commands whose cmd/CMD.c has an option table (vitool: the global
# options), one a line.
commands_with_options() {
	local f
	for f in "$SRC_DIR"/cmd/*.c; do
		if [ -n "$(getopt_long_options "$(basename "$f" .c)")" ]; then
			basename "$f" .c
		fi
	done
}

# The commands of the dispatcher's table in cmd/vitool.c, in order.
dispatcher_commands() {
	sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",[[:space:]]*cmd_[a-z_]*,.*/\1/p' "$SRC_DIR/cmd/vitool.c"
}

@test "completion: the drift guards see every command" {
	local with_options dispatched
	# Every command but help has an option table the guards below read.
	with_options=$(commands_with_options | grep -vx vitool | sort | tr '\n' ' ')
	dispatched=$(dispatcher_commands | grep -vx help | sort | tr '\n' ' ')
	[ -n "$dispatched" ] || fail "no commands found in cmd/vitool.c"
	assert_equal "$with_options" "$dispatched"
	# and bash offers the dispatcher's commands, in its order.
	assert_equal "$(dispatcher_commands | tr '\n' ' ')" "$_vitool_commands "
}

@test "completion: the bash file registers _vitool for vitool" {
	run complete -p vitool
	assert_success
	assert_output --partial "-F _vitool"
}

@test "completion: commands after 'vitool '" {
	complete_words vitool ""
	assert_equal "${COMPREPLY[*]}" "serve drive proxy loopback inject trace top console list help"
}

@test "completion: commands after global options, global options after 'vitool -'" {
	complete_words vitool -v ""
	assert_equal "${COMPREPLY[*]}" "serve drive proxy loopback inject trace top console list help"
	complete_words vitool --v
	assert_equal "${COMPREPLY[*]}" "--verbose --version"
}

@test "completion: options after 'vitool serve i2c --'" {
	complete_words vitool serve i2c --
	assert_equal "${COMPREPLY[*]}" "--socket --target --bus --name --control --print --write --snaplen --timeout-ms --once --fault --quiet --verbose --help"
}

@test "completion: a --fault rule starts with its kind" {
	complete_words vitool serve i2c --fault ""
	assert_equal "${COMPREPLY[*]}" "delay fail hold reorder"
	complete_words vitool serve gpio --fault h
	assert_equal "${COMPREPLY[*]}" "hold"
}

@test "completion: options after 'vitool serve gpio --'" {
	complete_words vitool serve gpio --
	assert_equal "${COMPREPLY[*]}" "--socket --lines --names --chip --name --control --print --write --snaplen --timeout-ms --once --fault --quiet --verbose --help"
	complete_words vitool serve gpio --n
	assert_equal "${COMPREPLY[*]}" "--names --name"
}

@test "completion: the device word after 'vitool serve ', 'drive ', 'loopback '" {
	complete_words vitool serve ""
	assert_equal "${COMPREPLY[*]}" "i2c gpio scmi blk rng"
	complete_words vitool serve blk --s
	assert_equal "${COMPREPLY[*]}" "--socket --size --serial --snaplen"
	complete_words vitool drive g
	assert_equal "${COMPREPLY[*]}" "gpio"
	complete_words vitool loopback ""
	assert_equal "${COMPREPLY[*]}" "i2c gpio rng"
}

@test "completion: loopback takes options before and after its device word" {
	complete_words vitool loopback gpio --s
	assert_equal "${COMPREPLY[*]}" "--script --socket"
	complete_words vitool loopback -S /tmp/x.sock gpio --i
	assert_equal "${COMPREPLY[*]}" "--indirect"
	complete_words vitool loopback gpio -S
	assert_equal "${COMPREPLY[*]}" "-S"
	complete_words vitool loopback -v gpio ""
	assert_equal "${COMPREPLY[*]}" ""
	complete_words vitool loopback -S /tmp/x.sock ""
	assert_equal "${COMPREPLY[*]}" "i2c gpio rng"
	# the old short options are gone
	complete_words vitool loopback -
	[[ " ${COMPREPLY[*]} " != *" -s "* && " ${COMPREPLY[*]} " != *" -i "* ]] || fail "offers -s or -i: ${COMPREPLY[*]}"
}

@test "completion: loopback's devices are the ones 'vitool loopback --help' lists, in bash and zsh" {
	[ -x "$VT" ] || fail "vitool is not built: $VT"
	local want
	want=$("$VT" loopback --help | sed -n '1s/^usage: vitool loopback \[\([a-z0-9|]*\)\].*/\1/p' | tr '|' ' ')
	[ -n "$want" ] || fail "no device list in the usage line of 'vitool loopback --help'"
	assert_equal "bash: $_vitool_loopback_devices" "bash: $want"
	grep -qF "'1:device:($want)'" "$SRC_DIR/completions/_vitool" ||
		fail "completions/_vitool: _vitool_loopback's devices are not ($want)"
}

@test "completion: serve rng options, drive rng's read" {
	complete_words vitool serve rng --r
	assert_equal "${COMPREPLY[*]}" "--rate"
	complete_words vitool serve rng --seed ""
	assert_equal "${COMPREPLY[*]}" ""
	complete_words vitool drive rng -S /tmp/rng.sock ""
	assert_equal "${COMPREPLY[*]}" "read"
	complete_words vitool drive rng -S /tmp/rng.sock read ""
	assert_equal "${COMPREPLY[*]}" ""
}

@test "completion: drive blk's device word, --indirect, operations and write's FILE" {
	complete_words vitool drive b
	assert_equal "${COMPREPLY[*]}" "blk"
	complete_words vitool drive blk --ind
	assert_equal "${COMPREPLY[*]}" "--indirect"
	complete_words vitool drive blk -S /tmp/blk.sock ""
	assert_equal "${COMPREPLY[*]}" "read write flush id capacity wait-config"
	complete_words vitool drive blk -S /tmp/blk.sock read 0 f
	assert_equal "${COMPREPLY[*]}" "flush"
	complete_words vitool drive blk -S /tmp/blk.sock read ""
	assert_equal "${COMPREPLY[*]}" ""
	local dir
	dir=$(mktemp -d)
	touch "$dir/data.bin"
	complete_words vitool drive blk -S /tmp/blk.sock write 8 "$dir/da"
	assert_equal "${COMPREPLY[*]}" "$dir/data.bin"
	rm -rf "$dir"
}

@test "completion: models after '--target 0x50=' (bash splits at '=')" {
	# What bash passes for "vitool serve i2c --target 0x50=": the '=' is a
	# word of its own and is the word under the cursor.
	complete_words vitool serve i2c --target 0x50 =
	assert_equal "${COMPREPLY[*]}" "24c02 24c32 regs"
	complete_words vitool serve i2c -S /tmp/s --target 0x50 = 24
	assert_equal "${COMPREPLY[*]}" "24c02 24c32"
	complete_words vitool serve i2c --target=0x50 = r
	assert_equal "${COMPREPLY[*]}" "regs"
}

@test "completion: models after '--target 0x50=' (no word breaks at '=')" {
	COMP_WORDBREAKS=$' \t\n"'"'"
	complete_words vitool serve i2c --target 0x50=
	assert_equal "${COMPREPLY[*]}" "0x50=24c02 0x50=24c32 0x50=regs"
}

@test "completion: ':file=' after a model" {
	complete_words vitool serve i2c --target 0x50 = 24c02 :
	assert_equal "${COMPREPLY[*]}" "file="
}

@test "completion: command names after 'vitool help '" {
	complete_words vitool help ""
	assert_equal "${COMPREPLY[*]}" "serve drive proxy loopback inject trace top console list"
	complete_words vitool help lo
	assert_equal "${COMPREPLY[*]}" "loopback"
	complete_words vitool help l
	assert_equal "${COMPREPLY[*]}" "loopback list"
	complete_words vitool help t
	assert_equal "${COMPREPLY[*]}" "trace top"
}

@test "completion: serve's capture options and their values" {
	local dir
	dir=$(mktemp -d)
	touch "$dir/cap.pcap"
	complete_words vitool serve i2c --s
	assert_equal "${COMPREPLY[*]}" "--socket --snaplen"
	complete_words vitool serve gpio -w "$dir/ca"
	assert_equal "${COMPREPLY[*]}" "$dir/cap.pcap"
	complete_words vitool serve i2c --write = "$dir/ca"
	assert_equal "${COMPREPLY[*]}" "$dir/cap.pcap"
	# numbers: nothing, and the next word is an option again
	complete_words vitool serve i2c --snaplen ""
	assert_equal "${COMPREPLY[*]}" ""
	complete_words vitool serve i2c --timeout-ms 500 --o
	assert_equal "${COMPREPLY[*]}" "--once"
	rm -rf "$dir"
}

@test "completion: trace options and their values" {
	local dir
	dir=$(mktemp -d)
	touch "$dir/cap.pcap"
	complete_words vitool trace --
	assert_equal "${COMPREPLY[*]}" "--interface --control --list-interfaces --read --write --count --snaplen --linktype --unbuffered --line-buffered --quiet --hex --hex-ascii --verbose --json --help"
	complete_words vitool trace -r "$dir/ca"
	assert_equal "${COMPREPLY[*]}" "$dir/cap.pcap"
	complete_words vitool trace --write = "$dir/ca"
	assert_equal "${COMPREPLY[*]}" "$dir/cap.pcap"
	# -s is the snap length here, not a socket; -c a count
	complete_words vitool trace -s ""
	assert_equal "${COMPREPLY[*]}" ""
	complete_words vitool trace -c 10 --j
	assert_equal "${COMPREPLY[*]}" "--json"
	# getopt permutes: options after filter words too, but not after --
	complete_words vitool trace i2c --u
	assert_equal "${COMPREPLY[*]}" "--unbuffered"
	complete_words vitool trace -- -
	assert_equal "${COMPREPLY[*]}" ""
	rm -rf "$dir"
}

@test "completion: -i offers the running instances' names (inject, trace)" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_gpio board --names led
	start_gpio plain --lines 2
	complete_words vitool inject -i ""
	assert_equal "${COMPREPLY[*]}" "board plain"
	complete_words vitool trace --interface p
	assert_equal "${COMPREPLY[*]}" "plain"
	complete_words vitool list --
	assert_equal "${COMPREPLY[*]}" "--json --help"
}

@test "completion: top: the instance's name as a bare word or after -i, its socket after -C, delays, options" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_gpio board --names led
	start_gpio plain --lines 2
	complete_words vitool top ""
	assert_equal "${COMPREPLY[*]}" "board plain"
	complete_words vitool top -d 1 b
	assert_equal "${COMPREPLY[*]}" "board"
	complete_words vitool top -i p
	assert_equal "${COMPREPLY[*]}" "plain"
	complete_words vitool top --control ""
	assert_equal "${COMPREPLY[*]}" "$XDG_RUNTIME_DIR/vitool/board.ctl $XDG_RUNTIME_DIR/vitool/plain.ctl"
	complete_words vitool top -d ""
	assert_equal "${COMPREPLY[*]}" "0.5 1 2 5"
	# a name given: only options remain
	complete_words vitool top board ""
	assert_equal "${COMPREPLY[*]}" "-i --interface -C --control -d --delay --filter --once -j --json -h --help"
	complete_words vitool top --o
	assert_equal "${COMPREPLY[*]}" "--once"
}

@test "completion: console takes an instance name, -i, -C and its options" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_gpio board --names led
	start_gpio plain --lines 2
	complete_words vitool console ""
	assert_equal "${COMPREPLY[*]}" "board plain"
	complete_words vitool console -i b
	assert_equal "${COMPREPLY[*]}" "board"
	complete_words vitool console -C ""
	assert_equal "${COMPREPLY[*]}" "$XDG_RUNTIME_DIR/vitool/board.ctl $XDG_RUNTIME_DIR/vitool/plain.ctl"
	complete_words vitool console board ""
	assert_equal "${COMPREPLY[*]}" ""
	complete_words vitool console -c 'lines' --j
	assert_equal "${COMPREPLY[*]}" "--json"
}

@test "completion: trace --control offers the running instances' sockets" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_gpio board --names led
	complete_words vitool trace --control ""
	assert_equal "${COMPREPLY[*]}" "$XDG_RUNTIME_DIR/vitool/board.ctl"
	complete_words vitool trace -C ""
	assert_equal "${COMPREPLY[*]}" "$XDG_RUNTIME_DIR/vitool/board.ctl"
}

@test "completion: trace FILTER keywords and their values" {
	complete_words vitool trace ""
	assert_equal "${COMPREPLY[*]}" "i2c gpio scmi blk rng device instance q queue id avail used kick call irq vhost config connect disconnect drops log error ring-error timeout late ooo to-backend to-frontend channel reply addr line type read write probe cmd delayed notification status latency level and or not"
	complete_words vitool trace -c 5 l
	assert_equal "${COMPREPLY[*]}" "log late line latency level"
	complete_words vitool trace level ""
	assert_equal "${COMPREPLY[*]}" "error warning info debug"
	complete_words vitool trace log and level w
	assert_equal "${COMPREPLY[*]}" "warning"
	complete_words vitool trace i2c and s
	assert_equal "${COMPREPLY[*]}" "scmi status"
	# bash splits '(' into a word of its own
	complete_words vitool trace q0 and "(" us
	assert_equal "${COMPREPLY[*]}" "used"
	complete_words vitool trace status ""
	assert_equal "${COMPREPLY[*]}" "ok err"
	complete_words vitool trace used and STATUS e
	assert_equal "${COMPREPLY[*]}" "err"
	complete_words vitool trace device ""
	assert_equal "${COMPREPLY[*]}" "i2c gpio scmi blk rng"
	complete_words vitool trace gpio and type SET_
	assert_equal "${COMPREPLY[*]}" "SET_VALUE SET_DIRECTION SET_IRQ_TYPE"
	# numbers and durations: nothing to offer
	local w
	for w in q queue instance id addr line latency; do
		complete_words vitool trace "$w" ""
		assert_equal "$w: ${COMPREPLY[*]}" "$w: "
	done
	complete_words vitool trace latency ">" ""
	assert_equal "${COMPREPLY[*]}" ""
	# after a value, keywords again
	complete_words vitool trace addr 0x50 a
	assert_equal "${COMPREPLY[*]}" "avail addr and"
}

@test "completion: every trace FILTER keyword is one the filter accepts" {
	[ -x "$VT" ] || fail "vitool is not built: $VT"
	local w arg
	for w in $_vitool_filter_words; do
		case $w in
		and | or) continue ;;
		not) arg=i2c ;;
		q | queue | instance | id | addr | line) arg=1 ;;
		device) arg=i2c ;;
		type) arg=read ;;
		status) arg=ok ;;
		level) arg=warning ;;
		latency) arg="> 5ms" ;;
		*) arg="" ;;
		esac
		run "$VT" trace -r "$SRC_DIR/tests/trace/i2c.pcap" -c 1 $w $arg
		[ "$status" -ne 2 ] || fail "filter word '$w $arg': $output"
	done
	for w in $_vitool_filter_types; do
		run "$VT" trace -r "$SRC_DIR/tests/trace/i2c.pcap" -c 1 type "$w"
		[ "$status" -ne 2 ] || fail "filter 'type $w': $output"
	done
	for w in $_vitool_filter_devices; do
		run "$VT" trace -r "$SRC_DIR/tests/trace/i2c.pcap" -c 1 device "$w"
		[ "$status" -ne 2 ] || fail "filter 'device $w': $output"
	done
	for w in $_vitool_filter_status; do
		run "$VT" trace -r "$SRC_DIR/tests/trace/i2c.pcap" -c 1 status "$w"
		[ "$status" -ne 2 ] || fail "filter 'status $w': $output"
	done
}

# The device registry's words as `vitool trace --help` lists them:
# "devices" (the type names) or "types" (the type words of the decoders).
registry_filter_words() {
	"$VT" trace --help |
		sed -n "s/^FILTER: devices:\(.*\); types:\(.*\)/\1;\2/p" |
		if [ "$1" = devices ]; then cut -d';' -f1; else cut -d';' -f2; fi | xargs
}

@test "completion: trace FILTER device and type words are the registry's" {
	[ -x "$VT" ] || fail "vitool is not built: $VT"
	local devices types w
	devices=$(registry_filter_words devices)
	types=$(registry_filter_words types)
	[ -n "$devices" ] || fail "no devices in 'vitool trace --help'"
	assert_equal "$_vitool_filter_devices" "$devices"
	for w in $devices $types; do
		[[ " $_vitool_filter_words " == *" $w "* ]] || fail "bash: filter word '$w' missing"
		grep -q -- "$w" "$SRC_DIR/completions/_vitool" || fail "zsh: filter word '$w' missing"
		grep -qw -- "$w" "$SRC_DIR/man/vitool-trace.1" || fail "vitool-trace.1: filter word '$w' missing"
	done
	for w in $types; do
		[[ " $_vitool_filter_types " == *" $w "* ]] || fail "bash: type '$w' missing"
	done
}

@test "completion: drive suggests detect and r/w forms" {
	complete_words vitool drive i2c -S /tmp/i2c.sock ""
	assert_equal "${COMPREPLY[*]}" "detect r1@0x w1@0x"
	complete_words vitool drive i2c -S /tmp/i2c.sock r8
	assert_equal "${COMPREPLY[*]}" "r8@0x"
	complete_words vitool drive i2c -S /tmp/i2c.sock de
	assert_equal "${COMPREPLY[*]}" "detect"
}

@test "completion: drive gpio operations, directions, irq types" {
	complete_words vitool drive gpio -S /tmp/gpio.sock ""
	assert_equal "${COMPREPLY[*]}" "info names get set dir irq wait"
	complete_words vitool drive gpio -S /tmp/gpio.sock dir 3 ""
	assert_equal "${COMPREPLY[*]}" "in out none"
	complete_words vitool drive gpio -S /tmp/gpio.sock dir 3 in irq button ""
	assert_equal "${COMPREPLY[*]}" "rising falling both high low none"
	complete_words vitool drive gpio -S /tmp/gpio.sock irq 3 rising wait 3 ""
	assert_equal "${COMPREPLY[*]}" "--timeout -n --format info names get set dir irq wait"
	# wait takes several lines, then gpiomon's options in any order
	complete_words vitool drive gpio -S /tmp/gpio.sock wait 3 button -n 2 ""
	assert_equal "${COMPREPLY[*]}" "--timeout -n --format info names get set dir irq wait"
	complete_words vitool drive gpio -S /tmp/gpio.sock wait 3 --format ""
	assert_equal "${COMPREPLY[*]}" ""
	complete_words vitool drive gpio -S /tmp/gpio.sock wait 3 --timeout ""
	assert_equal "${COMPREPLY[*]}" ""
	complete_words vitool drive gpio -S /tmp/gpio.sock wait 3 --timeout 500 w
	assert_equal "${COMPREPLY[*]}" "wait"
	complete_words vitool drive gpio -S /tmp/gpio.sock set led = ""
	assert_equal "${COMPREPLY[*]}" "0 1 low high off on inactive active"
	complete_words vitool drive gpio -S /tmp/gpio.sock set led=1 button = h
	assert_equal "${COMPREPLY[*]}" "high"
	complete_words vitool drive gpio -S /tmp/gpio.sock get ""
	assert_equal "${COMPREPLY[*]}" ""
	# --indirect is an i2c option; --inflight is every device's
	complete_words vitool drive gpio --ind
	assert_equal "${COMPREPLY[*]}" ""
	complete_words vitool drive gpio --i
	assert_equal "${COMPREPLY[*]}" "--inflight"
}

@test "completion: inject's device word, options and levels" {
	complete_words vitool inject ""
	assert_equal "${COMPREPLY[*]}" "gpio"
	complete_words vitool inject --
	assert_equal "${COMPREPLY[*]}" "--name --control --pulse --wait --timeout --help"
	complete_words vitool inject gpio button=1 --w
	assert_equal "${COMPREPLY[*]}" "--wait"
	complete_words vitool inject gpio button = ""
	assert_equal "${COMPREPLY[*]}" "0 1 low high off on inactive active toggle"
	complete_words vitool inject gpio --pulse 100 3 = t
	assert_equal "${COMPREPLY[*]}" "toggle"
	# the value of --pulse is not a pair
	complete_words vitool inject gpio --pulse ""
	assert_equal "${COMPREPLY[*]}" ""
}

@test "completion: inject completes line names from the running instance" {
	command -v socat >/dev/null || command -v python3 >/dev/null || skip "neither socat nor python3"
	start_gpio board --names led,reset,button
	complete_words vitool inject gpio ""
	assert_equal "${COMPREPLY[*]}" "led= reset= button="
	complete_words vitool inject gpio led=1 b
	assert_equal "${COMPREPLY[*]}" "button="
	complete_words vitool inject gpio --wait r
	assert_equal "${COMPREPLY[*]}" "reset="
}

@test "completion: inject line names through python3 when socat is missing" {
	command -v python3 >/dev/null || skip "python3 not installed"
	start_gpio board --names led,reset,button
	local bin="$BATS_TEST_TMPDIR/bin"
	mkdir -p "$bin"
	ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$bin/python3"
	ln -s "$(command -v timeout)" "$bin/timeout"
	PATH=$bin complete_words vitool inject gpio ""
	assert_equal "${COMPREPLY[*]}" "led= reset= button="
	# Neither: nothing, quietly.
	PATH=$BATS_TEST_TMPDIR/empty complete_words vitool inject gpio ""
	assert_equal "${COMPREPLY[*]}" ""
}

@test "completion: inject line names of the instance given with --control, offsets for unnamed lines" {
	command -v socat >/dev/null || command -v python3 >/dev/null || skip "neither socat nor python3"
	start_gpio board --names led,reset,button
	start_gpio plain --lines 3
	# Two instances and no --control: nothing to choose from.
	complete_words vitool inject gpio ""
	assert_equal "${COMPREPLY[*]}" ""
	complete_words vitool inject --control "$XDG_RUNTIME_DIR/vitool/plain.ctl" gpio ""
	assert_equal "${COMPREPLY[*]}" "0= 1= 2="
	complete_words vitool inject gpio -C "$XDG_RUNTIME_DIR/vitool/board.ctl" l
	assert_equal "${COMPREPLY[*]}" "led="
	complete_words vitool inject gpio -i board l
	assert_equal "${COMPREPLY[*]}" "led="
	# --control's value: the running instances' sockets.
	complete_words vitool inject gpio --control ""
	assert_equal "${COMPREPLY[*]}" "$XDG_RUNTIME_DIR/vitool/board.ctl $XDG_RUNTIME_DIR/vitool/plain.ctl"
}

@test "completion: inject offers nothing without an instance, nor for a stale socket" {
	complete_words vitool inject gpio ""
	assert_equal "${COMPREPLY[*]}" ""
	# A socket file nothing listens on (an instance that crashed).
	mkdir -p "$XDG_RUNTIME_DIR/vitool"
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
		"$XDG_RUNTIME_DIR/vitool/dead.ctl" 2>/dev/null || skip "cannot make a stale socket"
	complete_words vitool inject gpio ""
	assert_equal "${COMPREPLY[*]}" ""
}

@test "completion: --socket and --script complete file names" {
	local dir
	dir=$(mktemp -d)
	touch "$dir/i2c.sock" "$dir/script.txt"
	complete_words vitool serve i2c --socket "$dir/i2"
	assert_equal "${COMPREPLY[*]}" "$dir/i2c.sock"
	complete_words vitool loopback --script "$dir/sc"
	assert_equal "${COMPREPLY[*]}" "$dir/script.txt"
	rm -rf "$dir"
}

@test "completion: bash offers every long option of each command's getopt table" {
	local cmd want got dev
	local -a all
	for cmd in $(commands_with_options); do
		[ "$cmd" != vitool ] || continue
		want=$(getopt_long_options "$cmd")
		[ -n "$want" ] || fail "no options found in cmd/$cmd.c"
		all=()
		case $cmd in
		loopback | inject | trace | top | list | console)
			complete_words vitool "$cmd" --
			all=("${COMPREPLY[@]}")
			;;
		*)
			# Each device offers its own options; together, all of them
			# (serve's device options are in the registry, not serve.c).
			if [ "$cmd" = serve ]; then
				for dev in $(serve_devices); do
					want+=$'\n'$(device_serve_options "$dev")
				done
				want=$(printf '%s\n' "$want" | sort -u)
			fi
			for dev in $(serve_devices); do
				complete_words vitool "$cmd" "$dev" --
				all+=("${COMPREPLY[@]}")
			done
			;;
		esac
		got=$(printf '%s\n' "${all[@]}" | sort -u)
		assert_equal "$cmd: $got" "$cmd: $want"
	done
	want=$(getopt_long_options vitool)
	complete_words vitool --
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
	assert_equal "vitool: $got" "vitool: $want"
}

@test "completion: each device's serve options are its registry row's, in bash, zsh and vitool-serve(1)" {
	[ -x "$VT" ] || fail "vitool is not built: $VT"
	local dev want got opt common
	common=$(getopt_long_options serve)
	[ -n "$(serve_devices)" ] || fail "no devices in 'vitool serve --help'"
	assert_equal "$(serve_devices | xargs)" "$_vitool_devices"
	for dev in $(serve_devices); do
		want=$(printf '%s\n%s\n' "$common" "$(device_serve_options "$dev")" | sed '/^$/d' | sort -u)
		complete_words vitool serve "$dev" --
		got=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u)
		assert_equal "serve $dev: $got" "serve $dev: $want"
		for opt in $(device_serve_options "$dev"); do
			grep -q -- "$opt" "$SRC_DIR/completions/_vitool" || fail "completions/_vitool lacks serve $dev $opt"
			grep -qF -- "${opt//-/\\-}" "$SRC_DIR/man/vitool-serve.1" ||
				fail "vitool-serve.1 does not document serve $dev $opt"
		done
	done
}

@test "completion: the zsh file parses" {
	command -v zsh >/dev/null || skip "zsh not installed"
	run zsh -n "$SRC_DIR/completions/_vitool"
	assert_success
	assert_output ""
	cd "$SRC_DIR"
	run zsh -fc 'autoload -U compinit; compinit -u; source completions/_vitool; print -r -- $_comps[vitool]'
	assert_success
	assert_output "_vitool"
}

@test "completion: zsh offers every long option of each command's getopt table" {
	local cmd opt
	for cmd in $(commands_with_options); do
		for opt in $(getopt_long_options "$cmd"); do
			grep -q -- "$opt" "$SRC_DIR/completions/_vitool" ||
				fail "completions/_vitool lacks $cmd $opt"
		done
	done
}

# Renders a page the way man(1) does and prints the warnings only.
man_warnings() {
	if command -v man >/dev/null; then
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$1" 2>&1 >/dev/null
	else
		groff -ww -z -man -Tutf8 "$1" 2>&1
	fi
}

@test "man: the warning check catches a broken page" {
	command -v man >/dev/null || command -v groff >/dev/null || skip "neither man nor groff installed"
	local page="$BATS_TEST_TMPDIR/broken.1"
	printf '.TH BROKEN 1\n.SH NAME\nbroken \\- test\n.XX not a macro\n' >"$page"
	run man_warnings "$page"
	refute_output ""
}

@test "man: every page renders without warnings" {
	command -v man >/dev/null || command -v groff >/dev/null || skip "neither man nor groff installed"
	local page n=0
	for page in "$SRC_DIR"/man/*.[1-9]; do
		run man_warnings "$page"
		assert_output ""
		n=$((n + 1))
	done
	((n >= 6)) || fail "expected at least 6 man pages, found $n"
}

@test "man: every page passes mandoc -T lint" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run mandoc -T lint -W warning "$SRC_DIR"/man/*.[1-9]
	assert_success
	assert_output ""
}

@test "man: each command's page documents every long option of its getopt table" {
	local cmd page opt
	for cmd in $(commands_with_options); do
		page=$SRC_DIR/man/vitool-$cmd.1
		[ "$cmd" = vitool ] && page=$SRC_DIR/man/vitool.1
		for opt in $(getopt_long_options "$cmd"); do
			# In roff source a hyphen is written \-.
			grep -qF -- "${opt//-/\\-}" "$page" ||
				fail "$(basename "$page") does not document $opt"
		done
	done
}
