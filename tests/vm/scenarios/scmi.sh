# scmi: Linux's SCMI stack (arm_scmi over virtio-scmi, scmi-hwmon, clk-scmi,
# scmi-cpufreq) against `vitool serve scmi` (group-scmi.sh).  The device
# tree's firmware node is tests/vm/scmi.dtsi.
mount -t debugfs none /sys/kernel/debug

# The SCMI core probes once the virtio-scmi device is bound (it defers until
# then): its platform device shows what the base protocol told it.
scmi_dev() { ls -d /sys/bus/platform/drivers/arm-scmi/arm-scmi.* 2>/dev/null | head -n 1; }
scmi_up() { [ -n "$(scmi_dev)" ]; }
wait_for 30 scmi_up
d=$(scmi_dev)
run probe sh -c "[ -n '$d' ] && for a in protocol_version vendor_id sub_vendor_id firmware_version; do
	echo \$a \$(cat $d/\$a); done"
# The SCMI drivers and how many of the core's protocol devices each is bound
# to ("scmi-hwmon 1": its protocol is there and it probed).
run scmi-drivers sh -c 'for drv in /sys/bus/scmi/drivers/*; do
	echo "${drv##*/} $(ls "$drv" | grep -c "^scmi_dev\.")"; done'
run dmesg-scmi sh -c 'dmesg | grep -i scmi'
