#!/usr/bin/env bats
# Shell completion (completions/vitool.bash, completions/_vitool) and the man
# pages: the bash function is called the way bash calls it, with COMP_WORDS
# split at COMP_WORDBREAKS; the zsh file must parse; every man page must
# render without a groff warning; options in the getopt tables of cmd/*.c
# must be offered by completion and documented in the man pages.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

SRC_DIR="$BATS_TEST_DIRNAME/../.."

setup() {
	# shellcheck source=../../completions/vitool.bash
	source "$SRC_DIR/completions/vitool.bash"
}

# complete WORD...: sets COMP_WORDS to the words (the last one is the word
# under the cursor), calls the completion function and leaves the reply in
# COMPREPLY.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_vitool 2>/dev/null
}

# The long options of a command's getopt table in cmd/CMD.c, sorted.
getopt_long_options() {
	sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument,.*/--\1/p' "$SRC_DIR/cmd/$1.c" | sort
}

@test "completion: the bash file registers _vitool for vitool" {
	run complete -p vitool
	assert_success
	assert_output --partial "-F _vitool"
}

@test "completion: commands after 'vitool '" {
	complete_words vitool ""
	assert_equal "${COMPREPLY[*]}" "serve drive loopback help"
}

@test "completion: commands after global options, global options after 'vitool -'" {
	complete_words vitool -v ""
	assert_equal "${COMPREPLY[*]}" "serve drive loopback help"
	complete_words vitool --v
	assert_equal "${COMPREPLY[*]}" "--verbose --version"
}

@test "completion: options after 'vitool serve i2c --'" {
	complete_words vitool serve i2c --
	assert_equal "${COMPREPLY[*]}" "--socket --target --bus --print --once --verbose --help"
}

@test "completion: the device word after 'vitool serve '" {
	complete_words vitool serve ""
	assert_equal "${COMPREPLY[*]}" "i2c"
}

@test "completion: models after '--target 0x50=' (bash splits at '=')" {
	# What bash passes for "vitool serve i2c --target 0x50=": the '=' is a
	# word of its own and is the word under the cursor.
	complete_words vitool serve i2c --target 0x50 =
	assert_equal "${COMPREPLY[*]}" "24c02 24c32 regs"
	complete_words vitool serve i2c -t 0x50 = 24
	assert_equal "${COMPREPLY[*]}" "24c02 24c32"
	complete_words vitool serve i2c --target=0x50 = r
	assert_equal "${COMPREPLY[*]}" "regs"
}

@test "completion: models after '--target 0x50=' (no word breaks at '=')" {
	COMP_WORDBREAKS=$' \t\n"'"'"
	complete_words vitool serve i2c --target 0x50=
	assert_equal "${COMPREPLY[*]}" "0x50=24c02 0x50=24c32 0x50=regs"
}

@test "completion: ':file=' after a model" {
	complete_words vitool serve i2c --target 0x50 = 24c02 :
	assert_equal "${COMPREPLY[*]}" "file="
}

@test "completion: command names after 'vitool help '" {
	complete_words vitool help ""
	assert_equal "${COMPREPLY[*]}" "serve drive loopback"
	complete_words vitool help l
	assert_equal "${COMPREPLY[*]}" "loopback"
}

@test "completion: drive suggests detect and r/w forms" {
	complete_words vitool drive i2c -s /tmp/i2c.sock ""
	assert_equal "${COMPREPLY[*]}" "detect r1@0x w1@0x"
	complete_words vitool drive i2c -s /tmp/i2c.sock r8
	assert_equal "${COMPREPLY[*]}" "r8@0x"
	complete_words vitool drive i2c -s /tmp/i2c.sock de
	assert_equal "${COMPREPLY[*]}" "detect"
}

@test "completion: --socket and --script complete file names" {
	local dir
	dir=$(mktemp -d)
	touch "$dir/i2c.sock" "$dir/script.txt"
	complete_words vitool serve i2c --socket "$dir/i2"
	assert_equal "${COMPREPLY[*]}" "$dir/i2c.sock"
	complete_words vitool loopback --script "$dir/sc"
	assert_equal "${COMPREPLY[*]}" "$dir/script.txt"
	rm -rf "$dir"
}

@test "completion: bash offers every long option of each command's getopt table" {
	local cmd want got
	for cmd in serve drive loopback; do
		want=$(getopt_long_options "$cmd")
		case $cmd in
		loopback) complete_words vitool loopback -- ;;
		*) complete_words vitool "$cmd" i2c -- ;;
		esac
		got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
		assert_equal "$cmd: $got" "$cmd: $want"
	done
	want=$(getopt_long_options vitool)
	complete_words vitool --
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
	assert_equal "vitool: $got" "vitool: $want"
}

@test "completion: the zsh file parses" {
	command -v zsh >/dev/null || skip "zsh not installed"
	run zsh -n "$SRC_DIR/completions/_vitool"
	assert_success
	assert_output ""
	cd "$SRC_DIR"
	run zsh -fc 'autoload -U compinit; compinit -u; source completions/_vitool; print -r -- $_comps[vitool]'
	assert_success
	assert_output "_vitool"
}

@test "completion: zsh offers every long option of each command's getopt table" {
	local cmd opt
	for cmd in vitool serve drive loopback; do
		for opt in $(getopt_long_options "$cmd"); do
			grep -q -- "$opt" "$SRC_DIR/completions/_vitool" ||
				fail "completions/_vitool lacks $cmd $opt"
		done
	done
}

# Renders a page the way man(1) does and prints the warnings only.
man_warnings() {
	if command -v man >/dev/null; then
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$1" 2>&1 >/dev/null
	else
		groff -ww -z -man -Tutf8 "$1" 2>&1
	fi
}

@test "man: the warning check catches a broken page" {
	command -v man >/dev/null || command -v groff >/dev/null || skip "neither man nor groff installed"
	local page="$BATS_TEST_TMPDIR/broken.1"
	printf '.TH BROKEN 1\n.SH NAME\nbroken \\- test\n.XX not a macro\n' >"$page"
	run man_warnings "$page"
	refute_output ""
}

@test "man: every page renders without warnings" {
	command -v man >/dev/null || command -v groff >/dev/null || skip "neither man nor groff installed"
	local page n=0
	for page in "$SRC_DIR"/man/*.[1-9]; do
		run man_warnings "$page"
		assert_output ""
		n=$((n + 1))
	done
	((n >= 4)) || fail "expected at least 4 man pages, found $n"
}

@test "man: every page passes mandoc -T lint" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run mandoc -T lint -W warning "$SRC_DIR"/man/*.[1-9]
	assert_success
	assert_output ""
}

@test "man: each command's page documents every long option of its getopt table" {
	local cmd page opt
	for cmd in vitool serve drive loopback; do
		page=$SRC_DIR/man/vitool-$cmd.1
		[ "$cmd" = vitool ] && page=$SRC_DIR/man/vitool.1
		for opt in $(getopt_long_options "$cmd"); do
			# In roff source a hyphen is written \-.
			grep -qF -- "${opt//-/\\-}" "$page" ||
				fail "$(basename "$page") does not document $opt"
		done
	done
}
