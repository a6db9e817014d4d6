#!/usr/bin/env bats
# `vitool trace`: golden outputs of checked-in captures (tests/trace/, made
# by tests/trace/gen.c: regenerate with tests/trace/regen.sh), filters,
# -c, -w/-r round trips, broken captures, tcpdump/tshark interop, the Lua
# dissector, and live tracing of a running serve.

load helpers

GOLD="$BATS_TEST_DIRNAME/../trace"
LUA="$BATS_TEST_DIRNAME/../../lib/trace/wireshark/vitool.lua"
# vhost and log hold version-2 records; the others stay as version 1 wrote
# them.
CAPTURES="i2c gpio scmi blk rng hex events vhost log"

setup() {
	vt_setup
	# The golden files print times in UTC.
	export TZ=UTC
}

teardown() {
	vt_teardown
}

# reading FILE [SNAPLEN]: the line `trace -r FILE` starts with on stderr
# (tcpdump's).
reading() {
	printf 'reading from file %s, link-type USER0 (vitool trace records), snapshot length %s' "$1" "${2:-262144}"
}

# golden NAME SUFFIX OPTS...: `trace -r NAME.pcap OPTS` prints NAME$SUFFIX.
golden() {
	local name=$1 suffix=$2
	shift 2
	run_vitool trace "$@" -r "$GOLD/$name.pcap"
	assert_success
	assert_equal "$stderr" "$(reading "$GOLD/$name.pcap")"
	diff -u "$GOLD/$name$suffix" <(printf '%s\n' "$output") || fail "$name$suffix differs"
}

@test "trace -r: golden text output of every decoder" {
	for n in $CAPTURES; do golden "$n" .txt; done
}

@test "trace -r -v: golden verbose output (chain layout, hex payload)" {
	for n in $CAPTURES; do golden "$n" -v.txt -v; done
}

@test "trace -r --json: golden output, one valid JSON object per line" {
	local n line
	for n in $CAPTURES; do
		golden "$n" .json --json
		while IFS= read -r line; do
			printf '%s\n' "$line" | python3 -m json.tool >/dev/null || fail "$n.json: invalid JSON: $line"
		done <"$GOLD/$n.json"
	done
	run_vitool trace --json -v -r "$GOLD/i2c.pcap"
	assert_success
	for line in "${lines[@]}"; do
		printf '%s\n' "$line" | python3 -m json.tool >/dev/null || fail "invalid JSON: $line"
	done
}

@test "trace -r: vhost-user messages both ways, with reply, payload, fds; cut and invalid ones marked" {
	run_vitool trace -r "$GOLD/vhost.pcap" 'type GET_FEATURES'
	assert_success
	assert_line --index 0 --regexp ' i2c vhost-msg > GET_FEATURES$'
	assert_line --index 1 --regexp ' i2c vhost-msg < GET_FEATURES reply 0x171000001$'
	run_vitool trace -r "$GOLD/vhost.pcap" 'vhost and not type GET_FEATURES and not type SET_FEATURES'
	assert_line --index 0 --regexp '> SET_MEM_TABLE 1 region need-reply fds 1$'
	assert_line --regexp '> SET_VRING_ADDR q0 desc 0x7f0000001000 avail 0x7f0000001400 used 0x7f0000001488$'
	assert_line --regexp '> SET_VRING_ADDR \[\|vhost\]$'
	assert_line --regexp '\? SET_VRING_NUM \(invalid\)$'
	run_vitool trace --json -r "$GOLD/vhost.pcap" 'type GET_VRING_BASE'
	assert_success
	run python3 -c 'import json,sys
for l in sys.argv[1].splitlines():
    v = json.loads(l)["vhost"]; print(v["to"], v["reply"], v["size"], v["queue"], v["base"])' "$output"
	assert_output "back-end False 8 0 0${NL}front-end True 8 0 5"
	# A version-1 capture's message records still print their request name.
	run_vitool trace -r "$GOLD/i2c.pcap" vhost
	assert_line --index 0 --regexp ' i2c vhost-msg GET_FEATURES$'
}

@test "trace --json: decoded fields per device" {
	run_vitool trace --json -r "$GOLD/i2c.pcap" 'id 2 and used'
	assert_success
	run python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["event"], o["queue"], o["req_id"], o["i2c"]["addr"], o["i2c"]["type"], o["i2c"]["len"], o["status"], o["latency_ns"])' "$output"
	assert_output "used 0 2 80 read 8 OK 8300"
	run_vitool trace --json -r "$GOLD/scmi.pcap" 'q0 and status err'
	run python3 -c 'import json,sys; o=json.loads(sys.argv[1]); s=o["scmi"]; print(s["protocol"], s["msg_id"], s["type"], s["token"], o["status"])' "$output"
	assert_output "CLOCK 3 cmd 13 NOT_FOUND"
	run_vitool trace --json -r "$GOLD/blk.pcap" 'used and type write and status err'
	run python3 -c 'import json,sys; o=json.loads(sys.argv[1]); b=o["blk"]; print(b["type"], b["sector"], b["len"], o["status"])' "$output"
	assert_output "write 1048576 512 IOERR"
}

@test "trace -r -: reads standard input" {
	run --separate-stderr bash -c "'$VITOOL' trace -r - <'$GOLD/gpio.pcap'"
	assert_success
	diff -u "$GOLD/gpio.txt" <(printf '%s\n' "$output")
}

@test "trace -c N: stops after N selected records" {
	run_vitool trace -c 3 -r "$GOLD/i2c.pcap"
	assert_success
	assert_equal "$output" "$(head -n 3 "$GOLD/i2c.txt")"
	run_vitool trace -c 2 -r "$GOLD/i2c.pcap" used
	assert_success
	assert_equal "$output" "$(grep ' used ' "$GOLD/i2c.txt" | head -n 2)"
}

