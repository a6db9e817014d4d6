#!/usr/bin/env bats
# `vitool loopback gpio`: serve gpio in a child, vitool's own front-end and
# the child's control socket in this process; the built-in exercise (latched
# edge, level re-fire, out-of-order completion, INVALID on none) and
# --script with inject/arm/event lines.

load gpio_helpers

setup() {
	gpio_setup
}

teardown() {
	gpio_teardown
}

# run_loopback ARGS...: bounded `loopback gpio ARGS...` (loopback_split),
# the latencies cut off the served-request lines in $be_lines.
run_loopback() {
	loopback_split gpio 30 gpio "$@"
	local i
	for i in "${!be_lines[@]}"; do
		be_lines[i]=$(sed -E 's/ [0-9.]+(us|ms|s)$//' <<<"${be_lines[i]}")
	done
}

# fe_text: the front-end's lines after the first, the summary's time as N.
fe_text() {
	printf '%s\n' "${fe_lines[@]:1}" | sed -E 's/^(# done: .*) in [0-9]+ ms$/\1 in N ms/'
}

# be_index REGEX: index in $be_lines of the first line matching REGEX.
be_index() {
	local i
	for i in "${!be_lines[@]}"; do
		if [[ ${be_lines[$i]} =~ $1 ]]; then
			echo "$i"
			return 0
		fi
	done
	return 1
}

@test "loopback gpio: the built-in exercise, exit 0, what the front-end shows" {
	run_loopback
	assert_success
	assert_stderr ""
	assert_equal "${fe_lines[0]}" "# vitool loopback: virtio-gpio over vhost-user socket ${fe_lines[0]##* }"
	[[ ${fe_lines[0]} =~ socket\ ${TMPDIR:-/tmp}/vitool-loopback-[A-Za-z0-9]+/gpio\.sock$ ]] ||
		fail "unexpected first line: ${fe_lines[0]}"
	assert_equal "$(fe_text)" "$(
		cat <<-'EOF'
		# lines: 0 led, 1 button, 2 irq-a, 3 irq-b; inputs are set through the control socket
		# the config space and the line names
		> info names
		ngpio: 4
		gpio_names_size: 23
		irq: yes
		0	led
		1	button
		2	irq-a
		3	irq-b
		# drive an output: the value is stored first, then the line becomes an output
		> set led=1 dir led out get led
		1
		# an edge while the interrupt is masked (no eventq buffer queued) is latched...
		> dir button in irq button rising
		> inject button=1
		inject: line 1 (button) 0 -> 1, rising edge: latched (masked: no eventq buffer)
		# ...and delivered as soon as the driver unmasks the line
		> arm button
		arm: line 1 (button) unmasked: the latched edge is delivered at once
		> event
		event: line 1 (button) VALID
		# an edge while unmasked fires at once
		> inject button=0
		inject: line 1 (button) 1 -> 0, falling edge: no interrupt (irq edge-rising, masked)
		> arm button
		arm: line 1 (button) unmasked: waits for a rising edge
		> inject button=1
		inject: line 1 (button) 0 -> 1, rising edge: interrupt delivered (the armed buffer came back)
		> event
		event: line 1 (button) VALID
		# a level interrupt is not latched but fires again on every unmask while the level holds
		> irq button high
		> arm button
		arm: line 1 (button) unmasked: fires at once (irq level-high, level 1)
		> event
		event: line 1 (button) VALID
		# two lines: armed a then b, fired b then a: they complete out of order
		> dir irq-a in irq irq-a falling dir irq-b in irq irq-b falling
		> inject irq-a=1 irq-b=1
		inject: line 2 (irq-a) 0 -> 1, rising edge: no interrupt (irq edge-falling, masked)
		inject: line 3 (irq-b) 0 -> 1, rising edge: no interrupt (irq edge-falling, masked)
		> arm irq-a
		arm: line 2 (irq-a) unmasked: waits for a falling edge
		> arm irq-b
		arm: line 3 (irq-b) unmasked: waits for a falling edge
		> inject irq-b=0
		inject: line 3 (irq-b) 1 -> 0, falling edge: interrupt delivered (the armed buffer came back)
		> event
		event: line 3 (irq-b) VALID
		> inject irq-a=0
		inject: line 2 (irq-a) 1 -> 0, falling edge: interrupt delivered (the armed buffer came back)
		> event
		event: line 2 (irq-a) VALID
		# setting the IRQ type to none returns the pending buffer as INVALID
		> arm irq-a
		arm: line 2 (irq-a) unmasked: waits for a falling edge
		> irq irq-a none
		> event
		event: line 2 (irq-a) INVALID
		# done: 24 steps, 13 requests, 6 events, 0 errors in N ms
		EOF
	)"
}

