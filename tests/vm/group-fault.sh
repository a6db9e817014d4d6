# The VM suite's fault group (VM_ONLY=fault), sourced by run-vm.sh: one
# guest with an i2c and a gpio device whose serves have fault rules
# (vitool-serve(1) FAULTS); the guest (scenarios/fault.sh) runs the Linux
# tools, the host checks what they got and what vitool shows: the trace's
# timeout, late and out-of-order marks (each serve writes a capture), and
# `inflight` while a request is held.

# fault_marks PCAP FILTER: "EVENT SUMMARY" of the records FILTER selects
fault_marks() {
	TZ=UTC timeout 10 "$VITOOL" trace --json -r "$1" "$2" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l); print(o["event"], "#%d" % o["req_id"], o["summary"])'
}

# fault_grid VM SECTION: the addresses an i2cdetect grid shows
fault_grid() {
	vm_section "$1" "$2" | awk -F: '/^[0-7]0:/ { n = split($2, a, " ");
		for (i = 1; i <= n; i++) if (a[i] ~ /^[0-9a-f][0-9a-f]$/) printf "%s ", a[i] }'
}

# fault_held CTL: the id of the request a hold rule keeps, per inflight
fault_held() {
	ctl "$1" inflight | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
for r in o["requests"]:
    if r.get("fault", {}).get("kind") == "hold": print(r["id"], r["age_ms"], r["summary"])' 2>/dev/null
}