@test "trace filters: device, queue, event, address, line, type, status, latency" {
	# expect FILE FILTER... : the lines of FILE.txt the filter selects, by request ids and events
	run_vitool trace -r "$GOLD/i2c.pcap" addr 0x50 and used
	assert_success
	assert_output "$(grep -E ' #(1|2|6) used 0x50' "$GOLD/i2c.txt")"

	run_vitool trace -r "$GOLD/i2c.pcap" 'kick or call'
	assert_output "$(grep -E ' (kick|call)$' "$GOLD/i2c.txt")"

	run_vitool trace -r "$GOLD/i2c.pcap" 'timeout'
	assert_output "$(grep -E '\[(TIMEOUT|LATE)\]' "$GOLD/i2c.txt")"
	run_vitool trace -r "$GOLD/i2c.pcap" 'late'
	assert_output "$(grep -F '[LATE]' "$GOLD/i2c.txt")"
	run_vitool trace -r "$GOLD/i2c.pcap" 'ooo'
	assert_output "$(grep -F '[OOO]' "$GOLD/i2c.txt")"
	run_vitool trace -r "$GOLD/i2c.pcap" 'error or drops'
	assert_output "$(grep -E ' (ring-error|drops) ' "$GOLD/i2c.txt")"

	run_vitool trace -r "$GOLD/i2c.pcap" 'status err'
	assert_output "$(grep -E ' -> (ERR|used 0)' "$GOLD/i2c.txt")"
	run_vitool trace -r "$GOLD/i2c.pcap" 'used and status ok and not late'
	assert_output "$(grep -E ' used .* -> OK' "$GOLD/i2c.txt")"

	run_vitool trace -r "$GOLD/i2c.pcap" 'latency > 1ms'
	assert_output "$(grep -E ' #4 (timeout|late)' "$GOLD/i2c.txt")"
	run_vitool trace -r "$GOLD/i2c.pcap" 'latency >= 8300ns and latency < 1ms'
	assert_output "$(grep -E ' #(1|2|5) used' "$GOLD/i2c.txt")"
	# the unit as a word of its own, a decimal, any case: the same durations
	run_vitool trace -r "$GOLD/i2c.pcap" 'latency >= 8.3 us and latency < 0.001S'
	assert_output "$(grep -E ' #(1|2|5) used' "$GOLD/i2c.txt")"

	run_vitool trace -r "$GOLD/i2c.pcap" 'read and avail'
	assert_output "$(grep -E ' avail 0x5[01] read' "$GOLD/i2c.txt")"
	run_vitool trace -r "$GOLD/i2c.pcap" 'type probe'
	assert_output "$(grep -F ' probe' "$GOLD/i2c.txt")"

	run_vitool trace -r "$GOLD/gpio.pcap" 'line 3 and used'
	assert_output "$(grep -E ' used SET_[A-Z]+ line 3 ' "$GOLD/gpio.txt")"
	run_vitool trace -r "$GOLD/gpio.pcap" 'type GET_VALUE or (q 1 and not (kick or call))'
	assert_output "$(grep -E 'GET_VALUE|irq line' "$GOLD/gpio.txt")"
	run_vitool trace -r "$GOLD/gpio.pcap" 'gpio && !q0'
	assert_output "$(grep -F ' q1 ' "$GOLD/gpio.txt")"
	run_vitool trace -r "$GOLD/gpio.pcap" 'i2c'
	assert_success
	assert_output ""

	run_vitool trace -r "$GOLD/events.pcap" 'instance 3 and id 99'
	assert_output "$(grep -F 'i2c.3 q0 #99 ' "$GOLD/events.txt")"
	run_vitool trace -r "$GOLD/hex.pcap" 'device 7 and q2 and used'
	assert_output "$(grep -F ' used ' "$GOLD/hex.txt")"
}

@test "trace filters: vhost-user direction and replies" {
	run_vitool trace -r "$GOLD/vhost.pcap" to-backend
	assert_success
	assert_output "$(grep -F ' vhost-msg > ' "$GOLD/vhost.txt")"
	run_vitool trace -r "$GOLD/vhost.pcap" to-frontend
	assert_success
	assert_output "$(grep -F ' vhost-msg < ' "$GOLD/vhost.txt")"
	[ -n "$output" ] || fail "no message to the front-end in vhost.pcap"
	run_vitool trace -r "$GOLD/vhost.pcap" 'reply and not to-frontend'
	assert_success
	assert_output ""
	run_vitool trace -r "$GOLD/vhost.pcap" reply
	assert_success
	assert_output "$(grep -E ' vhost-msg < [A-Z_]+ reply' "$GOLD/vhost.txt")"
	# the version-1 captures carry no direction
	run_vitool trace -r "$GOLD/i2c.pcap" 'to-backend or to-frontend or reply'
	assert_success
	assert_output ""
}

@test "trace -r: log lines of the instance, by level; filters log and level; -q" {
	run_vitool trace -r "$GOLD/log.pcap" log
	assert_success
	assert_output "$(grep -F ' log ' "$GOLD/log.txt")"
	assert_equal "${#lines[@]}" 7
	run_vitool trace -r "$GOLD/log.pcap" 'level warning'
	assert_success
	assert_output "$(grep -E ' log (error|warning): ' "$GOLD/log.txt")"
	assert_line --index 0 '12:01:02.000003 gpio log warning: gpio: SET_IRQ_TYPE line 3: the line is an output'
	assert_line --index 1 '12:01:02.000004 gpio log error: queue 0 stopped: descriptor 5: address 0x1000+0x20 is outside guest memory'
	# the second instance, a control character escaped, a line cut by the snap length
	assert_line --index 2 '12:01:02.000007 gpio.2 log warning: gpio: bad request (head 7): 4 readable bytes (need 8)\x09completed with used length 0'
	assert_line --index 3 '12:01:02.000008 gpio log warning: control: dropping a cli [|]'
	run_vitool trace -r "$GOLD/log.pcap" 'level err'
	assert_output --regexp "^$VT_TS gpio log error: queue 0 stopped: "
	run_vitool trace -r "$GOLD/log.pcap" 'level info and not level warning'
	assert_output "$(grep -F ' log info: ' "$GOLD/log.txt")"
	run_vitool trace -r "$GOLD/log.pcap" 'level debug and not level info'
	assert_output '12:01:02.000006 gpio log debug: vhost-user: GET_CONFIG 20 bytes'
	# the ring error itself is a record of its own kind, not a log line
	run_vitool trace -r "$GOLD/log.pcap" 'ring-error or connect'
	assert_output "12:01:02.000002 gpio connect${NL}12:01:02.000005 gpio q0 ring-error descriptor 5: address 0x1000+0x20 is outside guest memory"
	run_vitool trace -r "$GOLD/log.pcap" -q 'level warning and instance 0'
	assert_output "12:01:02.000003 gpio log warning${NL}12:01:02.000004 gpio log error${NL}12:01:02.000008 gpio log warning [|]"
	run_vitool trace -r "$GOLD/log.pcap" --json 'level error'
	run python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["event"], o["kind"], o["level"], o["text"])' "$output"
	assert_output "log 14 error queue 0 stopped: descriptor 5: address 0x1000+0x20 is outside guest memory"
	run_vitool trace -r "$GOLD/log.pcap" 'level loud'
	assert_failure 2
	assert_stderr "vitool: trace: bad filter \"level loud\": at 7: expected error, warning, info or debug after 'level', got 'loud'"
}

