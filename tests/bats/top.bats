#!/usr/bin/env bats
# vitool top: the live view under tmux (its own server on a socket in the
# test's directory, an 80x24 window running a plain bash), driven with
# send-keys and read with capture-pane the way a person would look at it;
# --once and --once --json without a terminal.  A serve i2c with fault
# rules holds requests; reads of an address without a target fail.

load helpers

TMUX_SOCK=
TOP_DELAY=0.2

setup() {
	vt_setup
	command -v tmux >/dev/null || skip "tmux not installed"
	command -v jq >/dev/null || skip "jq not installed"
	TMUX_SOCK="$BATS_TEST_TMPDIR/tmux.sock"
}

teardown() {
	if [ -n "$TMUX_SOCK" ] && [ -S "$TMUX_SOCK" ]; then
		tmx kill-server 2>/dev/null || true
	fi
	vt_teardown
}

tmx() {
	timeout 10 tmux -S "$TMUX_SOCK" -f /dev/null "$@"
}

# screen [-e]: what the pane shows now.
screen() {
	tmx capture-pane -p "$@"
}

# wait_screen REGEX [SECONDS]: polls the pane until a line matches.
wait_screen() {
	local re=$1 secs=${2:-10}
	if ! wait_for "$secs" eval 'screen | grep -qE -- "$re"'; then
		echo "# the screen, waiting for /$re/:" >&2
		screen | sed 's/^/#   |/' >&2
		return 1
	fi
}

# wait_gone REGEX [SECONDS]: polls until no line matches.
wait_gone() {
	local re=$1 secs=${2:-10}
	if ! wait_for "$secs" eval '! screen | grep -qE -- "$re"'; then
		echo "# the screen, waiting for /$re/ to go:" >&2
		screen | sed 's/^/#   |/' >&2
		return 1
	fi
}

# start_term [ENV=VALUE...]: the tmux session, a bash at a '$ ' prompt.
start_term() {
	tmx new-session -d -x 80 -y 24 env "$@" PS1='$ ' bash --norc --noprofile
	wait_screen '^\$' 5
}

# start_top ARGS...: `vitool top -d 0.2 ARGS...` typed at the prompt; waits
# for its title bar.
start_top() {
	tmx send-keys "$VITOOL top -d $TOP_DELAY $*" Enter
	wait_screen '^vitool top - ' 10
}

# age_ms_of ID: the AGE column of request ID's row, in milliseconds.
age_ms_of() {
	screen | awk -v id="$1" '
		$1 == "!" && $2 == id { a = $4 } $1 == id && $1 != "!" { a = $3 }
		END {
			if (a ~ /us$/) { sub(/us$/, "", a); print int(a / 1000) }
			else if (a ~ /ms$/) { sub(/ms$/, "", a); print int(a) }
			else if (a ~ /m[0-9]+s$/) { split(a, p, "m"); sub(/s$/, "", p[2]); print (p[1] * 60 + p[2]) * 1000 }
			else if (a ~ /s$/) { sub(/s$/, "", a); print int(a * 1000) }
		}'
}

# held_drive OP...: a drive whose requests the fault rules hold, in the
# background (the front-end stays connected while they are held).
held_drive() {
	start_bg "$BATS_TEST_TMPDIR/held.out" "$BATS_TEST_TMPDIR/held.err" \
		"$VITOOL" drive i2c --socket "$SOCK" --timeout 60000 "$@"
}

# wait_inflight N: the instance holds N requests.
inflight_count() {
	echo inflight | timeout 5 socat - "UNIX-CONNECT:$XDG_RUNTIME_DIR/vitool/i2c.ctl" | jq '.requests | length'
}
wait_inflight() {
	local want=$1
	wait_for 10 eval '[ "$(inflight_count)" = "$want" ]' || fail "not $want requests in flight: $(inflight_count)"
}

# ---- --once ------------------------------------------------------------------

