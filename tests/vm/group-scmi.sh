# The arm64 suite's scmi group (VM_ARCH=arm64, VM_ONLY=scmi), sourced by
# run-vm.sh: an arm64 guest under TCG whose SCMI stack (arm_scmi over the
# virtio transport, the DT node of tests/vm/scmi.dtsi; scmi-hwmon, clk-scmi,
# scmi-cpufreq) talks to `vitool serve scmi` through QEMU's
# vhost-user-scmi-pci.  The platform comes from a --config file; the guest
# (scenarios/scmi.sh) shows what Linux made of it, takes the host's `set`
# changes, then runs four fault phases (seed 004): a held immediate
# response, a delayed response that overtakes its held immediate one, two
# delayed responses released in the other order, a delayed response held
# past the kernel's 2 s; then, with no rule, 20 reads of each async sensor
# none of whose delayed responses overtakes its immediate one (serve waits
# until the guest took the immediate one).  The host checks the guest's
# output and log, the serve's `inflight`, `domains` and `info`, and the
# trace (--write) marks.

# scmi_held CTL QUEUE: "ID SUMMARY" of each request a hold rule keeps on QUEUE
scmi_held() {
	ctl "$1" inflight | jq -r --argjson q "$2" \
		'.requests[] | select(.queue == $q and .fault.kind == "hold") | "\(.id) \(.summary)"' 2>/dev/null
}
scmi_nheld() { [ "$(scmi_held "$1" "$2" | grep -c .)" = "$3" ]; }
# scmi_marks PCAP FILTER: the --write capture's lines FILTER selects, without
# the time and the device (the latency stays: its groups would shift sed's
# numbers)
scmi_marks() {
	TZ=UTC timeout 10 "$VITOOL" trace -r "$1" "$2" 2>/dev/null | sed -E "s/^$TRACE_TIME scmi //"
}
# scmi_token PCAP ID: the token of request ID's completion in the capture
scmi_token() {
	scmi_marks "$1" "id $2 and used" | sed -nE 's/.* token ([0-9]+) .*/\1/p' | head -n 1
}
# scmi_go CTL N: let the guest's phase N begin (it polls the go clock, whose
# rate is 100 until the first phase)
scmi_go() {
	vm_wait_marker scmi "@@ phase $2 ready" 60 && [ "$(ctl "$1" "set clock go $2" | jq -r .ok)" = true ]
}

