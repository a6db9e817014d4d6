# Helpers of the VM end-to-end suite (tests/vm/run-vm.sh); sourced, bash.
#
#   vm_setup                       work dir $W, cleanup trap, kernel + initrd
#   serve_start NAME ARGS...       vitool serve ARGS --control $W/NAME.ctl
#                                  --print, log in $W/NAME.serve.log
#   serve_stop NAME [SIGNAL]       stop it (SIGTERM, or e.g. KILL) and reap it
#   vm_boot NAME SCENARIO [--preconfig CTL...] [--timeout S] [--env VAR=VALUE]...
#           [--append KERNEL-ARGS] -- QEMU-ARGS...
#                                  boot a guest running tests/vm/scenarios/SCENARIO
#                                  ("a.sh b.sh": those files in turn), with the
#                                  --env assignments set first and KERNEL-ARGS
#                                  on its command line (console in $W/NAME.console)
#   vm_wait_marker NAME TEXT [S]   wait until the console shows TEXT
#   vm_finish NAME [S]             wait for the guest's end; status = scenario's
#   vm_section NAME SECTION        output the guest printed between
#                                  "@@ begin SECTION" and "@@ end SECTION"
#   ctl CTL COMMAND                one control-socket command, reply on stdout
#   gpio_line CTL N                line N's JSON object from `lines`
#   trace_start NAME CTL ARGS...   TZ=UTC vitool trace --control CTL ARGS in the
#                                  background, stdout $W/NAME.trace
#   trace_subscribers CTL N        the serve's trace-stats shows N subscribers
#   trace_wait NAME S / trace_stop NAME   its end (by itself / SIGTERM),
#                                  exit status in $REAPED
#   wait_until S CMD...            poll CMD every 0.1 s for at most S seconds
#   tap_ok / tap_fail / tap_skip / tap_check / diag / diag_file   TAP output
#
# Every process started here (QEMU, vitool serve and trace, each under `timeout`)
# is killed by the EXIT trap, whatever happens to the suite.
#
# VM_ARCH (x86_64, the default, or arm64) is the guests' architecture: the
# images build-guest.sh makes for it, the QEMU that boots them.

VM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_TOP=$(cd "$VM_HERE/../.." && pwd)
VITOOL=${VITOOL:-$VM_TOP/build/vitool}

# gpiod_soname BIN: the libgpiod BIN links: libgpiod.so.2 is the 1.x API,
# libgpiod.so.3 the 2.x API
gpiod_soname() { ldd "$1" 2>/dev/null | grep -o 'libgpiod\.so\.[0-9]*' | head -n 1; }
gpiod_api_label() {
	case $1 in
	libgpiod.so.2) echo "libgpiod 1.x API" ;;
	libgpiod.so.3) echo "libgpiod 2.x API" ;;
	*) echo "libgpiod ${1:-(not linked)}" ;;
	esac
}
# vitool built against the other libgpiod API (make check-gpiod-other):
# VITOOL_GPIOD_OTHER (the Makefile passes it), else build-gpiodN beside
# build/.  VM_VITOOL_OTHER: the same when it exists, so it goes in the guest.
case $(gpiod_soname "$VITOOL") in libgpiod.so.3) VM_OTHER_API=1 ;; *) VM_OTHER_API=2 ;; esac
VITOOL_OTHER=${VITOOL_GPIOD_OTHER:-$VM_TOP/build-gpiod$VM_OTHER_API/vitool}
VM_VITOOL_OTHER=
[ -x "$VITOOL_OTHER" ] && VM_VITOOL_OTHER=$VITOOL_OTHER
# Upper bound for the life of any process the suite starts.
VM_PROC_MAX=${VM_PROC_MAX:-300}

# The guest's QEMU, its machine, its console.  arm64: -M virt under TCG (no
# KVM for a foreign architecture), booted with the device tree vm_dtb makes.
export VM_ARCH=${VM_ARCH:-x86_64}
case $VM_ARCH in
# x86_64's no_timer_check: under TCG on a loaded host the kernel's check of
# the IO-APIC timer sees too few ticks and panics ("IO-APIC + timer doesn't
# work!"), about one boot in a hundred at load 8.
x86_64) VM_QEMU=qemu-system-x86_64 VM_MACHINE=(-M q35) VM_CONSOLE=ttyS0 VM_CMDLINE=no_timer_check ;;
arm64) VM_QEMU=qemu-system-aarch64 VM_MACHINE=(-M virt -cpu cortex-a57) VM_CONSOLE=ttyAMA0 VM_CMDLINE= ;;
*) echo "lib.sh: VM_ARCH=$VM_ARCH: x86_64 or arm64" >&2; exit 1 ;;
esac
# Memory the vhost-user back-ends map: shared, one NUMA node.
VM_MEMORY=(-m 256M -smp 1 -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem)