@test "loopback gpio: the served requests, as serve --print shows them" {
	run_loopback
	assert_success
	# requests on q0 in the order sent
	assert_equal "$(printf '%s\n' "${be_lines[@]}" | grep -E '^gpio q0 ' | sed -E 's/#[0-9]+ used //')" "$(
		cat <<-'EOF'
		gpio q0 GET_LINE_NAMES -> OK 4 names [led button irq-a irq-b]
		gpio q0 GET_LINE_NAMES -> OK 4 names [led button irq-a irq-b]
		gpio q0 SET_VALUE line 0 = 1 -> OK
		gpio q0 SET_DIRECTION line 0 out -> OK
		gpio q0 GET_VALUE line 0 -> OK value 1
		gpio q0 SET_DIRECTION line 1 in -> OK
		gpio q0 SET_IRQ_TYPE line 1 edge-rising -> OK
		gpio q0 SET_IRQ_TYPE line 1 level-high -> OK
		gpio q0 SET_DIRECTION line 2 in -> OK
		gpio q0 SET_IRQ_TYPE line 2 edge-falling -> OK
		gpio q0 SET_DIRECTION line 3 in -> OK
		gpio q0 SET_IRQ_TYPE line 3 edge-falling -> OK
		gpio q0 SET_IRQ_TYPE line 2 none -> OK
		EOF
	)"
	# eventq completions, in completion order
	assert_equal "$(printf '%s\n' "${be_lines[@]}" | grep -E '^gpio q1 ' | sed -E 's/#[0-9]+ used //')" "$(
		cat <<-'EOF'
		gpio q1 irq line 1 armed -> VALID
		gpio q1 irq line 1 armed -> VALID
		gpio q1 irq line 1 armed -> VALID
		gpio q1 irq line 3 armed -> VALID
		gpio q1 irq line 2 armed -> VALID
		gpio q1 irq line 2 armed -> INVALID
		EOF
	)"
}

@test "loopback gpio: the out-of-order pair: line 3 completes before line 2, armed after it" {
	run_loopback
	assert_success
	local i3 i2 id3 id2
	i3=$(be_index '^gpio q1 #[0-9]+ used irq line 3 armed -> VALID$') || fail "no completion for line 3"
	i2=$(be_index '^gpio q1 #[0-9]+ used irq line 2 armed -> VALID$') || fail "no completion for line 2"
	((i3 < i2)) || fail "line 2 completed before line 3: ${be_lines[*]}"
	# request ids number the buffers as they were made available: line 2's
	# is the older one
	id3=$(sed -E 's/^gpio q1 #([0-9]+) used .*/\1/' <<<"${be_lines[$i3]}")
	id2=$(sed -E 's/^gpio q1 #([0-9]+) used .*/\1/' <<<"${be_lines[$i2]}")
	((id2 < id3)) || fail "line 2 (#$id2) was not armed before line 3 (#$id3)"
}

@test "loopback gpio: INVALID on none comes back before SET_IRQ_TYPE none completes" {
	run_loopback
	assert_success
	local iv it
	iv=$(be_index '^gpio q1 #[0-9]+ used irq line 2 armed -> INVALID$') || fail "no INVALID completion"
	it=$(be_index '^gpio q0 #[0-9]+ used SET_IRQ_TYPE line 2 none -> OK$') || fail "no SET_IRQ_TYPE none"
	((iv < it)) || fail "the INVALID completion came after the SET_IRQ_TYPE reply"
	assert_line "event: line 2 (irq-a) INVALID"
}

@test "loopback gpio removes its temporary directory" {
	run_loopback
	assert_success
	local dir
	dir=$(sed -E 's/.* socket (.*)\/gpio\.sock$/\1/' <<<"${fe_lines[0]}")
	[[ $dir == "${TMPDIR:-/tmp}"/vitool-loopback-* ]] || fail "cannot find the temporary directory in '${fe_lines[0]}'"
	[ ! -e "$dir" ] || fail "$dir left behind: $(ls -la "$dir")"
}

@test "loopback gpio --socket PATH: uses it and removes it" {
	run_loopback --socket "$SOCK"
	assert_success
	assert_equal "${fe_lines[0]}" "# vitool loopback: virtio-gpio over vhost-user socket $SOCK"
	[ ! -e "$SOCK" ] || fail "$SOCK left behind"
}

@test "loopback gpio: the device word may come last" {
	run --separate-stderr timeout 30 "$VITOOL" loopback --socket "$SOCK" gpio
	assert_success
	assert_line "event: line 2 (irq-a) INVALID"
}

