# qemu-storage-daemon (Debian qemu-utils) as a third-party vhost-user-blk
# backend for the bats suites: `load qsd` after `load helpers`.

# start_qsd IMAGE SOCK [writable=on|off]: exports IMAGE (a raw file) as
# vhost-user-blk on SOCK in the background (killed by vt_teardown) and waits
# for the socket.  With $QSD_QMP set, its QMP monitor listens there
# (qsd_qmp).  $QSD_PID, $QSD_ERR.
start_qsd() {
	local img=$1 sock=$2 writable=${3:-on}
	QSD_ERR="$BATS_TEST_TMPDIR/qsd.$(basename "$sock").err"
	command -v qemu-storage-daemon >/dev/null ||
		fail "qemu-storage-daemon not installed (make deps: qemu-utils)"
	start_bg /dev/null "$QSD_ERR" qemu-storage-daemon \
		--blockdev "driver=file,node-name=disk,filename=$img" \
		--export "type=vhost-user-blk,id=blk0,node-name=disk,addr.type=unix,addr.path=$sock,writable=$writable" \
		${QSD_QMP:+--chardev "socket,id=qmp,path=$QSD_QMP,server=on,wait=off" --monitor chardev=qmp}
	QSD_PID=$BG_PID
	wait_for 10 test -S "$sock" || fail "qemu-storage-daemon did not create $sock: $(cat "$QSD_ERR")"
}

# qsd_qmp SOCK COMMAND [ARGUMENTS-JSON]: one QMP command to the daemon whose
# monitor is SOCK; its reply line in $output, success when it returned.
qsd_qmp() {
	local cmd="{\"execute\":\"$2\"${3:+,\"arguments\":$3}}"
	run bash -c 'printf "%s\n" "{\"execute\":\"qmp_capabilities\"}" "$1" | timeout 5 socat - "UNIX-CONNECT:$2" 3>&-' \
		_ "$cmd" "$1"
	output=$(tail -n 1 <<<"$output")
	[[ "$output" == '{"return"'* ]]
}

# new_image PATH SIZE: a zero-filled raw image.
new_image() {
	truncate -s "$2" "$1"
}

# hexdump_bytes: drive blk read's dump on stdin -> the bytes as one hex
# string (offsets and ASCII column dropped), to compare with od.
hexdump_bytes() {
	awk '{ for (i = 2; i <= 17 && i <= NF; i++) if ($i ~ /^[0-9a-f][0-9a-f]$/) printf "%s", $i } END { print "" }'
}

# image_bytes IMAGE OFFSET LEN: the image's bytes as one hex string.
image_bytes() {
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
	echo
}
