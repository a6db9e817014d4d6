# fault-kasan: on the KASAN guest kernel (tests/vm/kernel-kasan.config), an
# i2c transfer whose read the host holds is interrupted by SIGINT; the host
# then completes the abandoned request (tests/vm/group-fault.sh, scenario b).
# i2c-virtio waits with wait_for_completion_interruptible and kfree()s its
# requests when a signal comes, while they are still on the virtqueue.
mark b-start
run b-xfer timeout -s INT 1 i2ctransfer -y 0 w1@0x50 0x00 r2
# the host sees this, then clears its rules: the held read completes now
mark b-interrupted
i=0
while [ $i -lt 50 ] && ! dmesg | grep -q 'BUG: KASAN'; do sleep 0.1; i=$((i + 1)); done
sleep 1
# a transfer after the late completion
run b-after i2ctransfer -y 0 w1@0x50 0x00 r2
run b-dmesg sh -c "dmesg | grep -A 12 'BUG: KASAN' | head -n 40"
true