@test "serve --print prints the line trace prints for the same record" {
	start_serve --target 0x50=24c02 --print -w "$BATS_TEST_TMPDIR/p.pcap"
	drive w3@0x50 0x00 0xde 0xad
	assert_success
	drive w1@0x50 0x00 r2
	assert_success
	drive r1@0x30
	assert_failure
	wait_serve_line '0x30 read 1'
	stop_serve
	run_vitool trace -r "$BATS_TEST_TMPDIR/p.pcap" 'used or timeout or late or error or drops'
	assert_success
	assert_equal "$(wc -l <<<"$output")" 4
	assert_equal "$(cat "$SERVE_OUT")" "$output"
	assert_line --index 2 --regexp "^$VT_TS i2c q0 #3 used 0x50 read 2 -> OK \[de ad\] [0-9.]+(us|ms)\$"
}

@test "serve --print -v prints every record as trace does" {
	start_serve --target 0x50=24c02 --print -v -w "$BATS_TEST_TMPDIR/p.pcap"
	drive w1@0x50 0x00 r1
	assert_success
	wait_serve_line ' i2c disconnect$'
	stop_serve
	# but the log lines: serve printed them on stderr already
	run_vitool trace -r "$BATS_TEST_TMPDIR/p.pcap" not log
	assert_success
	assert_equal "$(grep -E "^$VT_TS i2c " "$SERVE_OUT")" "$output"
	assert_line --regexp "^$VT_TS i2c vhost-msg < GET_FEATURES reply 0x[0-9a-f]+\$"
	grep -qE "^$VT_TS i2c log " "$SERVE_OUT" && fail "serve --print printed a log line on stdout"
	grep -qx "vitool: vhost-user: front-end connected" "$SERVE_ERR" || fail "no info line on stderr at -v"
	run_vitool trace -r "$BATS_TEST_TMPDIR/p.pcap" log
	assert_line --regexp "^$VT_TS i2c log info: vhost-user: front-end connected\$"
}

@test "trace: a bad filter is a usage error naming the position" {
	run_vitool trace -r "$GOLD/i2c.pcap" 'addr 0x50 and (used or'
	assert_failure 2
	assert_output ""
	assert_stderr 'vitool: trace: bad filter "addr 0x50 and (used or": at 23: expected a filter primitive, got the end'
	run_vitool trace -r "$GOLD/i2c.pcap" addr zz
	assert_failure 2
	assert_stderr_contains "at 6: expected a number"
	run_vitool trace -r "$GOLD/i2c.pcap" 'latency > 5'
	assert_failure 2
	assert_stderr_contains "at 11: duration '5' needs a unit"
	run_vitool trace -r "$GOLD/i2c.pcap" 'latency > 5x'
	assert_failure 2
	assert_stderr_contains "at 11: bad duration '5x' (a number and ns, us, ms or s)"
	run_vitool trace -r "$GOLD/i2c.pcap" 'used frobnicate'
	assert_failure 2
	assert_stderr_contains "at 6: unknown filter word 'frobnicate'"
	run_vitool trace -r "$GOLD/i2c.pcap" 'used )'
	assert_failure 2
	assert_stderr_contains "at 6: unexpected ')'"
}

@test "trace: a filter nested too deeply or too long is refused, not a crash" {
	# 100,000 '!' or 50,000 '(' overflowed the parser's stack (issue 16).
	run_vitool trace -r "$GOLD/i2c.pcap" "$(printf '!%.0s' {1..100000})kick"
	assert_failure 2
	assert_stderr_contains "at 65: nested too deeply (at most 64 levels of 'not' and '(')"
	run_vitool trace -r "$GOLD/i2c.pcap" "$(printf '(%.0s' {1..50000})kick$(printf ')%.0s' {1..50000})"
	assert_failure 2
	assert_stderr_contains "at 65: nested too deeply"
	# 64 levels are still fine.
	run_vitool trace -c 1 -r "$GOLD/i2c.pcap" "$(printf 'not %.0s' {1..64})kick"
	assert_success
	run_vitool trace -r "$GOLD/i2c.pcap" "$(printf 'kick or %.0s' {1..1024})kick"
	assert_failure 2
	assert_stderr_contains "too many terms (at most 1024)"
	run_vitool trace -c 1 -r "$GOLD/i2c.pcap" "$(printf 'kick or %.0s' {1..1023})used"
	assert_success
	assert_output --partial " used "
}

@test "trace -r FILE -w FILE: refused before anything is truncated, whatever the names" {
	local f="$BATS_TEST_TMPDIR/same.pcap"
	cp "$GOLD/gpio.pcap" "$f"
	# -w truncated the capture -r was reading (issue 16)
	run_vitool trace -r "$f" -w "$BATS_TEST_TMPDIR/./same.pcap"
	assert_failure 2
	assert_stderr "vitool: trace: -w $BATS_TEST_TMPDIR/./same.pcap is the capture -r $f reads: write the records to another file"
	ln -s same.pcap "$BATS_TEST_TMPDIR/link.pcap"
	run_vitool trace -r "$BATS_TEST_TMPDIR/link.pcap" -w "$f"
	assert_failure 2
	run --separate-stderr bash -c '"$VITOOL" trace -r - -w "$1" <"$1"' _ "$f"
	assert_failure 2
	run --separate-stderr bash -c '"$VITOOL" trace -r "$1" -w - >>"$1"' _ "$f"
	assert_failure 2
	cmp "$GOLD/gpio.pcap" "$f" || fail "the capture changed"
	# another file is fine
	run_vitool trace -r "$f" -w "$BATS_TEST_TMPDIR/copy.pcap"
	assert_success
	cmp "$GOLD/gpio.pcap" "$BATS_TEST_TMPDIR/copy.pcap" || fail "the copy differs"
}

