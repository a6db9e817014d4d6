#!/usr/bin/env bash
# Regenerates the golden captures of tests/trace/ and their expected outputs
# (NAME.txt, NAME-v.txt, NAME.json) from tests/trace/gen.c and ./vitool.
# The expected outputs are the contract of `vitool trace`: review the diff.
#   tests/trace/regen.sh        (from the top of the tree, after make)
# Only the captures of the current record version are written again: the
# version-1 ones (every capture but vhost and log) are kept as version 1
# wrote them, the proof that old captures still read; their outputs are
# regenerated.  scmi-names.pcap (every SCMI name the decoder knows) has no
# expected output of its own: trace.bats compares the Lua dissector's
# names with `vitool trace`'s on it.
set -eu
cd "$(dirname "$0")/../.."
dir=tests/trace
make -s vitool
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. -Ilib -o build/trace-gen "$dir/gen.c" \
	build/libvitool.a $(pkg-config --libs libgpiod libpcap)
build/trace-gen "$dir" vhost log scmi-names
export TZ=UTC
for name in i2c gpio scmi blk rng hex events vhost log; do
	./vitool trace -r "$dir/$name.pcap" >"$dir/$name.txt"
	./vitool trace -v -r "$dir/$name.pcap" >"$dir/$name-v.txt"
	./vitool trace --json -r "$dir/$name.pcap" >"$dir/$name.json"
done