group_scmi() {
	local f=$TAP_FAILED c=$W/scmi.ctl p=$W/scmi.pcap conf=$W/scmi.conf n
	cat >"$conf" <<-'EOF'
	# The platform of the VM suite's scmi group (tests/vm/group-scmi.sh).
	vendor vmtest
	sub-vendor arm64
	impl-version 0x20304
	sensor soc:45000
	sensor vdd:900:type=voltage
	sensor board:38500:async
	sensor dram:41000:async
	clock uart:24M,48M
	clock go:1-100:rate=100
	perf cpu:500000,1000000,1500000
	EOF
	serve_start scmi scmi --socket "$W/scmi.sock" --config "$conf" --write "$p" ||
		{ tap_fail "scmi: vitool serve scmi --config starts"; return; }
	vm_boot scmi scmi.sh --timeout 280 --env SCMI_SOC_SET=51500 -- \
		-chardev "socket,id=c0,path=$W/scmi.sock" -device vhost-user-scmi-pci,chardev=c0 ||
		{ tap_fail "scmi: QEMU starts"; group_logs scmi scmi; serve_stop scmi; return; }

	# --- the platform as Linux sees it -------------------------------------
	local ok=1
	if vm_wait_marker scmi "@@ host-set" 150; then :; else ok=0; fi
	n="scmi: arm_scmi probes over virtio-scmi: SCMI 2.1, vendor vmtest:arm64, firmware 0x20304"
	if rc_is scmi probe 0 && section_is scmi probe "protocol_version 2.1
vendor_id vmtest
sub_vendor_id arm64
firmware_version 0x20304" &&
		vm_section scmi boot-log | grep -q "SCMI Protocol v2.1 'vmtest:arm64' Firmware version 0x20304"; then
		tap_ok "$n"
	else tap_fail "$n" "boot log:" "$(vm_section scmi boot-log)"; fi
	n="scmi: scmi-hwmon, scmi-clocks and scmi-cpufreq each bind a protocol device"
	if section_is scmi drivers "scmi-clocks 1
scmi-cpufreq 1
scmi-hwmon 1"; then tap_ok "$n"; else tap_fail "$n"; fi
	n="scmi: the guest's kernel logs no SCMI error or warning while the stack comes up"
	local bad; bad=$(vm_section scmi boot-log | grep -viE "SCMI protocol bus registered|Using scmi_virtio_transport|max-rx-timeout|Notifications - Core Enabled|SCMI Protocol v2.1")
	if [ -z "$bad" ]; then tap_ok "$n"; else tap_fail "$n" "$bad"; fi
	n="scmi: hwmon scmi_sensors shows the 4 sensors by name (in0 vdd, temp1-3 soc board dram) and the host's values (soc 45000, vdd 900)"
	if section_is scmi hwmon-labels "in0 vdd
temp1 soc
temp2 board
temp3 dram" && section_is scmi hwmon-values "soc 45000
vdd 900"; then tap_ok "$n"; else tap_fail "$n"; fi
	n="scmi: clk-scmi registers uart (24 MHz, 24M-48M) and go; clk_summary lists both"
	if section_is scmi clocks "uart 24000000 24000000 48000000
go 100 1 100" && section_is scmi clk-summary "go 100
uart 24000000"; then tap_ok "$n"; else tap_fail "$n"; fi
	n="scmi: scmi-cpufreq has the perf domain's levels (500000 1000000 1500000 kHz), at the highest"
	if section_is scmi cpufreq "scaling_driver scmi
scaling_governor performance
scaling_available_frequencies 500000 1000000 1500000
cpuinfo_min_freq 500000
cpuinfo_max_freq 1500000
cpuinfo_cur_freq 1500000"; then tap_ok "$n"; else tap_fail "$n"; fi

	# --- the host changes the platform; the guest changes a level -----------
	local r1 r2 r3
	r1=$(ctl "$c" "set perf cpu 1000000"); r2=$(ctl "$c" "set clock uart 48M"); r3=$(ctl "$c" "set sensor soc 51500")
	vm_wait_marker scmi "@@ perf-set" 90
	n="scmi: set perf/clock/sensor on the host: the guest reads soc 51500, uart 48000000 Hz, cpu 1000000 kHz"
	if rc_is scmi after-set 0 && section_is scmi after-set "soc 51500
uart 48000000
cpu 1000000"; then tap_ok "$n"
	else tap_fail "$n" "replies: $r1" "$r2" "$r3"; fi
	local level; level=$(ctl "$c" domains | jq -r '.perf[] | select(.name == "cpu") | .level')
	n="scmi: the guest's userspace governor sets 500000 kHz; the host's domains shows perf cpu at level 500000"
	if rc_is scmi setspeed 0 && section_is scmi setspeed 500000 && [ "$level" = 500000 ]; then tap_ok "$n"
	else tap_fail "$n" "domains: level ${level:-?}" "$(vm_section scmi setspeed)"; fi

	# --- 1. hold immediate protocol sensor msg 6: a synchronous read waits ----
	local held= id= sum= waiting=0 rr=x
	ctl "$c" "fault add hold immediate protocol sensor msg 6" >/dev/null
	if scmi_go "$c" 1 && vm_wait_marker scmi "@@ begin hold-read" 60 && wait_until 20 scmi_nheld "$c" 0 1; then
		read -r id sum <<<"$(scmi_held "$c" 0)"
		vm_has scmi "@@ end hold-read" || waiting=1
		rr=$(ctl "$c" "release $id")
	fi
	vm_wait_marker scmi "@@ end hold-read" 30
	n="scmi 1: hold immediate protocol sensor msg 6: the guest's read of soc waits, inflight shows READING_GET sensor 0 held"
	if [ -n "$id" ] && [[ $sum == *"READING_GET"*"sensor 0 flags 0x0"* ]] && [ "$waiting" = 1 ]; then
		tap_ok "$n"; diag "held #$id: $sum"
	else tap_fail "$n" "held: ${id:-none} ($sum), guest still waiting: $waiting" "$(ctl "$c" inflight)"; fi
	n="scmi 1: release: the guest's read finishes with the value (51500), the kernel logs nothing"
	if [ "$(jq -r .released <<<"$rr" 2>/dev/null)" = 1 ] && rc_is scmi hold-read 0 && section_is scmi hold-read 51500 &&
		section_is scmi hold-log ""; then tap_ok "$n"
	else tap_fail "$n" "release: $rr"; fi

	# --- 2. the same rule on an async sensor: the delayed response overtakes --
	local tok= oid= osum= stillheld=0
	if scmi_go "$c" 2 && vm_wait_marker scmi "@@ overtake-read-done" 60; then
		read -r oid osum <<<"$(scmi_held "$c" 0)"
		[ -n "$oid" ] && stillheld=1
		tok=$(sed -nE 's/.*token ([0-9]+).*/\1/p' <<<"$osum")
		rr=$(ctl "$c" "release $oid")
	fi
	vm_wait_marker scmi "@@ end overtake-log" 40
	n="scmi 2: its delayed response overtakes the held immediate one: the guest reads board (38500) while inflight still holds READING_GET async"
	if rc_is scmi overtake-read 0 && section_is scmi overtake-read 38500 && [ "$stillheld" = 1 ] &&
		[[ $osum == *"READING_GET"*"sensor 2 flags 0x1"* ]]; then
		tap_ok "$n"; diag "held #$oid: $osum"
	else tap_fail "$n" "held: ${oid:-none} ($osum)"; fi
	local olog; olog=$(vm_section scmi overtake-log)
	n="scmi 2: the guest's kernel warns of the out-of-order delayed response, then finds no command for the released immediate one (token $tok)"
	if [ -n "$tok" ] && grep -q "Received valid OoO Delayed Response for $tok\$" <<<"$olog" &&
		grep -q "Message for $tok type 0 is not expected!" <<<"$olog" && [ "$(grep -c . <<<"$olog")" = 2 ]; then
		tap_ok "$n"; diag "$olog"
	else tap_fail "$n" "guest log:" "${olog:-(none)}"; fi
	local om; om=$(scmi_marks "$p" "queue 1 and used and delayed" | grep " token ${tok:-none} ")
	n="scmi 2: vitool trace marks the delayed response [OVERTOOK], paired with its command"
	if grep -qE "^q1 #[0-9]+ used event buffer [0-9]+ -> delayed SENSOR READING_GET token $tok SUCCESS sensor 2 value 38500 timestamp 0 \\(cmd #$oid\\)( $TRACE_LAT)? \\[OVERTOOK\\]\$" <<<"$om"; then
		tap_ok "$n"
	else tap_fail "$n" "records:" "${om:-(none)}"; fi

	# --- 3. two async reads, both responses of each held; released reversed --
	# The immediate responses are held too: the kernel waits 60 s for those,
	# and only 2 s for a delayed response once its immediate one came, so the
	# host takes its time before the first release and none between them.
	ctl "$c" "fault clear" >/dev/null
	ctl "$c" "fault add hold immediate protocol sensor msg 6" >/dev/null
	ctl "$c" "fault add hold delayed protocol sensor" >/dev/null
	local i1= i2= d1= d2= rel=
	if scmi_go "$c" 3 && wait_until 30 scmi_nheld "$c" 0 2 && wait_until 10 scmi_nheld "$c" 1 2; then
		i1=$(scmi_held "$c" 0 | sed -n 1p) i2=$(scmi_held "$c" 0 | sed -n 2p)
		d1=$(scmi_held "$c" 1 | sed -n 1p) d2=$(scmi_held "$c" 1 | sed -n 2p)
		local r
		for r in "${i2%% *}" "${i1%% *}" "${d2%% *}" "${d1%% *}"; do
			rel="$rel $(ctl "$c" "release $r" | jq -r .released)"
		done
	fi
	vm_wait_marker scmi "@@ end reorder-log" 40
	n="scmi 3: two concurrent async reads, immediate and delayed responses released younger first: each read gets its own sensor's value, the kernel logs nothing"
	if [ "$rel" = " 1 1 1 1" ] && rc_is scmi reorder-board 0 && section_is scmi reorder-board 38500 &&
		rc_is scmi reorder-dram 0 && section_is scmi reorder-dram 41000 && section_is scmi reorder-log ""; then
		tap_ok "$n"; diag "held: $i1" "held: $i2" "held: $d1" "held: $d2"
	else tap_fail "$n" "held: ${i1:-none} / ${i2:-none} / ${d1:-none} / ${d2:-none}" "released:${rel:-(none)}"; fi
	# The younger command's immediate response is out of order (the go
	# clock's and the governor's commands that completed while a read was
	# held are too: only the reads count), and so is its delayed response,
	# which came while the older read still awaited its own (trace pairs
	# each with its command by token); the older read's are in order.
	local ooo dl want_dl="" x
	ooo=$(scmi_marks "$p" "ooo" | grep 'SENSOR READING_GET')
	dl=$(scmi_marks "$p" "used and (id ${d1%% *} or id ${d2%% *})" | grep "^q1 " |
		sed -nE 's/^q1 (#[0-9]+) used .* -> delayed SENSOR READING_GET token [0-9]+ SUCCESS (sensor [23]) (value [0-9]+) timestamp 0 \((cmd #[0-9]+)\).*/\1 \4 \2 \3/p')
	local di ci cs
	for x in "${d2%% *} $i2" "${d1%% *} $i1"; do
		di=${x%% *} x=${x#* } ci=${x%% *} cs=$(sed -nE 's/.* sensor ([0-9]+) .*/\1/p' <<<"$x")
		case $cs in 2) want_dl="$want_dl#$di cmd #$ci sensor 2 value 38500"$'\n' ;;
		3) want_dl="$want_dl#$di cmd #$ci sensor 3 value 41000"$'\n' ;; esac
	done
	n="scmi 3: vitool trace marks the younger read's immediate and delayed responses out of order and pairs each delayed response with its command"
	if [ -n "$d2" ] && [ "$(grep -c . <<<"$ooo")" = 2 ] &&
		grep -qE "^q0 #${i2%% *} used cmd SENSOR READING_GET token [0-9]+ sensor [23] flags 0x1 -> SUCCESS .*\\[OOO\\]\$" <<<"$ooo" &&
		grep -qE "^q1 #${d2%% *} used event buffer [0-9]+ -> delayed SENSOR READING_GET .* \\(cmd #${i2%% *}\\)( $TRACE_LAT)? \\[OOO\\]\$" <<<"$ooo" &&
		[ "$dl"$'\n' = "$want_dl" ]; then
		tap_ok "$n"; diag "$ooo" "$dl"
	else tap_fail "$n" "out-of-order reads (younger: #${i2%% *}):" "${ooo:-(none)}" \
		"delayed responses, in the capture's order:" "${dl:-(none)}" "expected:" "$want_dl"; fi

	# --- 4. hold delayed protocol sensor, released after the kernel gave up --
	ctl "$c" "fault clear" >/dev/null
	ctl "$c" "fault add hold delayed protocol sensor" >/dev/null
	local tid= ttok=
	if scmi_go "$c" 4 && vm_wait_marker scmi "@@ timeout-read-done" 60; then
		tid=$(scmi_held "$c" 1 | sed -n '1s/ .*//p')
		rr=$(ctl "$c" "release $tid")
	fi
	vm_wait_marker scmi "@@ end late-log" 40
	local tlog; tlog=$(vm_section scmi timeout-log)
	n="scmi 4: a delayed response held past 2 s: the guest's read fails, its kernel logs the delayed-response timeout once"
	if rc_nonzero scmi timeout-read && vm_section scmi timeout-read | grep -q 'Connection timed out' &&
		[ "$(grep -c "timed out in delayed resp" <<<"$tlog")" = 1 ] && [ -n "$tid" ]; then
		tap_ok "$n"; diag "$(vm_section scmi timeout-read)"
	else tap_fail "$n" "read: $(vm_section scmi timeout-read)" "guest log:" "${tlog:-(none)}" "held: ${tid:-none}"; fi
	[ -z "$tid" ] || ttok=$(scmi_token "$p" "$tid")
	local llog; llog=$(vm_section scmi late-log)
	n="scmi 4: released afterwards, the late delayed response (token ${ttok:-?}) finds no command in the guest"
	if [ -n "$ttok" ] && grep -q "Message for $ttok type 2 is not expected!" <<<"$llog"; then tap_ok "$n"
	else tap_fail "$n" "release: $rr" "guest log:" "${llog:-(none)}"; fi

	# --- 5. no rule: as before; the kernel's counters add up -----------------
	ctl "$c" "fault clear" >/dev/null
	scmi_go "$c" 5
	local st; vm_finish scmi 120; st=$?
	n="scmi 5: with the rules cleared the guest reads soc again (51500) and its scenario exits 0"
	if [ "$st" = 0 ] && rc_is scmi after-read 0 && section_is scmi after-read 51500; then tap_ok "$n"
	else tap_fail "$n" "scenario exit $st"; fi
	n="scmi 5: no rule, 20 reads of each async sensor: every delayed response comes after its immediate one (the kernel logs no OoO), the values are right"
	local unord; unord=$(ctl "$c" info | jq -r .unordered)
	if rc_is scmi async-reads 0 && section_is scmi async-reads "38500 20
41000 20" && section_is scmi async-log "" && [ "$unord" = 0 ]; then tap_ok "$n"
	else tap_fail "$n" "guest log:" "$(vm_section scmi async-log | head -n 10)" "info unordered: $unord"; fi
	local cnt; cnt=$(vm_section scmi counters)
	n="scmi 5: the guest's SCMI counters: 43 delayed responses, 2 unexpected messages, no invalid one, no response timeout"
	if grep -qx "delayed_response_ok 43" <<<"$cnt" && grep -qx "err_msg_unexpected 2" <<<"$cnt" &&
		grep -qx "err_msg_invalid 0" <<<"$cnt" && grep -qx "xfers_response_timeout 0" <<<"$cnt"; then tap_ok "$n"
	else tap_fail "$n" "$cnt"; fi
	serve_stop scmi
	[ "$TAP_FAILED" = "$f" ] || group_logs scmi scmi
}