@test "--once: the header, the queue table and a held request past the timeout, marked '!'" {
	start_serve --fault 'hold addr 0x50' --timeout-ms 300
	held_drive r2@0x50
	wait_inflight 1
	run --separate-stderr timeout 10 "$VITOOL" top --once -d 0.5
	assert_success
	assert_line --regexp '^i2c \(i2c, pid [0-9]+\)  front-end connected  up 0:00:[0-9]{2}  timeout 300ms$'
	assert_line --regexp '^features 0x[0-9a-f]+ .*EVENT_IDX'
	assert_line ' Q SIZE INFL  REQ/S    P50    P99    MAX  ERR  TMO LATE  OOO DROP'
	assert_line --regexp '^ 0   64    1 +[0-9.]+ '
	assert_line --regexp '^     ID  Q     AGE         REQUEST \(1 in flight, by age\)$'
	assert_line --regexp '^! +[0-9]+  0 +[0-9.]+(ms|s) TIMEOUT 0x50 read 2 +rule 1: hold addr 0x50$'
	[ "${#lines[@]}" -le 24 ] || fail "more than a screen: ${#lines[@]} lines"
	for l in "${lines[@]}"; do
		[ "${#l}" -le 80 ] || fail "wider than 80 columns: '$l'"
	done
}

@test "--once --json: the same snapshot as one JSON object" {
	start_serve --fault 'hold addr 0x50' --timeout-ms 300
	held_drive r2@0x50
	wait_inflight 1
	run --separate-stderr timeout 10 "$VITOOL" top i2c --once --json -d 0.5
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -r .name <<<"$output")" i2c
	assert_equal "$(jq -r .connected <<<"$output")" true
	assert_equal "$(jq -r .timeout_ms <<<"$output")" 300
	assert_equal "$(jq -c '.queues[0] | [.queue, .size, .inflight, .used]' <<<"$output")" '[0,64,1,0]'
	assert_equal "$(jq -r '.requests[0].summary' <<<"$output")" '0x50 read 2'
	assert_equal "$(jq -r '.requests[0].timed_out' <<<"$output")" true
	assert_equal "$(jq -c '.requests[0].fault | [.rule, .kind, .text]' <<<"$output")" '[1,"hold","hold addr 0x50"]'
	[ "$(jq '.requests[0].age_ms' <<<"$output")" -ge 300 ]
	# the text of the same instance says the same
	run --separate-stderr timeout 10 "$VITOOL" top -i i2c --once -d 0.1
	assert_line --regexp '^! +1  0 .* TIMEOUT 0x50 read 2 +rule 1: hold addr 0x50$'
}

@test "--once: latency percentiles and histogram of completions seen while top listens" {
	start_serve --target 0x50=24c02 --fault 'delay 30ms addr 0x50'
	start_bg "$BATS_TEST_TMPDIR/t.out" "$BATS_TEST_TMPDIR/t.err" "$VITOOL" trace
	wait_for 5 eval 'echo trace-stats | socat - UNIX-CONNECT:$XDG_RUNTIME_DIR/vitool/i2c.ctl | grep -q "\"subscribers\":1"'
	drive r1@0x50
	assert_success
	drive r1@0x50
	assert_success
	run --separate-stderr timeout 10 "$VITOOL" top --once -d 0.1
	assert_success
	# two completions of 30 ms and more (a timer may be late, never
	# early): p50, p99 and max of 30 ms or more; in the histogram nothing
	# in the 15 columns below 16 ms
	local ge30='(3[0-9]|[4-9][0-9]|[0-9]{3})ms|[0-9.]+s'
	assert_line --regexp "^ 0 +[0-9]+    0 +[0-9.]+ +($ge30) +($ge30) +($ge30) +0 +0 +0 +0 +0( stopped)?\$"
	assert_line --regexp '^ 0  <1us \| {15}[^|]*@[^|]*\| >1s +2$'
}