@test "trace: bad options are usage errors" {
	run_vitool trace -c 0 -r "$GOLD/i2c.pcap"
	assert_failure 2
	assert_stderr_regex '^vitool: trace: '
	run_vitool trace --frob
	assert_failure 2
	run_vitool trace -r "$GOLD/i2c.pcap" -w "$BATS_TEST_TMPDIR/x.pcap" --json
	assert_failure 2
}

@test "trace -w then -r prints what the original printed" {
	local out="$BATS_TEST_TMPDIR/copy.pcap" n
	for n in $CAPTURES; do
		run_vitool trace -r "$GOLD/$n.pcap" -w "$out"
		assert_success
		assert_output ""
		golden_copy=$(TZ=UTC "$VITOOL" trace -r "$out")
		assert_equal "$golden_copy" "$(cat "$GOLD/$n.txt")"
	done
	# With a filter: only the selected records are written.
	run_vitool trace -U -r "$GOLD/i2c.pcap" -w "$out" 'used and addr 0x50'
	assert_success
	run_vitool trace -r "$out"
	assert_output "$(grep -E ' used 0x50' "$GOLD/i2c.txt")"
}

@test "trace -w --linktype: the file carries the link type and reads back" {
	local out="$BATS_TEST_TMPDIR/lt.pcap"
	run_vitool trace -r "$GOLD/i2c.pcap" -w "$out" --linktype 148
	assert_success
	run tcpdump -nr "$out" -c 1
	assert_output --partial "link-type 148"
	run_vitool trace -r "$out"
	assert_success
	assert_output "$(cat "$GOLD/i2c.txt")"
	# Not a vitool link type: refused.
	run_vitool trace -r "$GOLD/i2c.pcap" -w "$out" --linktype 1
	assert_success
	run_vitool trace -r "$out"
	assert_failure 1
	assert_stderr_contains "link type 1 is not a vitool capture"
	# ... unless -r is told that link type too, as --help and the man page
	# say (they did not, issue 16)
	run_vitool trace -r "$out" --linktype 1
	assert_success
	assert_output "$(cat "$GOLD/i2c.txt")"
	run_vitool trace --help
	assert_output --partial "--linktype N     -w: pcap link type (default USER0, 147); -r: also accept N"
	run bash -c "MANWIDTH=200 man -l '$BATS_TEST_DIRNAME/../../man/vitool-trace.1' 2>/dev/null | tr -s ' \n' ' '"
	assert_output --partial "a file written with -w --linktype N reads back with -r --linktype N."
}

@test "trace -r: truncated and corrupt captures give a clean error, exit 1" {
	run_vitool trace -r "$GOLD/truncated.pcap"
	assert_failure 1
	assert_equal "$output" "$(head -n 5 "$GOLD/i2c.txt")"
	assert_equal "${stderr_lines[0]}" "$(reading "$GOLD/truncated.pcap")"
	assert_stderr_regex $'\nvitool: trace: .*truncated.pcap: record 6: truncated dump file'

	run_vitool trace -r "$GOLD/corrupt.pcap"
	assert_failure 1
	assert_equal "$output" "$(head -n 4 "$GOLD/i2c.txt")"
	assert_stderr_regex $'\nvitool: trace: .*corrupt.pcap: record 5: bad record: segment 0 captures 9 bytes of 8$'

	run_vitool trace -r "$GOLD/recut.pcap"
	assert_failure 1
	assert_stderr_regex 'record 4: cut to 70 of 110 bytes by a snap length'

	run_vitool trace -r "$GOLD/notpcap.pcap"
	assert_failure 1
	assert_output ""
	assert_stderr_regex '^vitool: trace: .*notpcap.pcap: unknown file format$'

	run_vitool trace -r "$BATS_TEST_TMPDIR/missing.pcap"
	assert_failure 1
	assert_stderr_regex '^vitool: trace: .*missing.pcap: No such file or directory$'

	# Every truncation point of a capture: an error or the end, never a crash.
	local size i cut="$BATS_TEST_TMPDIR/cut.pcap"
	size=$(stat -c %s "$GOLD/gpio.pcap")
	for ((i = 0; i < size; i += 7)); do
		head -c "$i" "$GOLD/gpio.pcap" >"$cut"
		run timeout 5 "$VITOOL" trace -v --json -r "$cut"
		[ "$status" -le 1 ] || fail "cut at $i: exit status $status"
	done
}

@test "tcpdump -r and tshark -r open a vitool capture" {
	command -v tcpdump >/dev/null || skip "no tcpdump"
	run --separate-stderr tcpdump -nr "$GOLD/i2c.pcap"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.')" "$(wc -l <"$GOLD/i2c.txt")"
	assert_equal "$stderr" "reading from file $GOLD/i2c.pcap, link-type 147, snapshot length 262144"
	command -v tshark >/dev/null || skip "no tshark"
	run --separate-stderr tshark -r "$GOLD/i2c.pcap"
	assert_success
	assert_equal "${#lines[@]}" "$(wc -l <"$GOLD/i2c.txt")"
}

