# bash completion for vitool(1)                                -*- shell-script -*-
#
# Installed as $PREFIX/share/bash-completion/completions/vitool; works on its
# own too (`source completions/vitool.bash`): it needs no bash-completion
# helpers.
#
# bash splits "0x50=24c02:file=x" at '=' and ':' (COMP_WORDBREAKS), so the
# words are glued back together first, and the replies are cut back to the
# part after the last break character, which is all bash replaces.

_vitool_commands="serve drive proxy loopback inject trace top console list help"
_vitool_devices="i2c gpio scmi blk rng"
_vitool_loopback_devices="i2c gpio rng"
_vitool_drive_devices="i2c gpio scmi blk rng"
_vitool_global_opts="-v --verbose -V --version -h --help"
_vitool_serve_i2c_opts="-S --socket --target -b --bus -i --name -C --control -p --print -w --write -s --snaplen --timeout-ms --once --fault -q --quiet -v --verbose -h --help"
_vitool_serve_gpio_opts="-S --socket --lines -N --names --chip -i --name -C --control -p --print -w --write -s --snaplen --timeout-ms --once --fault -q --quiet -v --verbose -h --help"
_vitool_drive_i2c_opts="-S --socket -i --name --timeout --connect-timeout --queue-size --indirect --inflight --bench --duration --depth --batch --no-event-idx --coalesce-calls --json -v --verbose -h --help"
_vitool_serve_rng_opts="-S --socket --seed --rate -i --name -C --control -p --print -w --write -s --snaplen --timeout-ms --once --fault -q --quiet -v --verbose -h --help"
_vitool_serve_blk_opts="-S --socket --size --null --serial -i --name -C --control -p --print -w --write -s --snaplen --timeout-ms --once --fault -q --quiet -v --verbose -h --help"
_vitool_drive_rng_opts="-S --socket -i --name --timeout --connect-timeout --queue-size --inflight --bench --duration --depth --batch --no-event-idx --coalesce-calls --json -v --verbose -h --help"
_vitool_serve_scmi_opts="-S --socket --sensor --clock --perf --config -i --name -C --control -p --print -w --write -s --snaplen --timeout-ms --once --fault -q --quiet -v --verbose -h --help"
_vitool_drive_scmi_opts="-S --socket -i --name --timeout --connect-timeout --queue-size --inflight -v --verbose -h --help"
_vitool_drive_blk_opts="-S --socket -i --name --timeout --connect-timeout --queue-size --indirect --inflight --bench --duration --depth --batch --no-event-idx --coalesce-calls --json -v --verbose -h --help"
_vitool_drive_gpio_opts="-S --socket -i --name --timeout --connect-timeout --queue-size --inflight --bench --duration --depth --batch --no-event-idx --coalesce-calls --json -v --verbose -h --help"
_vitool_loopback_opts="-f --script -S --socket --timeout-ms --indirect -v --verbose -h --help"
_vitool_inject_opts="-i --name -C --control --pulse --wait --timeout -h --help"
_vitool_proxy_opts="--listen --backend --exec --device --connect-timeout -i --name -C --control -p --print -w --write -s --snaplen --timeout-ms --fault -q --quiet -v --verbose -h --help"
_vitool_proxy_devices="i2c gpio scmi blk rng"
_vitool_list_opts="-j --json -h --help"
_vitool_top_opts="-i --interface -C --control -d --delay --filter --once -j --json -h --help"
_vitool_console_opts="-i --name -C --control -c --command -f --script -j --json -h --help"
_vitool_trace_opts="-i --interface -C --control -D --list-interfaces -r --read -w --write -c --count -s --snaplen --linktype -U --unbuffered -l --line-buffered -n -q --quiet -t -tt -ttt -tttt -x --hex -X --hex-ascii -v --verbose -j --json -h --help"
# The words of a trace FILTER (lib/trace/filter.c), and the values some take.
_vitool_filter_words="i2c gpio scmi blk rng device instance q queue id avail used kick call irq vhost config connect disconnect drops log error ring-error timeout late ooo to-backend to-frontend channel reply addr line type read write probe cmd delayed notification status latency level and or not"
_vitool_filter_devices="i2c gpio scmi blk rng"
_vitool_filter_types="read write probe GET_VALUE SET_VALUE GET_DIRECTION SET_DIRECTION SET_IRQ_TYPE GET_LINE_NAMES irq cmd delayed notification flush get-id"
_vitool_filter_status="ok err"
_vitool_filter_levels="error warning info debug"
_vitool_models="24c02 24c32 regs"
_vitool_gpio_ops="info names get set dir irq wait"
_vitool_scmi_ops="base sensors clocks perf sensor clock events raw"
_vitool_gpio_dirs="in out none"
_vitool_gpio_irqs="rising falling both high low none"
_vitool_gpio_levels="0 1 low high off on inactive active"
_vitool_levels="0 1 low high off on inactive active toggle"

