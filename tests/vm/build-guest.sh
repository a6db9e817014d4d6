#!/usr/bin/env bash
# Builds what the VM suite boots, cached outside the tree.  VM_ARCH (x86_64,
# the default, or arm64) picks the guest:
#   $VM_CACHE/kernel-HASH/bzImage   x86_64: from Debian's linux-source-6.12,
#                                   tinyconfig + tests/vm/kernel.config
#                                   (HASH of both)
#   $VM_CACHE/kernel-HASH/i2c-stub.ko  its one module
#   $VM_CACHE/initrd-base.cpio.gz   busybox-static, pinned libgpiod 1.6 tools,
#                                   this tree's vitool (one or two builds),
#                                   i2c-stub.ko (see below)
#   $VM_CACHE/kernel-HASH/Image     arm64: the same source and fragment plus
#                                   tests/vm/kernel-arm64.config (the SCMI
#                                   stack, PL011, PCI on -M virt),
#                                   cross-built with gcc-aarch64-linux-gnu
#   $VM_CACHE/initrd-base-arm64.cpio.gz  Debian's busybox-static for arm64
#                                   (tests/vm/busybox.sh) and /init only
# Prints the two paths (kernel, then initrd) on stdout; progress on stderr.
# VM_CACHE defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/vitool-vm.
# VM_KERNEL_FRAGMENT=FILE: a second fragment merged after the others
# (the fault group's KASAN kernel, tests/vm/kernel-kasan.config), part of
# the HASH: a kernel of its own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vitool-vm}
mkdir -p "$cache"
log() { echo "build-guest: $*" >&2; }

# The kernel's ARCH and cross compiler, its image, the modules the guest
# loads, the Debian architecture of the guest's busybox, the fragment of
# the architecture (merged after kernel.config: the x86 kernel's HASH, and
# so its cache, are what they were before arm64 came).
arch=${VM_ARCH:-x86_64}
case $arch in
x86_64) karch=x86 cross= image=arch/x86/boot/bzImage modules=drivers/i2c/i2c-stub.ko deb_arch=amd64 frag_arch= ;;
arm64) karch=arm64 cross=aarch64-linux-gnu- image=arch/arm64/boot/Image modules= deb_arch=arm64
	frag_arch=$here/kernel-arm64.config
	command -v "${cross}gcc" >/dev/null ||
		{ log "${cross}gcc is not installed: make deps-vm-arm64 (gcc-aarch64-linux-gnu)"; exit 1; } ;;
*) log "VM_ARCH=$arch: x86_64 or arm64"; exit 1 ;;
esac

