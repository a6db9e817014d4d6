#!/usr/bin/env bash
# The VM end-to-end suite: QEMU 10 guests whose Linux drivers (virtio-i2c,
# virtio-gpio, virtio-rng, at24, gpio-sim) talk to vitool.  TAP on stdout; exit status
# 0 when every test passed, else 1.  `make check-vm` (and `make check`) run it
# through tests/run.sh after building vitool.
# VM_ARCH=arm64 (`make check-vm-arm64`): the same machinery with an arm64
# guest under TCG, whose SCMI stack (arm_scmi, scmi-hwmon, clk-scmi,
# scmi-cpufreq) talks to `vitool serve scmi`: the scmi group (group-scmi.sh).
#
# Guests: tests/vm/build-guest.sh (kernel and base initramfs, cached in
# ~/.cache/vitool-vm); each boot appends tests/vm/scenarios/NAME.sh as
# /scenario.sh.  VM_KEEP=1 keeps the work directory (logs, consoles); it is
# kept anyway when a test failed.  VM_ONLY="i2c gpio" runs only those groups
# (i2c, trace, gpio, reconnect, passthrough, i2cpt, rng, fault, fault-kasan, proxy;
# arm64: scmi; soak runs only when named: VM_SOAK_BOOTS boots).
# VM_STRICT=1 turns the skips for a
# known QEMU bug (see group_reconnect) into failures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

bail() {  # a missing prerequisite is a failure, never a silent skip
	tap_fail "$1" "${@:2}"
	echo "1..$TAP_N"
	exit 1
}

# --- prerequisites ---------------------------------------------------------
deps=deps-vm why="Debian 12's 7.2 has no virtio-gpio IRQs and breaks on back-end reconnects" tools=
if [ "$VM_ARCH" = arm64 ]; then
	deps=deps-vm-arm64 why="Debian 12's 7.2 has no vhost-user-scmi-pci" tools=dtc
