#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/NAME/.

   tests/fuzz/seeds.py        (from the top of the tree; rewrites them all)

Seeds are valid inputs a target should get right, so the fuzzer starts
deep in each parser: the golden captures of tests/trace (whole, and each
record on its own), chains cut from their records for the decoders, the
filter words, fault rules and drive operations of the man pages, control
sessions, a vhost-user handshake that sets up a ring holding an i2c read,
and rings for the ring walker.  The corpora are committed; rerun this when
a format changes."""
import glob
import os
import shutil
import struct

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")


def corpus(name, seeds):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed-%03d" % i), "wb") as f:
            f.write(s if isinstance(s, bytes) else s.encode())


def pcap_records(path):
    data = open(path, "rb").read()
    if len(data) < 24 or data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return []
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        off += 16
        out.append(data[off:off + incl])
        off += incl
    return out


captures = sorted(p for p in glob.glob(os.path.join(TOP, "tests", "trace", "*.pcap")))
records = [r for p in captures for r in pcap_records(p)]

# fuzz_pcap: the captures themselves (the broken ones too: they are errors
# the reader must survive).
corpus("fuzz_pcap", [open(p, "rb").read() for p in captures])

# fuzz_record: one of each kind and device, deduplicated by (kind, id).
seen, recs = set(), []
for r in records:
    key = (r[1], r[8:12], len(r) > 200)
    if len(r) >= 64 and key not in seen:
        seen.add(key)
        recs.append(r)
corpus("fuzz_record", recs)


# fuzz_decode: each record's chain in the target's layout.
def seglen_byte(n):
    return n if n < 128 else 0x80 | min(n // 4, 127)


def chain_seed(r):
    hl, nseg = struct.unpack_from("<H", r, 2)[0], struct.unpack_from("<H", r, 18)[0]
    queue, used = struct.unpack_from("<H", r, 14)[0], struct.unpack_from("<I", r, 20)[0]
    segs, nread, pos = [], 0, hl + 12 * nseg
    for i in range(min(nseg, 8)):
        flags, _, caplen = struct.unpack_from("<B3xII", r, hl + 12 * i)
        data = r[pos:pos + caplen]
        pos += caplen
        if not flags & 1:
            nread += 1
        b = seglen_byte(len(data))
        n = b if b < 128 else (b & 0x7f) * 4
        segs.append((b, data[:n].ljust(n, b"\0")))
    head = bytes([queue & 3, len(segs), nread]) + struct.pack("<I", used) + b"\0"
    return head + bytes(b for b, _ in segs) + b"".join(d for _, d in segs)


dec = []
for r in recs:
    if len(r) >= 64 and struct.unpack_from("<H", r, 18)[0]:
        dec.append(chain_seed(r))
corpus("fuzz_decode", dec)

corpus("fuzz_filter", [
    "addr 0x50 and (used or timeout)", "i2c and not late", "gpio line 3 type GET_VALUE",
    "status err || ooo", "latency > 1.5ms and q 0", "device 41 and irq", "vhost and not reply",
    "to-backend type SET_VRING_ADDR", "! ( kick or call ) && id 7", "scmi type cmd", "blk read",
    "rng", "drops or ring-error or connect or disconnect", "instance 0 queue 1 status NOT_FOUND",
])

corpus("fuzz_fault", [
    "delay 500ms addr 0x50 read", "fail every 2 addr 0x20", "reorder queue 0 window 200ms",
    "hold line 3 type GET_VALUE", "delay 5ms jitter 2ms probability 0.5 seed 42",
    "fail queue 0 type write every 3", "hold type read", "delay 1s queue 1",
])

corpus("fuzz_ops", [
    "w2@0x50 0x00 0x10 r8", "w1@0x50 0x00 r8@0x50", "detect 0x03 0x77", "r1@0x20",
    "info names get 0 1 set 2=1 3=high", "dir 1 in irq 1 rising wait 1 --timeout 100 -n 2",
    "wait 1 2 --format %o %e %s", "read 0 2 flush id", "read 16 8 64",
])

corpus("fuzz_ctl", [
    "help\n", "info\nstats\ninflight\n", "lines\ninject 1=1 button=0 pulse 5\n",
    "fault add delay 5ms every 2\nfault list\nfault del 1\nfault clear\n",
    "trace-stats\ntrace-stats reset\nstats reset\n", "trace snaplen 64\n",
    "release all\nrelease 3\ninflight 1\n", "inject led=toggle wait 10\n",
    "\n\n   \t\nfrob x y\nhelp x\n",
])

# fuzz_vhost: 4096 bytes of guest memory, then a handshake that gives queue
# 0 a ring (at gpa 0, front-end address 0x7f0000000000) holding one i2c read
# of 2 bytes at 0x50, then the kick.
UA = 0x7f0000000000
mem = bytearray(4096)
descs = [(0x400, 8, 1, 1), (0x410, 2, 3, 2), (0x418, 1, 2, 0)]   # addr, len, flags, next
for i, (a, n, fl, nx) in enumerate(descs):
    struct.pack_into("<QIHH", mem, 16 * i, a, n, fl, nx)
struct.pack_into("<HHH", mem, 0x100, 0, 1, 0)            # avail: flags, idx 1, ring[0] = 0
struct.pack_into("<HHI", mem, 0x400, 0x50 << 1, 0, 2)    # i2c out_hdr: addr, pad, flags M_RD


def msg(req, payload=b"", flags=1):
    return struct.pack("<III", req, flags, len(payload)) + payload


def u64(v):
    return struct.pack("<Q", v)


def state(i, n):
    return struct.pack("<II", i, n)


hs = [msg(1), msg(2, u64((1 << 32) | (1 << 30))), msg(15), msg(16, u64(0x9)), msg(3),
      msg(5, struct.pack("<II", 1, 0) + struct.pack("<QQQQ", 0, 4096, UA, 0)),
      msg(8, state(0, 8)), msg(9, struct.pack("<IIQQQQ", 0, 0, UA, UA + 0x200, UA + 0x100, 0)),
      msg(10, state(0, 0)), msg(13, u64(0)), msg(12, u64(0)), msg(18, state(0, 1)),
      msg(24, struct.pack("<III", 0, 8, 0) + bytes(8)), msg(11, state(0, 0))]
corpus("fuzz_vhost", [bytes(mem) + b"".join(hs), bytes(mem) + b"".join(hs[:6]),
                      bytes(mem) + msg(1) + msg(5, b"\xff" * 40) + msg(9, bytes(40)),
                      bytes(mem) + msg(0x7fffffff) + msg(1, flags=7)])

# fuzz_vq: size 8 (2^3), indirect and event idx on, start 0; the same three
# descriptors and avail ring as above, then room.
vq = bytes([3, 3, 0, 0]) + bytes(mem[:128]) + bytes(mem[0x100:0x100 + 22]) + bytes(mem[0x400:0x420])
corpus("fuzz_vq", [vq, bytes([0, 1, 0, 0]) + bytes(64)])
