#!/bin/sh
# plugin-dir.sh DESTDIR MULTIARCH: prints the folder `make install` puts
# vitool.lua in (without DESTDIR), the one the installed Wireshark loads Lua
# plugins from.  Wireshark 4.0 (Debian 12) searches only its global and
# personal plugin folders, never $PREFIX/share/wireshark/plugins, so the
# folder is Wireshark's, taken from `tshark -G folders`:
#   root, or a DESTDIR (package) install:  "Global Lua Plugins"
#   anyone else:                           "Personal Lua Plugins"
# WIRESHARK_SCOPE=global|personal chooses instead; TSHARK names the tshark
# to ask.  Without tshark, Wireshark's defaults on Debian:
#   /usr/lib/MULTIARCH/wireshark/plugins and $HOME/.local/lib/wireshark/plugins
destdir=$1
multiarch=$2
scope=${WIRESHARK_SCOPE:-}
if [ -z "$scope" ]; then
	if [ -n "$destdir" ] || [ "$(id -u)" = 0 ]; then
		scope=global
	else
		scope=personal
	fi
fi
case $scope in
global) key='Global Lua Plugins' ;;
personal) key='Personal Lua Plugins' ;;
*)
	echo "plugin-dir.sh: WIRESHARK_SCOPE is global or personal, not '$scope'" >&2
	exit 2
	;;
esac
dir=$("${TSHARK:-tshark}" -G folders 2>/dev/null | sed -n "s/^$key:[[:space:]]*//p" | head -n 1)
if [ -z "$dir" ]; then
	if [ "$scope" = global ]; then
		dir=/usr/lib${multiarch:+/$multiarch}/wireshark/plugins
	else
		dir=${HOME:?HOME is not set}/.local/lib/wireshark/plugins
	fi
fi
printf '%s\n' "$dir"
