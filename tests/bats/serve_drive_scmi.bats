#!/usr/bin/env bats
# `vitool serve scmi` against `vitool drive scmi`: the platform the options
# and the config file describe, as the base, sensor, clock and performance
# protocols report it; sync and async sensor reads (delayed responses on the
# eventq); the control socket's `set` and the notifications it sends; the
# fault rules of seed 004 (a delayed response before its immediate one,
# concurrent responses reordered, either held until `release`); trace
# pairing each delayed response and notification with its command.

load helpers

setup() {
	vt_setup
	SOCK="$BATS_TEST_TMPDIR/scmi.sock"
	CTL="$XDG_RUNTIME_DIR/vitool/scmi.ctl"
}

teardown() {
	vt_teardown
}

# start_scmi ARGS...: `vitool serve scmi --socket $SOCK ARGS...` in the
# background, like start_serve.
start_scmi() {
	: >"$SERVE_OUT"
	: >"$SERVE_ERR"
	timeout "$VT_BG_LIMIT" "$VITOOL" serve scmi --socket "$SOCK" "$@" \
		>"$SERVE_OUT" 2>"$SERVE_ERR" </dev/null 3>&- &
	SERVE_PID=$!
	wait_for 5 test -S "$SOCK" || { dump_serve; fail "serve scmi did not create $SOCK"; }
}

sdrive() {
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive scmi --socket "$SOCK" "$@"
}

# sdrive_bg OUT ARGS...: drive scmi in the background (its pid in $BG_PID).
sdrive_bg() {
	local out=$1
	shift
	start_bg "$out" "$out.err" "$VITOOL" drive scmi --socket "$SOCK" "$@"
}

ctl() {
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" console -C "$CTL" -c "$*"
}

# The serve --print lines of queue Q ("q1 #3 used ..."), times and
# latencies removed.
printed() {
	grep -E "^$VT_TS scmi q$1 " "$SERVE_OUT" | strip_time | sed -E 's/^scmi //; s/ [0-9.]+(us|ms|s)( \[|$)/\2/'
}

# wait_held RULE: until `inflight` lists a request held by fault rule RULE.
held_by() {
	"$VITOOL" console -C "$CTL" -c inflight 2>/dev/null | grep -q "hold (rule $1)"
}

@test "scmi: the platform of the options, as base, sensors, clocks and perf report it" {
	start_scmi --sensor soc:45000:async:trips=2 --sensor vin:3300:type=voltage --sensor fan:1200:type=rpm \
		--clock uart:24M,48M --clock bus:100M-400M/100M:rate=200M:off \
		--perf cpu:500000,1000000,1500000:level=1000000
	sdrive base sensors clocks perf
	assert_success
	assert_stderr ""
	assert_output "base 2.1 vendor vitool sub-vendor sim implementation 0x10000
protocols 0x13 PERF 0x14 CLOCK 0x15 SENSOR
agent 0 platform
agent 1 OSPM
sensor 0 soc temperature scale -3 async notify trips 2
sensor 1 vin voltage scale -3 notify trips 0
sensor 2 fan rpm scale 0 notify trips 0
clock 0 uart 24000000 Hz on rates 24000000,48000000
clock 1 bus 200000000 Hz off rates 100000000-400000000/100000000
perf 0 cpu level 1000000 limits 500000-1500000 levels 500000,1000000,1500000"
}

@test "scmi: a bare serve has one sensor, clock and performance domain; a protocol without domains is not there" {
	start_scmi
	sdrive sensors clocks perf
	assert_success
	assert_output "sensor 0 soc temperature scale -3 notify trips 0
clock 0 uart 24000000 Hz on rates 24000000,48000000
perf 0 cpu level 1500000 limits 500000-1500000 levels 500000,1000000,1500000"
	stop_serve
	start_scmi --sensor soc:1
	sdrive base clocks
	assert_failure 1
	assert_line --index 1 "protocols 0x15 SENSOR"
	assert_stderr "vitool: drive: clocks: CLOCK PROTOCOL_ATTRIBUTES: NOT_SUPPORTED"
}

