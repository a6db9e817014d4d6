# i2cpt: `vitool serve i2c --bus` inside the guest, `vitool drive i2c` its
# front-end, the cases of scenarios/i2cpt-cases.sh (which comes first).
# 1. /dev/i2c-0 is the virtio-i2c adapter whose device is the host's serve.
# 2. i2c-stub, an SMBus-only adapter: the SMBus fallback of i2c_host.c.
# Each case prints "@@ begin NAME" ... "@@ end NAME rc=N"; each serve's
# --print log and stderr follow as sections of their own.

# run_cases PREFIX CASES: each case as section PREFIX.NAME
run_cases() {
	_p=$1
	echo "$2" | while IFS='|' read -r _name _cmd _rc _out; do
		[ -n "$_name" ] || continue
		run "$_p.$_name" eval "$_cmd" </dev/null
	done
}
drive() { timeout 20 vitool drive i2c --socket "$sock" "$@"; }
# serve_bus NAME DEV: vitool serve i2c --bus DEV in the background
serve_bus() {
	vitool serve i2c -q --bus "$2" --socket "/tmp/$1.sock" --control "/tmp/$1.ctl" --print \
		>"/tmp/$1.out" 2>"/tmp/$1.err" &
	eval "${1}_pid=$!"
	wait_for 5 test -S "/tmp/$1.sock"
}
# stop_serve NAME: SIGTERM, bounded; its stdout and stderr as sections
stop_serve() {
	eval "_pid=\$${1}_pid"
	kill "$_pid" 2>/dev/null
	if wait_pid 5 "$_pid"; then wait "$_pid"; _rc=$?; else _rc=124; fi
	echo "@@ begin $1.print"; cat "/tmp/$1.out"; echo "@@ end $1.print rc=$_rc"
	echo "@@ begin $1.stderr"; cat "/tmp/$1.err"; echo "@@ end $1.stderr rc=0"
}

# 1. the virtio adapter
run virtio-name cat /sys/class/i2c-dev/i2c-0/name
serve_bus virtio /dev/i2c-0
sock=/tmp/virtio.sock bus=0
run_cases virtio "$I2CPT_DIRECT"
stop_serve virtio

# 2. i2c-stub with one chip at 0x50
run stub-insmod insmod /lib/modules/i2c-stub.ko chip_addr=0x50
bus=
for n in /sys/class/i2c-dev/i2c-*; do
	[ "$(cat "$n/name" 2>/dev/null)" = "SMBus stub driver" ] && bus=${n##*/i2c-}
done
mark "stub-bus i2c-$bus"
[ -n "$bus" ] || { ls /sys/class/i2c-dev; exit 1; }
serve_bus stub "/dev/i2c-$bus"
sock=/tmp/stub.sock
run_cases stub "$I2CPT_STUB"
stop_serve stub
true