@test "tshark with the Lua dissector decodes the record header and i2c and gpio payloads" {
	command -v tshark >/dev/null || skip "no tshark"
	local ts=(tshark -X "lua_script:$LUA" -o "gui.column.format:\"No.\",\"%m\",\"Info\",\"%i\"")
	run --separate-stderr "${ts[@]}" -r "$GOLD/i2c.pcap" -V -c 8
	assert_success
	assert_line "    Kind: AVAIL (1)"
	assert_line "    Kind: USED (2)"
	assert_line "    Device: i2c (34)"
	assert_line "    Request id: 2"
	assert_line "    Latency (ns): 8300"
	assert_line "    I2C address: 0x0050"
	assert_line "    Read data: 7669746f6f6c210a"
	assert_line "    I2C status: OK (0)"
	assert_line --regexp "^ +[. ]+1\. = M_RD \(read\): True$"
	# Display filters on the dissector's fields.
	run --separate-stderr "${ts[@]}" -r "$GOLD/i2c.pcap" -Y 'vitool.kind == 2 && vitool.i2c.addr == 0x50' -T fields -e vitool.req_id
	assert_success
	assert_output "1${NL}2${NL}6"
	run --separate-stderr "${ts[@]}" -r "$GOLD/i2c.pcap" -Y 'vitool.flags.late == 1' -T fields -e vitool.req_id -e vitool.latency_ns
	assert_output "4	1250000000"
	run --separate-stderr "${ts[@]}" -r "$GOLD/gpio.pcap" -V -Y 'vitool.gpio.type == 4 && vitool.kind == 2'
	assert_success
	assert_line "    GPIO request: GET_VALUE (4)"
	assert_line "    GPIO line: 2"
	assert_line "    GPIO status: OK (0)"
	assert_line "    GPIO response value: 1"
	run --separate-stderr "${ts[@]}" -r "$GOLD/gpio.pcap" -Y 'vitool.queue == 1 && vitool.kind == 2' -T fields -e vitool.gpio.line -e vitool.gpio.irq_status
	assert_output "2	1"
	# vhost-user messages of version 2: direction, reply, payload fields.
	run --separate-stderr "${ts[@]}" -r "$GOLD/vhost.pcap" -Y 'vitool.vhost.reply == 1' -T fields -e vitool.vhost_request -e vitool.vhost.dir -e vitool.vhost.u64 -e vitool.vhost.vring_num
	assert_success
	assert_output "1	2	0x0000000171000001	${NL}2	2	0x0000000000000000	${NL}11	2		5"
	run --separate-stderr "${ts[@]}" -r "$GOLD/vhost.pcap" -V -Y 'vitool.vhost_request == 9 && vitool.caplen == 40'
	assert_line "    Direction: front-end -> back-end (1)"
	assert_line "    Descriptor table address: 0x00007f0000001000"
	assert_line "    vhost-user request: SET_VRING_ADDR (9)"
	# Log lines: the level from flags bits 8-9, the text, the Info column as trace prints it.
	run --separate-stderr "${ts[@]}" -r "$GOLD/log.pcap" -Y 'vitool.kind == 14 && vitool.log.level <= 1' -T fields -e vitool.log.level -e vitool.instance -e vitool.text
	assert_success
	assert_output "1	0	gpio: SET_IRQ_TYPE line 3: the line is an output${NL}0	0	queue 0 stopped: descriptor 5: address 0x1000+0x20 is outside guest memory${NL}1	2	gpio: bad request (head 7): 4 readable bytes (need 8)\\tcompleted with used length 0${NL}1	0	control: dropping a cli"
	run --separate-stderr "${ts[@]}" -r "$GOLD/log.pcap" -V -Y 'vitool.log.level == 3'
	assert_line "    Kind: LOG (14)"
	assert_line --regexp ' \.\.11 \.\.\.\. \.\.\.\. = Log level: debug \(3\)$'
	assert_line "    Text: vhost-user: GET_CONFIG 20 bytes"
	run --separate-stderr "${ts[@]}" -r "$GOLD/log.pcap" -Y 'vitool.kind == 14 && vitool.instance == 0 && vitool.log.level == 1'
	assert_line --regexp '^ +3 gpio log warning: gpio: SET_IRQ_TYPE line 3: the line is an output$'
	# A capture vitool writes itself.
	"$VITOOL" trace -r "$GOLD/i2c.pcap" -w "$BATS_TEST_TMPDIR/w.pcap" 'avail'
	run --separate-stderr "${ts[@]}" -r "$BATS_TEST_TMPDIR/w.pcap" -T fields -e vitool.kind -e vitool.i2c.addr
	assert_success
	assert_line "1	0x0050"
	assert_line "1	0x0030"
}

@test "tshark with the Lua dissector names every SCMI protocol, message, notification and status as vitool trace does" {
	command -v tshark >/dev/null || skip "no tshark"
	local ts=(tshark -X "lua_script:$LUA" -o "gui.column.format:\"No.\",\"%m\",\"Info\",\"%i\"")
	local pcap=$GOLD/scmi-names.pcap
	# scmi-names.pcap holds one message of every name lib/virtio/virtio_scmi.c
	# has (and unknown ones): the names, and trace's line up to them.
	run_vitool trace -r "$pcap" used
	assert_success
	local want
	want=$(printf '%s\n' "$output" | sed -E "s/^$VT_TS //; s/ [0-9.]+(us|ms|s)\$//" | sed -E \
		-e 's/^(scmi q0 #[0-9]+ used cmd .* token [0-9]+)( .*)? -> ([^ ]+).*/\1 -> \3/' \
		-e 's/^(scmi q1 #[0-9]+ used event buffer [0-9]+ -> delayed .* token [0-9]+ [^ ]+).*/\1/' \
		-e 's/^(scmi q1 #[0-9]+ used event buffer [0-9]+ -> (notification|type-[0-9]+) .* token [0-9]+).*/\1/')
	[ "$(grep -c . <<<"$want")" -ge 90 ] || fail "scmi-names.pcap has $(grep -c . <<<"$want") completions"
	run --separate-stderr "${ts[@]}" -r "$pcap" -Y 'vitool.kind == 2' -T fields -e _ws.col.Info
	assert_success
	diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$output") || fail "the dissector's names differ from vitool trace's"
	# The header's fields, the name and status, and display filters on them.
	run --separate-stderr "${ts[@]}" -r "$GOLD/scmi.pcap" -V -Y 'vitool.kind == 2 && vitool.scmi.status == -4'
	assert_success
	assert_line --regexp '^ +[.01 ]+ = Protocol: CLOCK \(0x14\)$'
	assert_line --regexp '^ +[.01 ]+ = Message type: cmd \(0\)$'
	assert_line --regexp '^ +[.01 ]+ = Token: 13$'
	assert_line "    Message: ATTRIBUTES"
	assert_line "    SCMI status: NOT_FOUND (-4)"
	run --separate-stderr "${ts[@]}" -r "$pcap" -Y 'vitool.scmi.type == 2' -T fields -e vitool.scmi.protocol -e vitool.scmi.message -e vitool.scmi.token -e vitool.scmi.status
	assert_success
	assert_output "0x00000015	READING_GET	7	0${NL}0x00000014	RATE_SET	7	0"
	run --separate-stderr "${ts[@]}" -r "$pcap" -Y 'vitool.scmi.message == "SENSOR_UPDATE"' -T fields -e vitool.req_id -e vitool.scmi.type
	assert_output "73	3"
}

