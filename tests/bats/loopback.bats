#!/usr/bin/env bats
# `vitool loopback`: backend and front-end in one command over a real
# vhost-user socket; the built-in exercise, --script, --indirect; the story
# on one screen (detect folded into its grid, a summary line, script errors
# with FILE:LINE, options in any order).

load helpers

setup() {
	vt_setup
}

teardown() {
	vt_teardown
}

# run_loopback ARGS...: bounded loopback run; $fe_lines and $be_lines (the
# served-request lines "i2c q...") as loopback_split sets them.
run_loopback() {
	loopback_split i2c 20 "$@"
}

# fe_text: the front-end's lines after the first (which names the socket),
# the summary's run time as N.
fe_text() {
	printf '%s\n' "${fe_lines[@]:1}" | sed -E 's/^(# done: .*) in [0-9]+ ms$/\1 in N ms/'
}

# The front-end's transcript of the built-in exercise after the first line
# (which names the socket).
expected_exercise() {
	cat <<-'EOF'
	# targets: 0x50 24c02 EEPROM, 0x51 24c32 EEPROM, 0x20 register file
	# write 8 bytes to the EEPROM at 0x50, starting at word address 0x00
	> w9@0x50 0x00 0x76 0x69 0x74 0x6f 0x6f 0x6c 0x21 0x0a
	# read them back: set the word address, repeated start, read 8 (one FAIL_NEXT group)
	> w1@0x50 0x00 r8
	0x76 0x69 0x74 0x6f 0x6f 0x6c 0x21 0x0a
	# a page write wraps inside its 8-byte page: 4 bytes at 0x06 land at 0x06 0x07 0x00 0x01
	> w5@0x50 0x06 0xa1 0xa2 0xa3 0xa4
	> w1@0x50 0x00 r8
	0xa3 0xa4 0x74 0x6f 0x6f 0x6c 0xa1 0xa2
	# the 24c32 at 0x51 takes a 2-byte word address
	> w4@0x51 0x0f 0xfe 0x12 0x34
	> w2@0x51 0x0f 0xfe r2
	0x12 0x34
	# the second message goes to 0x30, where nothing answers: it fails like a NACK and
	# the rest of the group is failed too
	> w1@0x50 0x00 r1@0x30 r1@0x50
	failed as expected: message 2 (read 1 byte at 0x30) failed: ERR (the rest of the group was not performed)
	# scan the bus with zero-length requests, like i2cdetect
	> detect
	EOF
	expected_grid 0x08 0x77 0x20 0x50 0x51
	cat <<-'EOF'
	# 112 requests served, folded into the lines above (-v prints each)
	# done: 8 steps, 124 requests, 0 errors (1 failed as expected) in N ms
	EOF
}

