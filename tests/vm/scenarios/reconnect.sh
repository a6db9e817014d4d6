# reconnect: QEMU (reconnect-ms) and the guest survive a back-end restart.
# The host's first `vitool serve i2c` has 0x11 at EEPROM offset 0, the one it
# starts after killing the first has 0x22: the guest reads offset 0 until it
# gets 0x22, without rebooting.
run first i2ctransfer -y 0 w1@0x50 0x00 r1
mark ready-for-restart
tries=0 fails=0 got=
while [ $tries -lt 120 ]; do
	tries=$((tries + 1))
	if got=$(i2ctransfer -y 0 w1@0x50 0x00 r1 2>&1); then
		[ "$got" = 0x22 ] && break
	else
		fails=$((fails + 1))
	fi
	sleep 0.5
done
echo "@@ begin after"
echo "$got"
echo "tries=$tries fails=$fails"
echo "@@ end after rc=0"
true