@test "loopback gpio -v: also kicks, calls and vhost-user messages" {
	run_loopback -v
	assert_success
	assert_line --regexp "^$VT_TS gpio connect\$"
	assert_line --regexp "^$VT_TS gpio vhost-msg [<>] [A-Z_]+"
	assert_line --regexp "^$VT_TS gpio q1 #[0-9]+ avail irq line 1 armed\$"
	assert_line --regexp "^$VT_TS gpio q0 kick\$"
	assert_line --regexp "^$VT_TS gpio q1 call\$"
}

# ---- --script ----------------------------------------------------------------------

@test "loopback gpio --script: inject, arm and event lines" {
	local s="$BATS_TEST_TMPDIR/script"
	cat >"$s" <<-'EOF'
	# falling edges on irq-b, the second one after unmask
	dir irq-b in
	inject irq-b=1
	irq irq-b falling
	inject irq-b=0

	arm irq-b
	event
	inject irq-b=1
	arm 3
	inject irq-b=0
	event 2000
	# nothing latched any more
	arm irq-b
	!event 200
	# an output is the guest's
	dir led out
	!inject led=1
	get irq-b
	EOF
	run_loopback --script "$s"
	assert_success
	assert_stderr ""
	assert_equal "$(fe_text)" "$(
		cat <<-'EOF'
		# lines: 0 led, 1 button, 2 irq-a, 3 irq-b; inputs are set through the control socket
		# falling edges on irq-b, the second one after unmask
		> dir irq-b in
		> inject irq-b=1
		inject: line 3 (irq-b) 0 -> 1, rising edge: no interrupt (irq none)
		> irq irq-b falling
		> inject irq-b=0
		inject: line 3 (irq-b) 1 -> 0, falling edge: latched (masked: no eventq buffer)
		> arm irq-b
		arm: line 3 (irq-b) unmasked: the latched edge is delivered at once
		> event
		event: line 3 (irq-b) VALID
		> inject irq-b=1
		inject: line 3 (irq-b) 0 -> 1, rising edge: no interrupt (irq edge-falling, masked)
		> arm 3
		arm: line 3 (irq-b) unmasked: waits for a falling edge
		> inject irq-b=0
		inject: line 3 (irq-b) 1 -> 0, falling edge: interrupt delivered (the armed buffer came back)
		> event 2000
		event: line 3 (irq-b) VALID
		# nothing latched any more
		> arm irq-b
		arm: line 3 (irq-b) unmasked: waits for a falling edge
		> event 200
		failed as expected: event: no interrupt within 200 ms
		# an output is the guest's
		> dir led out
		> inject led=1
		failed as expected: inject: line 0 (led) is an output: the guest drives it
		> get irq-b
		0
		# done: 15 steps, 5 requests, 2 events, 0 errors (2 failed as expected) in N ms
		EOF
	)"
	run bash -c "printf '%s\n' \"\$@\" | grep -cE '^gpio q1 #[0-9]+ used irq line 3 armed -> VALID$'" _ "${be_lines[@]}"
	assert_output 2
}

@test "loopback gpio --script: level re-fire and INVALID on none" {
	local s="$BATS_TEST_TMPDIR/script"
	cat >"$s" <<-'EOF'
	dir button in irq button low
	arm button
	event
	arm button
	event
	inject button=1
	arm button
	!event 200
	irq button none
	event
	EOF
	run_loopback --script "$s"
	assert_success
	assert_equal "$(printf '%s\n' "${fe_lines[@]}" | grep -E '^(event|failed)')" "$(
		cat <<-'EOF'
		event: line 1 (button) VALID
		event: line 1 (button) VALID
		failed as expected: event: no interrupt within 200 ms
		event: line 1 (button) INVALID
		EOF
	)"
}

@test "loopback gpio --script: a failing line: exit 1, later lines still run" {
	local s="$BATS_TEST_TMPDIR/script"
	printf 'event 100\nget 9\narm nosuch\ninject nosuch=1\nset led=1 dir led out get led\n' >"$s"
	run_loopback --script "$s"
	assert_failure 1
	assert_line "error: $s:1: event: no interrupt within 100 ms"
	assert_line "error: $s:2: get 9: no line 9 (the device has 4 lines, 0-3)"
	assert_line "error: $s:3: arm: want one line (offset or name)"
	assert_line "error: $s:4: inject: unknown line 'nosuch'"
	assert_line "1"
	assert_line --regexp '^# done: 5 steps, [0-9]+ requests, 0 events, 4 errors in [0-9]+ ms$'
}

