# trace: a known i2c sequence for `vitool trace` clients the host attached to
# `vitool serve i2c` before it booted the guest (run-vm.sh group_trace): one
# write to 0x50, a write + read back, a read at the absent 0x30.  Nothing
# else on the bus: the host counts these requests.
run write i2ctransfer -y 0 w3@0x50 0x10 0xaa 0xbb
run readback i2ctransfer -y 0 w1@0x50 0x10 r2
run absent i2cget -y 0 0x30
true
