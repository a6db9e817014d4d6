#!/usr/bin/env bats
# `vitool loopback rng`: serve rng --seed 42 and vitool's front-end over a
# real socket; the exercise's bytes are the predicted stream, every run the
# same; --script lines are drive rng's.

load helpers

setup() {
	vt_setup
}

teardown() {
	vt_teardown
}

# run_loopback ARGS...: bounded `loopback rng ARGS...` (loopback_split)
run_loopback() {
	loopback_split rng 20 rng "$@"
}

# fe_text: the front-end's lines after the first, the summary's time as N.
fe_text() {
	printf '%s\n' "${fe_lines[@]:1}" | sed -E 's/^(# done: .*) in [0-9]+ ms$/\1 in N ms/'
}

# stream N [OFFSET]: bytes of the --seed 42 stream (tests/rng-stream.py)
stream() {
	python3 "$BATS_TEST_DIRNAME/../rng-stream.py" 42 "$@"
}

@test "loopback rng: the built-in exercise prints the --seed 42 stream, exit 0" {
	command -v python3 >/dev/null || skip "python3 not installed"
	run_loopback
	assert_success
	assert_stderr ""
	[[ ${fe_lines[0]} =~ ^#\ vitool\ loopback:\ virtio-rng\ over\ vhost-user\ socket\ /.+$ ]] ||
		fail "first line: '${fe_lines[0]}'"
	assert_equal "$(fe_text)" "$(cat <<-EOF
	# entropy: splitmix64 seeded with 42 (serve rng --seed 42): every run prints the same bytes
	# one buffer of 16 bytes: the device fills all of it from the stream
	> read 16
	$(stream 16)
	# the stream goes on across requests: 8 bytes, then the next 8
	> read 8 read 8
	$(stream 8 16)
	$(stream 8 24)
	# 64 bytes, the buffer Linux's virtio-rng driver queues on x86
	> read 64
	$(stream 64 32)
	# done: 3 steps, 4 requests, 0 errors in N ms
	EOF
	)"
	# the backend's --print line for each request, with its first bytes
	assert_equal "${#be_lines[@]}" 4
	[[ ${be_lines[0]} =~ ^rng\ q0\ #1\ used\ request\ 16\ -\>\ 16\ bytes\ \[$(stream 16)\]\  ]] || fail "${be_lines[0]}"
	[[ ${be_lines[1]} =~ ^rng\ q0\ #2\ used\ request\ 8\ -\>\ 8\ bytes\ \[$(stream 8 16)\]\  ]] || fail "${be_lines[1]}"
	[[ ${be_lines[2]} =~ ^rng\ q0\ #3\ used\ request\ 8\ -\>\ 8\ bytes\ \[$(stream 8 24)\]\  ]] || fail "${be_lines[2]}"
	[[ ${be_lines[3]} =~ ^rng\ q0\ #4\ used\ request\ 64\ -\>\ 64\ bytes\ \[$(stream 16 32)\ \.\.\.\]\  ]] || fail "${be_lines[3]}"
}

@test "loopback rng: two runs print the same (but for the socket and the latencies)" {
	local a b
	run_loopback
	assert_success
	a=$(fe_text; printf '%s\n' "${be_lines[@]% *}")
	run_loopback
	assert_success
	b=$(fe_text; printf '%s\n' "${be_lines[@]% *}")
	assert_equal "$b" "$a"
}

@test "loopback rng --script: read lines go on in the stream; a bad line: exit 2 with FILE:LINE, nothing runs" {
	command -v python3 >/dev/null || skip "python3 not installed"
	local s="$BATS_TEST_TMPDIR/script"
	printf '%s\n' "# two reads" "read 3 read 5" "read 4" >"$s"
	run_loopback --script "$s"
	assert_success
	assert_equal "$(fe_text | tail -n +2)" "$(cat <<-EOF
	# two reads
	> read 3 read 5
	$(stream 3)
	$(stream 5 3)
	> read 4
	$(stream 4 8)
	# done: 2 steps, 3 requests, 0 errors in N ms
	EOF
	)"
	assert_equal "${#be_lines[@]}" 3
	printf '%s\n' "# two reads" "read 3 read 5" "write 3" "read 4" >"$s"
	run_loopback --script "$s"
	assert_failure 2
	assert_output ""
	assert_stderr "vitool: loopback: $s:3: 'write': expected 'read N'"
}

@test "loopback rng: --indirect is refused, exit 2" {
	run_vitool loopback rng --indirect
	assert_failure 2
	assert_stderr "vitool: loopback: rng takes no --indirect"
}

@test "loopback --help lists rng with its exercise's seed" {
	run_vitool loopback --help
	assert_success
	assert_line --index 0 --regexp '^usage: vitool loopback \[i2c\|gpio\|rng\] '
	assert_line "  rng:"
	assert_output --partial "serve rng --seed 42"
}