group_fault() {
	local f=$TAP_FAILED ic=$W/fi.ctl gc=$W/fg.ctl ip=$W/fi.pcap gp=$W/fg.pcap
	serve_start fi i2c --socket "$W/fi.sock" --target 0x50=24c02 --target 0x20=regs --write "$ip" \
		--fault 'delay 1500ms addr 0x50 read' --fault 'fail every 2 addr 0x20' ||
		{ tap_fail "fault: vitool serve i2c with fault rules starts"; return; }
	serve_start fg gpio --socket "$W/fg.sock" --lines 8 --write "$gp" \
		--fault 'hold line 3 type get-value' --fault 'reorder line 4-5 type get-value' ||
		{ tap_fail "fault: vitool serve gpio with fault rules starts"; serve_stop fi; return; }
	timeout 10 "$VITOOL" inject gpio --control "$gc" 3=1 4=1 >"$W/fault-inject.out" 2>&1 ||
		diag "inject 3=1 4=1: $(cat "$W/fault-inject.out")"
	vm_boot fault fault.sh --timeout 180 -- \
		-chardev "socket,id=c0,path=$W/fi.sock" -device vhost-user-i2c-pci,chardev=c0 \
		-chardev "socket,id=c1,path=$W/fg.sock" -device vhost-user-gpio-pci,chardev=c1 ||
		{ tap_fail "fault: QEMU starts"; group_logs fault fi fg; serve_stop fi; serve_stop fg; return; }

	# c: while the guest's gpioget waits, the host sees the held request age.
	local held= id= age1= age2= sum= blocked=0 rr=x
	if vm_wait_marker fault "@@ begin c-get" 120 && wait_until 10 eval '[ -n "$(fault_held "$gc")" ]'; then
		read -r id age1 sum <<<"$(fault_held "$gc")"
		sleep 1
		read -r _ age2 _ <<<"$(fault_held "$gc")"
		vm_has fault "@@ end c-get" || blocked=1
		rr=$(ctl "$gc" "release $id")
	fi
	local n="fault c: hold line 3 type get-value: guest gpioget blocks, inflight shows GET_VALUE line 3 held and ageing"
	if [ -n "$id" ] && [ "$sum" = "GET_VALUE line 3" ] && [ "$blocked" = 1 ] && [ -n "$age2" ] &&
		((age2 >= age1 + 900)); then
		tap_ok "$n"; diag "request #$id: age $age1 ms, a second later $age2 ms"
	else tap_fail "$n" "held: ${id:-none} ($sum), age $age1 -> $age2 ms, gpioget still waiting: $blocked" "$(ctl "$gc" inflight)"; fi
	local st; vm_finish fault 60; st=$?
	if [ "$rr" = '{"ok":true,"released":1}' ] && rc_is fault c-get 0 && section_is fault c-get 1; then
		tap_ok "fault c: release $id: the guest's gpioget finishes with the line's value (1)"
	else tap_fail "fault c: release: the guest's gpioget finishes with the line's value (1)" "release: $rr" "$(vm_section fault c-get)"; fi
	if [ "$st" = 0 ]; then tap_ok "fault: guest scenario exits 0"
	else tap_fail "fault: guest scenario exits 0" "scenario exit $st"; fi
	serve_stop fi
	serve_stop fg

	# a: the right bytes, 1.5 s late; the trace marks the read timed out
	# while it waited, then late.  The guest's clock under TCG falls
	# behind the host's when the host is loaded (1350 ms seen for the
	# host's 1500), so the guest's figure is held to "well over a second";
	# the host's own delay is the trace's latency, checked below.
	local ams; ams=$(vm_console fault | sed -n 's/^@@ a-ms \([0-9]*\)$/\1/p')
	n="fault a: delay 1500ms addr 0x50 read: guest i2ctransfer reads the right bytes, 1.5 s late"
	if rc_is fault a-write 0 && rc_is fault a-read 0 && section_is fault a-read "0xaa 0xbb" &&
		[ -n "$ams" ] && ((ams >= 1000)); then
		tap_ok "$n"; diag "the read took $ams ms in the guest"
	else tap_fail "$n" "took ${ams:-?} ms: $(vm_section fault a-read)"; fi
	# the 2-byte read's records among those marked (i2cdetect's probes of
	# 0x50 are delayed too)
	local marks id_a
	marks=$(fault_marks "$ip" 'timeout or late')
	id_a=$(sed -nE 's/^used (#[0-9]+) 0x50 read 2 -> OK \[aa bb\]$/\1/p' <<<"$marks")
	n="fault a: vitool trace marks the delayed read timed out, then completed late, 1.5 s after it was made"
	if [ -n "$id_a" ] && [ "$(awk -v id="$id_a" '$2 == id { printf "%s ", $1 }' <<<"$marks")" = "timeout used late " ] &&
		fault_marks "$ip" 'used and latency >= 1500ms' | grep -q "^used $id_a "; then
		tap_ok "$n"
	else tap_fail "$n" "records:" "$marks"; fi

	# e: every 2nd request to 0x20 fails in the guest; i2cdetect sees 0x20
	# on its probe that passes, not on the one that fails.
	n="fault e: fail every 2 addr 0x20: guest i2cget fails on the 2nd, i2ctransfer sends 0/1 on the 4th, i2cdetect shows 20 then not"
	local g1 g2
	g1=$(fault_grid fault e-detect1); g2=$(fault_grid fault e-detect2)
	if rc_is fault e-1 0 && rc_nonzero fault e-2 && rc_is fault e-3 0 && ! vm_section fault e-3 | grep -q warning &&
		vm_section fault e-4 | grep -q 'only 0/1 messages sent' &&
		rc_is fault e-detect1 0 && rc_is fault e-detect2 0 && [ "$g1" = "20 50 " ] && [ "$g2" = "50 " ]; then
		tap_ok "$n"; diag "i2ctransfer on the failed request: $(vm_section fault e-4 | head -n 1), exit $(vm_section_rc fault e-4)"
	else
		tap_fail "$n" "exit statuses: $(for s in e-1 e-2 e-3 e-4; do printf '%s ' "$(vm_section_rc fault $s)"; done)" \
			"e-4: $(vm_section fault e-4)" "first grid: $g1" "second grid: $g2"
	fi
	local errs; errs=$(fault_marks "$ip" 'addr 0x20 and used and status err' | cut -d' ' -f3- | sort | uniq -c | sed 's/^ *//')
	if [ "$errs" = "3 0x20 read 1 -> ERR" ]; then
		tap_ok "fault e: the trace shows the 3 failed requests at 0x20 with the device's ERR"
	else tap_fail "fault e: the trace shows the 3 failed requests at 0x20 with the device's ERR" "$errs"; fi

	# d: two gpiogets on lines 4 and 5 both succeed; one overtook the other.
	n="fault d: reorder line 4-5 type get-value: both guest gpiogets succeed (4 reads 1, 5 reads 0)"
	if rc_is fault d-4 0 && section_is fault d-4 1 && rc_is fault d-5 0 && section_is fault d-5 0; then
		tap_ok "$n"
	else tap_fail "$n" "$(vm_section fault d-4)" "$(vm_section fault d-5)"; fi
	marks=$(fault_marks "$gp" ooo)
	# The GET_VALUE that overtook the held one is out of order; so is any
	# request of the other gpioget (GET_DIRECTION, SET_DIRECTION) that
	# completed while it was held, depending on how the two processes ran.
	n="fault d: vitool trace marks the GET_VALUE that overtook the held one out of order (only lines 4-5's requests)"
	if [ "$(grep -cE '^used #[0-9]+ GET_VALUE line [45] -> OK value [01]$' <<<"$marks")" = 1 ] &&
		! grep -vqE '^used #[0-9]+ [A-Z_]+ line [45] ' <<<"$marks"; then
		tap_ok "$n"; diag "$marks"
	else tap_fail "$n" "out-of-order records:" "${marks:-(none)}"; fi
	[ "$TAP_FAILED" = "$f" ] || group_logs fault fi fg
}