# Glues COMP_WORDS split at '=' / ':' back together.  Sets _vt_words and
# _vt_cword.
_vitool_join_words()
{
	local i w
	_vt_words=()
	_vt_cword=0
	for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if ((i > 0 && ${#_vt_words[@]} > 0)) &&
			[[ $w =~ ^[=:]+$ || ${COMP_WORDS[i-1]} =~ ^[=:]+$ ]]; then
			_vt_words[${#_vt_words[@]}-1]+=$w
		else
			_vt_words+=("$w")
		fi
	done
	# The cursor is on a new, empty word.
	if ((COMP_CWORD >= ${#COMP_WORDS[@]})); then
		_vt_words+=("")
	fi
	_vt_cword=$((${#_vt_words[@]} - 1))
}

# _vitool_reply CUR CANDIDATE...: the candidates starting with CUR, each cut
# after the last COMP_WORDBREAKS character of CUR (bash replaces only that
# part of the word).
_vitool_reply()
{
	local cur=$1 pre="" c i ch
	shift
	for ((i = ${#cur} - 1; i >= 0; i--)); do
		ch=${cur:i:1}
		if [[ $ch == [=:] && $COMP_WORDBREAKS == *"$ch"* ]]; then
			pre=${cur:0:i+1}
			break
		fi
	done
	for c in "$@"; do
		if [[ $c == "$cur"* ]]; then
			COMPREPLY+=("${c#"$pre"}")
		fi
	done
	return 0
}

# _vitool_reply_files PREFIX VALUE [dirs]: file names completing VALUE,
# as PREFIX+name.
_vitool_reply_files()
{
	local prefix=$1 value=$2 f
	local -a found=()
	if [[ $3 == dirs ]]; then
		mapfile -t found < <(compgen -d -- "$value")
	else
		mapfile -t found < <(compgen -f -- "$value")
	fi
	for ((f = 0; f < ${#found[@]}; f++)); do
		if [[ -d ${found[f]} ]]; then
			found[f]+=/
		fi
	done
	_vitool_reply "$prefix$value" "${found[@]/#/$prefix}"
	compopt -o nospace 2>/dev/null || :
}

# Completes the value of --target: ADDR=MODEL[:file=PATH].
_vitool_target()
{
	local prefix=$1 value=$2 addr rest
	case $value in
	*=*:file=*)
		_vitool_reply_files "$prefix${value%%:file=*}:file=" "${value#*:file=}"
		;;
	*=*:*)
		_vitool_reply "$prefix$value" "$prefix${value%%:*}:file="
		compopt -o nospace 2>/dev/null || :
		;;
	*=*)
		addr=${value%%=*}
		rest=${value#*=}
		if [[ " $_vitool_models " == *" $rest "* ]]; then
			# A complete model: offer the :file= suffix too.
			_vitool_reply "$prefix$value" "$prefix$value" "$prefix$value:file="
		else
			local m c=()
			for m in $_vitool_models; do c+=("$prefix$addr=$m"); done
			_vitool_reply "$prefix$value" "${c[@]}"
		fi
		;;
	esac
}

_vitool_i2c_devices()
{
	local d
	for d in /dev/i2c-*; do
		if [[ -e $d ]]; then
			printf '%s\n' "$d"
		fi
	done
	return 0
}

# Completes the value of an option of COMMAND.  Returns 1 when OPT takes
# no value.
_vitool_optarg()
{
	local cmd=$1 opt=$2 prefix=$3 value=$4
	case $cmd:$opt in
	trace:-r | trace:--read | trace:-w | trace:--write | serve:-w | serve:--write)
		_vitool_reply_files "$prefix" "$value"
		;;
	trace:-s | trace:--snaplen | trace:-c | trace:--count | trace:--linktype)
		;;  # numbers: nothing to offer
	serve:-s | serve:--snaplen | serve:--timeout-ms | serve:--seed | serve:--rate | loopback:--timeout-ms)
		;;  # bytes, milliseconds, seeds, rates: numbers
	serve:--sensor | serve:--clock | serve:--perf)
		;;  # NAME:VALUE... specs: free text (vitool-serve(1) scmi options)
	serve:--config)
		_vitool_reply_files "$prefix" "$value"
		;;
	serve:--size)
		_vitool_reply "$prefix$value" "${prefix}64M" "${prefix}1G"
		;;
	serve:--serial)
		;;  # free text
	proxy:--listen | proxy:--backend | proxy:-w | proxy:--write | proxy:-C | proxy:--control)
		_vitool_reply_files "$prefix" "$value"
		;;
	proxy:--device)
		_vitool_reply "$prefix$value" ${_vitool_proxy_devices// / $prefix}
		;;
	proxy:--exec | proxy:-i | proxy:--name | proxy:-s | proxy:--snaplen | proxy:--timeout-ms | proxy:--connect-timeout)
		;;  # a command line, a name, numbers: nothing to offer
	serve:--fault | proxy:--fault)
		# a RULE is one quoted word: its first word (vitool-serve(1) FAULTS)
		_vitool_reply "$prefix$value" "${prefix}delay" "${prefix}fail" "${prefix}hold" "${prefix}reorder"
		;;
	inject:-i | inject:--name | trace:-i | trace:--interface | drive:-i | drive:--name | top:-i | top:--interface | console:-i | console:--name)
		local -a names
		mapfile -t names < <(_vitool_ctl_names)
		_vitool_reply "$prefix$value" "${names[@]/#/$prefix}"
		;;
	*:-s | *:-S | *:--socket | loopback:-f | loopback:--script | serve:-C | serve:--control | console:-f | console:--script)
		_vitool_reply_files "$prefix" "$value"
		;;
	inject:-C | inject:--control | trace:-C | trace:--control | top:-C | top:--control | console:-C | console:--control)
		local -a ctls
		mapfile -t ctls < <(_vitool_ctl_sockets)
		if [[ -z $value ]] && ((${#ctls[@]})); then
			_vitool_reply "$prefix$value" "${ctls[@]/#/$prefix}"
		else
			_vitool_reply_files "$prefix" "$value"
		fi
		;;
	serve:--chip)
		local -a chips
		mapfile -t chips < <(_vitool_gpio_chips)
		if ((${#chips[@]})); then
			_vitool_reply "$prefix$value" "${chips[@]/#/$prefix}"
		else
			_vitool_reply_files "$prefix" "$value"
		fi
		;;
	serve:-i | serve:--name | serve:--lines | serve:-N | serve:--names)
		;;  # free text and numbers: nothing to offer
	inject:--pulse | inject:--timeout)
		;;  # milliseconds
	console:-c | console:--command)
		;;  # the console's own commands: free text
	serve:--target)
		_vitool_target "$prefix" "$value"
		;;
	serve:-b | serve:--bus)
		local -a devs
		mapfile -t devs < <(_vitool_i2c_devices)
		if ((${#devs[@]})); then
			_vitool_reply "$prefix$value" "${devs[@]/#/$prefix}"
		else
			_vitool_reply_files "$prefix" "$value"
		fi
		;;
	drive:--queue-size)
		local n c=()
		for ((n = 1; n <= 32768; n *= 2)); do c+=("$prefix$n"); done
		_vitool_reply "$prefix$value" "${c[@]}"
		;;
	drive:--timeout | drive:--connect-timeout)
		;;  # milliseconds: nothing to offer
	drive:--duration)
		_vitool_reply "$prefix$value" "${prefix}200ms" "${prefix}1s" "${prefix}10s"
		;;
	drive:--depth | drive:--batch)
		_vitool_reply "$prefix$value" "${prefix}1" "${prefix}8" "${prefix}32" "${prefix}64"
		;;
	top:-d | top:--delay)
		_vitool_reply "$prefix$value" "${prefix}0.5" "${prefix}1" "${prefix}2" "${prefix}5"
		;;
	top:--filter)
		;;  # one quoted FILTER: its words are trace's (vitool-trace(1))
	*)
		return 1
		;;
	esac
	return 0
}