@test "scmi: --config takes the options' specs and the vendor strings; a bad line names file and line" {
	local conf=$BATS_TEST_TMPDIR/board.conf
	printf '# the board\nvendor acme\nsub-vendor rev-b\nsensor soc:52000\n\nperf big:1G,2G\n' >"$conf"
	start_scmi --config "$conf" --sensor vin:5000:type=voltage
	sdrive base sensors perf
	assert_success
	assert_line --index 0 "base 2.1 vendor acme sub-vendor rev-b implementation 0x10000"
	assert_line --index 4 "sensor 0 soc temperature scale -3 notify trips 0"
	assert_line --index 5 "sensor 1 vin voltage scale -3 notify trips 0"
	assert_line --index 6 "perf 0 big level 2000000000 limits 1000000000-2000000000 levels 1000000000,2000000000"
	stop_serve
	printf 'sensor soc:1\nclock uart\n' >"$conf"
	run_vitool serve scmi --socket "$SOCK" --config "$conf"
	assert_failure 2
	assert_stderr "vitool: serve: --config $conf:2: 'uart': want NAME:HZ[,HZ...] or NAME:MIN-MAX[/STEP], then [:rate=HZ][:off]"
	run_vitool serve scmi --socket "$SOCK" --config "$BATS_TEST_TMPDIR/none.conf"
	assert_failure 1
	assert_stderr "vitool: serve: --config $BATS_TEST_TMPDIR/none.conf: No such file or directory"
	[ ! -e "$SOCK" ] || fail "a refused serve left its socket"
}

@test "scmi: bad specs are usage errors naming the option" {
	run_vitool serve scmi --socket "$SOCK" --sensor soc:warm
	assert_failure 2
	assert_stderr "vitool: serve: --sensor 'soc:warm': value 'warm': want a whole number (thousandths of the unit)"
	run_vitool serve scmi --socket "$SOCK" --clock uart:48M,24M
	assert_failure 2
	assert_stderr "vitool: serve: --clock rates 48M,24M: ascending, each once"
	run_vitool serve scmi --socket "$SOCK" --perf cpu:1,2:level=5
	assert_failure 2
	assert_stderr "vitool: serve: --perf 'cpu:1,2:level=5': level=5 is not one of the domain's levels"
	run_vitool serve scmi --socket "$SOCK" --sensor a:1 --sensor a:2
	assert_failure 2
	assert_stderr "vitool: serve: --sensor sensor 'a' given twice"
}

@test "scmi: sync and async reads, concurrent ones; --print pairs each delayed response with its command" {
	start_scmi --sensor soc:45000:async --sensor vin:-250:type=current -p
	sdrive sensor read 0 async sensor read 0,1 sensor read 1
	assert_success
	assert_output "sensor 0: 45000 (delayed)
sensor 0: 45000
sensor 1: -250
sensor 1: -250"
	# async on a sensor that has none is refused as the spec says
	sdrive sensor read 1 async
	assert_failure 1
	assert_output "sensor 1: NOT_SUPPORTED"
	assert_stderr "vitool: drive: sensor read 1 async: sensor 1: NOT_SUPPORTED"
	wait_serve_line 'q1 #[0-9]+ used .* delayed SENSOR'
	run printed 1
	assert_output --regexp '^q1 #[0-9]+ used event buffer 136 -> delayed SENSOR READING_GET token 0 SUCCESS sensor 0 value 45000 timestamp 0 \(cmd #[0-9]+\)$'
	local cmd
	cmd=$(sed -nE 's/.*\(cmd #([0-9]+)\).*/\1/p' <<<"$output")
	run printed 0
	assert_line "q0 #$cmd used cmd SENSOR READING_GET token 0 sensor 0 flags 0x1 -> SUCCESS"
	assert_line --partial "cmd SENSOR READING_GET token 2 sensor 1 flags 0x0 -> SUCCESS value -250 timestamp 0"
}

