#!/bin/sh
# A debugging session against a simulated EEPROM, no VM needed:
# start a backend that prints every request it serves, write a page that
# crosses a page boundary, read it back, and scan the bus.
#   examples/eeprom-session.sh [path/to/vitool]
set -eu
VITOOL=${1:-vitool}
dir=$(mktemp -d)
sock=$dir/i2c.sock
trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null; rm -rf "$dir"' EXIT

"$VITOOL" serve i2c --socket "$sock" --target 0x50=24c02 --target 0x20=regs --print &
serve=$!

echo "== write 4 bytes at 0x06: the 24c02's 8-byte page wraps after 2"
"$VITOOL" drive i2c --socket "$sock" w5@0x50 0x06 0xa1 0xa2 0xa3 0xa4
echo "== read the first page back (0x06 0x07 then 0x00 0x01 changed)"
"$VITOOL" drive i2c --socket "$sock" w1@0x50 0x00 r8
echo "== scan the bus with zero-length requests"
"$VITOOL" drive i2c --socket "$sock" detect
echo "== a read from an absent address fails like a NACK (exit status 1)"
"$VITOOL" drive i2c --socket "$sock" r1@0x30 || echo "exit status $?"