# Options of COMMAND that take a value.
_vitool_takes_arg()
{
	case $1:$2 in
	*:-S | *:--socket) return 0 ;;
	serve:-w | serve:--write | serve:-s | serve:--snaplen | serve:--timeout-ms) return 0 ;;
	trace:-C | trace:--control | trace:-r | trace:--read | trace:-w | trace:--write) return 0 ;;
	trace:-i | trace:--interface) return 0 ;;
	trace:-c | trace:--count | trace:-s | trace:--snaplen | trace:--linktype) return 0 ;;
	serve:--target | serve:-b | serve:--bus) return 0 ;;
	serve:-i | serve:--name | serve:-C | serve:--control) return 0 ;;
	serve:--lines | serve:-N | serve:--names | serve:--chip) return 0 ;;
	serve:--seed | serve:--rate | serve:--fault) return 0 ;;
	serve:--sensor | serve:--clock | serve:--perf | serve:--config | serve:--size | serve:--serial) return 0 ;;
	proxy:--listen | proxy:--backend | proxy:--exec | proxy:--device | proxy:--connect-timeout) return 0 ;;
	proxy:-i | proxy:--name | proxy:-C | proxy:--control | proxy:-w | proxy:--write) return 0 ;;
	proxy:-s | proxy:--snaplen | proxy:--timeout-ms | proxy:--fault) return 0 ;;
	inject:-C | inject:--control | inject:-i | inject:--name) return 0 ;;
	inject:--pulse | inject:--timeout) return 0 ;;
	drive:--timeout | drive:--connect-timeout | drive:--queue-size) return 0 ;;
	drive:--duration | drive:--depth | drive:--batch) return 0 ;;
	drive:-i | drive:--name) return 0 ;;
	loopback:-f | loopback:--script | loopback:--timeout-ms) return 0 ;;
	top:-i | top:--interface | top:-C | top:--control | top:-d | top:--delay | top:--filter) return 0 ;;
	console:-i | console:--name | console:-C | console:--control) return 0 ;;
	console:-c | console:--command | console:-f | console:--script) return 0 ;;
	esac
	return 1
}