# check_exercise: the assertions shared by the plain and --indirect runs.
check_exercise() {
	assert_success
	assert_stderr ""
	# what a user looks for
	assert_line --regexp "^$VT_TS "'i2c q0 #[0-9]+ used 0x50 write 9 \[00 76 69 74 6f 6f 6c 21 0a\] -> OK '
	assert_line "0x76 0x69 0x74 0x6f 0x6f 0x6c 0x21 0x0a"
	assert_line --partial "failed as expected"
	assert_line "20: 20 -- -- -- -- -- -- -- -- -- -- -- -- -- -- --"
	assert_line "50: 50 51 -- -- -- -- -- -- -- -- -- -- -- -- -- --"
	# the front-end's transcript, exactly
	[[ ${fe_lines[0]} =~ ^#\ vitool\ loopback:\ virtio-i2c\ over\ vhost-user\ socket\ /.+$ ]] ||
		fail "first line: '${fe_lines[0]}'"
	assert_equal "$(fe_text)" "$(expected_exercise)"
	# the backend's line for every request but detect's 112 probes:
	# 1 + 2 + 1 + 2 + 1 + 2 + 3
	assert_equal "${#be_lines[@]}" 12
	local out
	out=$(printf '%s\n' "${be_lines[@]}")
	[[ $out =~ i2c\ q0\ #[0-9]+\ used\ 0x50\ read\ 8\ -\>\ OK\ \[76\ 69\ 74\ 6f\ 6f\ 6c\ 21\ 0a\] ]] ||
		fail "no decoded read of 8 bytes at 0x50 in the served requests"
	[[ $out =~ i2c\ q0\ #[0-9]+\ used\ 0x51\ write\ 4\ \[0f\ fe\ 12\ 34\]\ -\>\ OK ]] ||
		fail "no decoded 24c32 write in the served requests"
	[[ $out =~ i2c\ q0\ #[0-9]+\ used\ 0x30\ read\ 1\ fail-next\ -\>\ ERR ]] ||
		fail "no failed read at 0x30 in the served requests"
	[[ $out =~ i2c\ q0\ #[0-9]+\ used\ 0x50\ read\ 1\ -\>\ ERR ]] ||
		fail "the message after the failure was not failed"
	refute_line --partial "probe"
	# request ids: 1..12, each once, in order
	assert_equal "$(grep -oE '^i2c q0 #[0-9]+' <<<"$out" | tr '\n' ' ')" "$(printf 'i2c q0 #%d ' $(seq 12))"
}

@test "loopback: the built-in exercise, exit 0" {
	run_loopback
	check_exercise
}

@test "loopback i2c: the device may be named" {
	run_loopback i2c
	check_exercise
}

@test "loopback --indirect: same results" {
	run_loopback --indirect
	check_exercise
}

@test "loopback removes its temporary socket directory" {
	run_loopback
	assert_success
	local sock=${fe_lines[0]##* }
	[[ $sock == /* ]] || fail "no socket path in '${fe_lines[0]}'"
	[ ! -e "$sock" ] || fail "socket $sock left behind"
	[ ! -e "$(dirname "$sock")" ] || fail "directory $(dirname "$sock") left behind"
}

@test "loopback killed with SIGTERM or SIGHUP, or failing on its -S PATH, removes its directory" {
	# They left empty /tmp/vitool-loopback-* behind (issue 16).
	printf 'fault add delay 20000ms addr 0x50 read\nw1@0x50 0x00 r2\n' >"$BATS_TEST_TMPDIR/slow"
	local sig out="$BATS_TEST_TMPDIR/lb.out" pid rc dir
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	mkdir "$TMPDIR"
	for sig in TERM HUP; do
		timeout 30 "$VITOOL" loopback --script "$BATS_TEST_TMPDIR/slow" >"$out" 2>&1 3>&- &
		pid=$!
		wait_for 10 grep -q '^> w1@0x50' "$out" || fail "loopback did not start: $(cat "$out")"
		dir=$(sed -n '1s|^# vitool loopback: .* socket \(.*\)/i2c\.sock$|\1|p' "$out")
		[[ $dir == "$TMPDIR"/vitool-loopback-* ]] && [ -d "$dir" ] || fail "no directory in: $(head -1 "$out")"
		# timeout(1) passes the signal on to loopback
		kill -"$sig" "$pid"
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" -ne 0 ] || fail "loopback exited 0 after SIG$sig"
		[ ! -e "$dir" ] || fail "SIG$sig: $dir left behind: $(ls -la "$dir")"
		wait_for 5 eval '! pgrep -f "serve i2c --socket $dir/" >/dev/null' ||
			fail "SIG$sig: the backend is still running: $(pgrep -af "$dir/")"
	done
	# -S PATH that cannot be listened on: nothing of ours stays either
	run_loopback --socket "$BATS_TEST_TMPDIR/no/such/dir/x.sock"
	assert_failure 1
	assert_stderr_contains "cannot listen on $BATS_TEST_TMPDIR/no/such/dir/x.sock"
	run ls -A "$TMPDIR"
	assert_output ""
}

@test "loopback --socket PATH: uses it and removes it" {
	run_loopback --socket "$SOCK"
	assert_success
	assert_equal "${fe_lines[0]}" "# vitool loopback: virtio-i2c over vhost-user socket $SOCK"
	[ ! -e "$SOCK" ] || fail "socket $SOCK left behind"
}

@test "loopback -v: also kicks, calls and vhost-user messages" {
	run_loopback -v
	assert_success
	assert_line --regexp "^$VT_TS i2c q0 kick\$"
	assert_line --regexp "^$VT_TS i2c q0 call\$"
	assert_line --regexp "^$VT_TS i2c vhost-msg [<>] [A-Z_]+"
	assert_line --regexp "^$VT_TS "'i2c q0 #1 avail 0x50 write 9 \[00 76 69 74 6f 6f 6c 21 0a\]$'
	assert_line "0x76 0x69 0x74 0x6f 0x6f 0x6c 0x21 0x0a"
	# -v folds nothing: every probe of detect, 3 found, 109 not
	local out
	out=$(printf '%s\n' "${be_lines[@]}")
	assert_equal "$(grep -cE '^i2c q0 #[0-9]+ used .*0x[0-9a-f]+ probe -> OK' <<<"$out")" 3
	assert_equal "$(grep -cE '^i2c q0 #[0-9]+ used .*0x[0-9a-f]+ probe -> ERR' <<<"$out")" 109
	refute_line --partial "folded"
	assert_line --regexp '^# done: 8 steps, 124 requests, 0 errors \(1 failed as expected\) in [0-9]+ ms$'
}

@test "loopback: detect is one grid: its probes fold into one line, the story fits one screen" {
	run_loopback
	assert_success
	refute_line --partial "probe"
	# the grid right after the step, then the fold line
	local i
	for i in "${!lines[@]}"; do [[ ${lines[i]} == "> detect" ]] && break; done
	assert_equal "${lines[i + 1]}" "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f"
	assert_equal "${lines[i + 4]}" "20: 20 -- -- -- -- -- -- -- -- -- -- -- -- -- -- --"
	assert_equal "${lines[i + 10]}" "# 112 requests served, folded into the lines above (-v prints each)"
	# what was 150 lines is now a screen or two
	((${#lines[@]} <= 50)) || fail "${#lines[@]} lines"
}

@test "loopback: the summary line counts steps, the device's requests, errors and the time" {
	local s="$BATS_TEST_TMPDIR/script"
	printf '# two steps, one fails\nw1@0x50 0x00 r2\n!r1@0x30\nr1@0x31\n' >"$s"
	run_loopback --script "$s"
	assert_failure 1
	# 2 + 1 + 1 requests; r1@0x31 was not expected to fail
	assert_equal "${lines[-1]}" "${lines[-1]%% in *} in ${lines[-1]##* in }"
	[[ ${lines[-1]} =~ ^#\ done:\ 3\ steps,\ 4\ requests,\ 1\ error\ \(1\ failed\ as\ expected\)\ in\ [0-9]+\ ms$ ]] ||
		fail "last line: ${lines[-1]}"
}

# ---- arguments in any order, -S --------------------------------------------

@test "loopback: options before and after the device word" {
	local s="$BATS_TEST_TMPDIR/script"
	printf 'w1@0x50 0x00 r1\n' >"$s"
	run_loopback -S "$SOCK" i2c --script "$s"
	assert_success
	assert_equal "${fe_lines[0]}" "# vitool loopback: virtio-i2c over vhost-user socket $SOCK"
	assert_line "0xff"
	run_loopback --script "$s" i2c -S "$SOCK" --indirect -v
	assert_success
	assert_equal "${fe_lines[0]}" "# vitool loopback: virtio-i2c over vhost-user socket $SOCK"
	assert_line --regexp "^$VT_TS i2c q0 kick\$"
	assert_line "0xff"
	run_loopback -- i2c
	assert_success
	# after --, words only; --script's value may be "--"
	run_vitool loopback -- i2c -v
	assert_failure 2
	assert_stderr "vitool: loopback: unexpected argument '-v'"
	cp "$s" "$BATS_TEST_TMPDIR/--"
	pushd "$BATS_TEST_TMPDIR" >/dev/null
	run_loopback --script -- i2c -S "$SOCK"
	popd >/dev/null
	assert_success
	assert_equal "${fe_lines[0]}" "# vitool loopback: virtio-i2c over vhost-user socket $SOCK"
	assert_line "0xff"
	run_vitool loopback i2c -S "$SOCK" gpio
	assert_failure 2
	assert_stderr "vitool: loopback: unexpected argument 'gpio'"
}

@test "loopback: -s and -i are gone: each says its new form, exit 2" {
	run_vitool loopback -s "$SOCK"
	assert_failure 2
	assert_stderr "vitool: loopback: -s is now -S, --socket (see 'vitool loopback --help')"
	run_vitool loopback i2c -i
	assert_failure 2
	assert_stderr "vitool: loopback: -i is now --indirect (see 'vitool loopback --help')"
	[ ! -e "$SOCK" ] || fail "a backend was started"
}

# ---- --script ----------------------------------------------------------------

@test "loopback --script FILE" {
	local s="$BATS_TEST_TMPDIR/script"
	cat >"$s" <<-'EOF'
	# my script
	w3@0x50 0x10 0xaa 0xbb

	w1@0x50 0x10 r2
	w4@0x20 0x00 1 2 3
	w1@0x20 0x01 r2
	!r1@0x30
	detect 0x50 0x57
	EOF
	run_loopback --script "$s"
	assert_success
	assert_stderr ""
	assert_equal "$(fe_text)" "$(
		cat <<-'EOF'
		# targets: 0x50 24c02 EEPROM, 0x51 24c32 EEPROM, 0x20 register file
		# my script
		> w3@0x50 0x10 0xaa 0xbb
		> w1@0x50 0x10 r2
		0xaa 0xbb
		> w4@0x20 0x00 1 2 3
		> w1@0x20 0x01 r2
		0x02 0x03
		> r1@0x30
		failed as expected: message 1 (read 1 byte at 0x30) failed: ERR
		> detect 0x50 0x57
		EOF
		expected_grid 0x50 0x57 0x50 0x51
		cat <<-'EOF'
		# 8 requests served, folded into the lines above (-v prints each)
		# done: 6 steps, 15 requests, 0 errors (1 failed as expected) in N ms
		EOF
	)"
	# 1 + 2 + 1 + 2 + 1, the 8 probes folded
	assert_equal "${#be_lines[@]}" 7
	assert_line --regexp "^$VT_TS "'i2c q0 #1 used 0x50 write 3 \[10 aa bb\] -> OK '
	assert_line --regexp "^$VT_TS "'i2c q0 #[0-9]+ used 0x50 read 2 -> OK \[aa bb\] '
}

@test "loopback --script --indirect: same results" {
	local s="$BATS_TEST_TMPDIR/script"
	printf 'w3@0x50 0x10 0xaa 0xbb\nw1@0x50 0x10 r2\n' >"$s"
	run_loopback --indirect --script "$s"
	assert_success
	assert_line "0xaa 0xbb"
	assert_equal "${#be_lines[@]}" 3
}

@test "loopback --script: a line that fails unexpectedly: exit 1, later lines still run" {
	local s="$BATS_TEST_TMPDIR/script"
	printf 'r1@0x30\nw2@0x50 0x00 0x77\nw1@0x50 0x00 r1\n' >"$s"
	run_loopback --script "$s"
	assert_failure 1
	assert_line "error: $s:1: message 1 (read 1 byte at 0x30) failed: ERR"
	assert_line "0x77"
}

@test "loopback --script: a line expected to fail that succeeds: exit 1" {
	local s="$BATS_TEST_TMPDIR/script"
	printf '!w1@0x50 0x00 r1\n' >"$s"
	run_loopback --script "$s"
	assert_failure 1
	assert_line "0xff"
	assert_line "error: $s:1: the step was expected to fail but succeeded"
}

@test "loopback --script: a bad line: exit 2 with FILE:LINE and the reason, before anything runs" {
	local s="$BATS_TEST_TMPDIR/script"
	printf '# fine\nw1@0x50 0x00 r1\n\nx3@0x50\nw1@0x50 0x00 r1\n' >"$s"
	run_loopback --socket "$SOCK" --script "$s"
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: loopback: $s:4: x3@0x50: expected rLEN[@ADDR] or wLEN[@ADDR]"
	[ ! -e "$SOCK" ] || fail "a backend was started"
	# a ! line is checked too, and a line with too many words
	printf '!frob\n' >"$s"
	run_loopback --script "$s"
	assert_failure 2
	assert_stderr_regex "^vitool: loopback: $s:1: frob: "
	{ printf 'w1@0x50 0x00'; printf ' 0%.0s' {1..400}; printf '\n'; } >"$s"
	run_loopback --script "$s"
	assert_failure 2
	assert_stderr "vitool: loopback: $s:1: more than 299 words on one line"
}

@test "loopback --script: a line that never ends (/dev/zero) is refused in bounded memory; a directory is a read error" {
	# getline read the whole line before the length check: /dev/zero grew
	# to gigabytes (issue 16).  Here 300 MB of address space is plenty.
	run --separate-stderr timeout 20 bash -c 'ulimit -v "$1" && exec "$VITOOL" loopback --script /dev/zero' \
		_ "$(vt_mem_limit_kb 300000)"
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: loopback: /dev/zero:1: line longer than 4095 bytes"
	# a directory reads as an error, not as an empty script that runs nothing
	run_loopback --script "$BATS_TEST_TMPDIR"
	assert_failure 1
	assert_stderr "vitool: loopback: cannot read script $BATS_TEST_TMPDIR: Is a directory"
}

@test "loopback --script with a missing file: exit 1, no process left behind" {
	run_loopback --socket "$SOCK" --script "$BATS_TEST_TMPDIR/nope"
	assert_failure 1
	assert_stderr_regex "loopback: cannot open script $BATS_TEST_TMPDIR/nope"
	# the backend child goes away with the front-end
	wait_for 5 eval '! pgrep -f "$SOCK" >/dev/null' ||
		fail "a loopback backend process is still running: $(pgrep -af "$SOCK")"
	wait_for 5 test ! -e "$SOCK" || fail "socket $SOCK left behind"
}
