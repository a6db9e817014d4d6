# i2c: Linux's virtio-i2c driver against `vitool serve i2c` with simulated
# targets 0x50=24c02 (seeded by the host) and 0x20=regs.
run detect i2cdetect -y -r 0
run write i2ctransfer -y 0 w3@0x50 0x10 0xaa 0xbb
run readback i2ctransfer -y 0 w1@0x50 0x10 r2
run absent i2cget -y 0 0x30
run regs-set i2cset -y 0 0x20 0x05 0x5a
run regs-get i2cget -y 0 0x20 0x05
# at24 on top of the same target: the whole EEPROM through the kernel driver,
# then a write through it that the host sees in its --print log.
run at24-bind sh -c 'echo 24c02 0x50 > /sys/bus/i2c/devices/i2c-0/new_device'
wait_for 5 test -e /sys/bus/i2c/devices/0-0050/eeprom
run at24-read od -An -tx1 -v /sys/bus/i2c/devices/0-0050/eeprom
run at24-write sh -c "printf '\\132\\245' | dd of=/sys/bus/i2c/devices/0-0050/eeprom bs=1 seek=64 conv=notrunc 2>/dev/null"
# at24 holds 0x50 now: -f to reach the target directly
run at24-reread i2ctransfer -f -y 0 w1@0x50 0x40 r2
true
