#!/usr/bin/env bats
# make install / make deps / examples: what a packager and a new user see.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load users

bats_require_minimum_version 1.5.0

TOP="$BATS_TEST_DIRNAME/../.."
# The binary of the build under test (make passes VITOOL: SAN=1, BUILD=...).
VT=${VITOOL:-"$TOP/vitool"}

@test "make install honours PREFIX and DESTDIR" {
	run make -C "$TOP" --no-print-directory install PREFIX=/opt/vt DESTDIR="$BATS_TEST_TMPDIR/root"
	assert_success
	root="$BATS_TEST_TMPDIR/root/opt/vt"
	[ -x "$root/bin/vitool" ]
	for page in vitool.1 vitool-serve.1 vitool-drive.1 vitool-loopback.1 vitool-inject.1 vitool-trace.1; do
		[ -f "$root/share/man/man1/$page" ] || fail "missing man page $page"
	done
	[ -f "$root/share/man/man7/vitool-control.7" ] || fail "missing man page vitool-control.7"
	[ -f "$root/share/bash-completion/completions/vitool" ]
	[ -f "$root/share/zsh/vendor-completions/_vitool" ]
	run "$root/bin/vitool" --version
	assert_success
	assert_output --regexp '^vitool [0-9]'
	# the dissector: in Wireshark's own global Lua folder, not under PREFIX
	[ ! -e "$root/share/wireshark/plugins/vitool.lua" ] || fail "vitool.lua under PREFIX, where Wireshark 4.0 never looks"
	local global
	global=$(wireshark_folder 'Global Lua Plugins')
	[ -f "$BATS_TEST_TMPDIR/root$global/vitool.lua" ] || fail "vitool.lua not in DESTDIR + $global: $(find "$BATS_TEST_TMPDIR/root" -name vitool.lua)"
	run make -C "$TOP" --no-print-directory uninstall PREFIX=/opt/vt DESTDIR="$BATS_TEST_TMPDIR/root"
	assert_success
	[ ! -e "$BATS_TEST_TMPDIR/root$global/vitool.lua" ] || fail "uninstall left vitool.lua"
}

# wireshark_folder KEY: the folder `tshark -G folders` lists as KEY
# ("Global Lua Plugins"); without tshark, Wireshark's Debian default.
wireshark_folder() {
	if command -v tshark >/dev/null; then
		tshark -G folders 2>/dev/null | sed -n "s/^$1:[[:space:]]*//p"
	elif [ "$1" = 'Global Lua Plugins' ]; then
		echo "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/wireshark/plugins"
	else
		echo "$HOME/.local/lib/wireshark/plugins"
	fi
}

@test "make install: tshark loads the installed dissector from the personal folder" {
	command -v tshark >/dev/null || skip "tshark not installed"
	local home="$BATS_TEST_TMPDIR/home"
	mkdir -p "$home"
	# before: this tshark knows no vitool protocol
	HOME=$home run tshark -G protocols
	refute_line --regexp $'^vitool trace record\tVITOOL\tvitool$'
	HOME=$home run make -C "$TOP" --no-print-directory install PREFIX="$BATS_TEST_TMPDIR/prefix" WIRESHARK_SCOPE=personal
	assert_success
	[ -f "$home/.local/lib/wireshark/plugins/vitool.lua" ] || fail "not in the personal Lua folder"
	HOME=$home run tshark -G protocols
	assert_line --regexp $'^vitool trace record\tVITOOL\tvitool$'
	# and it decodes a capture with no -X lua_script
	HOME=$home run --separate-stderr tshark -r "$TOP/tests/trace/i2c.pcap" -c 1 -T fields -e vitool.version
	assert_success
	assert_output --regexp '^[0-9]+$'
}