@test "trace: no running instance is an error, exit 1" {
	run_vitool trace
	assert_failure 1
	assert_stderr_regex '^vitool: trace: no running vitool instance'
	run_vitool trace --control "$BATS_TEST_TMPDIR/none.ctl"
	assert_failure 1
	assert_stderr_regex '^vitool: trace: no (control socket|vitool instance) at .*none.ctl'
}

# trace_subscribers [NAME]: the number of `trace` clients of the serve
# instance (default i2c).
trace_subscribers() {
	printf 'trace-stats\n' | timeout 2 socat -T 1 - "UNIX-CONNECT:$XDG_RUNTIME_DIR/vitool/${1:-i2c}.ctl" 2>/dev/null |
		sed -nE 's/.*"subscribers":([0-9]+).*/\1/p'
}

@test "live: trace prints what drive did, and the same as trace -r of serve's capture" {
	command -v socat >/dev/null || skip "no socat"
	start_serve --target 0x50=24c02 -w "$BATS_TEST_TMPDIR/serve.pcap"
	local tout="$BATS_TEST_TMPDIR/trace.out" jout="$BATS_TEST_TMPDIR/trace.json" wout="$BATS_TEST_TMPDIR/live.pcap"
	start_bg "$tout" "$BATS_TEST_TMPDIR/trace.err" "$VITOOL" trace -U
	local tpid=$BG_PID
	start_bg "$jout" "$BATS_TEST_TMPDIR/trace-j.err" "$VITOOL" trace -U --json 'used and addr 0x50'
	local jpid=$BG_PID
	start_bg /dev/null "$BATS_TEST_TMPDIR/trace-w.err" "$VITOOL" trace -U -w "$wout"
	local wpid=$BG_PID
	wait_for 5 eval '[ "$(trace_subscribers)" = 3 ]' || fail "the trace clients did not attach"

	drive w3@0x50 0x00 0xab 0xcd
	assert_success
	drive w1@0x50 0x00 r2
	assert_success
	assert_output "0xab 0xcd"
	drive r1@0x30
	assert_failure

	wait_for 5 grep -q '0x30 read 1 -> ERR' "$tout" || { cat "$tout"; fail "trace did not print the failed read"; }
	stop_serve
	# The stream ends with the instance: every client exits 0.
	wait_exit "$tpid" 5 || fail "trace did not exit when serve did"
	assert_equal "$WAIT_STATUS" 0
	wait_exit "$jpid" 5 || fail "trace --json did not exit when serve did"
	wait_exit "$wpid" 5 || fail "trace -w did not exit when serve did"
	assert_equal "$WAIT_STATUS" 0

	# The conversation, both ways.
	grep -qE ' vhost-msg > SET_VRING_ADDR q0 desc 0x[0-9a-f]+ ' "$tout" || fail "no SET_VRING_ADDR"
	grep -qE ' vhost-msg < GET_VRING_BASE reply q0 base [0-9]+$' "$tout" || fail "no GET_VRING_BASE reply"
	run grep -E ' q0 #[0-9]+ used ' "$tout"
	assert_line --index 0 --regexp '^[0-9:.]+ i2c q0 #1 used 0x50 write 3 \[00 ab cd\] -> OK [0-9.]+(us|ms)$'
	assert_line --index 1 --regexp '^[0-9:.]+ i2c q0 #2 used 0x50 write 1 \[00\] fail-next -> OK [0-9.]+(us|ms)$'
	assert_line --index 2 --regexp '^[0-9:.]+ i2c q0 #3 used 0x50 read 2 -> OK \[ab cd\] [0-9.]+(us|ms)$'
	assert_line --index 3 --regexp '^[0-9:.]+ i2c q0 #4 used 0x30 read 1 -> ERR [0-9.]+(us|ms)$'
	assert_equal "${#lines[@]}" 4
	# (SET_VRING_ADDR lines say "avail 0x..." too: requests only.)
	run grep -cE ' q0 #[0-9]+ avail ' "$tout"
	assert_output 4

	# The live view, -r of serve's own capture and -r of trace -w agree.
	run_vitool trace -r "$BATS_TEST_TMPDIR/serve.pcap"
	assert_success
	assert_equal "$output" "$(cat "$tout")"
	run_vitool trace -r "$wout"
	assert_success
	assert_equal "$output" "$(cat "$tout")"

	# JSON with a filter: the three completions at 0x50.
	run python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l); print(o["req_id"], o["i2c"]["type"], o["status"])' "$jout"
	assert_output "1 write OK${NL}2 write OK${NL}3 read OK"
}