fi
qver=$("$VM_QEMU" --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p')
if [ -z "$qver" ]; then
	bail "prerequisites: QEMU 10 ($VM_QEMU)" \
		"$VM_QEMU is not installed: run 'make $deps' (QEMU 10 from bookworm-backports)"
elif [ "$qver" -lt 10 ]; then
	bail "prerequisites: QEMU 10 ($VM_QEMU)" \
		"found $("$VM_QEMU" --version | head -n 1); the suite needs 10 ($why):" \
		"run 'make $deps' (QEMU 10 from bookworm-backports)"
fi
for t in socat cpio gzip timeout pgrep $tools; do
	command -v "$t" >/dev/null || bail "prerequisites: $t" "$t is not installed: run 'make deps $deps'"
done
[ -x "$VITOOL" ] || bail "prerequisites: $VITOOL" "vitool is not built: run 'make vitool' (make check-vm does)"

vm_setup
t_start=$(now_ms)
if ! vm_images; then
	tap_fail "guest images (tests/vm/build-guest.sh)" "build-guest.sh failed:"
	diag_file "$W/build-guest.log" 40
	echo "1..$TAP_N"
	exit 1
fi
diag "kernel $VM_KERNEL"
diag "initrd $VM_INITRD (images ready in $(( $(now_ms) - t_start )) ms)"
[ -z "${VM_DTB:-}" ] || diag "dtb $VM_DTB"

want() { [ -z "${VM_ONLY:-}" ] || [[ " $VM_ONLY " == *" $1 "* ]]; }
timed() { local t0=$(now_ms); "$@"; diag "$1: $(( $(now_ms) - t0 )) ms"; }

# On failure: the console and back-end logs of a group.
group_logs() {  # group_logs VM SERVE...
	local s
	diag_file "$W/$1.console" 40
	diag_file "$W/$1.qemu.log" 10
	shift
	for s in "$@"; do diag_file "$W/$s.serve.log" 15; done
}

# section_is VM SECTION EXPECTED: the guest's output of SECTION is EXPECTED
section_is() {
	local got
	got=$(vm_section "$1" "$2")
	[ "$got" = "$3" ] && return 0
	diag "section $2: expected:"; diag "$3"; diag "got:"; diag "$got"
	return 1
}
rc_is() {  # rc_is VM SECTION RC
	local got; got=$(vm_section_rc "$1" "$2")
	[ "$got" = "$3" ] && return 0
	diag "section $2: exit status ${got:-(none)}, expected $3"; return 1
}
rc_nonzero() {
	local got; got=$(vm_section_rc "$1" "$2")
	[ -n "$got" ] && [ "$got" != 0 ] && return 0
	diag "section $2: exit status ${got:-(none)}, expected non-zero"; return 1
}
log_has() {  # log_has FILE ERE: a line of FILE matches
	grep -qE -- "$2" "$1" && return 0
	diag "no line matching /$2/ in ${1##*/}"; return 1
}

# --- 1. i2c: simulated targets through the Linux virtio-i2c driver ------------
group_i2c() {  # group_i2c [proxy]: with proxy, the same through a vitool proxy
	local VIA_PROXY=${1:-} vm=i2c g=i2c
	[ -z "$VIA_PROXY" ] || vm=pxi2c g="i2c through the proxy"
	local seed=$W/seed.bin f=$TAP_FAILED
	# A pseudo-random but reproducible EEPROM image.
	local i; for ((i = 0; i < 256; i++)); do
		printf "\\$(printf %03o $(( (i * 73 + 41) & 255 )))"
	done >"$seed"
	device_start "$vm" i2c --target "0x50=24c02:file=$seed" --target 0x20=regs ||
		{ tap_fail "$g: vitool serve i2c starts"; return; }
	vm_boot "$vm" i2c.sh -- -chardev "socket,id=c0,path=$W/$vm.sock" \
		-device vhost-user-i2c-pci,chardev=c0 || { tap_fail "$g: QEMU starts"; group_logs "$vm" "$vm"; return; }
	local st; vm_finish "$vm" 90; st=$?
	if [ "$st" = 0 ]; then tap_ok "$g: guest boots, runs the scenario, exits 0"
	else tap_fail "$g: guest boots, runs the scenario, exits 0" "scenario exit $st"; fi

	# i2cdetect: exactly the two targets (rows "NN: xx -- ...").
	local found
	found=$(vm_section "$vm" detect | awk -F: '/^[0-7]0:/ { n = split($2, a, " ");
		for (i = 1; i <= n; i++) if (a[i] ~ /^[0-9a-f][0-9a-f]$/) printf "%s ", a[i] }')
	if [ "$found" = "20 50 " ] && rc_is "$vm" detect 0; then
		tap_ok "$g: i2cdetect -y -r 0 shows exactly 0x20 and 0x50"
	else
		tap_fail "$g: i2cdetect -y -r 0 shows exactly 0x20 and 0x50" "found: ${found:-nothing}"
		diag "$(vm_section "$vm" detect)"
	fi
	if rc_is "$vm" write 0 && rc_is "$vm" readback 0 && section_is "$vm" readback "0xaa 0xbb"; then
		tap_ok "$g: i2ctransfer w3@0x50 0x10 0xaa 0xbb, then w1@0x50 0x10 r2 reads 0xaa 0xbb"
	else tap_fail "$g: i2ctransfer w3@0x50 0x10 0xaa 0xbb, then w1@0x50 0x10 r2 reads 0xaa 0xbb"; fi
	if rc_nonzero "$vm" absent; then
		tap_ok "$g: i2cget at absent 0x30 fails in the guest (NACK)"
	else tap_fail "$g: i2cget at absent 0x30 fails in the guest (NACK)" "$(vm_section "$vm" absent)"; fi
	if rc_is "$vm" regs-set 0 && section_is "$vm" regs-get 0x5a; then
		tap_ok "$g: regs target at 0x20: i2cset 0x05 0x5a, i2cget reads 0x5a"
	else tap_fail "$g: regs target at 0x20: i2cset 0x05 0x5a, i2cget reads 0x5a"; fi

	# at24: the whole EEPROM = the host's seed with the guest's two bytes.
	local expect
	expect=$( { head -c 16 "$seed"; printf '\xaa\xbb'; tail -c +19 "$seed"; } | od -An -tx1 -v | tr -s ' \n' ' ')
	local got; got=$(vm_section "$vm" at24-read | tr -s ' \n' ' ')
	if rc_is "$vm" at24-bind 0 && rc_is "$vm" at24-read 0 && [ "$got" = "$expect" ]; then
		tap_ok "$g: at24 driver reads the host-seeded EEPROM (with the guest's write at 0x10)"
	else
		tap_fail "$g: at24 driver reads the host-seeded EEPROM (with the guest's write at 0x10)" \
			"expected:${expect:0:96}..." "got:     ${got:0:96}..."
		diag "$(vm_section "$vm" at24-bind)"
	fi
	if rc_is "$vm" at24-write 0 && section_is "$vm" at24-reread "0x5a 0xa5" &&
		log_has "$W/$vm.serve.log" '0x50 write [0-9]+ \[40 5a'; then
		tap_ok "$g: a write through the at24 eeprom file reaches the target"
	else tap_fail "$g: a write through the at24 eeprom file reaches the target" "$(vm_section "$vm" at24-write)"; fi

	local l=$W/$vm.serve.log ok=1
	log_has "$l" '0x50 write 3 \[10 aa bb\] -> OK' || ok=0
	log_has "$l" '0x50 write 1 \[10\] fail-next -> OK' || ok=0
	log_has "$l" '0x50 read 2 -> OK \[aa bb\]' || ok=0
	log_has "$l" '0x30 read 1 -> ERR' || ok=0
	log_has "$l" '0x20 write 2 \[05 5a\] -> OK' || ok=0
	log_has "$l" '0x20 read 1 -> OK \[5a\]' || ok=0
	if [ $ok = 1 ]; then tap_ok "$g: --print decodes the guest's requests"
	else tap_fail "$g: --print decodes the guest's requests"; fi
	serve_stop "$vm"
	[ "$TAP_FAILED" = "$f" ] || group_logs "$vm" "$vm"
}

# --- 2. trace: `vitool trace` clients on the i2c serve of a running guest ------
# Three clients attach to the serve before QEMU starts (trace-stats shows 3
# subscribers), so they see the whole session, from the front-end's connect
# to its disconnect: live text (-U), a pcap capture (-w, -U) and JSON
# (--json -c 4 used, which ends by itself after the guest's 4 completions).
# The guest (scenarios/trace.sh) runs a known sequence and powers off.
# Stopping the text and -w clients: the session's last record is the
# front-end's `disconnect` (QEMU has exited, nothing else can make records),
# so once both outputs hold it (-U: each record is flushed as it comes; the
# capture is checked with -r) they get SIGTERM and end with status 0.  Both
# were attached for the same period, so `-r` of the capture must print
# exactly the live text: same records, same times (TZ=UTC for both).
TRACE_TIME='[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{6}'
TRACE_LAT='[0-9]+(\.[0-9]+)?(ns|us|ms|s)'
# trace_reqs FILE: the request lines of a text trace (avail, then used),
# without the time and the latency; a line without them is left out.
trace_reqs() {
	sed -nE "s/^$TRACE_TIME (i2c q0 #[0-9]+ avail [^>]*)\$/\\1/p" "$1"
	sed -nE "s/^$TRACE_TIME (i2c q0 #[0-9]+ used .* -> .*) $TRACE_LAT\$/\\1/p" "$1"
}
trace_has_disconnect() {  # trace_has_disconnect LIVE-TEXT PCAP
	grep -qE "^$TRACE_TIME i2c disconnect\$" "$1" &&
		TZ=UTC "$VITOOL" trace -r "$2" disconnect 2>/dev/null | grep -q ' i2c disconnect$'
}
group_trace() {
	local f=$TAP_FAILED c=$W/tr.ctl pcap=$W/tr.pcap
	serve_start tr i2c --socket "$W/tr.sock" --target 0x50=24c02 ||
		{ tap_fail "trace: vitool serve i2c starts"; return; }
	trace_start tr-text "$c" -U
	trace_start tr-cap "$c" -U -w "$pcap"
	trace_start tr-json "$c" -U --json -c 4 used
	if wait_until 5 trace_subscribers "$c" 3; then
		tap_ok "trace: 3 trace clients attach before the guest boots (trace-stats: 3 subscribers)"
	else
		tap_fail "trace: 3 trace clients attach before the guest boots (trace-stats: 3 subscribers)" \
			"trace-stats: $(ctl "$c" trace-stats)"
		diag_file "$W/tr-text.trace.err" 5
		trace_stop tr-text; trace_stop tr-cap; trace_stop tr-json; serve_stop tr; return
	fi
	vm_boot tr trace.sh -- -chardev "socket,id=c0,path=$W/tr.sock" \
		-device vhost-user-i2c-pci,chardev=c0 || {
		tap_fail "trace: QEMU starts"; group_logs tr tr
		trace_stop tr-text; trace_stop tr-cap; trace_stop tr-json; serve_stop tr; return
	}
	local st; vm_finish tr 60; st=$?
	if [ "$st" = 0 ] && rc_is tr write 0 && rc_is tr readback 0 && section_is tr readback "0xaa 0xbb" &&
		rc_nonzero tr absent; then
		tap_ok "trace: guest writes 0x50, reads it back, fails at the absent 0x30, exits 0"
	else tap_fail "trace: guest writes 0x50, reads it back, fails at the absent 0x30, exits 0" "scenario exit $st"; fi

	local rj=x rt=x rc=x
	trace_wait tr-json 5 && rj=$REAPED
	wait_until 10 trace_has_disconnect "$W/tr-text.trace" "$pcap"
	trace_stop tr-text && rt=$REAPED
	trace_stop tr-cap && rc=$REAPED
	local live=$W/tr-text.trace

	# The requests, decoded: ids pairing avail and used, address, direction,
	# length, data, FAIL_NEXT, status, the read's data, a latency.
	local want_reqs="i2c q0 #1 avail 0x50 write 3 [10 aa bb]
i2c q0 #2 avail 0x50 write 1 [10] fail-next
i2c q0 #3 avail 0x50 read 2
i2c q0 #4 avail 0x30 read 1
i2c q0 #1 used 0x50 write 3 [10 aa bb] -> OK
i2c q0 #2 used 0x50 write 1 [10] fail-next -> OK
i2c q0 #3 used 0x50 read 2 -> OK [aa bb]
i2c q0 #4 used 0x30 read 1 -> ERR"
	local got_reqs; got_reqs=$(trace_reqs "$live")
	local nreq; nreq=$(grep -cE "^$TRACE_TIME i2c q[0-9]+ #[0-9]+ (avail|used) " "$live")
	if [ "$rt" = 0 ] && [ "$got_reqs" = "$want_reqs" ] && [ "$nreq" = 8 ]; then
		tap_ok "trace: live text shows the guest's 4 requests decoded (0x50 write/read -> OK, 0x30 read -> ERR)"
	else
		tap_fail "trace: live text shows the guest's 4 requests decoded (0x50 write/read -> OK, 0x30 read -> ERR)" \
			"exit status $rt; $nreq avail/used lines; expected:" "$want_reqs" "got (time, latency cut):" "$got_reqs"
		diag_file "$live" 45; diag_file "$W/tr-text.trace.err" 5
	fi
	local ok=1
	head -n 1 "$live" | grep -qE "^$TRACE_TIME i2c connect\$" ||
		{ ok=0; diag "first line is not the connect: $(head -n 1 "$live")"; }
	tail -n 1 "$live" | grep -qE "^$TRACE_TIME i2c disconnect\$" ||
		{ ok=0; diag "last line is not the disconnect: $(tail -n 1 "$live")"; }
	log_has "$live" "^$TRACE_TIME i2c vhost-msg > SET_VRING_KICK q0( .*)?\$" || ok=0
	log_has "$live" "^$TRACE_TIME i2c vhost-msg < GET_FEATURES reply 0x[0-9a-f]+\$" || ok=0
	[ "$(grep -cE "^$TRACE_TIME i2c q0 kick\$" "$live")" -ge 3 ] || { ok=0; diag "fewer than 3 kicks of q0"; }
	[ "$(grep -cE "^$TRACE_TIME i2c q0 call\$" "$live")" -ge 3 ] || { ok=0; diag "fewer than 3 calls of q0"; }
	! grep -q ' drops' "$live" || { ok=0; diag "$(grep ' drops' "$live")"; }
	if [ $ok = 1 ]; then
		tap_ok "trace: live text frames the session: connect, vhost-user messages, kicks, calls, disconnect, no drops"
	else tap_fail "trace: live text frames the session: connect, vhost-user messages, kicks, calls, disconnect, no drops"; fi

	# --json -c 4 used: ended by itself; every line an object with the fields.
	local jf=$W/tr-json.trace want_json got_json=
	want_json="used 1 0x50 write 3 OK OK 0x50 write 3 [10 aa bb] -> OK
used 2 0x50 write 1 OK OK 0x50 write 1 [10] fail-next -> OK
used 3 0x50 read 2 OK OK 0x50 read 2 -> OK [aa bb]
used 4 0x30 read 1 ERR ERR 0x30 read 1 -> ERR"
	if command -v python3 >/dev/null && python3 -m json.tool --json-lines "$jf" >/dev/null 2>"$W/tr-json.err"; then
		got_json=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l); i = o["i2c"]
    assert o["device"] == "i2c" and o["virtio_id"] == 34 and o["queue"] == 0 and o["latency_ns"] > 0
    print(o["event"], o["req_id"], "0x%02x" % i["addr"], i["type"], i["len"], o["status"], i["status"], o["summary"])
' "$jf" 2>&1)
	fi
	if [ "$rj" = 0 ] && [ "$got_json" = "$want_json" ]; then
		tap_ok "trace: --json -c 4 used: 4 lines that parse, i2c addr/type/len/status, then exit 0"
	else
		tap_fail "trace: --json -c 4 used: 4 lines that parse, i2c addr/type/len/status, then exit 0" \
			"exit status $rj$(command -v python3 >/dev/null || echo '; python3 is not installed')" \
			"expected:" "$want_json" "got:" "${got_json:-(nothing)}"
		diag_file "$W/tr-json.err" 5; diag_file "$jf" 6; diag_file "$W/tr-json.trace.err" 5
	fi

	# -w then -r: exactly the live text; with a filter, the live text's lines.
	TZ=UTC timeout 10 "$VITOOL" trace -r "$pcap" >"$W/tr-replay.txt" 2>"$W/tr-replay.err"
	local rr=$?
	if [ "$rc" = 0 ] && [ "$rr" = 0 ] && [ -s "$live" ] && cmp -s "$live" "$W/tr-replay.txt"; then
		tap_ok "trace: -r of the -w capture prints exactly the live text ($(wc -l <"$live") lines)"
	else
		tap_fail "trace: -r of the -w capture prints exactly the live text" \
			"-w client exit $rc, -r exit $rr: $(head -c 300 "$W/tr-replay.err")" \
			"$(diff "$live" "$W/tr-replay.txt" | head -n 20)"
	fi
	TZ=UTC timeout 10 "$VITOOL" trace -r "$pcap" 'addr 0x30 or status err' >"$W/tr-replay-f.txt" 2>"$W/tr-replay-f.err"
	local rf=$?
	TZ=UTC timeout 10 "$VITOOL" trace -r "$pcap" --json -c 4 used >"$W/tr-replay.json" 2>"$W/tr-replay.err"
	local rjr=$?
	if [ "$rf" = 0 ] && [ "$rjr" = 0 ] && [ "$(grep -c . "$W/tr-replay-f.txt")" = 2 ] &&
		[ "$(grep ' 0x30 ' "$live")" = "$(cat "$W/tr-replay-f.txt")" ] && cmp -s "$jf" "$W/tr-replay.json"; then
		tap_ok "trace: -r with a filter prints the live lines it selects; -r --json equals the live --json"
	else
		tap_fail "trace: -r with a filter prints the live lines it selects; -r --json equals the live --json" \
			"exit $rf: $(cat "$W/tr-replay-f.txt")" "--json: exit $rjr" "$(diff "$jf" "$W/tr-replay.json" | head -n 10)"
	fi
	# The serve forgets the clients once they are gone.
	if wait_until 5 trace_subscribers "$c" 0 && ctl "$c" trace-stats | grep -q '"drops":0,'; then
		tap_ok "trace: the serve counts 0 drops and 0 subscribers once the clients ended"
	else tap_fail "trace: the serve counts 0 drops and 0 subscribers once the clients ended" "$(ctl "$c" trace-stats)"; fi
	serve_stop tr
	[ "$TAP_FAILED" = "$f" ] || group_logs tr tr
}