declare -A VM_PID=() SERVE_PID=() SERVE_ARGS=() TRACE_PID=()
TAP_N=0 TAP_FAILED=0

# --- TAP ---------------------------------------------------------------
diag() { local l; while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$*"; }
diag_file() {  # diag_file FILE [LINES]: the last LINES (30) lines of FILE
	[ -s "$1" ] || { echo "# ($1: empty or missing)"; return; }
	echo "# --- ${1##*/} (last ${2:-30} lines)"
	tail -n "${2:-30}" "$1" | tr -d '\r' | sed 's/^/#   /'
}
tap_ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
tap_fail() {  # tap_fail NAME [DIAG...]
	TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"; shift
	local d; for d in "$@"; do diag "$d"; done
}
tap_check() {  # tap_check NAME CMD...: ok when CMD succeeds
	local name=$1; shift
	if "$@"; then tap_ok "$name"; else tap_fail "$name" "failed: $*"; fi
}
tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # skip $2"; }

# --- time --------------------------------------------------------------
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
wait_until() {  # wait_until SECONDS CMD...
	local end=$(( $(now_ms) + $(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }') ))
	shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# --- set-up and cleanup ------------------------------------------------
vm_cleanup() {
	local n
	for n in "${!TRACE_PID[@]}"; do trace_stop "$n"; done
	for n in "${!VM_PID[@]}"; do vm_kill "$n"; done
	for n in "${!SERVE_PID[@]}"; do serve_stop "$n"; done
	if [ -n "${W:-}" ] && [ -d "$W" ]; then
		if [ "${VM_KEEP:-0}" = 1 ] || [ "$TAP_FAILED" -gt 0 ]; then
			echo "# logs kept in $W"
		else
			rm -rf "$W"
		fi
	fi
}

vm_setup() {
	W=$(mktemp -d /tmp/vitool-vm.XXXXXX)
	trap vm_cleanup EXIT
	trap 'echo "# interrupted"; exit 130' INT TERM HUP
}

# _reap PID SECONDS: wait (bounded) for a child to end; its status in $REAPED
_reap() {
	local pid=$1 end=$(( $(now_ms) + $2 * 1000 ))
	while kill -0 "$pid" 2>/dev/null; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
	wait "$pid" 2>/dev/null; REAPED=$?
	return 0
}

# _stop PID: TERM (forwarded to the child by `timeout`), then KILL of the
# child and of `timeout` itself.
_stop() {
	local pid=$1 sig=${2:-TERM} kids
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kids=$(pgrep -P "$pid")
	if [ "$sig" != TERM ]; then
		[ -n "$kids" ] && kill -"$sig" $kids 2>/dev/null
	else
		kill -TERM "$pid" 2>/dev/null
	fi
	_reap "$pid" 5 && return 0
	kids=$(pgrep -P "$pid")
	[ -n "$kids" ] && kill -KILL $kids 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# --- vitool serve --------------------------------------------------------
ctl() {  # ctl CTL COMMAND: one reply line on stdout
	echo "$2" | timeout 5 socat -t 2 - "UNIX-CONNECT:$1" 2>/dev/null
}
ctl_connected() { ctl "$1" info | grep -q '"connected":true'; }
ctl_disconnected() { ctl "$1" info | grep -q '"connected":false'; }
gpio_line() {  # gpio_line CTL N: {"line":N,...} from lines
	ctl "$1" lines | grep -o "{\"line\":$2,[^}]*}"
}
line_is() {  # line_is CTL N PATTERN...: the line's object contains every PATTERN
	local obj p
	obj=$(gpio_line "$1" "$2") || return 1
	shift 2
	for p in "$@"; do [[ $obj == *"$p"* ]] || return 1; done
}

serve_start() {  # serve_start NAME serve-ARGS...
	local name=$1; shift
	local log=$W/$name.serve.log ctlp=$W/$name.ctl
	SERVE_ARGS[$name]="$*"
	timeout -k 2 "$VM_PROC_MAX" "$VITOOL" serve "$@" --control "$ctlp" --print \
		</dev/null >>"$log" 2>&1 &
	SERVE_PID[$name]=$!
	disown $!  # no "Killed" job notices from bash; ended by serve_stop
	# Ready once the control socket answers.
	if ! wait_until 5 eval "ctl '$ctlp' info | grep -q '\"ok\":true'"; then
		echo "# serve $name did not come up: $*"
		diag_file "$log"
		return 1
	fi
}
serve_stop() {  # serve_stop NAME [SIGNAL]
	local pid=${SERVE_PID[$1]:-}
	[ -n "$pid" ] || return 0
	_stop "$pid" "${2:-TERM}"
	unset "SERVE_PID[$1]"
}

# --- vitool trace clients -------------------------------------------------
# Not disowned (unlike serve and QEMU): the exit status of a trace client is
# checked, and `wait` only reports it for a job of this shell.
trace_start() {  # trace_start NAME CTL trace-ARGS...
	local name=$1 ctlp=$2; shift 2
	TZ=UTC timeout -k 2 "$VM_PROC_MAX" "$VITOOL" trace --control "$ctlp" "$@" \
		</dev/null >"$W/$name.trace" 2>"$W/$name.trace.err" &
	TRACE_PID[$name]=$!
}
trace_subscribers() {  # trace_subscribers CTL N
	ctl "$1" trace-stats | grep -q "\"subscribers\":$2,"
}
# trace_wait NAME SECONDS: wait for the client to end by itself (-c); 1 when
# it did not (it is then stopped; REAPED=255)
trace_wait() {
	local pid=${TRACE_PID[$1]:-}
	REAPED=255
	[ -n "$pid" ] || return 1
	if _reap "$pid" "$2"; then unset "TRACE_PID[$1]"; return 0; fi
	trace_stop "$1"; REAPED=255
	return 1
}
# trace_stop NAME: SIGTERM (`timeout` forwards it; trace exits 0), bounded
trace_stop() {
	local pid=${TRACE_PID[$1]:-}
	REAPED=255
	[ -n "$pid" ] || return 1
	unset "TRACE_PID[$1]"
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		_reap "$pid" 5 && return 0
		_stop "$pid"; REAPED=255; return 1
	fi
	wait "$pid" 2>/dev/null; REAPED=$?
}

# --- guests --------------------------------------------------------------
vm_images() {  # sets VM_KERNEL, VM_INITRD, arm64: VM_DTB (builds or reuses the cache)
	local out
	out=$(VITOOL=$VITOOL VITOOL_OTHER=$VM_VITOOL_OTHER "$VM_HERE/build-guest.sh" 2>"$W/build-guest.log") ||
		return 1
	VM_KERNEL=$(sed -n 1p <<<"$out")
	VM_INITRD=$(sed -n 2p <<<"$out")
	[ -f "$VM_KERNEL" ] && [ -f "$VM_INITRD" ] || return 1
	[ "$VM_ARCH" != arm64 ] || vm_dtb >>"$W/build-guest.log" 2>&1
}

# vm_dtb: $W/guest.dtb, for -dtb: the tree QEMU makes for the guests'
# machine and memory (dumpdtb; the NUMA node is in it), with the nodes of
# tests/vm/scmi.dtsi added (dtc merges a second root node into the first).
# Made each run: it belongs to this QEMU's version.
vm_dtb() {
	VM_DTB=$W/guest.dtb
	"$VM_QEMU" "${VM_MACHINE[@]}" "${VM_MEMORY[@]}" -machine dumpdtb="$W/virt.dtb" -display none &&
		dtc -q -I dtb -O dts -o "$W/virt.dts" "$W/virt.dtb" &&
		cat "$W/virt.dts" "$VM_HERE/scmi.dtsi" | dtc -q -I dts -O dtb -o "$VM_DTB" - &&
		echo "vm_dtb: $VM_DTB: the tree of QEMU's ${VM_MACHINE[*]}, with tests/vm/scmi.dtsi"
}

# The initramfs of a scenario: the base one, then a second archive with
# /scenario.sh = scenarios/guest-lib.sh, the VAR=VALUE assignments (quoted),
# then each file of SCENARIO ("a.sh b.sh") from scenarios/.
vm_initrd() {  # vm_initrd SCENARIO OUT [VAR=VALUE...]
	local d=$W/sc.$$.$RANDOM sc=$1 out=$2 a f
	shift 2
	mkdir -p "$d"
	{
		cat "$VM_HERE/scenarios/guest-lib.sh"
		for a in "$@"; do printf '%s=%q\n' "${a%%=*}" "${a#*=}"; done
		for f in $sc; do cat "$VM_HERE/scenarios/$f" || return 1; done
	} >"$d/scenario.sh" || { rm -rf "$d"; return 1; }
	chmod +x "$d/scenario.sh"
	(cd "$d" && echo scenario.sh | cpio -o -H newc --quiet | gzip -1) >"$d.gz"
	cat "$VM_INITRD" "$d.gz" >"$out"
	rm -rf "$d" "$d.gz"
}

vm_boot() {  # vm_boot NAME SCENARIO [--preconfig CTL...] [--timeout S] [--env VAR=VALUE]... [--append ARGS] -- QEMU-ARGS...
	local name=$1 scenario=$2; shift 2
	local pre=0 t=120 ctls=() c envs=() append=
	while [ $# -gt 0 ]; do
		case $1 in
		--preconfig) pre=1; shift
			while [ $# -gt 0 ] && [ "$1" != -- ] && [[ $1 != --* ]]; do ctls+=("$1"); shift; done ;;
		--timeout) t=$2; shift 2 ;;
		--env) envs+=("$2"); shift 2 ;;
		--append) append=" $2"; shift 2 ;;
		--) shift; break ;;
		*) echo "# vm_boot: bad argument $1"; return 1 ;;
		esac
	done
	local initrd=$W/$name.initrd.gz con=$W/$name.console qmp=$W/$name.qmp
	vm_initrd "$scenario" "$initrd" "${envs[@]}" || return 1
	: >"$con"
	local extra=()
	[ "$pre" = 1 ] && extra=(--preconfig -qmp "unix:$qmp,server=on,wait=off")
	[ -z "${VM_DTB:-}" ] || extra+=(-dtb "$VM_DTB")
	timeout -k 3 "$t" "$VM_QEMU" "${VM_MACHINE[@]}" "${VM_MEMORY[@]}" \
		-display none -monitor none -serial "file:$con" -no-reboot \
		-kernel "$VM_KERNEL" -initrd "$initrd" -append "console=$VM_CONSOLE quiet panic=-1${VM_CMDLINE:+ $VM_CMDLINE}$append" \
		"${extra[@]}" "$@" </dev/null >"$W/$name.qemu.log" 2>&1 &
	VM_PID[$name]=$!
	disown $!  # no "Aborted" job notices from bash; the console tells
	[ "$pre" = 1 ] || return 0
	# QEMU 10's vhost-user-base devices (i2c, gpio) realize before an async
	# reconnect-ms chardev has connected and then fail: hold QEMU in
	# preconfig until every back-end saw the connection, then let it go on.
	if ! wait_until 10 test -S "$qmp"; then
		echo "# $name: no QMP socket"; diag_file "$W/$name.qemu.log"; return 1
	fi
	for c in "${ctls[@]}"; do
		if ! wait_until 10 ctl_connected "$c"; then
			echo "# $name: back-end $c never saw QEMU connect"; return 1
		fi
	done
	local reply
	reply=$(printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"x-exit-preconfig"}' |
		timeout 10 socat -t 3 - "UNIX-CONNECT:$qmp" 2>&1)
	if [ "$(grep -c '"return"' <<<"$reply")" -lt 2 ]; then
		echo "# $name: x-exit-preconfig failed"; diag "$reply"; diag_file "$W/$name.qemu.log"
		return 1
	fi
}

