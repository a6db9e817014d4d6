#!/usr/bin/env bash
# Runs test suites and prints their TAP, then one closing line
# "N passed, N failed[, N skipped]".  Exit status 1 when anything failed.
#
#   tests/run.sh LABEL ITEM... [-- ITEM...]
# An ITEM is a unit test binary (or any program that prints TAP), a bats
# file, or NAME=VALUE, which sets NAME in the environment of the items after
# it (make check's sanitizer pass: VITOOL=build-san/vitool before its bats
# files), or a directory: tests/bats (each *.bats file through `bats
# --tap`) or tests/vm (its run-vm.sh), or
# make:TARGET[:DESCRIPTION], one test that `$MAKE TARGET` succeeds (its
# output kept for a failure).  A suite that dies without reporting a
# failure (crash, sanitizer abort) counts as one failure.
set -u
label=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 skipped=0

count() {  # reads one suite's TAP on stdin, echoes it, updates the counts
	local line f=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"not ok"*) failed=$((failed + 1)); f=1 ;;
		ok*"# skip"*|ok*"# SKIP"*) skipped=$((skipped + 1)) ;;
		ok*) passed=$((passed + 1)) ;;
		esac
	done
	return $f
}

# make:TARGET[:DESCRIPTION] as one TAP line; on failure the make's last
# lines follow as TAP comments.
run_make() {
	local target=${1%%:*} desc=$1 log rc
	[ "$desc" = "$target" ] && desc="make $target" || desc=${desc#*:}
	log=$(mktemp)
	${MAKE:-make} --no-print-directory -C "$here/.." "$target" >"$log" 2>&1; rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok 1 - $desc"
	else
		echo "not ok 1 - $desc"
		tail -n 30 "$log" | sed 's/^/# /'
	fi
	rm -f "$log"
	return "$rc"
}

run_item() {
	local item=$1 out rc arch=
	if [[ $item =~ ^[A-Z_][A-Z0-9_]*= ]]; then
		echo "# ${item%%=*}=${item#*=}"
		export "${item?}"
		return
	fi
	out=$(mktemp)
	case "$item" in
	make:*) ;;
	*vm:*) arch=${item##*:} item=${item%:*} ;;
	esac
	if [[ $item == *.bats && -f $item ]]; then
		echo "# bats: $item"
		bats --tap "$item" >"$out" 2>&1; rc=$?
	elif [ "${item#make:}" != "$item" ]; then
		echo "# make: ${item#make:}"
		run_make "${item#make:}" >"$out"; rc=$?
	elif [ -d "$item" ]; then
		case "$item" in
		*bats*)
			local files=("$item"/*.bats)
			[ -e "${files[0]}" ] || { rm -f "$out"; return; }
			echo "# bats: ${files[*]}"
			bats --tap "${files[@]}" >"$out" 2>&1; rc=$? ;;
		*vm*)
			echo "# vm suite: $item/run-vm.sh${arch:+ (VM_ARCH=$arch)}"
			if [ -x "$item/run-vm.sh" ]; then
				VM_ARCH=${arch:-x86_64} "$item/run-vm.sh" >"$out" 2>&1; rc=$?
			else
				echo "ok 1 - vm suite # skip no VM suite yet (tests/vm/run-vm.sh missing)" >"$out"; rc=0
			fi ;;
		esac
	else
		echo "# unit: $item"
		"$item" >"$out" 2>&1; rc=$?
	fi
	if ! count <"$out" && [ "$rc" -ne 0 ]; then :; fi
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$out"; then
		echo "not ok - $item exited with status $rc without reporting a failure"
		failed=$((failed + 1))
	fi
	rm -f "$out"
}

for item in "$@"; do
	[ "$item" = "--" ] && continue
	run_item "$item"
done

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "# $label"
echo "$summary"
[ "$failed" -eq 0 ]
