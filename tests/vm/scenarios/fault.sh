# fault: Linux's virtio-i2c and virtio-gpio drivers against serves with
# fault rules (tests/vm/group-fault.sh says which and checks the results).
# i2c-0: 0x50=24c02, 0x20=regs; gpiochip0: 8 simulated lines, the host set
# lines 3 and 4 high.

# uptime in ms (busybox date has no %N)
ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# a. delay 1500ms addr 0x50 read: the write goes at once, the read answers
# late; the driver has no timeout, so i2ctransfer gets the right bytes.
run a-write i2ctransfer -y 0 w3@0x50 0x10 0xaa 0xbb
t0=$(ms)
run a-read i2ctransfer -y 0 w1@0x50 0x10 r2
echo "@@ a-ms $(( $(ms) - t0 ))"

# e. fail every 2 addr 0x20: requests 2 and 4 answer ERR; the 5th (the
# first i2cdetect's probe of 0x20) passes, the 6th (the second's) fails.
# i2cget (SMBus read byte) fails on an ERR; i2ctransfer reports how many
# messages went.
run e-1 i2cget -y 0 0x20
run e-2 i2cget -y 0 0x20
run e-3 i2ctransfer -y 0 r1@0x20
run e-4 i2ctransfer -y 0 r1@0x20
run e-detect1 i2cdetect -y -r 0
run e-detect2 i2cdetect -y -r 0

# c. hold line 3 type get-value: gpioget blocks (gpio-virtio waits without
# a timeout, uninterruptibly) until the host releases the request.
run c-get gpioget gpiochip0 3

# d. reorder line 4-5 type get-value: two processes on different lines;
# the first GET_VALUE completes only after the second.
gpioget gpiochip0 4 >/tmp/d4 2>&1 &
p4=$!
gpioget gpiochip0 5 >/tmp/d5 2>&1 &
p5=$!
if wait_pid 20 $p4; then wait $p4; r4=$?; else r4=124; fi
if wait_pid 20 $p5; then wait $p5; r5=$?; else r5=124; fi
echo "@@ begin d-4"; cat /tmp/d4; echo "@@ end d-4 rc=$r4"
echo "@@ begin d-5"; cat /tmp/d5; echo "@@ end d-5 rc=$r5"
true
