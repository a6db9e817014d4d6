#!/bin/sh
# Simulate a button press on a running VM: press (LINE=1) and wait until the
# guest took the interrupt, hold, release (LINE=0).  Exits 0 when the guest
# took the interrupt, 3 when it never did, 1 when the instance refused or
# could not be found, 2 on a bad command line.
#
#   examples/button-press.sh [-c CONTROL] [-H HOLD_MS] [-t TIMEOUT_MS] LINE
#
# LINE is a line offset or name.  VITOOL=path/to/vitool selects the binary
# (default: vitool on PATH, else the one built next to this script).
#
# The setup it is made for:
#
#   # 1. the back-end, a simulated GPIO chip with named lines
#   vitool serve gpio --socket /tmp/gpio.sock --names led,reset,button
#
#   # 2. the VM (QEMU 10, e.g. from bookworm-backports: QEMU 7.2 offers the
#   #    guest no GPIO interrupts)
#   qemu-system-x86_64 -M q35 -m 256M -kernel bzImage -initrd initrd.gz \
#     -object memory-backend-memfd,id=mem,size=256M,share=on \
#     -numa node,memdev=mem \
#     -chardev socket,id=g0,path=/tmp/gpio.sock,reconnect-ms=1000 \
#     -device vhost-user-gpio-pci,chardev=g0 ...
#
#   # 3. in the guest, something waiting for the button (libgpiod 1.6)
#   gpiomon --rising-edge gpiochip0 2
#
#   # 4. on the host
#   examples/button-press.sh button
#
# Without a VM, `vitool drive` plays the guest:
#
#   vitool serve gpio --socket /tmp/gpio.sock --names led,reset,button &
#   vitool drive gpio -S /tmp/gpio.sock dir button in irq button rising \
#       wait button &
#   examples/button-press.sh button
set -u

usage() {
	echo "usage: $0 [-c CONTROL] [-H HOLD_MS] [-t TIMEOUT_MS] LINE" >&2
	exit 2
}

control=""
hold_ms=200
timeout_ms=2000
while getopts c:H:t:h opt; do
	case $opt in
	c) control=$OPTARG ;;
	H) hold_ms=$OPTARG ;;
	t) timeout_ms=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
line=$1
case $hold_ms in '' | *[!0-9]*) usage ;; esac

if [ -z "${VITOOL:-}" ]; then
	if command -v vitool >/dev/null 2>&1; then
		VITOOL=vitool
	else
		VITOOL=$(dirname "$0")/../vitool
	fi
fi

inject() {
	if [ -n "$control" ]; then
		"$VITOOL" inject gpio --control "$control" "$@"
	else
		"$VITOOL" inject gpio "$@"
	fi
}

echo "press $line: $line=1, waiting up to $timeout_ms ms for the guest"
inject "$line=1" --wait --timeout "$timeout_ms"
rc=$?
case $rc in
0)
	echo "the guest took the interrupt"
	;;
3)
	echo "the guest did not take the interrupt within $timeout_ms ms:" \
		"is something in the guest waiting on $line (gpiomon), was the line already" \
		"high, or is its interrupt masked (then the edge is latched for later)?" >&2
	;;
*)
	echo "could not press $line (vitool inject exit status $rc)" >&2
	exit "$rc"
	;;
esac

echo "hold for $hold_ms ms"
sleep "$(awk -v ms="$hold_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"

echo "release $line: $line=0"
inject "$line=0" || exit $?
[ $rc -eq 0 ] && echo "done" || echo "done, but the guest never took the interrupt" >&2
exit "$rc"