@test "scmi fault: a delayed response before its immediate one (held, then released)" {
	start_scmi --sensor soc:45000:async -p --fault 'hold immediate protocol sensor msg 6'
	local out=$BATS_TEST_TMPDIR/drive.out
	sdrive_bg "$out" --timeout 30000 sensor read 0 async
	local drive=$BG_PID
	wait_for 10 held_by 1 || { cat "$out"*; fail "the immediate response was not held"; }
	# the delayed response went out meanwhile: the eventq completed it
	wait_serve_line 'q1 #[0-9]+ used .* delayed SENSOR READING_GET'
	ctl release all
	assert_success
	wait_exit "$drive" 10 || fail "drive did not finish after release"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$out")" "sensor 0: 45000 (delayed, before its immediate response)"
	wait_serve_line 'q0 #[0-9]+ used cmd SENSOR'
	run printed 1
	assert_output --regexp '^q1 #[0-9]+ used .* delayed SENSOR READING_GET token 0 SUCCESS sensor 0 value 45000 timestamp 0 \(cmd #[0-9]+\) \[OVERTOOK\]$'
}

@test "scmi fault: a delay on the immediate response lets the delayed one overtake it; trace -r marks it" {
	start_scmi --sensor soc:45000:async -w "$BATS_TEST_TMPDIR/s.pcap" \
		--fault 'delay 300ms immediate protocol sensor msg 6'
	sdrive --timeout 5000 sensor read 0 async
	assert_success
	stop_serve
	run_vitool trace -r "$BATS_TEST_TMPDIR/s.pcap" delayed
	assert_success
	assert_output --regexp '^'"$VT_TS"' scmi q1 #[0-9]+ used event buffer 136 -> delayed SENSOR READING_GET token 0 SUCCESS sensor 0 value 45000 timestamp 0 \(cmd #[0-9]+\) [0-9.]+(us|ms) \[OVERTOOK\]$'
	run_vitool trace --json -r "$BATS_TEST_TMPDIR/s.pcap" delayed
	run python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["overtook"], o["answers"] > 0, o["scmi"]["type"], o["scmi"]["message"])' "$output"
	assert_output "True True delayed READING_GET"
}

@test "scmi fault: reorder the immediate responses of concurrent commands, and the delayed ones" {
	start_scmi --sensor soc:45000:async --sensor vin:3300:async --fault 'reorder immediate'
	sdrive sensor read 0,1
	assert_success
	assert_output "sensor 1: 3300
sensor 0: 45000"
	ctl 'fault clear; fault add reorder delayed protocol sensor'
	assert_success
	sdrive sensor read 0,1 async
	assert_success
	assert_output "sensor 1: 3300 (delayed)
sensor 0: 45000 (delayed)"
}

@test "scmi trace: a delayed response that comes while an older command awaits its own is [OOO], paired by token; a failed async command awaits none" {
	local pcap=$BATS_TEST_TMPDIR/s.pcap cmd0 cmd1
	start_scmi --sensor soc:45000:async --sensor vin:3300:async --sensor fan:1200:type=rpm -p -w "$pcap" \
		--fault 'reorder delayed protocol sensor'
	sdrive sensor read 0,1 async
	assert_success
	assert_output "sensor 1: 3300 (delayed)
sensor 0: 45000 (delayed)"
	wait_serve_line 'q1 #[0-9]+ used .* delayed SENSOR READING_GET token 0 '
	cmd0=$(printed 0 | sed -nE 's/^q0 #([0-9]+) used cmd SENSOR READING_GET token 0 .*/\1/p')
	cmd1=$(printed 0 | sed -nE 's/^q0 #([0-9]+) used cmd SENSOR READING_GET token 1 .*/\1/p')
	run printed 1
	assert_line --index 0 --regexp "^q1 #[0-9]+ used event buffer 136 -> delayed SENSOR READING_GET token 1 SUCCESS sensor 1 value 3300 timestamp 0 \\(cmd #$cmd1\\) \\[OOO\\]\$"
	assert_line --index 1 --regexp "^q1 #[0-9]+ used event buffer 136 -> delayed SENSOR READING_GET token 0 SUCCESS sensor 0 value 45000 timestamp 0 \\(cmd #$cmd0\\)\$"
	# the immediate responses came in order: no mark on q0
	run printed 0
	refute_output --partial "[OOO]"
	# sensor 2 has no async reads: its command (the older) awaits nothing
	ctl 'fault clear'
	assert_success
	sdrive sensor read 2,0 async
	assert_failure 1
	assert_output "sensor 2: NOT_SUPPORTED
sensor 0: 45000 (delayed)"
	wait_serve_line 'q1 #[0-9]+ used .* delayed SENSOR READING_GET token 1 '
	run printed 1
	assert_line --index 2 --regexp "^q1 #[0-9]+ used event buffer 136 -> delayed SENSOR READING_GET token 1 SUCCESS sensor 0 value 45000 timestamp 0 \\(cmd #[0-9]+\\)\$"
	# the capture read back marks the same, and the ooo filter takes it
	stop_serve
	run_vitool trace -r "$pcap" ooo
	assert_success
	assert_output --regexp "^$VT_TS scmi q1 #[0-9]+ used event buffer 136 -> delayed SENSOR READING_GET token 1 SUCCESS sensor 1 value 3300 timestamp 0 \\(cmd #$cmd1\\) [0-9.]+(us|ms) \\[OOO\\]\$"
	run_vitool trace --json -r "$pcap" 'queue 1 and ooo'
	run python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["out_of_order"], o["overtook"], o["scmi"]["token"])' "$output"
	assert_output "True False 1"
}

