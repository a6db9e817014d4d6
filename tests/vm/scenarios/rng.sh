# rng: Linux's virtio-rng driver against `vitool serve rng --seed 42`
# (run-vm.sh group_rng).  Two things besides /dev/hwrng's readers take the
# device's bytes: the driver's prefetch (one buffer always queued, handed to
# the next reader), and the hwrng core's kernel thread "hwrng", which 6.12
# starts whatever the quality and which takes a 64-byte block for the
# kernel's pool now and then (booted with rng_core.default_quality=0 it
# credits nothing and so sleeps at least a second after each block).  The
# host can place the guest's bytes in the stream only if that thread took
# none in the middle of them: the reads are repeated (at most 5 times) until
# the thread did not run at all while they ran.
run available cat /sys/class/misc/hw_random/rng_available
run current cat /sys/class/misc/hw_random/rng_current

# hwrng_switches: how often the hwrng thread was scheduled so far ("none"
# when there is no such thread)
hwrng_switches() {
	for _s in /proc/[0-9]*/status; do
		grep -q '^Name:[[:space:]]*hwrng$' "$_s" 2>/dev/null || continue
		awk '/ctxt_switches/ { n += $2 } END { print n }' "$_s"
		return
	done
	echo none
}

# Reads in whole 64-byte blocks: the hwrng core fetches 64 bytes (the x86
# cache line) at a time and hands a shorter read the *end* of its block, so
# only whole blocks come out in stream order.  Two reads, to see the stream
# go on across opens of /dev/hwrng.
_try=0
while :; do
	_try=$((_try + 1))
	_before=$(hwrng_switches)
	dd if=/dev/hwrng of=/tmp/read1 bs=64 count=1 2>/tmp/read1.err; _rc1=$?
	dd if=/dev/hwrng of=/tmp/read2 bs=64 count=3 2>/tmp/read2.err; _rc2=$?
	_after=$(hwrng_switches)
	[ "$_before" != "$_after" ] && [ "$_try" -lt 5 ] || break
done
echo "@@ begin attempts"; echo "$_try hwrng-thread $_before $_after"; echo "@@ end attempts rc=0"
echo "@@ begin read1"; od -An -tx1 -v /tmp/read1; [ $_rc1 = 0 ] || cat /tmp/read1.err; echo "@@ end read1 rc=$_rc1"
echo "@@ begin read2"; od -An -tx1 -v /tmp/read2; [ $_rc2 = 0 ] || cat /tmp/read2.err; echo "@@ end read2 rc=$_rc2"
true