# --- b: a completion after the guest gave up, on a KASAN guest kernel -------
# A second guest kernel (kernel.config + kernel-kasan.config, cached like the
# first); the serve holds every read at 0x50, the guest's i2ctransfer gets
# SIGINT after 1 s, then the host's `fault clear` completes the request the
# driver has freed.
group_fault_kasan() {
	local f=$TAP_FAILED c=$W/fk.ctl p=$W/fk.pcap out VM_KERNEL VM_INITRD
	if ! out=$(VM_KERNEL_FRAGMENT=$VM_HERE/kernel-kasan.config VITOOL=$VITOOL nice "$VM_HERE/build-guest.sh" \
		2>"$W/build-guest-kasan.log"); then
		tap_fail "fault b: the KASAN guest kernel builds (build-guest.sh, kernel-kasan.config)"
		diag_file "$W/build-guest-kasan.log" 30; return
	fi
	VM_KERNEL=$(sed -n 1p <<<"$out")
	VM_INITRD=$(sed -n 2p <<<"$out")
	serve_start fk i2c --socket "$W/fk.sock" --target 0x50=24c02 --write "$p" --fault 'hold addr 0x50 read' ||
		{ tap_fail "fault b: vitool serve i2c --fault 'hold addr 0x50 read' starts"; return; }
	vm_boot fk fault-kasan.sh --timeout 120 -- \
		-chardev "socket,id=c0,path=$W/fk.sock" -device vhost-user-i2c-pci,chardev=c0 ||
		{ tap_fail "fault b: QEMU starts the KASAN guest"; group_logs fk fk; serve_stop fk; return; }
	local held= cleared=x
	if vm_wait_marker fk "@@ b-interrupted" 90; then
		held=$(ctl "$c" inflight)
		cleared=$(ctl "$c" 'fault clear')
	fi
	local st; vm_finish fk 60; st=$?
	serve_stop fk
	local n="fault b: guest 'timeout -s INT 1 i2ctransfer' is interrupted while vitool holds its read"
	if rc_nonzero fk b-xfer && [[ $held == *'"summary":"0x50 read 2","fault":{"rule":1,"kind":"hold"'* ]]; then
		tap_ok "$n"; diag "i2ctransfer exit $(vm_section_rc fk b-xfer)"
	else tap_fail "$n" "exit $(vm_section_rc fk b-xfer): $(vm_section fk b-xfer)" "inflight: $held"; fi
	# vitool: the held read completed late, after the guest had given up
	local marks ids; marks=$(fault_marks "$p" 'timeout or late')
	ids=$(awk '{ printf "%s %s ", $1, $2 }' <<<"$marks")
	n="fault b: fault clear completes the abandoned read; vitool trace marks it timed out, then late"
	if [ "$cleared" = '{"ok":true}' ] && [ "$ids" = "timeout #2 used #2 late #2 " ] &&
		grep -q '^used #2 0x50 read 2 -> OK' <<<"$marks"; then tap_ok "$n"
	else tap_fail "$n" "fault clear: $cleared" "records:" "$marks"; fi
	# The guest kernel's report, whatever it is: a use-after-free in
	# i2c-virtio's completion is what the driver's code predicts.
	local kasan; kasan=$(vm_console fk | grep -E 'BUG: KASAN|Write of size|Read of size|virtio_i2c|^ *complete' | head -n 8)
	n="fault b: the KASAN guest reports a use-after-free in virtio_i2c_msg_done after the late completion"
	if vm_console fk | grep -qE 'BUG: KASAN: (slab-)?use-after-free' &&
		vm_console fk | sed -n '/BUG: KASAN/,$p' | head -n 40 | grep -q 'virtio_i2c_msg_done'; then
		tap_ok "$n"; diag "$kasan"
	else
		tap_fail "$n" "the guest's console (scenario exit $st):"
		diag_file "$W/fk.console" 40
	fi
	[ "$TAP_FAILED" = "$f" ] || group_logs fk fk
}