@test "scmi fault: a held delayed response keeps the reader waiting; inflight shows it, release ends it" {
	start_scmi --sensor soc:45000:async --fault 'hold delayed'
	local out=$BATS_TEST_TMPDIR/drive.out
	sdrive_bg "$out" --timeout 30000 sensor read 0 async
	local drive=$BG_PID
	wait_for 10 held_by 1 || { cat "$out"*; fail "no delayed response held"; }
	ctl inflight
	assert_success
	assert_line --regexp '^1 +[0-9]+ +[0-9]+ +[0-9.]+(us|ms|s) +hold \(rule 1\) +event buffer 136$'
	proc_alive "$drive" || fail "drive finished while its delayed response was held"
	ctl release all
	assert_output --partial "released 1 request"
	wait_exit "$drive" 10 || fail "drive did not finish after release"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$out")" "sensor 0: 45000 (delayed)"
}

@test "scmi fault: fail answers GENERIC_ERROR; selector words are checked" {
	start_scmi --sensor soc:45000 --fault 'fail protocol sensor msg 6'
	sdrive sensors sensor read 0
	assert_failure 1
	assert_line --index 1 "sensor 0: GENERIC_ERROR"
	ctl 'fault add hold protocol kettle'
	assert_failure 1
	assert_stderr_contains "protocol wants a number (0x50), a name or a range (0x50-0x57), got 'kettle'"
	ctl 'fault add hold bogus 1'
	assert_failure 1
	assert_stderr_contains "cmd, delayed, notification, immediate, protocol N|NAME, msg N, token N"
}