@test "live: what the instance logs reaches trace, a trace -w capture and serve's own -w, in its place" {
	command -v socat >/dev/null || skip "no socat"
	SOCK="$BATS_TEST_TMPDIR/gpio.sock"
	SERVE_DEV=gpio start_serve --lines 4 -w "$BATS_TEST_TMPDIR/serve.pcap"
	local tout="$BATS_TEST_TMPDIR/trace.out" wout="$BATS_TEST_TMPDIR/live.pcap"
	local warning='gpio log warning: gpio: SET_IRQ_TYPE line 3: the line is an output'
	start_bg "$tout" "$BATS_TEST_TMPDIR/trace.err" "$VITOOL" trace -i gpio -U
	local tpid=$BG_PID
	start_bg /dev/null "$BATS_TEST_TMPDIR/trace-w.err" "$VITOOL" trace -i gpio -U -w "$wout"
	local wpid=$BG_PID
	wait_for 5 eval '[ "$(trace_subscribers gpio)" = 2 ]' || fail "the trace clients did not attach"

	# An interrupt on an output line: the device answers ERR and says why.
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive gpio --socket "$SOCK" dir 3 out irq 3 rising
	assert_failure 1
	wait_for 5 grep -qF "$warning" "$tout" || { cat "$tout"; fail "trace did not print serve's warning"; }
	# stderr says it as before
	grep -qxF 'vitool: gpio: SET_IRQ_TYPE line 3: the line is an output' "$SERVE_ERR" || fail "$(cat "$SERVE_ERR")"
	stop_serve
	wait_exit "$tpid" 5 || fail "trace did not exit when serve did"
	wait_exit "$wpid" 5 || fail "trace -w did not exit when serve did"

	# Live: between the request that caused it and that request's completion.
	run grep -A1 -B1 -F "$warning" "$tout"
	assert_line --index 0 --regexp "^$VT_TS gpio q0 #2 avail SET_IRQ_TYPE line 3 edge-rising\$"
	assert_line --index 1 --regexp "^$VT_TS $warning\$"
	assert_line --index 2 --regexp "^$VT_TS gpio q0 #2 used SET_IRQ_TYPE line 3 edge-rising -> ERR [0-9.]+(us|ms)\$"
	# The captures hold it as the live view showed it.
	run_vitool trace -r "$wout" 'level warning'
	assert_success
	assert_output --regexp "^$VT_TS $warning\$"
	assert_equal "$output" "$(grep -F "$warning" "$tout")"
	run_vitool trace -r "$BATS_TEST_TMPDIR/serve.pcap" 'level warning'
	assert_success
	assert_equal "$output" "$(grep -F "$warning" "$tout")"
	run_vitool trace -r "$wout"
	assert_equal "$output" "$(cat "$tout")"
	# Info lines are recorded though serve (without -v) does not print them.
	run_vitool trace -r "$BATS_TEST_TMPDIR/serve.pcap" 'log and not level warning'
	assert_line --index 0 --regexp "^$VT_TS gpio log info: vhost-user: front-end connected\$"
	assert_line --index 1 --regexp "^$VT_TS gpio log info: vhost-user: front-end disconnected\$"
	assert_line --index 2 --regexp "^$VT_TS gpio log info: serve: signal 15, exiting\$"
	run grep -c 'front-end connected' "$SERVE_ERR"
	assert_output 0
}

@test "live: a proxy's log lines reach trace too: its back-end going away, said before the stream ends" {
	command -v socat >/dev/null || skip "no socat"
	SOCK="$BATS_TEST_TMPDIR/gpio.sock"
	SERVE_DEV=gpio start_serve --lines 4
	local psock="$BATS_TEST_TMPDIR/px.sock" tout="$BATS_TEST_TMPDIR/trace.out"
	start_bg "$BATS_TEST_TMPDIR/px.out" "$BATS_TEST_TMPDIR/px.err" \
		"$VITOOL" proxy --listen "$psock" --backend "$SOCK" --device gpio --connect-timeout 300
	local ppid=$BG_PID
	wait_for 10 test -S "$psock" || fail "the proxy did not listen: $(cat "$BATS_TEST_TMPDIR/px.err")"
	start_bg "$tout" "$BATS_TEST_TMPDIR/trace.err" "$VITOOL" trace -i px -U log
	local tpid=$BG_PID
	wait_for 5 eval '[ "$(trace_subscribers px)" = 1 ]' || fail "trace did not attach to the proxy"
	stop_serve
	wait_exit "$ppid" 10 || fail "the proxy still runs without its back-end"
	assert_equal "$WAIT_STATUS" 1
	wait_exit "$tpid" 5 || fail "trace did not exit when the proxy did"
	assert_equal "$WAIT_STATUS" 0
	# the line as the proxy's stderr has it (its words depend on the path's
	# length: not repeated here)
	local said
	said=$(grep -m1 '^vitool: proxy: the back-end at ' "$BATS_TEST_TMPDIR/px.err") || fail "$(cat "$BATS_TEST_TMPDIR/px.err")"
	run cat "$tout"
	assert_line --index 0 --regexp "^$VT_TS gpio log warning: proxy: the back-end at /"
	assert_equal "${lines[0]#* gpio log warning: }" "${said#vitool: }"
	! grep -qE 'Sanitizer|runtime error:' "$BATS_TEST_TMPDIR/px.err" || fail "$(cat "$BATS_TEST_TMPDIR/px.err")"
}

@test "live: -c N detaches after N records and the instance keeps serving" {
	command -v socat >/dev/null || skip "no socat"
	start_serve --target 0x50=24c02
	start_bg "$BATS_TEST_TMPDIR/t.out" "$BATS_TEST_TMPDIR/t.err" "$VITOOL" trace -c 2 used
	local tpid=$BG_PID
	wait_for 5 eval '[ "$(trace_subscribers)" = 1 ]' || fail "trace did not attach"
	drive w2@0x50 0x00 0x11
	drive w2@0x50 0x01 0x22
	wait_exit "$tpid" 5 || fail "trace -c 2 did not exit"
	assert_equal "$WAIT_STATUS" 0
	run grep -c ' used 0x50 write 2 ' "$BATS_TEST_TMPDIR/t.out"
	assert_output 2
	drive w1@0x50 0x00 r2
	assert_success
	assert_output "0x11 0x22"
	serve_alive || fail "serve died"
}

@test "examples/capture-session.sh captures a session and opens it in tshark" {
	command -v tshark >/dev/null || skip "no tshark"
	run timeout 30 "$BATS_TEST_DIRNAME/../../examples/capture-session.sh" "$VITOOL" "$BATS_TEST_TMPDIR/s.pcap"
	assert_success
	assert_line --regexp '^[0-9:.]+ i2c q0 #3 used 0x50 read 2 -> OK \[be ef\] [0-9.]+(us|ms)$'
	assert_line --regexp '^ +[0-9]+ .* i2c q0 #4 used 0x30 read -> ERR$'
	assert_line --regexp '^3	1	0	[0-9]+$'
	[ -s "$BATS_TEST_TMPDIR/s.pcap" ]
}

