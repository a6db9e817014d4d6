#!/usr/bin/env bash
# Builds what the VM suite boots, cached outside the tree:
#   $VM_CACHE/kernel-HASH/bzImage   from Debian's linux-source-6.12, tinyconfig
#                                   + tests/vm/kernel.config (HASH of both)
#   $VM_CACHE/initrd-base.cpio.gz   busybox-static, Debian's gpiod tools with
#                                   their libraries, and this tree's vitool
# Prints the two paths (kernel, then initrd) on stdout; progress on stderr.
# VM_CACHE defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/vitool-vm.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vitool-vm}
mkdir -p "$cache"
log() { echo "build-guest: $*" >&2; }

src_tar=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$src_tar" ] || { log "linux-source-6.12 is not installed (make deps-vm)"; exit 1; }
hash=$( (dpkg-query -W -f='${Version}' linux-source-6.12; cat "$here/kernel.config") | sha256sum | cut -c1-16)
kdir=$cache/kernel-$hash
if [ ! -f "$kdir/bzImage" ]; then
	log "building the guest kernel (about 2.5 minutes on 2 cores) in $kdir"
	rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp"
	tar -C "$kdir.tmp" -xf "$src_tar"
	ksrc=$(echo "$kdir.tmp"/linux-source-*)
	(
		cd "$ksrc"
		make -s tinyconfig >/dev/null
		scripts/kconfig/merge_config.sh -m .config "$here/kernel.config" >/dev/null
		make -s olddefconfig >/dev/null
		# Every option of the fragment must have stuck: a silently missing
		# driver would make the suite fail in confusing ways later.
		missing=$(grep '^CONFIG_' "$here/kernel.config" | while read -r opt; do
			grep -qx "$opt" .config || echo "$opt"; done)
		[ -z "$missing" ] || { echo "build-guest: options that did not stick: $missing" >&2; exit 1; }
		make -s -j"$(nproc)" bzImage >&2
	)
	mkdir -p "$kdir"
	cp "$ksrc/arch/x86/boot/bzImage" "$ksrc/.config" "$kdir/"
	rm -rf "$kdir.tmp"
fi

# The initramfs is cheap: rebuilt when vitool or this script is newer.
initrd=$cache/initrd-base.cpio.gz
if [ ! -f "$initrd" ] || [ "$top/build/vitool" -nt "$initrd" ] || [ "$0" -nt "$initrd" ] ||
   [ "$here/guest-init" -nt "$initrd" ]; then
	log "building the initramfs"
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib,lib64,usr/bin,mnt}
	cp /bin/busybox "$root/bin/busybox"
	for app in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
	done
	# Dynamic binaries with every library they load, at the same paths.
	copy_with_libs() {
		local bin=$1 dest=$2
		cp "$bin" "$root/$dest"
		ldd "$bin" | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }' | while read -r lib; do
			[ -n "$lib" ] && [ -f "$lib" ] || continue
			mkdir -p "$root/$(dirname "$lib")"
			cp -L "$lib" "$root/$lib"
		done
	}
	for t in gpiodetect gpioinfo gpioget gpioset gpiomon gpiofind; do
		copy_with_libs "/usr/bin/$t" "usr/bin/$t"
	done
	copy_with_libs "$top/build/vitool" "usr/bin/vitool"
	cp "$here/guest-init" "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
fi
echo "$kdir/bzImage"
echo "$initrd"
