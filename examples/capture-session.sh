#!/bin/sh
# Capture a session with `vitool trace -w` while a driver talks to a
# simulated EEPROM, print it back with `vitool trace -r`, and open the same
# file in tshark with vitool's Wireshark dissector.  No VM needed: `vitool
# drive` plays the guest.  With a VM, attach the same way to the serve
# instance QEMU is connected to.
#   examples/capture-session.sh [path/to/vitool] [capture.pcap]
set -eu
VITOOL=${1:-vitool}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
pcap=${2:-$dir/session.pcap}
sock=$dir/i2c.sock
# A private control-socket directory, so that `trace` finds this instance.
export XDG_RUNTIME_DIR=$dir/run
mkdir -m 0700 "$XDG_RUNTIME_DIR"
serve= trace=
trap 'for p in $trace $serve; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$dir"' EXIT

"$VITOOL" serve i2c --socket "$sock" --target 0x50=24c02 &
serve=$!
while [ ! -S "$sock" ]; do sleep 0.05; done

echo "== trace -w: capturing every record of the instance to $pcap"
"$VITOOL" trace -U -w "$pcap" &
trace=$!
sleep 0.3   # let trace attach before the traffic starts

"$VITOOL" drive i2c --socket "$sock" w3@0x50 0x00 0xbe 0xef
"$VITOOL" drive i2c --socket "$sock" w1@0x50 0x00 r2
"$VITOOL" drive i2c --socket "$sock" r1@0x30 || true

# Stopping serve ends the stream: trace closes the file and exits.
kill "$serve"; wait "$serve" 2>/dev/null || true
wait "$trace" || true
serve= trace=

echo "== vitool trace -r (completions only)"
"$VITOOL" trace -r "$pcap" used

# The dissector: installed by `make install`, or from the source tree.
lua=$here/../lib/trace/wireshark/vitool.lua
[ -f "$lua" ] || lua=/usr/local/share/wireshark/plugins/vitool.lua
if command -v tshark >/dev/null 2>&1; then
	echo "== tshark with the dissector"
	tshark -X "lua_script:$lua" -r "$pcap" -Y 'vitool.kind == 2' 2>/dev/null
	echo "== tshark: the i2c fields of the completions at 0x50"
	tshark -X "lua_script:$lua" -r "$pcap" -Y 'vitool.kind == 2 && vitool.i2c.addr == 0x50' \
		-T fields -e vitool.req_id -e vitool.i2c.read -e vitool.i2c.status -e vitool.latency_ns 2>/dev/null
else
	echo "(install tshark to see the capture decoded by vitool.lua)"
fi
