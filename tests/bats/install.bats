#!/usr/bin/env bats
# make install / make deps / examples: what a packager and a new user see.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load users

TOP="$BATS_TEST_DIRNAME/../.."
# The binary of the build under test (make passes VITOOL: SAN=1, BUILD=...).
VT=${VITOOL:-"$TOP/vitool"}

@test "make install honours PREFIX and DESTDIR" {
	run make -C "$TOP" --no-print-directory install PREFIX=/opt/vt DESTDIR="$BATS_TEST_TMPDIR/root"
	assert_success
	root="$BATS_TEST_TMPDIR/root/opt/vt"
	[ -x "$root/bin/vitool" ]
	for page in vitool.1 vitool-serve.1 vitool-drive.1 vitool-loopback.1 vitool-inject.1; do
		[ -f "$root/share/man/man1/$page" ] || fail "missing man page $page"
	done
	[ -f "$root/share/man/man7/vitool-control.7" ] || fail "missing man page vitool-control.7"
	[ -f "$root/share/bash-completion/completions/vitool" ]
	[ -f "$root/share/zsh/vendor-completions/_vitool" ]
	run "$root/bin/vitool" --version
	assert_success
	assert_output --regexp '^vitool [0-9]'
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