@test "loopback gpio --script: a line expected to fail that succeeds: exit 1" {
	local s="$BATS_TEST_TMPDIR/script"
	printf '!inject button=1\n' >"$s"
	run_loopback --script "$s"
	assert_failure 1
	assert_line "error: $s:1: the step was expected to fail but succeeded"
}

# ---- the story, in order ------------------------------------------------------------

@test "loopback gpio: a latched edge is visible: injected while masked, delivered when unmasked" {
	local s="$BATS_TEST_TMPDIR/script"
	printf 'dir button in irq button rising\ninject button=1\narm button\nevent\n' >"$s"
	run_loopback --script "$s"
	assert_success
	# the child's line for the eventq completion comes between the arm step
	# and what the front-end says about it: the two sides in the order
	# things happened
	local i
	for i in "${!lines[@]}"; do [[ ${lines[i]} == "> inject button=1" ]] && break; done
	assert_equal "${lines[i + 1]}" "inject: line 1 (button) 0 -> 1, rising edge: latched (masked: no eventq buffer)"
	assert_equal "${lines[i + 2]}" "> arm button"
	[[ ${lines[i + 3]} =~ (^|\ )gpio\ q1\ .*line\ 1.*VALID ]] || fail "not the eventq completion: '${lines[i + 3]}'"
	assert_equal "${lines[i + 4]}" "arm: line 1 (button) unmasked: the latched edge is delivered at once"
	assert_equal "${lines[i + 5]}" "> event"
	assert_equal "${lines[i + 6]}" "event: line 1 (button) VALID"
	[[ ${lines[i + 7]} =~ ^#\ done:\ 4\ steps,\ 3\ requests,\ 1\ event,\ 0\ errors\ in\ [0-9]+\ ms$ ]] ||
		fail "no summary: '${lines[i + 7]}'"
}

@test "loopback gpio: arm says a level re-fires on unmask, and an interrupt that is off comes back INVALID" {
	local s="$BATS_TEST_TMPDIR/script"
	printf 'dir irq-a in irq irq-a low\narm irq-a\nevent\ninject irq-a=1\narm irq-a\n!event 100\nirq irq-b none\narm irq-b\nevent\n' >"$s"
	run_loopback --script "$s"
	assert_success
	assert_line "arm: line 2 (irq-a) unmasked: fires at once (irq level-low, level 0)"
	assert_line "inject: line 2 (irq-a) 0 -> 1, rising edge: no interrupt (irq level-low, masked)"
	assert_line "arm: line 2 (irq-a) unmasked: waits for the level to be low"
	# the INVALID completion, then what arm says of it
	local i
	for i in "${!lines[@]}"; do [[ ${lines[i]} == "> arm irq-b" ]] && break; done
	[[ ${lines[i + 1]} =~ (^|\ )gpio\ q1\ .*line\ 3.*INVALID ]] || fail "not the INVALID completion: '${lines[i + 1]}'"
	assert_equal "${lines[i + 2]}" "arm: line 3 (irq-b) has no interrupt (irq none): the buffer came back INVALID"
	assert_line "event: line 3 (irq-b) INVALID"
}

@test "loopback gpio: options before and after the device word (-S P gpio --script F)" {
	local s="$BATS_TEST_TMPDIR/script"
	printf 'info\n' >"$s"
	# (run_loopback puts gpio first: these place it themselves)
	loopback_split gpio 30 -S "$SOCK" gpio --script "$s"
	assert_success
	assert_equal "${fe_lines[0]}" "# vitool loopback: virtio-gpio over vhost-user socket $SOCK"
	assert_line "ngpio: 4"
	loopback_split gpio 30 --script "$s" gpio -S "$SOCK"
	assert_success
	assert_equal "${fe_lines[0]}" "# vitool loopback: virtio-gpio over vhost-user socket $SOCK"
	assert_line "ngpio: 4"
	[ ! -e "$SOCK" ] || fail "$SOCK left behind"
}

@test "loopback gpio --script: a line that is no step: FILE:LINE, exit 2, nothing runs" {
	local s="$BATS_TEST_TMPDIR/script"
	local bad
	for bad in "foo" "arm" "arm a b" "inject" "inject button" "inject button=1 pulse" "event soon" "!frob"; do
		printf '# ok\ninfo\n%s\n' "$bad" >"$s"
		run_loopback --socket "$SOCK" --script "$s"
		assert_failure 2
		assert_output ""
		assert_stderr_regex "^vitool: loopback: $s:3: [a-z]+"
		[ ! -e "$SOCK" ] || fail "a backend was started for '$bad'"
	done
	printf 'info\nfoo\n' >"$s"
	run_loopback --script "$s"
	assert_stderr_regex "^vitool: loopback: $s:2: foo: unknown operation "
}
