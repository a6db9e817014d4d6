# proxy: Linux's virtio-blk driver against qemu-storage-daemon behind
# `vitool proxy`, and the virtio-i2c driver against `vitool serve i2c`
# started by a second proxy's --exec (run-vm.sh group_proxy,
# group-proxy.sh).  The host compares the checksums with its image and
# reads the proxies' traces.
run blk-size cat /sys/block/vda/size
# requests of at most 64 KiB: each one's record, status byte included, fits
# the trace's snapshot length (a 1 MiB write's record is cut: "[|]")
echo 64 >/sys/block/vda/queue/max_sectors_kb
# 1 MiB of random bytes at 1 MiB (sector 2048), through the page cache and
# written out (conv=fsync), then read back from the device (the cache
# dropped first)
dd if=/dev/urandom of=/tmp/pat bs=4096 count=256 2>/dev/null
_sum=$(sha256sum </tmp/pat | cut -d" " -f1)
run blk-sum echo "$_sum"
run blk-write dd if=/tmp/pat of=/dev/vda bs=4096 seek=256 conv=fsync
sync
echo 3 >/proc/sys/vm/drop_caches
run blk-read sh -c 'dd if=/dev/vda bs=4096 skip=256 count=256 2>/dev/null | sha256sum | cut -d" " -f1'
# i2c through the other proxy, as group_i2c does it direct
run i2c-detect i2cdetect -y -r 0
run i2c-write i2ctransfer -y 0 w3@0x50 0x10 0xaa 0xbb
run i2c-readback i2ctransfer -y 0 w1@0x50 0x10 r2
run i2c-absent i2cget -y 0 0x30
# The host kills both back-ends while this loop reads (the proxies start
# them again): every read of the disk must still give the written bytes,
# and i2c transfers go on (the one the dead back-end held, if any, fails)
mark restart-ready
_i=0 _ok=0 _bad=0 _iok=0 _ierr=0 _last=
while [ $_i -lt 40 ]; do
	echo 3 >/proc/sys/vm/drop_caches
	_s=$(dd if=/dev/vda bs=4096 skip=256 count=256 2>/dev/null | sha256sum | cut -d" " -f1)
	if [ "$_s" = "$_sum" ]; then _ok=$((_ok + 1)); else _bad=$((_bad + 1)); fi
	_r=$(i2ctransfer -y 0 w1@0x50 0x00 r2 2>&1)
	if [ $? = 0 ] && [ "$_r" = "0x12 0x34" ]; then _iok=$((_iok + 1)); _last=ok; else _ierr=$((_ierr + 1)); _last="$_r"; fi
	_i=$((_i + 1))
	sleep 0.1
done
echo "@@ begin restart-loop"; echo "blk $_ok $_bad i2c $_iok $_ierr last ${_last:-none}"; echo "@@ end restart-loop rc=0"
true
