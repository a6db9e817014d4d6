#!/usr/bin/env python3
# The bytes `vitool serve rng --seed SEED` hands out, for tests that predict
# them (tests/bats/serve_drive_rng.bats, the VM suite's rng group): one
# stream definition instead of a copy in each.  splitmix64, each 64-bit
# output little-endian, as vitool-serve(1) documents it.
#   tests/rng-stream.py SEED N [OFFSET]
# prints bytes OFFSET (default 0) .. OFFSET+N-1 of the stream as hex pairs
# on one line, the format of `drive rng` and of od -An -tx1 joined.
import sys

M = (1 << 64) - 1


def stream(seed, n):
    s, out = seed, bytearray()
    while len(out) < n:
        s = (s + 0x9E3779B97F4A7C15) & M
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        out += (z ^ (z >> 31)).to_bytes(8, "little")
    return bytes(out[:n])


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit("usage: rng-stream.py SEED N [OFFSET]")
    seed, n = int(argv[1], 0), int(argv[2], 0)
    off = int(argv[3], 0) if len(argv) == 4 else 0
    print(stream(seed, off + n)[off:].hex(" "))


if __name__ == "__main__":
    main(sys.argv)