@test "make install: the plugin folder is tshark's, personal for a user, global for root or DESTDIR" {
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	need_nobody "$TOP/lib/trace/wireshark/plugin-dir.sh"
	local home="$BATS_TEST_TMPDIR/nobody-home"
	mkdir -p "$home" && chown 65534:65534 "$home"
	run as_nobody env HOME="$home" sh "$NOBODY_BIN" "" x86_64-linux-gnu
	assert_success
	assert_output "$(HOME=$home wireshark_folder 'Personal Lua Plugins')"
	assert_output "$home/.local/lib/wireshark/plugins"
	# a package build (DESTDIR) gets the global folder whoever runs it
	run as_nobody env HOME="$home" sh "$NOBODY_BIN" /tmp/pkg x86_64-linux-gnu
	assert_success
	assert_output "$(wireshark_folder 'Global Lua Plugins')"
	run "$TOP/lib/trace/wireshark/plugin-dir.sh" "" x86_64-linux-gnu
	assert_output "$(wireshark_folder 'Global Lua Plugins')"
	# no tshark: Wireshark's defaults
	TSHARK=/nonexistent/tshark run "$TOP/lib/trace/wireshark/plugin-dir.sh" "" x86_64-linux-gnu
	assert_output /usr/lib/x86_64-linux-gnu/wireshark/plugins
	TSHARK=/nonexistent/tshark run as_nobody env HOME="$home" TSHARK=/nonexistent/tshark sh "$NOBODY_BIN" "" x
	assert_output "$home/.local/lib/wireshark/plugins"
	WIRESHARK_SCOPE=nonsense run "$TOP/lib/trace/wireshark/plugin-dir.sh" "" x
	assert_failure 2
}

@test "deps: prints the exact apt-get line when not root" {
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	need_nobody "$TOP/tests/deps.sh"
	run as_nobody "$NOBODY_BIN" bash vitool-no-such-package
	assert_failure
	assert_line "vitool: missing packages: vitool-no-such-package"
	assert_line "run as root:  apt-get update && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 vitool-no-such-package"
}

@test "deps: a backport is asked for with -t bookworm-backports, the rest without" {
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	need_nobody "$TOP/tests/deps.sh"
	run as_nobody "$NOBODY_BIN" vitool-no-such-package vitool-no-such-qemu/bookworm-backports
	assert_failure
	assert_line "vitool: missing packages: vitool-no-such-package vitool-no-such-qemu/bookworm-backports"
	assert_line "run as root:  apt-get update && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 vitool-no-such-package && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 -t bookworm-backports vitool-no-such-qemu"
}

@test "deps: a package installed from the release does not count as its backport" {
	# coreutils is installed, but never as a ~bpo version
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	need_nobody "$TOP/tests/deps.sh"
	run as_nobody "$NOBODY_BIN" coreutils/bookworm-backports
	assert_failure
	assert_line "vitool: missing packages: coreutils/bookworm-backports"
}

@test "deps: nothing to do when everything is installed" {
	run "$TOP/tests/deps.sh" bash coreutils
	assert_success
	assert_output ""
}

@test "examples/eeprom-session.sh runs and shows the page wrap" {
	run timeout 20 "$TOP/examples/eeprom-session.sh" "$VT"
	assert_success
	assert_line "0xa3 0xa4 0xff 0xff 0xff 0xff 0xa1 0xa2"
	assert_line --partial "exit status 1"
}

@test "examples/i2c-script.txt runs under loopback" {
	run timeout 20 "$VT" loopback --script "$TOP/examples/i2c-script.txt"
	assert_success
	assert_line "0x01 0x02 0x03"
	assert_line --regexp '^20: 20 '
}

@test "examples/i2c-script.txt: detect is one grid, a summary line ends it" {
	run timeout 20 "$VT" loopback --script "$TOP/examples/i2c-script.txt"
	assert_success
	# the one probe of its own step prints; detect's 112 fold
	assert_equal "$(grep -c ' probe -> ' <<<"$output")" 1
	assert_line "# 112 requests served, folded into the lines above (-v prints each)"
	assert_line --regexp '^# done: 4 steps, 116 requests, 0 errors in [0-9]+ ms$'
}

@test "examples/gpio-latch.txt runs under loopback gpio and shows the latched edge" {
	run timeout 20 "$VT" loopback gpio --script "$TOP/examples/gpio-latch.txt"
	assert_success
	assert_line "inject: line 1 (button) 0 -> 1, rising edge: latched (masked: no eventq buffer)"
	assert_line "arm: line 1 (button) unmasked: the latched edge is delivered at once"
	assert_line "inject: line 1 (button) 0 -> 1, rising edge: interrupt delivered (the armed buffer came back)"
	assert_line --regexp '^# done: 9 steps, 3 requests, 2 events, 0 errors \(1 failed as expected\) in [0-9]+ ms$'
}
