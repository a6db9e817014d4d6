#!/usr/bin/env bash
# A device that answers an i2c request after the Linux virtio-i2c driver
# gave up on it, on a KASAN guest kernel: what the kernel says about it.
#
#   examples/i2c-late-completion.sh [VITOOL]
#
# i2c-virtio (Linux 6.12) waits for each request with
# wait_for_completion_interruptible(); when a signal comes it fails the
# transfer and kfree()s the request array, while the requests are still on
# the virtqueue.  When the device completes one later, virtio_i2c_msg_done()
# calls complete() on the freed request.  This script makes that happen on
# purpose:
#   1. `vitool serve i2c --fault 'hold addr 0x50 read'` keeps every read at
#      0x50 in flight;
#   2. the guest runs `timeout -s INT 1 i2ctransfer -y 0 w1@0x50 0x00 r2`:
#      the write completes, the read is held, SIGINT interrupts the wait;
#   3. the host sends `fault clear` on the serve's control socket: the held
#      read completes now, into the request the driver freed;
#   4. the guest's console shows what KASAN reports; vitool's capture shows
#      the read timed out, then completed late.
# Needs QEMU 10 and Debian's linux-source-6.12 (make deps-vm); the guest
# kernel (tests/vm/kernel.config + kernel-kasan.config) is built once into
# ~/.cache/vitool-vm by tests/vm/build-guest.sh (a few minutes).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
vitool=$(cd "$(dirname "${1:-$top/build/vitool}")" && pwd)/$(basename "${1:-$top/build/vitool}")
[ -x "$vitool" ] || { echo "i2c-late-completion: $vitool is not built (make)" >&2; exit 1; }
work=$(mktemp -d /tmp/i2c-late-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || :; done; wait 2>/dev/null || :; }
trap cleanup EXIT

echo "# building (or reusing) the KASAN guest kernel and initramfs"
images=$(VM_KERNEL_FRAGMENT=$top/tests/vm/kernel-kasan.config VITOOL=$vitool "$top/tests/vm/build-guest.sh")
kernel=$(sed -n 1p <<<"$images")
initrd=$(sed -n 2p <<<"$images")
# The guest's part: tests/vm's helpers and scenario as /scenario.sh.
mkdir "$work/sc"
cat "$top/tests/vm/scenarios/guest-lib.sh" "$top/tests/vm/scenarios/fault-kasan.sh" >"$work/sc/scenario.sh"
chmod +x "$work/sc/scenario.sh"
(cd "$work/sc" && echo scenario.sh | cpio -o -H newc --quiet | gzip -1) | cat "$initrd" - >"$work/initrd.gz"

"$vitool" serve i2c --socket "$work/i2c.sock" --control "$work/i2c.ctl" --quiet --print \
	--target 0x50=24c02 --write "$work/late.pcap" --fault 'hold addr 0x50 read' >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/i2c.ctl" ] && break; sleep 0.1; done
timeout 120 qemu-system-x86_64 -M q35 -m 256M -smp 1 -display none -monitor none -no-reboot \
	-serial "file:$work/console" -kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1" \
	-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
	-chardev "socket,id=c0,path=$work/i2c.sock" -device vhost-user-i2c-pci,chardev=c0 \
	</dev/null >"$work/qemu.log" 2>&1 &
qemu=$!
pids+=($qemu)
echo "# guest booting; waiting for its i2ctransfer to be interrupted"
for _ in $(seq 900); do grep -q '@@ b-interrupted' "$work/console" 2>/dev/null && break; sleep 0.1; done
echo "# vitool holds:"
echo inflight | socat - "UNIX-CONNECT:$work/i2c.ctl"
echo "# fault clear: the held read completes now"
echo 'fault clear' | socat - "UNIX-CONNECT:$work/i2c.ctl"
wait "$qemu" || :
echo "# the guest (console):"
tr -d '\r' <"$work/console" | sed -n '/@@ begin b-xfer/,$p' | grep -v '^@@ begin b-dmesg' | head -n 60
echo "# vitool trace -r late.pcap 'timeout or late':"
"$vitool" trace -r "$work/late.pcap" 'timeout or late'
echo "# logs in $work"