# Host GPIO chips, as `serve gpio --chip` takes them.
_vitool_gpio_chips()
{
	local d
	for d in /dev/gpiochip*; do
		if [[ -e $d ]]; then
			printf '%s\n' "${d#/dev/}"
		fi
	done
	return 0
}

# The directory of control sockets, as vitool finds it.
_vitool_ctl_dir()
{
	if [[ -n $XDG_RUNTIME_DIR ]]; then
		printf '%s\n' "$XDG_RUNTIME_DIR/vitool"
	else
		printf '%s\n' "/tmp/vitool-${UID:-$(id -u)}"
	fi
}

# The control sockets in that directory, one path a line.
_vitool_ctl_sockets()
{
	local dir f
	dir=$(_vitool_ctl_dir)
	for f in "$dir"/*.ctl; do
		if [[ -S $f ]]; then
			printf '%s\n' "$f"
		fi
	done
	return 0
}

# The instance names: the control sockets' file names without .ctl.
_vitool_ctl_names()
{
	local f
	while IFS= read -r f; do
		f=${f##*/}
		printf '%s\n' "${f%.ctl}"
	done < <(_vitool_ctl_sockets)
	return 0
}

# _vitool_ctl_lines CTL: the lines of the gpio instance at CTL, one a
# line: the name, or the offset of an unnamed line.  Asks the instance
# (`lines` on its control socket) through socat, else python3; prints
# nothing when neither is installed or the instance does not answer within
# a second.
_vitool_ctl_lines()
{
	local ctl=$1 reply="" rest line name
	local -a to=()
	[[ -S $ctl ]] || return 0
	type -P timeout >/dev/null && to=(timeout 2)
	if type -P socat >/dev/null; then
		reply=$(printf 'lines\n' | "${to[@]}" socat -T 1 -t 1 - "UNIX-CONNECT:$ctl" 2>/dev/null)
	elif type -P python3 >/dev/null; then
		reply=$("${to[@]}" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(1)
s.connect(sys.argv[1])
s.sendall(b"lines\n")
sys.stdout.write(s.makefile().readline())
' "$ctl" 2>/dev/null)
	fi
	[[ $reply == '{"ok":true,"lines":'* ]] || return 0
	rest=$reply
	# Names with JSON escapes (quotes, backslashes) are left out.
	while [[ $rest =~ \{\"line\":([0-9]+),\"name\":\"([^\"\\]*)\"(.*) ]]; do
		line=${BASH_REMATCH[1]}
		name=${BASH_REMATCH[2]}
		rest=${BASH_REMATCH[3]}
		printf '%s\n' "${name:-$line}"
	done
	return 0
}

# The control socket `vitool inject` would use: --control on the line,
# else the only one in the directory.
_vitool_inject_ctl()
{
	local j w
	for ((j = 2; j < _vt_cword; j++)); do
		w=${_vt_words[j]}
		case $w in
		--) break ;;
		-C | --control) printf '%s\n' "${_vt_words[j+1]}"; return 0 ;;
		--control=*) printf '%s\n' "${w#--control=}"; return 0 ;;
		-C?*) printf '%s\n' "${w#-C}"; return 0 ;;
		-i | --name) printf '%s/%s.ctl\n' "$(_vitool_ctl_dir)" "${_vt_words[j+1]}"; return 0 ;;
		--name=*) printf '%s/%s.ctl\n' "$(_vitool_ctl_dir)" "${w#--name=}"; return 0 ;;
		esac
	done
	local -a ctls
	mapfile -t ctls < <(_vitool_ctl_sockets)
	if ((${#ctls[@]} == 1)); then
		printf '%s\n' "${ctls[0]}"
	fi
	return 0
}

# Completes a LINE=LEVEL word of `inject gpio`.
_vitool_inject_pair()
{
	local cur=$1 ctl l c=()
	if [[ $cur == *=* ]]; then
		for l in $_vitool_levels; do c+=("${cur%=*}=$l"); done
		_vitool_reply "$cur" "${c[@]}"
		return 0
	fi
	ctl=$(_vitool_inject_ctl)
	[[ -n $ctl ]] || return 0
	while IFS= read -r l; do
		c+=("$l=")
	done < <(_vitool_ctl_lines "$ctl")
	((${#c[@]})) || return 0
	_vitool_reply "$cur" "${c[@]}"
	compopt -o nospace 2>/dev/null || :
}

# Completes `vitool inject`: the device word, then pairs and options in
# any order.
_vitool_inject()
{
	local cur=$1 i=$2 w device="" prev_opt="" only_words=0
	for ((; i < _vt_cword; i++)); do
		w=${_vt_words[i]}
		if [[ -n $prev_opt ]]; then
			prev_opt=""
		elif ((!only_words)) && [[ $w == -- ]]; then
			only_words=1
		elif ((!only_words)) && [[ $w == -?* ]]; then
			_vitool_takes_arg inject "$w" && prev_opt=$w
		elif [[ -z $device ]]; then
			device=$w
		fi
	done
	if [[ -n $prev_opt ]]; then
		_vitool_optarg inject "$prev_opt" "" "$cur"
		return 0
	fi
	if ((!only_words)) && [[ $cur == --*=* ]]; then
		_vitool_optarg inject "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
		return 0
	fi
	if ((!only_words)) && [[ $cur == -* ]]; then
		_vitool_reply "$cur" $_vitool_inject_opts
	elif [[ -z $device ]]; then
		_vitool_reply "$cur" gpio
	elif [[ $device == gpio ]]; then
		_vitool_inject_pair "$cur"
	fi
	return 0
}

# Completes `vitool console`: options, and the instance's name as the one
# word it takes.
_vitool_console()
{
	local cur=$1 i=$2 w prev_opt="" named=0
	for ((; i < _vt_cword; i++)); do
		w=${_vt_words[i]}
		if [[ -n $prev_opt ]]; then
			[[ $prev_opt == -i || $prev_opt == --name || $prev_opt == -C || $prev_opt == --control ]] && named=1
			prev_opt=""
		elif [[ $w == -?* ]]; then
			_vitool_takes_arg console "$w" && prev_opt=$w
		else
			named=1
		fi
	done
	if [[ -n $prev_opt ]]; then
		_vitool_optarg console "$prev_opt" "" "$cur"
	elif [[ $cur == --*=* ]]; then
		_vitool_optarg console "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
	elif [[ $cur == -* ]]; then
		_vitool_reply "$cur" $_vitool_console_opts
	elif ((!named)); then
		local -a names
		mapfile -t names < <(_vitool_ctl_names)
		_vitool_reply "$cur" "${names[@]}"
	fi
	return 0
}

# Completes `vitool trace`: options (anywhere: getopt permutes) and the
# words of the FILTER.
_vitool_trace()
{
	local cur=$1 i=$2 w prev="" prev_opt="" only_words=0
	for ((; i < _vt_cword; i++)); do
		w=${_vt_words[i]}
		if [[ -n $prev_opt ]]; then
			prev_opt=""
		elif ((!only_words)) && [[ $w == -- ]]; then
			only_words=1
		elif ((!only_words)) && [[ $w == -?* ]]; then
			_vitool_takes_arg trace "$w" && prev_opt=$w
		else
			prev=$w
		fi
	done
	if [[ -n $prev_opt ]]; then
		_vitool_optarg trace "$prev_opt" "" "$cur"
		return 0
	fi
	if ((!only_words)) && [[ $cur == --*=* ]]; then
		_vitool_optarg trace "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
		return 0
	fi
	if ((!only_words)) && [[ $cur == -* ]]; then
		_vitool_reply "$cur" $_vitool_trace_opts
		return 0
	fi
	# The value some filter words take.
	case ${prev,,} in
	device) _vitool_reply "$cur" $_vitool_filter_devices ;;
	type) _vitool_reply "$cur" $_vitool_filter_types ;;
	status) _vitool_reply "$cur" $_vitool_filter_status ;;
	level) _vitool_reply "$cur" $_vitool_filter_levels ;;
	q | queue | instance | id | addr | line | latency | *[\<\>=]) ;;  # numbers, CMP DURATION
	*) _vitool_reply "$cur" $_vitool_filter_words ;;
	esac
	return 0
}

