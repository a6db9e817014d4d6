# The cases of the i2cpt group, read by both sides: the guest (this file
# comes before scenarios/i2cpt.sh in /scenario.sh) runs them against its
# `vitool serve i2c --bus`, the host (run-vm.sh group_i2cpt) checks the
# guest's results and runs I2CPT_DIRECT again against a `vitool serve i2c`
# of its own, serving the same targets directly.
#
# One case a line: NAME|COMMAND|EXIT|OUTPUT.  COMMAND is shell, where `drive`
# is `vitool drive i2c --socket SOCKET` and $bus the adapter's number; EXIT
# and OUTPUT (stdout and stderr) are what the user must see; OUTPUT "*"
# means "exactly what the host printed running COMMAND against its own serve
# with the same targets" (I2CPT_DIRECT: 0x50=24c02 0x20=regs; I2CPT_STUB:
# 0x50=regs, the stub's one chip).

# Through the guest's /dev/i2c-0 (the virtio-i2c adapter, I2C_FUNC_I2C, whose
# device is the host's serve with 0x50=24c02 and 0x20=regs): every transfer
# goes as one I2C_RDWR, so the results are those of the host's targets.
I2CPT_DIRECT='
write|drive w3@0x50 0x10 0xaa 0xbb|0|
readback|drive w1@0x50 0x10 r2|0|0xaa 0xbb
page-write|drive w5@0x50 0x06 0xa1 0xa2 0xa3 0xa4|0|
page-read|drive w1@0x50 0x00 r8|0|0xa3 0xa4 0xff 0xff 0xff 0xff 0xa1 0xa2
ptr-write|drive w5@0x50 0x20 0x01 0x02 0x03 0x04|0|
ptr-read|drive w1@0x50 0x20 r2|0|0x01 0x02
current-read|drive r2@0x50|0|0x03 0x04
whole-read|drive w1@0x50 0x00 r256|0|*
regs|drive w3@0x20 0x05 0x5a 0x5b|0|
regs-read|drive w1@0x20 0x05 r2|0|0x5a 0x5b
probe|drive w0@0x50|0|
probe-absent|drive w0@0x30|1|vitool: drive: message 1 (write 0 bytes at 0x30) failed: ERR
absent-read|drive r1@0x30|1|vitool: drive: message 1 (read 1 byte at 0x30) failed: ERR
absent-write|drive w2@0x31 0x00 0x01|1|vitool: drive: message 1 (write 2 bytes at 0x31) failed: ERR
group-fail|drive w1@0x50 0x00 r1@0x30 r1@0x50|1|vitool: drive: message 2 (read 1 byte at 0x30) failed: ERR (the rest of the group was not performed)
not-performed|drive w1@0x50 0x40 r1@0x30 w2@0x50 0x40 0x55|1|vitool: drive: message 2 (read 1 byte at 0x30) failed: ERR (the rest of the group was not performed)
not-written|drive w1@0x50 0x40 r1|0|0xff
detect|drive detect|0|*
'

# Through i2c-stub (insmod chip_addr=0x50): an SMBus-only adapter (no
# I2C_FUNC_I2C), so serve maps each message shape onto an SMBus command.
# The stub keeps 256 16-bit registers; byte commands use their low byte, and
# the busybox i2cget/i2cset lines check each mapping independently.
I2CPT_STUB='
byte-data-write|drive w2@0x50 0x10 0x5a && i2cget -y $bus 0x50 0x10 b|0|0x5a
byte-data-read|i2cset -y $bus 0x50 0x11 0xa5 b && drive w1@0x50 0x11 r1|0|0xa5
word-data-read|i2cset -y $bus 0x50 0x20 0x1234 w && drive w1@0x50 0x20 r2|0|0x34 0x12
block-write|drive w5@0x50 0x30 0x01 0x02 0x03 0x04 && i2cget -y $bus 0x50 0x32 b|0|0x03
block-read|drive w1@0x50 0x30 r4|0|0x01 0x02 0x03 0x04
block-read-32|drive w1@0x50 0x30 r32|0|0x01 0x02 0x03 0x04 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00
byte-pointer|drive w1@0x50 0x31|0|
byte-read|drive r1@0x50|0|0x02
byte-read-next|drive r1@0x50|0|0x03
detect|drive detect|0|*
quick|drive w0@0x50|0|
quick-absent|drive w0@0x30|1|vitool: drive: message 1 (write 0 bytes at 0x30) failed: ERR
absent-read|drive r1@0x30|1|vitool: drive: message 1 (read 1 byte at 0x30) failed: ERR
absent-write|drive w2@0x31 0x00 0x01|1|vitool: drive: message 1 (write 2 bytes at 0x31) failed: ERR
group-fail|drive w1@0x50 0x10 r1@0x30 r1@0x50|1|vitool: drive: message 2 (read 1 byte at 0x30) failed: ERR (the rest of the group was not performed)
refused-read-2|drive r2@0x50|1|vitool: drive: message 1 (read 2 bytes at 0x50) failed: ERR
refused-read-33|drive w1@0x50 0x00 r33|1|vitool: drive: message 1 (write 1 byte at 0x50) failed: ERR (the rest of the group was not performed)
refused-write-34|drive w34@0x50 0x00 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33|1|vitool: drive: message 1 (write 34 bytes at 0x50) failed: ERR
still-serving|drive w1@0x50 0x10 r1|0|0x5a
'