# --- 3. gpio: simulated lines, libgpiod tools in the guest, inject on the host --
group_gpio() {  # group_gpio [proxy]: with proxy, the same through a vitool proxy
	local VIA_PROXY=${1:-} vm=gpio g=gpio
	[ -z "$VIA_PROXY" ] || vm=pxgpio g="gpio through the proxy"
	# c: the device's control socket (lines, inject); tc: the instance the
	# trace client and --print watch (the proxy's, through it)
	local c=$W/$vm.ctl tc=$W/$vm.ctl f=$TAP_FAILED names=power,led,reset,button,irq,cs,spare,go
	[ -z "$VIA_PROXY" ] || c=$W/$vm-be.ctl
	device_start "$vm" gpio --names "$names" ||
		{ tap_fail "$g: vitool serve gpio starts"; return; }
	# A trace client attached before the guest boots; stopped once it printed
	# the session's last record, the front-end's disconnect (see group_trace).
	trace_start "$vm-text" "$tc" -U
	wait_until 5 trace_subscribers "$tc" 1 || diag "$g: the trace client did not attach: $(ctl "$tc" trace-stats)"
	vm_boot "$vm" gpio.sh -- -chardev "socket,id=c1,path=$W/$vm.sock" \
		-device vhost-user-gpio-pci,chardev=c1 || { tap_fail "$g: QEMU starts"; group_logs "$vm" "$vm"; return; }

	# Guest -> host: line 1 driven high by gpioset.
	if vm_wait_marker "$vm" "@@ set1" 60 && wait_until 10 line_is "$c" 1 '"direction":"out"' '"value":1'; then
		tap_ok "$g: guest gpioset 1=1, the host's lines shows line 1 out, value 1"
	else tap_fail "$g: guest gpioset 1=1, the host's lines shows line 1 out, value 1" "line 1: $(gpio_line "$c" 1)"; fi

	# Host -> guest interrupts: a rising and a falling edge on line 3.
	local armed=0 r1=x r2=x
	if vm_wait_marker "$vm" "@@ mon-started" 30 && wait_until 15 line_is "$c" 3 '"armed":true' '"irq":"edge-both"'; then
		armed=1; tap_ok "$g: guest gpiomon arms line 3 (edge-both) as the host sees it"
	else tap_fail "$g: guest gpiomon arms line 3 (edge-both) as the host sees it" "line 3: $(gpio_line "$c" 3)"; fi
	if [ $armed = 1 ]; then
		timeout 10 "$VITOOL" inject gpio --control "$c" 3=1 --wait --timeout 5000 >"$W/inject1.out" 2>&1; r1=$?
		wait_until 10 line_is "$c" 3 '"armed":true'
		timeout 10 "$VITOOL" inject gpio --control "$c" 3=0 --wait --timeout 5000 >"$W/inject2.out" 2>&1; r2=$?
	fi
	if [ "$r1" = 0 ]; then tap_ok "$g: inject 3=1 --wait: the guest took the interrupt (exit 0)"
	else tap_fail "$g: inject 3=1 --wait: the guest took the interrupt (exit 0)" "exit $r1: $(cat "$W/inject1.out" 2>/dev/null)"; fi
	if [ "$r2" = 0 ]; then tap_ok "$g: inject 3=0 --wait: the guest took the interrupt (exit 0)"
	else tap_fail "$g: inject 3=0 --wait: the guest took the interrupt (exit 0)" "exit $r2: $(cat "$W/inject2.out" 2>/dev/null)"; fi

	vm_wait_marker "$vm" "@@ end mon" 40
	local mon; mon=$(vm_section "$vm" mon)
	if rc_is "$vm" mon 0 && [ "$(grep -c 'RISING EDGE' <<<"$mon")" = 1 ] &&
		[ "$(grep -c 'FALLING EDGE' <<<"$mon")" = 1 ] &&
		[ "$(grep -o 'RISING\|FALLING' <<<"$mon" | tr '\n' ' ')" = "RISING FALLING " ]; then
		tap_ok "$g: guest gpiomon -n 2 prints a RISING then a FALLING edge on line 3"
	else tap_fail "$g: guest gpiomon -n 2 prints a RISING then a FALLING edge on line 3" "gpiomon output: ${mon:-(none)}"; fi

	# Host -> guest level signal on line 7, read with gpioget.
	local rg=x
	if vm_wait_marker "$vm" "@@ wait-go" 30; then
		timeout 10 "$VITOOL" inject gpio --control "$c" go=1 >"$W/inject3.out" 2>&1; rg=$?
	fi
	if [ "$rg" = 0 ] && vm_wait_marker "$vm" "@@ go-received" 30; then
		tap_ok "$g: host inject go=1 (line 7 by name) is read by the guest's gpioget"
	else tap_fail "$g: host inject go=1 (line 7 by name) is read by the guest's gpioget" "inject exit $rg: $(cat "$W/inject3.out" 2>/dev/null)"; fi

	local st; vm_finish "$vm" 60; st=$?
	local rt=x
	wait_until 10 grep -qE "^$TRACE_TIME gpio disconnect\$" "$W/$vm-text.trace"
	trace_stop "$vm-text" && rt=$REAPED
	# Checked last: the names and chip as the guest saw them.
	if rc_is "$vm" detect 0 && vm_section "$vm" detect | grep -q '^gpiochip0 \[virtio[0-9]*\] (8 lines)$'; then
		tap_ok "$g: gpiodetect shows gpiochip0 with 8 lines"
	else tap_fail "$g: gpiodetect shows gpiochip0 with 8 lines" "$(vm_section "$vm" detect)"; fi
	local info want i=0 n bad=
	info=$(vm_section "$vm" info)
	for n in ${names//,/ }; do
		grep -qE "line +$i: +\"$n\"" <<<"$info" || bad="$bad $i=$n"
		i=$((i + 1))
	done
	if rc_is "$vm" info 0 && [ -z "$bad" ] && [ "$(grep -c 'line  *[0-9]*:' <<<"$info")" = 8 ]; then
		tap_ok "$g: gpioinfo shows the 8 lines with their names"
	else tap_fail "$g: gpioinfo shows the 8 lines with their names" "missing:$bad" "$info"; fi
	if [ "$st" = 0 ]; then tap_ok "$g: guest scenario exits 0 and the guest powers off"
	else tap_fail "$g: guest scenario exits 0 and the guest powers off" "scenario exit $st"; fi
	local l=$W/$vm.serve.log ok=1
	log_has "$l" "GET_LINE_NAMES -> OK 8 names \\[${names//,/ }\\]" || ok=0
	log_has "$l" 'SET_VALUE line 1 = 1 -> OK' || ok=0
	log_has "$l" 'SET_DIRECTION line 1 out -> OK' || ok=0
	log_has "$l" 'SET_IRQ_TYPE line 3 edge-both -> OK' || ok=0
	[ "$(grep -cE 'q1 #[0-9]+ used irq line 3 armed -> VALID' "$l")" -ge 2 ] || { ok=0; diag "fewer than 2 VALID irqs on line 3"; }
	if [ $ok = 1 ] && line_is "$c" 3 '"irqs":2'; then
		tap_ok "$g: --print and lines show the requests and the 2 interrupts delivered"
	else tap_fail "$g: --print and lines show the requests and the 2 interrupts delivered" "line 3: $(gpio_line "$c" 3)"; fi
	# The trace client saw the guest's requests and both interrupts.
	local t=$W/$vm-text.trace ok=1
	log_has "$t" "^$TRACE_TIME gpio q0 #[0-9]+ avail SET_DIRECTION line 1 out\$" || ok=0
	log_has "$t" "^$TRACE_TIME gpio q0 #[0-9]+ used SET_DIRECTION line 1 out -> OK $TRACE_LAT\$" || ok=0
	log_has "$t" "^$TRACE_TIME gpio q0 #[0-9]+ used SET_VALUE line 1 = 1 -> OK $TRACE_LAT\$" || ok=0
	log_has "$t" "^$TRACE_TIME gpio q0 #[0-9]+ used SET_IRQ_TYPE line 3 edge-both -> OK $TRACE_LAT\$" || ok=0
	[ "$(grep -cE "^$TRACE_TIME gpio q1 #[0-9]+ used irq line 3 armed -> VALID $TRACE_LAT\$" "$t")" = 2 ] ||
		{ ok=0; diag "not 2 VALID completions of line 3 on q1:"; diag "$(grep ' q1 ' "$t")"; }
	if [ "$rt" = 0 ] && [ $ok = 1 ]; then
		tap_ok "$g: vitool trace shows SET_DIRECTION, SET_IRQ_TYPE and the 2 eventq completions (VALID)"
	else
		tap_fail "$g: vitool trace shows SET_DIRECTION, SET_IRQ_TYPE and the 2 eventq completions (VALID)" \
			"trace exit status $rt"
		diag_file "$t" 40; diag_file "$W/$vm-text.trace.err" 5
	fi
	serve_stop "$vm"
	[ "$TAP_FAILED" = "$f" ] || group_logs "$vm" "$vm"
}

# --- 4. reconnect: kill -9 the back-end, restart it, the guest goes on ---------
# QEMU 10.0's vhost-user-base front-end (i2c, gpio) cannot resume a started
# device after its own reconnect: vub_disconnect() runs vhost_dev_cleanup()
# and vub_connect() never runs vhost_dev_init() again, so QEMU aborts with
# "vhost_dev_start: Assertion `hdev->vhost_ops' failed".  So QEMU connects
# to a `vitool proxy` instead, which keeps QEMU's connection while the
# back-end behind it dies and comes back, and replays QEMU's set-up to the
# new one (vitool-proxy(1)): QEMU never sees a reconnect.
group_reconnect() {
	local f=$TAP_FAILED a=$W/seed-a.bin b=$W/seed-b.bin c=$W/rc.ctl
	printf '\x11' >"$a"; printf '\x22' >"$b"
	serve_start rc i2c --socket "$W/rc-serve.sock" --target "0x50=24c02:file=$a" ||
		{ tap_fail "reconnect: vitool serve i2c starts"; return; }
	proxy_start rcp --listen "$W/rc.sock" --backend "$W/rc-serve.sock" --connect-timeout 20000 -v ||
		{ tap_fail "reconnect: vitool proxy starts in front of it"; serve_stop rc; return; }
	if ! vm_boot rc reconnect.sh --preconfig "$c" -- \
		-chardev "socket,id=c0,path=$W/rc.sock" -device vhost-user-i2c-pci,chardev=c0; then
		tap_fail "reconnect: QEMU starts (--preconfig, x-exit-preconfig)"
		group_logs rc rc rcp; vm_kill rc; serve_stop rcp; serve_stop rc; return
	fi
	if vm_wait_marker rc "@@ ready-for-restart" 60 && section_is rc first 0x11; then
		tap_ok "reconnect: guest I/O through the proxy to the first back-end (reads 0x11)"
	else tap_fail "reconnect: guest I/O through the proxy to the first back-end (reads 0x11)"; fi

	serve_stop rc KILL
	echo "=== restart" >>"$W/rc.serve.log"
	local restarted=0
	if serve_start rc i2c -v --socket "$W/rc-serve.sock" --target "0x50=24c02:file=$b"; then
		restarted=1
		tap_ok "reconnect: vitool serve restarts on the socket and control path a SIGKILLed one left"
	else tap_fail "reconnect: vitool serve restarts on the socket and control path a SIGKILLed one left"; fi
	local n="reconnect: the proxy reconnects to the restarted back-end and replays QEMU's set-up (QEMU keeps its connection)"
	if [ $restarted = 1 ] && wait_until 20 log_has "$W/rcp.serve.log" "the back-end is back \(restart 1\): the VMM's set-up replayed" &&
		! grep -qF "vhost_dev_start: Assertion" "$W/rc.qemu.log"; then
		tap_ok "$n"; diag "$(grep -h 'the back-end is back' "$W/rcp.serve.log")"
	else tap_fail "$n" "info: $(ctl "$W/rcp.ctl" info)"; fi
	local st; vm_finish rc 90; st=$?
	local after; after=$(vm_section rc after)
	n="reconnect: the guest's retried i2ctransfer reads 0x22 from the new back-end, no reboot"
	if [ "$(head -n 1 <<<"$after")" = 0x22 ] && log_has "$W/rc.serve.log" '0x50 read 1 -> OK \[22\]'; then
		tap_ok "$n"; diag "guest: $(tail -n 1 <<<"$after")"
	else tap_fail "$n" "guest output: $after"; fi
	n="reconnect: guest scenario exits 0 after one boot"
	if [ "$st" = 0 ] && [ "$(vm_console rc | grep -c 'guest: up')" = 1 ]; then tap_ok "$n"
	else tap_fail "$n" "scenario exit $st"; fi
	local t=$W/rcp.serve.log
	n="reconnect: the proxy's --print shows the restart: SET_VRING_BASE replayed at the ring's position"
	if log_has "$t" "vhost-msg > SET_VRING_BASE q0 base [1-9][0-9]*\$"; then tap_ok "$n"
	else tap_fail "$n"; grep -E "vhost-msg" "$t" | tail -n 12 | while IFS= read -r l; do diag "$l"; done; fi
	serve_stop rcp
	serve_stop rc
	[ "$TAP_FAILED" = "$f" ] || group_logs rc rc rcp
}

# --- 5. libgpiod passthrough inside the guest (gpio-sim) ------------------------
# Once per libgpiod API: the guest's /usr/bin/vitool is $VITOOL (this build),
# /usr/bin/vitool-other is $VITOOL_OTHER, built against the other API (make
# check-gpiod-other; its libraries at its rpath, see build-guest.sh).  Each
# boot runs scenarios/passthrough.sh with VT set to one of them.
# group_passthrough BIN GUEST-BIN: TAP lines named after BIN's libgpiod
group_passthrough() {
	local bin=$1 vt=$2 f=$TAP_FAILED api so
	so=$(gpiod_soname "$bin")
	api=$(gpiod_api_label "$so")
	[ -n "$so" ] || [ "$bin" = "$VITOOL" ] || api="libgpiod $VM_OTHER_API.x API"
	local P="passthrough ($api, ${bin#"$VM_TOP"/})"
	if [ -z "$vt" ]; then
		tap_fail "$P: vitool built against the other libgpiod API is in the guest" \
			"$bin is not built: run 'make check-gpiod-other' (make check and make check-vm do), or set VITOOL_GPIOD_OTHER"
		return
	fi
	if [ -z "$so" ]; then
		tap_fail "$P: the binary links libgpiod" "ldd $bin:" "$(ldd "$bin" 2>&1)"; return
	fi
	if [ "$bin" != "$VITOOL" ] && [ "$so" = "$(gpiod_soname "$VITOOL")" ]; then
		tap_fail "$P: built against the other libgpiod API than $VITOOL" "both link $so"; return
	fi
	local vm=pt-${vt##*/}
	vm_boot "$vm" passthrough.sh --env "VT=$vt" -- || { tap_fail "$P: QEMU starts"; return; }
	local st; vm_finish "$vm" 90; st=$?
	local maps; maps=$(vm_section "$vm" libgpiod)
	if rc_is "$vm" libgpiod 0 && grep -q "/$so" <<<"$maps" && [ "$(grep -c . <<<"$maps")" = 1 ]; then
		tap_ok "$P: the guest's serve --chip runs with $so ($maps)"
	else tap_fail "$P: the guest's serve --chip runs with $so" "mapped: ${maps:-(none)}"; fi
	local chip; chip=$(vm_console "$vm" | sed -n 's/^@@ chip \(gpiochip[0-9]*\) .*/\1/p')
	if [ -n "$chip" ] && vm_section "$vm" detect | grep -q "^$chip \[gpio-sim"; then
		tap_ok "$P: gpio-sim chip $chip in the guest"
	else tap_fail "$P: gpio-sim chip in the guest" "$(vm_section "$vm" detect)"; fi
	if rc_is "$vm" get-up 0 && section_is "$vm" get-up 1; then
		tap_ok "$P: drive gpio get 3 reads 1 with the sim pull-up"
	else tap_fail "$P: drive gpio get 3 reads 1 with the sim pull-up"; fi
	if rc_is "$vm" get-down 0 && section_is "$vm" get-down 0; then
		tap_ok "$P: drive gpio get 3 reads 0 with the sim pull-down"
	else tap_fail "$P: drive gpio get 3 reads 0 with the sim pull-down"; fi
	if rc_is "$vm" set5 0 && section_is "$vm" value5 1; then
		tap_ok "$P: drive gpio dir 5 out set 5=1 drives sim_gpio5 high"
	else tap_fail "$P: drive gpio dir 5 out set 5=1 drives sim_gpio5 high" "$(vm_section "$vm" set5)"; fi
	local edge; edge=$(vm_section "$vm" edge)
	if rc_is "$vm" edge 0 && grep -q 'RISING' <<<"$edge"; then
		tap_ok "$P: drive gpio irq 3 rising + wait prints the RISING edge of a sim pull-up"
		diag "$(grep -i 'rising\|toggles' <<<"$edge")"
	else tap_fail "$P: drive gpio irq 3 rising + wait prints the RISING edge of a sim pull-up" "$edge"; fi
	if [ "$st" = 0 ]; then tap_ok "$P: guest scenario exits 0"
	else tap_fail "$P: guest scenario exits 0" "scenario exit $st"; fi
	if [ "$TAP_FAILED" != "$f" ]; then
		group_logs "$vm"
		diag "guest serve log:"; diag "$(vm_section "$vm" serve-log | tail -n 30)"
	fi
}

# --- 6. i2c passthrough inside the guest: serve i2c --bus ----------------------
# The guest (scenarios/i2cpt.sh) runs the cases of scenarios/i2cpt-cases.sh
# through its own `vitool serve i2c --bus`: first on /dev/i2c-0, the
# virtio-i2c adapter whose device is the serve started here (0x50=24c02,
# 0x20=regs), then on i2c-stub (SMBus only).  The host runs the I2CPT_DIRECT
# cases again, in the same order, against a second serve of its own with the
# same targets: each case must print and exit as the table says, the same
# both ways; the three serves (the host's two, the guest's) must log the
# same requests with the same results.
. "$VM_HERE/scenarios/i2cpt-cases.sh"

# i2cpt_cases VM PREFIX LABEL CASES REF-SOCKET all|star: one TAP line a case.
# The case runs on the host against REF-SOCKET too: every case (all) or the
# "*" ones (star).
i2cpt_cases() {
	local vm=$1 p=$2 label=$3 cases=$4 ref=$5 which=$6 name cmd rc out got grc dout drc ok want
	# the cases' `drive`, on the host
	drive() { timeout 20 "$VITOOL" drive i2c --socket "$ref" "$@"; }
	while IFS='|' read -r name cmd rc out; do
		[ -n "$name" ] || continue
		got=$(vm_section "$vm" "$p.$name"); grc=$(vm_section_rc "$vm" "$p.$name")
		dout= drc=
		if [ "$which" = all ] || [ "$out" = "*" ]; then
			dout=$(eval "$cmd" 2>&1 </dev/null); drc=$?
		fi
		want=$out ok=1
		[ "$out" = "*" ] && want=$dout
		[ "$grc" = "$rc" ] && [ "$got" = "$want" ] || ok=0
		if [ -n "$drc" ]; then [ "$drc" = "$rc" ] && [ "$dout" = "$want" ] || ok=0; fi
		local tn="i2cpt: $label: $cmd -> exit $rc"
		if [ "$out" = "*" ]; then tn="$tn, output as when the host serves directly"
		elif [ -n "$out" ]; then tn="$tn, \"$(cut -c1-60 <<<"$out")$([ ${#out} -gt 60 ] && echo ...)\""
		else tn="$tn, no output"; fi
		[ -n "$drc" ] && [ "$out" != "*" ] && tn="$tn (as when the host serves directly)"
		if [ $ok = 1 ]; then tap_ok "$tn"
		else
			tap_fail "$tn" "guest: exit ${grc:-(none)}, output:" "${got:-(none)}"
			[ -z "$drc" ] || diag "host serving directly: exit $drc, output:" "${dout:-(none)}"
		fi
	done <<<"$cases"
}
# print_requests FILE: the --print request lines without time, id and latency
print_requests() {
	sed -nE "s/^$TRACE_TIME i2c q0 #[0-9]+ used (.*) $TRACE_LAT\$/\\1/p" "$1"
}

group_i2cpt() {
	local f=$TAP_FAILED c=$W/i2cpt.ctl
	serve_start i2cpt i2c --socket "$W/i2cpt.sock" --target 0x50=24c02 --target 0x20=regs ||
		{ tap_fail "i2cpt: vitool serve i2c starts (the guest's i2c-0)"; return; }
	serve_start i2cd i2c --socket "$W/i2cd.sock" --target 0x50=24c02 --target 0x20=regs ||
		{ tap_fail "i2cpt: vitool serve i2c starts (the host's direct reference)"; serve_stop i2cpt; return; }
	serve_start i2cs i2c --socket "$W/i2cs.sock" --target 0x50=regs ||
		{ tap_fail "i2cpt: vitool serve i2c starts (0x50=regs, reference for i2c-stub)"; serve_stop i2cpt; serve_stop i2cd; return; }
	vm_boot i2cpt "i2cpt-cases.sh i2cpt.sh" --timeout 240 -- -chardev "socket,id=c0,path=$W/i2cpt.sock" \
		-device vhost-user-i2c-pci,chardev=c0 || {
		tap_fail "i2cpt: QEMU starts"; group_logs i2cpt i2cpt; serve_stop i2cpt; serve_stop i2cd; serve_stop i2cs; return
	}
	local st; vm_finish i2cpt 220; st=$?

	if rc_is i2cpt virtio-name 0 && vm_section i2cpt virtio-name | grep -q virtio; then
		tap_ok "i2cpt: the guest's i2c-0 is the virtio-i2c adapter ($(vm_section i2cpt virtio-name))"
	else tap_fail "i2cpt: the guest's i2c-0 is the virtio-i2c adapter" "$(vm_section i2cpt virtio-name)"; fi
	i2cpt_cases i2cpt virtio "guest serve --bus /dev/i2c-0 (virtio)" "$I2CPT_DIRECT" "$W/i2cd.sock" all
	local a b g
	a=$(print_requests "$W/i2cpt.serve.log"); b=$(print_requests "$W/i2cd.serve.log")
	vm_section i2cpt virtio.print >"$W/i2cpt-guest.print"
	g=$(print_requests "$W/i2cpt-guest.print")
	if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$g" = "$b" ]; then
		tap_ok "i2cpt: the host's serve behind the guest, the guest's serve --bus and the direct serve log the same $(wc -l <<<"$b") requests and results"
	else
		tap_fail "i2cpt: the host's serve behind the guest, the guest's serve --bus and the direct serve log the same requests and results" \
			"behind the guest vs direct:" "$(diff <(echo "$a") <(echo "$b") | head -n 15)" \
			"guest's serve --bus vs direct:" "$(diff <(echo "$g") <(echo "$b") | head -n 15)"
	fi
	if rc_is i2cpt virtio.print 0 && section_is i2cpt virtio.stderr ""; then
		tap_ok "i2cpt: the guest's serve --bus /dev/i2c-0 printed no warning and exits 0 on SIGTERM"
	else tap_fail "i2cpt: the guest's serve --bus /dev/i2c-0 printed no warning and exits 0 on SIGTERM"; fi

	local bus; bus=$(vm_console i2cpt | sed -n 's/^@@ stub-bus \(i2c-[0-9]*\)$/\1/p')
	if rc_is i2cpt stub-insmod 0 && [ -n "$bus" ]; then
		tap_ok "i2cpt: insmod i2c-stub.ko chip_addr=0x50: adapter $bus \"SMBus stub driver\""
	else tap_fail "i2cpt: insmod i2c-stub.ko chip_addr=0x50 gives an \"SMBus stub driver\" adapter" "$(vm_section i2cpt stub-insmod)"; fi
	i2cpt_cases i2cpt stub "guest serve --bus /dev/$bus (i2c-stub, SMBus)" "$I2CPT_STUB" "$W/i2cs.sock" star
	local e; e=$(vm_section i2cpt stub.stderr)
	if rc_is i2cpt stub.print 0 &&
		grep -qF "/dev/$bus: SMBus-only adapter: a read of 2 bytes to 0x50 has no SMBus equivalent" <<<"$e" &&
		[ "$(grep -c . <<<"$e")" = 1 ] && vm_section i2cpt stub.print | grep -qE "^$TRACE_TIME i2c q0 #[0-9]+ used 0x50 read 2 -> ERR "; then
		tap_ok "i2cpt: i2c-stub: the serve says once why a 2-byte read has no SMBus equivalent, logs it ERR, exits 0 on SIGTERM"
	else
		tap_fail "i2cpt: i2c-stub: the serve says once why a 2-byte read has no SMBus equivalent, logs it ERR, exits 0 on SIGTERM" \
			"stderr:" "${e:-(none)}"
	fi
	if [ "$st" = 0 ]; then tap_ok "i2cpt: guest scenario exits 0"
	else tap_fail "i2cpt: guest scenario exits 0" "scenario exit $st"; fi
	serve_stop i2cpt; serve_stop i2cd; serve_stop i2cs
	[ "$TAP_FAILED" = "$f" ] || group_logs i2cpt i2cpt i2cd
}

# --- 7. rng: the Linux virtio-rng driver and /dev/hwrng -------------------------
# `serve rng --seed 42` hands out the splitmix64 stream tests/rng-stream.py
# predicts, in the order the driver's requests come.  The guest (scenarios/
# rng.sh) reads 64 then 192 bytes of /dev/hwrng while the kernel's own
# hwrng thread is not scheduled (it takes a block now and then: the first
# request's, at registration); those must be one contiguous run of the
# stream, starting where one of the serve's requests starts: at the sum of
# the bytes the --print lines before it account for.  A trace client
# attached before the boot must decode the same requests as --print.
RNG_STREAM=$VM_TOP/tests/rng-stream.py
# rng_print FILE: "ID LEN GOT SHOWN" per request line of --print or trace
# output (SHOWN: the hex the line shows, at most 16 bytes, spaces as commas)
rng_print() {
	sed -nE 's/^(.* )?rng q0 #([0-9]+) (used )?request ([0-9]+) -> ([0-9]+) bytes? \[([0-9a-f ]+)( \.\.\.)?\] .*$/\2 \4 \5 \6/p' "$1" |
		awk '{ s = $4; for (i = 5; i <= NF; i++) s = s "," $i; print $1, $2, $3, s }'
}
group_rng() {
	local f=$TAP_FAILED c=$W/rng.ctl
	serve_start rng rng --socket "$W/rng.sock" --seed 42 ||
		{ tap_fail "rng: vitool serve rng --seed 42 starts"; return; }
	trace_start rng-text "$c" -U
	if ! wait_until 5 trace_subscribers "$c" 1; then
		tap_fail "rng: a trace client attaches before the guest boots" "trace-stats: $(ctl "$c" trace-stats)"
		diag_file "$W/rng-text.trace.err" 5; trace_stop rng-text; serve_stop rng; return
	fi
	vm_boot rng rng.sh --append rng_core.default_quality=0 -- \
		-chardev "socket,id=c0,path=$W/rng.sock" -device vhost-user-rng-pci,chardev=c0 || {
		tap_fail "rng: QEMU starts"; group_logs rng rng; trace_stop rng-text; serve_stop rng; return
	}
	local st; vm_finish rng 90; st=$?
	local rt=x
	wait_until 10 grep -qE "^$TRACE_TIME rng disconnect\$" "$W/rng-text.trace"
	trace_stop rng-text && rt=$REAPED
	if [ "$st" = 0 ]; then tap_ok "rng: guest boots, runs the scenario, exits 0"
	else tap_fail "rng: guest boots, runs the scenario, exits 0" "scenario exit $st"; fi

	local avail cur
	avail=$(vm_section rng available) cur=$(vm_section rng current)
	if rc_is rng available 0 && rc_is rng current 0 && grep -qE '(^| )virtio_rng\.[0-9]+( |$)' <<<"$avail" &&
		[[ $cur =~ ^virtio_rng\.[0-9]+$ ]]; then
		tap_ok "rng: the virtio-rng driver is bound: rng_available names it, rng_current is it ($cur)"
	else tap_fail "rng: the virtio-rng driver is bound: rng_available names it, rng_current is it" \
		"rng_available: ${avail:-(none)}" "rng_current: ${cur:-(none)}"; fi

	# The --print lines: ids 1, 2, ... in order, each request's shown bytes
	# the stream at the sum of the bytes before it.
	local reqs id len got shown off=0 n=0 ok=1 offs=() want
	reqs=$(rng_print "$W/rng.serve.log")
	while read -r id len got shown; do
		[ -n "$id" ] || continue
		n=$((n + 1))
		[ "$id" = "$n" ] || { ok=0; diag "--print line $n has id #$id"; }
		want=$("$RNG_STREAM" 42 $((got < 16 ? got : 16)) "$off" | tr ' ' ,)
		[ "$shown" = "$want" ] || { ok=0; diag "request #$id at offset $off shows $shown, predicted $want"; }
		offs+=("$off")
		off=$((off + got))
	done <<<"$reqs"
	if [ $ok = 1 ] && [ "$n" -ge 4 ]; then
		tap_ok "rng: serve --print: a line per request, each with the predicted bytes at the sum of the earlier requests' ($n requests, $off bytes)"
	else
		tap_fail "rng: serve --print: a line per request, each with the predicted bytes at the sum of the earlier requests" \
			"$n request lines (at least 4 expected: the guest reads 4 blocks of 64)"
		diag_file "$W/rng.serve.log" 15
	fi

	# The guest's 256 bytes: a contiguous run of the stream from the start
	# of one request.
	local g1 g2 guest at= o k=0 tries quiet=0
	g1=$(vm_section rng read1 | xargs) g2=$(vm_section rng read2 | xargs)
	# "N hwrng-thread BEFORE AFTER": the thread's switch counts around the
	# reads of the guest's Nth (last) try
	tries=$(vm_section rng attempts)
	awk '{ exit !($3 == $4) }' <<<"$tries" && quiet=1
	guest="$g1 $g2"
	for o in "${offs[@]}"; do
		k=$((k + 1))
		[ $((o + 256)) -le "$off" ] || break
		[ "$("$RNG_STREAM" 42 256 "$o")" = "$guest" ] && { at=$o; break; }
	done
	if [ $quiet = 1 ] && rc_is rng read1 0 && rc_is rng read2 0 && [ "$(wc -w <<<"$g1")" = 64 ] &&
		[ "$(wc -w <<<"$g2")" = 192 ] && [ -n "$at" ]; then
		tap_ok "rng: the guest's 64 + 192 bytes of /dev/hwrng are the --seed 42 stream, contiguous from the start of a request"
		diag "from request #$k, stream offset $at (try, hwrng thread switches: $tries)"
	else
		tap_fail "rng: the guest's 64 + 192 bytes of /dev/hwrng are the --seed 42 stream, contiguous from the start of a request" \
			"try, hwrng thread switches before and after the reads: ${tries:-(none)}" \
			"guest: ${guest:0:96}..." "stream: $("$RNG_STREAM" 42 32) ..." "request offsets: ${offs[*]}"
	fi

	# trace: the requests --print shows, avail and used, framed by the
	# session's connect and disconnect.
	local t=$W/rng-text.trace navail tr
	navail=$(grep -cE "^$TRACE_TIME rng q0 #[0-9]+ avail request [0-9]+\$" "$t")
	tr=$(rng_print "$t")
	ok=1
	[ "$rt" = 0 ] || { ok=0; diag "trace exit status $rt"; }
	[ -n "$reqs" ] && [ "$tr" = "$reqs" ] || { ok=0; diag "trace used lines vs --print:" "$(diff <(echo "$tr") <(echo "$reqs") | head -n 10)"; }
	[ "$navail" = "$n" ] || { ok=0; diag "$navail avail lines for $n requests"; }
	head -n 1 "$t" | grep -qE "^$TRACE_TIME rng connect\$" || { ok=0; diag "first line: $(head -n 1 "$t")"; }
	tail -n 1 "$t" | grep -qE "^$TRACE_TIME rng disconnect\$" || { ok=0; diag "last line: $(tail -n 1 "$t")"; }
	if [ $ok = 1 ]; then
		tap_ok "rng: vitool trace decodes every request (avail 'request 64', used '-> 64 bytes [...]'), the same as --print"
	else
		tap_fail "rng: vitool trace decodes every request (avail 'request 64', used '-> 64 bytes [...]'), the same as --print"
		diag_file "$t" 20; diag_file "$W/rng-text.trace.err" 5
	fi
	serve_stop rng
	[ "$TAP_FAILED" = "$f" ] || group_logs rng rng
}

. "$here/group-proxy.sh"   # proxy_start, used by the reconnect group too
if [ "$VM_ARCH" = arm64 ]; then
	. "$here/group-scmi.sh"
	want scmi && timed group_scmi
else
	want i2c && timed group_i2c
	want trace && timed group_trace
	want gpio && timed group_gpio
	want reconnect && timed group_reconnect
	if want passthrough; then
		timed group_passthrough "$VITOOL" /usr/bin/vitool
		timed group_passthrough "$VITOOL_OTHER" "$([ -n "$VM_VITOOL_OTHER" ] && echo /usr/bin/vitool-other)"
	fi
	want i2cpt && timed group_i2cpt
	want rng && timed group_rng
	. "$here/group-fault.sh"
	want fault && timed group_fault
	want fault-kasan && timed group_fault_kasan
	want proxy && timed group_proxy
	want proxy && timed group_i2c proxy
	want proxy && timed group_gpio proxy
	# Only when named: `make check-vm-soak` (VM_ONLY=soak).
	. "$here/group-soak.sh"
	[[ " ${VM_ONLY:-} " == *" soak "* ]] && timed group_soak
fi
diag "suite: $(( $(now_ms) - t_start )) ms"
echo "1..$TAP_N"
[ "$TAP_FAILED" -eq 0 ]