# Completes an operation word of `drive gpio`.  $2: index of the first
# operation word.
# vitool top [NAME] [options]: options anywhere, the one bare word an
# instance's name.
_vitool_top()
{
	local cur=$1 i=$2 w prev_opt="" named=0
	for ((; i < _vt_cword; i++)); do
		w=${_vt_words[i]}
		if [[ -n $prev_opt ]]; then
			prev_opt=""
		elif [[ $w == -?* ]]; then
			_vitool_takes_arg top "$w" && prev_opt=$w
			[[ $w == -i || $w == --interface || $w == -C || $w == --control ]] && named=1
		else
			named=1
		fi
	done
	if [[ -n $prev_opt ]]; then
		_vitool_optarg top "$prev_opt" "" "$cur"
		return 0
	fi
	if [[ $cur == --*=* ]]; then
		_vitool_optarg top "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
		return 0
	fi
	if [[ $cur == -* ]] || ((named)); then
		_vitool_reply "$cur" $_vitool_top_opts
		return 0
	fi
	local -a names
	mapfile -t names < <(_vitool_ctl_names)
	_vitool_reply "$cur" "${names[@]}"
	return 0
}

# drive scmi's words from the two before the cursor: a subcommand after
# sensor, clock or perf; async or off after an id where they go; else the
# operations (ids and values are numbers: nothing to offer).
_vitool_drive_scmi_op()
{
	local cur=$1 p1="" p2=""
	((_vt_cword >= 1)) && p1=${_vt_words[_vt_cword - 1]}
	((_vt_cword >= 2)) && p2=${_vt_words[_vt_cword - 2]}
	case $p1 in
	sensor) _vitool_reply "$cur" read notify trip; return ;;
	clock) _vitool_reply "$cur" rate set on off notify; return ;;
	perf) _vitool_reply "$cur" level limits notify $_vitool_scmi_ops; return ;;
	read | notify | trip | rate | set | on | off | level | limits | events | raw) return ;;
	esac
	case $p2 in
	read) _vitool_reply "$cur" async $_vitool_scmi_ops ;;
	notify) _vitool_reply "$cur" off $_vitool_scmi_ops ;;
	trip | set | events | raw) ;;
	*) _vitool_reply "$cur" $_vitool_scmi_ops ;;
	esac
}