@test "--once: no instance, exit 1; bad words, exit 2" {
	run --separate-stderr "$VITOOL" top --once
	assert_failure 1
	assert_equal "$stderr" "vitool: top: no running vitool instance (none running in $XDG_RUNTIME_DIR/vitool)"
	run --separate-stderr "$VITOOL" top -d 0 --once
	assert_failure 2
	assert_equal "$stderr" "vitool: top: -d 0: want seconds, 0.1 to 3600"
	run --separate-stderr "$VITOOL" top --json
	assert_failure 2
	assert_equal "$stderr" "vitool: top: --json prints a snapshot: give --once too"
	run --separate-stderr "$VITOOL" top a b
	assert_failure 2
	assert_equal "$stderr" "vitool: top: unexpected 'b' (one instance at a time; see 'vitool top --help')"
	run --separate-stderr "$VITOOL" top -i a b
	assert_failure 2
	assert_equal "$stderr" "vitool: top: 'b': the instance is already given by -i"
	run --separate-stderr "$VITOOL" top --once --filter 'q 0'
	assert_failure 2
	run --separate-stderr "$VITOOL" top --frob
	assert_failure 2
	assert_equal "$stderr" "vitool: top: unknown option '--frob' (see 'vitool top --help')"
}

@test "the live view without a terminal: exit 1, it says to use --once; a bad --filter: exit 2" {
	start_serve
	run --separate-stderr timeout 10 "$VITOOL" top </dev/null
	assert_failure 1
	assert_equal "$stderr" "vitool: top: the live view needs a terminal (--once prints a snapshot)"
	start_term
	tmx send-keys "$VITOOL top --filter 'addr' ; echo status=\$?" Enter
	wait_screen '^status=2$'
	screen | grep -q "bad filter \"addr\"" || fail "no message about the filter: $(screen)"
}

# ---- the live view -------------------------------------------------------------

@test "live: a held request's age grows; past the timeout it is marked '!' in bold red" {
	start_serve --fault 'hold addr 0x50' --timeout-ms 300
	held_drive r2@0x50
	wait_inflight 1
	start_term
	start_top
	wait_screen '^! +1  0 .* TIMEOUT 0x50 read 2 +rule 1: hold addr 0x50'
	local a1 a2
	a1=$(age_ms_of 1)
	wait_for 10 eval '[ "$(age_ms_of 1)" -gt "$a1" ]' || fail "the age stayed at $a1 ms: $(screen)"
	a2=$(age_ms_of 1)
	[ "$a2" -gt "$a1" ]
	# the highlight: bold (1) and red (31) on the row, whatever else is set
	local row
	row=$(screen -e | grep -a 'TIMEOUT 0x50 read 2')
	[[ $row == *$'\e['*1m* || $row == *$'\e[1;'* ]] || fail "not bold: $(cat -v <<<"$row")"
	[[ $row == *$'\e[31m'* || $row == *';31m'* ]] || fail "not red: $(cat -v <<<"$row")"
	# and the timeout reached the events pane and the TMO column
	wait_screen '^[0-9:.]+ i2c q0 #1 timeout 0x50 read 2 [0-9.]+ms \[TIMEOUT\]$'
	wait_screen '^ 0   64    1 +[0-9.]+ +[0-9a-z.]+ +[0-9a-z.]+ +[0-9a-z.]+ +0 +1 +0 +0 +0$'
}

@test "live on a monochrome terminal: the timed-out row is bold reversed, and marked '!'" {
	start_serve --fault 'hold addr 0x50' --timeout-ms 300
	held_drive r2@0x50
	wait_inflight 1
	start_term TERM=vt100
	start_top
	wait_screen '^! +1  0 .* TIMEOUT'
	# the selection is the only row: move it away to see the plain
	# timed-out attributes: there is nowhere to go, so check the combined
	# bold and reverse (1 and 7) are there
	local row
	row=$(screen -e | grep -a 'TIMEOUT 0x50')
	[[ $(screen -e | grep -a -B1 'TIMEOUT 0x50' | tr -d '\n') == *$'\e['*7* ]] || fail "no reverse: $(cat -v <<<"$row")"
	[[ $row == *$'\e['*1* ]] || fail "not bold: $(cat -v <<<"$row")"
	[[ $row != *$'\e[31m'* ]] || fail "colour on vt100: $(cat -v <<<"$row")"
}

