# scmi: Linux's SCMI stack (arm_scmi over virtio-scmi, scmi-hwmon, clk-scmi,
# scmi-cpufreq) against `vitool serve scmi` (group-scmi.sh, which says what
# the host does at each marker).  The device tree's firmware node is
# tests/vm/scmi.dtsi.
#
# The host talks to the guest through the platform itself: `set clock go N`
# lets phase N begin (the guest polls the go clock's rate; clk-scmi reads
# it with CLOCK_RATE_GET every time).  The fault rules the host adds select
# the sensor protocol only, so the go clock is never held.
mount -t debugfs none /sys/kernel/debug
C=/sys/kernel/debug/scmi/0/transport/counters

# The SCMI core probes once the virtio-scmi device is bound (it defers until
# then): its platform device shows what the base protocol told it.
scmi_dev() { ls -d /sys/bus/platform/drivers/arm-scmi/arm-scmi.* 2>/dev/null | head -n 1; }
scmi_up() { [ -n "$(scmi_dev)" ]; }
wait_for 30 scmi_up
d=$(scmi_dev)
run probe sh -c "[ -n '$d' ] && for a in protocol_version vendor_id sub_vendor_id firmware_version; do
	echo \$a \$(cat $d/\$a); done"
# The SCMI drivers and the protocol devices each is bound to.
run drivers sh -c 'cd /sys/bus/scmi_protocol/drivers && for drv in *; do
	echo "$drv $(ls "$drv" | grep -c "^scmi_dev\.")"; done'
# What the kernel said while the stack came up (and nothing later: the
# phases below each print their own).
run boot-log sh -c 'dmesg -c | grep -i scmi'

# --- hwmon, clocks, performance domain as the platform describes them ------
hw=
for h in /sys/class/hwmon/hwmon*; do [ "$(cat "$h/name")" = scmi_sensors ] && hw=$h; done
input() {  # input LABEL: the hwmon *_input file of the sensor named LABEL
	for _f in "$hw"/*_label; do
		[ "$(cat "$_f")" = "$1" ] && { echo "${_f%_label}_input"; return 0; }
	done
	echo "/nonexistent/$1"; return 1
}
echo "@@ hwmon $hw"
# rd FILE: one read(2) of a sysfs file, its error said as dd says it
# (busybox cat tries sendfile(2) first and, when that fails, read(2): two
# SCMI reads for one failed cat).
rd() {
	_e=/tmp/rd.${1##*/}.err
	dd if="$1" bs=4096 count=1 2>"$_e"; _rc=$?
	grep -v -e 'records in' -e 'records out' -e 'bytes .* copied' "$_e"
	return $_rc
}
run hwmon-labels sh -c "cd $hw && for f in *_label; do echo \"\${f%_label} \$(cat \$f)\"; done"
# The synchronous sensors' values; the asynchronous ones are read under the
# fault rules below, and unforced in phase 5 (where the counters add up).
run hwmon-values sh -c "echo soc \$(cat $(input soc)); echo vdd \$(cat $(input vdd))"
clk() { cat "/sys/kernel/debug/clk/$1/clk_rate"; }
run clocks sh -c "for c in uart go; do echo \$c \$(cat /sys/kernel/debug/clk/\$c/clk_rate) \
	\$(cat /sys/kernel/debug/clk/\$c/clk_min_rate) \$(cat /sys/kernel/debug/clk/\$c/clk_max_rate); done"
run clk-summary sh -c "awk '\$1 == \"uart\" || \$1 == \"go\" { print \$1, \$5 }' /sys/kernel/debug/clk/clk_summary"
P=/sys/devices/system/cpu/cpu0/cpufreq
run cpufreq sh -c "cd $P && for a in scaling_driver scaling_governor scaling_available_frequencies \
	cpuinfo_min_freq cpuinfo_max_freq cpuinfo_cur_freq; do echo \$a \$(cat \$a); done"

# --- values the host changes (set perf, set clock, set sensor, in that
# order: the sensor's is the one waited for) --------------------------------
mark host-set
soc_is() { [ "$(cat "$(input soc)")" = "$1" ]; }
wait_for 60 soc_is "$SCMI_SOC_SET"
run after-set sh -c "echo soc \$(cat $(input soc)); echo uart \$(cat /sys/kernel/debug/clk/uart/clk_rate);
	echo cpu \$(cat $P/cpuinfo_cur_freq)"
# ... and one the guest changes: the host's `domains` shows the level.
run setspeed sh -c "echo userspace >$P/scaling_governor && echo 500000 >$P/scaling_setspeed && cat $P/cpuinfo_cur_freq"
mark perf-set

# --- faults -------------------------------------------------------------------
go_is() { [ "$(clk go)" = "$1" ]; }
phase() {  # phase N: say it is ready, wait for the host's go
	mark "phase $1 ready"
	wait_for 60 go_is "$1" || mark "phase $1: no go from the host"
}
log() { dmesg -c | grep -iE "scmi|hwmon"; }

# 1. hold immediate protocol sensor msg 6: the synchronous read waits until
#    the host releases its response.
phase 1
run hold-read rd "$(input soc)"
run hold-log log

# 2. The same rule on the asynchronous sensor: its delayed response goes out
#    while the immediate one is held, so the read finishes first; once the
#    host releases the immediate response the kernel has no command for it.
phase 2
run overtake-read rd "$(input board)"
unexpected() { dmesg | grep -q "type $1 is not expected"; }
mark overtake-read-done
wait_for 30 unexpected 0
run overtake-log log

# 3. Two asynchronous reads at once, with both their responses held (hold
#    immediate ..., hold delayed protocol sensor): the host releases the
#    younger command's immediate response first, then the older's, then the
#    delayed responses in the same order.
phase 3
rd "$(input board)" >/tmp/r-board 2>&1 & p1=$!
rd "$(input dram)" >/tmp/r-dram 2>&1 & p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
echo "@@ begin reorder-board"; cat /tmp/r-board; echo "@@ end reorder-board rc=$rc1"
echo "@@ begin reorder-dram"; cat /tmp/r-dram; echo "@@ end reorder-dram rc=$rc2"
run reorder-log log

# 4. hold delayed protocol sensor alone, and no release: the kernel waits
#    2 s for a delayed response (SCMI_MAX_RESPONSE_TIMEOUT), then fails the
#    read; the host releases it afterwards.
phase 4
run timeout-read rd "$(input board)"
run timeout-log log
mark timeout-read-done
wait_for 30 unexpected 2
run late-log log

# 5. No rule: the platform answers as before, and sends each delayed
#    response only once the kernel has taken its command's immediate one:
#    20 reads of each asynchronous sensor, none out of order.
phase 5
run after-read rd "$(input soc)"
async20() {
	for _i in $(seq 20); do rd "$(input board)"; rd "$(input dram)"; done | sort | uniq -c |
		awk '{ print $2, $1 }'
}
run async-reads async20
run async-log log
run counters sh -c "cd $C && for c in *; do [ \$c = reset ] || echo \$c \$(cat \$c); done"
true
