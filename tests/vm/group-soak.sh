# The VM suite's soak group (issue 16 item 4), sourced by run-vm.sh and run
# only when named (`make check-vm-soak`: VM_ONLY=soak): VM_SOAK_BOOTS (100)
# guests boot, read the EEPROM of one `vitool serve i2c` through Linux's
# virtio-i2c driver and power off.  Between boots the instance must be alive
# and back where it was: its descriptors and mappings counted in /proc,
# resident memory that does not grow, no file left next to its sockets.

# soak_proc PID: "FDS MAPS RSS-KiB" of a process
soak_proc() {
	echo "$(ls "/proc/$1/fd" | wc -l) $(wc -l <"/proc/$1/maps") $(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")"
}

group_soak() {
	local boots=${VM_SOAK_BOOTS:-100} seed=$W/soak-seed.bin i pid st got want
	local base= now fd0 map0 rss0 fd map rss files0= bad=
	printf '\x5a\xa5\x01\xfe' >"$seed"
	# The serve lives through every boot: bound it by all of them.
	VM_PROC_MAX=$((boots * 60 + 60)) serve_start soak i2c --socket "$W/soak.sock" \
		--target "0x50=24c02:file=$seed" || { tap_fail "soak: vitool serve i2c starts"; return; }
	pid=$(pgrep -P "${SERVE_PID[soak]}" -x vitool) || { tap_fail "soak: the serve process"; return; }
	want="0x5a 0xa5 0x01 0xfe"
	for ((i = 1; i <= boots; i++)); do
		vm_boot soak soak.sh -- -chardev "socket,id=c0,path=$W/soak.sock" \
			-device vhost-user-i2c-pci,chardev=c0 || { bad="boot $i: QEMU did not start"; break; }
		vm_finish soak 90; st=$?
		got=$(vm_section soak read | xargs)
		[ "$st" = 0 ] && [ "$got" = "$want" ] ||
			{ bad="boot $i: scenario exit $st, read '${got:-nothing}', expected '$want'"; break; }
		wait_until 10 ctl_disconnected "$W/soak.ctl" ||
			{ bad="boot $i: the instance still counts the powered-off guest"; break; }
		kill -0 "$pid" 2>/dev/null || { bad="boot $i: the instance is gone"; break; }
		now=$(soak_proc "$pid")
		read -r fd map rss <<<"$now"
		# The first boots warm the allocator up; from the 5th on nothing
		# may grow.
		if [ "$i" -eq 5 ]; then
			base=$now files0=$(ls -A "$W" | grep -v '^soak\.')
			read -r fd0 map0 rss0 <<<"$base"
		elif [ "$i" -gt 5 ]; then
			[ "$fd" = "$fd0" ] && [ "$map" = "$map0" ] ||
				{ bad="boot $i: $fd descriptors and $map mappings, $fd0 and $map0 after boot 5"; break; }
		fi
	done
	if [ -z "$bad" ] && [ "$boots" -gt 5 ]; then
		[ $((rss - rss0)) -le 256 ] || bad="resident memory grew from $rss0 to $rss KiB"
		[ "$(ls -A "$W" | grep -v '^soak\.')" = "$files0" ] || bad="files appeared: $(ls -A "$W")"
	fi
	if [ -z "$bad" ]; then
		tap_ok "soak: $boots guest boots and poweroffs against one serve i2c: each read the EEPROM, nothing leaked or left"
		diag "$fd0 descriptors and $map0 mappings after every boot from the 5th; RSS $rss0 -> $rss KiB"
	else
		tap_fail "soak: $boots guest boots and poweroffs against one serve i2c: each read the EEPROM, nothing leaked or left" "$bad"
		group_logs soak soak
	fi
	serve_stop soak
}