@test "live: p pauses (the age stands still, [PAUSED] in the title), p again resumes" {
	start_serve --fault 'hold addr 0x50' --timeout-ms 300
	held_drive r2@0x50
	wait_inflight 1
	start_term
	start_top
	wait_screen '^! +1  0 '
	tmx send-keys p
	wait_screen '^vitool top - i2c  \[PAUSED\]'
	local a1
	a1=$(age_ms_of 1)
	sleep 1   # five refresh delays: a running view would have ticked
	assert_equal "$(age_ms_of 1)" "$a1"
	tmx send-keys ' '
	wait_gone 'PAUSED'
	wait_for 10 eval '[ "$(age_ms_of 1)" -gt "$a1" ]' || fail "the age did not move after resuming: $(screen)"
}

@test "live: s sorts the in-flight list: oldest first, newest first, by queue" {
	start_serve --fault 'hold addr 0x50' --fault 'hold addr 0x51' --timeout-ms 5000
	held_drive w1@0x50 0x00 r1@0x51
	wait_inflight 2
	start_term
	start_top
	wait_screen 'REQUEST \(2 in flight, by age\)'
	# the row after the heading is #1 (0x50), then #2
	screen | grep -A2 'REQUEST (2 in flight' | sed -n 2p | grep -qE '^ +1  0 .*0x50 write' || fail "$(screen)"
	tmx send-keys s
	wait_screen 'REQUEST \(2 in flight, by newest\)'
	screen | grep -A2 'REQUEST (2 in flight' | sed -n 2p | grep -qE '^ +2  0 .*0x51 read' || fail "$(screen)"
	tmx send-keys s
	wait_screen 'REQUEST \(2 in flight, by queue\)'
	screen | grep -A2 'REQUEST (2 in flight' | sed -n 2p | grep -qE '^ +1  0 .*0x50 write' || fail "$(screen)"
}

@test "live: Enter shows the selected request's chain and bytes; j/k select, Esc goes back" {
	start_serve --fault 'hold addr 0x50' --fault 'hold addr 0x51' --timeout-ms 5000
	held_drive w1@0x50 0xab r1@0x51
	wait_inflight 2
	start_term
	start_top
	wait_screen 'REQUEST \(2 in flight'
	tmx send-keys j Enter
	wait_screen '^request #2 on queue 0, head [0-9]+, in flight for '
	wait_screen '^    0x51 read 1$'
	wait_screen '^fault rule 2: hold addr 0x51 \(held '
	wait_screen '^chain: 3 segments, 8 bytes to read, 2 to write$'
	wait_screen '^seg 0 r len 8 gpa 0x[0-9a-f]+$'
	wait_screen '^seg 1 w len 1 gpa 0x[0-9a-f]+$'
	wait_screen '^seg 2 w len 1 gpa 0x[0-9a-f]+$'
	# the header: address 0x51 shifted left (0xa2), flags M_RD (2), little-endian
	wait_screen '^        0x0000:  a2 00 00 00 02 00 00 00 +\.\.\.\.\.\.\.\.$'
	tmx send-keys Escape
	wait_screen 'REQUEST \(2 in flight'
	tmx send-keys k Enter
	wait_screen '^request #1 on queue 0'
	wait_screen '^seg 1 r len 1 gpa 0x[0-9a-f]+$'
	wait_screen '^        0x0000:  ab +\.$'
	tmx send-keys q
	wait_screen 'REQUEST \(2 in flight'
}