# ---- tcpdump's habits ------------------------------------------------------------

@test "trace -t -tt -ttt -tttt: no time, epoch seconds, delta, date and time" {
	local first
	run_vitool trace -r "$GOLD/i2c.pcap" -t
	assert_success
	assert_output "$(sed -E 's/^[0-9:.]+ //' "$GOLD/i2c.txt")"
	run_vitool trace -r "$GOLD/i2c.pcap" -tt -c 2
	assert_success
	# 2026-01-02 12:01:02 UTC
	assert_output "1767355262.000001 i2c connect${NL}1767355262.000002 i2c vhost-msg GET_FEATURES"
	run_vitool trace -r "$GOLD/i2c.pcap" -ttt 'timeout or late'
	assert_success
	assert_line --index 0 --regexp '^00:00:00\.000000 i2c q0 #4 timeout '
	assert_line --index 1 --regexp '^00:00:00\.250000 i2c q0 #4 late '
	run_vitool trace -r "$GOLD/i2c.pcap" -tttt -c 1
	assert_success
	assert_output "2026-01-02 12:01:02.000001 i2c connect"
	run_vitool trace -r "$GOLD/i2c.pcap" -ttttt
	assert_failure 2
	assert_stderr "vitool: trace: -ttttt: -t, -tt, -ttt or -tttt"
}

@test "trace -q: quieter lines, a completion's status, a message's direction and name" {
	run_vitool trace -r "$GOLD/i2c.pcap" -q used
	assert_success
	assert_line --index 0 "12:01:02.000045 i2c q0 #1 used OK 41us"
	assert_line --index 2 "12:01:02.000059 i2c q0 #3 used ERR 2.5us"
	run_vitool trace -r "$GOLD/vhost.pcap" -q -c 3 vhost
	assert_success
	assert_output "12:01:02.000002 i2c vhost-msg > GET_FEATURES${NL}12:01:02.000003 i2c vhost-msg < GET_FEATURES${NL}12:01:02.000004 i2c vhost-msg > SET_FEATURES"
}

@test "trace -x and -X: the captured payload tcpdump's way" {
	local line='12:01:02.000055 i2c q0 #2 used 0x50 read 8 -> OK [76 69 74 6f 6f 6c 21 0a] 8.3us'
	run_vitool trace -r "$GOLD/i2c.pcap" -x 'id 2 and used'
	assert_success
	assert_output "$line"$'\n\t0x0000:  a000 0000 0200 0000 7669 746f 6f6c 210a\n\t0x0010:  00'
	run_vitool trace -r "$GOLD/i2c.pcap" -X 'id 2 and used'
	assert_success
	assert_output "$line"$'\n\t0x0000:  a000 0000 0200 0000 7669 746f 6f6c 210a  ........vitool!.\n\t0x0010:  00                                       .'
	# -n is accepted (nothing to resolve)
	run_vitool trace -n -r "$GOLD/i2c.pcap" -c 1
	assert_success
	assert_output "12:01:02.000001 i2c connect"
}

@test "trace --json: each device's fields carry the data bytes" {
	run_vitool trace -r "$GOLD/i2c.pcap" --json used
	assert_success
	assert_line --index 0 --partial '"i2c":{"addr":80,"flags":1,"type":"write","len":2,"data":"0010","status":"OK"}'
	assert_line --index 1 --partial '"i2c":{"addr":80,"flags":2,"type":"read","len":8,"status":"OK","data":"7669746f6f6c210a"}'
	run_vitool trace -r "$GOLD/rng.pcap" --json 'used and id 26'
	assert_success
	assert_output --partial '"rng":{"len":32,"got":16,"data":"0b30557a9fc4e90e33587da2c7ec1136"}'
	run_vitool trace -r "$GOLD/gpio.pcap" --json 'used and type SET_VALUE'
	assert_success
	assert_output --partial '"gpio":{"type":"SET_VALUE","line":3,"value":1,"status":"OK"'
}

@test "live: 'listening on' at attach, 'N records captured, M dropped' at -c, at SIGTERM, and the instance's exit said" {
	command -v socat >/dev/null || skip "no socat"
	start_serve --target 0x50=24c02
	# -c: the count reached
	start_bg "$BATS_TEST_TMPDIR/c.out" "$BATS_TEST_TMPDIR/c.err" "$VITOOL" trace -s 0 -c 2 used
	local cpid=$BG_PID
	# SIGTERM
	start_bg "$BATS_TEST_TMPDIR/s.out" "$BATS_TEST_TMPDIR/s.err" "$VITOOL" trace used
	local spid=$BG_PID
	# -l: each line reaches a file at once; stays until serve exits
	start_bg "$BATS_TEST_TMPDIR/l.out" "$BATS_TEST_TMPDIR/l.err" "$VITOOL" trace -l used
	local lpid=$BG_PID
	wait_for 5 eval '[ "$(trace_subscribers)" = 3 ]' || fail "the trace clients did not attach"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/c.err")" "listening on i2c (i2c), link-type USER0 (vitool trace records), snapshot length 262144 bytes"
	drive w1@0x50 0x00 r1
	assert_success
	wait_exit "$cpid" 5 || fail "trace -c 2 did not exit"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(sed -n 2p "$BATS_TEST_TMPDIR/c.err")" "2 records captured, 0 dropped"
	wait_for 5 grep -q ' #2 used ' "$BATS_TEST_TMPDIR/l.out" || fail "trace -l did not write its line at once"
	proc_alive "$lpid" || fail "trace -l exited"
	wait_for 5 grep -q ' #2 used ' "$BATS_TEST_TMPDIR/s.out" 2>/dev/null || true
	kill -TERM "$spid"
	wait_exit "$spid" 5 || fail "trace did not exit on SIGTERM"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(sed -n 2p "$BATS_TEST_TMPDIR/s.err")" "2 records captured, 0 dropped"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/s.out")" 2
	stop_serve
	wait_exit "$lpid" 5 || fail "trace did not exit when serve did"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(sed -n '2,$p' "$BATS_TEST_TMPDIR/l.err")" "vitool: trace: i2c: the instance ended the capture (it exited, or stopped tracing)${NL}2 records captured, 0 dropped"
}