_vitool_drive_gpio_op()
{
	local cur=$1 j=$2 w want=op
	# want: op, line, lineeq (set N=V), dir, irq, opt (after wait N), ms.
	local -a next=() c=()
	for ((; j < _vt_cword; j++)); do
		w=${_vt_words[j]}
		if ((${#next[@]})); then
			want=${next[0]}
			next=("${next[@]:1}")
			if [[ $want == opt && $w =~ ^(--timeout|-n|--num-events|-F|--format)$ ]]; then
				next=(ms opt)   # the option's value, then more options
			elif [[ $want == opt && ! " $_vitool_gpio_ops " =~ " $w " ]]; then
				next=(opt)      # another line to wait on
			elif [[ $want == opt ]]; then
				want=op
			elif [[ $want == lineeq && $w == *=* ]]; then
				next=(lineeq)   # set takes several N=V
				continue
			else
				continue
			fi
			((${#next[@]})) && continue
		fi
		case $w in
		get) next=(line) ;;
		set) next=(lineeq) ;;
		dir) next=(line dir) ;;
		irq) next=(line irq) ;;
		wait) next=(line opt) ;;
		esac
	done
	want=${next[0]:-op}
	case $want in
	op) _vitool_reply "$cur" $_vitool_gpio_ops ;;
	opt) _vitool_reply "$cur" --timeout -n --format $_vitool_gpio_ops ;;
	dir) _vitool_reply "$cur" $_vitool_gpio_dirs ;;
	irq) _vitool_reply "$cur" $_vitool_gpio_irqs ;;
	lineeq)
		if [[ $cur != *=* ]]; then
			((j > 0)) && [[ ${_vt_words[_vt_cword - 1]} == *=* ]] && _vitool_reply "$cur" $_vitool_gpio_ops
		else
			local l
			for l in $_vitool_gpio_levels; do c+=("${cur%=*}=$l"); done
			_vitool_reply "$cur" "${c[@]}"
		fi
		;;
	esac
	return 0
}