src_tar=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$src_tar" ] || { log "linux-source-6.12 is not installed (make deps-vm)"; exit 1; }
frag2=${VM_KERNEL_FRAGMENT:-}
[ -z "$frag2" ] || [ -f "$frag2" ] || { log "VM_KERNEL_FRAGMENT=$frag2 is not a file"; exit 1; }
frags=("$here/kernel.config" ${frag_arch:+"$frag_arch"} ${frag2:+"$frag2"})
hash=$( (dpkg-query -W -f='${Version}' linux-source-6.12; cat "${frags[@]}") | sha256sum | cut -c1-16)
kdir=$cache/kernel-$hash
kimage=$kdir/${image##*/}
built() {  # the image and every module are in the cache
	local m
	[ -f "$kimage" ] || return 1
	for m in $modules; do [ -f "$kdir/${m##*/}" ] || return 1; done
}
if ! built; then
	log "building the $arch guest kernel (x86_64: about 2.5 minutes on 2 cores) in $kdir"
	rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp"
	tar -C "$kdir.tmp" -xf "$src_tar"
	ksrc=$(echo "$kdir.tmp"/linux-source-*)
	(
		cd "$ksrc"
		export ARCH=$karch CROSS_COMPILE=$cross
		make -s tinyconfig >/dev/null
		# merge_config.sh splits its arguments on spaces: give it copies
		# at paths of their own, whatever the checkout's path is.
		i=0 copies=()
		for f in "${frags[@]}"; do
			i=$((i + 1)); cp "$f" "vitool-fragment$i.config"; copies+=("vitool-fragment$i.config")
		done
		scripts/kconfig/merge_config.sh -m .config "${copies[@]}" >/dev/null
		make -s olddefconfig >/dev/null
		# Every option of the fragments must have stuck: a silently missing
		# driver would make the suite fail in confusing ways later.
		missing=$(grep -h '^CONFIG_' "${frags[@]}" | while read -r opt; do
			grep -qx "$opt" .config || echo "$opt"; done)
		[ -z "$missing" ] || { echo "build-guest: options that did not stick: $missing" >&2; exit 1; }
		nice make -s -j"$(nproc)" "${image##*/}" ${modules:+modules} >&2
	)
	mkdir -p "$kdir"
	cp "$ksrc/$image" "$ksrc/.config" "$kdir/"
	for m in $modules; do cp "$ksrc/$m" "$kdir/"; done
	rm -rf "$kdir.tmp"
fi
busybox=$("$here/busybox.sh" "$deb_arch") || { log "no busybox for the $arch guest (tests/vm/busybox.sh $deb_arch)"; exit 1; }

# What goes into the initramfs of both: /bin/busybox (/init makes its
# applets' links: the host may not run a foreign busybox --list), /bin/sh,
# /init.  The x86_64 one besides, for the suite's groups on that guest:
#   /usr/bin/vitool        $VITOOL (default build/vitool), with its libraries
#   /usr/bin/vitool-other  $VITOOL_OTHER when set: vitool built against the
#                          other libgpiod API; its libraries at the paths its
#                          rpath names (ldd resolves them)
#   /usr/bin/gpio*         libgpiod 1.6's tools (the scenarios use the v1
#                          command line and output), pinned: unpacked by
#                          tests/gpiod-prefix.sh 1, never the host's gpiod.
#                          Wrappers: the binaries and their libgpiod sit in
#                          /opt/gpiod1/{bin,lib}, apart from the libraries
#                          vitool was linked with.
#   /lib/modules/i2c-stub.ko
inputs=("$0" "$here/guest-init" "$busybox")
for m in $modules; do inputs+=("$kdir/${m##*/}"); done
if [ "$arch" = x86_64 ]; then
	vitool=${VITOOL:-$top/build/vitool}
	other=${VITOOL_OTHER:-}
	[ -x "$vitool" ] || { log "$vitool is not built (make vitool)"; exit 1; }
	[ -z "$other" ] || [ -x "$other" ] || { log "VITOOL_OTHER=$other is not an executable"; exit 1; }
	[ -x "$top/tests/gpiod-prefix.sh" ] ||
		{ log "tests/gpiod-prefix.sh is missing: it provides the guest's pinned gpiod tools"; exit 1; }
	gpiod_prefix=$("$top/tests/gpiod-prefix.sh" 1) ||
		{ log "tests/gpiod-prefix.sh 1 failed: no libgpiod 1.6 tools for the guest"; exit 1; }
	gpiod_tools="gpiodetect gpioinfo gpioget gpioset gpiomon gpiofind"
	gpiod_libdir=$(dirname "$(ls "$gpiod_prefix"/usr/lib/*/libgpiod.so.2 2>/dev/null | head -n 1)")
	for t in $gpiod_tools; do
		[ -x "$gpiod_prefix/usr/bin/$t" ] || { log "$gpiod_prefix/usr/bin/$t is missing (tests/gpiod-prefix.sh 1)"; exit 1; }
	done
	[ -f "$gpiod_libdir/libgpiod.so.2" ] || { log "no libgpiod.so.2 under $gpiod_prefix/usr/lib"; exit 1; }
	inputs+=("$vitool" ${other:+"$other"} "$gpiod_libdir"/libgpiod.so.2)
	for t in $gpiod_tools; do inputs+=("$gpiod_prefix/usr/bin/$t"); done
fi

# Dynamic binaries with every library they load, at the same paths; with
# LIBDIR, the libraries found there go to $root/LIBDIR_DEST instead.
copy_with_libs() {  # copy_with_libs BIN DEST [LIBDIR LIBDIR_DEST]
	local bin=$1 dest=$2 libdir=${3:-} libdest=${4:-} lib to
	cp "$bin" "$root/$dest"
	LD_LIBRARY_PATH=$libdir ldd "$bin" | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }' |
	while read -r lib; do
		[ -n "$lib" ] && [ -f "$lib" ] || continue
		to=$lib
		[ -n "$libdir" ] && [ "$(dirname "$lib")" = "$libdir" ] && to=$libdest/${lib##*/}
		mkdir -p "$root/$(dirname "$to")"
		cp -L "$lib" "$root/$to"
	done
}
x86_64_files() {  # vitool, the gpiod tools, i2c-stub.ko
	mkdir -p "$root"/{lib64,usr/bin,opt/gpiod1/bin,opt/gpiod1/lib}
	for t in $gpiod_tools; do
		copy_with_libs "$gpiod_prefix/usr/bin/$t" "opt/gpiod1/bin/$t" "$gpiod_libdir" opt/gpiod1/lib
		printf '#!/bin/sh\nLD_LIBRARY_PATH=/opt/gpiod1/lib exec /opt/gpiod1/bin/%s "$@"\n' "$t" >"$root/usr/bin/$t"
		chmod +x "$root/usr/bin/$t"
	done
	[ -f "$root/opt/gpiod1/lib/libgpiod.so.2" ] ||
		{ log "the gpiod tools did not load libgpiod.so.2 from $gpiod_libdir"; exit 1; }
	copy_with_libs "$vitool" usr/bin/vitool
	[ -z "$other" ] || copy_with_libs "$other" usr/bin/vitool-other
}

# Rebuilt when any input changes: the key hashes every file that goes in.
# A second fragment's kernel gets an initramfs of its own (its modules).
initrd=$cache/initrd-base${frag_arch:+-$arch}${frag2:+-$hash}.cpio.gz
key=$(for f in "${inputs[@]}"; do echo "$f $(sha256sum <"$f")"; done | sha256sum | cut -c1-16)
if [ ! -f "$initrd" ] || [ "$(cat "$initrd.key" 2>/dev/null)" != "$key" ]; then
	log "building the $arch initramfs (key $key)"
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib,mnt,lib/modules}
	cp "$busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	[ "$arch" != x86_64 ] || x86_64_files
	for m in $modules; do cp "$kdir/${m##*/}" "$root/lib/modules/"; done
	cp "$here/guest-init" "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	echo "$key" >"$initrd.key"
fi
echo "$kimage"
echo "$initrd"
