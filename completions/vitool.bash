# bash completion for vitool(1)                                -*- shell-script -*-
#
# Installed as $PREFIX/share/bash-completion/completions/vitool; works on its
# own too (`source completions/vitool.bash`): it needs no bash-completion
# helpers.
#
# bash splits "0x50=24c02:file=x" at '=' and ':' (COMP_WORDBREAKS), so the
# words are glued back together first, and the replies are cut back to the
# part after the last break character, which is all bash replaces.

_vitool_commands="serve drive loopback help"
_vitool_global_opts="-v --verbose -V --version -h --help"
_vitool_serve_opts="-s --socket -t --target -b --bus -p --print --once -v --verbose -h --help"
_vitool_drive_opts="-s --socket -t --timeout -c --connect-timeout -q --queue-size -i --indirect -v --verbose -h --help"
_vitool_loopback_opts="-f --script -s --socket -i --indirect -v --verbose -h --help"
_vitool_models="24c02 24c32 regs"

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
	*:-s | *:--socket | loopback:-f | loopback:--script)
		_vitool_reply_files "$prefix" "$value"
		;;
	serve:-t | serve:--target)
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
	drive:-q | drive:--queue-size)
		local n c=()
		for ((n = 1; n <= 32768; n *= 2)); do c+=("$prefix$n"); done
		_vitool_reply "$prefix$value" "${c[@]}"
		;;
	drive:-t | drive:--timeout | drive:-c | drive:--connect-timeout)
		;;  # milliseconds: nothing to offer
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
	*:-s | *:--socket) return 0 ;;
	serve:-t | serve:--target | serve:-b | serve:--bus) return 0 ;;
	drive:-t | drive:--timeout | drive:-c | drive:--connect-timeout) return 0 ;;
	drive:-q | drive:--queue-size) return 0 ;;
	loopback:-f | loopback:--script) return 0 ;;
	esac
	return 1
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
		((i == _vt_cword)) && _vitool_reply "$cur" serve drive loopback
		return 0
		;;
	serve | drive) ;;
	loopback) ;;
	*) return 0 ;;
	esac

	# serve and drive want the device word first.
	if [[ $cmd != loopback ]]; then
		if ((i == _vt_cword)); then
			if [[ $cur == -* ]]; then
				_vitool_reply "$cur" -h --help
			else
				_vitool_reply "$cur" i2c
			fi
			return 0
		fi
		i=$((i + 1))
	fi

	# Options (getopt stops at the first word that is not one).
	local ops=0 device=0 prev_opt=""
	while ((i < _vt_cword)); do
		w=${_vt_words[i]}
		if [[ -n $prev_opt ]]; then
			prev_opt=""
		elif ((ops == 0 && device == 0)) && [[ $w == -* && $w != *=* ]]; then
			_vitool_takes_arg "$cmd" "$w" && prev_opt=$w
		elif ((ops == 0 && device == 0)) && [[ $w == --*=* ]]; then
			:
		elif [[ $cmd == loopback ]]; then
			device=1
		else
			ops=$((ops + 1))
		fi
		i=$((i + 1))
	done

	# The value of an option, separate or as --opt=value.
	if [[ -n $prev_opt ]]; then
		_vitool_optarg "$cmd" "$prev_opt" "" "$cur"
		return 0
	fi
	if ((ops == 0 && device == 0)) && [[ $cur == --*=* ]]; then
		_vitool_optarg "$cmd" "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
		return 0
	fi

	local opts_var=_vitool_${cmd}_opts
	case $cmd in
	loopback)
		((device)) && return 0
		if [[ $cur == -* ]]; then
			_vitool_reply "$cur" ${!opts_var}
		else
			_vitool_reply "$cur" i2c
		fi
		;;
	serve)
		[[ $cur == -* || -z $cur ]] && _vitool_reply "$cur" ${!opts_var}
		;;
	drive)
		if ((ops == 0)) && [[ $cur == -* ]]; then
			_vitool_reply "$cur" ${!opts_var}
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