# An i2c operation word of `drive i2c`: detect, or {r|w}LEN[@ADDR].
_vitool_drive_op()
{
	local cur=$1 first=$2
	case $cur in
	[rw][0-9]*@*) ;;
	[rw][0-9]*) COMPREPLY=("$cur@0x"); compopt -o nospace 2>/dev/null || : ;;
	[rw])
		_vitool_reply "$cur" "${cur}1@0x" "${cur}2@0x" "${cur}4@0x" "${cur}8@0x" "${cur}16@0x"
		compopt -o nospace 2>/dev/null || :
		;;
	*)
		if [[ $first == 1 ]]; then
			_vitool_reply "$cur" detect r1@0x w1@0x
		else
			_vitool_reply "$cur" r1@0x w1@0x
		fi
		if [[ $cur != d* ]]; then
			compopt -o nospace 2>/dev/null || :
		fi
		;;
	esac
}

_vitool()
{
	local _vt_words _vt_cword
	COMPREPLY=()
	_vitool_join_words
	local cur=${_vt_words[_vt_cword]}
	local i=1 w cmd=""

	# Global options, then the command.
	while ((i < _vt_cword)); do
		w=${_vt_words[i]}
		case $w in
		-*) ;;
		*) cmd=$w; break ;;
		esac
		i=$((i + 1))
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_vitool_reply "$cur" $_vitool_global_opts
		else
			_vitool_reply "$cur" $_vitool_commands
		fi
		return 0
	fi
	i=$((i + 1))

	case $cmd in
	help)
		((i == _vt_cword)) && _vitool_reply "$cur" serve drive proxy loopback inject trace top console list
		return 0
		;;
	proxy)
		# options only; the one before the cursor may want a value
		local prev=${_vt_words[_vt_cword - 1]}
		if ((_vt_cword - 1 >= i)) && [[ $prev == -* && $prev != *=* ]] && _vitool_takes_arg proxy "$prev"; then
			_vitool_optarg proxy "$prev" "" "$cur"
		elif [[ $cur == --*=* ]]; then
			_vitool_optarg proxy "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
		else
			_vitool_reply "$cur" $_vitool_proxy_opts
		fi
		return 0
		;;
	list)
		[[ $cur == -* ]] && _vitool_reply "$cur" $_vitool_list_opts
		return 0
		;;
	serve | drive) ;;
	loopback) ;;
	inject)
		_vitool_inject "$cur" "$i"
		return 0
		;;
	trace)
		_vitool_trace "$cur" "$i"
		return 0
		;;
	top)
		_vitool_top "$cur" "$i"
		return 0
		;;
	console)
		_vitool_console "$cur" "$i"
		return 0
		;;
	*) return 0 ;;
	esac

	# serve and drive want the device word first.
	local dev=""
	if [[ $cmd != loopback ]]; then
		if ((i == _vt_cword)); then
			if [[ $cur == -* ]]; then
				_vitool_reply "$cur" -h --help
			elif [[ $cmd == drive ]]; then
				_vitool_reply "$cur" $_vitool_drive_devices
			else
				_vitool_reply "$cur" $_vitool_devices
			fi
			return 0
		fi
		dev=${_vt_words[i]}
		[[ $dev == gpio || $dev == rng || $dev == scmi || $dev == blk ]] || dev=i2c
		i=$((i + 1))
	fi
	local first_op=$i

	# Options (getopt stops at the first word that is not one; loopback
	# takes them before and after its device word).
	local ops=0 device=0 prev_opt="" anyorder=0
	[[ $cmd == loopback ]] && anyorder=1
	while ((i < _vt_cword)); do
		w=${_vt_words[i]}
		if [[ -n $prev_opt ]]; then
			prev_opt=""
		elif ((ops == 0 && (device == 0 || anyorder))) && [[ $w == -* && $w != *=* ]]; then
			_vitool_takes_arg "$cmd" "$w" && prev_opt=$w
		elif ((ops == 0 && (device == 0 || anyorder))) && [[ $w == --*=* ]]; then
			:
		elif [[ $cmd == loopback ]]; then
			device=1
		else
			((ops == 0)) && first_op=$i
			ops=$((ops + 1))
		fi
		i=$((i + 1))
	done

	# The value of an option, separate or as --opt=value.
	if [[ -n $prev_opt ]]; then
		_vitool_optarg "$cmd" "$prev_opt" "" "$cur"
		return 0
	fi
	if ((ops == 0 && (device == 0 || anyorder))) && [[ $cur == --*=* ]]; then
		_vitool_optarg "$cmd" "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
		return 0
	fi

	local opts_var=_vitool_${cmd}_opts
	[[ -n $dev ]] && opts_var=_vitool_${cmd}_${dev}_opts
	case $cmd in
	loopback)
		if [[ $cur == -* ]]; then
			_vitool_reply "$cur" ${!opts_var}
		elif ((!device)); then
			_vitool_reply "$cur" $_vitool_loopback_devices
		fi
		;;
	serve)
		[[ $cur == -* || -z $cur ]] && _vitool_reply "$cur" ${!opts_var}
		;;
	drive)
		if ((ops == 0)) && [[ $cur == -* ]]; then
			_vitool_reply "$cur" ${!opts_var}
		elif [[ $dev == gpio ]]; then
			((ops == 0)) && first_op=$_vt_cword
			_vitool_drive_gpio_op "$cur" "$first_op"
		elif [[ $dev == blk ]]; then
			# read SECTOR [COUNT] | write SECTOR FILE|- | flush | id | capacity | wait-config
			local prev2=""
			((ops >= 2)) && prev2=${_vt_words[_vt_cword - 2]}
			if [[ $prev2 == write ]]; then
				_vitool_reply_files "" "$cur"
			elif [[ $cur != [0-9]* ]] && ! [[ ${_vt_words[_vt_cword - 1]} == read || ${_vt_words[_vt_cword - 1]} == write ]]; then
				_vitool_reply "$cur" read write flush id capacity wait-config
			fi
		elif [[ $dev == rng ]]; then
			# read N ...: "read" where a count does not go
			((ops % 2 == 0)) && _vitool_reply "$cur" read
		elif [[ $dev == scmi ]]; then
			_vitool_drive_scmi_op "$cur"
		elif [[ ${_vt_words[_vt_cword - ops]} == detect ]] && ((ops > 0)); then
			:  # detect [FIRST LAST]: numbers
		else
			_vitool_drive_op "$cur" $((ops == 0))
		fi
		;;
	esac
	return 0
}

complete -F _vitool vitool