@test "live: f filters the events pane with trace's words; an empty filter goes back to the notable events" {
	start_serve --target 0x50=24c02
	start_term
	start_top
	wait_screen '^EVENTS$'
	# a failed read is notable: it shows without a filter
	drive r1@0x51
	wait_screen '^[0-9:.]+ i2c q0 #1 used 0x51 read 1 -> ERR'
	tmx send-keys f
	wait_screen '^filter \(trace words, empty: notable\):$'
	tmx send-keys 'addr 0x50 and used' Enter
	wait_screen '^vitool top - i2c  delay 200ms  events: addr 0x50 and used$'
	wait_screen 'top: events filter: addr 0x50 and used$'
	drive r1@0x51
	drive w1@0x50 0x00 r2@0x50
	wait_screen '^[0-9:.]+ i2c q0 #[0-9]+ used 0x50 read 2 -> OK \[[0-9a-f ]+\]'
	# after the filter's line: only the 0x50 completions
	run bash -c "screen_after=\$(timeout 5 tmux -S '$TMUX_SOCK' capture-pane -p | sed -n '/events filter: addr 0x50/,\$p'); echo \"\$screen_after\""
	refute_output --partial '0x51'
	refute_output --partial ' avail '
	assert_output --regexp 'used 0x50 write 1 \[00\] fail-next -> OK'
	# a bad filter is refused and the old one stays
	tmx send-keys f C-u 'addr' Enter
	wait_screen '^bad filter "addr": '
	wait_screen 'events: addr 0x50 and used$'
	# empty: the notable events again
	tmx send-keys f C-u Enter
	wait_screen 'events: \(notable\)$'
	drive r1@0x52
	wait_screen '^[0-9:.]+ i2c q0 #[0-9]+ used 0x52 read 1 -> ERR'
}

@test "live: the instance's warnings show in the events pane; its info lines with the filter log" {
	SOCK="$BATS_TEST_TMPDIR/gpio.sock"
	SERVE_DEV=gpio start_serve --lines 4
	start_term
	start_top
	wait_screen '^vitool top - gpio  '
	wait_screen '^EVENTS$'
	# An interrupt on an output line: serve warns (and the device answers ERR).
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive gpio --socket "$SOCK" dir 3 out irq 3 rising
	assert_failure 1
	# (80 columns cut the line)
	wait_screen '^[0-9:.]+ gpio log warning: gpio: SET_IRQ_TYPE line 3: the line is an'
	# the failed request is notable too, and comes after the warning
	wait_screen '^[0-9:.]+ gpio q0 #2 used SET_IRQ_TYPE line 3 edge-rising -> ERR'
	run bash -c "timeout 5 tmux -S '$TMUX_SOCK' capture-pane -p | sed -n '/^EVENTS\$/,\$p'"
	assert_line --index 1 --regexp '^[0-9:.]+ gpio log warning: gpio: SET_IRQ_TYPE line 3: the line is an'
	assert_line --index 2 --regexp '^[0-9:.]+ gpio q0 #2 used SET_IRQ_TYPE line 3 edge-rising -> ERR'
	# info lines (its front-end connecting came before the warning) are not notable
	refute_output --partial 'log info'
	grep -q 'gpio: SET_IRQ_TYPE line 3: the line is an output' "$SERVE_ERR" || fail "serve did not warn on stderr"
	# with the filter log: every line the instance logs
	tmx send-keys f 'log' Enter
	wait_screen 'top: events filter: log$'
	run --separate-stderr timeout "$VT_FG_LIMIT" "$VITOOL" drive gpio --socket "$SOCK" get 0
	assert_success
	wait_screen '^[0-9:.]+ gpio log info: vhost-user: front-end connected$'
	wait_screen '^[0-9:.]+ gpio log info: vhost-user: front-end disconnected$'
	# the lines already shown stay
	wait_screen '^[0-9:.]+ gpio log warning: gpio: SET_IRQ_TYPE line 3'
}

@test "live: r resets the counters (stats reset, trace-stats reset); h shows the keys; d sets the delay" {
	start_serve
	start_term
	start_top
	wait_screen '^EVENTS$'
	drive r1@0x51
	drive r1@0x52
	wait_screen '^ 0 +[0-9]+    0 +[0-9.]+ +[0-9a-z.]+ +[0-9a-z.]+ +[0-9a-z.]+ +2 +0 +0 +0 +0'
	wait_screen '^ 0  <1us \|'
	tmx send-keys r
	wait_screen 'top: counters reset$'
	wait_screen '^ 0 +[0-9]+    0 +[-0-9.]+ +0 +0 +0 +0 +0 +0 +0 +0'
	wait_gone '^ 0  <1us \|'
	tmx send-keys h
	wait_screen '^  r            reset the instance.s counters'
	wait_screen '^  Enter        details of the selected request'
	tmx send-keys x
	wait_screen '^EVENTS$'
	tmx send-keys d
	wait_screen '^delay in seconds:$'
	tmx send-keys 2.5 Enter
	wait_screen '^vitool top - i2c  delay 2.50s  '
	tmx send-keys d 0 Enter
	wait_screen "^delay '0': want seconds, 0.1 to 3600$"
	wait_screen 'delay 2.50s'
}