@test "scmi control: set sends the notifications the driver asked for; domains shows it" {
	start_scmi --sensor soc:45000:trips=2 --clock uart:24M,48M --perf cpu:500000,1000000,1500000
	local out=$BATS_TEST_TMPDIR/drive.out
	sdrive_bg "$out" --timeout 30000 sensor notify 0 sensor trip 0 1 50000 up perf notify 0 events 4
	local drive=$BG_PID
	wait_for 10 grep -q "perf 0: level and limits" "$out" || { cat "$out"*; fail "drive did not turn notifications on"; }
	ctl 'set sensor soc 51000'
	assert_success
	assert_output --partial "notifications  2"
	ctl 'set perf cpu limits 500000 1000000'
	assert_success
	wait_exit "$drive" 10 || fail "drive did not get its 4 notifications"
	assert_equal "$WAIT_STATUS" 0
	run tail -n 4 "$out"
	assert_output "notification SENSOR SENSOR_TRIP_POINT_EVENT token 0 agent 0 sensor 0 trip 1 up
notification SENSOR SENSOR_UPDATE token 0 agent 0 sensor 0 value 51000 timestamp 0
notification PERF PERFORMANCE_LIMITS_CHANGED token 0 agent 0 domain 0 max 1000000 min 500000
notification PERF PERFORMANCE_LEVEL_CHANGED token 0 agent 0 domain 0 level 1000000"
	# domains says what the driver set up
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" console -C "$CTL" -j -c domains
	assert_success
	run python3 -c 'import json,sys; o=json.loads(sys.argv[1]); s=o["sensors"][0]; p=o["perf"][0]; print(s["value"], s["trips"], s["update_notify"], p["level"], p["max"])' "$output"
	assert_output "51000 [{'id': 1, 'when': 'up', 'value': 50000}] True 1000000 1000000"
	# a new front-end finds the platform as after power-on, but the
	# value is the host's
	sdrive sensor read 0
	assert_output "sensor 0: 51000"
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" console -C "$CTL" -j -c domains
	run python3 -c 'import json,sys; o=json.loads(sys.argv[1]); s=o["sensors"][0]; p=o["perf"][0]; print(s["value"], s["trips"], s["update_notify"], p["level"], p["max"])' "$output"
	assert_output "51000 [] False 1500000 1500000"
}

@test "scmi control: set refuses what the platform does not have" {
	start_scmi --sensor soc:45000 --clock uart:24M,48M --perf cpu:500000,1000000
	ctl 'set sensor nosuch 1'
	assert_failure 1
	assert_stderr_contains "no sensor 'nosuch' (domains lists them)"
	ctl 'set clock 0 30M'
	assert_failure 1
	assert_stderr_contains "clock 0 (uart) has no rate 30000000 Hz"
	ctl 'set perf cpu limits 1000000 500000'
	assert_failure 1
	assert_stderr_contains "limits 1000000-500000: want two levels of domain 0 (cpu), the lower first"
	ctl 'set fan 0 1'
	assert_failure 1
	assert_stderr_contains "set fan: want sensor, clock or perf"
	ctl 'set clock uart 48M'
	assert_success
	sdrive clock rate 0
	assert_output "clock 0: 48000000 Hz"
}

@test "scmi: clock and perf set from the driver, with an async rate set's delayed response" {
	start_scmi --clock uart:24M,48M,96M --perf cpu:500000,1000000,1500000
	sdrive clock set 0 48M async clock set 0 30M clock rate 0 clock off 0 clocks perf level 0 700000 perf limits 0 500000 1000000
	assert_success
	assert_output "clock 0: set 48000000 Hz (delayed: 48000000 Hz)
clock 0: set 30000000 Hz
clock 0: 24000000 Hz
clock 0: off
clock 0 uart 24000000 Hz off rates 24000000,48000000,96000000
perf 0: level 500000
perf 0: limits 500000-1000000"
	sdrive clock set 0 1G
	assert_failure 1
	assert_stderr "vitool: drive: clock set 0 1G: CLOCK RATE_SET: OUT_OF_RANGE"
}

@test "scmi: hostile commands get the spec's statuses; drive's words are checked before connecting" {
	start_scmi --sensor soc:1
	sdrive raw 0x15 6 0
	assert_failure 1
	assert_output "PROTOCOL_ERROR"
	sdrive raw 0x15 2 7 raw 0x11 0
	assert_failure 1
	assert_output "NOT_FOUND"
	sdrive raw 0x15 0
	assert_success
	assert_output "SUCCESS 0x00030001"
	run_vitool drive scmi --socket "$SOCK" sensor read x
	assert_failure 2
	assert_stderr "vitool: drive: sensor read: 'x' is not a sensor id"
	run_vitool drive scmi --socket "$SOCK" frobnicate
	assert_failure 2
	assert_stderr_contains "'frobnicate': unknown operation"
}

@test "scmi: drive scmi against another device type says so" {
	SOCK="$BATS_TEST_TMPDIR/i2c.sock"
	start_serve --target 0x50=24c02
	run_vitool drive scmi --socket "$SOCK" base
	assert_failure 1
	assert_stderr "vitool: drive: $SOCK serves i2c, not scmi"
}