vm_running() { kill -0 "${VM_PID[$1]}" 2>/dev/null; }
vm_console() { tr -d '\r' <"$W/$1.console"; }
vm_has() { vm_console "$1" | grep -qF -- "$2"; }

vm_wait_marker() {  # vm_wait_marker NAME TEXT [SECONDS]: 0 seen, 1 timeout, 2 guest ended
	local name=$1 text=$2 end=$(( $(now_ms) + ${3:-30} * 1000 ))
	while :; do
		vm_has "$name" "$text" && return 0
		vm_running "$name" || { vm_has "$name" "$text" && return 0; return 2; }
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# vm_finish NAME [SECONDS]: waits for "guest: scenario exit N" and QEMU's
# exit; returns N (255: no such line, the guest hung or crashed).
vm_finish() {
	local name=$1 t=${2:-60} pid=${VM_PID[$1]} st
	vm_wait_marker "$name" "guest: scenario exit" "$t"
	_reap "$pid" 10 || _stop "$pid"
	unset "VM_PID[$name]"
	st=$(vm_console "$name" | sed -n 's/^.*guest: scenario exit \([0-9]*\).*$/\1/p' | tail -n 1)
	return "${st:-255}"
}
vm_kill() { [ -n "${VM_PID[$1]:-}" ] && _stop "${VM_PID[$1]}"; unset "VM_PID[$1]"; }

vm_section() {  # vm_section NAME SECTION: the lines between the markers
	vm_console "$1" | awk -v b="@@ begin $2" -v e="@@ end $2" '
		index($0, e) == 1 { on = 0 } on { print } index($0, b) == 1 && $0 == b { on = 1 }'
}
vm_section_rc() {  # the exit status the guest printed with "@@ end SECTION rc=N"
	vm_console "$1" | sed -n "s/^@@ end $2 rc=\([0-9]*\)\$/\1/p" | tail -n 1
}