@test "live: a resize redraws at the new size (SIGWINCH), 80x24 down to 60x16 and up to 120x40" {
	start_serve --fault 'hold addr 0x50' --timeout-ms 300
	held_drive r2@0x50
	wait_inflight 1
	start_term
	start_top
	wait_screen '^! +1  0 '
	# 80 columns: the features wrap onto a second line
	wait_screen '^         PROTOCOL_FEATURES VERSION_1$'
	assert_equal "$(screen | sed -n 24p | cut -c1-6)" "q quit"
	tmx resize-window -x 120 -y 40
	wait_screen '^features 0x[0-9a-f]+ .*EVENT_IDX PROTOCOL_FEATURES VERSION_1$'
	wait_for 5 eval '[ "$(screen | sed -n 40p | cut -c1-6)" = "q quit" ]' || fail "no key line at row 40: $(screen)"
	tmx resize-window -x 60 -y 16
	wait_for 5 eval '[ "$(screen | sed -n 16p | cut -c1-6)" = "q quit" ]' || fail "no key line at row 16: $(screen)"
	wait_screen '^! +1  0 '
	local l
	while IFS= read -r l; do
		[ "${#l}" -le 60 ] || fail "a line wider than 60: '$l'"
	done < <(screen)
}

@test "live: q, Ctrl-C and SIGTERM each end top and leave the shell prompt on a clean screen" {
	start_serve --fault 'hold addr 0x50' --timeout-ms 300
	held_drive r2@0x50
	wait_inflight 1
	start_term
	local how
	for how in q C-c TERM; do
		tmx send-keys clear Enter
		start_top
		wait_screen '^! +1  0 '
		if [ "$how" = TERM ]; then
			pkill -TERM -f "^$VITOOL top -d $TOP_DELAY" || fail "no top process to signal"
		else
			tmx send-keys "$how"
		fi
		wait_gone '^vitool top - ' || fail "top did not end on $how"
		wait_screen '^\$'
		# nothing of top is left: only the command line and the prompt
		run bash -c "timeout 5 tmux -S '$TMUX_SOCK' -f /dev/null capture-pane -p | grep -v '^ *\$'"
		assert_output "\$ $VITOOL top -d $TOP_DELAY
\$"
		tmx send-keys 'echo status=$?' Enter
		wait_screen "^status=0$"
	done
	! pgrep -f "^$VITOOL top" >/dev/null || fail "a top is still running"
}

@test "live: the instance goes away: top says so and waits; it comes back: top shows it again" {
	start_serve --fault 'hold addr 0x50' --timeout-ms 300
	held_drive r2@0x50
	wait_inflight 1
	start_term
	start_top
	wait_screen '^! +1  0 '
	stop_serve
	wait_screen '^instance i2c is gone: '
	wait_screen '^waiting for it to come back \(q quits\)$'
	wait_screen 'top: instance i2c is gone \((it ended the trace stream|.*closed the connection)\)'
	wait_gone 'REQUEST \('
	start_serve --fault 'hold addr 0x50' --timeout-ms 300
	held_drive r1@0x50
	wait_screen 'top: instance i2c is back \(pid [0-9]+\)$'
	wait_screen '^i2c \(i2c, pid [0-9]+\)  front-end connected  up [0-9:]+  timeout 300ms$'
	wait_screen '^! +1  0 .* TIMEOUT 0x50 read 1 +rule 1: hold addr 0x50$'
	tmx send-keys q
	wait_screen '^\$'
}
